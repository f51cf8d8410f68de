"""The platform interface: the only door from the engine to the host.

A port is one class implementing :class:`Platform`. The engine (``core/``),
the pool allocator and WASI never import a host module; everything they need
from the host (memory, threads, locks, clocks, console, entropy, files) comes
from a Platform object handed to them at run time.

Ports shipped with wasmbed:

- ``wasmbed.platform.linux.LinuxPlatform``: CPython on a POSIX OS.
- ``wasmbed.platform.baremetal.BaremetalPlatform``: MicroPython boards.
- ``wasmbed.platform.minimal.MinimalPlatform``: a single-threaded example
  port (docs/PORTING.md).

``wasmbed.platform.default_platform()`` picks the right one for the host.

Conventions shared by every method:

- Times and timeouts are integers in nanoseconds. A timeout of ``-1`` (or
  any negative value, :data:`WAIT_FOREVER`) waits forever, ``0`` polls.
- Sizes and offsets are bytes.
- Host failures surface as ``OSError(code, message)`` (``exc.errno`` is
  ``code``, on CPython and MicroPython alike) where ``code`` is one of the
  ``OS_E*`` numbers below (POSIX/Linux numbering, which MicroPython's
  ``errno`` also uses), except memory exhaustion in ``vm_map``/``vm_remap``,
  which is :class:`wasmbed.host_errors.PoolExhausted` on every port (the
  engine turns it into ``-1`` from ``memory.grow``).
- A capability a port lacks is announced by a ``HAS_*`` class attribute
  being False; the methods of that capability then fail cleanly as
  documented (they never hang or crash).

This module imports nothing from the host, so it runs on MicroPython.
"""

# --- clock ids (the numbering of WASI's ``clockid``) -------------------------
CLOCK_REALTIME = 0         # wall clock, ns since 1970-01-01 00:00 UTC
CLOCK_MONOTONIC = 1        # never goes back; arbitrary epoch
CLOCK_PROCESS_CPUTIME = 2  # CPU time of the whole process
CLOCK_THREAD_CPUTIME = 3   # CPU time of the calling thread

# --- memory protection bits (POSIX values) -----------------------------------
PROT_NONE = 0
PROT_READ = 1
PROT_WRITE = 2
PROT_EXEC = 4
PROT_RW = PROT_READ | PROT_WRITE

# --- timeouts ----------------------------------------------------------------
WAIT_FOREVER = -1

# --- error numbers carried by OSError (POSIX/Linux numbering) ----------------
OS_EAGAIN = 11    # a resource limit was hit (e.g. the thread cap): try later
OS_ENOMEM = 12    # the host is out of memory for a thread or handle
OS_EINVAL = 22    # a bad argument (unknown clock id, ...)
OS_ENOSYS = 38    # the port does not offer this capability at all


class Region(object):
    """A block of memory returned by :meth:`Platform.vm_map`.

    ``buf``: a writable bytearray or memoryview of exactly ``size`` bytes;
    ``size``: the usable size in bytes; ``prot``: the protection last asked
    for (``PROT_*`` bits); ``reserved``: bytes set aside for the region, at
    least ``size`` (growth up to it need not move or copy the contents);
    ``handle``: the port's own bookkeeping (an mmap, a pool offset, ...).

    ``buf`` may change on every :meth:`Platform.vm_remap`: always re-read it
    from the region returned by the last remap, and keep no view of an old
    ``buf`` across a remap or an unmap.
    """

    __slots__ = ("buf", "size", "prot", "reserved", "handle")

    def __init__(self, buf, size, prot=PROT_RW, reserved=0, handle=None):
        self.buf = buf
        self.size = size
        self.prot = prot
        self.reserved = reserved if reserved > size else size
        self.handle = handle

    def __repr__(self):
        return "Region(size=%d, reserved=%d, prot=%d)" % (
            self.size, self.reserved, self.prot)


