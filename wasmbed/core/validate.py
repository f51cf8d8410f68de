"""Validation of a decoded module (the spec's "Validation" chapter).

``validate_module(module)`` checks a Module from decode.decode_module():
index spaces, limits, constant expressions, segments, exports, the start
function, and every function body (validate_code.py). It runs the checks in
the order of the reference interpreter, so a module with one error reports
the message the spec test suite expects.

Feature set: WebAssembly 2.0 (multi-value, reference types, bulk memory,
several tables, at most one memory), fixed-width SIMD, the threads
proposal (shared memories, atomics), and from 3.0 extended constant
expressions, exception handling (tags, throw, throw_ref, try_table,
exnref), multiple memories, memory64 and table64 ("multiple memories" is
an error only for modules decoded with the 2.0 rules).

Raises InvalidModule(message) with the spec's wording: "type mismatch",
"unknown function 3", "constant expression required", "duplicate export
name", "multiple memories", ... Raises MalformedModule for the two binary
rules about the data count section when the decoder left them to us.
On success sets ``module.validated = True``; validating a module again
is a no-op.
"""

from wasmbed.core import opcodes as _ops
from wasmbed.core.errors import InvalidModule, MalformedModule, TYPE_MISMATCH, unknown as _unknown
from wasmbed.core.module import (
    I32, I64, F32, F64, V128, FUNCREF, EXT_FUNC, EXT_TABLE, EXT_MEMORY,
    EXT_GLOBAL, EXT_TAG, MODE_ACTIVE, MAX_PAGES, MAX_PAGES64, TYPED,
    HEAP_INDEX, ref_type, heap_of, subtype, defaultable, type_key, FuncType,
    StructType, I8, I16)
from wasmbed.core.validate_code import check_function

MAX_TABLE_SIZE = 0xFFFFFFFF

_CONST_TYPE = {
    _ops.I32_CONST: I32, _ops.I64_CONST: I64, _ops.F32_CONST: F32,
    _ops.F64_CONST: F64, _ops.V128_CONST: V128,
}


class Context:
    """The spec's validation context C, in the shape the checkers use.

    ``types`` FuncTypes; ``func_types`` FuncType per function index;
    ``table_elems`` element reftype per table index; ``global_types`` and
    ``global_mutable`` per global index (``num_const_globals`` of them, the
    imported ones, are what 2.0's constant expressions see); ``num_mems``;
    ``elem_types`` reftype per element segment; ``num_datas`` (None when the
    module has no data count section); ``refs`` the set of function indices
    a ref.func may name; ``spec2`` the module was decoded with the 2.0
    rules (Module.spec2: no extended constants, no exceptions);
    ``tag_types`` the FuncType of each tag index; ``mem64`` and
    ``table64`` per memory / table index whether its addresses are i64
    (memory64, table64); ``module`` the Module (what subtype() resolves
    type indices in), ``func_type_idx`` the type index of each function.
    """

    __slots__ = ("types", "func_types", "table_elems", "global_types",
                 "global_mutable", "num_const_globals", "num_mems",
                 "elem_types", "num_datas", "refs", "spec2", "tag_types",
                 "mem64", "table64", "module", "func_type_idx")


def check_valtype(t, ntypes):
    """A value type naming a type index (3.0 typed references) names one
    that exists ("unknown type N")."""
    if t >= TYPED:
        h = heap_of(t)
        if h >= HEAP_INDEX and h - HEAP_INDEX >= ntypes:
            raise _unknown("type", h - HEAP_INDEX)


def _valtypes_of(dt):
    """Every value type a defined type names (packed fields left out)."""
    if isinstance(dt, FuncType):
        return dt.params + dt.results
    if isinstance(dt, StructType):
        return tuple([t for t, _ in dt.fields if t != I8 and t != I16])
    t = dt.field[0]
    return () if t == I8 or t == I16 else (t,)


def func_type(types, x):
    """The FuncType of type index x: InvalidModule "unknown type x", or
    "type mismatch" when x is a struct or array type."""
    if x >= len(types):
        raise _unknown("type", x)
    ft = types[x]
    if not isinstance(ft, FuncType):
        raise InvalidModule(TYPE_MISMATCH)
    return ft


