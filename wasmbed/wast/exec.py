"""The execution half of the spec-script runner.

``ExecRunner`` extends script.WastRunner with the commands that need a
runtime: module instantiation and registration, actions (invoke, get),
assert_return (with NaN patterns, `either` and 3.0's reference kinds: see
NULL_KINDS and GC_KINDS), assert_trap, assert_exception (3.0: an uncaught
wasm exception), assert_exhaustion, assert_unlinkable and
assert_uninstantiable. Each script gets a fresh Runtime with the
`spectest` module registered. Values are compared in the internal
representation, bit for bit.
"""

import struct
import threading

from wasmbed.wast.script import WastRunner, CommandFailed, Skip, _describe
from wasmbed.config import RuntimeConfig
from wasmbed.runtime import Runtime, LoadedModule, ExecEnv
from wasmbed.wast.spectest import spectest_exports
from wasmbed.core.errors import WasmError, Trap, LinkError, UncaughtException
from wasmbed.core.instance import WasmFunction, HostFunction
from wasmbed.core.table import Global
from wasmbed.core.exception import Exn
from wasmbed.core import numeric as N

# the internal f64 value: a float, or its bits in soft float mode
_F64_TYPE = int if N.soft else float

M32 = 0xFFFFFFFF
M64 = 0xFFFFFFFFFFFFFFFF
# Stack budget for spec scripts: deep enough for every legitimate
# recursion in the suite, small enough that runaway recursion ends fast.
SPEC_STACK_SIZE = 4 * 1024 * 1024
# seconds a `wait` command waits for its thread
THREAD_TIMEOUT = 120


class HostRef:
    """An externref value made by the script (`ref.extern N`)."""

    __slots__ = ("n",)

    def __init__(self, n):
        self.n = n

    def __eq__(self, other):
        return isinstance(other, HostRef) and other.n == self.n

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return hash(self.n)

    def __repr__(self):
        return "ref.extern %d" % self.n


class _Registered:
    """What Runtime.registered holds: something with .core.exports."""

    def __init__(self, exports):
        self.core = self
        self.exports = exports


# Reference kinds of the 3.0 scripts (wasm-tools json-from-wast). The null
# kinds stand for a null reference of that heap type (``refnull``: of any);
# the others carry "null", a host reference number (externref, anyref), or
# no value: any non-null reference of the kind. The GC kinds' non-null
# values (arrays, structs, i31) cannot occur without GC: skipped.
NULL_KINDS = ("refnull", "nullref", "nullfuncref", "nullexternref", "nullexnref")
GC_KINDS = ("anyref", "eqref", "arrayref", "structref", "i31ref")


def parse_value(v):
    """A JSON argument value -> internal representation.

    Raises Skip for a value kind the engine has no values of."""
    t = v["type"]
    s = v.get("value")
    if t in NULL_KINDS or (s == "null" and (t == "exnref" or t in GC_KINDS)):
        return None
    if t == "anyref" and s is not None:
        return HostRef(int(s))      # ref.host N
    if t == "i32":
        return int(s) & M32
    if t == "i64":
        return int(s) & M64
    if t == "f32":
        return int(s) & M32
    if t == "f64":
        return N.bits_to_f64(int(s) & M64)
    if t == "externref":
        return None if s == "null" else HostRef(int(s))
    if t == "funcref":
        return None if s == "null" else s
    if t == "v128":
        return _v128_from_lanes(v["lane_type"], s)
    raise Skip("value type %s" % t)


_LANE_BITS = {"i8": 8, "i16": 16, "i32": 32, "i64": 64, "f32": 32, "f64": 64}


def _v128_from_lanes(lane_type, lanes):
    bits = _LANE_BITS[lane_type]
    mask = (1 << bits) - 1
    out = 0
    for i, s in enumerate(lanes):
        out |= (int(s) & mask) << (i * bits)
    return out


def _f32_matches(expected, bits):
    if expected == "nan:canonical":
        return bits & 0x7FFFFFFF == 0x7FC00000
    if expected == "nan:arithmetic":
        return bits & 0x7FC00000 == 0x7FC00000
    return bits == int(expected) & M32


def _f64_matches(expected, bits):
    if expected == "nan:canonical":
        return bits & 0x7FFFFFFFFFFFFFFF == 0x7FF8000000000000
    if expected == "nan:arithmetic":
        return bits & 0x7FF8000000000000 == 0x7FF8000000000000
    return bits == int(expected) & M64


