#!/usr/bin/env bash
# results.sh - the training runs behind docs/results.md (parity and MQAR), resumable.
#
#   scripts/results.sh [RUN...]      run (or resume) the named runs, default all; then print
#                                    the table from every finished run's results.json
#   scripts/results.sh --table       only print the table
#
# Runs live in ${XLC_RUNS:-runs}/NAME (checkpoint, metrics.csv, plot.svg, results.json). A run
# that was interrupted (Ctrl-C, SIGKILL, end of a session) continues from its checkpoint with
# the same batches and optimizer state, so the final numbers do not depend on interruptions.
# Threads: XLC_NUM_THREADS (default 1 here so that two runs can share a 2-core machine).
set -euo pipefail
cd "$(dirname "$0")/.."
XLC=${XLC:-build/xlc}
RUNS=${XLC_RUNS:-runs}
export XLC_NUM_THREADS=${XLC_NUM_THREADS:-1}

# name | arguments (model and task). Parity runs in two stages (a length curriculum): stage 1
# (NAME-s1) trains on lengths 3-12, stage 2 starts from its parameters (--init) with a fresh
# optimizer and schedule on lengths 3-40; the test split is lengths 41-256. xLSTM[1:1] has
# its sLSTM block first (slstm_at=[0]); its stage 1 needs 4000 steps to leave the plateau.
P="--task parity --set E=64 --set L=2 --set NH=1 --batch 32"
P1="$P --max-len 12 --test-min-len 13 --test-max-len 40 --steps 1500 --lr 1e-3 --eval-every 250 --log-every 100"
P2="$P --steps 6000 --lr 3e-4 --eval-every 500 --log-every 100"
# MQAR, (context, pairs) = (64, 4) and (128, 8): at the paper's vocabulary 8192 (5000 steps;
# the trainer's default entry xlstm_lm_at runs the head only at the query positions), and the
# earlier runs at vocabulary 512 (3000 steps)
MQAR="--set E=64 --set L=2 --set NH=1 --steps 3000 --batch 32 --lr 2e-3 --eval-every 250 --log-every 50"
MQ8K="--task mqar --data-vocab 8192 --set E=64 --set L=2 --set NH=1 --steps 5000 --batch 32 --lr 2e-3 --eval-every 250 --log-every 50"
declare -A ARGS=(
  [parity-xlstm01-s1]="$P1 --set slstm_at=[0,1]"
  [parity-xlstm01]="$P2 --set slstm_at=[0,1] --init $RUNS/parity-xlstm01-s1/ckpt.safetensors"
  [parity-xlstm11-s1]="$P1 --set slstm_at=[0] --steps 4000"
  [parity-xlstm11]="$P2 --set slstm_at=[0] --init $RUNS/parity-xlstm11-s1/ckpt.safetensors"
  [parity-xlstm10-s1]="$P1 --set slstm_at=[]"
  [parity-xlstm10]="$P2 --set slstm_at=[] --init $RUNS/parity-xlstm10-s1/ckpt.safetensors"
  [mqar64-xlstm10]="--task mqar --data-vocab 512 --context 64 --pairs 4 $MQAR --set slstm_at=[]"
  [mqar64-xlstm11]="--task mqar --data-vocab 512 --context 64 --pairs 4 $MQAR --set slstm_at=[0]"
  [mqar64-xlstm01]="--task mqar --data-vocab 512 --context 64 --pairs 4 $MQAR --set slstm_at=[0,1]"
  [mqar128-xlstm10]="--task mqar --data-vocab 512 --context 128 --pairs 8 $MQAR --set slstm_at=[]"
  [mqar128-xlstm11]="--task mqar --data-vocab 512 --context 128 --pairs 8 $MQAR --set slstm_at=[0]"
  [mqar128-xlstm01]="--task mqar --data-vocab 512 --context 128 --pairs 8 $MQAR --set slstm_at=[0,1]"
  [mqar64v8192-xlstm10]="$MQ8K --context 64 --pairs 4 --set slstm_at=[]"
  [mqar64v8192-xlstm11]="$MQ8K --context 64 --pairs 4 --set slstm_at=[0]"
  [mqar64v8192-xlstm01]="$MQ8K --context 64 --pairs 4 --set slstm_at=[0,1]"
  [mqar128v8192-xlstm10]="$MQ8K --context 128 --pairs 8 --set slstm_at=[]"
  [mqar128v8192-xlstm11]="$MQ8K --context 128 --pairs 8 --set slstm_at=[0]"
  [mqar128v8192-xlstm01]="$MQ8K --context 128 --pairs 8 --set slstm_at=[0,1]"
)
ORDER="parity-xlstm01-s1 parity-xlstm01 parity-xlstm11-s1 parity-xlstm11 parity-xlstm10-s1 parity-xlstm10
       mqar64-xlstm10 mqar64-xlstm11 mqar64-xlstm01 mqar128-xlstm10 mqar128-xlstm11 mqar128-xlstm01
       mqar64v8192-xlstm10 mqar64v8192-xlstm11 mqar64v8192-xlstm01
       mqar128v8192-xlstm10 mqar128v8192-xlstm11 mqar128v8192-xlstm01"

table() {
  printf "%-20s %-22s %6s %9s %9s %8s %7s\n" run model steps val_acc test_len test_acc scaled
  for n in $ORDER; do
    r="$RUNS/$n/results.json"
    [ -f "$r" ] || continue
    python3 - "$r" "$n" "$RUNS/$n/metrics.csv" <<'PY'
import csv, json, sys
r = json.load(open(sys.argv[1])); name = sys.argv[2]
rows = list(csv.DictReader(open(sys.argv[3])))
v, t = r.get("validation", {}), r.get("test", {})
f = lambda d, k: "%.4f" % d[k] if k in d else "-"
sets = " ".join(x for x in r["sets"].split() if not x.startswith(("form=", "V=", "E=", "L=", "NH=")))
tl = "%d-%d" % (t["min_len"], t["max_len"]) if t else "-"
print("%-20s %-22s %6d %9s %9s %8s %7s" % (name, sets[:22], r["steps"], f(v, "accuracy"), tl,
      f(t, "accuracy"), ("%.3f" % t["scaled_accuracy"]) if t else "-"))
PY
  done
}

if [ "${1:-}" = "--table" ]; then table; exit 0; fi
[ -x "$XLC" ] || { echo "build first: cmake -S . -B build && cmake --build build (or scripts/example.sh)"; exit 1; }
for n in ${@:-$ORDER}; do
  [ -n "${ARGS[$n]:-}" ] || { echo "unknown run '$n' (runs: $ORDER)"; exit 1; }
  if [ -f "$RUNS/$n/results.json" ]; then echo "== $n: done"; continue; fi
  start=$(date +%s)
  if [ -f "$RUNS/$n/ckpt.safetensors" ]; then
    echo "== $n: resuming"
    "$XLC" train --resume --out "$RUNS/$n"
  else
    echo "== $n"
    # shellcheck disable=SC2086
    "$XLC" train ${ARGS[$n]} --out "$RUNS/$n"
  fi
  echo "$n: $(( $(date +%s) - start )) s this session" >>"$RUNS/times.txt"
done
table
