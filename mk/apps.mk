# apps.mk -- the acid test of issue 9 on real programs (included by the
# top Makefile).
#
#   make check-apps                       pyflakes, docutils and PyYAML,
#                                         copied out of Debian's packages
#                                         into a project directory,
#                                         profiled on one input; every
#                                         plan called safe applied, run on
#                                         another input: same output
#   make check-apps APPS_PYTHON=...       another interpreter (the Debian
#                                         packages must run on it)
#   make check-apps APPS_ARGS="-k yaml"   one library; --keep keeps the
#                                         project directories
#
# tests/apps/run.py prints the table (library, classes safe, plan steps
# applied, result per input) and writes it with the reports to
# build/apps/.  APPS_ARGS defaults to --with-review: the plans in review
# are applied too, their failures listed but not counted.  A few minutes
# on two cores.  Not part of `make check`.

APPS_PYTHON ?= /usr/bin/python3.11
APPS_ARGS ?= --with-review
# The library `make lib PYTHON=$(APPS_PYTHON)` builds (as lib-path prints
# it; not asked of a sub-make, which `make -n` would run).
APPS_LIB = $(abspath build/cpython-$(shell $(APPS_PYTHON) -c \
  'import sys; print(sys.version.split()[0])' 2>/dev/null)/libslotprof.so)

.PHONY: check-apps
check-apps:
	@sh tools/install-deps.sh
	@test -x $(APPS_PYTHON) || { echo "make check-apps: interpreter $(APPS_PYTHON) is missing" >&2; exit 1; }
	@$(MAKE) --no-print-directory -s lib PYTHON=$(APPS_PYTHON) SANITIZE=
	/usr/bin/python3 tests/apps/run.py --python $(APPS_PYTHON) \
	  --lib $(APPS_LIB) $(APPS_ARGS)
