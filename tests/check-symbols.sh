#!/bin/sh
# Audit what a built libslotprof.so shows the host process:
#  - it exports exactly the public API (slotprof_*), nothing of jemalloc;
#  - it does not depend on libpython (it is preloaded into every process);
#  - it loads, inert and silent, into a non-Python process even with
#    LD_BIND_NOW=1 (every Python reference must be weak).
#  - every Python symbol it references is exported by the interpreter it
#    was built for (a weak reference to a missing function is a call to
#    address 0: PyInterpreterState_Get on 3.8 did exactly that).
# Usage: tests/check-symbols.sh LIB:PYTHON...   Prints "N passed, M failed".
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "PASS symbols $1"; }
ko() { fail=$((fail + 1)); echo "FAIL symbols $1"; }
for pair in "$@"; do
    lib=${pair%%:*}
    py=${pair#*:}
    tag=$(basename "$(dirname "$lib")")
    libpy=$(ldd "$py" | awk '/libpython/ {print $3}')
    [ -n "$libpy" ] || libpy=$py
    missing=$(nm -D --undefined-only "$lib" | awk '$2 ~ /^_?Py/ {print $2}' | sort -u |
        comm -23 - "$(nm -D --defined-only "$libpy" | awk '{print $3}' | sort -u > "${TMPDIR:-/tmp}/sp-syms.$$"; echo "${TMPDIR:-/tmp}/sp-syms.$$")" | tr '\n' ' ')
    rm -f "${TMPDIR:-/tmp}/sp-syms.$$"
    [ -z "$missing" ] && ok "$tag: every Python symbol exists in $py" \
        || ko "$tag: $py does not export: $missing"
    exported=$(nm -D --defined-only "$lib" | awk '{print $3}' | sort | tr '\n' ' ')
    # _exit: interposed so os._exit() writes the report (bootstrap.c).
    want="_exit slotprof_python_version slotprof_state slotprof_version "
    [ "$exported" = "$want" ] && ok "$tag exports only the public API" \
        || ko "$tag exports [$exported], want [$want]"
    if readelf -d "$lib" | grep NEEDED | grep -q libpython; then
        ko "$tag links libpython"
    else
        ok "$tag does not link libpython"
    fi
    strong=$(nm -D --undefined-only "$lib" | awk '$1 == "U" && $2 ~ /^_?Py/' | wc -l)
    [ "$strong" = 0 ] && ok "$tag has no strong Python reference" \
        || ko "$tag has $strong strong Python references"
    # The profiler's own memory comes from its private jemalloc: no
    # reference to the host's malloc family may remain.
    hostalloc=$(nm -D --undefined-only "$lib" | awk '{print $2}' |
        grep -E '^(malloc|calloc|realloc|free|posix_memalign|aligned_alloc|memalign|valloc|strdup|strndup)(@|$)' | tr '\n' ' ')
    case $tag in
    cpython-*.*.*-*) ;;     # sanitizer build: libc's heap on purpose
    *)
    [ -z "$hostalloc" ] && ok "$tag allocates from its own jemalloc only" \
        || ko "$tag calls the host's allocator: $hostalloc" ;;
    esac
    # A sanitizer build needs the ASan runtime first in the process.
    pre=
    if readelf -d "$lib" | grep NEEDED | grep -q libasan; then
        pre="$(${CC:-cc} -print-file-name=libasan.so) "
    fi
    out=$(LD_BIND_NOW=1 LD_PRELOAD="$pre$lib" /bin/true 2>&1); rc=$?
    [ "$rc" = 0 ] && [ -z "$out" ] && ok "$tag inert in /bin/true with LD_BIND_NOW" \
        || ko "$tag in /bin/true: rc=$rc output=[$out]"
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
