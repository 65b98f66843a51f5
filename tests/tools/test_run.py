"""`slotprof run`: the library found for the interpreter a command runs,
the environment it gets, and the command's exit status passed through.

Runs real programs under the libraries of the build tree:
build/cpython-3.12.1 (/root/.pyenv/versions/3.12.1/bin/python3) and
build/cpython-3.11.2 (/usr/bin/python3.11).  A test whose interpreter or
library is missing is skipped, saying which.
"""
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from helpers import ROOT, SLOTPROF  # noqa: E402

PY312 = "/root/.pyenv/versions/3.12.1/bin/python3"
PY311 = "/usr/bin/python3.11"
SHIM312 = "/root/.pyenv/shims/python3.12"
LIBM = "/lib/x86_64-linux-gnu/libm.so.6"

# A small program with a known census: 1,234 live Foo, each with a and b.
PROGRAM = """\
class Foo:
    def __init__(self, i):
        self.a = i
        self.b = -i


keep = [Foo(i) for i in range(1234)]
"""


def lib_for(version):
    return os.path.join(ROOT, "build", "cpython-" + version,
                        "libslotprof.so")


def need(python, version):
    """Skip unless the interpreter and the build tree's library exist."""
    if not os.access(python, os.X_OK):
        raise unittest.SkipTest("%s is not installed" % python)
    if not os.path.exists(lib_for(version)):
        raise unittest.SkipTest("no %s (make PYTHON=%s)"
                                % (lib_for(version), python))


