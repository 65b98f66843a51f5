# ---------------------------------------------------------------- sanitizers
# Memory checking and fuzzing (included by the top Makefile).
#
#   make check SANITIZE=address,undefined
#           the integration tests against the sanitizer variant of the
#           library (build/cpython-X.Y.Z-address-undefined/, libc malloc);
#           tests/integration/run.py reads SANITIZE from its environment,
#           preloads the ASan runtime ahead of the library in every child
#           and sets ASAN_OPTIONS / UBSAN_OPTIONS so a finding fails the
#           test (run.py, class Interp).
#   make check-valgrind
#           every unit test binary (build/unit/check_*) under valgrind, in
#           one process each (CK_FORK=no): no invalid access, no use of
#           uninitialised memory, no definite leak.
#   make fuzz [FUZZ_SECONDS=300] [FUZZ_TARGETS=config]
#           a libFuzzer session of FUZZ_SECONDS on each target, clang with
#           ASan + UBSan: config, the option parser and path expansion
#           (tests/fuzz/fuzz_config.c); report, the slotprof command's
#           report loader (tests/fuzz/fuzz_report.c).
#   make fuzz-quick
#           the same, quietly, FUZZ_QUICK_SECONDS (25 s) in all, shared
#           by the targets: for make check.
#   make fuzz-regress
#           the seed corpora only, no fuzzing (a second or so).

.PHONY: check-valgrind fuzz fuzz-quick fuzz-regress
# (fuzz-long-NAME, fuzz-quick-NAME, fuzz-regress-NAME are pattern rules:
# .PHONY would switch their rule search off.)

# ------------------------------------------------------------ valgrind
SAN_VALGRIND ?= valgrind
# make check-valgrind SAN_VALGRIND_EXTRA=--track-origins=yes to find where
# an uninitialised value came from (twice as slow).
SAN_VALGRIND_EXTRA ?=
SAN_VALGRIND_FLAGS := -q --error-exitcode=1 --leak-check=full \
  --errors-for-leak-kinds=definite --show-leak-kinds=definite \
  $(SAN_VALGRIND_EXTRA)
# Binaries run side by side, one valgrind each.
SAN_JOBS ?= $(shell nproc 2>/dev/null || echo 2)

# The plain unit binaries: valgrind and ASan do not mix.  Each binary's
# log is kept next to it (build/unit/check_*.valgrind) and printed when
# it fails.
check-valgrind: $(if $(SANITIZE),san-no-sanitize,$(UNIT_BINS))
	@command -v $(SAN_VALGRIND) >/dev/null || { echo "make: $(SAN_VALGRIND) not found (apt-get install valgrind)" >&2; exit 1; }
	@echo "  VALGRIND $(notdir $(UNIT_BINS))"
	@printf '%s\n' $(UNIT_BINS) | xargs -P $(SAN_JOBS) -I{} sh -c \
	  'CK_FORK=no $(SAN_VALGRIND) $(SAN_VALGRIND_FLAGS) {} >{}.valgrind 2>&1 \
	   || { head -n 40 {}.valgrind; echo "make: {} fails under valgrind (whole log: {}.valgrind)" >&2; exit 1; }' \
	  || exit 1

.PHONY: san-no-sanitize
san-no-sanitize:
	@echo "make: check-valgrind runs the plain unit tests; drop SANITIZE=$(SANITIZE)" >&2; exit 1

# ------------------------------------------------------------ libFuzzer
# One target per tests/fuzz/fuzz_NAME.c; each has its seeds in
# tests/fuzz/corpus/NAME/, its words in tests/fuzz/NAME.dict, and its own
# max_len (FUZZ_MAXLEN_NAME).  SLOTPROF_DEBUG turns SP_NEVER() into
# assertions.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 300
FUZZ_QUICK_SECONDS ?= 25
FUZZ_TARGETS ?= config report
FUZZ_BUILD := build/fuzz
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
  -Wall -Wextra -DSLOTPROF_BUILD -DSLOTPROF_DEBUG -Iinclude -Iprofiler
