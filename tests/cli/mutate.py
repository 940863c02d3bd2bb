#!/usr/bin/env python3
"""mutate.py - many mutations of a real checkpoint, each given to `xlc eval` (and some to
`xlc generate`): every one must give a clear error (status 1, a line starting "xlc: error:")
or a result (status 0) -- never a signal, status 2, a sanitizer report or a hang.

  mutate.py XLC CKPT WORKDIR     (tests/cli/mutate.sh trains CKPT and calls this)

Mutations: truncations every ~len/20 bytes (header and data), header-length edits (+-1, +-8,
zero, huge), and JSON header edits re-serialized around the same data: offsets out of range,
overlapping, reversed, negative, huge; wrong dtypes; shapes that disagree with the byte
length; non-UTF-8 and duplicate keys; every __metadata__ key missing or of the wrong type;
trainer settings of wrong types or out of range. Runs on 2 threads.
"""
import json, os, struct, subprocess, sys
from concurrent.futures import ThreadPoolExecutor

XLC, CKPT, WORK = sys.argv[1:4]
DATA = open(CKPT, "rb").read()
(HL,) = struct.unpack("<Q", DATA[:8])
HDR = json.loads(DATA[8:8 + HL])
BODY = DATA[8 + HL:]
META = HDR["__metadata__"]
TRAINER = json.loads(META["trainer"])
NAMES = [k for k in HDR if k != "__metadata__"]
P, M = "lm_head.weight", "optim.v.lm_head.weight"  # a parameter and a moment


def pack(hdr_bytes, body=BODY, hl=None):
    hdr_bytes += b" " * ((8 - len(hdr_bytes) % 8) % 8)
    return struct.pack("<Q", len(hdr_bytes) if hl is None else hl) + hdr_bytes + body


def with_header(fn):
    h = json.loads(json.dumps(HDR))
    fn(h)
    return pack(json.dumps(h).encode())


def set_entry(name, field, value):
    return with_header(lambda h: h[name].__setitem__(field, value))


def set_meta(key, value):
    def f(h):
        if value is DELETE:
            h["__metadata__"].pop(key)
        else:
            h["__metadata__"][key] = value
    return with_header(f)


def set_trainer(key, value):
    t = dict(TRAINER)
    t[key] = value
    return set_meta("trainer", json.dumps(t))


