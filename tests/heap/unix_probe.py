# Run by MicroPython's unix port (and CPython) from tests/test_heap_unix.py:
#     micropython -X heapsize=N unix_probe.py REPO add|hello WASM
# Prints "ok <result>" when the module ran, "oom <during>" when wasmbed
# reported HostOutOfMemory, "oom import" when the heap could not even hold
# wasmbed's compiled source, or "error <type>: <message>" otherwise.
import sys
sys.path.insert(0, sys.argv[1])
try:
    import wasmbed
    from wasmbed.wasi import WasiConfig
except MemoryError:
    print("oom import")
    sys.exit(0)
kind = sys.argv[2]
with open(sys.argv[3], "rb") as f:
    wasm = f.read()
try:
    rt = wasmbed.Runtime()
    mod = rt.load(wasm)
    if kind == "add":
        inst = rt.instantiate(mod)
        print("ok", inst.call("add", 2, 3))
    else:
        inst = rt.instantiate(mod, wasi=WasiConfig())
        inst.call("_start")
        print("ok hello")
except wasmbed.HostOutOfMemory as e:
    print("oom", e.during)
except Exception as e:
    print("error %s: %s" % (type(e).__name__, e))
