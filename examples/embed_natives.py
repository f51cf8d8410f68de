"""Exporting native functions to a wasm app (WAMR's NativeSymbol and
wasm_runtime_register_natives), with signature strings:

    i i32   I i64   f f32   F f64   r externref
    *  a pointer into the app's memory: the native gets a memoryview
    ~  the byte length of the preceding *: the view is exactly that long
    $  a NUL-terminated string: the native gets a str

    python examples/embed_natives.py [interp|fast]
    micropython examples/embed_natives.py
"""

import struct
import sys

import wasmbed
from wasmbed import NativeSymbol


def here(name):
    parts = __file__.replace("\\", "/").rsplit("/", 1)
    return (parts[0] + "/" if len(parts) > 1 else "") + name


mode = sys.argv[1] if len(sys.argv) > 1 else None

# the display natives of the guide; a native's first argument is the exec env
events = [(3, 4)]


def display_input_read(exec_env, event):           # "(*)i"
    if not events:
        return 0
    x, y = events.pop(0)
    event[0:8] = struct.pack("<ii", x, y)           # write into the app's memory
    return 1


def display_flush(exec_env, x1, y1, x2, y2, color):  # "(iiii*)"
    # `color` runs from the pointer to the end of memory: the native knows
    # the size from the rectangle and checks it itself
    n = (x2 - x1 + 1) * (y2 - y1 + 1)
    if len(color) < n:
        exec_env.get_module_inst().set_exception("display_flush: too few pixels")
        return
    print("flush: (%d, %d)-(%d, %d), first pixels %s"
          % (x1, y1, x2, y2, list(color[:4])))


def log(exec_env, message):                        # "($)"
    print("log: %s" % message)


def checksum(exec_env, buf, length):               # "(*~)i"
    total = 0
    for b in buf:
        total += b
    return total


# natives given at start-up (init_args.native_symbols) ...
rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode=mode, natives={"env": [
    NativeSymbol("display_input_read", display_input_read, "(*)i"),
    NativeSymbol("display_flush", display_flush, "(iiii*)"),
]}))
# ... and registered later (wasm_runtime_register_natives), before instantiating
rt.register_natives("env", [
    NativeSymbol("log", log, "($)"),
    NativeSymbol("checksum", checksum, "(*~)i"),
    NativeSymbol("read_sensor", lambda exec_env, sensor: 20 + sensor, "(i)i"),
])

with open(here("embed_app.wasm"), "rb") as f:
    module = rt.load(f.read())
inst = rt.instantiate(module)

print("draw(4, 2): %d" % inst.call("draw", 4, 2))
print("draw(4, 2) without input: %d" % inst.call("draw", 4, 2))
print("sensor_sum(1, 5): %d" % inst.call("sensor_sum", 1, 5))
print("checksum_at(64, 4): %d" % inst.call("checksum_at", 64, 4))

# a "*~" pointer whose range leaves the app's memory never reaches the
# native: the call traps
try:
    inst.call("checksum_at", 65530, 100)
except wasmbed.Trap as e:
    print("checksum_at(65530, 100): Trap %s" % e.message)

inst.deinstantiate()
module.unload()
rt.destroy()
