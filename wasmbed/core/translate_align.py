"""Alignment facts for the fast tier's typed views (JIT on CPython only).

A load or store whose address is provably a multiple of its size indexes a
typed view of memory (``V32[i]``) instead of calling a struct accessor
(translate.view_of). Within one expression the emitter tracks the low zero
bits of each value; this module adds what holds for every value a local or
a global can hold, so that ``l3 = G0.value - 48; ... LD(l3 + 12)`` (a C
frame on the stack pointer, clang -O0) is known aligned.

A mutable integer global that is neither imported nor exported is
aligned to k bits when its initial constant is and every ``global.set``
of it in the module stores a value known aligned to k bits, assuming the
same of every such global (optimistic, refined to a fixpoint). What a
set stores is found by a forward pass over each body (_function) that
models constants, local.get/set/tee, global.get/set and the wrapping
add/sub/mul/and/or/xor/shl (wrapping at 2**32 keeps low zero bits); any
other instruction forgets the operand stack, control instructions the
facts a branch could break (flow-sensitive facts on locals).

``global_align(module)`` -> {global index: low zero bits (>= 1)},
computed once per module (every body is read) and kept in the module's
code cache. ``local_align(module, fidx)`` -> {pc: low zero bits} for
the local.get instructions of one body that read an aligned value.
"""

from wasmbed.core import opcodes as O

_CONST = (O.I32_CONST, O.I64_CONST)
_MIN = frozenset((0x6A, 0x6B, 0x72, 0x73, 0x7C, 0x7D, 0x84, 0x85))
_AND = frozenset((0x71, 0x83))
_MUL = frozenset((0x6C, 0x7E))
_SHL = frozenset((0x74, 0x86))
_BINARY = _MIN | _AND | _MUL | _SHL
_MAX_STEPS = 64            # operations looked at per assigned value
_MAX_ROUNDS = 8            # refinement passes per function


def _tz(k):
    if not k:
        return 64
    n = 0
    while not k & 1:
        k >>= 1
        n += 1
    return n


def _candidates(module):
    """{global index: alignment of its initial value} for the mutable
    integer globals defined (not imported) and not exported."""
    from wasmbed.core.module import EXT_GLOBAL, I32, I64
    out = {}
    base = module.num_imported_globals
    for i, g in enumerate(module.globals):
        gt = g.type
        if not gt.mutable or gt.valtype not in (I32, I64):
            continue
        init = g.init
        if len(init) != 2 or init[0][0] not in _CONST:
            continue
        k = _tz(init[0][1])
        if k:
            out[base + i] = k
    for e in module.exports:
        if e.kind == EXT_GLOBAL:
            out.pop(e.index, None)
    return out


_OPEN = frozenset((O.BLOCK, O.LOOP, O.IF, O.TRY_TABLE, O.TRY))
_CLOSE = frozenset((O.END, O.DELEGATE))
_REOPEN = frozenset((O.ELSE, O.CATCH_L, O.CATCH_ALL_L))


def _sets(body):
    """{start pc: set of locals assigned inside} for every construct."""
    out = {}
    stack = []
    for p in range(len(body)):
        op = body[p][0]
        if op in _OPEN:
            s = set()
            out[p] = s
            stack.append(s)
        elif op in _CLOSE:
            if len(stack) > 1:
                s = stack.pop()
                stack[-1].update(s)
            elif stack:
                stack.pop()
        elif (op == O.LOCAL_SET or op == O.LOCAL_TEE) and stack:
            stack[-1].add(body[p][1])
    return out


_BRANCH = frozenset((O.BR, O.BR_IF, O.BR_ON_NULL, O.BR_ON_NON_NULL,
                     O.PREFIX_FB + 24, O.PREFIX_FB + 25))
_STOP = frozenset((O.BR, O.BR_TABLE, O.RETURN, O.UNREACHABLE, O.THROW,
                   O.THROW_REF, O.RETHROW, O.RETURN_CALL,
                   O.RETURN_CALL_INDIRECT, O.RETURN_CALL_REF))


def _meet(a, b):
    """The facts that hold on both paths (None: unreachable)."""
    if a is None:
        return None if b is None else dict(b)
    if b is None:
        return a
    out = {}
    for x in a:
        v = a[x]
        w = b.get(x, 64)
        out[x] = v if v < w else w
    for x in b:
        if x not in a:
            out[x] = b[x]
    return out


