"""GC objects and instructions (WebAssembly 3.0): structs, arrays, i31,
run-time types and casts, shared by both tiers.

Values: a struct is a ``Struct`` (``t`` its run-time type, ``f`` a list
of its field values), an array an ``Array`` (``t``, ``a`` a list of its
elements), an i31 an ``I31`` (``v`` its 31-bit value, unsigned). Field
and element values are the engine's internal values; packed i8/i16 ones
are stored masked to their width. extern.convert_any and
any.convert_extern return their operand unchanged (a host value seen as
anyref is a non-null any that is neither eq, i31, struct nor array).

Run-time types (``RTT``) are canonical: one object per iso-recursive
type key (module.type_key), shared by every module that defines an
equivalent type, with a link to the canonical type of its declared
supertype, so a cast is identity tests along that chain. The table of
them (``_CANON``) lives as long as the process: it grows with every
distinct type key loaded.

Pool mode (an instance with a ``host_account``, charge_host_memory):
each struct and array is charged OBJ_BYTES + SLOT_BYTES per field or
element before it is made, and given back when Python frees it; one
that does not fit traps with PoolExhausted's message.

``make(inst, ins)`` -> (nargs, has_result, fn): fn a Python function of
the operand values (bottom first) returning the result; both tiers and
constant expressions call it. Traps: "null structure reference", "null
array reference", "null i31 reference", "out of bounds array access",
"out of bounds memory access" / "out of bounds table access" (the
segment of array.new_data / new_elem / init_data / init_elem), "cast
failure".
"""

from wasmbed.core import opcodes as O
from wasmbed.core.errors import Trap
from wasmbed.core.module import (
    I32, I64, F32, F64, V128, I8, I16, FuncType, StructType, HEAP_INDEX,
    FUNCREF, EXTERNREF, EXNREF, ANYREF, EQREF, I31REF, STRUCTREF, ARRAYREF,
    type_key, heap_of, is_nullable)
from wasmbed.core import numeric as _N

_FB = O.PREFIX_FB
NULL_STRUCT = "null structure reference"
NULL_ARRAY = "null array reference"
NULL_I31 = "null i31 reference"
ARRAY_OOB = "out of bounds array access"
CAST_FAILURE = "cast failure"


class Struct:
    __slots__ = ("t", "f", "k")     # k: its pool block (_Block), if charged

    def __init__(self, t, f):
        self.t = t
        self.f = f


class Array:
    __slots__ = ("t", "a", "k")

    def __init__(self, t, a):
        self.t = t
        self.a = a


class I31:
    __slots__ = ("v",)

    def __init__(self, v):
        self.v = v

    def __eq__(self, other):
        return type(other) is I31 and other.v == self.v

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return self.v


class RTT:
    """A canonical defined type: ``key`` its type_key, ``dt`` a defined
    type with that key (FuncType, StructType or ArrayType), ``sup`` the
    canonical supertype or None, ``kind`` 0 func, 1 struct, 2 array."""

    __slots__ = ("key", "dt", "sup", "kind")

    def __init__(self, key, dt, sup):
        self.key = key
        self.dt = dt
        self.sup = sup
        self.kind = (0 if isinstance(dt, FuncType)
                     else 1 if isinstance(dt, StructType) else 2)


_CANON = {}


def rtt(module, x):
    """The canonical run-time type of type index x of a module (cached on
    the module)."""
    cache = getattr(module, "_rtts", None)
    if cache is None:
        cache = module._rtts = {}
    r = cache.get(x)
    if r is None:
        k = type_key(module, x)
        r = _CANON.get(k)
        if r is None:
            dt = module.types[x]
            sup = rtt(module, dt.supers[0]) if dt.supers else None
            # setdefault: two threads canonicalising one key agree
            r = _CANON.setdefault(k, RTT(k, dt, sup))
        cache[x] = r
    return r


_FUNC_RTT = {}       # id(FuncType) -> (FuncType, its RTT)


def _func_rtt(f):
    """The run-time type of a function value (cached per FuncType)."""
    ft = f.type
    e = _FUNC_RTT.get(id(ft))
    if e is not None and e[0] is ft:
        return e[1]
    r = None
    inst = getattr(f, "instance", None)
    m = getattr(inst, "module", None) if inst is not None else None
    if m is not None:
        for i, t in enumerate(m.types):
            if t is ft:
                r = rtt(m, i)
                break
    if r is None:                   # a host function's type: final, alone
        k = ft.key if ft.key is not None else ft._k()
        r = _CANON.setdefault(k, RTT(k, ft, None))
    _FUNC_RTT[id(ft)] = (ft, r)
    return r


def is_sub(r1, r2):
    while r1 is not None:
        if r1 is r2:
            return True
        r1 = r1.sup
    return False


