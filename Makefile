# slotprof -- build, test and install libslotprof.so.
#
# The library is built once per CPython interpreter, against that
# interpreter's own headers, into build/cpython-X.Y.Z/:
#
#   make PYTHON=/path/to/python3            build for that interpreter
#   make -s lib-path PYTHON=...             print the library's absolute path
#   make check                              unit tests (also under valgrind),
#                                           a short fuzzing run, integration
#                                           tests and CPython's own tests
#                                           under the library, every
#                                           interpreter in INTERPRETERS
#   make check SANITIZE=address,undefined   the same with an ASan+UBSan
#                                           library
#   make unit-pyver PYTHON=...              the backend's exact costs for
#                                           that interpreter (in make check)
#   make demo                               build, run the bundled example
#                                           under the library, print the report,
#                                           render it as HTML and folded stacks
#   make tools                              the slotprof command (tools/):
#                                           run, report, diff, merge
#   make help                               everything else
#
# The library does not link libpython: every Python symbol is a weak
# undefined reference resolved in the host process, so the library loads
# (and stays inert) in processes that are not CPython.

PYTHON ?= /usr/bin/python3
PREFIX ?= /usr/local
DESTDIR ?=
SANITIZE ?=
CC ?= cc
OBJCOPY ?= objcopy

# The interpreters `make check` covers (see DEVELOPERS.md).  3.14 and
# 3.15 are Debian unstable's, unpacked into a cache outside the clone by
# tests/get-python.sh (make check runs it; make pythons alone).
PYENV_ROOT ?= $(shell pyenv root 2>/dev/null || echo $(HOME)/.pyenv)
NEW_PYTHONS := 3.14 3.15
PYTHONS_CACHE := $(shell sh tests/get-python.sh --dir)
INTERPRETERS ?= $(foreach v,3.8.18 3.9.18 3.10.13 3.11.7 3.12.1 3.13.0,\
                  $(PYENV_ROOT)/versions/$(v)/bin/python3) /usr/bin/python3.11 \
                $(foreach v,$(NEW_PYTHONS),$(PYTHONS_CACHE)/$(v)/usr/bin/python$(v))

