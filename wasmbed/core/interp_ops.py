"""Closures for the interpreter's less frequent operations.

Bulk memory, tables, references, memory.size/grow, throw and throw_ref,
and the generic ops
(saturating truncation; atomics and SIMD dispatch by opcode id). Kept out
of interp.py so the hot factories stay in one short file.
"""

from wasmbed.core import numeric as N
from wasmbed.core import memory as _memory
from wasmbed.core import table as _table
from wasmbed.core import errors as E
from wasmbed.core.errors import Trap, UncaughtException

M32 = 0xFFFFFFFF
M64 = 0xFFFFFFFFFFFFFFFF


def _trap(msg):
    raise Trap(msg)


def make(inst, ins, nxt, mem):
    k = ins[0]
    f = _FACTORIES.get(k)
    if f is None:
        raise ValueError("no interpreter op for %r" % (k,))
    return f(inst, ins, nxt, mem)


def _msize(inst, ins, nxt, M):
    d = ins[1]
    if len(ins) > 2:
        M = inst.memories[ins[2]]

    def op(R, M=M, d=d, nxt=nxt):
        R[d] = M.pages
        return nxt
    return op


def _mgrow(inst, ins, nxt, M):
    d, a = ins[1], ins[2]
    if len(ins) > 3:
        M = inst.memories[ins[3]]
    mask = M64 if M.is64 else M32

    def op(R, nxt=nxt, M=M, a=a, d=d, mask=mask):
        r = M.grow(R[a])
        R[d] = r & mask
        return nxt
    return op


def _mfill(inst, ins, nxt, M):
    d, v, n = ins[1], ins[2], ins[3]
    if len(ins) > 4:
        M = inst.memories[ins[4]]
    term = inst.term
    fill = _memory.fill

    def op(R, term=term, fill=fill, nxt=nxt, M=M, d=d, n=n, v=v):
        fill(M, R[d], R[v], R[n], term)
        return nxt
    return op


def _mcopy(inst, ins, nxt, M):
    d, s, n = ins[1], ins[2], ins[3]
    term = inst.term
    if len(ins) > 4:
        dst = inst.memories[ins[4]]
        src = inst.memories[ins[5]]
        between = _memory.copy_between

        def op(R, between=between, term=term, nxt=nxt, src=src, d=d, dst=dst, n=n, s=s):
            between(dst, R[d], src, R[s], R[n], term)
            return nxt
        return op
    copy = _memory.copy

    def op(R, copy=copy, term=term, nxt=nxt, M=M, d=d, n=n, s=s):
        copy(M, R[d], R[s], R[n], term)
        return nxt
    return op


def _minit(inst, ins, nxt, M):
    seg, d, s, n = ins[1], ins[2], ins[3], ins[4]
    if len(ins) > 5:
        M = inst.memories[ins[5]]
    datas = inst.datas
    term = inst.term
    init = _memory.init

    def op(R, init=init, term=term, nxt=nxt, seg=seg, datas=datas, M=M, d=d, n=n, s=s):
        init(M, R[d], datas[seg], R[s], R[n], term)
        return nxt
    return op


def _ddrop(inst, ins, nxt, M):
    seg = ins[1]
    datas = inst.datas

    def op(R, datas=datas, nxt=nxt, seg=seg):
        datas[seg] = b""
        return nxt
    return op


def _tget(inst, ins, nxt, M):
    tab = inst.tables[ins[1]]
    d, i = ins[2], ins[3]

    def op(R, d=d, i=i, nxt=nxt, tab=tab):
        idx = R[i]
        el = tab.elems
        if idx >= len(el):
            _trap(E.TRAP_TABLE_OOB)
        R[d] = el[idx]
        return nxt
    return op


def _tset(inst, ins, nxt, M):
    tab = inst.tables[ins[1]]
    i, v = ins[2], ins[3]

    def op(R, i=i, nxt=nxt, tab=tab, v=v):
        idx = R[i]
        el = tab.elems
        if idx >= len(el):
            _trap(E.TRAP_TABLE_OOB)
        el[idx] = R[v]
        return nxt
    return op


