"""The board side of running spec scripts on a MicroPython board.

The host (``tests/board/spec_stream.py``) turns a spec script's JSON and
module files into a stream of records, compresses it (raw deflate, a
1 KiB window) and feeds it over the raw REPL to ``serve()``, which reads
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
  the interpreter; tier ``a:<mod>``: AOT module ``<mod>`` (its ``.mpy``
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
  heap>``, one ``FAIL <line> <op> <why>`` per recorded failure (the first
  ``MAX_FAILS``), ``END``, and ``serve`` returns.

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
from wasmbed.core.errors import (InvalidModule, LinkError, MalformedModule,
                                 Trap, WasmError)
from wasmbed.core.instance import HostFunction, WasmFunction
from wasmbed.core.table import Global
from wasmbed.core.validate import validate_module
from wasmbed.runtime import LoadedModule, Runtime

MAX_FAILS = 8
# the interpreter's frame-stack budget (bytes): deep enough for the
# suite's legitimate recursion, small enough for a board's heap
STACK_SIZE = 48 * 1024
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
            from wasmbed.spectest import spectest_export
            v = spectest_export(self._store, name)
            if v is None:
                return default
            self._made[name] = v
        return v


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
        self.last = None
        self.named = {}
        self.envs = {}

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
            rt.register("spectest", _Spectest(rt.store))
            self.rt[tier] = rt
        return rt

    def load(self, tier):
        """The buffer (tier ``i``) or the AOT module a tier ``a:<name>``
        names -> LoadedModule; raises WasmError, _Failed."""
        if tier == "i":
            module = decode_module(self.buf, threads=False)
            validate_module(module)
            rt = self.runtime(tier)
            return LoadedModule(rt, module, None)
        return self.load_aot(tier[2:])

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
        return self.runtime(tier[0]).instantiate(loaded, stack_size=STACK_SIZE)

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

    def reserve(self, buf):
        """Carve linear memories from a pool over ``buf`` (a bytearray the
        caller allocated first thing after a soft reset, before the heap
        fragments: a 64 KiB page needs one free block that large)."""
        from wasmbed.platform.baremetal import BaremetalPlatform
        from wasmbed.pool_alloc import Pool
        self.platform = BaremetalPlatform()
        self.platform.attach_pool(Pool(buf, self.platform.mutex_new()))

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
            try:
                inst = self.instantiate(parts[3])
            except WasmError as e:
                raise _Failed("module failed: %s %r" % (type(e).__name__,
                                                        getattr(e, "message", e)))
            finally:
                self.buf = b""
            self.last = inst
            if parts[2] != ".":
                self.named[parts[2]] = inst
            return True
        if op == "B":
            kind, tier = parts[2], parts[3]
            text = line.split(" ", 4)[4] if len(parts) > 4 else ""
            self.drop_last()
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

    def run_line(self, line):
        try:
            counted = self.command(line)
        except _Failed as e:
            self.fail(line, str(e))
            return
        except MemoryError as e:
            self.buf = b""
            gc.collect()
            self.fail(line, "MemoryError (board out of RAM): %s" % e)
            return
        except Exception as e:   # a runtime bug: report it, keep going
            self.fail(line, "internal error: %s %s" % (type(e).__name__, e))
            return
        if counted:
            self.passed += 1

    def fail(self, line, why):
        self.failed += 1
        if len(self.fails) < MAX_FAILS:
            parts = line.split(" ", 2)
            where = parts[1] if len(parts) > 1 else "?"
            self.fails.append("%s %s %s" % (where, line[0], why))

    def report(self, write):
        gc.collect()
        write("RESULT %d %d %d\n" % (self.passed, self.failed, gc.mem_free()))
        for f in self.fails:
            write("FAIL %s\n" % f)
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


WINDOW_BITS = 10


def _read_exactly(stream, n):
    """n bytes from ``stream`` as one bytes object, read in small steps
    (a stream's read(n) may ask the heap for more than n at once)."""
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        k = stream.readinto(view[got:got + 512 if n - got > 512 else n])
        if not k:
            break
        got += k
    del view
    return buf


def serve(pool=None, stdin=None, write=None):
    """Run the records of the stream arriving on ``stdin`` (default:
    ``sys.stdin``) until ``Q``; see the module docstring. ``write``
    (default: ``sys.stdout``'s) takes the answers. ``pool``: a bytearray
    to carve linear memories from (see ``Session.reserve``); None: each
    memory is a bytearray of its own."""
    import deflate
    if stdin is None:
        stdin = sys.stdin
    if write is None:
        write = sys.stdout.write
    records = deflate.DeflateIO(_Wire(stdin, write), deflate.RAW, WINDOW_BITS)
    s = Session()
    if pool is not None:
        s.reserve(pool)
    try:
        while True:
            line = records.readline()
            if not line or line == b"Q\n":
                break
            if line[0] == 87:     # W <n>: n raw bytes follow
                s.buf = b""
                s.buf = _read_exactly(records, int(line[2:]))
                continue
            s.run_line(line.decode().rstrip("\n"))
        s.report(write)
    finally:
        s.close()
