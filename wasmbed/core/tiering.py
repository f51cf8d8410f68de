"""Tiering (fast mode, host only): functions start in the interpreter and
are translated once they run hot.

With ``RuntimeConfig(tier_up=N)`` (N > 0) an instance's fast-tier context
(fast.ctx_of) starts each of its defined functions as a tier stub
(install) instead of a first-call translation stub. The stub runs the
function in the interpreter (interp.run_frames over closures built for
this purpose, below) and counts its heat: every entry costs CALL_HEAT,
every pass through a loop header's poll or a polling back edge 1; a
function starts with N * CALL_HEAT (the heat left is the module's, so a
function hot in one instance starts hot in the next). When the heat runs
out the function is hot: its next call, from translated code or from the
interpreter, is translated (fast.realize) and runs the translation; an
activation still in the interpreter moves to the translation at its next
loop header (on-stack replacement, core/osr.py: the first such entry is
also the function's translation for its calls). A function translated
already (the module's binders, the code cache) skips the interpreter, and
so does one with a loop where osr.possible says no (pool mode, legacy
try), since it could not leave the interpreter mid-loop (LOOPS_FIRST
makes every loop function so).

Mixing the tiers, exactly:
- stack budget: an interpreted frame charges the fast tier's frame cost
  (frame_cost_of: params, locals and operand slots; the lowering and the
  translator count the same slots, except where a construct with results
  is reached only through dead code: such a function is translated on its
  first call), so "call stack exhausted" comes at the same depth whichever
  tier runs which frame. A call from the interpreter into a translated
  function passes it the budget left (the interpreter's host-call path
  charges HOST_FRAME_COST in env.stack_used, which the shim takes off).
- calls out of interpreted code: the closures' call entries name a
  _Tier (one per function of the context, holding its interpreted
  Compiled while it is cold) instead of the function, so a call reaches
  the function's current entry: the interpreter's frame switch while it
  is cold, a shim (a two-op Compiled whose host call runs ``ctx.fns[i]``)
  once it is hot or before its closures exist. call_indirect, call_ref
  and their tail forms look the callee up through _Table / _REF, which
  give the _Tier of a wasm function; host functions are called as the
  interpreter calls them.
- traps, exceptions, terminate: the interpreter raises the spec's traps;
  what translated code raises as a host error (struct.error, IndexError,
  ZeroDivisionError, OverflowError) becomes its trap in the shim; a host
  function's own such error leaves the tier stub as fast._Foreign, as the
  fast tier's host caller does. UncaughtException crosses both ways (the
  interpreter's handlers and the translation's try blocks catch it).
- host stack: a shim's call is a Python call through ``*args`` (C
  stack), so a tier stub entered while MAX_NEST interpreted activations
  entered from translated code are live on this exec env translates its
  function instead (what bounds the Python frames and C stack mixing
  adds; fast.recursion_limit_for's margin covers them).
- fuel: metered exec envs use the fast tier's metered context (its
  functions translated on first call); tiering is for unmetered calls.
- suspension: a Suspend in interpreted code is the fast tier's
  NotSupported, as in translated code.
- tail calls from translated code reach the callee's translation (a tail
  stub translates on first use); the interpreter's own tail calls replace
  its frames as usual.
"""

from wasmbed.core import interp, fast, osr
from wasmbed.core import errors as E
from wasmbed.core.errors import Trap, Suspended
from wasmbed.core.fast_rt import STRUCT_ERROR
from wasmbed.core.call_stack import frame_cost, HOST_FRAME_COST
from wasmbed.core.lower import block_arity

# heat units a call costs (a loop iteration costs 1)
CALL_HEAT = 8
# interpreted activations entered from translated code, per exec env,
# beyond which a tier stub translates its function at once
MAX_NEST = 40

_SP_CALLW = interp.SP_CALLW
_SP_CALL_IND = interp.SP_CALL_IND
_SP_CALL_REF = interp.SP_CALL_REF
_SP_RCALL = interp.SP_RCALL
_SP_RCALL_IND = interp.SP_RCALL_IND
_SP_RCALL_REF = interp.SP_RCALL_REF

