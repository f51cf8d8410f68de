# Traps, their codes, exit codes and host exceptions crossing wasm.
from wasmtime import (Store, Module, Instance, Func, FuncType, ValType, Trap,
                      TrapCode, WasmtimeError, ExitTrap, Linker, WasiConfig)

store = Store()
module = Module(store.engine, """
(module
  (import "host" "fail" (func $fail))
  (import "host" "trap" (func $trap))
  (type $v (func))
  (table 2 funcref)
  (elem (i32.const 1) $ok)
  (memory 1)
  (func $ok)
  (func (export "div") (param i32 i32) (result i32)
    (i32.div_s (local.get 0) (local.get 1)))
  (func (export "rem") (param i64 i64) (result i64)
    (i64.rem_u (local.get 0) (local.get 1)))
  (func (export "unreachable") unreachable)
  (func (export "oob") (result i32) (i32.load (i32.const 65535)))
  (func $rec (export "recurse") (call $rec))
  (func (export "indirect") (param i32) (call_indirect (type $v) (local.get 0)))
  (func (export "trunc") (param f64) (result i32) (i32.trunc_f64_s (local.get 0)))
  (func (export "fail") (call $fail))
  (func (export "trap") (call $trap)))
""")


class Oops(Exception):
    pass


def fail():
    raise Oops("from the host")


def trap():
    raise Trap("custom trap")


instance = Instance(store, module, [Func(store, FuncType([], []), fail),
                                    Func(store, FuncType([], []), trap)])
e = instance.exports(store)
cases = [("div", (7, 0)), ("div", (-2**31, -1)), ("div", (7, 2)),
         ("rem", (5, 0)), ("unreachable", ()), ("oob", ()), ("recurse", ()),
         ("indirect", (0,)), ("indirect", (1,)), ("indirect", (2,)),
         ("trunc", (float("nan"),)), ("trunc", (1e10,)), ("trunc", (-3.9,))]
for name, args in cases:
    try:
        print(name, args, "->", e[name](store, *args))
    except Trap as t:
        print(name, args, "trap", t.trap_code,
              t.message.strip().splitlines()[-1].split("wasm trap: ")[-1])
        assert isinstance(t.trap_code, TrapCode)
        assert not isinstance(t, WasmtimeError)

try:
    e["fail"](store)
except Oops as x:
    print("host exception came through:", x)
try:
    e["trap"](store)
except Trap as t:
    print("host trap came through:", t.message, t.trap_code)

for bad in [(), (1,), (1, 2, 3)]:
    try:
        e["div"](store, *bad)
    except WasmtimeError as x:
        print("WasmtimeError:", x)
for bad in [(1.5, 2), ("1", 2), (None, 1)]:
    try:
        e["div"](store, *bad)
    except TypeError as x:
        print("TypeError:", x)

# a trapping start function fails the instantiation with a Trap
try:
    Instance(store, Module(store.engine, """
      (module (func $s unreachable) (start $s))"""), [])
except Trap as t:
    print("start trap", t.trap_code)

# wrong imports
for imports in ([], [e["div"], e["div"]]):
    try:
        Instance(store, module, imports)
    except WasmtimeError as x:
        print("WasmtimeError", type(x).__name__)

# invalid and malformed modules
for text in ["(module (func (result i32)))", b"\x00asm\x01\x00\x00\x00\x05"]:
    try:
        Module(store.engine, text)
    except WasmtimeError as x:
        print("WasmtimeError on a bad module")
try:
    Module.validate(store.engine, b"\x00asm\x01\x00\x00\x00")
    print("valid")
    Module.validate(store.engine, b"\x00asm\x02\x00\x00\x00")
except WasmtimeError:
    print("not valid")

# WASI exit codes
linker = Linker(store.engine)
linker.define_wasi()
prog = Module(store.engine, """
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (param) (call $exit (i32.const 42)))
  (func (export "zero") (call $exit (i32.const 0))))
""")
s2 = Store(store.engine)
s2.set_wasi(WasiConfig())
inst = linker.instantiate(s2, prog)
for name in ("_start", "zero"):
    try:
        inst.exports(s2)[name](s2)
    except ExitTrap as x:
        print(name, "ExitTrap", x.code, isinstance(x, WasmtimeError),
              str(x).strip().splitlines()[-1].strip())