FUZZ_ENV := ASAN_OPTIONS=halt_on_error=1:detect_leaks=1 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
# Longer than any path the option parser accepts (SP_PATH_MAX 4096).
FUZZ_MAXLEN_config := 4400
# Room for every seed report and a little more.
FUZZ_MAXLEN_report := 16384
# fuzz-quick's share of each target: the budget stays FUZZ_QUICK_SECONDS.
FUZZ_QUICK_EACH := $(shell expr $(FUZZ_QUICK_SECONDS) / \
  $(words $(FUZZ_TARGETS)))

# libFuzzer's options for target $* (in the pattern rules below).
FUZZ_FLAGS = -dict=tests/fuzz/$*.dict -max_len=$(FUZZ_MAXLEN_$*) \
  -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix=$(FUZZ_BUILD)/$*-

# config.c alone: it neither allocates nor logs.
$(FUZZ_BUILD)/fuzz_config: tests/fuzz/fuzz_config.c profiler/config.c \
  profiler/internal.h
	@mkdir -p $(dir $@)
	@echo "  FUZZ-LD $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@.tmp tests/fuzz/fuzz_config.c \
	  profiler/config.c && mv -f $@.tmp $@

# The loader, the library's writers it is checked against and what they
# need, on libc's malloc (as mk/tools.mk builds them), and jansson.
FUZZ_REPORT_SRCS := tests/fuzz/fuzz_report.c $(wildcard tools/load*.c) \
  $(addprefix profiler/,alloc.c strbuf.c strmap.c series.c report.c \
    report_json.c report_text.c)
$(FUZZ_BUILD)/fuzz_report: $(FUZZ_REPORT_SRCS) $(wildcard tools/*.h) \
  profiler/internal.h
	@mkdir -p $(dir $@)
	@echo "  FUZZ-LD $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -DSLOTPROF_SYSTEM_ALLOC -Itools -o $@.tmp \
	  $(FUZZ_REPORT_SRCS) -ljansson -lm && mv -f $@.tmp $@

fuzz: $(addprefix fuzz-long-,$(FUZZ_TARGETS))
fuzz-quick: $(addprefix fuzz-quick-,$(FUZZ_TARGETS))
fuzz-regress: $(addprefix fuzz-regress-,$(FUZZ_TARGETS))

# New inputs accumulate in build/fuzz/corpus/NAME between sessions; the
# seeds are read, never written.
fuzz-long-%: $(FUZZ_BUILD)/fuzz_%
	@mkdir -p $(FUZZ_BUILD)/corpus/$*
	$(FUZZ_ENV) $< $(FUZZ_FLAGS) -max_total_time=$(FUZZ_SECONDS) \
	  $(FUZZ_BUILD)/corpus/$* tests/fuzz/corpus/$*

# Quiet: the log goes to build/fuzz/fuzz-quick-NAME.log, the summary (or
# the finding) to the terminal.
fuzz-quick-%: $(FUZZ_BUILD)/fuzz_%
	@mkdir -p $(FUZZ_BUILD)/corpus/$*
	@echo "  FUZZ $< for $(FUZZ_QUICK_EACH) s"
	@$(FUZZ_ENV) $< $(FUZZ_FLAGS) -max_total_time=$(FUZZ_QUICK_EACH) \
	  $(FUZZ_BUILD)/corpus/$* tests/fuzz/corpus/$* \
	  >$(FUZZ_BUILD)/fuzz-quick-$*.log 2>&1 \
	  && grep -E '^(Done|stat::number_of_executed_units|stat::new_units_added)' \
	     $(FUZZ_BUILD)/fuzz-quick-$*.log \
	  || { tail -n 60 $(FUZZ_BUILD)/fuzz-quick-$*.log; \
	       echo "make: fuzz_$* found a problem" \
	         "(log: $(FUZZ_BUILD)/fuzz-quick-$*.log)" >&2; \
	       exit 1; }

fuzz-regress-%: $(FUZZ_BUILD)/fuzz_%
	$(FUZZ_ENV) $< tests/fuzz/corpus/$*/*
