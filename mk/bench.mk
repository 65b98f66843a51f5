# ---------------------------------------------------------------- bench
# make bench: the library's overhead on real workloads (pyflakes,
# docutils, object churn), plain vs. each mode, interleaved; then the
# census pause per visited object.  Reports ratios, never fails on
# timing: it exits non-zero only when a run crashed or its output
# differed from the plain run's.  docs/performance.md has the results.
#
#   make bench BENCH_INTERPRETERS="/usr/bin/python3.11" BENCH_REPEAT=3
#   make bench BENCH_MODES=default BENCH_WORKLOADS="pyflakes objchurn"
#   make bench BENCH_NOBUILD=1       use the libraries already built
#
# Needs Debian's python3-pyflakes, python3-docutils (and python3-roman),
# which the harness copies into build/bench/pylib for every interpreter.

BENCH_INTERPRETERS ?= /usr/bin/python3.11 \
  $(PYENV_ROOT)/versions/3.12.1/bin/python3 \
  $(PYENV_ROOT)/versions/3.13.0/bin/python3
BENCH_REPEAT ?= 5
BENCH_MODES ?= default dormant interval counting sites
BENCH_WORKLOADS ?= pyflakes docutils objchurn
BENCH_CENSUS_MILLIONS ?= 1.5
BENCH_CENSUS_REPEAT ?= 3
BENCH_NOBUILD ?=
BENCH_OUT ?= build/bench
BENCH_ARGS ?=

bench:
	@for p in $(BENCH_INTERPRETERS); do \
	  test -x $$p || { echo "make bench: interpreter $$p is missing" >&2; exit 1; }; \
	  test -n "$(BENCH_NOBUILD)" || \
	    $(MAKE) --no-print-directory -s lib PYTHON=$$p || exit 1; \
	done
	@mkdir -p $(BENCH_OUT)
	/usr/bin/python3 tests/bench/run.py --repeat $(BENCH_REPEAT) \
	  --modes "$(BENCH_MODES)" --workloads "$(BENCH_WORKLOADS)" \
	  --census-millions $(BENCH_CENSUS_MILLIONS) \
	  --census-repeat $(BENCH_CENSUS_REPEAT) \
	  --markdown $(BENCH_OUT)/results.md --json $(BENCH_OUT)/results.json \
	  $(BENCH_ARGS) $(BENCH_INTERPRETERS)
