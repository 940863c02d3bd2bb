# lib.sh - shared helpers of the CLI tests; sourced by tests/cli/*.sh.
#
# Usage in a test:  . "$(dirname "$0")/lib.sh"   (the test's arguments: XLC binary [CLI dir])
# Gives $XLC, $CLI (this directory), $T (a fresh temp dir, removed on exit), and
#   xrun ARGS...         run xlc, stdout -> $T/stdout, stderr -> $T/stderr, status -> $RC
#   expect_rc N          the last xrun exited with N
#   expect_err TEXT      stderr of the last xrun contains TEXT (fixed string)
#   expect_out TEXT      stdout of the last xrun contains TEXT
#   expect_empty_dir D   directory D holds no file (no output, no temp file left behind)
#   mkst OUT SPEC...     write a safetensors file (see st.py)
#   need_python, need_lowering ARGS...   skip (exit 77) when python3 / the lowering is missing
#   finish               report and exit 0/1
XLC=${1:?usage: $0 XLC [CLI_DIR]}
CLI=${2:-$(cd "$(dirname "$0")" && pwd)}
case $XLC in /*) ;; *) XLC=$(pwd)/$XLC ;; esac
T=$(mktemp -d "${TMPDIR:-/tmp}/xlc-cli.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
FAILS=0
CASE="(start)"

say_case() { CASE=$*; }

fail() {
  echo "FAIL [$CASE]: $*"
  echo "  command: xlc $LASTCMD"
  echo "  --- stdout"; sed 's/^/  | /' "$T/stdout" 2>/dev/null | head -20
  echo "  --- stderr"; sed 's/^/  | /' "$T/stderr" 2>/dev/null | head -20
  FAILS=$((FAILS + 1))
}

xrun() {
  LASTCMD="$*"
  "$XLC" "$@" >"$T/stdout" 2>"$T/stderr"
  RC=$?
}

expect_rc() { [ "$RC" = "$1" ] || fail "exit status $RC, expected $1"; }
expect_err() { grep -qF -- "$1" "$T/stderr" || fail "stderr lacks: $1"; }
expect_out() { grep -qF -- "$1" "$T/stdout" || fail "stdout lacks: $1"; }
expect_no_out() { [ ! -s "$T/stdout" ] || fail "stdout should be empty"; }

expect_empty_dir() {
  left=$(ls -A "$1")
  [ -z "$left" ] || fail "left behind in $1: $left"
}

need_python() {
  command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 not found"; exit 77; }
}

# need_lowering ARGS...: skip (77) unless `xlc dump ARGS... --stage=cg` works; with
# XLC_CLI_REQUIRE_LOWERING set, fail instead of skipping.
need_lowering() {
  xrun dump "$@" --stage=cg
  [ "$RC" = 0 ] && return 0
  echo "probe 'xlc dump $* --stage=cg' failed (status $RC):"
  sed 's/^/  | /' "$T/stderr" | head -10
  [ -n "$XLC_CLI_REQUIRE_LOWERING" ] && { echo "FAIL: the lowering is required"; exit 1; }
  echo "SKIP: the lowering is not available"
  exit 77
}

mkst() { python3 "$CLI/st.py" make "$@" || { echo "st.py make failed: $*"; exit 1; }; }

finish() {
  if [ "$FAILS" -ne 0 ]; then
    echo "$FAILS check(s) failed"
    exit 1
  fi
  echo "all checks passed"
  exit 0
}
