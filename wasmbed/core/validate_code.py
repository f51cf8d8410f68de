"""Validation of function bodies: the spec's operand-stack algorithm.

This is the algorithm of the spec's validation appendix, instruction by
instruction: a stack of value types (with UNKNOWN as the bottom type that
unreachable code produces) and a stack of control frames. Each control frame
is a list ``[opcode, start_types, end_types, height, unreachable]``.

Instructions whose typing is fixed (opcodes.SIG) are typed from tables built
once at import; the rest are typed by hand. Immediates are checked before
the operand stack, as the reference interpreter does, so a module with a bad
index reports the index and not a type mismatch.

The only entry point is ``check_function(ctx, func, ftype)``; ``ctx`` is the
module context built by validate.py. Errors: InvalidModule with the spec's
wording ("type mismatch", "unknown local 3", ...); MalformedModule when the
body needs a data count section the module lacks.
"""

from wasmbed.core import opcodes as _ops
from wasmbed.core.errors import InvalidModule, MalformedModule
from wasmbed.core.module import (
    I32, I64, F32, F64, V128, FUNCREF, EXTERNREF, BT_EMPTY, VALTYPE_LETTER)

UNKNOWN = 0
"""The bottom value type: what popping from an unreachable stack yields."""

TYPE_MISMATCH = "type mismatch"

# How an opcode is checked (KIND[opid]).
K_SIG = 0        # fixed signature, no immediate to check
K_HAND = 1       # typed by hand in check_function
K_MEM = 2        # load/store: memory 0 exists, alignment <= natural
K_ATOMIC = 3     # atomic access: memory 0 exists, alignment == natural
K_LANE = 4       # extract/replace lane: lane index < lane count
K_MEM_LANE = 5   # load/store lane: K_MEM checks plus the lane index
K_SHUFFLE = 6    # i8x16.shuffle: every lane index < 32
K_MEMIDX = 7     # memory.size/grow/fill/copy: memory 0 exists
K_SEGMENT = 8    # memory.init, data.drop, table.init, elem.drop, table.copy,
                 # table.size: index checks, then the fixed signature
K_ILLEGAL = 9    # no such opcode

KIND = [K_ILLEGAL] * _ops.NUM_IDS
PARAMS = [()] * _ops.NUM_IDS      # operand types popped, bottom first
RESULT = [0] * _ops.NUM_IDS       # the one result type, or 0 for none
MAX_ALIGN = [0] * _ops.NUM_IDS    # log2 of the natural access size


def _build_tables():
    log2 = {1: 0, 2: 1, 4: 2, 8: 3, 16: 4}
    segment_ops = (_ops.MEMORY_INIT, _ops.DATA_DROP, _ops.TABLE_INIT,
                   _ops.ELEM_DROP, _ops.TABLE_COPY, _ops.TABLE_SIZE)
    for op in range(_ops.NUM_IDS):
        imm = _ops.IMM[op]
        if imm is None:
            continue
        sig = _ops.SIG[op]
        if sig is None:
            KIND[op] = K_HAND
            continue
        params, results = sig.split(":")
        PARAMS[op] = tuple(VALTYPE_LETTER[c] for c in params)
        if len(results) > 1:
            raise ValueError("opcode %s has more than one result" % _ops.NAME[op])
        RESULT[op] = VALTYPE_LETTER[results] if results else 0
        if _ops.MEM_SIZE[op]:
            MAX_ALIGN[op] = log2[_ops.MEM_SIZE[op]]
        if op in segment_ops:
            KIND[op] = K_SEGMENT
        elif imm == _ops.IMM_MEMARG:
            KIND[op] = K_ATOMIC if _ops.is_atomic(op) else K_MEM
        elif imm == _ops.IMM_MEMARG_LANE:
            KIND[op] = K_MEM_LANE
        elif imm == _ops.IMM_LANE:
            KIND[op] = K_LANE
        elif imm == _ops.IMM_SHUFFLE:
            KIND[op] = K_SHUFFLE
        elif imm == _ops.IMM_MEMIDX or imm == _ops.IMM_MEMORY_COPY:
            KIND[op] = K_MEMIDX
        else:
            KIND[op] = K_SIG


_build_tables()

# Block types with no parameters and at most one result, by encoding.
_SINGLE = {BT_EMPTY: ()}
for _t in (I32, I64, F32, F64, V128, FUNCREF, EXTERNREF):
    _SINGLE[-_t] = (_t,)
_NO_TYPES = ()
_REF_OR_UNKNOWN = (FUNCREF, EXTERNREF, UNKNOWN)
_NUMERIC = (I32, I64, F32, F64, UNKNOWN)


