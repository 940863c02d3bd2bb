#!/bin/sh
# run_kernels_gen.sh - generated-kernel goldens: `xlc build --emit-dir` for a few small cases,
# comparing every <kernel>.mlir and plan.txt with kernels_gen/<case>/ (the .ll and .s files
# depend on the host CPU and are not kept).
#
# usage: run_kernels_gen.sh XLC SRCDIR [NAME]   run every case, or only the case NAME
# env:   XLC_UPDATE_GOLDEN=1                    rewrite kernels_gen/<case>/ instead (stale
#                                               .mlir files of the case are removed)
# A case's name follows tests/run_golden.sh: <file base>.<entry>[.loss|.grad][.<K><V>...].
# The cases (kernels_gen/README.md says what each holds): forward (T=4), backward (--grad,
# cotangent mode: the cells have no 'loss') and decode (forward at T=1) of the stdlib cells
# slstm_cell, mlstm_cell and lstm_cell at B=1 and their default (small) sizes, and the acc2
# cell of tests/golden/cell_state.xl.
# Exit status: 0 all passed (or updated), 1 a failure.

set -f # no globbing of case words
XLC=${1:?usage: run_kernels_gen.sh XLC SRCDIR [NAME]}
SRC=${2:?usage: run_kernels_gen.sh XLC SRCDIR [NAME]}
ONLY=$3
case $XLC in /*) ;; *) XLC=$(pwd)/$XLC ;; esac
GEN=$SRC/kernels_gen

# the cases: FILE ENTRY ARGS...  (FILE relative to SRCDIR; f32, the default dtype)
CASES='tests/golden/cell_state.xl acc2 --set B=2 --set T=4
stdlib/xlstm.xl slstm_cell --set B=1 --set T=4
stdlib/xlstm.xl slstm_cell --set B=1 --set T=4 --grad
stdlib/xlstm.xl slstm_cell --set B=1 --set T=1
stdlib/xlstm.xl mlstm_cell --set B=1 --set T=4
stdlib/xlstm.xl mlstm_cell --set B=1 --set T=4 --grad
stdlib/xlstm.xl mlstm_cell --set B=1 --set T=1
stdlib/xlstm.xl lstm_cell --set B=1 --set T=4
stdlib/xlstm.xl lstm_cell --set B=1 --set T=4 --grad
stdlib/xlstm.xl lstm_cell --set B=1 --set T=1'

T=$(mktemp -d "${TMPDIR:-/tmp}/xlc-kgen.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
# a private JIT cache: nothing from the user's cache, nothing left in it
XLC_CACHE_DIR=$T/cache
# the kept kernels are written for 256-bit vectors whatever the host (jit.h jit_vector_bits)
XLC_VECTOR_BITS=256
export XLC_CACHE_DIR XLC_VECTOR_BITS

case_name() { # FILE ENTRY ARGS...
  n=$(basename "$1" .xl).$2
  shift 2
  loss='' sets=''
  while [ $# -gt 0 ]; do
    case $1 in
    --loss) loss=.loss ;;
    --grad) loss=.grad ;;
    --set) sets=$sets.$(printf '%s' "$2" | sed 's/=//; s/[^A-Za-z0-9]\{1,\}/_/g; s/_$//'); shift ;;
    esac
    shift
  done
  printf '%s\n' "$n$loss$sets"
}

# the kept files of a directory, one a line, sorted
kept() {
  (cd "$1" && find . -maxdepth 1 -type f \( -name '*.mlir' -o -name plan.txt \)) | sed 's|^\./||' | LC_ALL=C sort
}

UPDATE=
[ -n "$XLC_UPDATE_GOLDEN" ] && [ "$XLC_UPDATE_GOLDEN" != 0 ] && UPDATE=1
FAILS=0 NRUN=0
echo "$CASES" >"$T/cases"
while IFS= read -r line; do
  # shellcheck disable=SC2086  # split the case line into words on purpose
  set -- $line
  name=$(case_name "$@")
  [ -z "$ONLY" ] || [ "$ONLY" = "$name" ] || continue
  NRUN=$((NRUN + 1))
  file=$1 entry=$2
  shift 2
  out=$T/$name
  if ! "$XLC" build "$SRC/$file" "$entry" --emit-dir "$out" "$@" >"$T/stdout" 2>"$T/stderr" || [ -s "$T/stderr" ]; then
    echo "FAIL $name: xlc build failed or printed diagnostics"
    echo "  command: xlc build $SRC/$file $entry --emit-dir $out $*"
    sed 's/^/  | /' "$T/stderr" | head -30
    FAILS=$((FAILS + 1))
    continue
  fi
  want=$GEN/$name
  if [ -n "$UPDATE" ]; then
    mkdir -p "$want" || exit 1
    for f in $(kept "$want"); do [ -f "$out/$f" ] || { rm -f "$want/$f"; echo "removed $name/$f"; }; done
    for f in $(kept "$out"); do
      if [ -f "$want/$f" ] && cmp -s "$out/$f" "$want/$f"; then continue; fi
      cp "$out/$f" "$want/$f" || exit 1
      echo "updated $name/$f"
    done
    echo "done    $name"
    continue
  fi
  if [ ! -d "$want" ]; then
    echo "FAIL $name: no directory $want (create it with XLC_UPDATE_GOLDEN=1, then review it)"
    FAILS=$((FAILS + 1))
    continue
  fi
  bad=0
  kept "$want" >"$T/want.list"
  kept "$out" >"$T/got.list"
  if ! cmp -s "$T/want.list" "$T/got.list"; then
    echo "FAIL $name: the set of generated files differs (- kept, + generated now)"
    diff -u "$T/want.list" "$T/got.list" | sed -n '3,$p' | sed 's/^/  /'
    bad=1
  fi
  while IFS= read -r f; do
    [ -f "$want/$f" ] || continue
    if ! cmp -s "$want/$f" "$out/$f"; then
      echo "FAIL $name: $f differs from $want/$f"
      diff -u "$want/$f" "$out/$f" | head -60 | sed 's/^/  /'
      bad=1
    fi
  done <"$T/got.list"
  if [ "$bad" -ne 0 ]; then
    FAILS=$((FAILS + 1))
  else
    echo "ok   $name ($(wc -l <"$T/got.list") files)"
  fi
done <"$T/cases"

[ -z "$ONLY" ] || [ "$NRUN" -gt 0 ] || { echo "run_kernels_gen.sh: no case named '$ONLY'" >&2; exit 1; }
if [ "$FAILS" -ne 0 ]; then
  echo "$FAILS of $NRUN kernels_gen case(s) failed (XLC_UPDATE_GOLDEN=1 rewrites them; read the diff)"
  exit 1
fi
echo "$NRUN kernels_gen case(s) $([ -n "$UPDATE" ] && echo updated || echo passed)"
exit 0
