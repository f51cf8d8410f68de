"""Minimize a module on which wasmbed and wasmtime disagree.

    python tests/differential/shrink.py IN.wasm OUT.wat [--seed N --config C]
        [--mode interp|fast] [--pool] [--match TEXT] [--attempts N]

With --seed, IN.wasm is first written from that seed and config. The
module is shrunk with ``wasm-tools shrink`` while the comparison (see
harness.py) still reports a mismatch containing TEXT (default: any
mismatch); the result is printed as text to OUT.wat. The predicate runs as
``shrink.py --check FILE ...`` in a fresh process per candidate.
"""

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from differential import harness as H  # noqa: E402


def _opts(argv):
    o = {"mode": "interp", "pool": False, "match": "", "attempts": "300",
         "seed": None, "config": "core"}
    rest = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--pool":
            o["pool"] = True
        elif a.startswith("--") and a[2:] in o:
            o[a[2:]] = argv[i + 1]
            i += 1
        else:
            rest.append(a)
        i += 1
    return o, rest


def check(path, o):
    with open(path, "rb") as f:
        wasm = f.read()
    try:
        rep = H.compare_module(wasm, mode=o["mode"], pool=o["pool"],
                               load_only=(o["config"] in H.LOAD_ONLY),
                               well_formed=(o["config"] == "mutate"))
    except Exception:
        return False
    return rep.mismatch is not None and o["match"] in rep.mismatch


def main(argv):
    o, rest = _opts(argv)
    if rest and rest[0] == "--check":
        return 0 if check(rest[1], o) else 1
    src, out = rest
    if o["seed"] is not None:
        wasm = H.generate(int(o["seed"]), o["config"])
        with open(src, "wb") as f:
            f.write(wasm)
    if not check(src, o):
        print("no mismatch on the input module")
        return 1
    pred = os.path.abspath(out + ".pred.sh")
    flags = ["--mode", o["mode"], "--match", o["match"], "--config", o["config"]]
    if o["pool"]:
        flags.append("--pool")
    with open(pred, "w") as f:
        f.write("#!/bin/sh\nexec %s %s --check \"$1\" %s\n" % (
            sys.executable, os.path.abspath(__file__),
            " ".join("'%s'" % x.replace("'", "'\\''") for x in flags)))
    os.chmod(pred, 0o755)
    small = out + ".wasm"
    subprocess.run([H.wasm_tools(), "shrink", "-a", o["attempts"], pred, src,
                    "-o", small], check=True)
    with open(out, "w") as f:
        f.write(H.print_wat(open(small, "rb").read()))
    os.remove(pred)
    os.remove(small)
    with open(out) as f:
        print(f.read())
    print(H.compare_module(H.wat2wasm(open(out).read()), mode=o["mode"],
                           pool=o["pool"]).mismatch)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
