#!/bin/sh
# imports.sh - `import` (issue 18 P1): the stdlib by name from any directory, relative paths,
# entries defined in an imported file, diagnostics inside an imported file at that file's
# line (not a pasted copy), cycles, missing files, a name defined in two files, a diamond,
# the XLC_STDLIB / XLC_STDLIB_DIR overrides and an installed layout (bin/ + share/xlc/stdlib).
. "$(dirname "$0")/lib.sh"
STDLIB=$(cd "$CLI/../../stdlib" && pwd)
unset XLC_STDLIB XLC_STDLIB_DIR

say_case "import xlstm from another directory: check, run an entry defined in the file"
mkdir "$T/elsewhere"
cat >"$T/elsewhere/m.xl" <<'EOF'
import xlstm
model m(V = 16, E = 32) {
  param emb: [V, E] = small_init(E)
  b: mlstm_block(E, NH = 2)
  in tokens: int[T]
  out logits = einsum("te,ve->tv", b(gather(emb, tokens)), emb)
}
EOF
(cd "$T/elsewhere" && "$XLC" check m.xl >"$T/stdout" 2>"$T/stderr"); RC=$?; LASTCMD="check m.xl (in $T/elsewhere)"
expect_rc 0; expect_out "m.xl: ok"
(cd / && "$XLC" run "$T/elsewhere/m.xl" m --set T=4 --set B=2 --random-inputs --out "$T/o.safetensors" >"$T/stdout" 2>"$T/stderr"); RC=$?
LASTCMD="run m.xl m --random-inputs (in /)"
expect_rc 0; expect_out "logits"

say_case "an entry defined in the imported stdlib"
xrun dump "$T/elsewhere/m.xl" mlstm_block --stage=cg --set T=3 --set B=1; expect_rc 0
xrun run "$T/elsewhere/m.xl" lstm_cell --set T=3 --set B=1 --random-inputs --out "$T/o.safetensors"; expect_rc 0

say_case "relative imports: from the importing file's directory, transitively"
mkdir -p "$T/proj/lib/inner"
printf 'import "inner/acc.xl"\nblock twice(N) {\n  in x: [T, N]\n  out y = 2 * x\n}\n' >"$T/proj/lib/ops.xl"
printf 'cell acc(N) {\n  in x: [N]\n  state s: [N] = 0\n  s'"'"' = s + x\n  out y = s'"'"'\n}\n' >"$T/proj/lib/inner/acc.xl"
printf '# main\nimport "lib/ops.xl"\nblock both(N = 3) {\n  c: acc(N)\n  t: twice(N)\n  in x: [T, N]\n  out y = t(scan c over T (x = x))\n}\n' >"$T/proj/main.xl"
(cd / && "$XLC" check "$T/proj/main.xl" >"$T/stdout" 2>"$T/stderr"); RC=$?; LASTCMD="check proj/main.xl (in /)"
expect_rc 0; expect_out "ok (3 definitions)"
xrun run "$T/proj/main.xl" acc --set N=2 --set T=3 --set B=1 --random-inputs --out "$T/o.safetensors"; expect_rc 0
xrun run "$T/proj/main.xl" both --set T=3 --set B=1 --random-inputs --out "$T/o.safetensors"; expect_rc 0

say_case "an error inside an imported file is reported at that file's line, with its source line"
printf 'block bad(N, M) {\n  in x: [T, N]\n  param w: [M] = zeros\n  out y = x + w\n}\n' >"$T/proj/badlib.xl"
printf 'import "badlib.xl"\nblock use(N = 2) {\n  b: bad(N, 3)\n  in x: [T, N]\n  out y = b(x)\n}\n' >"$T/proj/usebad.xl"
xrun check "$T/proj/usebad.xl"; expect_rc 1
expect_err "$T/proj/badlib.xl:4:"
expect_err "  out y = x + w"
grep -q "usebad.xl:[0-9]*:[0-9]*: error" "$T/stderr" && fail "the error was placed in the importing file"
printf 'cell broken(N) {\n  in x: [N]\n  out y = x +\n}\n' >"$T/proj/synlib.xl"
printf '\n\nimport "synlib.xl"\n' >"$T/proj/usesyn.xl"
xrun check "$T/proj/usesyn.xl"; expect_rc 1
expect_err "$T/proj/synlib.xl:3:14: error:"
expect_err "$T/proj/usesyn.xl:3:8: note: in the file imported here"
printf 'cell u(N) {\n  in x: [N]\n  out y = x + nosuch\n}\n' >"$T/proj/namelib.xl"
printf 'import "namelib.xl"\n' >"$T/proj/usename.xl"
xrun check "$T/proj/usename.xl"; expect_rc 1
expect_err "$T/proj/namelib.xl:3:15: error:"
xrun run "$T/proj/usebad.xl" bad --set N=2 --set M=3 --set T=2 --set B=1 --random-inputs --out "$T/o.safetensors"; expect_rc 1
expect_err "$T/proj/badlib.xl:4:"

say_case "an import cycle names the chain"
printf 'import "b.xl"\ncell a1(N) {\n  in x: [N]\n  out y = x\n}\n' >"$T/proj/a.xl"
printf '# b\nimport "a.xl"\n' >"$T/proj/b.xl"
xrun check "$T/proj/a.xl"; expect_rc 1
expect_err "$T/proj/b.xl:2:8: error: import cycle: $T/proj/a.xl -> $T/proj/b.xl -> $T/proj/a.xl"
printf 'import "self.xl"\n' >"$T/proj/self.xl"
xrun check "$T/proj/self.xl"; expect_rc 1
expect_err "import cycle: $T/proj/self.xl -> $T/proj/self.xl"

