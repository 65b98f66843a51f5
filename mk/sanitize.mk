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
#   make fuzz [FUZZ_SECONDS=300]
#           a libFuzzer session on the option parser and path expansion
#           (tests/fuzz/fuzz_config.c), clang with ASan + UBSan.
#   make fuzz-quick
#           the same for FUZZ_QUICK_SECONDS (25 s), quietly: for make check.
#   make fuzz-regress
#           the seed corpus only, no fuzzing (a second or so).

.PHONY: check-valgrind fuzz fuzz-quick fuzz-regress

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
# config.c alone: it neither allocates nor logs.  SLOTPROF_DEBUG turns
# SP_NEVER() into assertions.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 300
FUZZ_QUICK_SECONDS ?= 25
FUZZ_BUILD := build/fuzz
FUZZ_TARGET := $(FUZZ_BUILD)/fuzz_config
FUZZ_SEEDS := tests/fuzz/corpus/config
FUZZ_CORPUS := $(FUZZ_BUILD)/corpus/config
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
  -Wall -Wextra -DSLOTPROF_BUILD -DSLOTPROF_DEBUG -Iinclude -Iprofiler
# Longer than any path the parser accepts (SP_PATH_MAX 4096).
FUZZ_FLAGS := -dict=tests/fuzz/config.dict -max_len=4400 -timeout=10 \
  -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=$(FUZZ_BUILD)/
FUZZ_ENV := ASAN_OPTIONS=halt_on_error=1:detect_leaks=1 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

$(FUZZ_TARGET): tests/fuzz/fuzz_config.c profiler/config.c \
  profiler/internal.h
	@mkdir -p $(dir $@)
	@echo "  FUZZ-LD $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@.tmp tests/fuzz/fuzz_config.c \
	  profiler/config.c && mv -f $@.tmp $@

# New inputs accumulate in build/fuzz/corpus/config between sessions; the
# seeds are read, never written.
fuzz: $(FUZZ_TARGET)
	@mkdir -p $(FUZZ_CORPUS)
	$(FUZZ_ENV) $(FUZZ_TARGET) $(FUZZ_FLAGS) \
	  -max_total_time=$(FUZZ_SECONDS) $(FUZZ_CORPUS) $(FUZZ_SEEDS)

# Quiet: the log goes to build/fuzz/fuzz-quick.log, the summary (or the
# finding) to the terminal.
fuzz-quick: $(FUZZ_TARGET)
	@mkdir -p $(FUZZ_CORPUS)
	@echo "  FUZZ $(FUZZ_TARGET) for $(FUZZ_QUICK_SECONDS) s"
	@$(FUZZ_ENV) $(FUZZ_TARGET) $(FUZZ_FLAGS) \
	  -max_total_time=$(FUZZ_QUICK_SECONDS) $(FUZZ_CORPUS) $(FUZZ_SEEDS) \
	  >$(FUZZ_BUILD)/fuzz-quick.log 2>&1 \
	  && grep -E '^(Done|stat::number_of_executed_units|stat::new_units_added)' \
	     $(FUZZ_BUILD)/fuzz-quick.log \
	  || { tail -n 60 $(FUZZ_BUILD)/fuzz-quick.log; \
	       echo "make: fuzz_config found a problem (log: $(FUZZ_BUILD)/fuzz-quick.log)" >&2; \
	       exit 1; }

fuzz-regress: $(FUZZ_TARGET)
	$(FUZZ_ENV) $(FUZZ_TARGET) $(FUZZ_SEEDS)/*