def _field_sub(a, b, m):
    """Field a (storage, mutable) matches field b of a supertype."""
    if a[1] != b[1]:
        return False
    if a[0] == b[0]:
        return True
    if a[0] in (I8, I16) or b[0] in (I8, I16):
        return False
    if not subtype(a[0], b[0], m):
        return False
    return not a[1] or subtype(b[0], a[0], m)


def _check_sub(m, dt, sup):
    """A declared supertype: not final, of the same kind, and the sub
    type's structure matches it ("sub type")."""
    ok = not sup.final and type(dt) is type(sup)
    if ok and isinstance(dt, FuncType):
        ok = (len(dt.params) == len(sup.params)
              and len(dt.results) == len(sup.results))
        if ok:
            for a, b in zip(sup.params, dt.params):
                if a != b and not subtype(a, b, m):
                    ok = False
            for a, b in zip(dt.results, sup.results):
                if a != b and not subtype(a, b, m):
                    ok = False
    elif ok and isinstance(dt, StructType):
        ok = len(dt.fields) >= len(sup.fields)
        if ok:
            for i in range(len(sup.fields)):
                if not _field_sub(dt.fields[i], sup.fields[i], m):
                    ok = False
    elif ok:
        ok = _field_sub(dt.field, sup.field, m)
    if not ok:
        raise InvalidModule("sub type does not match super type")


def _check_valtypes(ts, ntypes):
    for t in ts:
        if t >= TYPED:
            check_valtype(t, ntypes)


def check_tag_type(types, x):
    """A tag's type: a function type index with no results."""
    func_type(types, x)
    if types[x].results:
        raise InvalidModule("non-empty tag result type")
    return types[x]


def _check_limits(limits, bound, message):
    if limits.min > bound:
        raise InvalidModule(message)
    if limits.max is not None:
        if limits.max > bound:
            raise InvalidModule(message)
        if limits.min > limits.max:
            raise InvalidModule("size minimum must not be greater than maximum")


def check_table_type(tt):
    """A table type: limits within 2^32-1 elements (2^64-1 for table64),
    min <= max."""
    if tt.limits.is64:
        _check_limits(tt.limits, 0xFFFFFFFFFFFFFFFF,
                      "table size must be at most 2^64-1")
    else:
        _check_limits(tt.limits, MAX_TABLE_SIZE,
                      "table size must be at most 2^32-1")


def check_memory_type(mt):
    """A memory type: at most 65536 pages (2^48 for memory64), min <= max,
    shared needs a max."""
    if mt.limits.is64:
        _check_limits(mt.limits, MAX_PAGES64,
                      "memory size must be at most 2^48 pages")
    else:
        _check_limits(mt.limits, MAX_PAGES,
                      "memory size must be at most 65536 pages (4GiB)")
    if mt.limits.shared and mt.limits.max is None:
        raise InvalidModule("shared memory must have maximum")


# extended constant expressions: i32/i64 add, sub, mul
_CONST_BINOP = {0x6A: I32, 0x6B: I32, 0x6C: I32, 0x7C: I64, 0x7D: I64,
                0x7E: I64}


# GC instructions allowed in constant expressions: struct.new(_default),
# array.new(_default/_fixed), any.convert_extern, extern.convert_any,
# ref.i31
_GC_CONST = tuple([_ops.PREFIX_FB + s for s in (0, 1, 6, 7, 8, 26, 27, 28)])


