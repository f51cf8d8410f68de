"""The decoder under hostile input: only MalformedModule escapes, it finishes
quickly, and memory stays in proportion to the input. Also its speed on a
large module."""

import glob
import os
import time
import tracemalloc

import pytest
from hypothesis import given, settings, HealthCheck, strategies as st

from wasmbed.core.decode import decode_module, MAX_FUNCTION_LOCALS
from wasmbed.core.validate import validate_module
from wasmbed.core.errors import MalformedModule
from binary import HEADER, leb, section

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
from suites import SUITES






def decode_or_malformed(data):
    """Decode; return the Module or the MalformedModule (anything else
    propagates and fails the test)."""
    try:
        return decode_module(data)
    except MalformedModule as e:
        assert isinstance(e.message, str) and e.message
        return e


def suite_modules():
    files = sorted(glob.glob(os.path.join(SUITES, "spec-json", "*", "*", "*.wasm")))
    # keep the property test fast: the small and medium modules
    return [f for f in files if os.path.getsize(f) < 20000]


# -- random input ----------------------------------------------------------------

@settings(max_examples=300, deadline=1000)
@given(st.binary(max_size=300))
def test_random_bytes_raise_only_malformed(data):
    decode_or_malformed(data)


@settings(max_examples=300, deadline=1000)
@given(st.binary(max_size=300))
def test_random_sections_after_a_valid_header(data):
    decode_or_malformed(HEADER + data)


SUITE_FILES = suite_modules() if os.path.isdir(SUITES) else []
needs_suites = pytest.mark.skipif(
    not SUITE_FILES, reason="spec suites not found (set WASMBED_SUITES)")

MUTATION = st.tuples(st.sampled_from(("flip", "set", "insert", "delete", "truncate")),
                     st.integers(0, 1 << 20), st.integers(0, 255))


