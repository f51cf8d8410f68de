"""The fast tier's GC instructions (hooked into translate.py): each one a
call of core/gc.py's function for it, bound per instance in the
translation's prelude (``ctx.gc(ins)``, ``ctx.gc_test(reftype)``), so
no lookup happens per access; struct.get / struct.set and array.get /
array.set of unpacked fields and elements are direct list operations on
the object, behind a null (and bounds) test (the temporaries ``_ga``,
``_gi``, ``_gv``).
"""

from wasmbed.core import opcodes as O

_FB = O.PREFIX_FB


def _plain_struct_field(module, ins):
    t = module.types[ins[1]].fields[ins[2]][0]
    return t != 0x78 and t != 0x77


def _plain_array(module, ins):
    t = module.types[ins[1]].field[0]
    return t != 0x78 and t != 0x77


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
    if s == 2 and _plain_struct_field(module, ins):
        (o,), h = t.operands(1)
        f = t.need("GCSO", "ctx.gc_name('struct_of')")
        t.stmt_result(h, "%s(%s).f[%d]" % (f, t.val(o), ins[2]))
        return
    if s == 5 and _plain_struct_field(module, ins):
        (o, v), h = t.operands(2)
        f = t.need("GCSO", "ctx.gc_name('struct_of')")
        t.emit("%s(%s).f[%d] = %s" % (f, t.val(o), ins[2], t.val(v)))
        return
    if (s == 11 or s == 14) and _plain_array(module, ins):
        # array.get / array.set: the operands in order into temporaries,
        # one test for null and bounds, then the list access
        ops, h = t.operands(2 if s == 11 else 3)
        chk = t.need("GCAC", "ctx.gc_name('array_check')")
        t.emit("_ga = %s" % t.val(ops[0]))
        t.emit("_gi = %s" % t.val(ops[1]))
        if s == 14:
            t.emit("_gv = %s" % t.val(ops[2]))
        t.emit("if _ga is None or _gi >= len(_ga.a):", ["%s(_ga)" % chk])
        if s == 11:
            t.stmt_result(h, "_ga.a[_gi]")
        else:
            t.emit("_ga.a[_gi] = _gv")
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