def check_const_expr(ctx, expr, expected, nglobals=None):
    """A constant expression that leaves exactly one value of type expected.

    Constant instructions (WebAssembly 3.0, extended constants): t.const,
    ref.null, ref.func, i32/i64 add, sub and mul, and global.get of an
    immutable global among the first ``nglobals`` (default: every global;
    a global's initializer sees the imported and earlier globals).
    """
    if nglobals is None or ctx.spec2:
        nglobals = ctx.num_const_globals if ctx.spec2 else len(ctx.global_types)
    stack = []
    for ins in expr:
        op = ins[0]
        t = _CONST_TYPE.get(op)
        if t is not None:
            stack.append(t)
        elif op == _ops.END:
            break
        elif op == _ops.GLOBAL_GET:
            x = ins[1]
            if x >= nglobals:
                raise _unknown("global", x)
            if ctx.global_mutable[x]:
                raise InvalidModule("constant expression required")
            stack.append(ctx.global_types[x])
        elif op == _ops.REF_NULL:
            check_valtype(ins[1], len(ctx.types))
            stack.append(ins[1])
        elif op == _ops.REF_FUNC:
            if ins[1] >= len(ctx.func_types):
                raise _unknown("function", ins[1])
            stack.append(FUNCREF if ctx.spec2 else ref_type(
                False, HEAP_INDEX + ctx.func_type_idx[ins[1]]))
        elif op in _GC_CONST and not ctx.spec2:
            from wasmbed.core import validate_gc
            frame = [0x02, (), (), 0, False, ctx.module, 0]
            validate_gc.check(ctx, ins, stack, frame, [frame])
        elif op in _CONST_BINOP and not ctx.spec2:
            t = _CONST_BINOP[op]
            if len(stack) < 2 or stack[-1] != t or stack[-2] != t:
                raise InvalidModule(TYPE_MISMATCH)
            stack.pop()
        else:
            raise InvalidModule("constant expression required")
    if len(stack) != 1 or (stack[0] != expected and not subtype(
            stack[0], expected, ctx.module)):
        raise InvalidModule(TYPE_MISMATCH)


def _declared_refs(module):
    """C.refs: function indices named outside function bodies (exports,
    element segments, global initializers)."""
    refs = set()
    for e in module.exports:
        if e.kind == EXT_FUNC:
            refs.add(e.index)
    exprs = [g.init for g in module.globals]
    for el in module.elems:
        idx = getattr(el.init, "indices", None)     # a FuncIndexItems
        if idx is not None:
            refs.update(idx)
        else:
            exprs.extend(el.init)
    for expr in exprs:
        for ins in expr:
            if ins[0] == _ops.REF_FUNC:
                refs.add(ins[1])
    return refs


def _build_context(module):
    types = module.types
    ntypes = len(types)
    ctx = Context()
    ctx.types = types
    ctx.module = module
    ftidx = []
    rec = module.rec
    for i, ft in enumerate(types):
        ps = _valtypes_of(ft)
        if len(ft.supers) > 1:
            raise InvalidModule("multiple supertypes")
        for z in ft.supers:
            if z >= i:
                raise _unknown("type", z)
        # a type may name the types up to the end of its rec group
        grp = rec.get(i) if rec is not None else None
        end = i + 1 if grp is None else grp[0] + grp[1]
        if (grp is not None or ft.supers or not ft.final
                or not isinstance(ft, FuncType)):
            _check_valtypes(ps, end)
            ft.key = type_key(module, i)
        else:
            for t in ps:
                if t >= TYPED:
                    # typed references: checked, and compared by meaning
                    _check_valtypes(ps, end)
                    ft.key = type_key(module, i)
                    break
        for z in ft.supers:
            _check_sub(module, ft, types[z])
    func_types = []
    table_elems = []
    gtypes = []
    gmut = []
    tag_types = []
    mem64 = []
    table64 = []
    # Imports first, as the index spaces order them.
    for imp in module.imports:
        k = imp.kind
        if k == EXT_FUNC:
            func_types.append(func_type(types, imp.desc))
            ftidx.append(imp.desc)
        elif k == EXT_TABLE:
            check_valtype(imp.desc.elem, ntypes)
            check_table_type(imp.desc)
            table_elems.append(imp.desc.elem)
            table64.append(imp.desc.limits.is64)
        elif k == EXT_MEMORY:
            check_memory_type(imp.desc)
            mem64.append(imp.desc.limits.is64)
        elif k == EXT_GLOBAL:
            check_valtype(imp.desc.valtype, ntypes)
            gtypes.append(imp.desc.valtype)
            gmut.append(imp.desc.mutable)
        elif k == EXT_TAG:
            tag_types.append(check_tag_type(types, imp.desc))
    ctx.num_const_globals = len(gtypes)
    for x in module.tags:
        tag_types.append(check_tag_type(types, x))
    ctx.tag_types = tag_types
    seen_locals = {}
    for f in module.funcs:
        func_types.append(func_type(types, f.type_idx))
        ftidx.append(f.type_idx)
        loc = f.locals
        if loc and id(loc) not in seen_locals:    # lists shared by decode
            seen_locals[id(loc)] = loc
            _check_valtypes(loc, ntypes)
    for t in module.tables:
        check_valtype(t.elem, ntypes)
        table_elems.append(t.elem)
        table64.append(t.limits.is64)
    for m in module.mems:
        mem64.append(m.limits.is64)
    for g in module.globals:
        check_valtype(g.type.valtype, ntypes)
        gtypes.append(g.type.valtype)
        gmut.append(g.type.mutable)
    ctx.func_types = func_types
    ctx.func_type_idx = ftidx
    for el in module.elems:
        check_valtype(el.type, ntypes)
    ctx.table_elems = table_elems
    ctx.global_types = gtypes
    ctx.global_mutable = gmut
    ctx.num_mems = len(mem64)
    ctx.mem64 = mem64
    ctx.table64 = table64
    ctx.elem_types = [el.type for el in module.elems]
    ctx.num_datas = module.data_count
    ctx.refs = _declared_refs(module)
    ctx.spec2 = module.spec2
    return ctx


