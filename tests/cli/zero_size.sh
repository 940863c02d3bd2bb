#!/bin/sh
# zero_size.sh - `xlc run` with batch 0 and with T = 0 from --inputs: the compiled CPU path
# writes what the reference executor writes (empty outputs, sums over the empty axis 0, the
# loss and its gradients), status 0 (it was an internal compiler error in kplan).
. "$(dirname "$0")/lib.sh"
need_python

cat >"$T/z.xl" <<'XL'
block m() {
  in x: [T, D]
  let h = tanh(x) * 2 + 1
  out y = h
  out s = sum(h, 0)
  out mu = mean(h, 1)
  out a = amax(h, 0)
  out loss = sum(h * h)
}
XL
mkst "$T/b0.safetensors" x=F32:0,3,4:0
mkst "$T/t0.safetensors" x=F32:2,0,4:0

for f in b0 t0; do
  for be in ref cpu; do
    say_case "$f: --backend $be"
    xrun run "$T/z.xl" m --inputs "$T/$f.safetensors" --loss --backend $be --out "$T/$f.$be.safetensors"
    expect_rc 0; expect_out "wrote 6 tensors"
    python3 "$CLI/st.py" show "$T/$f.$be.safetensors" | grep -v '^meta' >"$T/$f.$be.txt"
  done
  say_case "$f: cpu == ref"
  cmp -s "$T/$f.ref.txt" "$T/$f.cpu.txt" || { fail "outputs differ"; diff "$T/$f.ref.txt" "$T/$f.cpu.txt" | head; }
done
grep -q '^loss F32  0' "$T/b0.cpu.txt" || fail "batch 0: loss is not 0: $(grep '^loss' "$T/b0.cpu.txt")"
grep -q '^s F32 2,4 0,0,0,0,0,0,0,0' "$T/t0.cpu.txt" || fail "T = 0: sum over T is not 0"
finish
