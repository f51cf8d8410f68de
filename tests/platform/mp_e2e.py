"""End-to-end under MicroPython: core + interpreter + pool + baremetal port.

Usage: micropython mp_e2e.py REPO_ROOT   (test_platform_micropython_e2e.py)

The hook for whole-runtime checks on MicroPython: each check builds a
Runtime in pool mode on a BaremetalPlatform, runs a module and prints
``PASS e2e name`` or ``FAIL e2e name: message``; the last line is ``DONE``.
Add a check by appending to CHECKS (the pytest side requires every name it
lists in E2E_CHECKS to PASS). Prints ``SKIP e2e all: ...`` when the runtime
cannot be imported yet.
"""

import sys

if len(sys.argv) > 1:
    sys.path.insert(0, sys.argv[1])

# (module (func (export "add") (param i32 i32) (result i32)
#   local.get 0 local.get 1 i32.add))
ADD_WASM = bytes([
    0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00,
    0x01, 0x07, 0x01, 0x60, 0x02, 0x7F, 0x7F, 0x01, 0x7F,
    0x03, 0x02, 0x01, 0x00,
    0x07, 0x07, 0x01, 0x03, 0x61, 0x64, 0x64, 0x00, 0x00,
    0x0A, 0x09, 0x01, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6A, 0x0B,
])


def new_runtime():
    import wasmbed
    from wasmbed.platform.baremetal import BaremetalPlatform
    return wasmbed.Runtime(wasmbed.RuntimeConfig(
        mem_alloc_type="pool", heap_buf=bytearray(256 * 1024),
        max_thread_num=2, platform=BaremetalPlatform(), mode="interp"))


def check_add():
    rt = new_runtime()
    mod = rt.load(ADD_WASM)
    inst = rt.instantiate(mod, stack_size=16 * 1024, heap_size=0)
    env = inst.create_exec_env(stack_size=16 * 1024)
    got = env.call(inst.lookup_function("add"), 40, 2)
    wrapped = env.call(inst.lookup_function("add"), 0x7FFFFFFF, 1)
    inst.deinstantiate()
    mod.unload()
    rt.destroy()
    if got != 42:
        return "add(40, 2) = %r" % (got,)
    if wrapped != -0x80000000:
        return "add(0x7fffffff, 1) = %r" % (wrapped,)
    return ""


def check_pool_returns_everything():
    rt = new_runtime()
    before = rt.mem_alloc_info()["total_free_size"]
    mod = rt.load(ADD_WASM)
    inst = rt.instantiate(mod, stack_size=16 * 1024, heap_size=0)
    during = rt.mem_alloc_info()["total_free_size"]
    inst.deinstantiate()
    mod.unload()
    after = rt.mem_alloc_info()["total_free_size"]
    rt.destroy()
    if not during < before:
        return "instantiating took nothing from the pool"
    if after != before:
        return "free %d after teardown, %d before" % (after, before)
    return ""


class FakeUart:
    """A UART-like stream (read/write/any) standing for a board's console."""

    def __init__(self):
        self.out = bytearray()

    def write(self, b):
        self.out.extend(b)
        return len(b)

    def read(self, n=-1):
        return b""

    def any(self):
        return 0


def _repo_file(*parts):
    return "/".join((sys.argv[1] if len(sys.argv) > 1 else ".",) + parts)


def _read(path):
    f = open(path, "rb")
    try:
        return f.read()
    finally:
        f.close()


def check_hello_over_the_console():
    import wasmbed
    from wasmbed.platform.baremetal import BaremetalPlatform
    uart = FakeUart()
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(
        mem_alloc_type="pool", heap_buf=bytearray(1024 * 1024),
        platform=BaremetalPlatform(console=uart), mode="interp"))
    mod = rt.load(_read(_repo_file("examples", "hello.wasm")))
    inst = rt.instantiate(mod, stack_size=64 * 1024,
                          wasi=wasmbed.WasiConfig(args=["hello", "board"]))
    inst.call("_start")
    inst.deinstantiate()
    mod.unload()
    if bytes(uart.out) != b"Hello, board!\n":
        return "console got %r" % bytes(uart.out)
    return ""


def check_loops_and_traps():
    import wasmbed
    rt = new_runtime()
    mod = rt.load(_read(_repo_file("benchmarks", "loops.wasm")))
    inst = rt.instantiate(mod, stack_size=32 * 1024, heap_size=0)
    fib = inst.call("fib", 15)
    primes = inst.call("sieve", 1000)
    try:
        inst.call("sieve", 70000)   # memory.fill past the one page
        trapped = ""
    except wasmbed.Trap as e:
        trapped = e.message
    inst.deinstantiate()
    mod.unload()
    if fib != 610:
        return "fib(15) = %r" % (fib,)
    if primes != 168:
        return "primes below 1000: %r" % (primes,)
    if trapped != "out of bounds memory access":
        return "trap message %r" % (trapped,)
    return ""


CHECKS = (("add", check_add),
          ("pool_returns_everything", check_pool_returns_everything),
          ("hello_over_the_console", check_hello_over_the_console),
          ("loops_and_traps", check_loops_and_traps))


def main():
    try:
        import wasmbed
        wasmbed.Runtime
    except (ImportError, AttributeError) as exc:
        print("SKIP e2e all: runtime not importable: %s" % exc)
        print("DONE")
        return
    for name, fn in CHECKS:
        try:
            message = fn()
        except Exception as exc:  # noqa: BLE001
            message = "%s: %s" % (type(exc).__name__, exc)
        if message:
            print("FAIL e2e %s: %s" % (name, message))
        else:
            print("PASS e2e %s" % name)
    print("DONE")


main()
