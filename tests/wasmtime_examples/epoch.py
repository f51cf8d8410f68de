# Epoch interruption: a deadline in ticks, a timer thread advancing the epoch.
import threading
from wasmtime import Config, Engine, Store, Module, Instance, Trap
config = Config()
config.epoch_interruption = True
engine = Engine(config)
store = Store(engine)
m = Module(engine, """(module
  (func (export "quick") (result i32) (i32.const 1))
  (func (export "spin") (loop $l (br $l))))""")
inst = Instance(store, m, [])
e = inst.exports(store)
try:
    print(e["quick"](store))
except Trap as t:
    print("default deadline:", t.trap_code)
store.set_epoch_deadline(1)
print(e["quick"](store))
threading.Timer(0.2, engine.increment_epoch).start()
try:
    e["spin"](store)
except Trap as t:
    print("spin:", t.trap_code, t.message.strip().splitlines()[-1].split("wasm trap: ")[-1])
try:
    print(e["quick"](store))
except Trap as t:
    print("after:", t.trap_code)
store.set_epoch_deadline(2)
engine.increment_epoch()
print(e["quick"](store))
engine.increment_epoch()
try:
    print(e["quick"](store))
except Trap as t:
    print("after 2:", t.trap_code)
s2 = Store(engine)
s2.set_epoch_deadline(1)
i2 = Instance(s2, m, [])
print(i2.exports(s2)["quick"](s2))
