# ---------------------------------------------------------------- cpython
# The harmlessness suite: CPython's own regression tests, each module run
# without and with the library (periodic censuses every 50 ms), outcomes
# compared test case by test case (tests/cpython/run.py,
# docs/harmlessness.md).
#
#   make check-cpython-quick   the quick selection on every interpreter in
#                              INTERPRETERS (run by make check)
#   make check-cpython         the full list on every interpreter
#
# CPYTEST_OPTIONS=...  SLOTPROF_OPTIONS of the profiled runs, without
#                      output= (default: interval=50ms,text=none)
# CPYTEST_JOBS=N       runs at once (default 2)
# CPYTEST_ONLY=m1,m2   only these modules of the selection
#
# Neither target depends on the library: run.py asks `make -s lib-path`
# for it, or with SLOTPROF_IT_NOBUILD=1 takes build/cpython-X.Y.Z/ as it
# is, like tests/integration/run.py.

CPYTEST_PYTHON := /usr/bin/python3
CPYTEST_RUN := $(CPYTEST_PYTHON) tests/cpython/run.py
CPYTEST_JOBS ?= 2
CPYTEST_OPTIONS ?=
CPYTEST_ONLY ?=
CPYTEST_ARGS = --jobs $(CPYTEST_JOBS) \
  $(if $(CPYTEST_OPTIONS),--options '$(CPYTEST_OPTIONS)') \
  $(if $(CPYTEST_ONLY),--only '$(CPYTEST_ONLY)')

.PHONY: check-cpython check-cpython-quick

check-cpython-quick:
	$(CPYTEST_RUN) $(CPYTEST_ARGS) quick $(INTERPRETERS)

check-cpython:
	$(CPYTEST_RUN) $(CPYTEST_ARGS) full $(INTERPRETERS)