def _tsize(inst, ins, nxt, M):
    tab = inst.tables[ins[1]]
    d = ins[2]

    def op(R, d=d, nxt=nxt, tab=tab):
        R[d] = len(tab.elems)
        return nxt
    return op


def _tgrow(inst, ins, nxt, M):
    tab = inst.tables[ins[1]]
    d, v, n = ins[2], ins[3], ins[4]
    term = inst.term
    mask = M64 if tab.is64 else M32

    def op(R, term=term, mask=mask, nxt=nxt, d=d, n=n, tab=tab, v=v):
        R[d] = tab.grow(R[n], R[v], term) & mask
        return nxt
    return op


def _tfill(inst, ins, nxt, M):
    tab = inst.tables[ins[1]]
    i, v, n = ins[2], ins[3], ins[4]
    term = inst.term
    fill = _table.fill

    def op(R, fill=fill, term=term, nxt=nxt, i=i, n=n, tab=tab, v=v):
        fill(tab, R[i], R[v], R[n], term)
        return nxt
    return op


def _tcopy(inst, ins, nxt, M):
    TD = inst.tables[ins[1]]
    TS = inst.tables[ins[2]]
    d, s, n = ins[3], ins[4], ins[5]
    term = inst.term
    copy = _table.copy

    def op(R, copy=copy, term=term, nxt=nxt, TS=TS, TD=TD, d=d, n=n, s=s):
        copy(TD, R[d], TS, R[s], R[n], term)
        return nxt
    return op


def _tinit(inst, ins, nxt, M):
    seg = ins[1]
    tab = inst.tables[ins[2]]
    d, s, n = ins[3], ins[4], ins[5]
    elems = inst.elems
    term = inst.term
    init = _table.init

    def op(R, init=init, term=term, nxt=nxt, elems=elems, seg=seg, d=d, n=n, s=s, tab=tab):
        init(tab, R[d], elems[seg], R[s], R[n], term)
        return nxt
    return op


def _edrop(inst, ins, nxt, M):
    seg = ins[1]
    elems = inst.elems

    def op(R, elems=elems, nxt=nxt, seg=seg):
        elems[seg] = ()
        return nxt
    return op


def _isnull(inst, ins, nxt, M):
    d, a = ins[1], ins[2]

    def op(R, a=a, d=d, nxt=nxt):
        R[d] = 1 if R[a] is None else 0
        return nxt
    return op


def _reffunc(inst, ins, nxt, M):
    d = ins[1]
    fn = inst.funcs[ins[2]]

    def op(R, d=d, fn=fn, nxt=nxt):
        R[d] = fn
        return nxt
    return op


def _generic(inst, ins, nxt, M):
    opid, d, srcs, imms = ins[1], ins[2], ins[3], ins[4]
    f = N.UNOP.get(opid) if len(srcs) == 1 else None
    if f is not None and d is not None:
        a = srcs[0]

        def op(R, a=a, d=d, f=f, nxt=nxt):
            R[d] = f(R[a])
            return nxt
        return op
    if len(ins) > 5:
        M = inst.memories[ins[5]]
    handler = extension_handler(opid)
    if handler is None:
        from wasmbed.core.opcodes import NAME

        def op(R, NAME=NAME, opid=opid):
            _trap("unsupported instruction: %s" % NAME[opid])
        return op
    return handler(inst, M, opid, d, srcs, imms, nxt)


def extension_handler(opid):
    """The closure factory of an atomic (0xFE) or SIMD (0xFD) instruction,
    ``make(inst, M, opid, d, srcs, imms, nxt) -> op(R)`` (atomics.make,
    simd.make), or None: another opcode, or a firmware built without the
    module. The interpreter's generic ops and the fast tier
    (fast.Ctx.ext, for instructions without a kernel) both use it."""
    from wasmbed.core import opcodes as O
    if O.is_atomic(opid):
        try:
            from wasmbed.core import atomics
        except ImportError:
            return None
        return atomics.make
    if O.is_simd(opid):
        try:
            from wasmbed.core import simd
        except ImportError:
            return None
        return simd.make
    return None