@needs_suites
@settings(max_examples=400, deadline=2000,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_suite_modules_raise_only_malformed(data):
    path = data.draw(st.sampled_from(SUITE_FILES or ["-"]))
    with open(path, "rb") as f:
        buf = bytearray(f.read())
    for kind, where, value in data.draw(st.lists(MUTATION, min_size=1, max_size=4)):
        i = where % (len(buf) + 1)
        if kind == "flip" and i < len(buf):
            buf[i] ^= 1 << (value & 7)
        elif kind == "set" and i < len(buf):
            buf[i] = value
        elif kind == "insert":
            buf[i:i] = bytes([value])
        elif kind == "delete" and i < len(buf):
            del buf[i]
        elif kind == "truncate":
            del buf[i:]
    start = time.perf_counter()
    decode_or_malformed(bytes(buf))
    assert time.perf_counter() - start < 1.0


@needs_suites
def test_every_truncation_of_a_suite_module():
    path = os.path.join(SUITES, "spec-json", "core", "names", "names.0.wasm")
    if not os.path.exists(path):
        pytest.skip("names.0.wasm not in the suite copy")
    with open(path, "rb") as f:
        full = f.read()
    sections = []
    decode_module(full, sections=sections)
    # a cut at a section boundary may leave a valid (smaller) module
    boundaries = set([8] + [offset + size for _sid, offset, size in sections])
    assert len(boundaries) > 3
    for n in range(len(full)):
        if n not in boundaries:
            assert isinstance(decode_or_malformed(full[:n]), MalformedModule), n


# -- memory in proportion to the input ----------------------------------------------

def code_module(entries, nfuncs):
    return (HEADER + section(1, b"\x01\x60\x00\x00")
            + section(3, leb(nfuncs) + b"\x00" * nfuncs)
            + section(10, leb(len(entries)) + b"".join(
                leb(len(e)) + e for e in entries)))


HOSTILE = {
    "type count 2^32-1": HEADER + b"\x01\x06\xff\xff\xff\xff\x0f\x60",
    "import count 2^32-1": HEADER + b"\x02\x06\xff\xff\xff\xff\x0f\x00",
    "locals 2^32-1": code_module([b"\x01\xff\xff\xff\xff\x0f\x7f\x0b"], 1),
    "locals just above the cap": code_module(
        [b"\x01" + leb(MAX_FUNCTION_LOCALS + 1) + b"\x7f\x0b"], 1),
    "local groups 2^32-1": code_module([b"\xff\xff\xff\xff\x0f\x01\x7f\x0b"], 1),
    "br_table count 2^32-1": code_module([b"\x00\x0e\xff\xff\xff\xff\x0f\x00\x0b"], 1),
    "select count 2^32-1": code_module([b"\x00\x1c\xff\xff\xff\xff\x0f\x7f\x0b"], 1),
    "data length 2^32-1": HEADER + section(11, b"\x01\x01\xff\xff\xff\xff\x0f"),
    "elem count 2^32-1": HEADER + section(9, b"\x01\x01\x00\xff\xff\xff\xff\x0f"),
    "name map count 2^32-1": HEADER + section(
        0, b"\x04name\x01\x06\xff\xff\xff\xff\x0f\x00"),
}


@pytest.mark.parametrize("label", sorted(HOSTILE))
def test_huge_counts_in_tiny_files_fail_fast_and_small(label):
    data = HOSTILE[label]
    tracemalloc.start()
    try:
        start = time.perf_counter()
        result = decode_or_malformed(data)
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    if label.startswith("name map"):
        assert not isinstance(result, MalformedModule)   # names are optional
    else:
        assert isinstance(result, MalformedModule)
    assert elapsed < 0.5
    assert peak < 256 * 1024, peak


def test_many_functions_with_distinct_huge_local_declarations_hit_the_budget():
    entries = [b"\x02" + leb(MAX_FUNCTION_LOCALS - k) + b"\x7f" + leb(k) + b"\x7e\x0b"
               for k in range(1, 400)]
    data = code_module(entries, len(entries))
    tracemalloc.start()
    try:
        result = decode_or_malformed(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert isinstance(result, MalformedModule)
    assert result.message == "too many locals"
    assert peak < 4 * 1024 * 1024, peak


def test_identical_huge_local_declarations_are_shared_not_multiplied():
    entries = [b"\x01" + leb(MAX_FUNCTION_LOCALS) + b"\x7f\x0b"] * 2000
    data = code_module(entries, len(entries))
    tracemalloc.start()
    try:
        m = decode_module(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(m.funcs) == 2000
    assert all(len(f.locals) == MAX_FUNCTION_LOCALS for f in m.funcs)
    assert peak < 8 * 1024 * 1024, peak


# -- speed ------------------------------------------------------------------------------

def loop_block():
    """block loop ... br_if ... store ... load ... br end end: 45 bytes."""
    return (b"\x02\x40\x03\x40"
            b"\x20\x00\x20\x02\x4f\x0d\x01"              # br_if 1 (x >= p0)
            b"\x20\x02\x41\x01\x6a\x21\x02"              # x += 1
            b"\x20\x02\x41\xff\x07\x71\x20\x02\x20\x01\x6c\x36\x02\x08"  # store
            b"\x20\x04\x41\x10\x28\x02\x04\xad\x7c\x21\x04"  # y += load
            b"\x0c\x00\x0b\x0b")


def big_module(nfuncs, blocks_per_func):
    """A valid module of nfuncs functions (i32 i32) -> i32, each calling the
    previous one; about 50 bytes per block."""
    entries = []
    for i in range(nfuncs):
        body = bytearray(b"\x02\x02\x7f\x01\x7e")       # locals: 2 i32, 1 i64
        for _ in range(blocks_per_func):
            body += loop_block()
        if i:
            body += b"\x20\x00\x20\x01\x10" + leb(i - 1) + b"\x1a"
        body += b"\x20\x02\x20\x04\xa7\x6a\x0b"
        entries.append(bytes(body))
    return (HEADER + section(1, b"\x01\x60\x02\x7f\x7f\x01\x7f")
            + section(3, leb(nfuncs) + b"\x00" * nfuncs)
            + section(5, b"\x01\x00\x01")
            + section(10, leb(nfuncs) + b"".join(leb(len(e)) + e for e in entries)))


def test_a_100_kb_module_decodes_and_validates():
    # how long it takes is measured in benchmarks/big_module.py, not here
    data = big_module(400, 5)
    assert 90000 < len(data) < 130000
    m = decode_module(data)
    assert len(m.funcs) == 400
    validate_module(m)
    assert m.validated
