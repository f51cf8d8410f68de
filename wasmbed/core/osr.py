"""On-stack replacement at loop headers (fast mode with tier_up, host only).

A function tiering runs in the interpreter (core/tiering.py) may stay
there a long time in one activation: a command's main, called once, that
loops. When its heat runs out at a loop header (a back edge's poll),
that activation moves to a translation entered at the loop: the OSR
entry of function f at loop pc, ``translate.function_source(module, f,
osr=pc)``, is the function's translation with the root as a dispatch
loop over blocks and the loop and every construct around it flattened
into blocks (the rest keeps its structure, as at level 0), which starts
at the loop's block (``_r = pc + 1``) with the wasm locals and the
operand stack slots below the loop (its params included) read from the
interpreter's registers ``R`` (lower.py: local x is R[x], stack slot h
R[L + h]; the lowering and the translator both put every value in its
slot at a loop)::

    def f7(env, sb, R):
        l0, l2, s0 = R[0], R[2], R[4],
        mem = M0.data
        _r = 13
        while True:
            ...

No frame charge and no poll on entry: the interpreted frame charged the
same cost (tiering.frame_cost_of; an entry whose translation counts
another cost is not used) and polled at the header; the stack budget it
gets is the one that frame had left.

In the interpreter the entry is a host call the header op switches to
(switch): a special of the function's Compiled, SP_CALL of a host
function that runs the entry with the budget left (as tiering's shims
do), its results written to R[0:] and the frame returned by an added
ret op, so the interpreted frame ends with the translation's results.
Its handler position is -1 (in no try_table's range): what the
translation does not catch leaves the frame, as from its translation.
Pending tail calls (TAIL) run with the frame's budget given back (the
budget before its charge), as a caller's trampoline does. Host errors
from translated code become their traps as in a shim.

Entries are made once per (function, loop) and module (in the code
cache too, as ``osr<f>_<pc>``), bound once per instance. Not used: in
pool mode (no charge model for them) and in functions with legacy
try/catch (the catch's exception register has no slot in the
translation); tiering translates those on first call when they loop.
"""

from wasmbed.core import interp, fast
from wasmbed.core import errors as E
from wasmbed.core.errors import Trap
from wasmbed.core.fast_rt import STRUCT_ERROR, TAIL, run_tail
from wasmbed.core.call_stack import HOST_FRAME_COST

_LOOP = 0x03
_TRY = 0x06
_CHUNK = 64          # names loaded per assignment


def path(cons, pc):
    """The starts of the loop at pc and of every construct around it
    (translate's constructs by start ``cons``): what the entry flattens.
    Raises ValueError when no reachable loop starts at pc."""
    c = cons.get(pc)
    if c is None or c.kind != _LOOP:
        raise ValueError("fast tier: no loop at %d for an OSR entry" % pc)
    out = set()
    while c.parent is not None:
        out.add(c.start)
        c = c.parent
    return out


def inlined_pc(body, inlined, pc):
    """The pc in ``inlined`` (translate._inline_leaves of ``body``: the
    same instructions with inlined leaves between (_INLINE, cost) and
    (_INLINE_END,)) of the loop at pc in ``body``: the same count of
    loops before it outside inlined code."""
    k = 0
    for i in range(pc):
        if body[i][0] == _LOOP:
            k += 1
    inside = False
    for j in range(len(inlined)):
        op = inlined[j][0]
        if op == -2:
            inside = True
        elif op == -3:
            inside = False
        elif op == _LOOP and not inside:
            if not k:
                return j
            k -= 1
    raise ValueError("fast tier: no loop at %d for an OSR entry" % pc)


