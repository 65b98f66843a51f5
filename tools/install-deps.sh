#!/bin/sh
# Install slotprof's build dependencies from Debian when they are missing.
# Runs apt-get only as root on a Debian-like system; otherwise it names
# what is missing and leaves the rest to the user.  Used by `make demo`
# and `.ci/run`.
# Build: the compiler, Check, jemalloc, libunwind, Debian's CPython headers;
# for the slotprof command, jansson (reading reports), protobuf-c and zlib
# (pprof output) and xxd (the HTML report's assets).
# Tests and benchmarks (make check, make bench): Debian's CPython test
# suite (the harmlessness suite runs it under the library), clang's
# libFuzzer and sanitizer runtimes, valgrind, the benchmark workloads; Go's
# pprof, headless Chromium with Selenium, man-db and perl (the vendored
# flamegraph.pl), which check the command's pprof, HTML, man page and
# folded outputs with the real readers; patchelf, for the CPython 3.14 and
# 3.15 builds from Debian unstable (tests/get-python.sh).  make check-apps
# copies pyflakes, docutils (with roman) and PyYAML out of their packages.
PKGS="gcc make binutils pkg-config check libjemalloc-dev libunwind-dev python3-dev
  libjansson-dev protobuf-c-compiler libprotobuf-c-dev zlib1g-dev xxd
  libpython3.11-testsuite clang libclang-rt-14-dev valgrind
  python3-pyflakes python3-docutils python3-roman python3-yaml
  golang-go chromium chromium-driver python3-selenium man-db perl
  patchelf"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
        || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "install-deps: installing$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 || exit 1
    apt-get install -y -qq --no-install-recommends $missing >&2 || exit 1
    exit 0
fi
echo "install-deps: missing Debian packages:$missing (run as root: apt-get install$missing)" >&2
exit 1
