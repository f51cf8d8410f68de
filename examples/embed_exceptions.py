"""Exceptions between host and app (WAMR's wasm_runtime_get_exception,
set_exception and clear_exception):

- a trap in the app: the call raises wasmbed.Trap (call_wasm returns
  False) and get_exception() says "Exception: <message>";
- a native calls set_exception(message) on its instance: when it returns,
  the app traps with that message and runs no further;
- a native raises a Python exception: the app traps with a message naming
  the native and carrying the exception's text (the original is
  trap.cause); the host and the instance stay usable.

    python examples/embed_exceptions.py [interp|fast]
    micropython examples/embed_exceptions.py
"""

import sys

import wasmbed
from wasmbed import NativeSymbol


def here(name):
    parts = __file__.replace("\\", "/").rsplit("/", 1)
    return (parts[0] + "/" if len(parts) > 1 else "") + name


mode = sys.argv[1] if len(sys.argv) > 1 else None

SENSORS = {1: 21, 2: 19}


def read_sensor(exec_env, sensor):                 # "(i)i"
    if sensor == 9:
        raise OSError("sensor 9 offline")
    if sensor not in SENSORS:
        exec_env.get_module_inst().set_exception("no sensor %d" % sensor)
        return 0
    return SENSORS[sensor]


def unused(exec_env, *args):
    return 0


rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode=mode))
rt.register_natives("env", [
    NativeSymbol("display_input_read", unused, "(*)i"),
    NativeSymbol("display_flush", unused, "(iiii*)"),
    NativeSymbol("log", unused, "($)"),
    NativeSymbol("checksum", unused, "(*~)i"),
    NativeSymbol("read_sensor", read_sensor, "(i)i"),
])
with open(here("embed_app.wasm"), "rb") as f:
    module = rt.load(f.read())
inst = rt.instantiate(module)
env = inst.create_exec_env()
sensor_sum = inst.lookup_function("sensor_sum")

# a trap of the app itself
argv = [1, 0]
print("div(1, 0) via call_wasm: %s" % env.call_wasm(inst.lookup_function("div"), argv))
print("get_exception: %s" % inst.get_exception())

# set_exception in a native: the app stops at that call
try:
    env.call(sensor_sum, 5, 3)
except wasmbed.Trap as e:
    print("sensor_sum(5, 3): Trap %s" % e.message)
print("get_exception: %s" % inst.get_exception())
print("readings taken: %d" % env.call(inst.lookup_function("taken")))

# a native that raises
try:
    env.call(sensor_sum, 9, 3)
except wasmbed.Trap as e:
    print("sensor_sum(9, 3): Trap %s" % e.message)
    print("cause: %s" % type(e.cause).__name__)
print("get_exception: %s" % inst.get_exception())

# the embedder can set and clear the exception itself
inst.clear_exception()
print("after clear_exception: %s" % inst.get_exception())
inst.set_exception("maintenance")
print("after set_exception: %s" % inst.get_exception())

# a new call starts clean; the instance and the host are fine
print("sensor_sum(1, 4): %d" % env.call(sensor_sum, 1, 4))
print("get_exception: %s" % inst.get_exception())

inst.deinstantiate()
module.unload()
rt.destroy()
