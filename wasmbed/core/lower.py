"""Lowering of validated function bodies to the interpreter's register form.

The wasm operand stack has a statically known height at every instruction,
so each stack slot gets a fixed index in the frame's register file R:

    R = params + declared locals + stack slots ... + constants (from the end)

Stack slot h lives at R[L + h] (L = number of params and locals); constants
live at negative indices (R[-1], R[-2], ...) and are filled in when the
frame is created, so `i32.const` costs nothing at run time. `local.get`
is also free: the virtual stack remembers that the value lives in a local
until something overwrites that local or a block boundary forces it into
its canonical slot.

The result is a list of IR operations (lists, kind first) with branch
targets as Label objects; interp.py turns them into closures per instance.
The lowering trusts its input: the module must have passed validation.
"""

from wasmbed.core import opcodes as O
from wasmbed.core.module import (BT_EMPTY, I32, I64, F32, F64, V128)
from wasmbed.core.float_host import soft as _soft_float

_F64_ZERO = 0 if _soft_float() else 0.0   # soft mode: f64 values are bits

# Position of the destination register in IR ops that write one register,
# used to forward a result straight into a local on `local.set`.
DEST_POS = {"bin": 2, "un": 2, "load": 2, "select": 1, "gget": 1,
            "copy": 1, "isnull": 1, "msize": 1, "tget": 2, "tsize": 2,
            "addshl": 1, "load_add": 2, "load_idx": 2}

COMPARE_OPS = frozenset(list(range(0x46, 0x50)) + list(range(0x51, 0x5B)))


class Label:
    """A branch target; ``pos`` is its IR index once bound. A loop's label
    is followed by a "poll" op that checks the terminate flag, so every
    back edge passes a poll without branches having to check."""

    __slots__ = ("pos", "back")

    def __init__(self, back=False):
        self.pos = -1
        self.back = back


# the last registers of every frame: the executor's (see interp.run_frames)
FRAME_SLOTS = 2


class Lowered:
    """The lowered form of one function.

    ``ir`` list of ops; ``nparams``; ``template`` the initial values of
    everything in R after the params (locals zeroed, stack slots, constants
    reversed, then FRAME_SLOTS slots the executor keeps its frame in: see
    interp.run_frames); ``slots`` the params, locals and the wasm operand
    stack's greatest height: what the frame charges (call_stack.frame_cost,
    the fast tier's count too; the constants are not counted, they are the
    interpreter's own); ``handlers`` None, or the
    try_tables and legacy trys as ``(start, end, clauses)`` in the order
    their ranges close (so innermost first): IR indices [start, end) are
    the body, each clause ``(kind, tagidx, pos, dst, save)``
    (opcodes.CATCH_*, tagidx -1 for the catch_all forms) branches to IR
    index pos with the values it pushes in R[dst], R[dst + 1], ... and,
    for a legacy catch, the exception in R[save] (rethrow reads it; None
    otherwise). A legacy ``delegate`` has an int instead of clauses: the
    search goes on from that handler index.
    """

    __slots__ = ("ir", "nparams", "template", "slots", "nresults", "handlers")

    def __init__(self, ir, nparams, template, nresults, handlers, slots):
        self.ir = ir
        self.nparams = nparams
        self.template = template
        self.slots = slots
        self.nresults = nresults
        self.handlers = handlers


def zero_of(t):
    if t == F64:
        return _F64_ZERO
    if t in (I32, I64, F32, V128):
        return 0
    return None


def block_arity(module, bt):
    """-> (nparams, nresults) of a block type."""
    if bt == BT_EMPTY:
        return 0, 0
    if bt < 0:
        return 0, 1
    ft = module.types[bt]
    return len(ft.params), len(ft.results)


