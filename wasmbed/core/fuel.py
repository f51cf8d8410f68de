"""Fuel: deterministic instruction metering, the same in both tiers.

Cost model (what ``ExecEnv.set_fuel(n)`` buys):
- every wasm instruction costs 1 unit, except ``block``, ``loop``,
  ``try_table``, ``else``, ``end``, ``nop`` and ``drop`` (and the legacy
  ``try``, ``catch``, ``catch_all``, ``delegate``), which are free;
- fuel is charged per straight-line *region*, on entry, for the whole
  region. Regions start at a function's entry, after ``loop`` (the loop
  header: every iteration pays again), after ``if`` and ``else`` (each
  arm), after every ``end`` (the code a block, if or loop falls or
  branches to), and after ``call``/``call_indirect`` (a call returns
  there); the legacy ``catch``/``catch_all`` start a region like ``else``,
  ``delegate`` like ``end``. A region runs to the next start; its cost is the cost of its
  reachable instructions (dead code after ``br``/``return``/``unreachable``/
  ``throw``/``throw_ref``/``return_call``/``return_call_indirect`` costs
  nothing; a tail call costs its instruction, the callee pays its own
  regions from its entry, so a chain of tail calls that never ends runs
  out of fuel). A ``br_if``/``br_table`` that
  leaves a region early does not refund the rest of it, and a trapping or
  throwing instruction (or a call an exception comes out of) has paid for
  its region; a caught exception lands on a branch target (after an
  ``end``, or a loop header), which starts a region as a branch does;
- bulk operations pay ``n >> 16`` units more, charged just before they
  run, with ``n`` their size operand: bytes for memory.fill, memory.copy,
  memory.init, elements for table.fill, table.copy, table.init,
  table.grow;
- a call of a host function costs its ``call`` instruction; the host
  function itself is not metered, wasm it calls back into is (on the
  exec env it was given).

Both tiers place the charges at the same wasm positions with the same
amounts (computed here from the instruction list), so a run consumes the
same fuel in interp and fast: the tolerance is 0. When a charge exceeds
what is left, the remaining fuel becomes 0 and the guest traps
``Trap("all fuel consumed")``; ``set_fuel`` makes the exec env usable again.

Zero cost when off: metered code is built separately (lazily, per module
and tier, the first time a metered exec env calls a function), so the code
unmetered exec envs run is exactly the unmetered code.
"""

from wasmbed.core import opcodes as O
from wasmbed.core import errors as E

FREE = frozenset((O.BLOCK, O.LOOP, O.ELSE, O.END, O.NOP, O.DROP,
                  O.TRY_TABLE, O.TRY, O.CATCH_L, O.CATCH_ALL_L, O.DELEGATE))
_OPENS = frozenset((O.BLOCK, O.LOOP, O.IF, O.TRY_TABLE, O.TRY))
# the legacy try's parts: like else, a new arm starts (reachable again)
_ARMS = frozenset((O.ELSE, O.CATCH_L, O.CATCH_ALL_L))
# what closes a construct
_CLOSES = frozenset((O.END, O.DELEGATE))
# unconditional control transfers: what follows them is dead
_LEAVES = frozenset((O.BR, O.BR_TABLE, O.RETURN, O.UNREACHABLE, O.THROW,
                     O.THROW_REF, O.RETHROW, O.RETURN_CALL,
                     O.RETURN_CALL_INDIRECT, O.RETURN_CALL_REF))
# instructions after which a region starts
_STARTS_AFTER = frozenset((O.LOOP, O.IF, O.ELSE, O.END, O.CALL,
                           O.CALL_INDIRECT, O.CALL_REF, O.CATCH_L, O.CATCH_ALL_L,
                           O.DELEGATE))
# bulk operations: their size (the top operand) pays n >> BULK_SHIFT;
# GC's sized allocations and array bulk operations (array.new,
# new_default, new_data, new_elem, fill, copy, init_data, init_elem) too
BULK = frozenset((O.MEMORY_FILL, O.MEMORY_COPY, O.MEMORY_INIT,
                  O.TABLE_FILL, O.TABLE_COPY, O.TABLE_INIT, O.TABLE_GROW)
                 + tuple([O.PREFIX_FB + s for s in (6, 7, 9, 10, 16, 17, 18, 19)]))
BULK_SHIFT = 16

ON_EXHAUSTED = ("trap", "suspend")


def region_costs(body):
    """{instruction index: cost} for every region start of a function body
    (a list of decoded instructions ending with END) whose cost is not 0.
    A tier charges cost before executing the instruction at that index."""
    costs = {}
    cur = 0
    acc = 0
    unr = [False]
    skip = 0
    n = len(body)
    start = True
    for pc in range(n):
        op = body[pc][0]
        if start and pc:
            if acc:
                costs[cur] = acc
            cur = pc
            acc = 0
        start = False
        if unr[-1]:
            if op in _OPENS:
                skip += 1
                continue
            if op in _CLOSES or op in _ARMS:
                if skip:
                    if op in _CLOSES:
                        skip -= 1
                    continue
            else:
                continue
        if op not in FREE:
            acc += 1
        if op in _STARTS_AFTER:
            start = True
        if op in _OPENS:
            unr.append(False)
        elif op in _ARMS:
            unr[-1] = False
        elif op in _CLOSES:
            unr.pop()
            if not unr:
                break
        elif op in _LEAVES:
            unr[-1] = True
    if acc:
        costs[cur] = acc
    return costs