# instructions after which the rest of a block is dead (stack-polymorphic)
_ENDS_CODE = frozenset((0x00, 0x0C, 0x0E, 0x0F, 0x12, 0x13, 0x15, 0x08, 0x0A, 0x09))
_OPENS = frozenset((0x02, 0x03, 0x04, 0x06, 0x1F))


def frame_cost_of(module, defn, low):
    """The fast tier's frame cost of a defined function (translate.py:
    params, locals and the operand stack's height) from its lowering
    ``low``, or None where the two may count operand slots differently:
    where a construct with results (or a catch with a payload) is
    reached only through dead code, or code nests inside dead code, the
    lowering still counts what the translator leaves out."""
    ft = module.types[defn.type_idx]
    arity = [len(ft.results)]
    dead = False
    for ins in defn.body:
        op = ins[0]
        if op in _ENDS_CODE:
            dead = True
        elif op in _OPENS:
            if dead:
                return None
            arity.append(block_arity(module, ins[1])[1])
        elif op == 0x0B or op == 0x18:      # end, delegate
            if dead and arity.pop():
                return None
            dead = False
        elif op == 0x05:                     # else
            dead = False
        elif op == 0x07 or op == 0x19:       # catch, catch_all
            if dead and op == 0x07 and module.tag_types[ins[1]].params:
                return None
            dead = False
    return frame_cost(low.slots)


class _Tier:
    """Function ``index`` of context ``ctx`` as the interpreter's call
    entries see it (what interp.compile_function and run_frames read of a
    function: defn, index, host, instance, compiled): ``compiled`` its
    interpreted Compiled while it is cold, else its shim; the heat left
    is ``heats[index]``, shared by the module's instances (install)."""

    __slots__ = ("ctx", "index", "defn", "instance", "host", "compiled",
                 "interp", "heats", "hot", "type", "osr")

    def __init__(self, ctx, index, heats):
        f = ctx.funcs[index]
        self.ctx = ctx
        self.index = index
        self.instance = ctx.inst
        self.host = None
        self.type = f.type
        self.defn = getattr(f, "defn", None)
        self.interp = None      # the interpreted Compiled, once built
        self.heats = heats
        self.hot = heats[index] <= 0
        self.osr = None         # {loop pc: switch or False} (osr.py)
        self.compiled = _shim(ctx, index, f.type)


def tier_of(ctx, i):
    """The _Tier of function i of ctx (made on first use)."""
    ts = ctx.tiers
    t = ts[i]
    if t is None:
        t = ts[i] = _Tier(ctx, i, ctx.tier_heats)
    return t


def _callee(f):
    """What an interpreted call entry names for function object f: its
    _Tier (wasm), or f (host)."""
    if f.host is not None:
        return f
    c = fast.ctx_of(f.instance)
    if getattr(c, "tiers", None) is None:
        install(c, 0)
    return tier_of(c, f.index)


class _Table:
    """A table as interpreted call_indirect sees it: callee() gives the
    element's _callee (the table's traps unchanged)."""

    __slots__ = ("table",)

    def __init__(self, table):
        self.table = table

    def callee(self, i, ftype):
        return _callee(self.table.callee(i, ftype))


class _Ref:
    """call_ref's callee lookup in the call_indirect shape."""

    def callee(self, f, ftype):
        if f is None:
            raise Trap(E.TRAP_NULL_FUNC_REF)
        return _callee(f)


_REF = _Ref()


def install(ctx, n):
    """Make ctx's defined functions start in the interpreter, each
    translated once it has used up n calls' heat (n = 0: a context other
    tiered code calls into, whose functions keep their own entries)."""
    inst = ctx.inst
    ctx.tiers = [None] * len(ctx.funcs)
    # the heat left per function: the module's, so that a function hot
    # in one instance is hot in the next (a command run again)
    if n <= 0:
        ctx.tier_heats = _NONE
    else:
        m = ctx.module
        h = getattr(m, "_tier_heats", None)
        if h is None or h[0] != n:
            h = m._tier_heats = (n, [n * CALL_HEAT] * len(ctx.funcs))
        ctx.tier_heats = h[1]
    if n <= 0:
        return
    fns = ctx.fns
    for i in range(len(fns)):
        f = ctx.funcs[i]
        if f.host is None and f.instance is inst:
            fns[i] = _stub(ctx, i, len(f.type.params))


