# Reading, writing and growing a memory from the host and from wasm
# (after wasmtime-py's "memory" example).
from wasmtime import (Store, Module, Instance, Trap, MemoryType, Memory,
                      Limits, WasmtimeError)

store = Store()
module = Module(store.engine, """
(module
  (memory (export "memory") 2 3)
  (func (export "size") (result i32) (memory.size))
  (func (export "load") (param i32) (result i32)
    (i32.load8_s (local.get 0)))
  (func (export "store") (param i32 i32)
    (i32.store8 (local.get 0) (local.get 1)))
  (data (i32.const 0x1000) "\\01\\02\\03\\04"))
""")
instance = Instance(store, module, [])
exports = instance.exports(store)
memory = exports["memory"]
size = exports["size"]
load = exports["load"]
store_fn = exports["store"]

print("Checking memory...")
print(memory.size(store), memory.data_len(store), size(store))
print(memory.read(store, 0, 1), memory.read(store, 0x1000, 0x1004))
print(memory.read(store, -2), len(memory.read(store)))
print(load(store, 0), load(store, 0x1002), load(store, 0x1ffff))


def assert_traps(func, *args):
    try:
        func(store, *args)
        raise RuntimeError("expected a trap")
    except Trap as e:
        print("trap:", e.trap_code, e.message.strip().splitlines()[-1].split("wasm trap: ")[-1])


assert_traps(load, 0x20000)

print("Mutating memory...")
memory.write(store, b"\x05", 0x1003)
print(load(store, 0x1003))
store_fn(store, 0x1002, 6)
print(memory.read(store, 0x1000, 0x1004))
assert_traps(store_fn, 0x20000, 0)
try:
    memory.write(store, b"xy", 0x1ffff)
except IndexError as e:
    print("IndexError:", e)

print("Growing memory...")
print(memory.grow(store, 1), memory.size(store), memory.data_len(store))
print(load(store, 0x20000), load(store, 0x2ffff))
assert_traps(load, 0x30000)
for delta in (1, -1):
    try:
        memory.grow(store, delta)
    except WasmtimeError as e:
        print("WasmtimeError:", e)
print(memory.grow(store, 0))

print("Creating stand-alone memory...")
memorytype = MemoryType(Limits(5, 5))
memory2 = Memory(store, memorytype)
print(memory2.size(store), memory2.type(store).limits.min,
      memory2.type(store).limits.max, memory2.type(store).is_shared)
try:
    memory2.grow(store, 1)
except WasmtimeError as e:
    print("WasmtimeError:", e)
print(memory2.grow(store, 0))
