"""Host data that natives can reach (WAMR's wasm_runtime_set_user_data on an
exec env, wasm_runtime_set_custom_data on an instance, and the attachment
of a NativeSymbol): a native gets only its exec env and the app's
arguments, and finds the host's state from there.

    python examples/embed_user_data.py [interp|fast]
    micropython examples/embed_user_data.py
"""

import sys

import wasmbed
from wasmbed import NativeSymbol


def here(name):
    parts = __file__.replace("\\", "/").rsplit("/", 1)
    return (parts[0] + "/" if len(parts) > 1 else "") + name


mode = sys.argv[1] if len(sys.argv) > 1 else None


def read_sensor(exec_env, sensor):                  # "(i)i"
    bank = exec_env.get_function_attachment()        # the NativeSymbol's attachment
    offset = exec_env.get_user_data()                # this exec env's calibration
    readings = exec_env.get_module_inst().get_custom_data()   # the instance's log
    value = bank[sensor] + offset
    readings.append((sensor, value))
    return value


def unused(exec_env, *args):
    return 0


BANK = [10, 20, 30, 40]
rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode=mode))
rt.register_natives("env", [
    NativeSymbol("display_input_read", unused, "(*)i"),
    NativeSymbol("display_flush", unused, "(iiii*)"),
    NativeSymbol("log", unused, "($)"),
    NativeSymbol("checksum", unused, "(*~)i"),
    NativeSymbol("read_sensor", read_sensor, "(i)i", attachment=BANK),
])
with open(here("embed_app.wasm"), "rb") as f:
    module = rt.load(f.read())

inst = rt.instantiate(module)
inst.set_custom_data([])
sensor_sum = inst.lookup_function("sensor_sum")

# two exec envs of one instance, each with its own user data
raw = inst.create_exec_env()
raw.set_user_data(0)
calibrated = inst.create_exec_env()
calibrated.set_user_data(-3)

print("raw sensor_sum(2, 3): %d" % raw.call(sensor_sum, 2, 3))
print("calibrated sensor_sum(2, 3): %d" % calibrated.call(sensor_sum, 2, 3))
print("calibrated sensor_sum(0, 2): %d" % calibrated.call(sensor_sum, 0, 2))
print("readings logged: %d" % len(inst.get_custom_data()))
print("last reading: sensor %d = %d" % inst.get_custom_data()[-1])
print("user data: raw %r, calibrated %r" % (raw.get_user_data(), calibrated.get_user_data()))

# another instance of the module has its own custom data
inst2 = rt.instantiate(module)
print("second instance custom data: %r" % inst2.get_custom_data())

inst2.deinstantiate()
inst.deinstantiate()
module.unload()
rt.destroy()
