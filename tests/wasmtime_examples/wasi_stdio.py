# WASI stdio: stdin from a file, stdout inherited from this process, stderr
# to a file; a missing stdin file is a WasmtimeError.
import sys
from wasmtime import Engine, Store, Module, Linker, WasiConfig, WasmtimeError

ECHO = """
(module
  (import "wasi_snapshot_preview1" "fd_read"
    (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; copy stdin to stdout and to stderr until end of file; -> bytes copied
  (func (export "echo") (result i32)
    (local $total i32) (local $n i32)
    (block $eof
      (loop $more
        (i32.store (i32.const 0) (i32.const 64))
        (i32.store (i32.const 4) (i32.const 1000))
        (br_if $eof (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
        (local.set $n (i32.load (i32.const 8)))
        (br_if $eof (i32.eqz (local.get $n)))
        (i32.store (i32.const 4) (local.get $n))
        (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 12)))
        (drop (call $fd_write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 12)))
        (local.set $total (i32.add (local.get $total) (local.get $n)))
        (br $more)))
    (local.get $total)))
"""

with open("in.txt", "w") as f:
    f.write("line one\nline two\n" * 50)
engine = Engine()
linker = Linker(engine)
linker.define_wasi()
module = Module(engine, ECHO)
store = Store(engine)
config = WasiConfig()
config.stdin_file = "in.txt"
config.inherit_stdout()
config.stderr_file = "err.txt"
store.set_wasi(config)
echo = linker.instantiate(store, module).exports(store)["echo"]
print("before the guest")
sys.stdout.flush()
n = echo(store)
print("copied", n)
with open("err.txt") as f:
    print(f.read() == open("in.txt").read())

try:
    WasiConfig().stdin_file = "no-such-file.txt"
except WasmtimeError as e:
    print("WasmtimeError:", e)
store = Store(engine)
store.set_wasi(WasiConfig())   # stdin empty, output discarded
print("default:", linker.instantiate(store, module).exports(store)["echo"](store))
