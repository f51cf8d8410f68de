"""Embedding, the basic cycle (WAMR's embedding guide: the runtime
initialization, native calls wasm functions and passes parameters, the
deinitialization procedure).

    python examples/embed_basic.py [interp|fast]
    micropython examples/embed_basic.py

All of the runtime's memory comes from one fixed buffer (WAMR's
Alloc_With_Pool); everything is given back at the end.
"""

import struct
import sys

import wasmbed


def here(name):
    parts = __file__.replace("\\", "/").rsplit("/", 1)
    return (parts[0] + "/" if len(parts) > 1 else "") + name


mode = sys.argv[1] if len(sys.argv) > 1 else None   # None: the host's best

# the runtime: one fixed buffer for every allocation (wasm_runtime_full_init)
heap_buf = bytearray(512 * 1024)
rt = wasmbed.Runtime(wasmbed.RuntimeConfig(heap_buf=heap_buf, mode=mode,
                                           max_thread_num=4))
free_at_start = rt.mem_alloc_info()["total_free_size"]

# load and instantiate (wasm_runtime_load / wasm_runtime_instantiate)
with open(here("embed_math.wasm"), "rb") as f:
    buffer = f.read()
module = rt.load(buffer)
stack_size, heap_size = 8092, 8092
module_inst = rt.instantiate(module, stack_size=stack_size, heap_size=heap_size)

# look a function up and make an exec env for the calls
func = module_inst.lookup_function("fib")
exec_env = module_inst.create_exec_env(stack_size)

# 1. arguments and results in 32-bit cells (wasm_runtime_call_wasm)
argv = [8]
if exec_env.call_wasm(func, argv):
    print("fib(8) via call_wasm: %d" % argv[0])
else:
    print(module_inst.get_exception())

# 8-byte values take two cells, low half first: mix(char, int, double, int64)
mix = module_inst.lookup_function("mix")
d_lo, d_hi = struct.unpack("<II", struct.pack("<d", 1.0))
l_lo, l_hi = struct.unpack("<II", struct.pack("<q", 100))
argv = [ord("a"), 10, d_lo, d_hi, l_lo, l_hi]     # six cells for four values
exec_env.call_wasm(mix, argv)
ret = struct.unpack("<d", struct.pack("<II", argv[0], argv[1]))[0]
print("mix('a', 10, 1.0, 100) via call_wasm: %r" % ret)

# 2. typed values (wasm_runtime_call_wasm_a / _v): Python values in and out
print("fib(20) via call: %d" % exec_env.call(func, 20))
print("mix('b', -3, 0.5, 2**40) via call: %r"
      % exec_env.call(mix, ord("b"), -3, 0.5, 2 ** 40))

# a trap: call_wasm returns False and the instance keeps the exception
argv = [7, 0]
ok = exec_env.call_wasm(module_inst.lookup_function("div"), argv)
print("div(7, 0) via call_wasm: %s, %s" % (ok, module_inst.get_exception()))
try:
    exec_env.call(module_inst.lookup_function("div"), 7, 0)
except wasmbed.Trap as e:
    print("div(7, 0) via call: Trap %s" % e.message)

# the deinitialization procedure: each step gives its memory back
exec_env.destroy()
module_inst.deinstantiate()
module.unload()
print("pool returned: %s" % (rt.mem_alloc_info()["total_free_size"] == free_at_start))
rt.destroy()
