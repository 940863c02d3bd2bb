#!/bin/sh
# run_error_case.sh XLC FILE.xl - one case of the error suite (tests/errors/).
#
# FILE states what must be reported, one comment line per diagnostic:
#   # expect: LINE:COL: error: MESSAGE-SUBSTRING
# The case passes iff `XLC check FILE` exits with status 1, every expectation appears in
# stderr as a line "FILE:LINE:COL: error: ...MESSAGE-SUBSTRING...", and no line of stderr
# mentions an internal compiler error or a sanitizer.
set -u
xlc=$1
file=$2
err=$(mktemp) || exit 2
trap 'rm -f "$err"' EXIT

"$xlc" check "$file" >/dev/null 2>"$err"
rc=$?
ok=1

if [ "$rc" -ne 1 ]; then
  echo "FAIL: exit status $rc, expected 1"
  ok=0
fi
if grep -q -e "internal compiler error" -e "Sanitizer" "$err"; then
  echo "FAIL: internal compiler error or sanitizer report"
  ok=0
fi

n=0
# each expectation: "LINE:COL: error: MESSAGE"
grep '^#[[:space:]]*expect:' "$file" | sed 's/^#[[:space:]]*expect:[[:space:]]*//' >"$err.exp"
while IFS= read -r exp; do
  n=$((n + 1))
  pos=${exp%%: error: *}
  msg=${exp#*: error: }
  if [ "$pos" = "$exp" ]; then
    echo "FAIL: malformed expectation '$exp' (want LINE:COL: error: MESSAGE)"
    ok=0
    continue
  fi
  if ! grep -F -- "$file:$pos: error: " "$err" | grep -q -F -- "$msg"; then
    echo "FAIL: missing diagnostic $file:$pos: error: ...$msg..."
    ok=0
  fi
done <"$err.exp"
rm -f "$err.exp"

if [ "$n" -eq 0 ]; then
  echo "FAIL: $file has no '# expect: LINE:COL: error: MESSAGE' line"
  ok=0
fi

if [ "$ok" -ne 1 ]; then
  echo "---- stderr of: $xlc check $file"
  cat "$err"
  exit 1
fi
echo "ok: $file ($n expected diagnostic(s))"
exit 0
