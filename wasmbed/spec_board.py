"""The board side of running spec scripts on a MicroPython board.

The host (``tests/board/spec_stream.py``) turns a spec script's JSON and
module files into a stream of records, compresses it (raw deflate, a
512-byte window) and feeds it over the raw REPL to ``serve()``, which reads
it from stdin. Frozen only into test firmware
(``tests/board/frozen/manifest.py``), never by the repository's
``manifest.py``.

On the wire (stdin), lines: ``Z <base64>`` (the next piece of the
compressed stream) and ``S`` (answered ``ok`` once every piece before it
has been used up: the host's flow control). Records in the stream, one
per line, fields separated by one space (``.``: none; a field that is not
plain ASCII comes as ``%`` and its UTF-8 in hex):

- ``W <n>``, then n raw bytes: the module buffer.
- ``M <line> <name> <tier>``: instantiate a module, which becomes the
  current module (and ``name``'s): tier ``i``: the buffer's ``.wasm`` on
  the interpreter; tier ``r:<file>``: the ``.wasm`` file ``<file>`` of the
  board's ROMFS (``/rom``), read in place from flash, on the interpreter;
  tier ``a:<mod>``: AOT module ``<mod>`` (its ``.mpy``
  written on the host by ``wasmbed compile`` and mpy-cross, imported from
  the board's ROMFS in ``/rom``, where its code stays in flash) on the
  fast tier.
- ``B <line> <kind> <tier> <text>``: the buffer's module must fail: kind
  ``malformed`` (decode), ``invalid`` (validate), ``unlinkable``,
  ``uninstantiable`` or ``trap`` (instantiation), with a message matching
  ``text`` (the spec runner's prefix rule).
- ``R <as> <name>``: register a module's exports under ``as``.
- ``A <line> <mod> <field> <args> <results>``: assert_return;
  ``I <line> <mod> <field> <args>``: an action that must not trap;
  ``G <line> <mod> <field> <results>``: assert_return of a global;
  ``T``/``X <line> <mod> <field> <args> <text>``: assert_trap and
  assert_exhaustion.
- ``Q``: the end: the board answers ``RESULT <passed> <failed> <free
  heap> <limited>``, one ``FAIL <line> <op> <why>`` per recorded failure
  (the first ``MAX_FAILS``), one ``LIMITED <line> <op> <why>`` per
  resource-limited command, ``END``, and ``serve`` returns.

Resource-limited: with a pool buffer, a memory may not grow past it (the
store limit ``max_memory_size``; the spec lets memory.grow fail at the
embedder's discretion, and it returns -1). A command that fails after such
a refusal is not counted as failed but as resource-limited, reported on
its own, as is a later failing command on an instance whose growth was
refused (its memory is smaller than the script expects); so is a call
through AOT that traps "call stack exhausted": the fast tier's wasm frames
are the board's Python frames, bounded by its C stack (about 40 on the
qemu boards' 10 KB), where the interpreter's live on the heap (the spec
lets the call stack be exhausted at any depth). The host decides which
commands may be so (test_spec.py).

Values (``args``, ``results``: comma-separated, ``-`` for none): ``i<u32>``,
``I<u64>``, ``f<bits>``, ``F<bits>`` (floats as their bit patterns; a
result may be ``fc``/``Fc`` canonical or ``fa``/``Fa`` arithmetic NaN),
``e<n>``/``en`` (externref n or null), ``rn`` (null funcref), ``r`` (any
non-null funcref); a result may be ``alt|alt`` (either). A MemoryError in a
command fails that command (its message says so) and the run goes on.
"""

import gc
import io
import sys

from wasmbed.config import RuntimeConfig
from wasmbed.core import numeric as N
from wasmbed.core.decode import decode_module
from wasmbed.core.errors import TRAP_STACK_EXHAUSTED as STACK_EXHAUSTED
from wasmbed.core.errors import (InvalidModule, LinkError, MalformedModule,
                                 PoolExhausted, Trap, WasmError)
from wasmbed.core.instance import HostFunction, WasmFunction
from wasmbed.core.limits import StoreLimits
from wasmbed.core.table import Global
from wasmbed.core.validate import validate_module
from wasmbed.runtime import LAZY_BODIES, LoadedModule, Runtime