def prologue(em, out, entry, reads):
    """The prologue (appended to ``out``): a call's (``entry``, the
    normal prologue) when R is None, else the locals the body reads and
    the slots live at the loop, from R."""
    h = em.osr_h
    if h is None:
        raise ValueError("fast tier: the OSR loop is not reached")
    names = []
    vals = []
    base = em.nlocals
    for x in sorted(reads):
        if x >= base:
            break           # an inlined leaf's (set where it is inlined)
        names.append("l%d" % x)
        vals.append("R[%d]" % x)
    for k in range(h):
        names.append("s%d" % k)
        vals.append("R[%d]" % (base + k))
    load = []
    for i in range(0, len(names), _CHUNK):
        load.append("%s, = %s," % (", ".join(names[i:i + _CHUNK]),
                                   ", ".join(vals[i:i + _CHUNK])))
    load.append("_r = %d" % (em.osr + 1))
    entry.append("_r = 0")
    out.extend(["if R is None:", entry, "else:", load])


def possible(module, defn):
    """Whether function ``defn`` of ``module`` can get OSR entries."""
    if getattr(module, "host_account", None) is not None:
        return False
    for ins in defn.body:
        if ins[0] == _TRY:
            return False
    return True


def binder(module, fidx, pc, term=None):
    """(bind factory, frame cost) of function fidx's OSR entry at loop pc
    (made once per module)."""
    made = getattr(module, "_osr_binders", None)
    if made is None:
        made = module._osr_binders = {}
    key = (fidx, pc)
    b = made.get(key)
    if b is not None:
        return b
    code, cost = fast._compiled(module, fidx, None, term, pc)
    ns = getattr(module, "_osr_ns", None)
    if ns is None:
        from wasmbed.core import fast_rt
        ns = module._osr_ns = dict(fast_rt.names())
    exec(code, ns)
    b = made[key] = (ns.pop("bind_%d" % fidx), cost, code)
    return b


def switch(t, pc):
    """The interpreter's switch (~k) into the OSR entry of _Tier t's
    function at loop pc, made on first use; None where there is none."""
    s = t.osr.get(pc)
    if s is None:
        s = t.osr[pc] = _make(t, pc)
    return s if s is not False else None


def _make(t, pc):
    ctx = t.ctx
    comp = t.interp
    module = ctx.module
    i = t.index
    try:
        b, cost, code = binder(module, i, pc, ctx.term)
    except ValueError:
        return False
    if cost != comp.cost:
        return False
    fn = b(ctx)
    if type(fn) is tuple:
        inner = fn[1]
    else:
        inner = fn
    bound = ctx.is_bound
    if bound is None or not bound[i]:
        # the function's translation from now on (no second one for its
        # calls): for this instance, the module's others and the cache
        binders = getattr(module, "_fast_binders", None)
        if binders is None:
            binders = module._fast_binders = {}
        if i not in binders:
            binders[i] = b
            cache = getattr(module, "code_cache", None)
            if cache is not None:
                cache.put(i, code)
        fast.bound(ctx, i, fn)
    pad = (None,) * len(t.type.params)

    def host(env, *R):
        sb = env.stack_size - env.stack_used + HOST_FRAME_COST
        try:
            r = inner(env, sb, *(pad + (R,)))
            if r is TAIL:
                r = run_tail(env, sb + cost)
        except ZeroDivisionError:
            raise Trap(E.TRAP_DIV_ZERO)
        except (STRUCT_ERROR, IndexError, OverflowError):
            raise Trap(E.TRAP_MEMORY_OOB)
        return r
    from wasmbed.core.tiering import _ShimHost
    hf = _ShimHost(host, t.type)
    code = comp.code
    sp = comp.specials
    nr = len(t.type.results)
    sp.append((interp.SP_RET1, 0) if nr == 1 else (interp.SP_RET0,) if nr == 0
              else (interp.SP_RET, tuple(range(nr))))
    ret = len(code)
    code.append(interp._switch_op(len(sp) - 1))
    slots = t.defn.compiled.slots
    sp.append((interp.SP_CALL, hf, 0, slots, 0, (0, ret), ctx.term))
    return ~(len(sp) - 1)