def _function(body, nparams, ga, gsets, gets):
    """One forward pass over a body: records in gsets the least alignment
    each candidate global.set (ga's) stores, in gets (when a dict) the
    bits known at each local.get (pc -> bits, when not 0). Facts on locals
    are flow sensitive: ``la`` maps a local to its bits (absent: never
    assigned on the way here, a zero: 64; params are always present);
    a branch meets its facts into its target's, a block's or if's end
    meets them with the fall-through (and an if without else with the
    facts after its condition); a loop starts from what held before less
    what it assigns (its back edges); a catch from what held at its try's
    start less what the try assigns, and the try_table's catch labels get
    the same. The known part of the operand stack is its top, over an
    unknown rest: any instruction not modelled here forgets it."""
    cons = _sets(body)
    la = {}
    for x in range(nparams):
        la[x] = 0
    st = []                     # (bits, constant or None), known top
    frames = []                 # [kind, facts at the start, sets, out]
    for p in range(len(body)):
        ins = body[p]
        op = ins[0]
        if la is None and op not in _OPEN and op not in _CLOSE and op not in _REOPEN:
            continue
        if op in _CONST:
            k = ins[1]
            st.append((_tz(k), k))
        elif op == O.LOCAL_GET:
            b = la.get(ins[1], 64)
            st.append((b, None))
            if gets is not None and b:
                gets[p] = b
        elif op == O.GLOBAL_GET:
            st.append((ga.get(ins[1], 0), None))
        elif op == O.LOCAL_SET or op == O.LOCAL_TEE:
            v = st.pop() if st else (0, None)
            la[ins[1]] = v[0]
            if op == O.LOCAL_TEE:
                st.append((v[0], None))
        elif op == O.GLOBAL_SET:
            v = st.pop() if st else (0, None)
            g = ins[1]
            if g in ga and v[0] < gsets.get(g, 64):
                gsets[g] = v[0]
        elif op in _BINARY:
            b = st.pop() if st else (0, None)
            a = st.pop() if st else (0, None)
            if op in _MIN:
                r = a[0] if a[0] < b[0] else b[0]
            elif op in _AND:
                r = a[0] if a[0] > b[0] else b[0]
            elif op in _MUL:
                r = a[0] + b[0]
            elif b[1] is not None:
                r = a[0] + (b[1] & (31 if op == 0x74 else 63))
            else:
                r = a[0]
            st.append((r if r < 64 else 64, None))
        elif op in _OPEN:
            st = []
            sets = cons[p]
            if la is None:
                frames.append([op, None, sets, None])
                continue
            fr = [op, dict(la), sets, None]
            frames.append(fr)
            if op == O.LOOP:
                _kill(la, sets)
            elif op == O.TRY_TABLE:
                caught = dict(la)
                _kill(caught, sets)
                for _k, _x, d in ins[2]:
                    _branch(frames, d + 1, caught)
        elif op in _REOPEN:
            st = []
            if frames:
                fr = frames[-1]
                fr[3] = _meet(fr[3], la)
                if fr[1] is None:
                    la = None
                else:
                    la = dict(fr[1])
                    if op != O.ELSE:
                        _kill(la, fr[2])
                    else:
                        fr[0] = O.ELSE
        elif op in _CLOSE:
            st = []
            if not frames:
                continue
            fr = frames.pop()
            if fr[0] == O.LOOP:
                continue            # (its branches went to its start)
            la = _meet(fr[3], la)
            if fr[0] == O.IF:
                la = _meet(la, fr[1])
            if op == O.DELEGATE and la is not None:
                _kill(la, fr[2])
        else:
            st = []
            if op in _BRANCH:
                _branch(frames, ins[1], la)
            elif op == O.BR_TABLE:
                for d in tuple(ins[1]) + (ins[2],):
                    _branch(frames, d, la)
            if op in _STOP:
                la = None


def _branch(frames, d, la):
    """A branch to label d with facts la: into the target's end facts
    (a loop's start needs nothing: it started without what it assigns)."""
    if d >= len(frames):
        return              # the function's own label: a return
    fr = frames[-1 - d]
    if fr[0] != O.LOOP:
        fr[3] = _meet(fr[3], la)


def _kill(la, sets):
    for x in sets:
        la[x] = 0


def global_align(module):
    """{global index: low zero bits} for the globals whose every value is
    aligned (see the module docstring); cached on the module and in its
    code cache."""
    ga = getattr(module, "_fast_galign", None)
    if ga is not None:
        return ga
    cache = getattr(module, "code_cache", None)
    if cache is not None:
        got = cache.get("galign")
        if isinstance(got, dict):
            module._fast_galign = got
            return got
    ga = _candidates(module)
    for _r in range(_MAX_ROUNDS):
        if not ga:
            break
        gsets = {}
        for d in module.funcs:
            body = d.body
            has = False
            for ins in body:
                if ins[0] == O.GLOBAL_SET and ins[1] in ga:
                    has = True
                    break
            if has:
                _function(body, len(module.types[d.type_idx].params), ga, gsets, None)
        new = {}
        for g, a in ga.items():
            b = gsets.get(g, 64)
            if b < a:
                a = b
            if a:
                new[g] = a
        if new == ga:
            break
        ga = new
    else:
        ga = {}
    module._fast_galign = ga
    if cache is not None:
        cache.put("galign", ga)
    return ga


def local_align(module, fidx):
    """{pc: low zero bits} of the local.get instructions of defined
    function fidx (an index in the function space) whose local is known
    aligned there."""
    d = module.funcs[fidx - module.num_imported_funcs]
    gets = {}
    _function(d.body, len(module.types[d.type_idx].params), global_align(module), {}, gets)
    return gets
