"""The fast tier: every wasm function runs as a Python function.

``execute(env, func, args)`` has the interpreter's contract: `args` and the
returned list of results are in the internal representation; it raises
Trap (the spec's messages), Terminated, ProcExit and whatever host
functions raise.

Each function is translated (translate.py) and compiled once per Module,
the first time any instance calls it; the resulting ``bind_<i>(ctx)``
factory is cached on the Module (``module._fast_binders``) and called once
per instance to make the callable. Calls between wasm functions are Python
calls through the instance's list ``ctx.fns`` (its entries start as stubs
that translate and bind on first use), or for a direct call, through a
closure variable of the caller that ``Ctx.watch`` updates when the callee
is bound (an AOT module's functions, installed in groups, are all bound
when the Ctx is made: core/aot_text.py); imported wasm functions are the
exporting instance's callables, host functions are wrapped.

Call depth: every wasm frame charges 64 + 8 bytes per param, local and
operand-stack slot (the interpreter's formula, without its constant
slots) against the exec env's ``stack_size``; a host function frame
charges HOST_FRAME_COST (2 KiB) to the wasm code it calls back into. A
guest thus goes at most ``stack_size // 64`` frames deep, and trapping
"call stack exhausted" there is deterministic when Python allows that many
frames: each wasm frame is one Python frame, so on CPython the recursion
limit must be at least ``recursion_limit_for(stack_size)`` (the runtime
raises it for the duration of a call, see wasmbed/host_stack.py; the core
does not touch sys). CPython >= 3.11 runs Python-to-Python calls without C
stack (the first-call stubs have fixed arity for that reason), so pure
wasm recursion needs no big thread stack; wasm -> host -> wasm recursion
uses about 1.2 KiB of C stack per round, which the runtime bounds by the
thread's C stack (host_stack.max_reentry), independently of stack_size. A RecursionError
(MicroPython: RuntimeError) or MemoryError that comes first is reported as
Trap("call stack exhausted") all the same.

Memory accesses that fall outside linear memory surface as the host's
struct.error / IndexError and integer division by zero as
ZeroDivisionError; they become the spec's traps here. The same errors
raised inside a host function are passed through unchanged.
"""

from wasmbed.core.instance import call_host as _call_host, results_list
from wasmbed.core import errors as E
from wasmbed.core.errors import Trap, WasmError, Suspend, Suspended
from wasmbed.core import fast_rt
from wasmbed.core.fast_rt import STRUCT_ERROR
from wasmbed.core.call_stack import (FRAME_OVERHEAD, HOST_FRAME_COST,
                                     RECURSION_ERROR as _RECURSION)
from wasmbed.core.opcodes import NAME, is_simd
from wasmbed.core.host_charge import (account_of, translate_cost,
                                     code_cost, bind_cost, FAST_FUNC_CHARGE)
from wasmbed.core.fuel import fast_ctx as _fuel_ctx


class _Foreign(Exception):
    """Carries an exception raised by a host function past the trap
    mapping in execute()."""

    def __init__(self, exc):
        Exception.__init__(self)
        self.exc = exc