DELETE = object()
muts = []  # (label, bytes, exact_error): exact_error -> status 1 is required
n = len(DATA)
for cut in sorted(set([0, 1, 7, 8, 9, 8 + HL // 2, 8 + HL - 1, 8 + HL, 8 + HL + 1, n - 1] +
                      list(range(0, n, max(1, n // 20))))):
    if cut < n:
        muts.append(("truncated at %d" % cut, DATA[:cut], True))
for d in (1, -1, 8, -8):
    muts.append(("header length %+d" % d, struct.pack("<Q", HL + d) + DATA[8:], True))
for hl in (0, 2**63, 2**64 - 1, n - 8):
    muts.append(("header length %d" % hl, struct.pack("<Q", hl) + DATA[8:], True))
a, b = HDR[P]["data_offsets"]
ma, mb = HDR[M]["data_offsets"]
for label, off in (("out of range", [a, len(BODY) + 4]), ("beyond the end", [len(BODY), len(BODY) + b - a]),
                   ("overlapping", [ma, ma + b - a]), ("reversed", [b, a]), ("negative", [-4, b - a - 4]),
                   ("huge", [2**60, 2**60 + b - a]), ("2^53+1", [2**53 + 1, 2**53 + 1 + b - a]),
                   ("fractional", [a + 0.5, b + 0.5]), ("three", [a, b, b]), ("strings", [str(a), str(b)]),
                   ("not a list", a)):
    muts.append(("offsets " + label, set_entry(P, "data_offsets", off), True))
for dt in ("F16", "BF16", "I64", "I32", "F64", "U8", "f32", "", 5, None):
    # I32 has F32's size: the values are read as integers and converted (a result)
    muts.append(("dtype %r" % (dt,), set_entry(P, "dtype", dt), dt != "I32"))
    if dt != "F64":
        muts.append(("moment dtype %r" % (dt,), set_entry(M, "dtype", dt), True))
shape = HDR[P]["shape"]
for sh in ([shape[0] - 1, shape[1]], [], [shape[0] * shape[1] * 2], [shape[0], shape[1], 1],
           [shape[1], shape[0]], [-shape[0], -shape[1]], [10**20, 1], [1.5, 16], [0, shape[1]],
           [1] * 9, "3,8", [None, 8]):
    # same byte length, other shapes: the model's validation must refuse them (not a result)
    muts.append(("shape %r" % (sh,), set_entry(P, "shape", sh), True))
muts.append(("moment shape transposed", set_entry(M, "shape", shape[::-1]), True))
muts.append(("entry not an object", with_header(lambda h: h.__setitem__(P, [1])), True))
muts.append(("missing dtype", with_header(lambda h: h[P].pop("dtype")), True))
muts.append(("missing tensor", with_header(lambda h: h.pop(NAMES[3])), True))
muts.append(("extra tensor name", with_header(lambda h: h.__setitem__("extra", h.pop(P))), True))
muts.append(("moment without parameter", with_header(lambda h: h.__setitem__("optim.m.nothing", h.pop("optim.m." + P))), True))
raw = json.dumps(HDR).encode()
muts.append(("non-UTF-8 name", pack(raw.replace(P.encode(), b"lm_\xff\xfe.weight", 1)), True))
muts.append(("non-UTF-8 metadata", pack(raw.replace(META["entry"].encode(), b"\xc3\x28", 1)), True))
dup = raw.replace(b'{"__metadata__"', b'{"%s": %s, "__metadata__"' % (P.encode(), json.dumps(HDR[P]).encode()), 1)
muts.append(("duplicate tensor key", pack(dup), True))
dupm = raw.replace(b'{"__metadata__"', b'{"__metadata__": {}, "__metadata__"', 1)
muts.append(("duplicate __metadata__", pack(dupm), True))
muts.append(("header not an object", pack(b"[1, 2, 3]", b""), True))
muts.append(("header nul byte", pack(raw[:20] + b"\0" + raw[21:]), True))
muts.append(("metadata not an object", with_header(lambda h: h.__setitem__("__metadata__", "x")), True))
muts.append(("no metadata", with_header(lambda h: h.pop("__metadata__")), True))
for key in META:
    # without a seed (0), a source hash (not checked where the source is stored) or the stored
    # sources (the file is read from source_path) a checkpoint still evaluates
    muts.append(("metadata %s missing" % key, set_meta(key, DELETE), key not in ("seed", "source_hash", "sources")))
    for v in (5, None, [], {}, True):
        muts.append(("metadata %s = %r" % (key, v), set_meta(key, v), True))
for key, v in (("format", "xlc-checkpoint-2"), ("format", "pt"), ("entry", "nosuch"), ("entry", ""),
               ("source_path", "/nonexistent.xl"), ("source_path", "/dev/null"), ("source_path", "/"),
               ("source_hash", "0000000000000000"), ("sources", "{"), ("sources", "{}"), ("sources", "[]"),
               ("sources", '{"x.xl": "model"}'), ("sources", json.dumps({META["source_path"]: 5})),
               ("sources", json.dumps({META["source_path"]: "model m() {"})), ("sets", "[1"), ("sets", '["E=abc"]'),
               ("sets", '["E=9"]'), ("sets", '["nosuch=1"]'), ("step", "-5"), ("step", "abc"),
               ("step", "1e3"), ("step", "99999999999999999999"), ("seed", "-1"), ("seed", "x"),
               ("trainer", "{"), ("trainer", "[]"), ("trainer", "null")):
    muts.append(("metadata %s = %r" % (key, v), set_meta(key, v), key not in ("seed", "step") or v in ("-5", "abc", "1e3", "99999999999999999999", "-1", "x")))
for key in TRAINER:
    for v in ("x", None, -1, 1e300):
        muts.append(("trainer %s = %r" % (key, v), set_trainer(key, v), False))
for k, v in (("task", "nosuch"), ("task", "bytes:/nonexistent"), ("max_len", 1e9), ("eval_every", 0),
             ("backend", "gpu"), ("dtype", "f16")):
    muts.append(("trainer %s = %r" % (k, v), set_trainer(k, v), True))


def run(i, label, data, must_fail):
    path = os.path.join(WORK, "m%d.safetensors" % i)
    with open(path, "wb") as f:
        f.write(data)
    cmds = [["eval", path, "--batches", "1"]]
    if i % 5 == 0:
        cmds.append(["generate", path, "--prompt-tokens", "1,2", "--max-new", "2"])
    problems = []
    for c in cmds:
        try:
            r = subprocess.run([XLC] + c, capture_output=True, timeout=60)
        except subprocess.TimeoutExpired:
            problems.append("%s: hang (timeout 60 s)" % c[0])
            continue
        err = r.stderr.decode(errors="replace")
        if "Sanitizer" in err or "runtime error:" in err:
            problems.append("%s: sanitizer report:\n%s" % (c[0], err[-1500:]))
        elif r.returncode == 1:
            if not any(line.startswith("xlc: error:") for line in err.splitlines()):
                problems.append("%s: status 1 without 'xlc: error:':\n%s" % (c[0], err[-600:]))
        elif r.returncode == 0:
            # generate does not open the task's data: a bad task is eval's error only
            if must_fail and not (c[0] == "generate" and label.startswith("trainer task")):
                problems.append("%s: accepted (status 0), an error was required" % c[0])
        else:
            problems.append("%s: status %d:\n%s" % (c[0], r.returncode, err[-800:]))
    os.unlink(path)
    return label, problems


with ThreadPoolExecutor(2) as ex:
    results = list(ex.map(lambda a: run(*a), [(i, l, d, f) for i, (l, d, f) in enumerate(muts)]))
bad = [(l, p) for l, p in results if p]
for l, ps in bad:
    for p in ps:
        print("FAIL [%s]: %s" % (l, p))
print("%d mutations, %d failed" % (len(muts), len(bad)))
sys.exit(1 if bad else 0)