class Meter:
    """The fuel of one exec env: ``cell[0]`` units left, ``cell[1]`` True
    when running out suspends the call instead of trapping
    (on_exhausted="suspend"). ``code`` caches the interpreter's metered
    closures of this env (they close over the cell)."""

    __slots__ = ("cell", "code")

    def __init__(self, n, on_exhausted="trap"):
        self.cell = [n, on_exhausted == "suspend"]
        self.code = {}

    def set(self, n, on_exhausted):
        self.cell[0] = n
        self.cell[1] = on_exhausted == "suspend"

    @property
    def on_exhausted(self):
        return "suspend" if self.cell[1] else "trap"


def check_fuel_args(n, on_exhausted):
    """Raise TypeError/ValueError for a bad fuel amount or on_exhausted."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError("fuel must be an int, got %r" % (n,))
    if n < 0:
        raise ValueError("fuel must be >= 0, got %d" % n)
    if on_exhausted not in ON_EXHAUSTED:
        raise ValueError("on_exhausted must be 'trap' or 'suspend', got %r"
                         % (on_exhausted,))


def fuel_out(cell):
    """Exhaustion: nothing is left, the guest traps, or in suspend mode
    the call suspends before the charge (which runs again on resume)."""
    cell[0] = 0
    if cell[1]:
        raise E.Suspended(None, "fuel")
    raise E.Trap(E.TRAP_OUT_OF_FUEL)


def _cache(module, name):
    """The dict ``module.<name>``, made on first use: where the metered code
    of a module is kept apart from the unmetered code."""
    cache = getattr(module, name, None)
    if cache is None:
        cache = {}
        setattr(module, name, cache)
    return cache


# -- the interpreter ---------------------------------------------------------

def lowered(module, defn):
    """The metered lowering of a defined function (cached on the module,
    unless it is lazily decoded: its Funcs are made afresh on each read,
    see module.FuncTable, and a board keeps no IR)."""
    cache = {} if type(module.funcs) is not list else _cache(module, "_fuel_lowered")
    low = cache.get(defn)
    if low is None:
        from wasmbed.core.lower import lower_function
        from wasmbed.core.host_charge import account_of, lower_cost
        acct = account_of(module)
        if acct is not None:   # pool mode: the IR's host memory
            acct.charge(lower_cost(defn), "lowering a metered function")
        low = lower_function(module, defn, region_costs(defn.body))
        cache[defn] = low
    return low


def charge_op(cell, k, nxt):
    """The interpreter's closure for a region charge of k units."""
    def op(R):
        f = cell[0] - k
        if f < 0:
            fuel_out(cell)
        cell[0] = f
        return nxt
    return op


def charge_n_op(cell, reg, shift, nxt):
    """The interpreter's closure for a bulk charge of R[reg] >> shift."""
    def op(R):
        k = R[reg] >> shift
        if k:
            f = cell[0] - k
            if f < 0:
                fuel_out(cell)
            cell[0] = f
        return nxt
    return op


# -- the fast tier -----------------------------------------------------------

NAMES = {"fuel_out": fuel_out}


def fast_binder(module, fidx):
    """The metered ``bind_<fidx>`` factory (cached on the module apart from
    the unmetered ones)."""
    cache = _cache(module, "_fuel_binders")
    b = cache.get(fidx)
    if b is None:
        from wasmbed.core import fast
        defn = module.funcs[fidx - module.num_imported_funcs]
        b = fast.compile_function(module, fidx, region_costs(defn.body))
        cache[fidx] = b
    return b


_MeteredCtx = None


def fast_ctx(inst):
    """The instance's metered fast-tier context (made on first use): its
    functions are the metered translations, and so is every wasm function
    they call, in this instance or another."""
    c = getattr(inst, "_fast_fuel", None)
    if c is None:
        from wasmbed.core.host_charge import account_of, FAST_FUNC_CHARGE
        acct = account_of(inst)
        if acct is not None:   # its call stubs (pool mode)
            acct.charge(FAST_FUNC_CHARGE * len(inst.funcs), "metered call stubs")
        c = _metered_ctx_class()(inst)
        inst._fast_fuel = c
    return c


def _metered_ctx_class():
    global _MeteredCtx
    if _MeteredCtx is None:
        from wasmbed.core import fast

        class MeteredCtx(fast.Ctx):
            def __init__(self, inst):
                fast.Ctx.__init__(self, inst)
                self.fns = [_stub(self, i) for i in range(len(inst.funcs))]

            def callable_of(self, f):
                if f.host is not None:
                    return fast._host_caller(self, f)
                c = self if f.instance is self.inst else fast_ctx(f.instance)
                return c.fns[f.index]

            def realize_fn(self, i):
                return _realize(self, i)

            def tail_callable_of(self, f):
                if f.host is not None:
                    return fast._host_caller(self, f)
                c = self if f.instance is self.inst else fast_ctx(f.instance)
                return c.tail_fns()[f.index]
        _MeteredCtx = MeteredCtx
    return _MeteredCtx


def _stub(ctx, i):
    def stub(env, sb, *args):
        return _realize(ctx, i)(env, sb, *args)
    return stub


def _realize(ctx, i):
    from wasmbed.core import fast
    f = ctx.funcs[i]
    inner = None
    if f.host is not None:
        fn = fast._host_caller(ctx, f)
    elif f.instance is not ctx.inst:
        c = fast_ctx(f.instance)
        fn = _realize(c, f.index)
        if c.tails is not None:
            inner = c.tails[f.index]
    else:
        b = fast_binder(ctx.module, i)
        fast.charge_binding(ctx, i)
        fn = b(ctx)
    return fast.bound(ctx, i, fn, inner)