class ThreadHandle(object):
    """A thread started by :meth:`Platform.thread_create`.

    ``ident``: the new thread's :meth:`Platform.thread_self` value, set
    before ``thread_create`` returns; ``stack_size``: the stack size the port
    applied (bytes; 0 means the host's default); ``done``: True once ``fn``
    has returned or raised; ``result``: what ``fn`` returned; ``error``: the
    exception ``fn`` raised, or None. ``port_data`` is the port's own.

    Ports run the thread body through :meth:`run`, which records the outcome
    and never lets an exception escape into the host's thread machinery.
    """

    __slots__ = ("fn", "arg", "ident", "stack_size", "done", "result",
                 "error", "port_data")

    def __init__(self, fn, arg, stack_size=0):
        self.fn = fn
        self.arg = arg
        self.ident = None
        self.stack_size = stack_size
        self.done = False
        self.result = None
        self.error = None
        self.port_data = None

    def run(self):
        """Call ``fn(arg)`` and record ``result`` or ``error`` (never raises)."""
        try:
            self.result = self.fn(self.arg)
        except BaseException as exc:  # noqa: B902 - the joiner re-raises it
            self.error = exc

    def outcome(self):
        """What ``thread_join`` gives back: ``result``, or ``error`` raised."""
        if self.error is not None:
            raise self.error
        return self.result

    def __repr__(self):
        return "ThreadHandle(ident=%r, done=%r)" % (self.ident, self.done)


class ConsoleStream(object):
    """The shape of ``Platform.stdin``/``stdout``/``stderr`` (documentation
    and a convenient base class; ports may use any object with these methods).

    ``read(n)``: block until at least one byte is available (or end of
    input), then return up to ``n`` bytes; ``b""`` means end of input.
    ``write(data)``: write all of ``data`` (bytes-like); return ``len(data)``.
    ``readable(timeout_ns)``: True as soon as ``read`` would not block (data
    waiting, or end of input), False when ``timeout_ns`` passes first.
    ``flush()``: push buffered output to the device. ``isatty()``: True for a
    terminal-like device (a UART, a tty).
    """

    def read(self, n):
        raise NotImplementedError("read")

    def write(self, data):
        raise NotImplementedError("write")

    def readable(self, timeout_ns=0):
        raise NotImplementedError("readable")

    def flush(self):
        pass

    def isatty(self):
        return False


class MemoryStream(ConsoleStream):
    """A console stream over memory: what is ``feed()``-ed is read back, what
    is written is collected (``getvalue()``/``take()``).

    It never blocks: with nothing fed, ``read`` returns ``b""`` and
    ``readable`` returns False immediately, whatever the timeout (only the
    same thread could feed it in a single-threaded port). After
    ``close_input()``, ``readable`` is True and ``read`` returns ``b""``
    (end of input) once the fed bytes are consumed. Not thread-safe.
    """

    def __init__(self, data=b""):
        self._in = bytearray(data)
        self._out = bytearray()
        self._eof = False

    def feed(self, data):
        """Append ``data`` to what ``read`` will return."""
        self._in.extend(data)

    def close_input(self):
        """Mark the end of input."""
        self._eof = True

    def read(self, n):
        if n <= 0:
            return b""
        data = bytes(self._in[:n])
        self._in = self._in[len(data):]
        return data

    def write(self, data):
        self._out.extend(data)
        return len(data)

    def readable(self, timeout_ns=0):
        return bool(self._in) or self._eof

    def getvalue(self):
        """Everything written so far (bytes)."""
        return bytes(self._out)

    def take(self):
        """Everything written since the last take(), then forget it."""
        data = bytes(self._out)
        self._out = bytearray()
        return data


class Mutex(object):
    """The shape of what :meth:`Platform.mutex_new` returns (documentation).

    Non-recursive: a thread that holds it and acquires it again waits (and,
    with a timeout, gets False). Releasing a mutex one does not hold is an
    error the port need not detect. Usable as a context manager (``with m:``
    acquires forever and releases).
    """

    def acquire(self, timeout_ns=WAIT_FOREVER):
        """Take the mutex; wait up to ``timeout_ns`` (negative: forever,
        0: try once). Returns True when taken, False on timeout."""
        raise NotImplementedError("acquire")

    def release(self):
        """Give the mutex back; one waiter (if any) may then take it."""
        raise NotImplementedError("release")

    def __enter__(self):
        self.acquire()
        return self

    def __exit__(self, *exc):
        self.release()
        return False


