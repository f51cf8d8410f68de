"""Account: the pool blocks charged for one owner's host memory.

In pool mode every structure whose size a module controls is charged to
the pool as a block before the host allocates it (the module binary, the
instance's functions and globals, and with ``charge_host_memory`` the
rates of core/host_charge.py). An ``Account`` holds one owner's blocks (a
loaded module's, an instance's) and gives them all back with
``release()``.
"""

from wasmbed.core import errors as E
from wasmbed.core.errors import PoolExhausted


class Account:
    """Pool blocks charged for one owner's host memory.

    ``charge(nbytes, what)`` -> a block handle; ``resize(handle, nbytes)``;
    ``release()`` frees every block (idempotent). ``charged`` is the sum
    of the sizes asked for. Raises PoolExhausted naming `what`.
    """

    def __init__(self, pool):
        self.pool = pool
        self.blocks = {}
        self.charged = 0

    def charge(self, nbytes, what):
        nbytes = max(1, nbytes)
        try:
            off = self.pool.alloc(nbytes)
        except PoolExhausted:
            raise PoolExhausted(E.HOST_CHARGE % (what, nbytes))
        self.blocks[off] = nbytes
        self.charged += nbytes
        return off

    def resize(self, off, nbytes, what):
        nbytes = max(1, nbytes)
        try:
            new = self.pool.realloc(off, nbytes)
        except PoolExhausted:
            raise PoolExhausted(E.HOST_CHARGE % (what, nbytes))
        self.charged += nbytes - self.blocks.pop(off)
        self.blocks[new] = nbytes
        return new

    def free(self, off):
        self.charged -= self.blocks.pop(off)
        self.pool.free(off)

    def release(self):
        blocks = self.blocks
        self.blocks = {}
        self.charged = 0
        for off in blocks:
            self.pool.free(off)


def account_of(obj):
    """The Account charged for `obj` (a Module or ModuleInstance), or None
    outside pool mode or when host memory is not charged."""
    return getattr(obj, "host_account", None)
