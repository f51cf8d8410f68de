"""Snapshots of an instance as bytes, and putting them back.

Imported only by ``Instance.snapshot`` and ``Runtime.restore`` (a board
that never snapshots does not hold it). No pickle: the format is this
module's own, the same on every host (CPython, MicroPython, a board
writing it to flash).

Format, version 1 (little-endian)::

    b"WBSNAP"  version u16  body length u32  crc32 of the body u32  body

The body is one value of the tagged encoding below: a list

    [module size, module crc32, float mode ("hard"/"soft"),
     wasi       None or wasi/snapshot.py's state,
     app heap   None or [free list, [[offset, size], ...]],
     exec env   [stack size, fuel left or None, on_exhausted],
     memories   [[pages, [[offset, bytes], ...]], ...]   (defined ones;
                only the 4 KiB chunks that are not all zero),
     globals    [value, ...]                             (defined ones),
     tables     [[ref, ...], ...]                        (defined ones),
     dropped data segments [index, ...], dropped element segments [...],
     call       None or [reason, value, host result types,
                         call result types, current frame, pc, frames]]

a frame being [function index, registers, pc, result base, ops,
registers count] (the last two check that this build lowers the
function the same way). Values: None, bools, ints (any size: v128 too),
floats (f64 as 8 bytes), bytes, str, lists, and function references by
index into the instance's functions (imports first).

Raises SnapshotError (core/errors.py) with the reason: what cannot be
taken (an externref, an exception reference, a frame of another
instance), what cannot be restored (bad magic, another version, cut
short, bad checksum, another module or float mode, code that lowers
differently).
"""

import struct

from wasmbed.core.errors import SnapshotError
from wasmbed.core.leb128 import encode_unsigned
from wasmbed.core.lower import FRAME_SLOTS

# -- messages (the SnapshotError texts; not in core/errors.py, whose every
# name a board pays for at import) --
SNAP_NOT = "not a wasmbed snapshot (bad magic)"
SNAP_VERSION = "snapshot format version %d, this wasmbed reads version %d"
SNAP_TRUNCATED = "snapshot truncated: %d bytes, the header says %d"
SNAP_CHECKSUM = "snapshot checksum mismatch (corrupted): crc32 0x%08x, the header says 0x%08x"
SNAP_MODULE = ("snapshot of another module: %d bytes with crc32 0x%08x, "
               "this module has %d bytes with crc32 0x%08x")
SNAP_FLOAT = "snapshot taken in float mode %s, this host runs in float mode %s"
SNAP_MALFORMED = "malformed snapshot: %s"
SNAP_VALUE = "cannot snapshot %s: %s is not a value a snapshot can hold"
SNAP_FOREIGN_FRAME = "cannot snapshot a suspended call with frames of another instance"
SNAP_FOREIGN_FUNC = "cannot snapshot %s: a function of another instance"
SNAP_FRAME_CODE = ("snapshot frame of function %d does not match this build's "
                   "code for it (%d ops, %d registers; the snapshot has %d, %d)")
SNAP_SHAPE = "snapshot does not fit this module: %s"
SNAP_WASI_FD = "cannot snapshot WASI fd %d: %s"
SNAP_WASI_PREOPEN = "cannot restore WASI fd %d: no preopened directory %r"
SNAP_CLUSTER = "cannot snapshot an instance of a wasi-threads cluster"
SNAP_RUNNING = ("cannot snapshot an instance while one of its calls runs (a host "
                "function it called is running): return Suspend() from the host "
                "function, then snapshot")

MAGIC = b"WBSNAP"
VERSION = 1
HEADER = 16
CHUNK = 4096

_NONE = 0
_FALSE = 1
_TRUE = 2
_UINT = 3
_NINT = 4
_FLOAT = 5
_BYTES = 6
_STR = 7
_LIST = 8
_FUNC = 9

_table = None