class Cond(object):
    """The shape of what :meth:`Platform.cond_new` returns (documentation).

    A condition variable used with a :class:`Mutex` from the same platform.
    The caller holds the mutex around ``wait``, ``signal`` and
    ``broadcast``. Waiters are woken in FIFO order; ``signal`` wakes exactly
    one waiter (the conformance suite checks it). A signal with no waiter is
    lost (condvars have no memory), so callers re-check their predicate in a
    loop around ``wait``, as with POSIX condvars.
    """

    def wait(self, mutex, timeout_ns=WAIT_FOREVER):
        """Release ``mutex``, sleep until signalled or ``timeout_ns`` passes
        (negative: forever), take ``mutex`` again (also on timeout).
        Returns True when woken by signal/broadcast, False on timeout."""
        raise NotImplementedError("wait")

    def signal(self):
        """Wake the longest-waiting waiter, if any."""
        raise NotImplementedError("signal")

    def broadcast(self):
        """Wake every current waiter."""
        raise NotImplementedError("broadcast")


def check_range(region, offset, size):
    """Raise ValueError unless ``[offset, offset + size)`` lies in ``region``."""
    if offset < 0 or size < 0 or offset + size > region.size:
        raise ValueError("range [%d, %d) outside region of %d bytes"
                         % (offset, offset + size, region.size))


