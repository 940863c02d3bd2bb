#!/bin/sh
# einsum_forms.sh - issue 18 item 5: a contraction written as an einsum is planned as well as
# its broadcast-sum rewrite. RG-LRU's parallel form (tests/bench/rglru_forms.xl) as
# einsum("tud,ud->td", w, b) and as sum(w * b, 1): in the training plan (--loss), the number
# of kernels whose loop domain is the [B, T, T, D] weight tensor (each one pass over 4 MB per
# batch row) must not be larger for the einsum form, and the backward's weight gradient
# "td,ud->tud" shares its kernel with the contraction "td,tud->ud" of the stored weights.
# (scripts/bench_forms.py measures the two forms' speed in one run: docs/performance.md.)
. "$(dirname "$0")/lib.sh"
F=$(cd "$CLI/../bench" && pwd)/rglru_forms.xl
need_lowering "$F" rglru_lm --set T=4 --set B=1

# the training plan of FORM at the benchmark's sizes -> $T/FORM.plan (a dump: nothing compiled)
plan() {
  xrun dump "$F" rglru_lm --set B=4 --set T=128 --set D=64 --set form="$1" --stage=kplan --loss
  expect_rc 0
  cp "$T/stdout" "$T/$1.plan"
}
# kernel steps whose loop domain is the [4, 128, 128, 64] weight tensor
count() { grep -E "^ *step [0-9]+ kernel .*\[4, 128, 128, 64\]" "$T/$1.plan" | grep -c kernel; }

say_case "einsum form vs bsum form"
plan einsum
plan bsum
grep -qE "kernel k[0-9]+ \[%[0-9]+ einsum, %[0-9]+ einsum\]" "$T/einsum.plan" ||
  fail "the weight gradient and the contraction of the weights are not one kernel"
ne=$(count einsum)
nb=$(count bsum)
[ "$ne" -gt 0 ] && [ "$nb" -gt 0 ] || fail "no kernel over the weights found (einsum $ne, bsum $nb)"
[ "$ne" -le "$nb" ] || fail "einsum form: $ne kernels over the T x T weights, bsum form: $nb"
echo "kernels over [B, T, T, D]: einsum $ne, bsum $nb"
finish
