#!/bin/sh
# get-python.sh -- the CPython interpreters that neither Debian 12 nor pyenv
# gives us (3.14, 3.15), from Debian unstable's binary packages.
#
#   sh tests/get-python.sh [--refresh] X.Y [X.Y ...]
#        make sure each is unpacked; print each interpreter's path
#   sh tests/get-python.sh --dir
#        print the cache directory (the Makefile's INTERPRETERS use it)
#
# Each X.Y lands in $CACHE/X.Y.Z/ (the .debs unpacked with dpkg -x, so the
# system is not touched) and $CACHE/X.Y is a symlink to it, so
# $CACHE/X.Y/usr/bin/pythonX.Y is a stable path whatever patch release
# unstable ships.  The interpreter needs a newer glibc than Debian 12's:
# it is re-pointed (patchelf) at unstable's own loader and libraries,
# unpacked beside it.  These builds link libpython statically, like
# Debian's /usr/bin/python3.11 (tests/unit/pyver/embed-flags.py).
#
# Cached: an interpreter already unpacked and working costs one exec and
# no network.  --refresh asks unstable again and unpacks its current
# version next to the old one (unstable keeps only the newest patch
# release, so what you get is whatever it ships today).  Needs the
# network (the machine's own Debian mirror) and patchelf
# (tools/install-deps.sh) only when something must be unpacked.
#
# The cache is outside the clone: $SLOTPROF_PYTHONS if set, else
# /var/cache/slotprof-pythons for root, else ~/.cache/slotprof/pythons.
# Runs of this script (several worktrees, make -j) serialize on a lock in
# it.  Standard output is the paths only; progress goes to stderr.
set -eu

cache_dir() {
    if [ -n "${SLOTPROF_PYTHONS:-}" ]; then
        echo "$SLOTPROF_PYTHONS"
    elif [ "$(id -u)" = 0 ]; then
        echo /var/cache/slotprof-pythons
    else
        echo "${XDG_CACHE_HOME:-$HOME/.cache}/slotprof/pythons"
    fi
}

CACHE=$(cache_dir)
if [ "${1:-}" = --dir ]; then
    echo "$CACHE"
    exit 0
fi
REFRESH=no
if [ "${1:-}" = --refresh ]; then
    REFRESH=yes
    shift
fi
[ $# -gt 0 ] || { echo "usage: $0 [--refresh] X.Y [X.Y ...] | --dir" >&2; exit 2; }

ARCH=$(dpkg --print-architecture)
TRIPLET=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null \
          || echo x86_64-linux-gnu)
APTDIR=$CACHE/.apt-sid

say() {
    echo "get-python: $*" >&2
}

# Does $CACHE/$1 hold a working interpreter?  (One exec: the cached path.)
works() {
    "$CACHE/$1/usr/bin/python$1" -c 'import sys' >/dev/null 2>&1
}

# apt-get / apt-cache on a private configuration: unstable, from the mirror
# of the machine's own sources, with lists and downloads under $APTDIR.
apt_sid() {
    tool=$1
    shift
    "$tool" -q -o Dir::Etc::SourceList="$APTDIR/sid.sources" \
        -o Dir::Etc::SourceParts=/dev/null \
        -o Dir::State::Lists="$APTDIR/lists" \
        -o Dir::State::Status=/dev/null \
        -o Dir::Cache="$APTDIR/cache" -o APT::Architecture="$ARCH" \
        -o APT::Sandbox::User=root "$@"
}

