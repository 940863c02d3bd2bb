#!/bin/sh
# out_paths.sh - every file xlc writes replaces only a regular file or creates a new one
# (xl_outfile in compiler/util.c): a directory, a FIFO, a character device or a symbolic link
# to one at an output path (`xlc run --out`, the trainer's checkpoint / metrics / plot /
# results, `xlc build --emit-dir` files) is an error naming it, status 1, the thing untouched,
# no temp file left, never a hang (a FIFO opened for writing would block: `timeout`).
. "$(dirname "$0")/lib.sh"
need_python
X="$CLI/tiny.xl"
mkst "$T/in.safetensors" x=F32:2,4,3:iota
export XLC_NUM_THREADS=1
TO="timeout 60"
RSETS="--set N=3 --set B=2 --set T=4"

# kind_of PATH: what is there now (after the failed write it must be the same)
kind_of() {
  if [ -L "$1" ]; then echo "link:$(readlink "$1")"
  elif [ -d "$1" ]; then echo dir
  elif [ -p "$1" ]; then echo fifo
  elif [ -c "$1" ]; then echo chardev
  elif [ -f "$1" ]; then echo file
  else echo none; fi
}

# refused DIR NAME WHAT: the last xrun failed with status 1 naming DIR/NAME, left it as WHAT
# and left no temp file in DIR
refused() {
  expect_rc 1
  expect_err "xlc: error: $1/$2: exists and is a"
  [ "$(kind_of "$1/$2")" = "$3" ] || fail "$1/$2 is now $(kind_of "$1/$2"), was $3"
  left=$(ls -A "$1" | grep tmp)
  [ -z "$left" ] || fail "temp files left in $1: $left"
}

O="$T/o"
mkdir "$O" "$O/adir"
mkfifo "$O/fifo"
ln -s /dev/null "$O/devnull"
ln -s "$O/fifo" "$O/tofifo"
mknod "$O/chr" c 1 3 2>/dev/null || true # root only: a character device like /dev/null

say_case "xlc run --out: a working run first"
$TO "$XLC" run "$X" acc $RSETS --inputs "$T/in.safetensors" --out "$O/ok.safetensors" >"$T/stdout" 2>"$T/stderr"
RC=$?
if [ $RC != 0 ] && grep -q "lower" "$T/stderr"; then echo "SKIP: the lowering is not available"; exit 77; fi
expect_rc 0
for what in adir:dir fifo:fifo devnull:link:/dev/null tofifo:link:$O/fifo chr:chardev; do
  name=${what%%:*}; kind=${what#*:}
  [ -e "$O/$name" ] || [ -L "$O/$name" ] || continue
  say_case "xlc run --out $name ($kind)"
  LASTCMD="run --out $O/$name"
  $TO "$XLC" run "$X" acc $RSETS --inputs "$T/in.safetensors" --out "$O/$name" >"$T/stdout" 2>"$T/stderr"
  RC=$?
  refused "$O" "$name" "$kind"
done
say_case "a symbolic link to a regular file is allowed (the link is replaced by the new file)"
ln -s "$O/ok.safetensors" "$O/took"
xrun run "$X" acc $RSETS --inputs "$T/in.safetensors" --out "$O/took"
expect_rc 0

say_case "xlc train: a FIFO, a directory or a link to /dev/null at an output: refused before training"
TINY="--task parity --set E=8 --set L=1 --set NH=1 --batch 2 --max-len 6 --steps 2 --eval-every 1 --eval-batches 1 --test-batches 1"
n=0
for f in metrics.csv ckpt.safetensors plot.svg results.json; do
  for kind in fifo dir link:/dev/null; do
    n=$((n + 1)); D="$T/train$n"; mkdir "$D"
    case $kind in fifo) mkfifo "$D/$f" ;; dir) mkdir "$D/$f" ;; *) ln -s /dev/null "$D/$f" ;; esac
    say_case "xlc train with $f a $kind"
    LASTCMD="train ... --out $D"
    $TO "$XLC" train $TINY --out "$D" >"$T/stdout" 2>"$T/stderr"
    RC=$?
    refused "$D" "$f" "$kind"
  done
done

say_case "xlc build --emit-dir: report.txt a FIFO"
E="$T/emit"
mkdir "$E"; mkfifo "$E/report.txt"
LASTCMD="build --emit-dir $E"
$TO "$XLC" build "$X" acc --set N=64 --set B=2 --set T=4 --emit-dir "$E" >"$T/stdout" 2>"$T/stderr"
RC=$?
refused "$E" report.txt fifo
finish
