#!/bin/sh
# bad_files.sh - files that are not regular files, or not text: a FIFO as source, inputs,
# params, data file or checkpoint, /dev/zero and a directory as source, a NUL byte in a source,
# an oversized source, and a kernel-cache entry replaced by a directory. Each must give an
# error naming the file (exit 1) or the right result quickly: never a hang, never exit 2.
. "$(dirname "$0")/lib.sh"
need_python

# trun ARGS...: xrun under `timeout 20`, so that a regression fails instead of hanging
trun() {
  LASTCMD="$*"
  timeout 20 "$XLC" "$@" >"$T/stdout" 2>"$T/stderr"
  RC=$?
  [ "$RC" = 124 ] && fail "timed out (blocked on a file?)"
}

X="$CLI/tiny.xl"
mkfifo "$T/fifo" || { echo "SKIP: mkfifo failed"; exit 77; }
mkst "$T/in.safetensors" x=F32:2,4,3:iota

say_case "a FIFO as source"
trun check "$T/fifo"; expect_rc 1; expect_err "fifo': not a regular file"

say_case "/dev/zero as source"
trun check /dev/zero; expect_rc 1; expect_err "/dev/zero': not a regular file"

say_case "a directory as source"
trun check "$T"; expect_rc 1; expect_err "not a regular file"

say_case "a NUL byte in a source is an error at its position"
printf 'cell acc(N) {\n  in x: [N]\n  out y = x\000 + 1\n}\n' >"$T/nul.xl"
trun check "$T/nul.xl"; expect_rc 1; expect_err "nul.xl:3:12: error: NUL byte in the source"

say_case "a source over 16 MiB"
head -c 17000000 /dev/zero | tr '\0' '\n' >"$T/big.xl"
trun check "$T/big.xl"; expect_rc 1; expect_err "big.xl': larger than the size limit of 16 MiB"

say_case "a FIFO as --inputs and as --params"
trun run "$X" acc --set N=3 --inputs "$T/fifo" --out "$T/r.safetensors"
expect_rc 1; expect_err "fifo: not a regular file"
trun run "$X" acc --set N=3 --inputs "$T/in.safetensors" --params "$T/fifo" --out "$T/r.safetensors"
expect_rc 1; expect_err "fifo: not a regular file"
[ -e "$T/r.safetensors" ] && fail "an output was written"

say_case "a FIFO as the data file of xlc train"
trun train --task "bytes:$T/fifo" --steps 1 --out "$T/tr"
expect_rc 1; expect_err "fifo: not a regular file"

say_case "a FIFO as checkpoint (eval, generate, --init, --resume)"
trun eval "$T/fifo"; expect_rc 1; expect_err "not a regular file"
trun generate "$T/fifo" --prompt-tokens 1,2; expect_rc 1; expect_err "not a regular file"
trun train --task parity --init "$T/fifo" --steps 1 --out "$T/ti"; expect_rc 1; expect_err "not a regular file"
mkdir "$T/res" && mkfifo "$T/res/ckpt.safetensors"
trun train --resume --out "$T/res"; expect_rc 1; expect_err "not a regular file"

say_case "a kernel-cache entry replaced by a directory is a miss, then replaced"
XLC_CACHE_DIR=$T/cache
export XLC_CACHE_DIR
trun run "$X" acc --set N=3 --inputs "$T/in.safetensors" --out "$T/c1.safetensors"
expect_rc 0
entry=$(ls "$T/cache" | grep '^k-.*\.bin$' | head -1)
if [ -z "$entry" ]; then
  fail "the first run left no cache entry in $T/cache"
else
  rm "$T/cache/$entry" && mkdir "$T/cache/$entry"
  trun run "$X" acc --set N=3 --inputs "$T/in.safetensors" --out "$T/c2.safetensors"
  expect_rc 0
  cmp -s "$T/c1.safetensors" "$T/c2.safetensors" || fail "results differ after the cache miss"
  [ -f "$T/cache/$entry" ] || fail "the empty directory was not replaced by the entry"
  rm "$T/cache/$entry" && mkdir -p "$T/cache/$entry/sub"   # not removable: a warning, still a result
  trun run "$X" acc --set N=3 --inputs "$T/in.safetensors" --out "$T/c3.safetensors"
  expect_rc 0; expect_err "warning: cannot write the kernel cache entry"
  rm -r "$T/cache/$entry" && mkfifo "$T/cache/$entry"        # a FIFO entry: a miss, not a hang
  trun run "$X" acc --set N=3 --inputs "$T/in.safetensors" --out "$T/c4.safetensors"
  expect_rc 0
  ls "$T/cache" | grep -q tmp && fail "temporary files left in the cache"
fi

finish
