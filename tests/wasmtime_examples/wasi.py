# A WASI program: argv, environment, stdout to a file, exit codes
# (after wasmtime-py's "wasi" example, with the program written in WAT).
import os
from wasmtime import Engine, Store, Module, Linker, WasiConfig, ExitTrap

PROGRAM = """
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get"
    (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get"
    (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get"
    (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get"
    (func $environ_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  ;; print the NUL-terminated strings whose pointers are at $ptrs, one a line
  (func $print_all (param $ptrs i32) (param $n i32)
    (local $s i32) (local $e i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $s (i32.load (local.get $ptrs)))
        (local.set $e (local.get $s))
        (block $end (loop $scan
          (br_if $end (i32.eqz (i32.load8_u (local.get $e))))
          (local.set $e (i32.add (local.get $e) (i32.const 1)))
          (br $scan)))
        (i32.store8 (local.get $e) (i32.const 10))
        (i32.store (i32.const 0) (local.get $s))
        (i32.store (i32.const 4) (i32.sub (i32.add (local.get $e) (i32.const 1))
                                          (local.get $s)))
        (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
        (local.set $ptrs (i32.add (local.get $ptrs) (i32.const 4)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next))))
  (func (export "_start")
    (drop (call $args_sizes_get (i32.const 16) (i32.const 20)))
    (drop (call $args_get (i32.const 1024) (i32.const 4096)))
    (call $print_all (i32.const 1024) (i32.load (i32.const 16)))
    (drop (call $environ_sizes_get (i32.const 16) (i32.const 20)))
    (drop (call $environ_get (i32.const 2048) (i32.const 8192)))
    (call $print_all (i32.const 2048) (i32.load (i32.const 16)))
    (call $proc_exit (i32.load (i32.const 16)))))
"""

engine = Engine()
linker = Linker(engine)
linker.define_wasi()
module = Module(engine, PROGRAM)

for argv, env in [(["prog", "a", "b c"], [("HOME", "/home/guest"), ("X", "1")]),
                  (["solo"], [])]:
    store = Store(engine)
    config = WasiConfig()
    config.argv = argv
    config.env = env
    config.stdout_file = "out.txt"
    store.set_wasi(config)
    instance = linker.instantiate(store, module)
    start = instance.exports(store)["_start"]
    try:
        start(store)
        print("returned")
    except ExitTrap as e:
        print("exit code", e.code)
    with open("out.txt") as f:
        print(repr(f.read()))

# the default: no arguments, no environment, output discarded
store = Store(engine)
store.set_wasi(WasiConfig())
try:
    linker.instantiate(store, module).exports(store)["_start"](store)
except ExitTrap as e:
    print("exit code", e.code)
print(os.path.exists("out2.txt"))

# stdout through a callback
chunks = []
store = Store(engine)
config = WasiConfig()
config.argv = ["cb", "x"]
config.stdout_custom = lambda data: chunks.append(data)
store.set_wasi(config)
try:
    linker.instantiate(store, module).exports(store)["_start"](store)
except ExitTrap as e:
    print("exit code", e.code)
print(b"".join(chunks))
try:
    config.argv = ["again"]
except ValueError as e:
    print("ValueError:", e)
