"""Print the cc flags that embed the running interpreter (make unit-pyver).

check_pyver must run the very libpython the backend was built for.  Which
one that is, is read from the process itself, not from sysconfig:
Debian's /usr/bin/python3.11 reports Py_ENABLE_SHARED=1 (its sysconfig
comes from the shared build) but is linked statically.

- An interpreter that maps a libpython: link that file, with an rpath to
  its directory (pyenv builds).
- A static interpreter: link the archive it was built from, LIBPL/LIBRARY
  (Debian: libpython3.11.a, non-PIC, hence -no-pie), with the libraries
  of its built-in modules (MODLIBS: zlib, expat) and of the core.

Also defines SP_TEST_PYTHON, the interpreter's path, so the embedded
interpreter finds its own prefix.  Output is one line for $(shell ...),
shell-quoted.
"""
import os
import shlex
import sys
import sysconfig


def main():
    var = sysconfig.get_config_var
    with open("/proc/self/maps") as maps:
        mapped = [line.split()[-1] for line in maps
                  if "/libpython" in line.split()[-1]]
    if mapped:
        lib = os.path.realpath(mapped[0])
        link = [lib, "-Wl,-rpath," + os.path.dirname(lib)]
    else:
        archive = os.path.join(var("LIBPL"), var("LIBRARY"))
        if not os.path.exists(archive):
            sys.exit("embed-flags: %s is static and %s is missing"
                     % (sys.executable, archive))
        link = ["-no-pie", archive]
        for name in ("MODLIBS", "LIBS", "SYSLIBS"):
            link += (var(name) or "").split()
    define = '-DSP_TEST_PYTHON="%s"' % os.path.realpath(sys.executable)
    print(" ".join(shlex.quote(arg) for arg in [define] + link))


main()
