"""Tables (the spec's table instances) and globals.

Table elements are references: None for null, a Function for funcref, any
host object for externref. Each element is charged 4 bytes to the backing
store (the pool in pool mode), so a guest's table.grow is bounded by the
same fixed buffer as its memory; the elements themselves are a Python list.
"""

from wasmbed.core.errors import PoolExhausted

ELEM_CHARGE = 4
# Elements one table may hold, whatever its type allows: a guest cannot
# make the host build a list of billions of references (table.grow returns
# -1, instantiation raises PoolExhausted beyond it).
MAX_TABLE_ELEMS = 10 * 1000 * 1000


class Table:
    """``elems`` list of references; ``max`` None when unbounded.

    grow(delta, init) returns the old size or -1 (over the maximum or no
    room in the backing store; never raises).
    """

    def __init__(self, ttype, backing, init=None):
        self.type = ttype
        self.elem_type = ttype.elem
        self.max = ttype.limits.max
        self.backing = backing
        n = ttype.limits.min
        if n > MAX_TABLE_ELEMS:
            raise PoolExhausted()
        self.handle = None
        if backing is not None:
            self.handle, _ = backing.alloc(n * ELEM_CHARGE)
        self.elems = [init] * n

    def size(self):
        return len(self.elems)

    def grow(self, delta, init):
        old = len(self.elems)
        new = old + delta
        limit = self.max if self.max is not None else MAX_TABLE_ELEMS
        if new > limit or new > MAX_TABLE_ELEMS:
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
        return old

    def release(self):
        if self.backing is not None:
            self.backing.free(self.handle)
        self.handle = None
        self.elems = []


class Global:
    """A global instance: ``type`` (GlobalType) and ``value``."""

    __slots__ = ("type", "value")

    def __init__(self, gtype, value):
        self.type = gtype
        self.value = value