MAX_FAILS = 8
# free heap (bytes) below which the code caches are dropped (Session.shed)
LOW_HEAP = 16 * 1024
# collect the heap every so many bytes allocated (gc.threshold): frequent
# collections keep short-lived objects (a decoded body) from spreading
# over the free heap between long-lived ones, which would leave no block
# for a growing list
GC_THRESHOLD = 4096
# the interpreter's frame-stack budget (bytes): deep enough for the
# suite's legitimate recursion (call_indirect's odd(200): 201 frames of
# 112 bytes), small enough that its runaway recursions exhaust it before
# the board's heap (a frame of theirs costs about 36 bytes of heap)
STACK_SIZE = 23 * 1024
ROM_DIR = "/rom"       # where the AOT modules are (the ROMFS partition)


class _Ref(object):
    """An externref the script made (``ref.extern n``)."""

    def __init__(self, n):
        self.n = n

    def __eq__(self, other):
        return isinstance(other, _Ref) and other.n == self.n


class _Spectest(object):
    """The registered ``spectest`` module; externs made on first import."""

    def __init__(self, store):
        self.core = self
        self.exports = self
        self._store = store
        self._made = {}

    def get(self, name, default=None):
        v = self._made.get(name)
        if v is None:
            from wasmbed.wast.spectest import spectest_export
            v = spectest_export(self._store, name)
            if v is None:
                return default
            self._made[name] = v
        return v


class _Region(object):
    """A platform_api.Region (not imported: its module costs a board 2.5
    KB of heap); ``handle``: [offset, size] in the _Pages buffer."""

    __slots__ = ("buf", "size", "prot", "reserved", "handle")

    def __init__(self, buf, size, prot, handle):
        self.buf = buf
        self.size = self.reserved = size
        self.prot = prot
        self.handle = handle


class _Pages(object):
    """The one platform service the spec scripts need, linear memories
    (``vm_map``, as platform_api.Platform has it), carved first-fit from
    one buffer allocated before the heap fragments; nothing else (no
    threads, clocks or console): the board's own port costs about 10 KB
    of heap to import. Growth moves a
    region when the bytes after it are taken; exhaustion is PoolExhausted
    (memory.grow then returns -1). ``refused`` counts the refusals."""

    HAS_VM = True

    def __init__(self, buf):
        self.view = memoryview(buf)
        self.used = []          # [offset, size] of live regions, by offset
        self.refused = 0

    def page_size(self):
        return 8

    def _place(self, size, skip=None):
        at = 0
        for r in self.used:
            if r is not skip:
                if r[0] - at >= size:
                    return at
                at = r[0] + r[1]
        if len(self.view) - at >= size:
            return at
        self.refused += 1
        raise PoolExhausted()

    def _zero(self, at, end):
        z = bytes(256)
        v = self.view
        while at < end:
            n = end - at if end - at < 256 else 256
            v[at:at + n] = z[:n]
            at += n

    def vm_map(self, size, prot=3, reserve=0):
        at = self._place(size)
        r = [at, size]
        self.used.append(r)
        self.used.sort()
        self._zero(at, at + size)
        return _Region(self.view[at:at + size], size, prot, r)

    def vm_remap(self, region, new_size):
        r = region.handle
        at, old = r
        if new_size > old:
            nxt = len(self.view)
            for u in self.used:
                if u[0] > at:
                    nxt = u[0]
                    break
            if at + new_size > nxt:
                to = self._place(new_size, r)
                self.view[to:to + old] = self.view[at:at + old]
                r[0] = at = to
                self.used.sort()
            self._zero(at + old, at + new_size)
        r[1] = new_size
        region.buf = self.view[at:at + new_size]
        region.size = region.reserved = new_size
        return region

    def vm_unmap(self, region):
        r = region.handle
        region.handle = None
        region.buf = bytearray(0)
        region.size = 0
        for i in range(len(self.used)):
            if self.used[i] is r:
                del self.used[i]
                return


def _field(s):
    if s.startswith("%"):
        import binascii
        return binascii.unhexlify(s[1:]).decode()
    return s


def _arg(s):
    t = s[0]
    if t == "i" or t == "I" or t == "f":
        return int(s[1:])
    if t == "F":
        return N.bits_to_f64(int(s[1:]))
    if t == "e":
        return None if s == "en" else _Ref(int(s[1:]))
    if t == "r":
        return None
    raise ValueError("bad value " + s)


