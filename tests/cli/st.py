#!/usr/bin/env python3
"""st.py - tiny safetensors helper for the CLI tests (standard library only).

  st.py make OUT NAME=DTYPE:SHAPE:VALUES ...   write a file; SHAPE "2,3" ("" = scalar);
        VALUES comma-separated (nan, inf, -inf allowed), one value fills the tensor,
        "iota" gives 0, 1, 2, ...
  st.py show FILE                               print metadata and "name dtype shape values"
  st.py meta FILE KEY                           print one metadata value (exit 1 if absent/unreadable)
  st.py edit FILE OUT EDIT...                   copy FILE to OUT with edits (tensors and the data
        section kept byte for byte):  meta:KEY=VALUE (a string; VALUE "-" deletes the key),
        trainer:KEY=JSON (a key of the "trainer" metadata JSON; JSON "-" deletes it),
        tensor:NAME:INDEX=VALUE (one element of an F32/F64 tensor; INDEX "*": every element)
"""
import json, math, struct, sys

FMT = {"F64": "d", "F32": "f", "I64": "q", "I32": "i"}


def make(out, specs):
    header, blobs, off = {}, [], 0
    for spec in specs:
        name, rest = spec.split("=", 1)
        dtype, shape, values = rest.split(":", 2)
        shape = [int(d) for d in shape.split(",") if d != ""]
        n = 1
        for d in shape:
            n *= d
        if values == "iota":
            vals = [float(i) for i in range(n)]
        else:
            vals = [float(v) for v in values.split(",")]
            if len(vals) == 1:
                vals = vals * n
        if len(vals) != n:
            sys.exit("st.py: %s: %d values for shape %s" % (name, len(vals), shape))
        f = FMT[dtype]
        if f in "qi":
            vals = [int(v) for v in vals]
        blob = struct.pack("<%d%s" % (n, f), *vals)
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [off, off + len(blob)]}
        blobs.append(blob)
        off += len(blob)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(out, "wb") as fp:
        fp.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def read(path):
    """Returns (metadata or None, [(name, dtype, shape, values)] in file order)."""
    data = open(path, "rb").read()
    (hl,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + hl])
    body = data[8 + hl:]
    meta = header.pop("__metadata__", None)
    out = []
    for name, t in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        a, b = t["data_offsets"]
        f = FMT[t["dtype"]]
        n = (b - a) // struct.calcsize(f)
        out.append((name, t["dtype"], t["shape"], list(struct.unpack("<%d%s" % (n, f), body[a:b]))))
    return meta, out


def edit(path, out, edits):
    data = open(path, "rb").read()
    (hl,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + hl])
    body = bytearray(data[8 + hl:])
    meta = header.setdefault("__metadata__", {})
    for e in edits:
        kind, rest = e.split(":", 1)
        if kind == "meta":
            k, v = rest.split("=", 1)
            if v == "-":
                meta.pop(k, None)
            else:
                meta[k] = v
        elif kind == "trainer":
            k, v = rest.split("=", 1)
            t = json.loads(meta["trainer"])
            if v == "-":
                t.pop(k, None)
            else:
                t[k] = json.loads(v)
            meta["trainer"] = json.dumps(t)
        elif kind == "tensor":
            where, v = rest.rsplit("=", 1)
            name, i = where.rsplit(":", 1)
            t = header[name]
            f, (a, b) = FMT[t["dtype"]], t["data_offsets"]
            size = struct.calcsize(f)
            for k in range((b - a) // size) if i == "*" else [int(i)]:
                struct.pack_into("<" + f, body, a + k * size, float(v))
        else:
            sys.exit("st.py: unknown edit " + e)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(out, "wb") as fp:
        fp.write(struct.pack("<Q", len(h)) + h + bytes(body))


def show(path):
    meta, tensors = read(path)
    print("meta", json.dumps(meta, sort_keys=True))
    for name, dtype, shape, vals in tensors:
        print(name, dtype, ",".join(str(d) for d in shape),
              ",".join(("%.6g" % v) if not math.isnan(v) else "nan" for v in vals))


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "make":
        make(sys.argv[2], sys.argv[3:])
    elif len(sys.argv) >= 4 and sys.argv[1] == "edit":
        edit(sys.argv[2], sys.argv[3], sys.argv[4:])
    elif len(sys.argv) == 3 and sys.argv[1] == "show":
        show(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "meta":
        try:
            with open(sys.argv[2], "rb") as fp:
                (hl,) = struct.unpack("<Q", fp.read(8))
                m = json.loads(fp.read(hl)).get("__metadata__", {})
        except (OSError, ValueError, struct.error):
            sys.exit(1)
        if sys.argv[3] not in m:
            sys.exit(1)
        print(m[sys.argv[3]])
    else:
        sys.exit(__doc__)
