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
- An interpreter running on a C library of its own (Debian unstable's
  3.14 and 3.15, unpacked by tests/get-python.sh): the test gets the same
  loader and rpath, and links that libc and the libpython3.X.so of the
  interpreter's package (its static archive is incomplete).

Also defines SP_TEST_PYTHON, the interpreter's path, so the embedded
interpreter finds its own prefix.  Output is one line for $(shell ...),
shell-quoted.
"""
import os
import shlex
import sys
import sysconfig


def mapped_files():
    with open("/proc/self/maps") as maps:
        return [line.split()[-1] for line in maps
                if line.split()[-1].startswith("/")]


def static_archive():
    """LIBPL/LIBRARY.  LIBPL is the configured path (Debian: /usr/lib/
    python3.14/config-3.14-x86_64-linux-gnu); an interpreter unpacked
    elsewhere (tests/get-python.sh) has it under its own stdlib
    directory, which sysconfig computes from where it runs."""
    var = sysconfig.get_config_var
    for libpl in (var("LIBPL"),
                  os.path.join(sysconfig.get_paths()["stdlib"],
                               os.path.basename(var("LIBPL")))):
        archive = os.path.join(libpl, var("LIBRARY"))
        if os.path.exists(archive):
            return archive
    sys.exit("embed-flags: %s is static and %s is missing"
             % (sys.executable, var("LIBRARY")))


def own_loader(mapped):
    """An interpreter that runs on a C library of its own (Debian
    unstable's, re-pointed with patchelf by tests/get-python.sh) was built
    against a newer glibc than the system's: link against that libc and
    give the test binary the same loader and rpath."""
    loader = [p for p in mapped if os.path.basename(p).startswith("ld-linux")]
    libc = [p for p in mapped if os.path.basename(p) == "libc.so.6"]
    if not loader or not libc:
        return []
    libdir = os.path.dirname(os.path.realpath(libc[0]))
    if libdir in ("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
                  "/lib64", "/usr/lib64", "/lib", "/usr/lib"):
        return []
    # DT_RPATH, not RUNPATH: it also serves libpython's own needs.
    return ["-L" + libdir, "-Wl,--disable-new-dtags",
            "-Wl,-rpath," + libdir, "-Wl,-rpath-link," + libdir,
            "-Wl,--dynamic-linker=" + loader[0], libc[0],
            os.path.join(libdir, "libm.so.6"), loader[0]]


def main():
    var = sysconfig.get_config_var
    mapped = [p for p in mapped_files() if "/libpython" in p]
    loader = own_loader(mapped_files())
    if not mapped and loader:
        # Unstable's static interpreter: its libpython3.X.a lacks the
        # HACL objects its built-in hash modules need (Modules/_hacl/*.a
        # are not packaged), so the test embeds the libpython3.X.so of the
        # same package -- the same sources and configuration.
        shared = os.path.join(loader[0][2:], var("INSTSONAME"))
        if os.path.exists(shared):
            mapped = [shared]
    if mapped:
        lib = os.path.realpath(mapped[0])
        link = [lib, "-Wl,-rpath," + os.path.dirname(lib)]
    else:
        link = ["-no-pie", static_archive()]
        for name in ("MODLIBS", "LIBS", "SYSLIBS"):
            link += (var(name) or "").split()
    link = loader + link
    define = '-DSP_TEST_PYTHON="%s"' % os.path.realpath(sys.executable)
    print(" ".join(shlex.quote(arg) for arg in [define] + link))


main()