say_case "a missing import: at the import, naming the path tried"
printf 'cell a(N) {\n  in x: [N]\n  out y = x\n}\nimport "nope/gone.xl"\n' >"$T/proj/miss.xl"
xrun check "$T/proj/miss.xl"; expect_rc 1
expect_err "$T/proj/miss.xl:5:8: error: cannot import 'nope/gone.xl': cannot read '$T/proj/nope/gone.xl'"
printf 'import nosuchlib\n' >"$T/proj/miss2.xl"
xrun check "$T/proj/miss2.xl"; expect_rc 1
expect_err "$T/proj/miss2.xl:1:8: error: cannot import 'nosuchlib': cannot read '$STDLIB/nosuchlib.xl'"

say_case "a name defined in two files: an error naming both places"
printf 'import "lib/inner/acc.xl"\n\ncell acc(N) {\n  in x: [N]\n  out y = x\n}\n' >"$T/proj/dup.xl"
xrun check "$T/proj/dup.xl"; expect_rc 1
expect_err "$T/proj/dup.xl:3:1: error: 'acc' is defined twice: also at $T/proj/lib/inner/acc.xl:1:1"
printf 'import xlstm\nblock linear(N) {\n  in x: [N]\n  out y = x\n}\n' >"$T/proj/dup2.xl"
xrun check "$T/proj/dup2.xl"; expect_rc 1
expect_err "$T/proj/dup2.xl:2:1: error: 'linear' is defined twice: also at $STDLIB/xlstm.xl:"

say_case "a diamond: the shared file is loaded once"
printf 'import "lib/inner/acc.xl"\ncell l(N) {\n  in x: [N]\n  out y = x\n}\n' >"$T/proj/l.xl"
printf 'import "./lib/inner/../inner/acc.xl"\ncell r(N) {\n  in x: [N]\n  out y = x\n}\n' >"$T/proj/r.xl"
printf 'import "l.xl"\nimport "r.xl"\nimport "lib/inner/acc.xl"\n' >"$T/proj/top.xl"
xrun check "$T/proj/top.xl"; expect_rc 0; expect_out "ok (3 definitions)"

say_case "XLC_STDLIB replaces the file of 'import xlstm'; XLC_STDLIB_DIR the directory"
printf 'cell only_here(N) {\n  in x: [N]\n  out y = x\n}\n' >"$T/fake.xl"
printf 'import xlstm\n' >"$T/usefake.xl"
export XLC_STDLIB="$T/fake.xl"; xrun check "$T/usefake.xl"; unset XLC_STDLIB; expect_rc 0; expect_out "ok (1 definition)"
mkdir "$T/sd"
cp "$T/fake.xl" "$T/sd/mylib.xl"
printf 'import mylib\n' >"$T/usemylib.xl"
export XLC_STDLIB_DIR="$T/sd"; xrun check "$T/usemylib.xl"; unset XLC_STDLIB_DIR; expect_rc 0; expect_out "ok (1 definition)"

say_case "an installed binary finds ../share/xlc/stdlib"
mkdir -p "$T/inst/bin" "$T/inst/share/xlc/stdlib"
if cp "$XLC" "$T/inst/bin/xlc" 2>/dev/null; then
  cp "$STDLIB/xlstm.xl" "$T/inst/share/xlc/stdlib/"
  cp "$T/fake.xl" "$T/inst/share/xlc/stdlib/marker.xl"
  printf 'import marker\nimport xlstm\n' >"$T/usemarker.xl"
  LASTCMD="inst/bin/xlc check usemarker.xl"
  (cd / && "$T/inst/bin/xlc" check "$T/usemarker.xl" >"$T/stdout" 2>"$T/stderr"); RC=$?
  expect_rc 0; expect_out "usemarker.xl: ok"
  rm -f "$T/inst/bin/xlc"
fi

say_case "train an entry of an imported file; the checkpoint keeps the imported file's text"
mkdir -p "$T/tr/lib" "$T/tr2"
cp "$CLI/tiny_lm.xl" "$T/tr/lib/lm.xl"
printf 'import "lib/lm.xl"\n' >"$T/tr/m.xl"
export XLC_NUM_THREADS=1
RUN="--task parity --batch 4 --max-len 8 --test-min-len 9 --test-max-len 12 --eval-every 2 --eval-batches 1 --test-batches 1"
xrun train "$T/tr/m.xl" tiny_lm $RUN --steps 2 --out "$T/tr/out"; expect_rc 0
xrun eval "$T/tr/out/ckpt.safetensors"; expect_rc 0; cp "$T/stdout" "$T/eval_before"
mv "$T/tr/m.xl" "$T/tr/lib/lm.xl" "$T/tr2/"
LASTCMD="eval ckpt (sources moved away, in /)"
(cd / && "$XLC" eval "$T/tr/out/ckpt.safetensors" >"$T/stdout" 2>"$T/stderr"); RC=$?
expect_rc 0
cmp -s "$T/stdout" "$T/eval_before" || fail "eval from the stored sources differs"
xrun generate "$T/tr/out/ckpt.safetensors" --prompt-tokens 1,2 --max-new 3 --temperature 0; expect_rc 0
unset XLC_NUM_THREADS

say_case "examples/lm_import.xl runs"
xrun run "$CLI/../../examples/lm_import.xl" tiny_lm --set T=8 --set B=2 --random-inputs --out "$T/o.safetensors"
expect_rc 0; expect_out "loss = "

say_case "dump --stage=ast shows the import items, not the imported definitions"
xrun dump "$T/proj/main.xl" --stage=ast; expect_rc 0; expect_out 'import "lib/ops.xl" @2:8'
grep -q "def cell acc" "$T/stdout" && fail "the ast dump holds imported definitions"

finish
