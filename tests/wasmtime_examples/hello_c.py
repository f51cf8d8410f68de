# A C program compiled to wasm32-wasi (examples/hello.wasm of the repo),
# run with arguments, its stdout in a file.
import os
import sys
from wasmtime import Engine, Store, Module, Linker, WasiConfig, ExitTrap

path = os.path.join(os.environ["WASMBED_REPO"], "examples", "hello.wasm")
engine = Engine()
module = Module.from_file(engine, path)
print([(i.module, i.name) for i in module.imports])
print([e.name for e in module.exports])
linker = Linker(engine)
linker.define_wasi()
for args in ([], ["Alice", "Bob"]):
    store = Store(engine)
    config = WasiConfig()
    config.argv = ["hello"] + args
    config.stdout_file = "hello.out"
    store.set_wasi(config)
    instance = linker.instantiate(store, module)
    try:
        instance.exports(store)["_start"](store)
        print("returned normally")
    except ExitTrap as e:
        print("exit", e.code)
    with open("hello.out") as f:
        sys.stdout.write(f.read())