def value_matches(exp, got):
    """Does internal value `got` match the JSON expectation `exp`?

    Raises Skip for a value kind the engine has no values of."""
    t = exp["type"]
    s = exp.get("value")
    if t in NULL_KINDS:
        return got is None
    if t == "exnref":
        return got is None if s == "null" else (s is None and isinstance(got, Exn))
    if t in GC_KINDS:
        if s == "null":
            return got is None
        if t == "anyref" and s is not None:
            return got == HostRef(int(s))
        from wasmbed.core import gc
        cls = {"i31ref": (gc.I31,), "structref": (gc.Struct,),
               "arrayref": (gc.Array,),
               "eqref": (gc.I31, gc.Struct, gc.Array)}.get(t)
        if s is None and cls is not None:
            return type(got) in cls
        if s is None and t == "anyref":
            return got is not None
        raise Skip("value type %s (GC)" % t)
    if t == "i32":
        return isinstance(got, int) and got == int(s) & M32
    if t == "i64":
        return isinstance(got, int) and got == int(s) & M64
    if t == "f32":
        return isinstance(got, int) and _f32_matches(s, got)
    if t == "f64":
        if not isinstance(got, _F64_TYPE):
            return False
        return _f64_matches(s, N.f64_to_bits(got))
    if t == "externref":
        if s is None:
            return got is not None
        return got is None if s == "null" else got == HostRef(int(s))
    if t == "funcref":
        if s == "null":
            return got is None
        return isinstance(got, (WasmFunction, HostFunction))
    if t == "v128":
        if not isinstance(got, int):
            return False
        lt = exp["lane_type"]
        bits = _LANE_BITS[lt]
        mask = (1 << bits) - 1
        for i, ls in enumerate(s):
            lane = (got >> (i * bits)) & mask
            if lt == "f32":
                ok = _f32_matches(ls, lane)
            elif lt == "f64":
                ok = _f64_matches(ls, lane)
            else:
                ok = lane == int(ls) & mask
            if not ok:
                return False
        return True
    raise Skip("value type %s" % t)


def _show(v):
    if isinstance(v, float):
        return "%r (0x%016x)" % (v, struct.unpack("<Q", struct.pack("<d", v))[0])
    if isinstance(v, int):
        return "%d (0x%x)" % (v, v)
    return repr(v)