class Ctx:
    """What one instance's translated code binds to (the ``ctx`` of
    ``bind_<i>(ctx)``)."""

    def __init__(self, inst):
        self.inst = inst
        self.module = inst.module
        self.term = inst.term
        self.mems = inst.memories
        self.tables = inst.tables
        self.globals = inst.globals
        self.funcs = inst.funcs
        self.types = inst.module.types
        self.datas = inst.datas
        self.elems = inst.elems
        self.tags = inst.tags
        self.host_callers = {}
        self.tails = None      # tail_fns(), made on first use
        self.views = None
        self.watchers = None   # {i: setters} (watch), made on first use
        self.is_bound = None   # bytearray: 1 where fns[i] is bound
        groups = getattr(self.module, "_aot_groups", None)
        if groups is None:
            self.fns = [_stub(self, i) for i in range(len(inst.funcs))]
        else:
            self._bind_aot(groups)

    def _bind_aot(self, groups):
        """An AOT module's functions are bound all at once, by its group
        factories (install): a first-call stub would cost a board more
        heap than the function it stands for; imported ones start as
        stubs."""
        n = len(self.funcs)
        first = self.module.num_imported_funcs
        self.fns = [None] * n
        for i in range(first):
            self.fns[i] = _stub(self, i)
        for i in range(first, n, groups[1]):
            _realize_group(self, i, groups)

    def watch(self, i, setter):
        """Have ``setter(f)`` called with function i's callable when it is
        bound (bound()), unless it is bound already: how translated code
        that holds a direct reference to fns[i] (translate: F<i>) drops
        the stub it captured."""
        b = self.is_bound
        if b is not None and b[i]:
            return
        w = self.watchers
        if w is None:
            w = self.watchers = {}
        ws = w.get(i)
        if ws is None:
            w[i] = [setter]
        else:
            ws.append(setter)

    def view_cache(self, m):
        """Memory m's typed-view cache: a one-element list holding
        (buffer, views...), replaced whole by fast_rt.mem_views when the
        buffer changes (so a reader never sees a buffer with another
        buffer's views)."""
        if self.views is None:
            self.views = {}
        c = self.views.get(m)
        if c is None:
            c = [(None, None, None, None)]
            self.views[m] = c
        return c

    def callable_of(self, f):
        """The callable (fast calling convention) of a function object."""
        if f.host is not None:
            return _host_caller(self, f)
        inst = f.instance
        c = self if inst is self.inst else ctx_of(inst)
        return c.fns[f.index]

    def realize_fn(self, i):
        """Bind function i (what the stubs do on a first call)."""
        return realize(self, i)

    def tail_fns(self):
        """The list (made on first use) of what a tail call to function i
        runs: the callable of ``fns[i]``, except that for a function whose
        translation may return TAIL (translate.tail_callers) it is that
        translation (fast_rt.run_tail runs what it leaves). Entries start
        as stubs that bind on first use."""
        t = self.tails
        if t is None:
            acct = account_of(self.inst)
            if acct is not None:    # the stubs, like the call stubs (pool mode)
                acct.charge(FAST_FUNC_CHARGE * len(self.funcs), "tail call stubs")
            t = [_tail_stub(self, i) for i in range(len(self.funcs))]
            self.tails = t
        return t

    def tail_callable_of(self, f):
        """tail_fns()'s entry for a function object."""
        if f.host is not None:
            return _host_caller(self, f)
        inst = f.instance
        c = self if inst is self.inst else ctx_of(inst)
        return c.tail_fns()[f.index]

    def gc(self, ins):
        """core/gc.py's function of the operands of GC instruction ins."""
        from wasmbed.core import gc
        return gc.make(self.inst, ins)[2]

    def gc_test(self, rt):
        """A function v -> whether v is of reference type rt (br_on_cast)."""
        from wasmbed.core import gc
        return gc.tester(self.inst.module, rt)

    def gc_name(self, name):
        from wasmbed.core import gc
        return getattr(gc, name)

    def ext(self, opid, imms, nargs, has_result, mem=0):
        """A function of the operand values for a SIMD or atomic
        instruction: a SIMD kernel when there is one, otherwise the
        interpreter's closure over a small register list, or a function
        that traps "unsupported instruction" when no extension module
        implements the instruction."""
        from wasmbed.core import interp_ops
        if is_simd(opid):
            try:
                from wasmbed.core import simd
            except ImportError:
                simd = None
            if simd is not None:
                name = NAME[opid]
                k = simd.KERNELS.get(name)
                if k is None and name in simd.LANE_KERNELS:
                    k = simd.LANE_KERNELS[name](imms)
                if k is not None:
                    return k
        handler = interp_ops.extension_handler(opid)
        if handler is None:
            return fast_rt.unsupported(NAME[opid])
        M = self.mems[mem] if self.mems else None
        d = nargs if has_result else None
        op = handler(self.inst, M, opid, d, tuple(range(nargs)), imms, 0)
        if has_result:
            def g(*args):
                R = list(args)
                R.append(None)
                op(R)
                return R[nargs]
        else:
            def g(*args):
                op(list(args))
        return g


