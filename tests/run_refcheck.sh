#!/bin/sh
# run_refcheck.sh - `xlc refcheck` on reference cases, for CTest (tests/refcheck.cmake).
#
# usage: run_refcheck.sh [--backend NAME] XLC STDLIB DTYPE CASE_DIR
#          xlc refcheck --dtype DTYPE --stdlib STDLIB [--backend NAME] CASE_DIR
#        run_refcheck.sh --renamed XLC STDLIB REF_DIR CASE...
#          copies each REF_DIR/CASE to a temp folder of another name (renamed_<i>_x) and runs
#          refcheck (both dtypes) on the copies: the case mapping must come from the
#          manifest, never from the folder name.
# Exit status: xlc's, or 77 (skipped) when the reference data is missing.
RENAMED=
BACKEND=
[ "$1" = --backend ] && { BACKEND=${2:?--backend needs a name}; shift 2; }
[ "$1" = --renamed ] && { RENAMED=1; shift; }
XLC=${1:?usage: run_refcheck.sh [--renamed] XLC STDLIB ...}
LIB=${2:?missing STDLIB}
shift 2
if [ -z "$RENAMED" ]; then
  DTYPE=${1:?missing DTYPE}
  DIR=${2:?missing CASE_DIR}
  if [ ! -f "$DIR/manifest.json" ]; then
    echo "SKIP: no reference case at $DIR (set XLC_REF_DIR when configuring)"
    exit 77
  fi
  exec "$XLC" refcheck --dtype "$DTYPE" --stdlib "$LIB" ${BACKEND:+--backend "$BACKEND"} "$DIR"
fi

REF=${1:?missing REF_DIR}
shift
[ $# -gt 0 ] || { echo "run_refcheck.sh --renamed: no case given" >&2; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/xlc-refcheck.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
i=0
set -- "$@" --
while [ "$1" != -- ]; do
  c=$1
  shift
  if [ ! -f "$REF/$c/manifest.json" ]; then
    echo "SKIP: no reference case at $REF/$c (set XLC_REF_DIR when configuring)"
    exit 77
  fi
  i=$((i + 1))
  cp -R "$REF/$c" "$T/renamed_${i}_x" || exit 1
  set -- "$@" "$T/renamed_${i}_x"
done
shift
echo "refcheck on copies: $* "
"$XLC" refcheck --dtype both --stdlib "$LIB" "$@"
