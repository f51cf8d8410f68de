# Store limits: memory size, table elements, instance and memory counts.
from wasmtime import Store, Module, Instance, WasmtimeError

store = Store()
store.set_limits(memory_size=3 * 65536, table_elements=10, instances=3, memories=2)
module = Module(store.engine, """
(module
  (memory (export "memory") 1)
  (table (export "t") 1 funcref)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "tgrow") (param i32) (result i32)
    (table.grow (ref.null func) (local.get 0))))
""")
inst = Instance(store, module, [])
e = inst.exports(store)
print(e["grow"](store, 1), e["grow"](store, 1), e["grow"](store, 1), e["grow"](store, 0))
try:
    e["memory"].grow(store, 1)
except WasmtimeError as x:
    print("WasmtimeError:", x)
print(e["tgrow"](store, 9), e["tgrow"](store, 1), e["t"].size(store))
Instance(store, module, [])
try:
    Instance(store, module, [])
except WasmtimeError:
    print("memory count limit")
big = Module(store.engine, "(module (memory 4))")
s2 = Store()
s2.set_limits(memory_size=65536)
try:
    Instance(s2, big, [])
except WasmtimeError:
    print("memory minimum over the limit")