def crc32(data, crc=0):
    """The CRC-32 of zlib/binascii (IEEE 802.3), pure Python; its table
    is built on first use."""
    global _table
    t = _table
    if t is None:
        t = []
        for n in range(256):
            c = n
            for _ in range(8):
                c = (c >> 1) ^ 0xEDB88320 if c & 1 else c >> 1
            t.append(c)
        _table = t
    crc ^= 0xFFFFFFFF
    for b in data:
        crc = t[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


# ---------------------------------------------------------------------------
# the tagged encoding

def _uleb(out, n):
    out.extend(encode_unsigned(n))


def _put(out, v, refs, what):
    t = type(v)
    if v is None:
        out.append(_NONE)
    elif t is bool:
        out.append(_TRUE if v else _FALSE)
    elif t is int:
        if v >= 0:
            out.append(_UINT)
            _uleb(out, v)
        else:
            out.append(_NINT)
            _uleb(out, -v)
    elif t is float:
        out.append(_FLOAT)
        out.extend(struct.pack("<d", v))
    elif t is bytes or t is bytearray or t is memoryview:
        out.append(_BYTES)
        _uleb(out, len(v))
        out.extend(v)
    elif t is str:
        b = v.encode("utf-8")
        out.append(_STR)
        _uleb(out, len(b))
        out.extend(b)
    elif t is list or t is tuple:
        out.append(_LIST)
        _uleb(out, len(v))
        for x in v:
            _put(out, x, refs, what)
    else:
        k = refs.get(id(v)) if refs is not None else None
        if k is None:
            if getattr(v, "type", None) is not None and hasattr(v, "host"):
                raise SnapshotError(SNAP_FOREIGN_FUNC % what)
            raise SnapshotError(SNAP_VALUE % (what, type(v).__name__))
        out.append(_FUNC)
        _uleb(out, k)


def plain(v):
    """Whether v encodes without function references (a Suspended's
    value is kept only then)."""
    try:
        _put(bytearray(), v, None, "")
    except SnapshotError:
        return False
    return True


class _Reader:
    __slots__ = ("b", "i", "funcs")

    def __init__(self, b, i, funcs):
        self.b = b
        self.i = i
        self.funcs = funcs

    def uleb(self):
        b = self.b
        n = 0
        shift = 0
        while True:
            x = b[self.i]
            self.i += 1
            n |= (x & 0x7F) << shift
            if not x & 0x80:
                return n
            shift += 7

    def value(self):
        tag = self.b[self.i]
        self.i += 1
        if tag == _NONE:
            return None
        if tag == _UINT:
            return self.uleb()
        if tag == _LIST:
            n = self.uleb()
            return [self.value() for _ in range(n)]
        if tag == _FUNC:
            k = self.uleb()
            f = self.funcs
            if f is None or k >= len(f):
                raise SnapshotError(SNAP_SHAPE % ("function %d" % k))
            return f[k]
        if tag == _NINT:
            return -self.uleb()
        if tag == _FLOAT:
            i = self.i
            self.i = i + 8
            return struct.unpack("<d", bytes(self.b[i:i + 8]))[0]
        if tag == _BYTES or tag == _STR:
            n = self.uleb()
            i = self.i
            self.i = i + n
            s = bytes(self.b[i:i + n])
            if len(s) != n:
                raise IndexError
            return s if tag == _BYTES else s.decode("utf-8")
        if tag == _FALSE:
            return False
        if tag == _TRUE:
            return True
        raise SnapshotError(SNAP_MALFORMED % ("tag %d" % tag))


def encode(value, refs, what):
    """-> bytes of value in the tagged encoding (refs {id(function):
    index}; what names the state for errors)."""
    out = bytearray()
    _put(out, value, refs, what)
    return out


# ---------------------------------------------------------------------------
# framing

def seal(body, crc, at=0):
    """-> snapshot bytes of body; crc a crc32 function (data, start).
    at=HEADER: body is a bytearray whose first HEADER bytes are left for
    the header (no copy of the body but the final bytes())."""
    if not at:
        body = bytearray(HEADER) + body
    view = memoryview(body)[HEADER:]
    body[0:6] = MAGIC
    struct.pack_into("<HII", body, 6, VERSION, len(view),
                     crc(view, 0) & 0xFFFFFFFF)
    return bytes(body)


def unseal(data, crc):
    """Check the header of snapshot bytes -> a memoryview of the body.
    Raises SnapshotError: bad magic, another version, truncated, bad
    checksum."""
    data = memoryview(data)
    head = bytes(data[0:6])
    if head != MAGIC[:len(head)]:
        raise SnapshotError(SNAP_NOT)
    if len(data) < HEADER:
        raise SnapshotError(SNAP_TRUNCATED % (len(data), HEADER))
    version, n, want = struct.unpack("<HII", bytes(data[6:HEADER]))
    if version != VERSION:
        raise SnapshotError(SNAP_VERSION % (version, VERSION))
    if len(data) - HEADER != n:
        raise SnapshotError(SNAP_TRUNCATED % (len(data), HEADER + n))
    body = data[HEADER:]
    got = crc(body, 0) & 0xFFFFFFFF
    if got != want:
        raise SnapshotError(SNAP_CHECKSUM % (got, want))
    return body


# ---------------------------------------------------------------------------
# taking a snapshot

def _func_refs(core):
    refs = {}
    for i, f in enumerate(core.funcs):
        refs[id(f)] = i
    return refs


def _memory_state(m):
    data = m.data
    n = len(data)
    zero = bytes(CHUNK)
    runs = []
    start = -1
    off = 0
    while off < n:
        nz = bytes(data[off:off + CHUNK]) != zero
        if nz and start < 0:
            start = off
        elif not nz and start >= 0:
            runs.append([start, bytes(data[start:off])])
            start = -1
        off += CHUNK
    if start >= 0:
        runs.append([start, bytes(data[start:n])])
    return [m.pages, runs]


def _comp_index(core, meter):
    """{id(Compiled): function index} of core's own functions (the
    metered closures too when meter is given)."""
    out = {}
    for f in core.funcs:
        if f.host is not None or f.instance is not core:
            continue
        c = f.compiled
        if c is not None and hasattr(c, "specials"):
            out[id(c)] = f.index
        if meter is not None:
            c = meter.code.get(f)
            if c is not None:
                out[id(c)] = f.index
    return out


def _nregs(comp):
    """A frame's registers proper: its R without the executor's FRAME_SLOTS
    (its Compiled and its call site, which a restore makes again)."""
    return comp.nparams + len(comp.template) - FRAME_SLOTS


def _frame(comps, comp, R, pc, base):
    k = comps.get(id(comp))
    if k is None:
        raise SnapshotError(SNAP_FOREIGN_FRAME)
    n = _nregs(comp)
    return [k, R[:n], pc, base, len(comp.code), n]


def call_state(core, s, call_results, meter):
    """The call part of the body for Suspended s (its frames frozen in
    s.frozen) -> a list. Raises SnapshotError for frames of another
    instance."""
    fz = s.frozen
    comps = _comp_index(core, meter)
    cur = None
    frames = []
    if fz.cur is not None:
        if fz.inst is not core:
            raise SnapshotError(SNAP_FOREIGN_FRAME)
        comp, R = fz.cur
        cur = _frame(comps, comp, R, 0, 0)
        for R2 in fz.frames:
            comp2 = R2[-1]
            base, nxt = R2[-2]
            if comp2.inst is not core:
                raise SnapshotError(SNAP_FOREIGN_FRAME)
            frames.append(_frame(comps, comp2, R2, nxt, base))
    value = s.value if plain(s.value) else None
    return [s.reason, value, list(s.results), list(call_results), cur,
            fz.pc, frames]


def take(core, module_id, float_mode, wasi, heap, env, call, crc):
    """-> snapshot bytes of core (a ModuleInstance). module_id (size,
    crc32) of its binary; wasi None or the WASI part; heap None or the
    app heap part; env [stack size, fuel, mode]; call None or
    call_state's list; crc a crc32 function."""
    m = core.module
    refs = _func_refs(core)
    mems = [_memory_state(x) for x in core.memories[m.num_imported_mems:]]
    globs = [g.value for g in core.globals[m.num_imported_globals:]]
    tabs = [t.elems for t in core.tables[m.num_imported_tables:]]
    dd = [i for i, d in enumerate(core.datas) if not len(d)]
    de = [i for i, e in enumerate(core.elems) if not len(e)]
    body = bytearray(HEADER)
    body.append(_LIST)
    _uleb(body, 12)
    for v, what in ((module_id[0], ""), (module_id[1], ""), (float_mode, ""),
                    (wasi, "the WASI state"), (heap, "the app heap"),
                    (env, "the exec env"),
                    (mems, "a memory"), (globs, "a global"),
                    (tabs, "a table"), (dd, ""), (de, ""),
                    (call, "a suspended call's frame")):
        _put(body, v, refs, what)
    return seal(body, crc, HEADER)


# ---------------------------------------------------------------------------
# restoring one

def read_body(body, module_id, float_mode):
    """The body's first items, checked against this module and host ->
    (a _Reader positioned after the header items, [wasi, heap, env])
    (the rest is read with read_rest once the instance exists)."""
    r = _Reader(body, 0, None)
    try:
        tag = body[0]
        if tag != _LIST:
            raise SnapshotError(SNAP_MALFORMED % "no list")
        r.i = 1
        if r.uleb() != 12:
            raise SnapshotError(SNAP_MALFORMED % "item count")
        size = r.value()
        mcrc = r.value()
        fm = r.value()
        if size != module_id[0] or mcrc != module_id[1]:
            raise SnapshotError(SNAP_MODULE % (size, mcrc, module_id[0],
                                                 module_id[1]))
        if fm != float_mode:
            raise SnapshotError(SNAP_FLOAT % (fm, float_mode))
        pre = [r.value(), r.value(), r.value()]
    except (IndexError, TypeError):
        raise SnapshotError(SNAP_MALFORMED % "cut short")
    return r, pre


def read_rest(r, core):
    """-> [memories, globals, tables, dropped data, dropped elems, call]
    (function references resolved in core)."""
    r.funcs = core.funcs
    try:
        out = [r.value() for _ in range(6)]
    except (IndexError, TypeError):
        raise SnapshotError(SNAP_MALFORMED % "cut short")
    if r.i != len(r.b):
        raise SnapshotError(SNAP_MALFORMED % "bytes after the end")
    return out


def _shape(cond, what):
    if not cond:
        raise SnapshotError(SNAP_SHAPE % what)


def apply(core, parts):
    """Put memories, globals, tables and dropped segments of parts
    (read_rest's) into the fresh instance core. Raises SnapshotError when
    they do not fit its module."""
    m = core.module
    mems, globs, tabs, dd, de = parts[0], parts[1], parts[2], parts[3], parts[4]
    own = core.memories[m.num_imported_mems:]
    _shape(len(mems) == len(own), "%d memories" % len(mems))
    from wasmbed.core.memory import _zero_range
    for mem, (pages, runs) in zip(own, mems):
        if pages > mem.pages:
            _shape(mem.grow(pages - mem.pages) >= 0, "memory of %d pages" % pages)
        _shape(pages == mem.pages, "memory of %d pages" % pages)
        view = memoryview(mem.data)
        _zero_range(view, 0, len(view))
        for off, b in runs:
            _shape(off + len(b) <= len(view), "memory data at %d" % off)
            view[off:off + len(b)] = b
    own = core.globals[m.num_imported_globals:]
    _shape(len(globs) == len(own), "%d globals" % len(globs))
    for g, v in zip(own, globs):
        g.value = v
    own = core.tables[m.num_imported_tables:]
    _shape(len(tabs) == len(own), "%d tables" % len(tabs))
    for t, elems in zip(own, tabs):
        n = len(elems)
        if n > len(t.elems):
            _shape(t.grow(n - len(t.elems), None) >= 0, "table of %d" % n)
        _shape(n == len(t.elems), "table of %d" % n)
        t.elems[:] = elems
    for i in dd:
        _shape(i < len(core.datas), "data segment %d" % i)
        core.datas[i] = b""
    for i in de:
        _shape(i < len(core.elems), "element segment %d" % i)
        core.elems[i] = ()


def frozen(core, call, meter):
    """The Frozen of restored call part call (lowering each frame's
    function again; metered closures with meter) -> Frozen."""
    from wasmbed.core.suspend import Frozen
    from wasmbed.core.interp import compile_function
    _reason, _value, _hr, _cr, cur, pc, frames = call
    if cur is None:
        return Frozen(None, None, pc, core)

    def code(fr):
        idx, R, at, base, nops, nregs = fr
        _shape(type(idx) is int and core.module.num_imported_funcs <= idx < len(core.funcs),
               "function %r" % (idx,))
        f = core.funcs[idx]
        c = f.compiled if meter is None else meter.code.get(f)
        if c is None:
            c = compile_function(core, f, meter)
        have = _nregs(c)
        if len(c.code) != nops or have != nregs or len(R) != nregs:
            raise SnapshotError(SNAP_FRAME_CODE % (idx, len(c.code), have, nops, nregs))
        return c, R, at, base
    out = []
    for fr in frames:
        c, R, at, base = code(fr)
        out.append(list(R) + [(base, at), c])
    c, R, _at, _b = code(cur)
    R = list(R) + [None, c]
    if pc >= 0:
        _shape(pc < len(c.code), "pc %d" % pc)
    else:
        _shape(~pc < len(c.specials), "pc %d" % pc)
    return Frozen(out, (c, R), pc, core)
