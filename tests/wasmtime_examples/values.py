# Value conventions: integer wrapping, f32 rounding, externref identity,
# funcref, multi-value, Val, globals and tables.
from wasmtime import (Store, Module, Instance, Func, FuncType, ValType, Val,
                      Global, GlobalType, Table, TableType, Limits,
                      WasmtimeError)

store = Store()
module = Module(store.engine, """
(module
  (func (export "i32") (param i32) (result i32) (local.get 0))
  (func (export "i64") (param i64) (result i64) (local.get 0))
  (func (export "f32") (param f32) (result f32) (local.get 0))
  (func (export "f64") (param f64) (result f64) (local.get 0))
  (func (export "ext") (param externref) (result externref) (local.get 0))
  (func (export "isnull") (param externref) (result i32) (ref.is_null (local.get 0)))
  (func (export "fref") (param funcref) (result funcref) (local.get 0))
  (func (export "swap") (param i32 f64) (result f64 i32) (local.get 1) (local.get 0))
  (func (export "none"))
  (global (export "g") (mut i64) (i64.const -5))
  (global (export "c") f32 (f32.const 1.5))
  (table (export "t") 3 funcref)
  (func (export "tset") (param i32 funcref) (table.set (local.get 0) (local.get 1)))
  (func (export "tsize") (result i32) (table.size)))
""")
inst = Instance(store, module, [])
e = inst.exports(store)
for v in [0, 1, -1, 2**31 - 1, 2**31, 2**32 - 1, 2**32, 2**40 + 7, -2**31, True]:
    print("i32", v, e["i32"](store, v))
for v in [2**63, 2**64 - 1, -2**63, 2**70 + 1]:
    print("i64", v, e["i64"](store, v))
for v in [1.1, 0.1, 1e40, -1e40, 3.4028234663852886e38, float("inf"), 1e-50]:
    print("f32", v, e["f32"](store, v))
print("f64", e["f64"](store, 0.1), e["f64"](store, float("-inf")))
nan = e["f32"](store, float("nan"))
print("nan", nan != nan)
for bad in [("f32", 1), ("f64", 2), ("i32", 1.0), ("i64", "3")]:
    try:
        e[bad[0]](store, bad[1])
    except TypeError as x:
        print("TypeError:", x)

obj = {"a": [1, 2]}
print(e["ext"](store, obj) is obj, e["ext"](store, None), e["ext"](store, 7))
print(e["isnull"](store, None), e["isnull"](store, obj), e["isnull"](store, 0))

f = e["i32"]
back = e["fref"](store, f)
print(type(back).__name__, back(store, 9), e["fref"](store, None))
print(e["swap"](store, 3, 2.5), e["none"](store))

print(e["i32"](store, Val.i32(-7)), e["f32"](store, Val.f32(0.1)))
try:
    e["i32"](store, Val.i64(1))
except TypeError as x:
    print("TypeError:", x)
print(Val.i32(2**32 + 5).value, Val.i64(2**64 - 1).value, Val.f32(0.1).value)
print(Val.i32(3) == 3, Val.i32(3) == Val.i64(3), Val.i32(3) == Val.i32(3))
print(Val.i32(1).as_i32(), Val.i32(1).as_i64(), Val.externref(obj).as_externref() is obj)
print(str(Val.i32(1).type), str(Val.f64(1.0).type), Val.ref_null(ValType.funcref()).value)
try:
    Val.ref_null(ValType.i32())
except WasmtimeError as x:
    print("WasmtimeError:", x)

g = e["g"]
print(g.value(store), g.type(store).mutable, str(g.type(store).content))
g.set_value(store, 2**64 - 2)
print(g.value(store))
c = e["c"]
print(c.value(store), c.type(store).mutable)
try:
    c.set_value(store, 2.0)
except WasmtimeError as x:
    print("WasmtimeError:", x)
g2 = Global(store, GlobalType(ValType.f32(), True), 0.1)
print(g2.value(store))
g3 = Global(store, GlobalType(ValType.externref(), True), None)
print(type(g3.value(store)).__name__, g3.value(store).value)
g3.set_value(store, "hi")
print(g3.value(store))

t = e["t"]
print(t.size(store), e["tsize"](store), t.get(store, 0).value, t.get(store, 5))
e["tset"](store, 1, f)
print(type(t.get(store, 1)).__name__, t.get(store, 1)(store, 4))
t.set(store, 2, e["f64"])
print(t.get(store, 2)(store, 1.5))
print(t.grow(store, 2, None), t.size(store), e["tsize"](store))
try:
    t.set(store, 10, None)
except WasmtimeError as x:
    print("WasmtimeError:", x)
t2 = Table(store, TableType(ValType.externref(), Limits(1, 2)), "init")
print(t2.get(store, 0), t2.grow(store, 1, obj), t2.get(store, 1) is obj)
try:
    t2.grow(store, 1, None)
except WasmtimeError as x:
    print("WasmtimeError:", x)
print(str(t2.type(store).element), t2.type(store).limits.max)

ft = FuncType([ValType.i32(), ValType.i64()], [ValType.f64()])
print([str(p) for p in ft.params], [str(r) for r in ft.results])
print(str(ValType.externref()), str(ValType.funcref()), ValType.i32() == ValType.i32(),
      ValType.i32() == ValType.i64())
try:
    ValType()
except WasmtimeError as x:
    print("WasmtimeError:", x)
try:
    FuncType([1], [])
except TypeError as x:
    print("TypeError:", x)