def _stub(ctx, i, n):
    make = _STUB_MAKERS.get(n)
    if make is None:
        names = ", ".join("a%d" % k for k in range(n))
        src = ("def make(enter, ctx, i):\n"
               " def stub(env, sb%s):\n"
               "  return enter(ctx, i, env, sb, [%s])\n"
               " return stub\n" % (", " + names if n else "", names))
        ns = {}
        exec(compile(src, "<wasm tier stub>", "exec"), ns)
        make = _STUB_MAKERS[n] = ns["make"]
    return make(_enter, ctx, i)


_STUB_MAKERS = {}


def _enter(ctx, i, env, sb, args):
    """A call of function i through its tier stub: its translation once
    it is hot, else an interpreted activation."""
    b = ctx.is_bound
    if b is not None and b[i]:     # a stale reference to the stub
        return ctx.fns[i](env, sb, *args)
    t = tier_of(ctx, i)
    comp = t.interp
    if comp is None and not t.hot:
        comp = _build(t)
    nest = getattr(env, "_tier_nest", 0)
    if t.hot or nest >= MAX_NEST:
        if not t.hot:
            _heat_out(t)
        return fast.realize(ctx, i)(env, sb, *args)
    if comp.cost > sb:
        raise Trap(E.TRAP_STACK_EXHAUSTED)
    env._tier_nest = nest + 1
    try:
        r = interp.run_frames(env, [None], comp, args + comp.template, 0,
                              ctx.inst, sb - comp.cost)
    except (STRUCT_ERROR, IndexError, ZeroDivisionError, OverflowError) as e:
        raise fast._Foreign(e)     # a host function's own error
    except Suspended as s:
        s.frozen = None            # the fast tier's NotSupported
        raise fast._Foreign(s)
    finally:
        env._tier_nest = nest
    n = len(r)
    if n == 1:
        return r[0]
    if n == 0:
        return None
    return tuple(r)


def _heat_out(t):
    """Function t is hot: interpreted callers reach its translation (the
    shim), its tier stub translates on its next call."""
    t.hot = True
    t.heats[t.index] = 0
    t.compiled = _shim(t.ctx, t.index, t.type)


def _build(t):
    """The interpreted Compiled of t's function (None: translated at once,
    its frame cost not known without translating)."""
    ctx = t.ctx
    module = ctx.module
    binders = getattr(module, "_fast_binders", None)
    if binders is not None and t.index in binders:
        _heat_out(t)               # translated already (or AOT)
        return None
    cache = getattr(module, "code_cache", None)
    if cache is not None and getattr(cache, "has", None) is not None \
            and cache.has(t.index):
        _heat_out(t)               # a translation is on disk: no heat needed
        return None
    defn = t.defn
    if _has_loop(defn.body) and (LOOPS_FIRST or not osr.possible(module, defn)):
        _heat_out(t)
        return None
    low = defn.compiled
    if low is None:
        from wasmbed.core.lower import lower_function
        acct = getattr(module, "host_account", None)
        if acct is not None:    # pool mode: as interp.compile_function charges
            from wasmbed.core.host_charge import lower_cost
            acct.charge(lower_cost(defn), "lowering function %d" % t.index)
        low = lower_function(module, defn)
        defn.compiled = low
    cost = frame_cost_of(module, defn, low)
    if cost is None:
        _heat_out(t)
        return None
    comp = interp.compile_function(ctx.inst, t)    # sets t.compiled
    sp = comp.specials
    for k in range(len(sp)):
        e = sp[k]
        kind = e[0]
        if kind == _SP_CALLW or kind == _SP_RCALL:
            if e[1].host is None:
                sp[k] = (kind, _callee(e[1])) + e[2:]
        elif kind == _SP_CALL_IND or kind == _SP_RCALL_IND:
            sp[k] = (kind, e[1], _Table(e[2])) + e[3:]
        elif kind == _SP_CALL_REF:
            sp[k] = (_SP_CALL_IND, None, _REF) + e[1:]
        elif kind == _SP_RCALL_REF:
            sp[k] = (_SP_RCALL_IND, None, _REF) + e[1:]
    code = comp.code
    ir = low.ir
    for k in range(len(ir)):
        op = ir[k]
        name = op[0]
        if name == "poll":
            code[k] = _header(code[k], t, op[1], None)
        elif name == "br_poll":
            code[k] = _header(code[k], t, ir[op[1] - 1][1], op[1])
        elif name == "br_cmp" and len(op) > 6:
            code[k] = _header(code[k], t, ir[op[4] - 1][1], op[4])
    t.osr = {}
    code[0] = _counted(code[0], t, CALL_HEAT)
    comp.cost = cost
    comp.run = (code, sp, cost, comp.template)
    t.interp = comp
    if not t.hot:
        t.compiled = comp
    return comp