def ctx_of(inst):
    """The instance's Ctx (made on first use)."""
    c = getattr(inst, "_fast", None)
    if c is None:
        c = Ctx(inst)
        inst._fast = c
        n = getattr(inst.store, "tier_up", 0)
        if n and getattr(inst.module, "_aot_groups", None) is None:
            from wasmbed.core import tiering   # host only (core/tiering.py)
            tiering.install(c, n)
    return c


def _stub(ctx, i, bind=None):
    """The first callable of function i: binds it, then calls it (what
    ``bind(ctx, i)`` returns; default: realize). Its arity is fixed (no
    *args): CPython runs such a Python-to-Python call without C stack, so
    a guest's chain of first calls cannot exhaust the host's C stack
    however deep it goes."""
    n = len(ctx.funcs[i].type.params)
    make = _STUB_MAKERS.get(n)
    if make is None:
        make = _stub_maker(n)
    return make(ctx, i, bind or realize)


def _stub_any(ctx, i, realize):
    def stub(env, sb, *args):
        return realize(ctx, i)(env, sb, *args)
    return stub


def _stub0(ctx, i, realize):
    def stub(env, sb):
        return realize(ctx, i)(env, sb)
    return stub


def _stub1(ctx, i, realize):
    def stub(env, sb, a):
        return realize(ctx, i)(env, sb, a)
    return stub


def _stub2(ctx, i, realize):
    def stub(env, sb, a, b):
        return realize(ctx, i)(env, sb, a, b)
    return stub


def _stub3(ctx, i, realize):
    def stub(env, sb, a, b, c):
        return realize(ctx, i)(env, sb, a, b, c)
    return stub


_STUB_MAKERS = {0: _stub0, 1: _stub1, 2: _stub2, 3: _stub3}


def _stub_maker(n):
    """A stub factory for arity n, compiled once (the *args one when the
    host cannot compile)."""
    names = ", ".join("a%d" % k for k in range(n))
    src = ("def make(ctx, i, realize):\n"
           " def stub(env, sb, %s):\n"
           "  return realize(ctx, i)(env, sb, %s)\n"
           " return stub\n" % (names, names))
    ns = {}
    try:
        exec(compile(src, "<wasm stub>", "exec"), ns)
        make = ns["make"]
    except Exception:
        make = _stub_any
    _STUB_MAKERS[n] = make
    return make


def _tail_stub(ctx, i):
    """The first entry of tail_fns()[i]: binds function i, then calls
    what its entry became (fixed arity, like _stub)."""
    return _stub(ctx, i, _realize_tail)


def _realize_tail(ctx, i):
    ctx.realize_fn(i)
    return ctx.tails[i]


def realize(ctx, i):
    """Bind function i of ctx's instance (translating it if needed)."""
    f = ctx.funcs[i]
    inner = None
    if f.host is not None:
        fn = _host_caller(ctx, f)
    elif f.instance is not ctx.inst:
        c = ctx_of(f.instance)
        fn = realize(c, f.index)
        if c.tails is not None:
            inner = c.tails[f.index]
    else:
        groups = getattr(ctx.module, "_aot_groups", None)
        if groups is not None:
            return _realize_group(ctx, i, groups)
        b = binder(ctx.module, i, ctx.term)
        charge_binding(ctx, i)
        fn = b(ctx)
    return bound(ctx, i, fn, inner)


def _realize_group(ctx, i, groups):
    """Bind the AOT group of defined function i (see install) -> i's
    callable."""
    binders, size = groups
    first = ctx.module.num_imported_funcs
    k = (i - first) // size
    first += k * size
    is_bound = ctx.is_bound
    todo = [j for j in range(first, min(first + size, len(ctx.fns)))
            if is_bound is None or not is_bound[j]]
    for j in todo:
        charge_binding(ctx, j)
    entries = binders[k](ctx)
    for j in todo:
        bound(ctx, j, entries[j - first])
    return ctx.fns[i]


