#!/bin/sh
# mutate.sh - a checkpoint written by `xlc train`, mutated many ways (tests/cli/mutate.py):
# each mutant gives a clear error (status 1, "xlc: error: ...") or a result, never a signal,
# status 2, a sanitizer report or a hang. Runs in both builds (about a minute under ASan).
. "$(dirname "$0")/lib.sh"
need_python
export XLC_NUM_THREADS=1
xrun train --task parity --set E=8 --set L=1 --set NH=1 --batch 2 --max-len 6 --test-min-len 7 --test-max-len 8 \
  --steps 2 --eval-every 2 --eval-batches 1 --test-batches 1 --backend ref --out "$T/a"
expect_rc 0
[ "$FAILS" = 0 ] || finish
python3 "$CLI/mutate.py" "$XLC" "$T/a/ckpt.safetensors" "$T" || fail "mutations (above)"
finish