def validate_module(module, term=None, bodies=True):
    """Validate a decoded Module; sets ``module.validated`` on success.

    Raises InvalidModule (or MalformedModule for a missing or inconsistent
    data count section) on the first error found. ``term`` an optional
    terminate flag (one-element list) polled between functions: when set,
    what it asks for is raised. ``bodies`` (default True) False takes the
    function bodies as valid, for a binary known to be (a code cache entry,
    an AOT module): the rest is still checked and the types get their keys.
    """
    if module.validated:
        return
    if module.data_count is not None and module.data_count != len(module.datas):
        raise MalformedModule(
            "data count and data section have inconsistent lengths")
    ctx = _build_context(module)

    for i, g in enumerate(module.globals):
        check_const_expr(ctx, g.init, g.type.valtype, ctx.num_const_globals + i)
    for t in module.tables:
        check_table_type(t)
        if t.init is not None:
            # tables precede globals: only imported ones are visible
            check_const_expr(ctx, t.init, t.elem, ctx.num_const_globals)
        elif not defaultable(t.elem):
            raise InvalidModule(TYPE_MISMATCH)
    for m in module.mems:
        check_memory_type(m)
    for el in module.elems:
        for expr in el.init:
            check_const_expr(ctx, expr, el.type)
        if el.mode == MODE_ACTIVE:
            if el.table >= len(ctx.table_elems):
                raise _unknown("table", el.table)
            if not subtype(el.type, ctx.table_elems[el.table], module):
                raise InvalidModule(TYPE_MISMATCH)
            check_const_expr(ctx, el.offset,
                             I64 if ctx.table64[el.table] else I32)
    for d in module.datas:
        if d.mode == MODE_ACTIVE:
            if d.memory >= ctx.num_mems:
                raise _unknown("memory", d.memory)
            check_const_expr(ctx, d.offset,
                             I64 if ctx.mem64[d.memory] else I32)

    func_types = ctx.func_types
    base = len(func_types) - len(module.funcs)
    for i in range(len(module.funcs) if bodies else 0):
        if term is not None and term[0] is not None:
            raise term[0]()
        check_function(ctx, module.funcs[i], func_types[base + i])

    if module.start is not None:
        x = module.start
        if x >= len(func_types):
            raise _unknown("function", x)
        ft = func_types[x]
        if len(ft.params) or len(ft.results):
            raise InvalidModule("start function")

    names = set()
    bounds = (len(func_types), len(ctx.table_elems), ctx.num_mems,
              len(ctx.global_types), len(ctx.tag_types))
    for e in module.exports:
        if e.index >= bounds[e.kind]:
            raise _unknown(("function", "table", "memory", "global",
                            "tag")[e.kind], e.index)
        if e.name in names:
            raise InvalidModule("duplicate export name")
        names.add(e.name)

    if ctx.num_mems > 1 and ctx.spec2:
        raise InvalidModule("multiple memories")
    module.validated = True