def bound(ctx, i, fn, inner=None):
    """Install function i's callable -> it. ``fn`` is what its bind
    factory returned: the callable, or for a function whose translation
    may return TAIL (callable, that translation), which goes to
    tail_fns(); ``inner``: that entry, when it is not fn."""
    if type(fn) is tuple:
        fn, inner = fn
        if ctx.tails is None:
            ctx.tail_fns()
    elif inner is None:
        inner = fn
    ctx.fns[i] = fn
    if ctx.tails is not None:
        ctx.tails[i] = inner
    b = ctx.is_bound
    if b is None:
        b = ctx.is_bound = bytearray(len(ctx.fns))
    b[i] = 1
    w = ctx.watchers
    if w is not None:
        ws = w.pop(i, None)
        if ws is not None:
            for s in ws:
                s(fn)
    return fn


def binder(module, fidx, term=None):
    """The cached ``bind_<fidx>`` factory of a defined function.
    Translating polls the terminate flag ``term`` (when given); what it
    asks for is raised and nothing is cached."""
    cache = getattr(module, "_fast_binders", None)
    if cache is None:
        cache = {}
        module._fast_binders = cache
    b = cache.get(fidx)
    if b is None:
        b = _compile(module, fidx, term)
        cache[fidx] = b
    return b


def install(module, binders, group=0):
    """Use precompiled factories (an AOT module's BINDERS) for `module`
    instead of translating: {function index: bind function}, or with
    ``group`` (its GROUP) > 0 a sequence whose k-th factory binds the
    ``group`` defined functions from k * group on together and returns
    the tuple of their entries (core/aot_text.py)."""
    if group:
        module._aot_groups = (binders, group)
        return
    cache = getattr(module, "_fast_binders", None)
    if cache is None:
        cache = {}
        module._fast_binders = cache
    for k in binders:
        cache[k] = binders[k]


# The smallest frame cost (a function without params, locals or operands):
# a guest goes at most stack_size // MIN_FRAME_COST wasm frames deep, one
# Python frame each.
MIN_FRAME_COST = FRAME_OVERHEAD


def recursion_limit_for(stack_size):
    """A Python recursion limit under which a guest with this stack budget
    runs out of budget before Python raises RecursionError (the runtime
    applies it with sys.setrecursionlimit; the core does not touch sys)."""
    return stack_size // MIN_FRAME_COST + 1000


# The first translation level tried (translate.function_source); tests
# raise it to run everything through the flattened form.
MIN_LEVEL = 0


def _compile(module, fidx, term=None):
    return compile_function(module, fidx, None, term)


def compile_function(module, fidx, fuel=None, term=None):
    """Translate and compile defined function fidx -> its bind factory;
    ``fuel``: the region costs for the metered form (fuel.py), compiled in
    a namespace of its own; ``term``: the terminate flag polled while
    translating (translate.function_source). In pool mode the host memory
    is charged to the module's account first (host_charge.py): the peak
    while translating, cut to what the code keeps once compiled; raises
    PoolExhausted when it does not fit."""
    acct = account_of(module)
    if acct is None:
        return _translate(module, fidx, fuel, term)
    defn = module.funcs[fidx - module.num_imported_funcs]
    what = "translating function %d" % fidx
    block = acct.charge(translate_cost(defn), what)
    try:
        b = _translate(module, fidx, fuel, term)
    except BaseException:
        acct.free(block)
        raise
    acct.resize(block, code_cost(defn), what)
    return b


def charge_binding(ctx, i):
    """Charge binding function i in ctx's instance (pool mode)."""
    acct = account_of(ctx.inst)
    if acct is not None:
        m = ctx.module
        acct.charge(bind_cost(m.funcs[i - m.num_imported_funcs]),
                    "binding function %d" % i)


