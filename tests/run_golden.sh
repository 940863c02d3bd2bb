#!/bin/sh
# run_golden.sh - golden dump tests: run each case of tests/golden/cases.txt through
# `xlc dump` and compare stdout with tests/golden/expected/<name>.txt.
#
# usage: run_golden.sh XLC SRCDIR [NAME]   run every case, or only the case NAME
#        run_golden.sh --list SRCDIR       print the case names, one a line (used by CMake)
#        run_golden.sh --orphans SRCDIR    fail if an expected file belongs to no case
# env:   XLC_UPDATE_GOLDEN=1               write the expected files instead of comparing
#        (XLC_VECTOR_BITS is set to 256 here: the expected MLIR does not depend on the host)
#
# A case line is  FILE ENTRY STAGE [--set K=V]... [--target T] [--loss]  (FILE relative to SRCDIR, ENTRY
# '-' for the whole-file stages tokens and ast). Its name is
#   <file base>.<entry>.<stage>[.loss][.<K><V>... in order, --target T as targetT]
# with the entry left out for '-' and the characters of V other than letters and digits
# turned into '_' (runs squeezed, a trailing one dropped). A case passes when xlc exits 0,
# prints nothing on stderr, and stdout equals the expected file byte for byte.
# Exit status: 0 all passed (or updated), 1 a failure or a malformed case list.
set -f # case lines hold brackets like at=[0,2]: no globbing
# the mlir-stage goldens are written for 256-bit vectors whatever the host (jit.h jit_vector_bits)
XLC_VECTOR_BITS=256
export XLC_VECTOR_BITS

die() {
  echo "run_golden.sh: $*" >&2
  exit 1
}

MODE=run
case $1 in
--list) MODE=list; shift ;;
--orphans) MODE=orphans; shift ;;
esac
if [ "$MODE" = run ]; then
  XLC=${1:?usage: run_golden.sh XLC SRCDIR [NAME]}
  shift
  case $XLC in /*) ;; *) XLC=$(pwd)/$XLC ;; esac
fi
SRC=${1:?usage: run_golden.sh XLC SRCDIR [NAME] | --list SRCDIR | --orphans SRCDIR}
ONLY=$2
GOLDEN=$SRC/tests/golden
CASES=$GOLDEN/cases.txt
EXP=$GOLDEN/expected
[ -f "$CASES" ] || die "no case list $CASES"

# name of the case in "$@" (FILE ENTRY STAGE ARGS...)
case_name() {
  f=$(basename "$1" .xl)
  n=$f
  [ "$2" = - ] || n=$n.$2
  n=$n.$3
  shift 3
  loss=
  sets=
  while [ $# -gt 0 ]; do
    case $1 in
    --loss) loss=.loss ;;
    --target)
      [ $# -ge 2 ] || return 1
      sets=$sets.target$2
      shift
      ;;
    --set)
      [ $# -ge 2 ] || return 1
      kv=$(printf '%s' "$2" | sed 's/=//; s/[^A-Za-z0-9]\{1,\}/_/g; s/_$//')
      sets=$sets.$kv
      shift
      ;;
    *) return 1 ;;
    esac
    shift
  done
  printf '%s\n' "$n$loss$sets"
}

T=$(mktemp -d "${TMPDIR:-/tmp}/xlc-golden.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
: >"$T/names"

FAILS=0
NRUN=0
LINENO_=0
while IFS= read -r line || [ -n "$line" ]; do
  LINENO_=$((LINENO_ + 1))
  case $line in '' | '#'*) continue ;; esac
  # shellcheck disable=SC2086  # split the line into words on purpose
  set -- $line
  [ $# -ge 3 ] || die "$CASES:$LINENO_: need FILE ENTRY STAGE"
  name=$(case_name "$@") || die "$CASES:$LINENO_: bad arguments (only --set K=V, --target T and --loss)"
  grep -qxF -- "$name" "$T/names" && die "$CASES:$LINENO_: case name '$name' is used twice"
  echo "$name" >>"$T/names"
  [ "$MODE" = list ] && { echo "$name"; continue; }
  [ "$MODE" = orphans ] && continue
  [ -z "$ONLY" ] || [ "$ONLY" = "$name" ] || continue
  NRUN=$((NRUN + 1))

  file=$1 entry=$2 stage=$3
  shift 3
  [ -f "$SRC/$file" ] || die "$CASES:$LINENO_: no file $SRC/$file"
  if [ "$entry" = - ]; then
    set -- "$SRC/$file" "--stage=$stage" "$@"
  else
    set -- "$SRC/$file" "$entry" "--stage=$stage" "$@"
  fi
  "$XLC" dump "$@" >"$T/out" 2>"$T/err"
  rc=$?
  if [ "$rc" -ne 0 ] || [ -s "$T/err" ]; then
    echo "FAIL $name: xlc dump exited with $rc$([ -s "$T/err" ] && echo ' and printed diagnostics')"
    echo "  command: xlc dump $*"
    sed 's/^/  | /' "$T/err" | head -30
    FAILS=$((FAILS + 1))
    continue
  fi
  want=$EXP/$name.txt
  if [ -n "$XLC_UPDATE_GOLDEN" ] && [ "$XLC_UPDATE_GOLDEN" != 0 ]; then
    mkdir -p "$EXP" || exit 1
    if [ -f "$want" ] && cmp -s "$T/out" "$want"; then
      echo "same    $name"
    else
      cp "$T/out" "$want" || exit 1
      echo "updated $name"
    fi
    continue
  fi
  if [ ! -f "$want" ]; then
    echo "FAIL $name: no expected file $want (create it with XLC_UPDATE_GOLDEN=1, then review it)"
    FAILS=$((FAILS + 1))
    continue
  fi
  if ! cmp -s "$want" "$T/out"; then
    echo "FAIL $name: the dump differs from $want"
    echo "  command: xlc dump $*"
    diff -u "$want" "$T/out" | head -80 | sed 's/^/  /'
    FAILS=$((FAILS + 1))
    continue
  fi
  echo "ok   $name"
done <"$CASES"

case $MODE in
list) exit 0 ;;
orphans)
  if [ -d "$EXP" ]; then
    for f in "$EXP"/*.txt; do
      [ -f "$f" ] || continue
      n=$(basename "$f" .txt)
      if ! grep -qxF -- "$n" "$T/names"; then
        echo "FAIL orphan expected file $f: no line of cases.txt has the name '$n'"
        FAILS=$((FAILS + 1))
      fi
    done
  fi
  [ "$FAILS" -eq 0 ] && echo "every expected file belongs to a case"
  [ "$FAILS" -eq 0 ] || exit 1
  exit 0
  ;;
esac

[ -z "$ONLY" ] || [ "$NRUN" -gt 0 ] || die "no case named '$ONLY' in $CASES"
if [ "$FAILS" -ne 0 ]; then
  echo "$FAILS of $NRUN golden case(s) failed"
  exit 1
fi
echo "$NRUN golden case(s) passed"
exit 0
