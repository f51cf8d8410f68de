"""Passing buffers to wasm functions (WAMR's embedding guide: pass buffer to
WASM function): the buffer must live in the app's own memory, so the host
allocates it there (module_malloc / module_dup_data), reaches it through a
memoryview (addr_app_to_native), passes its app address to the function,
and frees it (module_free). validate_app_addr / validate_app_str_addr
check app addresses before they are used.

    python examples/embed_buffers.py [interp|fast]
    micropython examples/embed_buffers.py
"""

import sys

import wasmbed


def here(name):
    parts = __file__.replace("\\", "/").rsplit("/", 1)
    return (parts[0] + "/" if len(parts) > 1 else "") + name


mode = sys.argv[1] if len(sys.argv) > 1 else None
rt = wasmbed.Runtime(wasmbed.RuntimeConfig(heap_size=1024 * 1024, mode=mode))
with open(here("embed_math.wasm"), "rb") as f:
    module = rt.load(f.read())
# heap_size: an app heap for module_malloc, appended to the app's memory
inst = rt.instantiate(module, heap_size=8092)
env = inst.create_exec_env()

# module_malloc -> an app address (0: no room); write through a memoryview
buffer_for_wasm = inst.module_malloc(100)
buffer = inst.addr_app_to_native(buffer_for_wasm, 100)
text = b"hello, wasm"
buffer[0:len(text)] = text
changed = env.call(inst.lookup_function("upper"), buffer_for_wasm, len(text))
print("upper changed %d bytes: %s" % (changed, bytes(buffer[0:len(text)]).decode()))
inst.module_free(buffer_for_wasm)      # the embedder frees what it allocated

# module_dup_data: allocate and copy in one step
data = bytes(range(1, 101))
off = inst.module_dup_data(data)
print("sum_buf of 1..100: %d" % env.call(inst.lookup_function("sum_buf"), off, len(data)))

# app addresses are checked before they are used
size = len(inst.memory().data)
print("memory size: %d" % size)
print("validate_app_addr(off, 100): %s" % inst.validate_app_addr(off, 100))
print("validate_app_addr(size - 10, 11): %s" % inst.validate_app_addr(size - 10, 11))
print("addr_app_to_native(size, 1): %s" % inst.addr_app_to_native(size, 1))
inst.addr_app_to_native(off, 6)[:] = b"guest\0"
print("validate_app_str_addr(off): %s" % inst.validate_app_str_addr(off))
print("app_str(off): %s" % inst.app_str(off).decode())
end = inst.addr_app_to_native(size - 4, 4)
end[:] = b"abcd"                        # no NUL before the end of memory
print("validate_app_str_addr(size - 4): %s" % inst.validate_app_str_addr(size - 4))
inst.module_free(off)

# a function given an address outside memory traps; the host is fine
try:
    env.call(inst.lookup_function("sum_buf"), size - 2, 4)
except wasmbed.Trap as e:
    print("sum_buf past the end: Trap %s" % e.message)

inst.deinstantiate()
module.unload()
rt.destroy()
