#!/usr/bin/env python3
"""gen_chain.py N [OUT.xl] - writes a block `chain` whose output is an N-op elementwise chain.

    block chain() { in x: [D]; out y = ... }   # y: [B, D], one fused kernel on the CPU path

The ops cycle through mul/add/tanh/sub/exp-like steps that keep values bounded (so f32 and f64
agree and nothing overflows), each reading the previous value and x. Used by the JIT
compile-time benchmark (scripts/bench_chain.sh) and tests/cli/long_chain.sh.
"""
import sys

STEPS = [
    "v{p} * 0.5 + x",
    "tanh(v{p})",
    "v{p} * 0.75 - x",
    "sigmoid(v{p}) * 2",
    "max(v{p}, x)",
]


def chain(n):
    lines = ["block chain() {", "  in x: [D]", "  let v0 = x"]
    ops = 0
    i = 0
    while ops < n:
        step = STEPS[i % len(STEPS)]
        lines.append(f"  let v{i + 1} = " + step.format(p=i))
        ops += max(1, step.count(" * ") + step.count(" + ") + step.count(" - ") + step.count("("))
        i += 1
    lines.append(f"  out y = v{i}")
    lines.append("}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    n = int(sys.argv[1])
    text = chain(n)
    if len(sys.argv) > 2:
        with open(sys.argv[2], "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