sid_update() {
    [ -z "${SID_UPDATED:-}" ] || return 0
    mirror=$(awk '/^URIs:/ {print $2; exit}' \
             /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
    [ -n "$mirror" ] || mirror=$(awk '/^deb / {print $2; exit}' \
                                 /etc/apt/sources.list 2>/dev/null || true)
    [ -n "$mirror" ] || { say "no Debian mirror in /etc/apt"; exit 1; }
    mkdir -p "$APTDIR/lists/partial" "$APTDIR/cache/archives/partial"
    printf 'Types: deb\nURIs: %s\nSuites: sid\nComponents: main\nSigned-By: %s\n' \
        "$mirror" /usr/share/keyrings/debian-archive-keyring.gpg \
        > "$APTDIR/sid.sources"
    say "reading unstable's package lists from $mirror"
    apt_sid apt-get update >&2
    SID_UPDATED=1
}

# The library packages (lib*, not -dev, not libpython*) that packages $@
# depend on directly.
lib_deps() {
    apt_sid apt-cache depends --no-recommends --no-suggests --no-conflicts \
        --no-breaks --no-replaces --no-enhances "$@" 2>/dev/null \
        | awk '$1 ~ /Depends:/ && $2 ~ /^lib/ && $2 !~ /-dev$/ \
               && $2 !~ /^libpython/ {print $2}' | sort -u
}

# Unpack unstable's X.Y into $CACHE/X.Y.Z and point $CACHE/X.Y at it.
install_one() {
    v=$1
    sid_update
    full=$(apt_sid apt-cache show "python$v" 2>/dev/null \
           | awk '/^Version:/ {print $2; exit}')
    [ -n "$full" ] || { say "unstable has no python$v"; exit 1; }
    upstream=${full%%-*}            # 3.14.10-1 -> 3.14.10
    dir=$upstream
    if [ -L "$CACHE/$v" ] && [ "$(readlink "$CACHE/$v")" = "$dir" ] \
        && works "$v"; then
        return 0
    fi
    command -v patchelf >/dev/null \
        || { say "patchelf is missing (sh tools/install-deps.sh)"; exit 1; }
    say "unpacking CPython $full from unstable into $CACHE/$dir"
    py="python$v-minimal libpython$v-minimal libpython$v-stdlib
        libpython$v python$v libpython$v-dev python$v-dev
        libpython$v-testsuite"
    # Their libraries, the libraries those need, and the C library with
    # its loader: all from unstable, the interpreter runs on nothing of
    # Debian 12's.
    libs=$(lib_deps $py)
    libs=$(printf '%s\n' $libs $(lib_deps $libs) libc6 libgcc-s1 \
           | sort -u)
    tmp=$CACHE/.partial-$dir
    rm -rf "$tmp" "$CACHE/$dir"
    mkdir -p "$tmp/debs"
    (cd "$tmp/debs" && apt_sid apt-get download $py $libs >&2)
    for deb in "$tmp"/debs/*.deb; do
        dpkg -x "$deb" "$tmp"
    done
    rm -rf "$tmp/debs"
    # Debian's pyconfig.h is a multiarch wrapper that includes
    # <$TRIPLET/pythonX.Y/pyconfig.h> from the system include path, which
    # has no such file: put the real one in its place.
    inc=$tmp/usr/include/python$v
    cp "$tmp/usr/include/$TRIPLET/python$v/pyconfig.h" "$inc/pyconfig.h"
    # Link-time names (libc.so, libm.so, libz.so, ...) for the unpacked
    # libraries, which only the -dev packages would give: make unit-pyver
    # links its test against these (tests/unit/pyver/embed-flags.py).
    (cd "$tmp/usr/lib/$TRIPLET" && for f in lib*.so.[0-9]*; do
        b=${f%%.so.*}.so
        [ -e "$b" ] || ln -s "$f" "$b"
    done)
    # The loader and libraries at the final place (patchelf writes paths,
    # the directory is renamed into place below).
    final=$CACHE/$dir/usr/lib/$TRIPLET
    loader=$(cd "$tmp/usr/lib/$TRIPLET" && ls ld-linux*.so.* | head -n 1)
    patchelf --set-interpreter "$final/$loader" --force-rpath \
        --set-rpath "$final" "$tmp/usr/bin/python$v"
    mv "$tmp" "$CACHE/$dir"
    ln -sfn "$dir" "$CACHE/.link-$v"
    mv -T "$CACHE/.link-$v" "$CACHE/$v"
    works "$v" || { say "$CACHE/$v/usr/bin/python$v does not run"; exit 1; }
}

mkdir -p "$CACHE"
# One run at a time per cache (the lock is released when this shell ends).
exec 9> "$CACHE/.lock"
if command -v flock >/dev/null; then
    flock 9
fi
for v in "$@"; do
    case $v in
        [0-9].[0-9]|[0-9].[0-9][0-9]) ;;
        *) say "not a version X.Y: $v"; exit 2 ;;
    esac
    if [ $REFRESH = yes ] || ! works "$v"; then
        install_one "$v"
    fi
    echo "$CACHE/$v/usr/bin/python$v"
done
