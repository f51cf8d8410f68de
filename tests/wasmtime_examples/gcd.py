# Euclid's algorithm in wasm (after wasmtime-py's "gcd" example).
from wasmtime import Engine, Store, Module, Instance

GCD = """
(module
  (func $gcd (param i32 i32) (result i32)
    (local i32)
    block
      block
        local.get 0
        br_if 0
        local.get 1
        local.set 2
        br 1
      end
      loop
        local.get 1
        local.get 0
        local.tee 2
        i32.rem_u
        local.set 0
        local.get 2
        local.set 1
        local.get 0
        br_if 0
      end
    end
    local.get 2)
  (export "gcd" (func $gcd)))
"""

engine = Engine()
store = Store(engine)
module = Module(engine, GCD)
instance = Instance(store, module, [])
gcd = instance.exports(store)["gcd"]
print("gcd(6, 27) = %d" % gcd(store, 6, 27))
for a, b in [(0, 5), (48, 18), (2**31, 2**30), (-2, 6), (1071, 462)]:
    print(a, b, gcd(store, a, b))
