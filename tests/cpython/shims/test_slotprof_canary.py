"""The harmlessness suite's self-test: fails only under the library.

tests/cpython/run.py runs this module like the others, once without and
once with libslotprof.so preloaded, and requires its comparison to report
exactly one difference (test_not_preloaded: ok without the library, FAIL
with it) and different exit statuses -- proof that a difference the
library causes does reach the verdict.
"""
import os
import unittest


class Canary(unittest.TestCase):

    def test_not_preloaded(self):
        self.assertNotIn("libslotprof", os.environ.get("LD_PRELOAD", ""))

    def test_same_either_way(self):
        self.assertEqual(1 + 1, 2)


if __name__ == '__main__':
    unittest.main()