def _matches(exp, got):
    if "|" in exp:
        for alt in exp.split("|"):
            if _matches(alt, got):
                return True
        return False
    t = exp[0]
    rest = exp[1:]
    if t == "i" or t == "I":
        return isinstance(got, int) and got == int(rest)
    if t == "f" or t == "F":
        if t == "F":
            # an f64 is a float, or its bits in soft float mode
            if isinstance(got, int) != N.soft or isinstance(got, bool):
                return False
            try:
                got = N.f64_to_bits(got)
            except (TypeError, ValueError):
                return False
        elif not isinstance(got, int):
            return False
        if rest == "c" or rest == "a":
            sign = 0x7FFFFFFF if t == "f" else 0x7FFFFFFFFFFFFFFF
            quiet = 0x7FC00000 if t == "f" else 0x7FF8000000000000
            if rest == "c":
                return got & sign == quiet
            return got & quiet == quiet
        return got == int(rest)
    if t == "e":
        if exp == "en":
            return got is None
        return got == _Ref(int(rest))
    if t == "r":
        if exp == "rn":
            return got is None
        return isinstance(got, (WasmFunction, HostFunction))
    return False


def _show(v):
    if isinstance(v, float):
        return "F%d" % N.f64_to_bits(v)
    return repr(v)


def _prefix_ok(expected, got):
    return got.startswith(expected) or (got != "" and expected.startswith(got))


class _Failed(Exception):
    pass


class _Limited(_Failed):
    """A command the device could not run for want of a resource the spec
    lets an embedder bound (see Resource-limited above)."""


class _Limits(StoreLimits):
    """The store limits, counting the memory growths that
    ``max_memory_size`` (the device's buffer) refuses in ``session.refused``."""

    def __init__(self, session, *limits):
        StoreLimits.__init__(self, *limits)
        self.session = session

    def memory_growing(self, new_bytes):
        if StoreLimits.memory_growing(self, new_bytes):
            return True
        self.session.refused += 1
        return False


