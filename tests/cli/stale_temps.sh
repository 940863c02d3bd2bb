#!/bin/sh
# stale_temps.sh - temp files of a writer killed before its rename ("<out>.tmp.<pid>" of
# metrics.csv, plot.svg, results.json, the checkpoint, a run's --out) are removed by the next
# writer of the same output; a live process's temp file is left alone.
. "$(dirname "$0")/lib.sh"
need_python
export XLC_NUM_THREADS=1
TINY="--set E=16 --set L=2 --set NH=1 --set slstm_at=[1] --batch 4 --max-len 12 --test-min-len 13 --test-max-len 20"
DEAD=999999999 # above any pid_max: no such process

say_case "xlc train removes stale temps of its outputs, keeps a live writer's"
mkdir "$T/a"
for f in metrics.csv plot.svg results.json ckpt.safetensors; do echo partial >"$T/a/$f.tmp.$DEAD"; done
sleep 300 >/dev/null 2>&1 & live=$!
echo partial >"$T/a/plot.svg.tmp.$live"
xrun train --task parity $TINY --steps 2 --eval-every 2 --eval-batches 1 --test-batches 1 --out "$T/a"
expect_rc 0
left=$(ls "$T/a" | grep "\.tmp\.$DEAD")
[ -z "$left" ] || fail "stale temp files left: $left"
[ -f "$T/a/plot.svg.tmp.$live" ] || fail "the temp file of a live process was removed"
kill $live

say_case "--resume (metrics.csv rewritten) also removes them"
echo partial >"$T/a/metrics.csv.tmp.$DEAD"
xrun train --resume --steps 3 --out "$T/a"
expect_rc 0
[ -e "$T/a/metrics.csv.tmp.$DEAD" ] && fail "stale metrics.csv temp left after --resume"

say_case "xlc run --out removes a stale temp of its output"
mkst "$T/in.safetensors" x=F32:2,4,3:iota
echo partial >"$T/r.safetensors.tmp.$DEAD"
xrun run "$CLI/tiny.xl" acc --set N=3 --inputs "$T/in.safetensors" --out "$T/r.safetensors"
expect_rc 0
[ -e "$T/r.safetensors.tmp.$DEAD" ] && fail "stale temp of --out left"

finish
