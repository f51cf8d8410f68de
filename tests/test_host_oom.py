"""Host memory exhaustion (a MemoryError from the host's own heap) surfaces
as HostOutOfMemory with ``during`` naming the stage, on both tiers: never a
malformed module, a stack-exhausted trap or an errno handed to the guest.
The MemoryError is simulated here on CPython; tests/test_heap_unix.py runs
the real thing on MicroPython's unix port."""

import os

import pytest

import wasmbed
from wasmbed import HostOutOfMemory, WasmError
from wasmbed.core import decode
from tests.binary import (module, section, vec, functype, leb, name)

HERE = os.path.dirname(os.path.abspath(__file__))

# (func (export "f") (param i32) (result i32) (call $host (local.get 0)))
# with $host imported from "env" "host"
CALLS_HOST = module(
    section(1, vec([functype([0x7F], [0x7F])])),
    section(2, vec([name("env") + name("host") + b"\x00" + leb(0)])),
    section(3, vec([leb(0)])),
    section(7, vec([name("f") + b"\x00" + leb(1)])),
    section(10, vec([leb(6) + b"\x00\x20\x00\x10\x00\x0b"])),
)


def _wat(path):
    import subprocess
    return subprocess.run(["wat2wasm", path, "--output=-"], check=True,
                          capture_output=True).stdout


def test_is_a_wasm_error_exported_from_wasmbed():
    e = HostOutOfMemory("load", "a module of 10 bytes")
    assert isinstance(e, WasmError)
    assert e.during == "load"
    assert "ran out of RAM" in str(e) and "load" in str(e)


def test_pool_larger_than_the_host_can_give():
    with pytest.raises(HostOutOfMemory) as info:
        wasmbed.Runtime(wasmbed.RuntimeConfig(heap_size=1 << 60))
    assert info.value.during == "runtime"


def test_decoder_reports_memory_error_as_host_out_of_memory(monkeypatch):
    def no_ram(*a):
        raise MemoryError()
    monkeypatch.setattr(decode, "_decode", no_ram)
    with pytest.raises(HostOutOfMemory) as info:
        decode.decode_module(CALLS_HOST)
    assert info.value.during == "load"


@pytest.mark.parametrize("mode", ["interp", "fast"])
def test_load_validate_memory_error(monkeypatch, mode):
    import wasmbed.runtime as R
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode=mode, heap_size=1 << 20))

    def no_ram(*a):
        raise MemoryError()
    monkeypatch.setattr(R, "validate_module", no_ram)
    free = rt.mem_alloc_info()["total_free_size"]
    with pytest.raises(HostOutOfMemory) as info:
        rt.load(CALLS_HOST)
    assert info.value.during == "load"
    assert rt.mem_alloc_info()["total_free_size"] == free   # charge returned


@pytest.mark.parametrize("mode", ["interp", "fast"])
def test_memory_error_in_a_call_is_not_stack_exhaustion(mode):
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode=mode))
    mod = rt.load(CALLS_HOST)

    def host(env, x):
        raise MemoryError()
    inst = rt.instantiate(mod, imports={"env": {"host": wasmbed.host_function("i", "i", host)}})
    with pytest.raises(HostOutOfMemory) as info:
        inst.call("f", 1)
    assert info.value.during == "call"


@pytest.mark.parametrize("mode", ["interp", "fast"])
def test_system_mode_memory_the_host_cannot_allocate(mode):
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode=mode, mem_alloc_type="system"))

    class NoRam:
        def alloc(self, size, reserve=0):
            raise MemoryError()

        def free(self, handle):
            pass
    rt.store.mem_backing = NoRam()
    mod = rt.load(_wat(os.path.join(HERE, "heap", "hello.wat")))
    with pytest.raises(HostOutOfMemory) as info:
        rt.instantiate(mod, wasi=wasmbed.WasiConfig())
    assert info.value.during == "instantiate"


@pytest.mark.parametrize("mode", ["interp", "fast"])
def test_wasi_function_out_of_host_memory_stops_the_guest(mode):
    rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode=mode))
    mod = rt.load(_wat(os.path.join(HERE, "heap", "hello.wat")))

    class Out:
        def write(self, b):
            raise MemoryError()
    inst = rt.instantiate(mod, wasi=wasmbed.WasiConfig(stdout=Out()))
    with pytest.raises(HostOutOfMemory) as info:
        inst.call("_start")
    assert info.value.during == "call"