class Session(object):
    """One script's state on the board: a Runtime (with spectest), the
    module buffer, the current and named instances, the counts."""

    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.fails = []
        self.buf = b""
        self.rt = {}
        self.platform = None
        self.max_memory = None
        self.refused = 0        # memory growths the device limit refused
        self.limited = []       # commands that failed after such a refusal
        self.refused_in = {}    # id() of the instances a refusal hit
        self.last = None
        self.named = {}
        self.envs = {}
        self.modbuf = None      # the shared module buffer (serve's modbuf)
        self.buf_user = None    # the instance decoded from it, if any
        self.in_shared = False  # whether self.buf is in the shared buffer

    # -- state -------------------------------------------------------------
    def runtime(self, tier):
        rt = self.rt.get(tier)
        if rt is None:
            mode = "fast" if tier == "a" else "interp"
            rt = Runtime(RuntimeConfig(mem_alloc_type="system", mode=mode,
                                       default_stack_size=STACK_SIZE,
                                       platform=self.platform))
            if rt.mode != mode:
                raise _Failed("no %s tier on this board" % mode)
            if self.max_memory is not None:
                old = rt.store.limits
                rt.store.limits = _Limits(self, self.max_memory,
                                          old.max_table_elements,
                                          old.max_total_table_elements,
                                          old.max_instances, old.max_tables,
                                          old.max_memories)
            rt.register("spectest", _Spectest(rt.store))
            self.rt[tier] = rt
        return rt

    def load(self, tier):
        """The buffer (tier ``i``) or the AOT module a tier ``a:<name>``
        names -> LoadedModule; raises WasmError, _Failed."""
        if tier == "i" or tier[0] == "r":
            data = self.buf if tier == "i" else self.rom_file(tier[2:])
            module = decode_module(data, threads=False, lazy=LAZY_BODIES)
            validate_module(module)
            rt = self.runtime("i")
            return LoadedModule(rt, module, None)
        return self.load_aot(tier[2:])

    def rom_file(self, name):
        """A read-only memoryview of file ``name`` of the board's ROMFS
        (its bytes in flash: no heap for them), or the file's bytes where
        files are not buffers (CPython); raises _Failed."""
        try:
            f = open(ROM_DIR + "/" + name, "rb")
        except OSError as e:
            raise _Failed("no module %s in %s: %s" % (name, ROM_DIR, e))
        try:
            return memoryview(f)
        except TypeError:
            with f:
                return f.read()

    def load_aot(self, name):
        """Import AOT module ``name`` (an .mpy on the board's filesystem,
        e.g. its ROMFS, where its code runs in place) and load it."""
        if ROM_DIR not in sys.path:
            sys.path.append(ROM_DIR)
        try:
            mod = __import__(name)
        except ImportError as e:
            raise _Failed("no AOT module %s on the board: %s" % (name, e))
        sys.modules.pop(name, None)
        try:
            return self.runtime("a").load_aot(mod)
        finally:
            del mod

    def instantiate(self, tier):
        loaded = self.load(tier)
        return self.runtime("a" if tier[0] == "a" else "i").instantiate(
            loaded, stack_size=STACK_SIZE)

    def drop_last(self):
        """Forget the current module unless it is named; its memory goes
        back to the pool."""
        last = self.last
        self.last = None
        if last is not None and not any(v is last for v in self.named.values()):
            self.envs.pop(id(last), None)
            try:
                last.deinstantiate()
            except WasmError:
                pass
        gc.collect()

    def alive(self, inst):
        """Whether a script command may still reach ``inst``."""
        if inst is self.last:
            return True
        for v in self.named.values():
            if v is inst:
                return True
        for rt in self.rt.values():
            for v in rt.registered.values():
                if v is inst:
                    return True
        return False

    def buffer(self, n):
        """A memoryview of n bytes to receive the next module into: the
        shared buffer (``modbuf``) unless a module decoded from it is still
        reachable (its bodies are decoded again from those bytes, see
        decode.py's lazy bodies), else a bytearray of its own. The current
        module is dropped first: the record after a buffer is always M or
        B, which drop it anyway."""
        self.drop_last()
        mb = self.modbuf
        if mb is not None and self.buf_user is not None:
            if self.buf_user is True or self.alive(self.buf_user):
                self.modbuf = mb = None     # that module keeps it
            self.buf_user = None
        self.in_shared = mb is not None and n <= len(mb)
        if not self.in_shared:
            return memoryview(bytearray(n))
        return memoryview(mb)[:n]

    def reserve(self, buf):
        """Carve linear memories from ``buf`` (a bytearray the caller
        allocated first thing after a soft reset, before the heap
        fragments: a 64 KiB page needs one free block that large), through
        a ``_Pages`` platform; a memory may not grow past ``len(buf)``
        (a store limit: such a refusal is counted, see ``Session.limited``)."""
        self.platform = _Pages(buf)
        self.max_memory = len(buf)

    def target(self, name):
        inst = self.named.get(name) if name != "." else self.last
        if inst is None:
            raise _Failed("no module instance")
        return inst

    def invoke(self, mod, field, args):
        inst = self.target(mod)
        f = inst.core.exports.get(_field(field))
        if not isinstance(f, (WasmFunction, HostFunction)):
            raise _Failed("no function export %s" % field)
        env = self.envs.get(id(inst))
        if env is None:
            env = inst.create_exec_env(STACK_SIZE)
            self.envs[id(inst)] = env
        vals = [] if args == "-" else [_arg(a) for a in args.split(",")]
        return env.invoke_raw(f, vals)

    # -- commands ----------------------------------------------------------
    def check_results(self, got, results):
        exps = [] if results == "-" else results.split(",")
        if len(got) != len(exps):
            raise _Failed("expected %d results, got %d" % (len(exps), len(got)))
        for exp, g in zip(exps, got):
            if not _matches(exp, g):
                raise _Failed("expected %s, got %s" % (exp, _show(g)))

    def expect_error(self, cls, text, fn):
        try:
            fn()
        except cls as e:
            msg = getattr(e, "message", None) or str(e)
            if not _prefix_ok(text, msg):
                raise _Failed("expected %r, got %s %r"
                              % (text, type(e).__name__, msg))
            return
        except (_Failed, MemoryError):
            raise
        except Exception as e:
            raise _Failed("expected %s %r, got %s %r" % (
                cls.__name__, text, type(e).__name__, str(e)))
        raise _Failed("expected %s %r, nothing raised" % (cls.__name__, text))

    def command(self, line):
        op = line[0]
        parts = line.split(" ", 5)
        if op == "M":
            self.drop_last()
            shared = self.in_shared and parts[3] == "i"
            self.in_shared = False
            try:
                inst = self.instantiate(parts[3])
            except WasmError as e:
                if shared:
                    self.buf_user = True    # what it left may use the bytes
                raise _Failed("module failed: %s %r" % (type(e).__name__,
                                                        getattr(e, "message", e)))
            finally:
                self.buf = b""
            if shared:
                self.buf_user = inst
            self.last = inst
            if parts[2] != ".":
                self.named[parts[2]] = inst
            return True
        if op == "B":
            kind, tier = parts[2], parts[3]
            text = line.split(" ", 4)[4] if len(parts) > 4 else ""
            self.drop_last()
            if self.in_shared and kind not in ("malformed", "invalid"):
                # a failed instantiation may leave its functions in an
                # imported table: keep the bytes their bodies come from
                self.buf_user = True
            self.in_shared = False
            try:
                data = self.buf
                if kind == "malformed":
                    self.expect_error(MalformedModule, text,
                                      lambda: decode_module(data, threads=False))
                elif kind == "invalid":
                    self.expect_error(InvalidModule, text, lambda: validate_module(
                        decode_module(data, threads=False)))
                elif kind == "unlinkable":
                    self.expect_error(LinkError, text, lambda: self.instantiate(tier))
                else:   # uninstantiable, trap
                    self.expect_error(WasmError, text, lambda: self.instantiate(tier))
            finally:
                self.buf = b""
            return True
        if op == "R":
            inst = self.target(parts[2])
            for rt in self.rt.values():
                rt.register(_field(parts[1]), inst)
            return None
        if op == "A" or op == "I":
            try:
                got = self.invoke(parts[2], parts[3], parts[4])
            except Trap as e:
                if e.message == STACK_EXHAUSTED and "a" in self.rt:
                    raise _Limited("trapped: %s (the board's C stack)" % e.message)
                raise _Failed("trapped: %s" % e.message)
            if op == "A":
                self.check_results(got, parts[5])
            return True
        if op == "G":
            g = self.target(parts[2]).core.exports.get(_field(parts[3]))
            if not isinstance(g, Global):
                raise _Failed("no global export %s" % parts[3])
            self.check_results([g.value], parts[4])
            return True
        if op == "T" or op == "X":
            text = parts[5] if len(parts) > 5 else ""
            self.expect_error(Trap, text,
                              lambda: self.invoke(parts[2], parts[3], parts[4]))
            return True
        raise _Failed("unknown command %r" % line[:20])

    def refusals(self):
        """Memory growths refused so far for want of device memory (the
        store limit or the ``_Pages`` buffer)."""
        p = self.platform
        return self.refused + (p.refused if isinstance(p, _Pages) else 0)

    def shed(self):
        """When the heap runs low (below LOW_HEAP bytes free), drop the
        interpreter's code caches (each function's lowered IR and
        closures, rebuilt on its next call) of every instance: a board
        recompiles rather than run out of RAM."""
        free = getattr(gc, "mem_free", None)     # MicroPython only
        if free is None or free() >= LOW_HEAP:
            return
        seen = [self.last] + list(self.named.values())
        for rt in self.rt.values():
            seen.extend(rt.registered.values())
        interp = self.rt.get("i")
        for inst in seen:
            core = getattr(inst, "core", None)
            if core is None or interp is None or \
                    getattr(inst, "runtime", None) is not interp:
                continue        # the fast tier's code is bound once
            for f in core.funcs:
                if isinstance(f, WasmFunction) and f.instance is core:
                    f.compiled = None
            funcs = core.module.funcs
            if type(funcs) is list:     # a lazily decoded one keeps no IR
                for d in funcs:
                    d.compiled = None
        gc.collect()

    def run_line(self, line):
        if line[0] in "AITXG":
            self.shed()
        refused = self.refusals()
        inst = None
        if line[0] in "AITXG":
            parts = line.split(" ", 3)
            inst = self.named.get(parts[2]) if parts[2] != "." else self.last
        try:
            counted = self.command(line)
        except _Limited as e:
            self.limited.append("%s %s %s" % (line.split(" ", 2)[1], line[0], e))
            return
        except _Failed as e:
            if self.refusals() != refused or (inst is not None and
                                              id(inst) in self.refused_in):
                if inst is not None:
                    self.refused_in[id(inst)] = True
                self.limited.append("%s %s %s" % (line.split(" ", 2)[1], line[0], e))
                return
            self.fail(line, str(e))
            return
        except MemoryError as e:
            self.buf = b""
            gc.collect()
            self.fail(line, "MemoryError (board out of RAM, %d bytes free): %s"
                      % (gc.mem_free(), e))
            return
        except Exception as e:   # a runtime bug: report it, keep going
            self.fail(line, "internal error: %s %s" % (type(e).__name__, e))
            return
        if counted:
            self.passed += 1
        if inst is not None and self.refusals() != refused:
            self.refused_in[id(inst)] = True

    def fail(self, line, why):
        self.failed += 1
        if len(self.fails) < MAX_FAILS:
            parts = line.split(" ", 2)
            where = parts[1] if len(parts) > 1 else "?"
            try:
                self.fails.append("%s %s %s" % (where, line[0], why))
            except MemoryError:     # counted; its text does not fit
                gc.collect()

    def report(self, write):
        gc.collect()
        write("RESULT %d %d %d %d\n" % (self.passed, self.failed, gc.mem_free(),
                                         len(self.limited)))
        for f in self.fails:
            write("FAIL %s\n" % f)
        for f in self.limited:
            write("LIMITED %s\n" % f)
        write("END\n")

    def close(self):
        self.last = None
        self.named = {}
        self.envs = {}
        self.rt = {}
        self.platform = None
        gc.collect()


