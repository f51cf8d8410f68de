"""Run a wasmtime-py script on one implementation:
``python run_as.py wasmtime|wasmbed SCRIPT``. With ``wasmbed``,
``import wasmtime`` inside SCRIPT gets wasmbed.wasmtime (the tier comes
from WASMBED_MODE). The script text is the same for both."""

import runpy
import sys

impl, script = sys.argv[1], sys.argv[2]
if impl == "wasmbed":
    import wasmbed.wasmtime
    sys.modules["wasmtime"] = wasmbed.wasmtime
elif impl != "wasmtime":
    raise SystemExit("usage: run_as.py wasmtime|wasmbed SCRIPT")
sys.argv = [script] + sys.argv[3:]
runpy.run_path(script, run_name="__main__")
