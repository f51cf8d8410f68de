"""Tables (the spec's table instances) and globals.

Table elements are references: None for null, a Function for funcref, any
host object for externref. The elements are a Python list; each element is
charged ELEM_CHARGE bytes (what a list slot costs the host: one pointer) to
the backing store (the pool in pool mode), so a guest's table.grow is
bounded by the same fixed buffer as its memory. The store limits
(max_table_elements, max_total_table_elements) bound tables in every mode.
"""

import struct

from wasmbed.core.errors import PoolExhausted

# Bytes a list slot costs: a pointer (8 on 64-bit hosts, 4 on 32-bit ones).
ELEM_CHARGE = struct.calcsize("P")
# Elements one table may hold when it has no store limits: a guest cannot
# make the host build a list of billions of references (table.grow returns
# -1, the constructor raises PoolExhausted beyond it).
MAX_TABLE_ELEMS = 10 * 1000 * 1000


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
        self.backing = backing
        self.limits = None
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

    def grow(self, delta, init):
        old = len(self.elems)
        new = old + delta
        limit = self.max if self.max is not None else 0xFFFFFFFF
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
        try:
            if self.backing is not None:
                self.handle, _ = self.backing.realloc(
                    self.handle, old * ELEM_CHARGE, new * ELEM_CHARGE)
            self.elems.extend([init] * delta)
        except (PoolExhausted, MemoryError, OverflowError):
            return -1
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
    """A global instance: ``type`` (GlobalType) and ``value``."""

    __slots__ = ("type", "value")

    def __init__(self, gtype, value):
        self.type = gtype
        self.value = value