def clean_env(**extra):
    """The test's environment without anything slotprof reads."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("LD_PRELOAD", "SLOTPROF_OPTIONS", "SLOTPROF_LIB_DIR",
                        "SLOTPROF_SESSION", "PYENV_VERSION")}
    env.update(extra)
    return env


def slotprof(args, env=None, cwd=None, binary=SLOTPROF, timeout=120):
    return subprocess.run([binary] + list(args), stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env=clean_env() if env is None else env, cwd=cwd,
                          timeout=timeout)


# Prints what the profiled process sees, as JSON on stdout.
SHOW_ENV = ("import json, os, sys; print(json.dumps({"
            "'preload': os.environ.get('LD_PRELOAD'), "
            "'options': os.environ.get('SLOTPROF_OPTIONS'), "
            "'pid': os.getpid(), 'exe': sys.executable}))")


class RunTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="slotprof-run-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.prog = os.path.join(self.tmp, "prog.py")
        with open(self.prog, "w") as f:
            f.write(PROGRAM)

    def path(self, name):
        return os.path.join(self.tmp, name)

    def write_exec(self, name, text, mode=0o755):
        p = self.path(name)
        with open(p, "w") as f:
            f.write(text)
        os.chmod(p, mode)
        return p

    def report(self, path):
        with open(path) as f:
            return json.load(f)

    def foo(self, rep):
        [c] = [c for c in rep["classes"]
               if (c["module"], c["qualname"]) == ("__main__", "Foo")]
        return c

    # ------------------------------------------------------------ reports

    def check_report(self, python, version):
        need(python, version)
        out = self.path("r.json")
        p = subprocess.Popen([SLOTPROF, "run", "--output", out,
                              "--option", "text=none", "--", python,
                              self.prog], env=clean_env(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        stdout, stderr = p.communicate(timeout=120)
        self.assertEqual((p.returncode, stdout, stderr), (0, b"", b""))
        rep = self.report(out)
        self.assertEqual(rep["python"], version)
        # exec, not fork: the report's process is the one we started.
        self.assertEqual(rep["pid"], p.pid)
        foo = self.foo(rep)
        self.assertEqual(foo["instances"], 1234)
        self.assertEqual(foo["attributes"],
                         [{"name": "a", "instances": 1234,
                           "max_instances": 1234, "in_code": True},
                          {"name": "b", "instances": 1234,
                           "max_instances": 1234, "in_code": True}])
        self.assertEqual(foo["suggested_slots"], ["a", "b"])

    def test_report_312(self):
        self.check_report(PY312, "3.12.1")

    def test_report_311_debian(self):
        self.check_report(PY311, "3.11.2")

    def test_pyenv_shim(self):
        """A shim is a bash script: the probe goes through it and finds
        3.12.1; the library is preloaded into bash and the real
        interpreter alike (inert in bash)."""
        if not os.access(SHIM312, os.X_OK):
            self.skipTest("no pyenv shim %s" % SHIM312)
        need(PY312, "3.12.1")
        out = self.path("shim.json")
        r = slotprof(["run", "--output", out, "--option", "text=none",
                      SHIM312, self.prog],
                     env=clean_env(PYENV_VERSION="3.12.1"))
        self.assertEqual((r.returncode, r.stderr), (0, b""))
        rep = self.report(out)
        self.assertEqual(rep["python"], "3.12.1")
        self.assertEqual(self.foo(rep)["instances"], 1234)

    def test_shim_through_path(self):
        if not os.access(SHIM312, os.X_OK):
            self.skipTest("no pyenv shim %s" % SHIM312)
        need(PY312, "3.12.1")
        env = clean_env(PYENV_VERSION="3.12.1",
                        PATH=os.path.dirname(SHIM312) + ":"
                        + os.environ.get("PATH", "/usr/bin:/bin"))
        r = slotprof(["run", "--option", "text=none", "--", "python3.12",
                      "-c", SHOW_ENV], env=env)
        self.assertEqual((r.returncode, r.stderr), (0, b""))
        seen = json.loads(r.stdout)
        self.assertEqual(seen["preload"], lib_for("3.12.1"))
        self.assertEqual(seen["exe"],
                         "/root/.pyenv/versions/3.12.1/bin/python3.12")

    def test_shebang_script(self):
        """A script whose #! line names the interpreter, through env."""
        need(PY311, "3.11.2")
        script = self.write_exec("tool", "#!/usr/bin/env -S python3.11 -u\n"
                                 + SHOW_ENV + "\n")
        r = slotprof(["run", "--option", "text=none", script],
                     env=clean_env(PATH="/usr/bin:/bin"))
        self.assertEqual((r.returncode, r.stderr), (0, b""))
        self.assertEqual(json.loads(r.stdout)["preload"], lib_for("3.11.2"))

    def test_probe_is_not_profiled(self):
        """The version question runs without LD_PRELOAD: with the library
        already preloaded and a report per process asked for, only the
        program writes one."""
        need(PY312, "3.12.1")
        env = clean_env(LD_PRELOAD=lib_for("3.12.1"),
                        SLOTPROF_OPTIONS="output=%s/r-%%p.json,text=none"
                        % self.tmp)
        p = subprocess.Popen([SLOTPROF, "run", PY312, self.prog], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        stdout, stderr = p.communicate(timeout=120)
        self.assertEqual((p.returncode, stderr), (0, b""))
        reports = sorted(f for f in os.listdir(self.tmp)
                         if f.endswith(".json"))
        self.assertEqual(reports, ["r-%d.json" % p.pid])

    # ------------------------------------------------------------ status

    def test_exit_status_passes_through(self):
        need(PY312, "3.12.1")
        r = slotprof(["run", "--option", "text=none", "--", PY312, "-c",
                      "import sys; sys.exit(3)"])
        self.assertEqual((r.returncode, r.stdout, r.stderr), (3, b"", b""))

    def test_killed_by_signal(self):
        need(PY311, "3.11.2")
        code = "import os, signal; os.kill(os.getpid(), signal.SIGTERM)"
        r = slotprof(["run", "--option", "text=none", "--", PY311, "-c",
                      code])
        self.assertEqual(r.returncode, -signal.SIGTERM)
        # ... which a shell reports as 128 + 15.
        sh = subprocess.run(
            ["/bin/sh", "-c", '"$0" run --option text=none -- "$1" -c "$2"'
             ' 2>/dev/null; echo $?', SLOTPROF, PY311, code],
            stdout=subprocess.PIPE, env=clean_env(), timeout=120)
        self.assertEqual(sh.stdout, b"143\n")

    def test_command_not_found(self):
        r = slotprof(["run", "--", "no-such-command-slotprof"])
        self.assertEqual((r.returncode, r.stdout, r.stderr),
                         (127, b"", b"slotprof: no-such-command-slotprof: "
                          b"command not found\n"))

    def test_command_not_executable(self):
        """With --lib nothing is probed: the exec itself fails, 126."""
        need(PY312, "3.12.1")
        f = self.write_exec("data.txt", "not a program\n", mode=0o644)
        r = slotprof(["run", "--lib", lib_for("3.12.1"), f])
        self.assertEqual(r.returncode, 126)
        self.assertEqual(r.stderr, ("slotprof: cannot run %s: Permission "
                                    "denied\n" % f).encode())

    # ------------------------------------------------------------ library

    def copy_binary(self, prefix):
        """slotprof installed as PREFIX/bin/slotprof."""
        os.makedirs(os.path.join(prefix, "bin"), exist_ok=True)
        dst = os.path.join(prefix, "bin", "slotprof")
        shutil.copy(SLOTPROF, dst)
        return dst

    def test_missing_library(self):
        need(PY312, "3.12.1")
        prefix = self.path("usr")
        binary = self.copy_binary(prefix)
        marker = self.path("ran")
        r = slotprof(["run", "--", PY312, "-c",
                      "open(%r, 'w').close()" % marker], binary=binary)
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stdout, b"")
        self.assertEqual(
            r.stderr.decode(),
            "slotprof: no libslotprof.so for CPython 3.12.1; looked in "
            "{p}/lib/slotprof/cpython-3.12.1/libslotprof.so, "
            "{p}/cpython-3.12.1/libslotprof.so; build it with: "
            "make PYTHON={py}\n".format(p=prefix, py=PY312))
        self.assertFalse(os.path.exists(marker))

    def test_missing_library_names_lib_dir_and_real_exe(self):
        """Through the shim the make line names the real interpreter."""
        if not os.access(SHIM312, os.X_OK):
            self.skipTest("no pyenv shim %s" % SHIM312)
        need(PY312, "3.12.1")
        prefix = self.path("usr")
        binary = self.copy_binary(prefix)
        libdir = self.path("libs")
        r = slotprof(["run", SHIM312, "-c", "pass"], binary=binary,
                     env=clean_env(PYENV_VERSION="3.12.1",
                                   SLOTPROF_LIB_DIR=libdir))
        self.assertEqual(r.returncode, 2)
        self.assertEqual(
            r.stderr.decode(),
            "slotprof: no libslotprof.so for CPython 3.12.1; looked in "
            "{d}/cpython-3.12.1/libslotprof.so, "
            "{p}/lib/slotprof/cpython-3.12.1/libslotprof.so, "
            "{p}/cpython-3.12.1/libslotprof.so; build it with: "
            "make PYTHON=/root/.pyenv/versions/3.12.1/bin/python3.12\n"
            .format(d=libdir, p=prefix))

    def test_install_layout(self):
        need(PY312, "3.12.1")
        prefix = self.path("usr")
        binary = self.copy_binary(prefix)
        libdir = os.path.join(prefix, "lib", "slotprof", "cpython-3.12.1")
        os.makedirs(libdir)
        shutil.copy(lib_for("3.12.1"), libdir)
        r = slotprof(["run", "--option", "text=none", PY312, "-c", SHOW_ENV],
                     binary=binary)
        self.assertEqual((r.returncode, r.stderr), (0, b""))
        self.assertEqual(json.loads(r.stdout)["preload"],
                         os.path.join(libdir, "libslotprof.so"))

    def test_lib_dir_first_and_made_absolute(self):
        need(PY312, "3.12.1")
        os.makedirs(self.path("libs/cpython-3.12.1"))
        shutil.copy(lib_for("3.12.1"), self.path("libs/cpython-3.12.1"))
        r = slotprof(["run", "--option", "text=none", PY312, "-c", SHOW_ENV],
                     cwd=self.tmp, env=clean_env(SLOTPROF_LIB_DIR="libs"))
        self.assertEqual((r.returncode, r.stderr), (0, b""))
        self.assertEqual(json.loads(r.stdout)["preload"],
                         self.path("libs/cpython-3.12.1/libslotprof.so"))

    def test_symlinked_binary_finds_build_tree(self):
        """The prefix comes from the binary's real path."""
        need(PY312, "3.12.1")
        os.makedirs(self.path("bin"))
        link = self.path("bin/slotprof")
        os.symlink(SLOTPROF, link)
        r = slotprof(["run", "--option", "text=none", PY312, "-c", SHOW_ENV],
                     binary=link)
        self.assertEqual((r.returncode, r.stderr), (0, b""))
        self.assertEqual(json.loads(r.stdout)["preload"], lib_for("3.12.1"))

    def test_lib_option(self):
        """--lib: that library, made absolute; no probe, so any command."""
        need(PY311, "3.11.2")
        rel = os.path.relpath(lib_for("3.11.2"), self.tmp)
        sh = self.write_exec("show.sh", '#!/bin/sh\necho "$LD_PRELOAD"\n')
        r = slotprof(["run", "--lib", rel, sh], cwd=self.tmp)
        self.assertEqual((r.returncode, r.stderr), (0, b""))
        self.assertEqual(r.stdout.decode(), lib_for("3.11.2") + "\n")
        r = slotprof(["run", "--lib", "no/such.so", sh], cwd=self.tmp)
        self.assertEqual((r.returncode, r.stdout, r.stderr),
                         (2, b"", b"slotprof: --lib no/such.so: No such "
                          b"file or directory\n"))

    def test_not_python_needs_python_option(self):
        need(PY311, "3.11.2")
        sh = self.write_exec("start.sh", "#!/bin/sh\nexec %s %s\n"
                             % (PY311, self.prog))
        r = slotprof(["run", "--", "/bin/sh", sh])
        self.assertEqual((r.returncode, r.stdout), (2, b""))
        self.assertEqual(
            r.stderr, b"slotprof: cannot tell which Python /bin/sh runs (it "
            b"is not named python*, nor a script with a python #! line); "
            b"give --python PATH or --lib PATH\n")
        out = self.path("sh.json")
        r = slotprof(["run", "--python", PY311, "--output", out, "--option",
                      "text=none", "--", "/bin/sh", sh])
        self.assertEqual((r.returncode, r.stderr), (0, b""))
        rep = self.report(out)
        self.assertEqual(rep["python"], "3.11.2")
        self.assertEqual(self.foo(rep)["instances"], 1234)

    def test_python_named_but_not_python(self):
        fake = self.write_exec("python-fake", "#!/bin/sh\necho hello\n")
        r = slotprof(["run", fake])
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stderr.decode(),
                         "slotprof: %s did not answer like a Python "
                         "interpreter when asked its version; give --python "
                         "PATH or --lib PATH\n" % fake)

    # ------------------------------------------------------------ options

    def test_options_order_and_existing_environment(self):
        need(PY312, "3.12.1")
        env = clean_env(SLOTPROF_OPTIONS="top=5,text=none",
                        LD_PRELOAD=LIBM)
        r = slotprof(["run", "--option", "min_instances=1",
                      "--output=%s/x-%%p.json" % self.tmp,
                      "--option=top=3", "--option", "dormant", "--",
                      PY312, "-c", SHOW_ENV], env=env)
        self.assertEqual((r.returncode, r.stderr), (0, b""))
        seen = json.loads(r.stdout)
        self.assertEqual(seen["options"],
                         "top=5,text=none,min_instances=1,output=%s/x-%%p"
                         ".json,top=3,dormant" % self.tmp)
        self.assertEqual(seen["preload"], lib_for("3.12.1") + " " + LIBM)

    def test_library_already_preloaded_is_not_repeated(self):
        need(PY312, "3.12.1")
        old = LIBM + ":" + lib_for("3.12.1")
        r = slotprof(["run", PY312, "-c", SHOW_ENV],
                     env=clean_env(LD_PRELOAD=old,
                                   SLOTPROF_OPTIONS="text=none"))
        self.assertEqual((r.returncode, r.stderr), (0, b""))
        seen = json.loads(r.stdout)
        self.assertEqual((seen["preload"], seen["options"]),
                         (old, "text=none"))

    def test_percent_escapes_pass_through(self):
        """%p reaches the library, which expands it: exec keeps the pid."""
        need(PY312, "3.12.1")
        p = subprocess.Popen([SLOTPROF, "run", "--output",
                              self.path("r-%p.json"), "--option",
                              "text=none", PY312, self.prog],
                             env=clean_env(), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        p.communicate(timeout=120)
        self.assertEqual(p.returncode, 0)
        rep = self.report(self.path("r-%d.json" % p.pid))
        self.assertEqual(self.foo(rep)["instances"], 1234)

    def test_comma_in_value_is_refused(self):
        marker = self.path("ran")
        r = slotprof(["run", "--output", self.path("a,b.json"), PY312, "-c",
                      "open(%r, 'w').close()" % marker])
        self.assertEqual((r.returncode, r.stdout), (2, b""))
        self.assertEqual(
            r.stderr.decode(),
            "slotprof: --option 'output=%s': a value cannot contain a comma "
            "(SLOTPROF_OPTIONS separates options with commas)\n"
            % self.path("a,b.json"))
        r = slotprof(["run", "--option", "top=1,text=none", PY312, "-c",
                      "pass"])
        self.assertEqual(r.returncode, 2)
        self.assertFalse(os.path.exists(marker))

    def test_bad_option_is_refused_before_running(self):
        marker = self.path("ran")
        r = slotprof(["run", "--option", "top=many", PY312, "-c",
                      "open(%r, 'w').close()" % marker])
        self.assertEqual((r.returncode, r.stdout), (2, b""))
        self.assertTrue(r.stderr.startswith(b"slotprof: option top: "),
                        r.stderr)
        self.assertEqual(r.stderr.count(b"\n"), 1)
        self.assertFalse(os.path.exists(marker))

    def test_usage_errors(self):
        usage = (b"usage: slotprof run [--option KEY=VALUE]... [--output "
                 b"PATH] [--lib PATH]\n                    [--python PATH] "
                 b"[--] COMMAND [ARGS...]\nTry 'slotprof run --help'.\n")
        for args, first in [
                ([], b"slotprof: no COMMAND to run\n"),
                (["--"], b"slotprof: no COMMAND to run\n"),
                (["--option"], b"slotprof: --option needs a value\n"),
                (["--frobnicate", "python3"],
                 b"slotprof: unknown option '--frobnicate'\n")]:
            r = slotprof(["run"] + args)
            self.assertEqual((r.returncode, r.stdout, r.stderr),
                             (2, b"", first + usage), args)

    def test_help(self):
        r = slotprof(["run", "--help"])
        self.assertEqual((r.returncode, r.stderr), (0, b""))
        self.assertTrue(r.stdout.startswith(b"usage: slotprof run "))
        self.assertIn(b"--python PATH", r.stdout)


if __name__ == "__main__":
    unittest.main()
