#!/bin/sh
# official_dict.sh - the official package's state dict, saved as safetensors, loads as it is:
# the parameters of the lm_xlstm11 reference case (official names, float32) drive
# `xlc generate` with the stdlib's xlstm_lm; the same weights with the sLSTM kernel and bias
# permuted to the official CUDA backend's layout (docs/xlstm-math.md 1.1) are recognised,
# converted with a warning, and generate the same tokens. Skipped (77) without the case.
. "$(dirname "$0")/lib.sh"
need_python
REF=${XLC_REF_DIR:-$CLI/../../../shared/ref}
[ -f "$REF/lm_xlstm11/manifest.json" ] || { echo "SKIP: no reference case lm_xlstm11 in $REF"; exit 77; }
python3 - "$REF/lm_xlstm11" "$T" <<'PY' || { echo "FAIL: cannot build the state dicts"; exit 1; }
import json, struct, sys
case, out = sys.argv[1], sys.argv[2]
m = json.load(open(case + "/manifest.json"))
params = {}
for t in m["tensors"]:
    if t["role"] != "param":
        continue
    data = open(case + "/" + t["files"]["float32"], "rb").read()
    params[t["official_name"]] = (t["shape"], list(struct.unpack("<%df" % t["numel"], data)))
def write(path, ps):
    h, blobs, off = {}, [], 0
    for k, (shape, vals) in ps.items():
        b = struct.pack("<%df" % len(vals), *vals)
        h[k] = {"dtype": "F32", "shape": shape, "data_offsets": [off, off + len(b)]}
        blobs.append(b); off += len(b)
    hb = json.dumps(h).encode(); hb += b" " * ((8 - len(hb) % 8) % 8)
    open(path, "wb").write(struct.pack("<Q", len(hb)) + hb + b"".join(blobs))
write(out + "/official.safetensors", params)
# CUDA layout: kernel (NH, 4d, d_in) [h, g*d+j, k] -> (NH, d_in, 4d) [h, k, g*d+j];
# bias gate-major [g*H + h*d + j] -> head-major [h*4d + g*d + j]
cuda = dict(params)
for k, (shape, vals) in params.items():
    if k.endswith("slstm_cell._recurrent_kernel_"):
        NH, G, D = shape
        d = G // 4
        nv = [0.0] * len(vals)
        for h in range(NH):
            for r in range(G):
                for kk in range(D):
                    nv[(h * D + kk) * G + r] = vals[(h * G + r) * D + kk]
        cuda[k] = ([NH, D, G], nv)
        b = k.replace("_recurrent_kernel_", "_bias_")
        bs, bv = params[b]
        H = NH * d
        nb = [0.0] * len(bv)
        for g in range(4):
            for h in range(NH):
                for j in range(d):
                    nb[h * 4 * d + g * d + j] = bv[g * H + h * d + j]
        cuda[b] = (bs, nb)
write(out + "/cuda.safetensors", cuda)
PY
LM="$CLI/../../stdlib/xlstm.xl"
say_case "official state dict: generate with the stdlib model"
xrun generate "$T/official.safetensors" "$LM" xlstm_lm --set V=32 --set E=32 --prompt-tokens 3,1,4,1,5 \
  --max-new 10 --temperature 0 --verify
expect_rc 0; expect_out "OK"
head -1 "$T/stdout" >"$T/official.out"
[ -s "$T/official.out" ] || fail "no tokens generated"

say_case "official CUDA-backend sLSTM layout: converted with a warning, same tokens"
xrun generate "$T/cuda.safetensors" "$LM" xlstm_lm --set V=32 --set E=32 --prompt-tokens 3,1,4,1,5 \
  --max-new 10 --temperature 0 --verify
expect_rc 0; expect_err "warning"; expect_err "_recurrent_kernel_"
head -1 "$T/stdout" >"$T/cuda.out"
cmp -s "$T/official.out" "$T/cuda.out" || fail "CUDA-layout weights generate $(cat "$T/cuda.out"), vanilla $(cat "$T/official.out")"

say_case "a state dict that does not fit the configuration"
xrun generate "$T/official.safetensors" "$LM" xlstm_lm --set V=32 --set E=64 --prompt-tokens 3
expect_rc 1; expect_err "does not fit xlstm_lm"
finish
