# A host function called from wasm (after wasmtime-py's "hello" example).
import wasmtime
from wasmtime import Store, Module, Instance, Func, FuncType

store = Store()
module = Module(store.engine, """
(module
  (func $hello (import "" "hello"))
  (func (export "run") (call $hello)))
""")


def say_hello():
    print("Hello from Python!")


hello = Func(store, FuncType([], []), say_hello)
instance = Instance(store, module, [hello])
run = instance.exports(store)["run"]
run(store)
print(run.type(store).params, run.type(store).results)
print(sorted(instance.exports(store)), len(instance.exports(store)))
print(isinstance(instance.exports(store).by_index[0], wasmtime.Func))