class Platform(object):
    """The interface every port implements (subclass it; override methods).

    Capability flags (class attributes; the defaults here are those of a
    port with none of the optional parts):

    ``HAS_THREADS``     thread_create/join work and ``max_threads() > 0``.
                        False: ``thread_create`` raises OSError(OS_ENOSYS),
                        ``max_threads()`` is 0; mutexes and condvars still
                        work within the one thread (a wait can only time out).
    ``HAS_VM``          vm_map/vm_remap/vm_unmap work (even if backed by
                        plain buffers). False: they raise OSError(OS_ENOSYS)
                        and the runtime needs a pool ("pool" mode).
    ``HAS_VM_RESERVE``  vm_map honours ``reserve``: vm_remap up to the
                        reservation keeps the contents in place (no copy).
    ``HAS_VM_PROTECT``  vm_protect is enforced by the host. False: it only
                        checks its arguments (accesses are bounds-checked in
                        software anyway).
    ``HAS_CPU_CLOCKS``  CLOCK_PROCESS_CPUTIME/CLOCK_THREAD_CPUTIME measure CPU
                        time. False: they count elapsed monotonic time since
                        the platform (resp. the thread) started, which is the
                        CPU time of a single-core board that runs only us.

    Attributes: ``NAME`` (a short port name), ``stdin``/``stdout``/``stderr``
    (console streams, see :class:`ConsoleStream`; never None on a finished
    port, though a port may make them discard output / read end of input),
    ``files`` (None, or an object implementing
    ``wasmbed.platform_fs.FileSystem``: WASI's preopened directories go
    through it; None makes WASI answer ``ENOTSUP``/``ENOSYS`` for paths).
    """

    NAME = "abstract"
    HAS_THREADS = False
    HAS_VM = False
    HAS_VM_RESERVE = False
    HAS_VM_PROTECT = False
    HAS_CPU_CLOCKS = False

    stdin = None   # type: ConsoleStream | None
    stdout = None  # type: ConsoleStream | None
    stderr = None  # type: ConsoleStream | None
    files = None   # type: object  # a wasmbed.platform_fs.FileSystem or None

    # ------------------------------------------------------ virtual memory

    def page_size(self):
        """The granularity of vm_map (bytes, a power of two): ports may round
        every region's reservation up to a multiple of it."""
        raise NotImplementedError("page_size")

    def vm_map(self, size, prot=PROT_RW, reserve=0):
        """A new :class:`Region` of ``size`` bytes, all zero.

        ``prot``: ``PROT_*`` bits (recorded; enforced only with
        HAS_VM_PROTECT). ``reserve``: a hint, the largest size the region may
        be remapped to; with HAS_VM_RESERVE, growth up to it keeps the data
        in place. Raises PoolExhausted when the memory cannot be had,
        ValueError for a negative size, OSError(OS_ENOSYS) without HAS_VM.
        """
        raise unsupported()

    def vm_remap(self, region, new_size):
        """Resize ``region`` to ``new_size`` bytes; return the region to use
        from now on (it may be the same object, updated).

        The first ``min(old, new)`` bytes are kept; bytes past the old size
        read as zero. Re-read ``.buf`` afterwards. Raises PoolExhausted when
        the memory cannot be had (``region`` is then unchanged and still
        valid), ValueError for a negative size, OSError(OS_ENOSYS) without
        HAS_VM.
        """
        raise unsupported()

    def vm_unmap(self, region):
        """Give the region's memory back. The region and its ``buf`` must not
        be used afterwards; unmapping twice is harmless."""
        raise unsupported()

    def vm_protect(self, region, offset, size, prot):
        """Set ``prot`` on ``[offset, offset + size)`` of ``region``.

        May be a no-op (HAS_VM_PROTECT False); always raises ValueError when
        the range is not inside the region.
        """
        check_range(region, offset, size)

    # -------------------------------------------------------------- threads

    def thread_create(self, fn, arg, stack_size=0):
        """Start a thread running ``fn(arg)``; return a :class:`ThreadHandle`.

        ``stack_size``: bytes for the new thread's stack, 0 for the host's
        default; ports round it up to their minimum and granularity and
        record what they applied in ``handle.stack_size``. At most
        ``max_threads()`` threads made by this platform run at once: one
        more raises OSError(OS_EAGAIN), as does a host refusal. Without
        HAS_THREADS: OSError(OS_ENOSYS).
        """
        raise unsupported()

    def thread_join(self, handle):
        """Wait for the thread to finish; return what ``fn`` returned, or
        raise the exception ``fn`` raised. Joining again gives the same."""
        raise unsupported()

    def thread_self(self):
        """An int identifying the calling thread among live threads (hosts
        may reuse the number of a finished thread)."""
        return 0

    def thread_yield(self):
        """Let other threads run (a hint; returns at once without threads)."""
        pass

    def thread_stack_size(self):
        """Bytes of C stack the calling thread has in all, or 0 when the
        port cannot tell (then the runtime uses conservative defaults). The
        runtime derives from it how deep host functions may re-enter wasm,
        and whether a guest call needs a thread with a larger stack."""
        return 0

    def max_threads(self):
        """How many threads made by this platform may run at once: the
        host's (or the port's configured) cap; 0 without HAS_THREADS."""
        return 0

    # ---------------------------------------------------- mutex and condvar

    def mutex_new(self):
        """A new, unlocked, non-recursive :class:`Mutex`."""
        raise NotImplementedError("mutex_new")

    def cond_new(self):
        """A new :class:`Cond` with no waiters."""
        raise NotImplementedError("cond_new")

    # --------------------------------------------------------------- clocks

    def clock_ns(self, clock_id):
        """The time of ``clock_id`` (``CLOCK_*``) in ns. CLOCK_MONOTONIC
        never decreases. Raises OSError(OS_EINVAL) for an unknown id."""
        raise NotImplementedError("clock_ns")

    def clock_res_ns(self, clock_id):
        """The resolution of ``clock_id`` in ns (>= 1). Raises
        OSError(OS_EINVAL) for an unknown id."""
        raise NotImplementedError("clock_res_ns")

    def sleep_ns(self, ns):
        """Sleep at least ``ns`` nanoseconds (ports may oversleep by their
        scheduling granularity); ``ns <= 0`` returns at once."""
        raise NotImplementedError("sleep_ns")

    # --------------------------------------------------------- thread-local

    def tls_get(self, slot):
        """The calling thread's value for ``slot`` (any hashable key), or
        None when this thread never set it. A new thread starts empty."""
        raise NotImplementedError("tls_get")

    def tls_set(self, slot, value):
        """Set the calling thread's value for ``slot``; other threads do not
        see it. Ports drop a thread's values when it ends."""
        raise NotImplementedError("tls_set")

    # -------------------------------------------------------------- entropy

    def random_bytes(self, n):
        """``n`` bytes from the best entropy source the host has (a port
        whose source is not cryptographic says so in its docs)."""
        raise NotImplementedError("random_bytes")

    # ------------------------------------------------------------- lifetime

    def close(self):
        """Release what the port holds (console devices it opened, ...).
        The default does nothing; safe to call twice."""
        pass


def unsupported(what="this operation"):
    """The OSError(OS_ENOSYS) a port raises for a capability it lacks.
    (Always two arguments: CPython sets ``errno`` only then.)"""
    return OSError(OS_ENOSYS, "%s is not supported by this port" % what)


def clock_error(clock_id):
    """The OSError ports raise for an unknown clock id."""
    return OSError(OS_EINVAL, "unknown clock id %r" % (clock_id,))