def _pop(vals, frame):
    """pop_val() of the spec: any type, or UNKNOWN in unreachable code."""
    if len(vals) == frame[3]:
        if frame[4]:
            return UNKNOWN
        raise InvalidModule(TYPE_MISMATCH)
    return vals.pop()


def _pop_expect(vals, frame, expect):
    """pop_val(expect) of the spec; returns the type actually popped."""
    if len(vals) == frame[3]:
        if frame[4]:
            return UNKNOWN
        raise InvalidModule(TYPE_MISMATCH)
    actual = vals.pop()
    if actual != expect and actual != UNKNOWN and expect != UNKNOWN:
        raise InvalidModule(TYPE_MISMATCH)
    return actual


def _pop_vals(vals, frame, types):
    """pop_vals(types) of the spec; returns the popped types in order."""
    n = len(types)
    if n == 0:
        return _NO_TYPES
    k = len(vals) - n
    if k >= frame[3]:
        # The common case: the operands are there with exactly these types.
        top = vals[k:]
        if top == list(types):
            del vals[k:]
            return top
    out = [UNKNOWN] * n
    while n:
        n -= 1
        out[n] = _pop_expect(vals, frame, types[n])
    return out


def _label_types(frame):
    return frame[1] if frame[0] == 0x03 else frame[2]   # loop: its params


def _unknown(what, idx):
    return InvalidModule("unknown %s %d" % (what, idx))


def check_function(ctx, func, ftype):
    """Type-check one function body against its FuncType.

    Raises InvalidModule (offset = the body's offset) on the first error.
    """
    try:
        _check_body(ctx, func.locals, func.body, ftype)
    except InvalidModule as e:
        if e.offset < 0:
            e.offset = func.offset
        raise