def tester(module, rt):
    """A function v -> whether value v is of reference type rt (a type of
    ``module``)."""
    null = is_nullable(rt)
    h = heap_of(rt)
    if h >= HEAP_INDEX:
        target = rtt(module, h - HEAP_INDEX)
        if target.kind == 0:
            def test(v):
                if v is None:
                    return null
                return is_sub(_func_rtt(v), target)
        else:
            cls = Struct if target.kind == 1 else Array

            def test(v):
                if v is None:
                    return null
                if type(v) is not cls:
                    return False
                t = v.t
                while t is not None:
                    if t is target:
                        return True
                    t = t.sup
                return False
        return test
    if h == ANYREF or h == FUNCREF or h == EXTERNREF or h == EXNREF:
        return lambda v: null if v is None else True
    if h == EQREF:
        return lambda v: null if v is None else (
            type(v) is I31 or type(v) is Struct or type(v) is Array)
    cls = {I31REF: I31, STRUCTREF: Struct, ARRAYREF: Array}.get(h)
    if cls is not None:
        return lambda v: null if v is None else type(v) is cls
    return lambda v: v is None and null         # the bottom types


def _zero(t):
    if t == F64:
        return 0 if _N.soft else 0.0
    if t in (I32, I64, F32, V128, I8, I16):
        return 0
    return None


_SIZE = {I8: 1, I16: 2, I32: 4, I64: 8, F32: 4, F64: 8, V128: 16}
_MASK = {I8: 0xFF, I16: 0xFFFF}


def _from_bytes(t, b):
    if t == F64 and not _N.soft:
        import struct
        return struct.unpack("<d", b)[0]
    return int.from_bytes(b, "little")


def _getter(st, op_kind):
    """Read conversion of a packed field: None (plain), or a function."""
    if st == I8:
        if op_kind == 1:
            return lambda v: ((v ^ 0x80) - 0x80) & 0xFFFFFFFF
        return None
    if st == I16:
        if op_kind == 1:
            return lambda v: ((v ^ 0x8000) - 0x8000) & 0xFFFFFFFF
        return None
    return None


def ref_eq(a, b):
    return 1 if a is b or (type(a) is I31 and type(b) is I31
                           and a.v == b.v) else 0


def array_check(o):
    """The trap of a failed array access: null or out of bounds."""
    raise Trap(NULL_ARRAY if o is None else ARRAY_OOB)


def struct_of(o):
    """o, or the "null structure reference" trap (the fast tier's direct
    field accesses)."""
    if o is None:
        raise Trap(NULL_STRUCT)
    return o


def _segment_values(inst, which, seg, s, n, t):
    """n values from data (which 0) or element (1) segment seg at s."""
    if which == 0:
        data = inst.datas[seg]
        size = _SIZE[t]
        if s + n * size > len(data):
            raise Trap("out of bounds memory access")
        return [_from_bytes(t, bytes(data[s + i * size:s + (i + 1) * size]))
                for i in range(n)]
    items = inst.elems[seg]
    if s + n > len(items):
        raise Trap("out of bounds table access")
    return list(items[s:s + n])


def arity(module, ins):
    """(operands popped, whether a result is pushed) of a GC instruction
    (not br_on_cast)."""
    s = ins[0] - _FB
    if s == 0:
        return len(module.types[ins[1]].fields), True
    if s == 8:
        return ins[2], True
    return _ARITY[s]


_ARITY = {1: (0, True), 2: (1, True), 3: (1, True), 4: (1, True),
          5: (2, False), 6: (2, True), 7: (1, True), 9: (2, True),
          10: (2, True), 11: (2, True), 12: (2, True), 13: (2, True),
          14: (3, False), 15: (1, True), 16: (4, False), 17: (5, False),
          18: (4, False), 19: (4, False), 20: (1, True), 21: (1, True),
          22: (1, True), 23: (1, True), 26: (1, True), 27: (1, True),
          28: (1, True), 29: (1, True), 30: (1, True)}


# pool mode: what an object is charged (a Python object with its slots,
# its list, a pointer per field or element)
OBJ_BYTES = 112
SLOT_BYTES = 8
_ALLOCS = (0, 1, 6, 7, 8, 9, 10)


class _Block:
    """An object's pool block: given back when the object is freed
    (``__del__``, CPython; where finalisers do not run, with the
    instance's account). The free is queued on the account and done at
    its next charge, so a finaliser never runs inside the allocator."""

    __slots__ = ("acct", "off")

    def __init__(self, acct, off):
        self.acct = acct
        self.off = off

    def __del__(self):
        q = getattr(self.acct, "gc_pending", None)
        if q is not None:
            q.append(self.off)


def _charge(acct, n):
    """Charge an object of n fields / elements; Trap when it does not fit."""
    from wasmbed.core.errors import PoolExhausted
    q = getattr(acct, "gc_pending", None)
    if q is None:
        q = acct.gc_pending = []
    while q:
        off = q.pop()
        if off in acct.blocks:
            acct.free(off)
    try:
        return _Block(acct, acct.charge(OBJ_BYTES + SLOT_BYTES * n,
                                        "a GC object"))
    except PoolExhausted as e:
        raise Trap(str(e))


def _charged(acct, s, nfields, fn):
    """fn with each allocation charged to account acct first."""
    if s == 0 or s == 1:
        def alloc(*args):
            k = _charge(acct, nfields)
            o = fn(*args)
            o.k = k
            return o
    elif s == 8:
        def alloc(*args):
            k = _charge(acct, len(args))
            o = fn(*args)
            o.k = k
            return o
    else:
        def alloc(*args):
            k = _charge(acct, args[-1])
            o = fn(*args)
            o.k = k
            return o
    return alloc


