#!/bin/sh
# check.sh - `xlc check` and the front-end dumps on small files: a clean file, a syntax
# error, several files at once. Needs the lexer and parser (lang/), not the lowering.
. "$(dirname "$0")/lib.sh"

say_case "check a clean file"
xrun check "$CLI/tiny.xl"; expect_rc 0; expect_out "tiny.xl: ok (1 definition)"

say_case "check a syntax error"
printf 'cell broken(N) {\n  in x: [N\n  out y = x +\n}\n' >"$T/broken.xl"
xrun check "$T/broken.xl"; expect_rc 1; expect_err "broken.xl:"; expect_err "error:"
grep -q "ok (" "$T/stdout" && fail "a broken file was reported ok"

say_case "check several files: one bad one makes the status 1"
xrun check "$CLI/tiny.xl" "$T/broken.xl"; expect_rc 1; expect_out "tiny.xl: ok"

say_case "dump tokens and ast"
xrun dump "$CLI/tiny.xl" --stage=tokens; expect_rc 0; expect_out "acc"
xrun dump "$CLI/tiny.xl" --stage=ast; expect_rc 0; expect_out "acc"
xrun dump "$T/broken.xl" --stage=ast; expect_rc 1; expect_no_out

finish