class _Ctl:
    __slots__ = ("op", "label", "else_label", "height", "nparams",
                 "nresults", "unreachable", "catches", "hindex", "hend",
                 "save", "in_do")

    def __init__(self, op, label, height, nparams, nresults):
        self.op = op
        self.label = label
        self.else_label = None
        self.height = height
        self.nparams = nparams
        self.nresults = nresults
        self.unreachable = False
        self.catches = None    # try_table, try: (IR start, clauses with Labels)
        self.hindex = -1       # legacy try: its handler index (where a
        self.hend = -1         #   delegate into its body goes on); any: the
        self.save = None       #   handler count after its end; a catch's
        self.in_do = False     #   exception register; try still in `do`


def lower_function(module, func, fuel=None):
    """Lower a validated module.Func to a Lowered. ``fuel``: None, or the
    {instruction index: cost} of fuel.region_costs, to lower the metered
    form ("fuel" charges at region starts, "fuel_n" before bulk ops)."""
    ftype = module.types[func.type_idx]
    params = ftype.params
    nparams = len(params)
    L = nparams + len(func.locals)
    ir = []
    stk = []
    consts = []
    const_index = {}
    # "entry": every op so far runs only on the way in (False from the
    # first label on: a branch may then reach the code with any value in
    # the locals); "set": the locals written on the way in (None: none)
    state = {"maxh": 0, "label_at": 0, "entry": L > nparams, "set": None}

    def const_slot(kind, value, key):
        k = const_index.get(key)
        if k is None:
            k = len(consts)
            consts.append(value)
            const_index[key] = k
        return -(k + 1 + FRAME_SLOTS)

    def emit(op):
        ir.append(op)

    def bind(label):
        label.pos = len(ir)
        state["label_at"] = len(ir)
        state["entry"] = False

    def push_canonical():
        h = len(stk)
        s = L + h
        stk.append(s)
        if h + 1 > state["maxh"]:
            state["maxh"] = h + 1
        return s

    def mat(i):
        s = stk[i]
        c = L + i
        if s != c:
            emit(["copy", c, s])
            stk[i] = c

    def mat_all():
        for i in range(len(stk)):
            if stk[i] != L + i:
                mat(i)

    def flush_local(x):
        for i in range(len(stk)):
            if stk[i] == x:
                mat(i)

    def copies_to(height, n):
        """(dst, src) pairs moving the top n values to slots at height."""
        out = []
        top = len(stk)
        for i in range(n):
            src = stk[top - n + i]
            dst = L + height + i
            if src != dst:
                out.append((dst, src))
        return tuple(out)

    def branch_target(depth):
        ctl = ctls[-1 - depth]
        if ctl.op == O.LOOP:
            return ctl.label, ctl.height, ctl.nparams
        return ctl.label, ctl.height, ctl.nresults

    def last_writes(slot):
        """The last op writes `slot` and no label was bound after it."""
        if not ir or state["label_at"] == len(ir):
            return None
        op = ir[-1]
        p = DEST_POS.get(op[0])
        if p is not None and op[p] == slot:
            return op
        return None

    def address(a, ins):
        """A memory-0 access of address register a: the address op before
        it that the access can compute itself (then dropped from the IR) ->
        [kind suffix, x, y(, s)], or None: an i32.add ("_add": R[x] + R[y])
        or an i32.shl by a constant or addshl ("_idx": R[x] + (R[y] << s),
        x a zero constant for the shift); the access becomes ["load_add",
        opid, d, offset, x, y], ["store_idx", opid, v, offset, x, y, s]..."""
        if len(ins) != 3 or a != L + len(stk):
            return None
        op = last_writes(a)
        if op is None:
            return None
        if op[0] == "addshl":
            return ["_idx", op[2], op[3], op[4]]
        if op[0] == "bin" and op[1] == 0x6A:
            return ["_add", op[3], op[4]]
        if op[0] == "bin" and op[1] == 0x74 and op[4] < -FRAME_SLOTS:
            return ["_idx", const_slot(O.I32_CONST, 0, (O.I32_CONST, 0)), op[3],
                    consts[-op[4] - 1 - FRAME_SLOTS] & 31]
        return None

    fn_label = Label()
    ctls = [_Ctl(O.BLOCK, fn_label, 0, 0, len(ftype.results))]
    handlers = []
    body = func.body
    n = len(body)
    pc = 0
    skip = 0  # nesting depth of blocks inside unreachable code
    while pc < n:
        ins = body[pc]
        pc += 1
        op = ins[0]
        if ctls[-1].unreachable:
            if (op == O.BLOCK or op == O.LOOP or op == O.IF or op == O.TRY_TABLE
                    or op == O.TRY):
                skip += 1
                continue
            if (op == O.END or op == O.ELSE or op == O.DELEGATE or op == O.CATCH_L
                    or op == O.CATCH_ALL_L):
                if skip:
                    if op == O.END or op == O.DELEGATE:
                        skip -= 1
                    continue
            else:
                continue
        if fuel is not None:
            _fuel_ops(fuel, pc - 1, op, stk, emit)
        sig = O.SIG[op]
        imm = O.IMM[op]
        if imm == O.IMM_NONE and sig is not None and op < 0x100 and op >= 0x45:
            # numeric: unary or binary with one result
            if sig[1] == ":":
                a = stk.pop()
                d = push_canonical()
                emit(["un", op, d, a])
            else:
                b = stk.pop()
                a = stk.pop()
                d = push_canonical()
                if op == 0x6A:
                    # i32.add of a shift by a constant (an index scaled
                    # into an address): one op
                    other = a
                    prev = last_writes(b) if b == d + 1 else None
                    if prev is None and a == d:
                        prev = last_writes(a)
                        other = b
                    if (prev is not None and prev[0] == "bin" and prev[1] == 0x74
                            and prev[4] < -FRAME_SLOTS):
                        ir.pop()
                        emit(["addshl", d, other, prev[3],
                              consts[-prev[4] - 1 - FRAME_SLOTS] & 31])
                        continue
                emit(["bin", op, d, a, b])
            continue
        if op == O.LOCAL_GET:
            x = ins[1]
            h = len(stk)
            stk.append(x)
            if h + 1 > state["maxh"]:
                state["maxh"] = h + 1
        elif op == O.LOCAL_SET or op == O.LOCAL_TEE:
            x = ins[1]
            v = stk.pop()
            if state["entry"]:
                done = state["set"]
                if x >= nparams and (done is None or x not in done) and (
                        v < -FRAME_SLOTS and (
                            const_index.get((O.I32_CONST, 0)) == -v - 1 - FRAME_SLOTS
                            or const_index.get((O.I64_CONST, 0)) == -v - 1 - FRAME_SLOTS)):
                    # a declared local still at its zero gets a zero
                    # (clang's `i32.const 0; local.set x` on entry)
                    if op == O.LOCAL_TEE:
                        stk.append(x)
                    continue
                if done is None:
                    done = state["set"] = set()
                done.add(x)
            if v != x:
                flush_local(x)
                prev = last_writes(v) if v == L + len(stk) else None
                if prev is not None:
                    prev[DEST_POS[prev[0]]] = x
                else:
                    emit(["copy", x, v])
            if op == O.LOCAL_TEE:
                stk.append(x)
        elif op == O.I32_CONST or op == O.I64_CONST or op == O.F32_CONST:
            v = ins[1]
            s = const_slot(op, v, (op, v))
            stk.append(s)
            if len(stk) > state["maxh"]:
                state["maxh"] = len(stk)
        elif op == O.F64_CONST:
            v = ins[1]
            key = (op, _f64_key(v))
            s = const_slot(op, v, key)
            stk.append(s)
            if len(stk) > state["maxh"]:
                state["maxh"] = len(stk)
        elif op == O.V128_CONST:
            s = const_slot(op, ins[1], (op, ins[1]))
            stk.append(s)
            if len(stk) > state["maxh"]:
                state["maxh"] = len(stk)
        elif op == O.REF_NULL:
            s = const_slot(op, None, (op,))
            stk.append(s)
            if len(stk) > state["maxh"]:
                state["maxh"] = len(stk)
        elif op == O.DROP:
            stk.pop()
        elif op == O.SELECT or op == O.SELECT_T:
            c = stk.pop()
            b = stk.pop()
            a = stk.pop()
            d = push_canonical()
            emit(["select", d, a, b, c])
        elif op == O.BLOCK or op == O.LOOP:
            mat_all()
            np_, nr = block_arity(module, ins[1])
            label = Label(back=(op == O.LOOP))
            ctls.append(_Ctl(op, label, len(stk) - np_, np_, nr))
            if op == O.LOOP:
                bind(label)
                emit(["poll", pc - 1])      # (the loop's pc: tiering's OSR)
        elif op == O.TRY_TABLE:
            mat_all()
            clauses = []
            for kind, x, depth in ins[2]:
                if depth == len(ctls) - 1:
                    label, h = fn_label, 0
                else:
                    label, h, _na = branch_target(depth)
                clauses.append((kind, x, label, L + h, None))
            np_, nr = block_arity(module, ins[1])
            ctl = _Ctl(op, Label(), len(stk) - np_, np_, nr)
            ctl.catches = (len(ir), clauses)
            ctl.in_do = True         # a delegate into its body: its clauses
            ctls.append(ctl)
            state["label_at"] = len(ir)
            state["entry"] = False
        elif op == O.TRY:
            mat_all()
            np_, nr = block_arity(module, ins[1])
            ctl = _Ctl(op, Label(), len(stk) - np_, np_, nr)
            ctl.catches = (len(ir), [])
            ctl.in_do = True
            ctls.append(ctl)
            state["label_at"] = len(ir)
            state["entry"] = False
        elif op == O.CATCH_L or op == O.CATCH_ALL_L:
            # (legacy) the do body or the previous catch body ends: to the
            # try's end, like else; this catch's body starts
            ctl = ctls[-1]
            if not ctl.unreachable:
                for i in range(ctl.height, ctl.height + ctl.nresults):
                    mat(i)
                emit(["br", ctl.label, ()])
            if ctl.in_do:
                ctl.in_do = False
                ctl.hindex = len(handlers)
                handlers.append((ctl.catches[0], len(ir), ctl.catches[1]))
                ctl.save = const_slot(None, None, ("exn", pc))
            lb = Label()
            bind(lb)
            if op == O.CATCH_L:
                np_ = len(module.tag_types[ins[1]].params)
                ctl.catches[1].append((0, ins[1], lb, L + ctl.height, ctl.save))
            else:
                np_ = 0
                ctl.catches[1].append((2, -1, lb, L + ctl.height, ctl.save))
            ctl.op = op
            ctl.unreachable = False
            del stk[ctl.height:]
            for i in range(np_):
                stk.append(L + ctl.height + i)
            if ctl.height + np_ > state["maxh"]:
                state["maxh"] = ctl.height + np_
        elif op == O.DELEGATE:
            # (legacy) ends the try like end; what its body throws goes on
            # from the handlers of the label named (counted from outside)
            ctl = ctls.pop()
            if not ctl.unreachable:
                for i in range(ctl.height, ctl.height + ctl.nresults):
                    mat(i)
            depth = ins[1]
            if depth == len(ctls) - 1:
                ref = None                  # the caller's handlers
            else:
                ref = (ctls[-1 - depth], ctls[-1 - depth].in_do)
            ctl.hindex = len(handlers)
            handlers.append((ctl.catches[0], len(ir), ref))
            del stk[ctl.height:]
            for i in range(ctl.nresults):
                stk.append(L + ctl.height + i)
            if ctl.height + ctl.nresults > state["maxh"]:
                state["maxh"] = ctl.height + ctl.nresults
            bind(ctl.label)
            ctl.hend = len(handlers)
        elif op == O.RETHROW:
            emit(["throw_ref", ctls[-1 - ins[1]].save])
            ctls[-1].unreachable = True
        elif op == O.THROW:
            n_ = len(module.tag_types[ins[1]].params)
            srcs = tuple(stk[len(stk) - n_:])
            del stk[len(stk) - n_:]
            emit(["throw", ins[1], srcs])
            ctls[-1].unreachable = True
        elif op == O.THROW_REF:
            emit(["throw_ref", stk.pop()])
            ctls[-1].unreachable = True
        elif op == O.IF:
            c = stk.pop()
            cmp = last_writes(c) if c == L + len(stk) else None
            if cmp is not None and cmp[0] == "bin" and cmp[1] in COMPARE_OPS:
                ir.pop()
            else:
                cmp = None
            mat_all()
            np_, nr = block_arity(module, ins[1])
            ctl = _Ctl(op, Label(), len(stk) - np_, np_, nr)
            ctl.else_label = Label()
            ctls.append(ctl)
            if cmp is not None:
                emit(["br_ncmp", cmp[1], cmp[3], cmp[4], ctl.else_label])
            else:
                emit(["br_ifz", c, ctl.else_label, ()])
        elif op == O.ELSE:
            ctl = ctls[-1]
            if not ctl.unreachable:
                for i in range(ctl.height, ctl.height + ctl.nresults):
                    mat(i)
                emit(["br", ctl.label, ()])
            bind(ctl.else_label)
            ctl.else_label = None
            ctl.unreachable = False
            del stk[ctl.height:]
            for i in range(ctl.nparams):
                stk.append(L + ctl.height + i)
        elif op == O.END:
            ctl = ctls.pop()
            if not ctl.unreachable:
                for i in range(ctl.height, ctl.height + ctl.nresults):
                    mat(i)
            if ctl.else_label is not None:
                bind(ctl.else_label)
            if ctl.op == O.TRY_TABLE:
                # the body's IR ends here, before the code after the end
                ctl.hindex = len(handlers)
                handlers.append((ctl.catches[0], len(ir), ctl.catches[1]))
            elif ctl.op == O.TRY:
                ctl.hindex = len(handlers)      # a try without catch
            del stk[ctl.height:]
            for i in range(ctl.nresults):
                stk.append(L + ctl.height + i)
            if ctl.height + ctl.nresults > state["maxh"]:
                state["maxh"] = ctl.height + ctl.nresults
            if not ctls:
                bind(fn_label)
                emit(["ret", tuple(stk[len(stk) - ctl.nresults:])])
                break
            if ctl.op != O.LOOP:
                bind(ctl.label)
            ctl.hend = len(handlers)
        elif op == O.BR:
            depth = ins[1]
            if depth == len(ctls) - 1:
                emit(["ret", tuple(stk[len(stk) - ctls[0].nresults:])])
            else:
                label, h, na = branch_target(depth)
                emit(["br", label, copies_to(h, na)])
            ctls[-1].unreachable = True
        elif op == O.BR_IF:
            depth = ins[1]
            c = stk.pop()
            if depth == len(ctls) - 1:
                # conditional return: branch to the function's end label
                label, h, na = fn_label, 0, ctls[0].nresults
            else:
                label, h, na = branch_target(depth)
            cp = copies_to(h, na)
            prev = last_writes(c) if c == L + len(stk) else None
            if prev is not None and prev[0] == "bin" and prev[1] in COMPARE_OPS:
                ir.pop()
                emit(["br_cmp", prev[1], prev[3], prev[4], label, cp])
            elif prev is not None and prev[0] == "un" and prev[1] in (0x45, 0x50):
                ir.pop()
                emit(["br_ifz", prev[3], label, cp])
            else:
                emit(["br_if", c, label, cp])
        elif op == O.BR_TABLE:
            # one (target, copies) per distinct depth, and per label an
            # index into them: no object per label (a table of thousands of
            # labels must not cost a board thousands of tuples). Labels
            # decoded as bytes (or a view of the input: every depth below
            # 128) are their own selector, the targets then indexed by
            # depth (None where no label goes): no copy of the table.
            idx = stk.pop()
            labels = ins[1]
            nlab = len(labels)
            distinct = []
            by_depth = {}

            def target_of(depth):
                j = by_depth.get(depth)
                if j is None:
                    if depth == len(ctls) - 1:
                        label, h, na = fn_label, 0, ctls[0].nresults
                    else:
                        label, h, na = branch_target(depth)
                    j = by_depth[depth] = len(distinct)
                    distinct.append((label, copies_to(h, na)))
                return j
            if not isinstance(labels, (tuple, list)):
                sel = labels
                for depth in sorted(set(labels) | set((ins[2],))):
                    while len(distinct) < depth:
                        distinct.append(None)
                    target_of(depth)
                dflt = ins[2]
            else:
                sel = bytearray()       # a list once an index passes 255
                for k in range(nlab):
                    j = target_of(labels[k])
                    if j == 256 and isinstance(sel, bytearray):
                        sel = list(sel)
                    sel.append(j)
                dflt = target_of(ins[2])
            emit(["br_table", idx, sel, distinct, dflt])
            ctls[-1].unreachable = True
        elif op == O.RETURN:
            emit(["ret", tuple(stk[len(stk) - ctls[0].nresults:])])
            ctls[-1].unreachable = True
        elif op == O.UNREACHABLE:
            emit(["unreachable"])
            ctls[-1].unreachable = True
        elif op == O.NOP:
            pass
        elif (op == O.CALL or op == O.CALL_INDIRECT or op == O.RETURN_CALL
              or op == O.RETURN_CALL_INDIRECT):
            # a return_call*: the callee's frame replaces this one, its
            # results are this function's (validation made them equal)
            tail = op == O.RETURN_CALL or op == O.RETURN_CALL_INDIRECT
            direct = op == O.CALL or op == O.RETURN_CALL
            if direct:
                ft = module.func_types[ins[1]]
            else:
                ft = module.types[ins[1]]
                islot = stk.pop()
            na = len(ft.params)
            base = len(stk) - na
            for i in range(base, len(stk)):
                mat(i)
            del stk[base:]
            if direct:
                emit(["rcall" if tail else "call", ins[1], L + base, na])
            else:
                emit(["rcall_ind" if tail else "call_ind", ins[1], ins[2], islot,
                      L + base, na])
            if tail:
                ctls[-1].unreachable = True
            else:
                for i in range(len(ft.results)):
                    push_canonical()
        elif op == O.CALL_REF or op == O.RETURN_CALL_REF:
            # typed function references: the callee is the reference on top
            ft = module.types[ins[1]]
            rslot = stk.pop()
            na = len(ft.params)
            base = len(stk) - na
            for i in range(base, len(stk)):
                mat(i)
            del stk[base:]
            if op == O.CALL_REF:
                emit(["call_ref", rslot, L + base, na])
                for i in range(len(ft.results)):
                    push_canonical()
            else:
                emit(["rcall_ref", rslot, L + base, na])
                ctls[-1].unreachable = True
        elif op == O.REF_AS_NON_NULL:
            emit(["asnonnull", stk[-1]])
        elif op == O.BR_ON_NULL or op == O.BR_ON_NON_NULL:
            # br_on_null branches without the reference, br_on_non_null
            # with it; either way what stays is the same register
            depth = ins[1]
            c = stk.pop()
            if op == O.BR_ON_NON_NULL:
                stk.append(c)
            if depth == len(ctls) - 1:
                label, h, na = fn_label, 0, ctls[0].nresults
            else:
                label, h, na = branch_target(depth)
            cp = copies_to(h, na)
            emit(["br_null" if op == O.BR_ON_NULL else "br_nonnull", c, label, cp])
            if op == O.BR_ON_NULL:
                stk.append(c)
            else:
                stk.pop()
        elif op == O.GLOBAL_GET:
            d = push_canonical()
            emit(["gget", d, ins[1]])
        elif op == O.GLOBAL_SET:
            emit(["gset", ins[1], stk.pop()])
        elif imm == O.IMM_MEMARG and not O.is_atomic(op) and not O.is_simd(op):
            # memory 0: ["load"/"store", ...]; memory x: x appended
            if sig[-1] == ":":
                v = stk.pop()
                a = stk.pop()
                prev = address(a, ins)
                if prev is not None:
                    ir.pop()
                    emit(["store" + prev[0], op, v, ins[2]] + prev[1:])
                else:
                    emit(["store", op, a, v, ins[2]] + list(ins[3:]))
            else:
                a = stk.pop()
                prev = address(a, ins)
                d = push_canonical()
                if prev is not None:
                    ir.pop()
                    emit(["load" + prev[0], op, d, ins[2]] + prev[1:])
                else:
                    emit(["load", op, d, a, ins[2]] + list(ins[3:]))
        elif op == O.MEMORY_SIZE:
            d = push_canonical()
            emit(["msize", d] + list(ins[1:]))
        elif op == O.MEMORY_GROW:
            a = stk.pop()
            d = push_canonical()
            emit(["mgrow", d, a] + list(ins[1:]))
        elif op == O.REF_IS_NULL:
            a = stk.pop()
            d = push_canonical()
            emit(["isnull", d, a])
        elif op == O.REF_FUNC:
            d = push_canonical()
            emit(["reffunc", d, ins[1]])
        elif op == O.TABLE_GET:
            i = stk.pop()
            d = push_canonical()
            emit(["tget", ins[1], d, i])
        elif op == O.TABLE_SET:
            v = stk.pop()
            i = stk.pop()
            emit(["tset", ins[1], i, v])
        elif op == O.TABLE_SIZE:
            d = push_canonical()
            emit(["tsize", ins[1], d])
        elif op == O.TABLE_GROW:
            nn = stk.pop()
            v = stk.pop()
            d = push_canonical()
            emit(["tgrow", ins[1], d, v, nn])
        elif op == O.TABLE_FILL:
            nn = stk.pop()
            v = stk.pop()
            i = stk.pop()
            emit(["tfill", ins[1], i, v, nn])
        elif op == O.TABLE_COPY:
            nn = stk.pop()
            s = stk.pop()
            d = stk.pop()
            emit(["tcopy", ins[1], ins[2], d, s, nn])
        elif op == O.TABLE_INIT:
            nn = stk.pop()
            s = stk.pop()
            d = stk.pop()
            emit(["tinit", ins[1], ins[2], d, s, nn])
        elif op == O.ELEM_DROP:
            emit(["edrop", ins[1]])
        elif op == O.MEMORY_INIT:
            nn = stk.pop()
            s = stk.pop()
            d = stk.pop()
            emit(["minit", ins[1], d, s, nn] + list(ins[2:]))
        elif op == O.DATA_DROP:
            emit(["ddrop", ins[1]])
        elif op == O.MEMORY_COPY:
            nn = stk.pop()
            s = stk.pop()
            d = stk.pop()
            emit(["mcopy", d, s, nn] + list(ins[1:]))
        elif op == O.MEMORY_FILL:
            nn = stk.pop()
            v = stk.pop()
            d = stk.pop()
            emit(["mfill", d, v, nn] + list(ins[1:]))
        elif op == O.PREFIX_FB + 24 or op == O.PREFIX_FB + 25:
            # br_on_cast(_fail): the reference stays in its register
            depth = ins[1]
            c = stk.pop()
            stk.append(c)
            if depth == len(ctls) - 1:
                label, h, na = fn_label, 0, ctls[0].nresults
            else:
                label, h, na = branch_target(depth)
            cp = copies_to(h, na)
            emit(["br_cast", c, label, cp, ins[3], op == O.PREFIX_FB + 25])
        elif op >= O.PREFIX_FB or op == O.REF_EQ:
            # GC: gc.make's function of the operands
            from wasmbed.core import gc as _gc
            if op == O.REF_EQ:
                na, res = 2, True
            else:
                na, res = _gc.arity(module, ins)
            srcs = stk[len(stk) - na:] if na else []
            del stk[len(stk) - na:]
            d = push_canonical() if res else None
            emit(["gc", d, tuple(srcs), ins])
        elif sig is not None:
            # atomics, SIMD and saturating truncations: a generic op with
            # its immediates; the executor looks up a handler by id.
            params, results = sig.split(":")
            srcs = []
            for _ in params:
                srcs.append(stk.pop())
            srcs.reverse()
            d = push_canonical() if results else None
            x = O.mem_index(ins)
            if x:
                emit(["generic", op, d, tuple(srcs), ins[1:], x])
            else:
                emit(["generic", op, d, tuple(srcs), ins[1:]])
        else:
            raise ValueError("cannot lower %s" % O.NAME[op])
    _resolve(ir, lambda: const_slot(O.I32_CONST, 0, (O.I32_CONST, 0)))
    maxh = state["maxh"]
    template = [zero_of(t) for t in func.locals]
    template.extend([None] * maxh)
    template.extend(reversed(consts))
    template.extend([None] * FRAME_SLOTS)
    hs = None
    if handlers:
        out = []
        for a, b, cl in handlers:
            if cl is None:                  # delegate to the caller
                cl = len(handlers)
            elif type(cl) is tuple:         # delegate to a label
                t, in_do = cl
                cl = t.hindex if in_do else t.hend
            else:
                cl = tuple((k, x, lb.pos, dst, sv) for (k, x, lb, dst, sv) in cl)
            out.append((a, b, cl))
        hs = tuple(out)
    return Lowered(ir, nparams, template, len(ftype.results), hs,
                   nparams + len(func.locals) + maxh)


