# tools.mk -- the `slotprof` command (tools/), built and tested outside
# the library (included by the top Makefile).
#
#   make tools          build/tools/slotprof
#   make check-tools    its tests: tests/tools/test_*.py (unittest)
#
# The command reads JSON reports back into the library's struct sp_report
# and renders them with the library's own writers, so it links the
# Python-free modules of profiler/ -- rebuilt here with libc's malloc
# (-DSLOTPROF_SYSTEM_ALLOC: no private jemalloc in a command-line tool)
# into build/tools/obj/profiler/ -- with every tools/*.c.
#
# Other fragments (mk/tools-*.mk, included before this one) extend the
# build by appending, never assigning, to:
#   TOOLS_CFLAGS          extra compiler flags (-I for generated headers)
#   TOOLS_EXTRA_OBJS      extra objects to link (generated code)
#   TOOLS_LIBS            extra libraries (-lz ...)
#   TOOLS_PROFILER_SRCS   more profiler/ modules the tools need
# so this file appends too.

TOOLS_BUILD := build/tools
TOOLS_BIN := $(TOOLS_BUILD)/slotprof
TOOLS_PROFILER_SRCS += alloc.c log.c strbuf.c config.c model.c report.c \
  report_json.c report_text.c output.c strmap.c series.c
TOOLS_CFLAGS += $(CSTD) $(WARN) $(CFLAGS) -DSLOTPROF_BUILD \
  -DSLOTPROF_SYSTEM_ALLOC -Iinclude -Iprofiler -Itools \
  -DSP_TOOLS_VERSION='"$(TOOLS_VERSION)"'
# jansson parses the reports (tools/load.c; Debian: libjansson-dev).
TOOLS_LIBS += -ljansson -lm
# The command says the library's version (profiler/bootstrap.c).
TOOLS_VERSION := $(shell sed -n 's/.*define SP_LIB_VERSION "\(.*\)"$$/\1/p' \
  profiler/bootstrap.c)

TOOLS_SRCS := $(sort $(wildcard tools/*.c))
TOOLS_OBJS := $(patsubst tools/%.c,$(TOOLS_BUILD)/obj/%.o,$(TOOLS_SRCS))
TOOLS_LIB_OBJS := $(addprefix $(TOOLS_BUILD)/obj/profiler/,\
  $(sort $(TOOLS_PROFILER_SRCS:.c=.o)))

.PHONY: tools check-tools

tools: $(TOOLS_BIN)

$(TOOLS_BUILD)/obj/%.o: tools/%.c $(wildcard tools/*.h) profiler/internal.h
	@mkdir -p $(dir $@)
	@echo "  CC (tools) $<"
	@$(CC) $(TOOLS_CFLAGS) -c $< -o $@

$(TOOLS_BUILD)/obj/profiler/%.o: profiler/%.c profiler/internal.h
	@mkdir -p $(dir $@)
	@echo "  CC (tools) $<"
	@$(CC) $(TOOLS_CFLAGS) -c $< -o $@

$(TOOLS_BIN): $(TOOLS_OBJS) $(TOOLS_LIB_OBJS) $(TOOLS_EXTRA_OBJS)
	@echo "  LD $@"
	@$(CC) $(CFLAGS) -o $@.tmp $(TOOLS_OBJS) $(TOOLS_LIB_OBJS) \
	  $(TOOLS_EXTRA_OBJS) $(TOOLS_LIBS)
	@mv -f $@.tmp $@

check-tools: tools
	/usr/bin/python3 -m unittest discover -s tests/tools -p 'test_*.py' -v