class _Wire(io.IOBase):
    """The compressed stream as it arrives on stdin in ``Z`` lines,
    answering ``S`` lines with ``ok``."""

    def __init__(self, stdin, write):
        self.stdin = stdin
        self.write = write
        self.pending = b""
        self.pos = 0

    def readinto(self, buf):
        import binascii
        while self.pos >= len(self.pending):
            line = self.stdin.readline()
            if not line:
                return 0
            if line[0] == "S":
                self.write("ok\n")
            elif line[0] == "Z":
                self.pending = binascii.a2b_base64(line[2:].rstrip())
                self.pos = 0
        n = len(self.pending) - self.pos
        if n > len(buf):
            n = len(buf)
        buf[0:n] = memoryview(self.pending)[self.pos:self.pos + n]
        self.pos += n
        return n

    def ioctl(self, req, arg):
        return 0


WINDOW_BITS = 9


def _read_into(stream, view):
    """Fill ``view`` (a memoryview) from ``stream`` in small steps (a
    stream's read(n) may ask the heap for more than n at once); -> view."""
    n = len(view)
    got = 0
    while got < n:
        k = stream.readinto(view[got:got + 512 if n - got > 512 else n])
        if not k:
            break
        got += k
    return view


def serve(pool=None, stdin=None, write=None, modbuf=None):
    """Run the records of the stream arriving on ``stdin`` (default:
    ``sys.stdin``) until ``Q``; see the module docstring. ``write``
    (default: ``sys.stdout``'s) takes the answers. ``pool``: a bytearray
    to carve linear memories from (see ``Session.reserve``); None: each
    memory is a bytearray of its own. ``modbuf``: a bytearray as large as
    the largest module the stream sends, allocated with the pool, that
    module bytes are received into (see ``Session.buffer``); None: one
    bytearray per module."""
    import deflate
    if stdin is None:
        stdin = sys.stdin
    if write is None:
        write = sys.stdout.write
    records = deflate.DeflateIO(_Wire(stdin, write), deflate.RAW, WINDOW_BITS)
    s = Session()
    if pool is not None:
        s.reserve(pool)
    s.modbuf = modbuf
    threshold = getattr(gc, "threshold", None)
    if threshold is not None:
        threshold(GC_THRESHOLD)
    try:
        while True:
            line = records.readline()
            if not line or line == b"Q\n":
                break
            if line[0] == 87:     # W <n>: n raw bytes follow
                s.buf = b""
                s.buf = _read_into(records, s.buffer(int(line[2:])))
                continue
            s.run_line(line.decode().rstrip("\n"))
        s.report(write)
    finally:
        s.close()
        if threshold is not None:
            threshold(-1)
