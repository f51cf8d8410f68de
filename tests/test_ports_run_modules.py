"""Every port runs the same modules through RuntimeConfig(platform=...):
compute kernels, a WASI command writing to the console, and threads where
the port has them."""
import io
import os

import pytest
import wasmtime

import wasmbed
from wasmbed.platform.linux import LinuxPlatform
from wasmbed.platform.baremetal import BaremetalPlatform
from wasmbed.platform.minimal import MinimalPlatform

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PORTS = {
    "linux": LinuxPlatform,
    "baremetal": BaremetalPlatform,
    "minimal": MinimalPlatform,
}


def read(*parts):
    with open(os.path.join(REPO, *parts), "rb") as f:
        return f.read()


@pytest.fixture(params=sorted(PORTS))
def port(request):
    return request.param, PORTS[request.param]()


@pytest.mark.parametrize("alloc", ["pool", "system"])
def test_kernels_give_the_same_results_on_every_port(port, alloc):
    _, plat = port
    cfg = (wasmbed.RuntimeConfig(mem_alloc_type="pool", heap_size=1 << 20, platform=plat)
           if alloc == "pool" else
           wasmbed.RuntimeConfig(mem_alloc_type="system", platform=plat))
    rt = wasmbed.Runtime(cfg)
    inst = rt.instantiate(rt.load(read("benchmarks", "loops.wasm")), stack_size=64 * 1024)
    assert inst.call("fib", 15) == 610
    assert inst.call("sieve", 1000) == 168
    with pytest.raises(wasmbed.Trap, match="out of bounds memory access"):
        inst.call("sieve", 70000)


def test_wasi_command_writes_through_the_given_stream(port):
    _, plat = port
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(platform=plat))
    out = io.BytesIO()
    inst = rt.instantiate(rt.load(read("examples", "hello.wasm")),
                          wasi=wasmbed.WasiConfig(args=["hello", "port"], stdout=out))
    inst.call("_start")
    assert out.getvalue() == b"Hello, port!\n"


SPAWN_WAT = """(module
  (import "env" "memory" (memory 1 1 shared))
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  (func (export "wasi_thread_start") (param i32 i32)
    i32.const 0 i32.const 1 i32.atomic.rmw.add drop
    i32.const 0 i32.const 1 memory.atomic.notify drop)
  (func (export "spawn") (result i32) i32.const 0 call $spawn)
  (func (export "join") (result i32)
    block loop
      i32.const 0 i32.atomic.load br_if 1
      i32.const 0 i32.const 0 i64.const 100000000 memory.atomic.wait32 drop
      br 0 end end
    i32.const 0 i32.atomic.load))"""


def test_thread_spawn_works_where_the_port_has_threads_and_fails_cleanly_elsewhere(port):
    name, plat = port
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(platform=plat))
    mem = rt.create_memory(1, 1, shared=True)
    inst = rt.instantiate(rt.load(wasmtime.wat2wasm(SPAWN_WAT)),
                          imports={"env": {"memory": mem}})
    tid = inst.call("spawn")
    if getattr(plat, "HAS_THREADS", False):
        assert tid > 0
        assert inst.call("join") == 1
    else:
        assert tid < 0
    inst.deinstantiate()