JEMALLOC_PIC ?= $(firstword $(wildcard /usr/lib/*/libjemalloc_pic.a \
                                       /usr/lib/libjemalloc_pic.a))

# One query to the interpreter: full version, backend tag, include dir,
# and "t" for a free-threaded build ("-" otherwise).
PYINFO := $(shell $(PYTHON) -c 'import sys, sysconfig; \
  print(sys.version.split()[0], "%d%d" % sys.version_info[:2], \
        sysconfig.get_paths()["include"], \
        "t" if sysconfig.get_config_var("Py_GIL_DISABLED") else "-")' \
  2>/dev/null)
PYVERSION := $(word 1,$(PYINFO))
PYTAG := $(word 2,$(PYINFO))
PYINC := $(word 3,$(PYINFO))
PYABI_T := $(filter t,$(word 4,$(PYINFO)))

comma := ,
VARIANT := $(if $(SANITIZE),-$(subst $(comma),-,$(SANITIZE)),)
# 3.14.10 and 3.14.10t (free-threaded) are different builds.
BUILD := build/cpython-$(PYVERSION)$(PYABI_T)$(VARIANT)
LIB := $(BUILD)/libslotprof.so

# implicit declarations are errors: with weak Python symbols, a function
# this CPython lacks would otherwise link and jump to address 0.
WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wno-missing-field-initializers \
  -Werror=implicit-function-declaration
CSTD := -std=c11 -D_GNU_SOURCE
SANFLAGS := $(if $(SANITIZE),-fsanitize=$(SANITIZE) -fno-omit-frame-pointer,)
CFLAGS ?= -O2 -g
# Sanitizer builds keep the profiler's memory in libc's heap, where ASan
# can see it, instead of the private jemalloc.
ALLOC_FLAGS := $(if $(SANITIZE),-DSLOTPROF_SYSTEM_ALLOC,)
ALLOC_LIB = $(if $(SANITIZE),,$(JEMALLOC_PRIV))
LIB_CFLAGS := $(CSTD) $(WARN) $(CFLAGS) $(SANFLAGS) $(ALLOC_FLAGS) -fPIC -fvisibility=hidden \
  -DSLOTPROF_BUILD -DSP_PY_VERSION='"$(PYVERSION)"' -Iinclude -Iprofiler \
  -isystem $(PYINC) -isystem $(PYINC)/internal

# Python-free modules: unit-testable without libpython.
CORE_SRCS := alloc.c log.c strbuf.c config.c model.c plan.c report.c \
  report_json.c report_text.c output.c source.c version.c strmap.c \
  series.c history.c
# Modules that talk to CPython (version-neutral) + this build's backend.
PY_SRCS := bootstrap.c census.c classinfo.c classnode.c allocs.c pystr.c pyver/py$(PYTAG).c
LIB_OBJS := $(addprefix $(BUILD)/,$(CORE_SRCS:.c=.o) $(PY_SRCS:.c=.o))

.PHONY: all lib lib-path check unit unit-pyver integration demo bench install \
  uninstall clean lint format help check-python pythons
.DEFAULT_GOAL := all

all: lib

check-python:
	@test -n "$(PYVERSION)" || { echo "make: cannot run $(PYTHON) (set PYTHON=/path/to/python3)" >&2; exit 1; }
	@test -f profiler/pyver/py$(PYTAG).c || { echo "make: CPython $(PYVERSION) is not supported (no profiler/pyver/py$(PYTAG).c)" >&2; exit 1; }
	@test -n "$(JEMALLOC_PIC)" || { echo "make: libjemalloc_pic.a not found (apt-get install libjemalloc-dev)" >&2; exit 1; }

lib: check-python $(LIB)

lib-path: lib
	@echo $(abspath $(LIB))

$(BUILD)/%.o: profiler/%.c profiler/internal.h profiler/pyapi.h profiler/classinfo.h \
  include/slotprof.h $(wildcard profiler/pyver/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(LIB_CFLAGS) -c $< -o $@.tmp.o
	@# Make the undefined Python symbols weak (data ones above all):
	@# they must not fail the load in a process without libpython.  Only
	@# those: a weak reference does not pull a member out of an archive,
	@# and malloc & co. must come from libjemalloc_pic.a.
	@nm -u $@.tmp.o | awk '$$2 ~ /^_?Py/ {print $$2}' > $@.weak
	@if [ -s $@.weak ]; then $(OBJCOPY) --weaken-symbols=$@.weak $@.tmp.o $@; \
	  else cp $@.tmp.o $@; fi && rm -f $@.tmp.o $@.weak

# A private copy of jemalloc without its constructor: jemalloc initializes
# lazily on first use (malloc_init_hard), so in processes that are not
# CPython -- every shell and compiler inheriting LD_PRELOAD -- it never
# starts (no arena mmaps, no /proc reads).  jemalloc.pic.o's .init_array
# holds only jemalloc_constructor.
JEMALLOC_PRIV := build/jemalloc/libjemalloc_private.a
$(JEMALLOC_PRIV): $(JEMALLOC_PIC)
	@mkdir -p $(dir $@)
	@d=$$(mktemp -d $(dir $@)x.XXXXXX) && cp $(JEMALLOC_PIC) $$d/lib.a && \
	  (cd $$d && ar x lib.a jemalloc.pic.o && \
	   $(OBJCOPY) --remove-section=.init_array \
	     --remove-section=.rela.init_array jemalloc.pic.o && \
	   ar r lib.a jemalloc.pic.o) && mv -f $$d/lib.a $@ && rm -rf $$d

$(LIB): $(LIB_OBJS) profiler/libslotprof.map $(ALLOC_LIB)
	$(CC) -shared -o $@.tmp $(LIB_OBJS) $(ALLOC_LIB) $(SANFLAGS) \
	  -Wl,--version-script=profiler/libslotprof.map -Wl,--exclude-libs,ALL \
	  -Wl,-z,nodelete -lgcc_s -lpthread -ldl -lm
	@# Replace, never rewrite in place: a process may have it mapped.
	@mv -f $@.tmp $@

# ---------------------------------------------------------------- tests
UNIT_BUILD := build/unit$(VARIANT)
UNIT_CFLAGS := $(CSTD) $(WARN) $(CFLAGS) $(SANFLAGS) -DSLOTPROF_BUILD \
  -DSLOTPROF_TEST -Iinclude -Iprofiler
UNIT_SUITES := $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/check_*.c))
UNIT_BINS := $(addprefix $(UNIT_BUILD)/,$(UNIT_SUITES))
UNIT_OBJS := $(addprefix $(UNIT_BUILD)/obj/,$(CORE_SRCS:.c=.o))
# Keep the unit objects between runs (make would delete them as
# intermediates of the pattern-rule chain).
.SECONDARY: $(UNIT_OBJS)
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lm -lrt -lpthread)

$(UNIT_BUILD)/obj/%.o: profiler/%.c profiler/internal.h
	@mkdir -p $(dir $@)
	@echo "  CC (unit) $<"
	@$(CC) $(UNIT_CFLAGS) -c $< -o $@

$(UNIT_BUILD)/check_%: tests/unit/check_%.c $(UNIT_OBJS)
	@echo "  LD $@"
	@$(CC) $(UNIT_CFLAGS) -o $@ $< $(UNIT_OBJS) $(CHECK_LIBS) $(SANFLAGS)

unit: $(UNIT_BINS)
	@fail=0; for t in $(UNIT_BINS); do $$t || fail=1; done; exit $$fail

# The cost model per CPython version, for $(PYTHON): exact costs the
# backend gives instances of known shapes, against layout formulas
# tests/unit/pyver/check_pyver.c writes out.  Compiled against $(PYTHON)'s
# headers, linked with this build's backend and model objects and with
# $(PYTHON)'s own libpython, which it embeds (embed-flags.py: shared, or
# the static archive of Debian's python3.11).  The objects' Python
# references are weak ($(BUILD)/%.o above): -Wl,-u makes the linker pull
# them out of a static libpython all the same.
PYVER_OBJS := $(BUILD)/pyver/py$(PYTAG).o $(BUILD)/model.o
PYVER_TEST := $(BUILD)/check_pyver
PYVER_EMBED = $(shell $(PYTHON) tests/unit/pyver/embed-flags.py)

$(PYVER_TEST): tests/unit/pyver/check_pyver.c tests/unit/pyver/embed-flags.py \
  $(PYVER_OBJS) profiler/pyapi.h profiler/internal.h
	@echo "  LD $@"
	@$(CC) $(UNIT_CFLAGS) -isystem $(PYINC) -o $@ $< $(PYVER_OBJS) \
	  $$(nm -u $(PYVER_OBJS) | awk '$$1 == "w" && $$2 ~ /^_?Py/ {print "-Wl,-u," $$2}') \
	  $(PYVER_EMBED) $(CHECK_LIBS) $(SANFLAGS)

# detect_leaks=0: the embedded interpreter is never finalized (SANITIZE=address).
unit-pyver: lib $(PYVER_TEST)
	@ASAN_OPTIONS=$$ASAN_OPTIONS:detect_leaks=0 $(PYVER_TEST)

integration:
	$(PYTHON) tests/integration/run.py $(INTERPRETERS)

pythons:
	@sh tests/get-python.sh $(NEW_PYTHONS) >/dev/null

check:
	@sh tools/install-deps.sh
	@sh tests/get-python.sh $(NEW_PYTHONS) >/dev/null
	@$(MAKE) --no-print-directory unit
	@$(if $(SANITIZE),,$(MAKE) --no-print-directory check-valgrind)
	@$(MAKE) --no-print-directory fuzz-quick
	@libs=""; fail=0; for p in $(INTERPRETERS); do \
	  test -x $$p || { echo "make check: interpreter $$p is missing" >&2; exit 1; }; \
	  $(MAKE) --no-print-directory -s lib PYTHON=$$p SANITIZE=$(SANITIZE) || exit 1; \
	  libs="$$libs $$($(MAKE) --no-print-directory -s lib-path PYTHON=$$p SANITIZE=$(SANITIZE)):$$p"; \
	  $(MAKE) --no-print-directory -s unit-pyver PYTHON=$$p SANITIZE=$(SANITIZE) || fail=1; \
	done; sh tests/check-symbols.sh $$libs && exit $$fail
	/usr/bin/python3 tests/integration/run.py $(INTERPRETERS)
	@$(MAKE) --no-print-directory check-tools
	@$(if $(SANITIZE),,SLOTPROF_IT_NOBUILD=1 $(MAKE) --no-print-directory check-cpython-quick)

# ---------------------------------------------------------------- demo
DEMO_JSON := $(abspath build/demo-report.json)
DEMO_HTML := $(abspath build/demo-report.html)
DEMO_FOLDED := $(abspath build/demo-report.folded)
demo:
	@sh tools/install-deps.sh
	@$(MAKE) --no-print-directory -s lib PYTHON=$(PYTHON)
	@echo "== running examples/shop.py under $(abspath $(LIB))" >&2
	@$(MAKE) --no-print-directory -s tools
	@LD_PRELOAD=$(abspath $(LIB)) \
	  SLOTPROF_OPTIONS="output=$(DEMO_JSON),text=stderr,top=10,sample_every=128" \
	  $(PYTHON) examples/shop.py
	@$(TOOLS_BIN) report $(DEMO_JSON) --format html -o $(DEMO_HTML)
	@$(TOOLS_BIN) report $(DEMO_JSON) --format folded -o $(DEMO_FOLDED)
	@echo "== JSON report: $(DEMO_JSON)" >&2
	@echo "== HTML report with flamegraphs: $(DEMO_HTML)" >&2
	@echo "== folded stacks (flamegraph.pl, speedscope): $(DEMO_FOLDED)" >&2


# Benchmarks, the CPython harmlessness suite, sanitizers and fuzzing: one
# fragment each.
include $(sort $(wildcard mk/*.mk))

# ---------------------------------------------------------------- install
LIBDIR := $(PREFIX)/lib/slotprof/cpython-$(PYVERSION)
# `slotprof run` finds $(PREFIX)/lib/slotprof/cpython-X.Y.Z/ from
# $(PREFIX)/bin/slotprof (docs/slotprof.1, FILES).
install: lib tools
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PREFIX)/include \
	  $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 $(LIB) $(DESTDIR)$(LIBDIR)/libslotprof.so
	install -m 0755 $(TOOLS_BIN) $(DESTDIR)$(PREFIX)/bin/slotprof
	install -m 0644 docs/slotprof.1 $(DESTDIR)$(PREFIX)/share/man/man1/slotprof.1
	install -m 0644 include/slotprof.h $(DESTDIR)$(PREFIX)/include/slotprof.h

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libslotprof.so $(DESTDIR)$(PREFIX)/include/slotprof.h \
	  $(DESTDIR)$(PREFIX)/bin/slotprof $(DESTDIR)$(PREFIX)/share/man/man1/slotprof.1
	-rmdir $(DESTDIR)$(LIBDIR) 2>/dev/null

clean:
	rm -rf build

# Without Python.h cppcheck cannot see Py_RETURN_NONE's return, hence the
# missingReturn suppression; the backends need their own CPython headers
# and are checked by the compiler's warnings instead.
lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
	  --std=c11 -DSLOTPROF_BUILD -Iprofiler -Iinclude \
	  --suppress=missingIncludeSystem --suppress=missingReturn \
	  profiler/*.c

format:
	clang-format -i profiler/*.c profiler/*.h profiler/pyver/*.c include/*.h tests/unit/*.c

help:
	@sed -n '1,/^$$/p' Makefile | sed 's/^# \{0,1\}//'
	@echo "Variables: PYTHON=$(PYTHON) INTERPRETERS=... SANITIZE=address|undefined PREFIX=$(PREFIX) DESTDIR="
	@echo "Targets: all lib-path check unit unit-pyver integration demo bench install uninstall clean lint format help"
	@echo "         pythons (CPython 3.14 and 3.15 from Debian unstable: tests/get-python.sh)"
	@echo "         check-valgrind fuzz fuzz-quick fuzz-regress check-cpython check-cpython-quick"
	@echo "         tools check-tools check-tools-html (the slotprof command: docs/slotprof.1)"
	@echo "         check-apps (safe plans applied to real programs: mk/apps.mk)"
