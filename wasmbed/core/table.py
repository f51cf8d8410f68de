"""Tables (the spec's table instances) and globals.

Table elements are references: None for null, a Function for funcref, any
host object for externref. The elements are a Python list; each element is
charged ELEM_CHARGE bytes (what a list slot costs the host: one pointer) to
the backing store (the pool in pool mode), so a guest's table.grow is
bounded by the same fixed buffer as its memory. The store limits
(max_table_elements, max_total_table_elements) bound tables in every mode.

The bulk operations ``fill``, ``copy`` and ``init`` (table.fill/copy/init
in both tiers, and active element segments) and ``Table.grow`` work in
chunks of BULK_CHUNK elements: no temporary list is larger than a chunk,
and between chunks they poll a terminate flag.
"""

import struct

from wasmbed.core import errors as E
from wasmbed.core.errors import PoolExhausted, Trap
from wasmbed.core.memory import move

# Bytes a list slot costs: a pointer (8 on 64-bit hosts, 4 on 32-bit ones).
ELEM_CHARGE = struct.calcsize("P")
# Elements one table may hold when it has no store limits: a guest cannot
# make the host build a list of billions of references (table.grow returns
# -1, the constructor raises PoolExhausted beyond it). Also the default of
# RuntimeConfig(max_table_elements=) (wasmbed/config.py imports it).
MAX_TABLE_ELEMS = 10 * 1000 * 1000
# Elements one step of a bulk operation moves; the terminate flag is
# polled between steps.
BULK_CHUNK = 65536


def _poll(term):
    if term is not None and term[0] is not None:
        raise term[0]()


def _sub(f, ftype):
    """3.0: f's type is a declared subtype of ftype (canonical types)."""
    if ftype.key is None or not f.type.supers:
        return False
    from wasmbed.core import gc
    r1 = gc._func_rtt(f)
    r2 = gc._CANON.get(ftype.key)
    return r2 is not None and gc.is_sub(r1, r2)


class Table:
    """``elems`` list of references; ``max`` None when unbounded.

    grow(delta, init) returns the old size or -1 (over the maximum, the
    store limits, or no room in the backing store; never raises).

    ``limits`` a StoreLimits (or None): the table counts against it until
    release(); the constructor raises InstantiationError when the minimum,
    the elements of all tables or the table count is over a limit,
    PoolExhausted when the backing store (or the host) has no room.
    """

    def __init__(self, ttype, backing, init=None, limits=None):
        self.type = ttype
        self.elem_type = ttype.elem
        self.max = ttype.limits.max
        self.is64 = ttype.limits.is64      # table64: i64 indices
        self.top = 0xFFFFFFFFFFFFFFFF if self.is64 else 0xFFFFFFFF
        self.backing = backing
        self.limits = None
        self.owner = None   # the Module whose type indices elem_type uses
        self.handle = None
        self.elems = []
        n = ttype.limits.min
        if limits is not None:
            limits.add_table(n)
        elif n > MAX_TABLE_ELEMS:
            raise PoolExhausted()
        try:
            if backing is not None:
                self.handle, _ = backing.alloc(n * ELEM_CHARGE)
            try:
                self.elems = [init] * n
            except MemoryError:
                raise PoolExhausted()
        except BaseException:
            if self.handle is not None:
                backing.free(self.handle)
                self.handle = None
            if limits is not None:
                limits.remove_table(n)
            raise
        self.limits = limits

    def size(self):
        return len(self.elems)

    def callee(self, i, ftype):
        """call_indirect's (and return_call_indirect's) target: the function
        at element i, after the spec's checks, in their order. Raises
        Trap "undefined element" (i past the end), "uninitialized element"
        (a null element), "indirect call type mismatch" (its type is not
        ftype). Both tiers call this one resolver."""
        el = self.elems
        if i >= len(el):
            raise Trap(E.TRAP_UNDEFINED_ELEMENT)
        f = el[i]
        if f is None:
            raise Trap(E.TRAP_UNINITIALIZED_ELEMENT)
        if f.type is not ftype and f.type != ftype and not _sub(f, ftype):
            raise Trap(E.TRAP_INDIRECT_TYPE)
        return f

    def grow(self, delta, init, term=None):
        """-> the old size, or -1. ``term`` a terminate flag polled between
        chunks of BULK_CHUNK elements; when it fires the table keeps its old
        size and what it asks for is raised."""
        old = len(self.elems)
        new = old + delta
        limit = self.max if self.max is not None else self.top
        if new > limit:
            return -1
        lims = self.limits
        if lims is None:
            if new > MAX_TABLE_ELEMS:
                return -1
        elif not lims.table_growing(old, new):
            return -1
        if delta == 0:
            return old
        el = self.elems
        charged = False
        try:
            if self.backing is not None:
                self.handle, _ = self.backing.realloc(
                    self.handle, old * ELEM_CHARGE, new * ELEM_CHARGE)
                charged = True
            block = [init] * (delta if delta < BULK_CHUNK else BULK_CHUNK)
            left = delta
            while left:
                k = left if left < BULK_CHUNK else BULK_CHUNK
                el.extend(block if k == len(block) else block[:k])
                left -= k
                if left:
                    _poll(term)
        except BaseException as e:
            # undo a grow that failed or was terminated part-way
            del el[old:]
            if charged:
                try:
                    self.handle, _ = self.backing.realloc(
                        self.handle, new * ELEM_CHARGE, old * ELEM_CHARGE)
                except PoolExhausted:
                    pass
            if isinstance(e, (PoolExhausted, MemoryError, OverflowError)):
                return -1
            raise
        if lims is not None:
            lims.table_resized(old, new)
        return old

    def release(self):
        """Return the charge to the backing store and the table's count to
        the store limits; the table becomes empty. Idempotent."""
        if self.backing is not None and self.handle is not None:
            self.backing.free(self.handle)
        self.handle = None
        if self.limits is not None:
            self.limits.remove_table(len(self.elems))
            self.limits = None
        self.elems = []


class Global:
    """A global instance: ``type`` (GlobalType) and ``value``; ``owner``
    the Module whose type indices ``type`` uses (None: a host global)."""

    __slots__ = ("type", "value", "owner")

    def __init__(self, gtype, value, owner=None):
        self.type = gtype
        self.value = value
        self.owner = owner


def fill(tab, i, v, n, term=None):
    """table.fill: n elements from i set to v. Raises Trap (out of bounds,
    before anything is written) or what ``term`` asks for between chunks."""
    el = tab.elems
    if i + n > len(el):
        raise Trap(E.TRAP_TABLE_OOB)
    if n <= BULK_CHUNK:
        if n:
            el[i:i + n] = [v] * n
        return
    block = [v] * BULK_CHUNK
    end = i + n
    while i < end:
        _poll(term)
        k = end - i
        if k >= BULK_CHUNK:
            el[i:i + BULK_CHUNK] = block
            i += BULK_CHUNK
        else:
            el[i:end] = block[:k]
            i = end


def copy(dst, d, src, s, n, term=None):
    """table.copy, overlap-safe when dst is src. Raises Trap (out of
    bounds, before anything is written) or what ``term`` asks for between
    chunks."""
    move(dst.elems, d, src.elems, s, n, BULK_CHUNK, E.TRAP_TABLE_OOB, term)


def init(tab, d, items, s, n, term=None):
    """table.init (and an active element segment): n of ``items`` from s
    to d. Raises Trap (out of bounds, before anything is written) or what
    ``term`` asks for between chunks."""
    move(tab.elems, d, items, s, n, BULK_CHUNK, E.TRAP_TABLE_OOB, term)