def _translate(module, fidx, fuel, term):
    attr = "_fast_ns" if fuel is None else "_fuel_ns"
    ns = getattr(module, attr, None)
    if ns is None:
        ns = dict(fast_rt.names())
        if fuel is not None:
            from wasmbed.core.fuel import NAMES
            ns.update(NAMES)
        setattr(module, attr, ns)
    cache = getattr(module, "code_cache", None) if fuel is None else None
    code = None if cache is None else cache.get(fidx)
    if code is None:
        code = _compiled(module, fidx, fuel, term)[0]
        if cache is not None:
            cache.put(fidx, code)
    exec(code, ns)
    return ns["bind_%d" % fidx]


def _compiled(module, fidx, fuel, term, osr=None):
    """Function fidx's translation, compiled: (the code object that
    defines ``bind_<fidx>``, its frame cost); ``osr``: the OSR entry at
    that loop's pc (core/osr.py). Tries the levels of
    translate.function_source from MIN_LEVEL until one compiles (deeply
    nested code can overflow CPython's compiler). Raises NotSupported
    when the translator fails on the (validated) function, so that a
    translator error is never taken for the guest's trap."""
    from wasmbed.core.translate import function_source
    level = MIN_LEVEL
    while True:
        try:
            src, cost = function_source(module, fidx, level, fuel, term, osr=osr)
        except (WasmError, MemoryError, _RECURSION):
            raise
        except Exception as e:
            # the text lives here, not in errors.py: a board's heap pays
            # for each global there, and boards never translate
            raise E.NotSupported(
                "the fast tier cannot translate function %d (%s: %s); the "
                "interp tier (--mode interp) runs it"
                % (fidx, type(e).__name__, e))
        try:
            code = compile(src, "<wasm function %d>" % fidx if osr is None else
                           "<wasm function %d at %d>" % (fidx, osr), "exec")
            break
        except (SyntaxError, _RECURSION, MemoryError):
            if level >= 2:
                raise
            level += 1
        if term is not None and term[0] is not None:
            raise term[0]()
    if term is not None and term[0] is not None:
        raise term[0]()
    return code, cost


def _host_caller(ctx, f):
    c = ctx.host_callers.get(f)
    if c is not None:
        return c
    host = f.host
    nres = len(f.type.results)
    inst = ctx.inst
    term = ctx.term

    def call(env, sb, *args):
        if term[0] is not None:
            fast_rt.terminate(term)
        saved = env.stack_used
        env.stack_used = env.stack_size - sb + HOST_FRAME_COST
        env.instance = inst
        try:
            r = host(env, *args)
        except (STRUCT_ERROR, IndexError, ZeroDivisionError, OverflowError) as e:
            raise _Foreign(e)
        finally:
            env.stack_used = saved
        if type(r) is Suspend:
            # a raw HostFunction's (natives raise Suspended themselves)
            raise Suspended(r.value, r.reason, f.type.results)
        if nres > 1:
            return tuple(r)
        return r
    ctx.host_callers[f] = call
    return call


def execute(env, func, args):
    """Run `func` with `args` (internal values) on exec env `env`.

    Returns the list of results. Raises Trap (with the spec's message),
    Terminated, ProcExit, or another WasmError from host functions. Depth
    is bounded by env.stack_size bytes (see the module docstring).
    """
    if func.host is not None:
        return _call_host(env, func, args)
    if env._fuel is None:
        fn = ctx_of(func.instance).fns[func.index]
    else:
        fn = _fuel_ctx(func.instance).fns[func.index]
    saved = env.stack_used
    try:
        r = fn(env, env.stack_size - saved, *args)
    except WasmError:
        raise
    except _Foreign as e:
        raise e.exc
    except _RECURSION:
        raise Trap(E.TRAP_STACK_EXHAUSTED)
    except MemoryError:
        raise E.HostOutOfMemory("call")
    except ZeroDivisionError:
        raise Trap(E.TRAP_DIV_ZERO)
    except (STRUCT_ERROR, IndexError, OverflowError):
        # OverflowError: a memory64 address past the host's index range
        raise Trap(E.TRAP_MEMORY_OOB)
    finally:
        env.stack_used = saved
    return results_list(func.type, r)