def make(inst, ins):
    """-> (nargs, has_result, fn) for GC instruction ``ins`` in instance
    ``inst`` (ref.eq included)."""
    module = inst.module
    if ins[0] == O.REF_EQ:
        return 2, True, ref_eq
    n, res = arity(module, ins)
    fn = _fn(inst, module, ins)
    acct = getattr(inst, "host_account", None)
    s = ins[0] - _FB
    if acct is not None and s in _ALLOCS:
        nf = len(module.types[ins[1]].fields) if s <= 1 else 0
        fn = _charged(acct, s, nf, fn)
    return n, res, fn


def _fn(inst, module, ins):
    s = ins[0] - _FB
    if s <= 5:
        r = rtt(module, ins[1])
        fields = module.types[ins[1]].fields
        if s == 0:
            masks = [_MASK.get(t) for t, _ in fields]
            if any(m is not None for m in masks):
                def new(*vals):
                    return Struct(r, [v if m is None else v & m
                                      for v, m in zip(vals, masks)])
                return new
            return lambda *vals: Struct(r, list(vals))
        if s == 1:
            zeros = [_zero(t) for t, _ in fields]
            return lambda: Struct(r, list(zeros))
        y = ins[2]
        if s == 5:
            m = _MASK.get(fields[y][0])

            def sset(o, v):
                if o is None:
                    raise Trap(NULL_STRUCT)
                o.f[y] = v if m is None else v & m
            return sset
        conv = _getter(fields[y][0], 1 if s == 3 else 0)
        if conv is None:
            def sget(o):
                if o is None:
                    raise Trap(NULL_STRUCT)
                return o.f[y]
        else:
            def sget(o):
                if o is None:
                    raise Trap(NULL_STRUCT)
                return conv(o.f[y])
        return sget
    if s == 15:
        def alen(o):
            if o is None:
                raise Trap(NULL_ARRAY)
            return len(o.a)
        return alen
    if s <= 19:
        r = rtt(module, ins[1])
        st = module.types[ins[1]].field[0]
        m = _MASK.get(st)
        return _array_fn(inst, s, ins, r, st, m)
    if s <= 23:
        test = tester(module, ins[1])
        if s <= 21:
            return lambda v: 1 if test(v) else 0

        def cast(v):
            if test(v):
                return v
            raise Trap(CAST_FAILURE)
        return cast
    if s == 26 or s == 27:
        return lambda v: v
    if s == 28:
        return lambda v: I31(v & 0x7FFFFFFF)
    if s == 29:
        def get_s(v):
            if v is None:
                raise Trap(NULL_I31)
            x = v.v
            return (x | 0x80000000) if x & 0x40000000 else x
        return get_s

    def get_u(v):
        if v is None:
            raise Trap(NULL_I31)
        return v.v
    return get_u


def _array_fn(inst, s, ins, r, st, m):
    if s == 6:
        def new(v, n):
            return Array(r, [v if m is None else v & m] * n)
        return new
    if s == 7:
        z = _zero(st)
        return lambda n: Array(r, [z] * n)
    if s == 8:
        if m is None:
            return lambda *vals: Array(r, list(vals))
        return lambda *vals: Array(r, [v & m for v in vals])
    if s == 9 or s == 10:
        which = s - 9
        seg = ins[2]

        def new_seg(off, n):
            return Array(r, _segment_values(inst, which, seg, off, n, st))
        return new_seg
    if 11 <= s <= 13:
        conv = _getter(st, 1 if s == 12 else 0)

        def aget(o, i):
            if o is None:
                raise Trap(NULL_ARRAY)
            a = o.a
            if i >= len(a):
                raise Trap(ARRAY_OOB)
            v = a[i]
            return v if conv is None else conv(v)
        return aget
    if s == 14:
        def aset(o, i, v):
            if o is None:
                raise Trap(NULL_ARRAY)
            a = o.a
            if i >= len(a):
                raise Trap(ARRAY_OOB)
            a[i] = v if m is None else v & m
        return aset
    if s == 16:
        def fill(o, d, v, n):
            if o is None:
                raise Trap(NULL_ARRAY)
            a = o.a
            if d + n > len(a):
                raise Trap(ARRAY_OOB)
            a[d:d + n] = [v if m is None else v & m] * n
        return fill
    if s == 17:
        def copy(o, d, src, si, n):
            if o is None or src is None:
                raise Trap(NULL_ARRAY)
            a = o.a
            b = src.a
            if d + n > len(a) or si + n > len(b):
                raise Trap(ARRAY_OOB)
            a[d:d + n] = b[si:si + n]
        return copy
    which = s - 18
    seg = ins[2]

    def init(o, d, si, n):
        if o is None:
            raise Trap(NULL_ARRAY)
        a = o.a
        if d + n > len(a):
            raise Trap(ARRAY_OOB)
        a[d:d + n] = _segment_values(inst, which, seg, si, n, st)
    return init