class ExecRunner(WastRunner):
    """WastRunner plus the commands that run code; see the module docstring."""

    def __init__(self, runtime_factory=None, out=None, only=None, mode=None):
        WastRunner.__init__(self, runtime_factory, out, only, mode)
        self.rt = None

    def run_json(self, path):
        self.new_runtime()
        WastRunner.run_json(self, path)

    def new_runtime(self):
        if self.runtime_factory is not None:
            self.rt = self.runtime_factory(self.mode)
        else:
            self.rt = Runtime(RuntimeConfig(mem_alloc_type="system", mode=self.mode,
                                            default_stack_size=SPEC_STACK_SIZE))
        self.rt.register("spectest", _Registered(spectest_exports(self.rt.store)))
        self.instances = {}
        self.definitions = {}
        self.last = None

    # -- modules -------------------------------------------------------------
    def instantiate(self, cmd):
        module = self.load(cmd)
        mod = LoadedModule(self.rt, module, None)
        return self.rt.instantiate(mod, stack_size=SPEC_STACK_SIZE)

    def cmd_module(self, cmd):
        try:
            inst = self.instantiate(cmd)
        except WasmError as e:
            self.last = None
            raise CommandFailed("module failed: %s" % _describe(e))
        self.last = inst
        name = cmd.get("name")
        if name:
            self.instances[name] = inst

    def cmd_module_definition(self, cmd):
        """``(module definition $M ...)``: decoded and validated, not
        instantiated (``module_instance`` instantiates it)."""
        try:
            module = self.load(cmd)
        except WasmError as e:
            raise CommandFailed("module failed: %s" % _describe(e))
        name = cmd.get("name")
        if name:
            self.definitions[name] = module

    def cmd_module_instance(self, cmd):
        module = self.definitions.get(cmd.get("module"))
        if module is None:
            raise CommandFailed("no module definition %r" % cmd.get("module"))
        try:
            inst = self.rt.instantiate(LoadedModule(self.rt, module, None),
                                       stack_size=SPEC_STACK_SIZE)
        except WasmError as e:
            self.last = None
            raise CommandFailed("module failed: %s" % _describe(e))
        self.last = inst
        name = cmd.get("instance")
        if name:
            self.instances[name] = inst

    def cmd_register(self, cmd):
        name = cmd.get("name")
        inst = self.instances.get(name) if name else self.last
        if inst is None:
            raise CommandFailed("no module to register")
        self.rt.register(cmd["as"], inst)

    def cmd_assert_unlinkable(self, cmd):
        self.expect_error(cmd, LinkError, lambda: self.instantiate(cmd))

    def cmd_assert_uninstantiable(self, cmd):
        self.expect_error(cmd, WasmError, lambda: self.instantiate(cmd))

    # -- actions ---------------------------------------------------------------
    def target(self, action):
        name = action.get("module")
        inst = self.instances.get(name) if name else self.last
        if inst is None:
            raise CommandFailed("no module instance for action")
        return inst

    def do_action(self, action):
        inst = self.target(action)
        kind = action["type"]
        ext = inst.core.exports.get(action["field"])
        if kind == "get":
            if not isinstance(ext, Global):
                raise CommandFailed("no global export %r" % action["field"])
            return [ext.value]
        if kind != "invoke":
            raise Skip("action %s" % kind)
        if not isinstance(ext, (WasmFunction, HostFunction)):
            raise CommandFailed("no function export %r" % action["field"])
        args = [parse_value(a) for a in action.get("args", ())]
        env = ExecEnv(inst, SPEC_STACK_SIZE)
        return env.invoke_raw(ext, args)

    def cmd_action(self, cmd):
        try:
            self.do_action(cmd["action"])
        except Trap as e:
            raise CommandFailed("trapped: %s" % _describe(e))

    def cmd_assert_return(self, cmd):
        try:
            got = self.do_action(cmd["action"])
        except Trap as e:
            raise CommandFailed("trapped: %s" % _describe(e))
        expected = cmd.get("expected", ())
        if len(got) != len(expected):
            raise CommandFailed("expected %d results, got %d" % (len(expected), len(got)))
        for exp, g in zip(expected, got):
            if exp.get("type") == "either":
                if not any(value_matches(alt, g) for alt in exp["values"]):
                    raise CommandFailed("none of %r matches %s" % (exp["values"], _show(g)))
            elif not value_matches(exp, g):
                raise CommandFailed("expected %s %s, got %s" % (
                    exp.get("type"), exp.get("value"), _show(g)))

    def cmd_assert_exception(self, cmd):
        """The action throws a wasm exception that nothing catches."""
        try:
            self.do_action(cmd["action"])
        except UncaughtException:
            return
        except Trap as e:
            raise CommandFailed("expected an exception, trapped: %s" % _describe(e))
        raise CommandFailed("expected an exception, returned")

    def cmd_assert_trap(self, cmd):
        if "action" not in cmd:
            # a module whose instantiation traps
            self.expect_error(cmd, WasmError, lambda: self.instantiate(cmd))
            return
        self.expect_error(cmd, Trap, lambda: self.do_action(cmd["action"]))

    # -- threads (the threads proposal's `thread` and `wait` commands) --------
    def cmd_thread(self, cmd):
        """Run the nested commands on a new host thread, sharing the named
        module instance; results are merged at the matching `wait`."""
        child = ExecRunner(out=self.out, only=self.only, mode=self.mode)
        child.new_runtime()   # a thread starts with its own registry
        child.dir = self.dir
        child.source = self.source
        child.threads = self.threads
        child.wasm3 = self.wasm3
        shared = cmd.get("shared_module")
        if shared:
            if shared not in self.instances:
                raise CommandFailed("unknown shared module %r" % shared)
            child.instances[shared] = self.instances[shared]
        t = threading.Thread(target=child.run_commands, args=(cmd.get("commands", ()),))
        t.daemon = True
        t.start()
        if not hasattr(self, "spawned"):
            self.spawned = {}
        self.spawned[cmd["name"]] = (t, child)

    def cmd_wait(self, cmd):
        entry = getattr(self, "spawned", {}).pop(cmd["thread"], None)
        if entry is None:
            raise CommandFailed("no thread %r" % cmd["thread"])
        t, child = entry
        t.join(THREAD_TIMEOUT)
        if t.is_alive():
            raise CommandFailed("thread %r still running after %ds" % (
                cmd["thread"], THREAD_TIMEOUT))
        self.passed += child.passed
        self.failed += child.failed
        for k, n in child.skipped.items():
            self.skipped[k] = self.skipped.get(k, 0) + n

    def cmd_assert_exhaustion(self, cmd):
        self.expect_error(cmd, Trap, lambda: self.do_action(cmd["action"]))

