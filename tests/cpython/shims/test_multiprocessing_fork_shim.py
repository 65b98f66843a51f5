"""test_multiprocessing_fork for interpreters whose install lacks it.

pyenv's CPython 3.11.7 and 3.12.1 install test/_test_multiprocessing.py
but not the test_multiprocessing_fork package (3.11.7 and 3.12.1's
`make install` does not list the new package directories).  This is
what the package's four submodules (processes, threads, manager, misc)
install, in one module: the 3.10 test_multiprocessing_fork.py, run by
tests/cpython/run.py through regrtest's --testdir.  Its name must not be
test_multiprocessing_fork: 3.11+ regrtest would look for a package
directory of that name to split.
"""
import sys
import unittest

from test import support
from test._test_multiprocessing import install_tests_in_module_dict

if support.PGO:
    raise unittest.SkipTest("test is not helpful for PGO")
if sys.platform == "win32":
    raise unittest.SkipTest("fork is not available on Windows")

install_tests_in_module_dict(globals(), 'fork')

if __name__ == '__main__':
    unittest.main()
