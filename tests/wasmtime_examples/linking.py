# Linking two modules (after wasmtime-py's "linking" example, without WASI):
# one module's exports satisfy the other's imports through a Linker.
from wasmtime import (Engine, Store, Module, Linker, FuncType, ValType,
                      WasmtimeError)

engine = Engine()
store = Store(engine)
linker = Linker(engine)

LIB = """
(module
  (memory (export "memory") 1)
  (global $count (mut i32) (i32.const 0))
  (func (export "double") (param i32) (result i32)
    (global.set $count (i32.add (global.get $count) (i32.const 1)))
    (i32.mul (local.get 0) (i32.const 2)))
  (func (export "count") (result i32) (global.get $count))
  (export "counter" (global $count)))
"""
APP = """
(module
  (import "lib" "double" (func $double (param i32) (result i32)))
  (import "lib" "memory" (memory 1))
  (export "memory" (memory 0))
  (import "host" "log" (func $log (param i32 i32)))
  (data (i32.const 100) "doubled")
  (func (export "run") (param i32) (result i32)
    (local $r i32)
    (local.set $r (call $double (call $double (local.get 0))))
    (call $log (i32.const 100) (i32.const 7))
    (local.get $r)))
"""


def log(caller, ptr, length):
    mem = caller["memory"]
    print("log:", mem.read(caller, ptr, ptr + length).decode())


lib = linker.instantiate(store, Module(engine, LIB))
linker.define_instance(store, "lib", lib)
linker.define_func("host", "log", FuncType([ValType.i32(), ValType.i32()], []),
                   log, access_caller=True)
app = linker.instantiate(store, Module(engine, APP))
run = app.exports(store)["run"]
print(run(store, 5), run(store, -3))
print(lib.exports(store)["count"](store),
      lib.exports(store)["counter"].value(store))
print(linker.get(store, "lib", "count")(store))

try:
    linker.define_instance(store, "lib", lib)
except WasmtimeError as e:
    print("WasmtimeError:", e)
linker.allow_shadowing = True
linker.define_instance(store, "lib", lib)

try:
    Linker(engine).instantiate(store, Module(engine, APP))
except WasmtimeError as e:
    print("WasmtimeError:", e)