def _throw(inst, ins, nxt, M):
    from wasmbed.core.exception import Exn     # a board imports it on use
    tag = inst.tags[ins[1]]
    srcs = ins[2]

    def op(R, Exn=Exn, srcs=srcs, tag=tag):
        raise UncaughtException(Exn(tag, tuple([R[s] for s in srcs])))
    return op


def _asnonnull(inst, ins, nxt, M):
    a = ins[1]

    def op(R, a=a, nxt=nxt):
        if R[a] is None:
            raise Trap(E.TRAP_NULL_REFERENCE)
        return nxt
    return op


def _br_null(inst, ins, nxt, M):
    """br_on_null (br_null) / br_on_non_null (br_nonnull): to ins[2]
    with the copies ins[3] when the reference in ins[1] is (not) null."""
    a, pos, cp = ins[1], ins[2], ins[3]
    if ins[0] == "br_null":
        def op(R, a=a, cp=cp, nxt=nxt, pos=pos):
            if R[a] is None:
                for d, s in cp:
                    R[d] = R[s]
                return pos
            return nxt
    else:
        def op(R, a=a, cp=cp, nxt=nxt, pos=pos):
            if R[a] is not None:
                for d, s in cp:
                    R[d] = R[s]
                return pos
            return nxt
    return op


def _gc(inst, ins, nxt, M):
    """A GC instruction: R[d] = fn(operands) (core/gc.py's functions)."""
    from wasmbed.core import gc
    d, srcs = ins[1], ins[2]
    fn = gc.make(inst, ins[3])[2]
    n = len(srcs)
    if d is None:
        def op(R, fn=fn, nxt=nxt, srcs=srcs):
            fn(*[R[s] for s in srcs])
            return nxt
    elif n == 1:
        a = srcs[0]

        def op(R, a=a, d=d, fn=fn, nxt=nxt):
            R[d] = fn(R[a])
            return nxt
    elif n == 2:
        a, b = srcs

        def op(R, a=a, b=b, d=d, fn=fn, nxt=nxt):
            R[d] = fn(R[a], R[b])
            return nxt
    else:
        def op(R, d=d, fn=fn, nxt=nxt, srcs=srcs):
            R[d] = fn(*[R[s] for s in srcs])
            return nxt
    return op


def _br_cast(inst, ins, nxt, M):
    """br_on_cast (to ins[2] with the copies ins[3] when the reference in
    ins[1] is of type ins[4]) and br_on_cast_fail (ins[5]: when not)."""
    from wasmbed.core import gc
    a, pos, cp, fail = ins[1], ins[2], ins[3], ins[5]
    test = gc.tester(inst.module, ins[4])

    def op(R, fail=fail, nxt=nxt, a=a, cp=cp, pos=pos, test=test):
        if test(R[a]) != fail:
            for d, s in cp:
                R[d] = R[s]
            return pos
        return nxt
    return op


def _throw_ref(inst, ins, nxt, M):
    from wasmbed.core.exception import throw_ref
    a = ins[1]

    def op(R, a=a, throw_ref=throw_ref):
        throw_ref(R[a])
    return op


_FACTORIES = {
    "msize": _msize, "mgrow": _mgrow, "mfill": _mfill, "mcopy": _mcopy,
    "minit": _minit, "ddrop": _ddrop, "tget": _tget, "tset": _tset,
    "tsize": _tsize, "tgrow": _tgrow, "tfill": _tfill, "tcopy": _tcopy,
    "tinit": _tinit, "edrop": _edrop, "isnull": _isnull,
    "reffunc": _reffunc, "generic": _generic,
    "throw": _throw, "throw_ref": _throw_ref,
    "asnonnull": _asnonnull, "br_null": _br_null, "br_nonnull": _br_null,
    "gc": _gc, "br_cast": _br_cast,
}
