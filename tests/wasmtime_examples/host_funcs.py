# Host functions: results, the Caller, errors from the callback.
from wasmtime import (Store, Module, Linker, Func, FuncType, ValType,
                      WasmtimeError)

store = Store(data={"calls": 0})
i32 = ValType.i32()
linker = Linker(store.engine)


def add(a, b):
    store.data()["calls"] += 1
    return a + b


def pair(x):
    return (x, x * 2)


def poke(caller, addr, value):
    mem = caller.get("memory")
    mem.write(caller, bytes([value]), addr)
    print("caller has g:", caller.get("g") is not None, caller.get("nope"))
    try:
        caller["nope"]
    except KeyError as x:
        print("KeyError:", x)


def wrong_count(x):
    return (1, 2, 3)


def wrong_result(x):
    return None


def has_result():
    return 5


linker.define_func("env", "add", FuncType([i32, i32], [i32]), add)
linker.define_func("env", "pair", FuncType([i32], [i32, ValType.i64()]), pair)
linker.define_func("env", "poke", FuncType([i32, i32], []), poke, access_caller=True)
linker.define_func("env", "wrong_count", FuncType([i32], [i32, i32]), wrong_count)
linker.define_func("env", "wrong_result", FuncType([i32], [i32]), wrong_result)
linker.define_func("env", "has_result", FuncType([], []), has_result)
module = Module(store.engine, """
(module
  (import "env" "add" (func $add (param i32 i32) (result i32)))
  (import "env" "pair" (func $pair (param i32) (result i32 i64)))
  (import "env" "poke" (func $poke (param i32 i32)))
  (import "env" "wrong_count" (func $wc (param i32) (result i32 i32)))
  (import "env" "wrong_result" (func $wr (param i32) (result i32)))
  (import "env" "has_result" (func $hr))
  (memory (export "memory") 1)
  (global (export "g") i32 (i32.const 1))
  (func (export "add") (param i32 i32) (result i32) (call $add (local.get 0) (local.get 1)))
  (func (export "pair") (param i32) (result i64)
    (local $a i32) (local $b i64)
    (call $pair (local.get 0)) (local.set $b) (local.set $a)
    (i64.add (i64.extend_i32_s (local.get $a)) (local.get $b)))
  (func (export "poke") (param i32 i32) (result i32)
    (call $poke (local.get 0) (local.get 1))
    (i32.load8_u (local.get 0)))
  (func (export "wc") (drop (drop (call $wc (i32.const 1)))))
  (func (export "wr") (drop (call $wr (i32.const 1))))
  (func (export "hr") (call $hr)))
""")
inst = linker.instantiate(store, module)
e = inst.exports(store)
print(e["add"](store, 2, 3), e["add"](store, 2**31 - 1, 1), store.data())
print(e["pair"](store, 21), e["pair"](store, -1))
print(e["poke"](store, 100, 200))
for name in ("wc", "wr", "hr"):
    try:
        e[name](store)
    except WasmtimeError as x:
        print(name, "WasmtimeError:", x)
    except TypeError as x:
        print(name, "TypeError:", x)

# a host function called straight from Python; a Caller without an instance
f = Func(store, FuncType([i32], [i32]), lambda c, x: (print("memory:", c.get("memory")), x + 1)[1],
         access_caller=True)
print(f(store, 41))
print(Store().data(), Store(data=0).data(), Store(data=[1]).data())
