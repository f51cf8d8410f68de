# Fuel (after wasmtime-py's "fuel" example): a store with a fuel budget runs
# a short computation and runs out on a long one. Only what both engines
# agree on is printed: whether a call finished, and the trap code.
from wasmtime import Config, Engine, Store, Module, Instance, Trap, WasmtimeError

config = Config()
config.consume_fuel = True
engine = Engine(config)
store = Store(engine)
module = Module(engine, """
(module
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2))))))))
""")
store.set_fuel(100000)
print("fuel set:", store.get_fuel())
fib = Instance(store, module, []).exports(store)["fib"]
for n in (1, 5, 10, 40):
    before = store.get_fuel()
    try:
        print("fib(%d) = %d" % (n, fib(store, n)), store.get_fuel() < before)
    except Trap as t:
        print("fib(%d): trap %s, fuel left %d" % (n, t.trap_code, store.get_fuel()))
store.set_fuel(0)
try:
    fib(store, 1)
except Trap as t:
    print("no fuel:", t.trap_code)
try:
    Store().set_fuel(1)
except WasmtimeError as e:
    print("WasmtimeError:", e)
