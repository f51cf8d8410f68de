"""Generators of large (and hostile) modules as bytes, for the scaling and
hostile-guest tests. Each takes a size n; the module's byte size grows
linearly with n. Built with tests/binary.py, independent of the decoder."""

from binary import leb, sleb, vec, name, section, module, functype

I32 = 0x7F
FUNCREF = 0x70
END = b"\x0b"


def _body(code, locals_=()):
    """A code-section entry: locals as (count, type) pairs, then code."""
    payload = vec(leb(c) + bytes([t]) for c, t in locals_) + code + END
    return leb(len(payload)) + payload


def _module(types, funcs, bodies, exports=(), tables=(), mems=(), elems=(),
            datas=(), start=None, imports=(), datacount=False):
    secs = [section(1, vec(types))]
    if imports:
        secs.append(section(2, vec(imports)))
    secs.append(section(3, vec(leb(t) for t in funcs)))
    if tables:
        secs.append(section(4, vec(tables)))
    if mems:
        secs.append(section(5, vec(mems)))
    if exports:
        secs.append(section(7, vec(name(n) + bytes([k]) + leb(i)
                                   for n, k, i in exports)))
    if start is not None:
        secs.append(section(8, leb(start)))
    if elems:
        secs.append(section(9, vec(elems)))
    if datacount:
        secs.append(section(12, leb(len(datas))))
    secs.append(section(10, vec(bodies)))
    if datas:
        secs.append(section(11, vec(datas)))
    return module(*secs)


def i32c(v):
    return b"\x41" + sleb(v)


V_I = functype([], [I32])          # () -> i32
I_I = functype([I32], [I32])       # i32 -> i32


def many_funcs(n):
    """n functions, each calling the previous one and adding 1; "f" is the
    last (returns n)."""
    bodies = [_body(i32c(1))]
    for i in range(1, n):
        bodies.append(_body(b"\x10" + leb(i - 1) + i32c(1) + b"\x6a"))
    return _module([V_I], [0] * n, bodies, exports=[("f", 0, n - 1)])


def huge_func(n):
    """One function of about 4n instructions: x = x * 3 + 1, n times."""
    step = b"\x20\x00" + i32c(3) + b"\x6c" + i32c(1) + b"\x6a" + b"\x21\x00"
    code = step * n + b"\x20\x00"
    return _module([I_I], [0], [_body(code)], exports=[("f", 0, 0)])


def many_locals(n):
    """A function with n i32 locals, each set and summed once."""
    code = bytearray()
    for i in range(n):
        code += i32c(i & 63) + b"\x21" + leb(i + 1)
    code += b"\x20\x00"
    for i in range(n):
        code += b"\x20" + leb(i + 1) + b"\x6a"
    return _module([I_I], [0], [_body(bytes(code), [(n, I32)])],
                   exports=[("f", 0, 0)])


def deep_nesting(n):
    """n nested blocks (every fourth a loop) with a branch out of the
    innermost; returns 7."""
    code = bytearray()
    for i in range(n):
        code += b"\x03\x40" if i % 4 == 3 else b"\x02\x40"
    code += b"\x0c" + leb(n - 1)
    code += END * n
    code += i32c(7)
    return _module([V_I], [0], [_body(bytes(code))], exports=[("f", 0, 0)])


def br_table(n, labels=None):
    """n nested blocks and a br_table of `labels` labels (default 4n),
    label i the block i % n (n distinct targets), the default the
    outermost: f(k) = k + (k % n + ... + n - 1) for k < labels, else
    k + (n - 1)."""
    if labels is None:
        labels = 4 * n
    code = bytearray()
    code += b"\x02\x40" * n
    code += b"\x20\x00\x0e" + leb(labels)
    code += b"".join(leb(i % n) for i in range(labels))
    code += leb(n - 1)
    for i in range(n):
        # after block i: local0 += i
        code += END + b"\x20\x00" + i32c(i) + b"\x6a\x21\x00"
    code += b"\x20\x00"
    return _module([I_I], [0], [_body(bytes(code))], exports=[("f", 0, 0)])


def long_chain(n):
    """One expression n operators long: ((1 + 1) * 1 + 1) ..."""
    code = bytearray(i32c(1))
    for i in range(n):
        code += i32c(1) + (b"\x6a" if i % 2 else b"\x6c")
    return _module([V_I], [0], [_body(bytes(code))], exports=[("f", 0, 0)])


def deep_stack(n):
    """n constants pushed, then n - 1 adds: an operand stack n deep."""
    code = bytearray()
    for i in range(n):
        code += i32c(i & 63)
    code += b"\x6a" * (n - 1)
    return _module([V_I], [0], [_body(bytes(code))], exports=[("f", 0, 0)])


def many_datas(n):
    """n active data segments of 16 bytes into one memory."""
    pages = (n * 16 >> 16) + 1
    datas = [b"\x00" + i32c(i * 16) + END + vec([bytes([i & 255])] * 16)
             for i in range(n)]
    return _module([V_I], [0], [_body(i32c(0))], mems=[b"\x00" + leb(pages)],
                   datas=datas, exports=[("f", 0, 0)])


def many_elems(n):
    """n active element segments of 4 entries into one table."""
    elems = [b"\x00" + i32c(i * 4) + END + vec([leb(0)] * 4)
             for i in range(n)]
    return _module([V_I], [0], [_body(i32c(0))],
                   tables=[bytes([FUNCREF]) + b"\x00" + leb(n * 4)],
                   elems=elems, exports=[("f", 0, 0)])


def br_table_wide(n):
    """br_table(n) with 8n labels: many labels per target."""
    return br_table(n, 8 * n)


GENERATORS = {
    "many_funcs": many_funcs, "huge_func": huge_func,
    "many_locals": many_locals, "deep_nesting": deep_nesting,
    "br_table": br_table, "br_table_wide": br_table_wide,
    "long_chain": long_chain, "deep_stack": deep_stack,
    "many_datas": many_datas, "many_elems": many_elems,
}