def _check_body(ctx, declared_locals, body, ftype):
    kind = KIND
    params_of = PARAMS
    result_of = RESULT
    max_align = MAX_ALIGN
    lanes_of = _ops.LANES
    single = _SINGLE
    types = ctx.types
    ntypes = len(types)
    func_types = ctx.func_types
    nfuncs = len(func_types)
    table_elems = ctx.table_elems
    ntables = len(table_elems)
    global_types = ctx.global_types
    global_mutable = ctx.global_mutable
    nglobals = len(global_types)
    nmems = ctx.num_mems
    elem_types = ctx.elem_types
    ndatas = ctx.num_datas
    refs = ctx.refs

    ltypes = list(ftype.params)
    ltypes.extend(declared_locals)
    nlocals = len(ltypes)

    vals = []
    frame = [0x02, _NO_TYPES, ftype.results, 0, False]   # the function's block
    ctrls = [frame]
    height = 0
    it = iter(body)
    for ins in it:
        op = ins[0]
        k = kind[op]
        if k == K_SIG:
            pass
        elif k == K_HAND:
            if op == 0x20:                                  # local.get
                x = ins[1]
                if x >= nlocals:
                    raise _unknown("local", x)
                vals.append(ltypes[x])
            elif op == 0x21 or op == 0x22:                  # local.set/tee
                x = ins[1]
                if x >= nlocals:
                    raise _unknown("local", x)
                t = ltypes[x]
                if len(vals) > height and vals[-1] == t:
                    if op == 0x21:
                        vals.pop()
                else:
                    _pop_expect(vals, frame, t)
                    if op == 0x22:
                        vals.append(t)
            elif op == 0x0B:                                # end
                outs = frame[2]
                n = len(outs)
                if not (len(vals) == height + n
                        and (n == 0 or (n == 1 and vals[-1] == outs[0]))):
                    _pop_vals(vals, frame, outs)
                    if len(vals) != height:
                        raise InvalidModule(TYPE_MISMATCH)
                    vals.extend(outs)
                if frame[0] == 0x04 and tuple(frame[1]) != tuple(outs):
                    # if without else: the missing else must map params to
                    # results, so they must be equal.
                    raise InvalidModule(TYPE_MISMATCH)
                ctrls.pop()
                if not ctrls:
                    break
                frame = ctrls[-1]
                height = frame[3]
            elif op == 0x0D:                                # br_if
                x = ins[1]
                if x >= len(ctrls):
                    raise _unknown("label", x)
                if len(vals) > height and vals[-1] == I32:
                    vals.pop()
                else:
                    _pop_expect(vals, frame, I32)
                lt = _label_types(ctrls[-1 - x])
                if lt:
                    _pop_vals(vals, frame, lt)
                    vals.extend(lt)
            elif op == 0x02 or op == 0x03 or op == 0x04:    # block loop if
                bt = ins[1]
                if bt < 0:
                    ins_t = _NO_TYPES
                    outs = single.get(bt)
                    if outs is None:
                        raise InvalidModule(TYPE_MISMATCH)
                else:
                    if bt >= ntypes:
                        raise _unknown("type", bt)
                    ft = types[bt]
                    ins_t = ft.params
                    outs = ft.results
                if op == 0x04:
                    if len(vals) > height and vals[-1] == I32:
                        vals.pop()
                    else:
                        _pop_expect(vals, frame, I32)
                if ins_t:
                    _pop_vals(vals, frame, ins_t)
                height = len(vals)
                frame = [op, ins_t, outs, height, False]
                ctrls.append(frame)
                if ins_t:
                    vals.extend(ins_t)
            elif op == 0x10:                                # call
                x = ins[1]
                if x >= nfuncs:
                    raise _unknown("function", x)
                ft = func_types[x]
                _pop_vals(vals, frame, ft.params)
                vals.extend(ft.results)
            elif op == 0x23:                                # global.get
                x = ins[1]
                if x >= nglobals:
                    raise _unknown("global", x)
                vals.append(global_types[x])
            elif op == 0x24:                                # global.set
                x = ins[1]
                if x >= nglobals:
                    raise _unknown("global", x)
                if not global_mutable[x]:
                    raise InvalidModule("global is immutable")
                _pop_expect(vals, frame, global_types[x])
            elif op == 0x0C:                                # br
                x = ins[1]
                if x >= len(ctrls):
                    raise _unknown("label", x)
                _pop_vals(vals, frame, _label_types(ctrls[-1 - x]))
                del vals[height:]
                frame[4] = True
            elif op == 0x05:                                # else
                if frame[0] != 0x04:
                    raise InvalidModule(TYPE_MISMATCH)
                _pop_vals(vals, frame, frame[2])
                if len(vals) != height:
                    raise InvalidModule(TYPE_MISMATCH)
                frame = [0x05, frame[1], frame[2], height, False]
                ctrls[-1] = frame
                vals.extend(frame[1])
            elif op == 0x0F:                                # return
                _pop_vals(vals, frame, ctrls[0][2])
                del vals[height:]
                frame[4] = True
            elif op == 0x1A:                                # drop
                if len(vals) > height:
                    vals.pop()
                else:
                    _pop(vals, frame)
            elif op == 0x1B:                                # select
                _pop_expect(vals, frame, I32)
                t1 = _pop(vals, frame)
                t2 = _pop(vals, frame)
                if not ((t1 in _NUMERIC and t2 in _NUMERIC)
                        or ((t1 == V128 or t1 == UNKNOWN)
                            and (t2 == V128 or t2 == UNKNOWN))):
                    raise InvalidModule(TYPE_MISMATCH)
                if t1 != t2 and t1 != UNKNOWN and t2 != UNKNOWN:
                    raise InvalidModule(TYPE_MISMATCH)
                vals.append(t2 if t1 == UNKNOWN else t1)
            elif op == 0x1C:                                # select t
                ts = ins[1]
                if len(ts) != 1:
                    raise InvalidModule("invalid result arity")
                t = ts[0]
                _pop_expect(vals, frame, I32)
                _pop_expect(vals, frame, t)
                _pop_expect(vals, frame, t)
                vals.append(t)
            elif op == 0x00:                                # unreachable
                del vals[height:]
                frame[4] = True
            elif op == 0x01:                                # nop
                pass
            elif op == 0x0E:                                # br_table
                default = ins[2]
                if default >= len(ctrls):
                    raise _unknown("label", default)
                for x in ins[1]:
                    if x >= len(ctrls):
                        raise _unknown("label", x)
                _pop_expect(vals, frame, I32)
                dt = _label_types(ctrls[-1 - default])
                arity = len(dt)
                # checking the same label types twice changes nothing:
                # check each types tuple once (linear in labels + types)
                seen = {}
                for x in ins[1]:
                    lt = _label_types(ctrls[-1 - x])
                    if len(lt) != arity:
                        raise InvalidModule(TYPE_MISMATCH)
                    if id(lt) not in seen:
                        seen[id(lt)] = lt
                        vals.extend(_pop_vals(vals, frame, lt))
                _pop_vals(vals, frame, dt)
                del vals[height:]
                frame[4] = True
            elif op == 0x11:                                # call_indirect
                y = ins[2]
                if y >= ntables:
                    raise _unknown("table", y)
                x = ins[1]
                if x >= ntypes:
                    raise _unknown("type", x)
                if table_elems[y] != FUNCREF:
                    raise InvalidModule(TYPE_MISMATCH)
                ft = types[x]
                _pop_expect(vals, frame, I32)
                _pop_vals(vals, frame, ft.params)
                vals.extend(ft.results)
            elif op == 0xD0:                                # ref.null
                vals.append(ins[1])
            elif op == 0xD1:                                # ref.is_null
                t = _pop(vals, frame)
                if t not in _REF_OR_UNKNOWN:
                    raise InvalidModule(TYPE_MISMATCH)
                vals.append(I32)
            elif op == 0xD2:                                # ref.func
                x = ins[1]
                if x >= nfuncs:
                    raise _unknown("function", x)
                if x not in refs:
                    raise InvalidModule("undeclared function reference")
                vals.append(FUNCREF)
            elif op == 0x25 or op == 0x26:                  # table.get/set
                x = ins[1]
                if x >= ntables:
                    raise _unknown("table", x)
                if op == 0x25:
                    _pop_expect(vals, frame, I32)
                    vals.append(table_elems[x])
                else:
                    _pop_expect(vals, frame, table_elems[x])
                    _pop_expect(vals, frame, I32)
            elif op == 0x10F:                               # table.grow
                x = ins[1]
                if x >= ntables:
                    raise _unknown("table", x)
                _pop_expect(vals, frame, I32)
                _pop_expect(vals, frame, table_elems[x])
                vals.append(I32)
            elif op == 0x111:                               # table.fill
                x = ins[1]
                if x >= ntables:
                    raise _unknown("table", x)
                _pop_expect(vals, frame, I32)
                _pop_expect(vals, frame, table_elems[x])
                _pop_expect(vals, frame, I32)
            else:
                raise InvalidModule("illegal opcode %s" % _ops.NAME[op])
            continue
        elif k == K_MEM:
            if not nmems:
                raise _unknown("memory", 0)
            if ins[1] > max_align[op]:
                raise InvalidModule("alignment must not be larger than natural")
        elif k == K_ATOMIC:
            if not nmems:
                raise _unknown("memory", 0)
            if ins[1] != max_align[op]:
                raise InvalidModule("atomic alignment must be natural")
        elif k == K_LANE:
            if ins[1] >= lanes_of[op]:
                raise InvalidModule("invalid lane index")
        elif k == K_MEM_LANE:
            if not nmems:
                raise _unknown("memory", 0)
            if ins[1] > max_align[op]:
                raise InvalidModule("alignment must not be larger than natural")
            if ins[3] >= lanes_of[op]:
                raise InvalidModule("invalid lane index")
        elif k == K_SHUFFLE:
            for lane in ins[1]:
                if lane >= 32:
                    raise InvalidModule("invalid lane index")
        elif k == K_MEMIDX:
            if not nmems:
                raise _unknown("memory", 0)
        elif k == K_SEGMENT:
            _check_segment_op(ins, nmems, ndatas, table_elems, elem_types)
        else:
            raise InvalidModule("illegal opcode 0x%x" % op)

        # Fixed signature: pop the params, push the result.
        p = params_of[op]
        n = len(p)
        if n == 1:
            if len(vals) > height and vals[-1] == p[0]:
                vals.pop()
            else:
                _pop_expect(vals, frame, p[0])
        elif n == 2:
            if (len(vals) - 2 >= height and vals[-1] == p[1]
                    and vals[-2] == p[0]):
                del vals[-2:]
            else:
                _pop_vals(vals, frame, p)
        elif n:
            _pop_vals(vals, frame, p)
        r = result_of[op]
        if r:
            vals.append(r)
    else:
        raise InvalidModule("END opcode expected")
    for ins in it:
        raise InvalidModule("END opcode expected")


