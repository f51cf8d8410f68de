"""The fast tier's GC instructions (hooked into translate.py): each one a
call of core/gc.py's function for it, bound per instance in the
translation's prelude (``ctx.gc(ins)``, ``ctx.gc_test(reftype)``), so
no lookup happens per access; struct.get(_s/_u) / struct.set and
array.get(_s/_u) / array.set are direct list operations on the object
(packed values masked or sign-extended inline), behind one null (and
bounds) test (the temporaries ``_ga``, ``_gi``, ``_gv``).
"""

from wasmbed.core import opcodes as O

_FB = O.PREFIX_FB


# packed storage: the read of get_s (values are stored masked), the mask
# of a write
_SEXT = {0x78: "(((%s) ^ 0x80) - 0x80) & 0xFFFFFFFF",
         0x77: "(((%s) ^ 0x8000) - 0x8000) & 0xFFFFFFFF"}
_MASK = {0x78: " & 0xFF", 0x77: " & 0xFFFF"}


def emit(t, op, ins):
    """Translate GC instruction ``ins`` (ref.eq included) on translator t."""
    from wasmbed.core import gc
    module = t.module
    if op == O.REF_EQ:
        (a, b), h = t.operands(2)
        f = t.need("GCEQ", "ctx.gc_name('ref_eq')")
        t.stmt_result(h, "%s(%s, %s)" % (f, t.val(a), t.val(b)))
        return
    s = op - _FB
    if 2 <= s <= 5 or 11 <= s <= 14:
        # the operands in order into temporaries, one test (null, and
        # bounds for arrays), then the list access
        if s <= 5:
            st = module.types[ins[1]].fields[ins[2]][0]
            n = 2 if s == 5 else 1
            chk = t.need("GCSO", "ctx.gc_name('struct_of')")
            test = "_ga is None"
            place = "_ga.f[%d]" % ins[2]
        else:
            st = module.types[ins[1]].field[0]
            n = 3 if s == 14 else 2
            chk = t.need("GCAC", "ctx.gc_name('array_check')")
            test = "_ga is None or _gi >= len(_ga.a)"
            place = "_ga.a[_gi]"
        ops, h = t.operands(n)
        t.emit("_ga = %s" % t.val(ops[0]))
        if s > 5:
            t.emit("_gi = %s" % t.val(ops[1]))
        setting = s == 5 or s == 14
        if setting:
            t.emit("_gv = %s" % t.val(ops[-1]))
        t.emit("if %s:" % test, ["%s(_ga)" % chk])
        if setting:
            t.emit("%s = _gv%s" % (place, _MASK.get(st, "")))
        elif s == 3 or s == 12:
            t.stmt_result(h, _SEXT[st] % place)
        else:
            t.stmt_result(h, place)
        return
    n, res = gc.arity(module, ins)
    ops, h = t.operands(n)
    x = t.need("GC%d" % len(t.prelude), "ctx.gc(%r)" % (tuple(ins),))
    call = "%s(%s)" % (x, ", ".join(t.val(v) for v in ops))
    if res:
        t.stmt_result(h, call)
    else:
        t.emit(call)


def br_on_cast(t, op, ins):
    """br_on_cast / br_on_cast_fail: the reference, evaluated once, stays
    on the stack whether the branch is taken or not."""
    v = t.vs[-1]
    if v.d > 0 or v.cond:
        t.pop()
        t.stmt_result(len(t.vs), t.val(v))
        v = t.vs[-1]
    x = t.need("GT%d" % len(t.prelude), "ctx.gc_test(%d)" % ins[3])
    neg = "not " if op == _FB + 25 else ""
    t.emit("if %s%s(%s):" % (neg, x, v.e), t.jump(ins[1]))