# True: a function with a loop is translated on its first call (as
# before on-stack replacement, core/osr.py; still so where osr.possible
# says no): an activation that loops long would stay interpreted
LOOPS_FIRST = False


class _None:
    """Heat 0 for every function (a context other tiered code calls into)."""

    def __getitem__(self, i):
        return 0

    def __setitem__(self, i, v):
        pass


_NONE = _None()


def _has_loop(body):
    for ins in body:
        if ins[0] == 0x03:
            return True
    return False


def _header(op, t, pc, at):
    """op (a loop header's poll, or a back edge that polls and lands at
    IR index ``at``) counting 1 heat: once the function is hot, the
    activation passing it to its loop moves to the OSR entry there."""
    H = t.heats
    i = t.index

    def header(R):
        h = H[i] - 1
        H[i] = h
        if h > 0:
            return op(R)
        if not t.hot:
            _heat_out(t)
        nxt = op(R)
        if at is None or nxt == at:
            s = osr.switch(t, pc)
            if s is not None:
                return s
        return nxt
    return header


def _counted(op, t, units):
    H = t.heats
    i = t.index

    def counted(R):
        h = H[i] - units
        H[i] = h
        if h <= 0 and not t.hot:
            _heat_out(t)
        return op(R)
    return counted


def _shim(ctx, i, ftype):
    """A Compiled that runs function i's current entry ``ctx.fns[i]``
    (fast calling convention) as a host call: its frame costs nothing
    (the callee charges its own), the budget the interpreter had is
    passed on."""
    np = len(ftype.params)
    nr = len(ftype.results)

    def host(env, *args):
        try:
            return ctx.fns[i](env, env.stack_size - env.stack_used + HOST_FRAME_COST,
                              *args)
        except ZeroDivisionError:
            raise Trap(E.TRAP_DIV_ZERO)
        except (STRUCT_ERROR, IndexError, OverflowError):
            raise Trap(E.TRAP_MEMORY_OOB)
    hf = _ShimHost(host, ftype)
    term = ctx.term
    n = max(np, nr)
    specials = [(interp.SP_CALL, hf, 0, np, 1, (0, 1), term),
                (interp.SP_RET1, 0) if nr == 1 else (interp.SP_RET0,) if nr == 0
                else (interp.SP_RET, tuple(range(nr)))]
    code = [interp._switch_op(0), interp._switch_op(1)]
    template = [None] * (n - np) + [None, None]
    comp = interp.Compiled(code, specials, template, np, None, ctx.inst, 0)
    comp.cost = 0
    comp.run = (code, specials, 0, comp.template)
    return comp


class _ShimHost:
    """The host function a shim calls (what interp's host path reads)."""

    __slots__ = ("host", "type")

    def __init__(self, host, ftype):
        self.host = host
        self.type = ftype