def _check_segment_op(ins, nmems, ndatas, table_elems, elem_types):
    """Index checks of the bulk memory and table instructions."""
    op = ins[0]
    if op == _ops.MEMORY_INIT or op == _ops.DATA_DROP:
        if op == _ops.MEMORY_INIT and not nmems:
            raise _unknown("memory", 0)
        if ndatas is None:
            raise MalformedModule("data count section required")
        if ins[1] >= ndatas:
            raise _unknown("data segment", ins[1])
    elif op == _ops.TABLE_INIT:
        x = ins[2]
        if x >= len(table_elems):
            raise _unknown("table", x)
        y = ins[1]
        if y >= len(elem_types):
            raise _unknown("elem segment", y)
        if table_elems[x] != elem_types[y]:
            raise InvalidModule(TYPE_MISMATCH)
    elif op == _ops.ELEM_DROP:
        if ins[1] >= len(elem_types):
            raise _unknown("elem segment", ins[1])
    elif op == _ops.TABLE_COPY:
        x = ins[1]
        y = ins[2]
        if x >= len(table_elems):
            raise _unknown("table", x)
        if y >= len(table_elems):
            raise _unknown("table", y)
        if table_elems[x] != table_elems[y]:
            raise InvalidModule(TYPE_MISMATCH)
    else:                                                   # table.size
        if ins[1] >= len(table_elems):
            raise _unknown("table", ins[1])