def _fuel_ops(fuel, i, op, stk, emit):
    from wasmbed.core import fuel as FU
    k = fuel.get(i)
    if k:
        emit(["fuel", k])
    if op in FU.BULK:
        emit(["fuel_n", stk[-1], FU.BULK_SHIFT])


def _f64_key(v):
    # distinguish 0.0 / -0.0 and NaN payloads (soft mode: already bits)
    if isinstance(v, int):
        return v
    import struct
    return struct.pack("<d", v)


def _resolve(ir, zero):
    """Replace Label objects in branch ops by target positions (in place),
    then thread jumps: an unconditional branch to a `ret` becomes that
    `ret` (reading the sources of the branch's copies), one without copies
    to a loop header's `poll` becomes a `br_poll` that polls itself and
    skips the header, and a conditional branch without copies to a `poll`
    skips it too, as a `br_cmp` with a trailing True that polls when taken
    (a `br_if` / `br_ifz` as i32.ne / i32.eq against the zero constant
    register zero() names). Copies right before a `ret` fold into it (each
    position keeps its meaning: a branch to a folded copy returns the
    same)."""
    for op in ir:
        k = op[0]
        if k == "br":
            op[1] = op[1].pos
        elif (k == "br_if" or k == "br_ifz" or k == "br_null"
              or k == "br_nonnull" or k == "br_cast"):
            op[2] = op[2].pos
        elif k == "br_cmp" or k == "br_ncmp":
            op[4] = op[4].pos
        elif k == "br_table":
            op[3] = tuple(None if t is None else (t[0].pos, t[1]) for t in op[3])
    for i, op in enumerate(ir):
        k = op[0]
        if k == "br":
            target = ir[op[1]]
            if target[0] == "ret":
                slots = target[1]
                if op[2]:
                    # the registers the ret reads, named before the copies
                    src = {}
                    for d, s in op[2]:
                        src[d] = src.get(s, s)
                    slots = tuple(src.get(x, x) for x in slots)
                ir[i] = ["ret", slots]
            elif target[0] == "poll" and not op[2]:
                ir[i] = ["br_poll", op[1] + 1]
        elif k == "br_if" or k == "br_ifz":
            if not op[3] and ir[op[2]][0] == "poll":
                ir[i] = ["br_cmp", 0x47 if k == "br_if" else 0x46, op[1], zero(),
                         op[2] + 1, (), True]
        elif k == "br_cmp":
            if not op[5] and ir[op[4]][0] == "poll":
                op[4] += 1
                op.append(True)
    for i in range(len(ir) - 1, 0, -1):
        cp = ir[i - 1]
        if ir[i][0] == "ret" and cp[0] == "copy":
            ir[i - 1] = ["ret", tuple(cp[2] if x == cp[1] else x for x in ir[i][1])]
