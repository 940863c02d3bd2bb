#!/usr/bin/env bash
# check_bundle.sh BUNDLE_DIR - asserts what the GPU bundle (scripts/build_gpu_bundle.sh) promises:
#  - every program in bin/ needs (ELF NEEDED) only libc, libm, libdl, libpthread, the dynamic
#    loader and libcjson.so.1, and lib/libcjson.so.1 (the one carried library) only libc; the
#    CUDA driver, NVRTC and cuBLAS are dlopen'ed, so they are not NEEDED at all;
#  - no glibc symbol version newer than 2.35, so that the bundle built here (Debian 12, glibc
#    2.36) starts on the GPU machine's Ubuntu image;
#  - the programs start with an empty environment (the RPATH finds lib/), and bin/xlc finds
#    the bundle's stdlib (share/xlc/stdlib) before any other;
#  - no symbolic links (the device tool would carry the link, not its target);
#  - the bundle is at most 48 MiB, so that with the working tree (about 12 MiB of tracked
#    files) it stays under the 64 MiB the device tool carries.
# Exit status 1 with the reason on the first violation.
set -euo pipefail
b=${1:?usage: check_bundle.sh BUNDLE_DIR}
fail() { echo "check_bundle: $*" >&2; exit 1; }
[ -x "$b/bin/xlc" ] || fail "$b/bin/xlc missing"
[ -f "$b/lib/libcjson.so.1" ] || fail "$b/lib/libcjson.so.1 missing"
allowed='^(libc\.so\.6|libm\.so\.6|libdl\.so\.2|libpthread\.so\.0|ld-linux-x86-64\.so\.2|libcjson\.so\.1)$'
for f in "$b"/bin/*; do
  needed=$(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
  [ -n "$needed" ] || fail "$f: no NEEDED entries (not a dynamic ELF?)"
  for n in $needed; do
    [[ $n =~ $allowed ]] || fail "$f needs $n (allowed: libc, libm, libdl, libpthread, the loader, libcjson.so.1)"
  done
  readelf -d "$f" | grep -q 'R.*PATH.*\$ORIGIN/\.\./lib' || fail "$f: no RPATH/RUNPATH \$ORIGIN/../lib"
done
for n in $(readelf -d "$b/lib/libcjson.so.1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
  [[ $n =~ ^(libc\.so\.6|libm\.so\.6)$ ]] || fail "lib/libcjson.so.1 needs $n"
done
# glibc: no symbol version newer than 2.35 (Ubuntu 22.04; the GPU machine's image is newer)
for f in "$b"/bin/* "$b/lib/libcjson.so.1"; do
  v=$(objdump -T "$f" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1)
  [ "$(printf '%s\n2.35\n' "$v" | sort -V | tail -1)" = 2.35 ] || fail "$f needs GLIBC_$v (at most 2.35)"
done
# starts without LD_LIBRARY_PATH or XLC_* variables, and finds the stdlib beside itself
env -i "$b/bin/xlc" --help >/dev/null || fail "$b/bin/xlc --help failed with an empty environment"
# the stdlib it finds first is the bundle's (refcheck --help names it), not the source tree's
lib=$(realpath "$b/share/xlc/stdlib" 2>/dev/null) || fail "$b/share/xlc/stdlib missing"
[ -f "$lib/xlstm.xl" ] || fail "$lib/xlstm.xl missing"
env -i "$b/bin/xlc" refcheck --help 2>&1 | tr -d '\n' | grep -qF "here $lib)" ||
  fail "$b/bin/xlc does not find the bundle's stdlib $lib first: $(env -i "$b/bin/xlc" refcheck --help 2>&1 | tail -2)"
links=$(find "$b" -type l | head -3)
[ -z "$links" ] || fail "links in the bundle (the device tool carries a link, not its target): $links"
kib=$(du -sk "$b" | cut -f1)
[ "$kib" -le $((48 * 1024)) ] || fail "the bundle is $((kib / 1024)) MiB (at most 48 MiB)"
echo "check_bundle: $b: $((kib / 1024)) MiB ($kib KiB); NEEDED: $(readelf -d "$b/bin/xlc" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')"
