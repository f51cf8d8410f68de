# Module.serialize / deserialize, imports and exports of a module.
from wasmtime import Engine, Store, Module, Instance, FuncType, MemoryType, GlobalType, TableType

engine = Engine()
module = Module(engine, """
(module
  (import "env" "f" (func (param i32) (result i64)))
  (import "env" "m" (memory 1 2))
  (import "env" "g" (global (mut f32)))
  (import "env" "t" (table 3 externref))
  (func (export "sq") (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
  (global (export "answer") i32 (i32.const 42))
  (export "mem" (memory 0))
  (export "tab" (table 0)))
""")


def describe(t):
    if isinstance(t, FuncType):
        return "func %s -> %s" % ([str(p) for p in t.params], [str(r) for r in t.results])
    if isinstance(t, MemoryType):
        return "memory %d %s" % (t.limits.min, t.limits.max)
    if isinstance(t, GlobalType):
        return "global %s %s" % (t.content, t.mutable)
    if isinstance(t, TableType):
        return "table %s %d %s" % (t.element, t.limits.min, t.limits.max)
    return "?"


for i in module.imports:
    print("import", i.module, i.name, describe(i.type))
for x in module.exports:
    print("export", x.name, describe(x.type))

plain = Module(engine, """(module (func (export "sq") (param i32) (result i32)
                                   (i32.mul (local.get 0) (local.get 0))))""")
data = plain.serialize()
print(type(data).__name__, len(data) > 0)
again = Module.deserialize(engine, data)
store = Store(engine)
sq = Instance(store, again, []).exports(store)["sq"]
print(sq(store, 12), [x.name for x in again.exports])
with open("mod.bin", "wb") as f:
    f.write(data)
third = Module.deserialize_file(engine, "mod.bin")
print(Instance(store, third, []).exports(store)["sq"](store, -5))
