"""Module instances: linking, allocation and initialisation per the spec.

``instantiate(module, resolve, store)`` resolves every import through
``resolve(module_name, field_name, kind)`` (returning a Function, Table,
Memory or Global, or None), checks import types (with limits subtyping),
allocates tables, memories and globals through the store's backings, runs
active element and data segments in order (a failing segment traps after
the earlier ones took effect, as the spec says), and calls the start
function. The store's ``limits`` (a StoreLimits, or None) count the
instance and the tables and memories it defines (imported ones counted
where they were made) until release(). Raises LinkError, Trap,
PoolExhausted, InstantiationError (a store limit), HostOutOfMemory (the
host ran out of RAM).
"""

from wasmbed.core import errors as E
from wasmbed.core import opcodes as O
from wasmbed.core.errors import (LinkError, Trap, InstantiationError, Suspend,
                                 Suspended)
from wasmbed.core import memory as _memory
from wasmbed.core import table as _table
from wasmbed.core.memory import Memory
from wasmbed.core.table import Table, Global
from wasmbed.core.module import (
    EXT_FUNC, EXT_TABLE, EXT_MEMORY, EXT_TAG, EXT_NAME, MODE_ACTIVE,
    MODE_DECLARATIVE)
from wasmbed.core.module import TYPED, subtype


class WasmFunction:
    """A function defined by a wasm module instance: its FuncType, instance
    and function index; ``compiled`` is the slot its tier fills with its
    code on first call. Four attributes, not more: on a board each costs
    heap per function of every instance."""

    __slots__ = ("type", "instance", "index", "compiled")
    host = None     # what tells it from a HostFunction

    def __init__(self, ftype, instance, index):
        self.type = ftype
        self.instance = instance
        self.index = index
        self.compiled = None

    @property
    def defn(self):
        """The module's Func of this function (its body and locals)."""
        m = self.instance.module
        return m.funcs[self.index - m.num_imported_funcs]

    def __repr__(self):
        return "<wasm function %d %r>" % (self.index, self.type)


class HostFunction:
    """A function implemented in Python.

    ``host(env, *args)`` receives the calling exec env and the arguments in
    the internal representation (i32/i64 unsigned, f32 as raw bits, f64
    float) and returns None, one value, or a tuple of values in that
    representation.
    """

    __slots__ = ("type", "host", "name", "instance", "compiled")

    def __init__(self, ftype, host, name=""):
        self.type = ftype
        self.host = host
        self.name = name
        self.instance = None
        self.compiled = None

    def __repr__(self):
        return "<host function %s %r>" % (self.name, self.type)


def results_list(ftype, r):
    """A function's return value (None, one value, or a tuple) as the list
    of its results, as both tiers hand results back."""
    n = len(ftype.results)
    if n == 0:
        return []
    if n == 1:
        return [r]
    return list(r)


def call_host(env, f, args):
    """Call a HostFunction; -> list of results (internal representation).
    A Suspend it returns raises Suspended (the call's results the types
    it is resumed with; natives.py's runner raises it first for its own)."""
    r = f.host(env, *args)
    if type(r) is Suspend:
        raise Suspended(r.value, r.reason, f.type.results)
    return results_list(f.type, r)


class ExportMap:
    """An instance's exports by name, read through its module's export
    list (``Module.exports``) and index spaces rather than held in a dict
    of its own (about 800 bytes of board heap for 60 exports): ``get``,
    ``[name]`` (KeyError), ``in``, ``len``, iteration over names,
    ``items()``. Past LINEAR exports a name index is
    built on first lookup."""

    LINEAR = 64

    __slots__ = ("inst", "_at")

    def __init__(self, inst):
        self.inst = inst
        self._at = None

    def _find(self, name):
        names = self.inst.module.exports.names
        if len(names) > self.LINEAR:
            at = self._at
            if at is None:
                at = self._at = dict((n, i) for i, n in enumerate(names))
            return at.get(name, -1)
        try:
            return names.index(name)
        except ValueError:
            return -1

    def _value(self, i):
        inst = self.inst
        ex = inst.module.exports
        k = ex.kinds[i]
        x = ex.indices[i]
        if k == EXT_FUNC:
            return inst.funcs[x]
        if k == EXT_TABLE:
            return inst.tables[x]
        if k == EXT_MEMORY:
            return inst.memories[x]
        if k == EXT_TAG:
            return inst.tags[x]
        return inst.globals[x]

    def get(self, name, default=None):
        i = self._find(name)
        return default if i < 0 else self._value(i)

    def __getitem__(self, name):
        i = self._find(name)
        if i < 0:
            raise KeyError(name)
        return self._value(i)

    def __contains__(self, name):
        return self._find(name) >= 0

    def __len__(self):
        return len(self.inst.module.exports.names)

    def __iter__(self):
        return iter(self.inst.module.exports.names)

    def items(self):
        names = self.inst.module.exports.names
        return [(names[i], self._value(i)) for i in range(len(names))]


class ModuleInstance:
    """The runtime representation of an instantiated module. ``exports``
    an ExportMap (a dict until instantiation reaches its exports)."""

    def __init__(self, module, store, term=None):
        self.module = module
        self.store = store
        self.funcs = []
        self.tables = []
        self.memories = []
        self.globals = []
        self.tags = []      # Tag per tag index (imported ones first)
        self.exports = {}
        self.datas = []
        self.elems = []
        # terminate flag: None, or an exception class/factory to raise at
        # the next loop back edge or call
        self.term = term if term is not None else [None]
        self.owned = []   # tables/memories allocated here (freed on release)
        self.limits = None  # the StoreLimits counting this instance

    def export(self, name):
        return self.exports.get(name)

    def release(self):
        """Give back every table and memory this instance allocated, and
        its count in the store limits. Idempotent."""
        for obj in self.owned:
            obj.release()
        self.owned = []
        if self.limits is not None:
            self.limits.remove_instance()
            self.limits = None


def _limits_match(actual, expected):
    if actual.min < expected.min:
        return False
    if expected.max is not None:
        if actual.max is None or actual.max > expected.max:
            return False
    return True


def _func_sub(f, module, x):
    """3.0: function f's type is a declared subtype of type x."""
    from wasmbed.core import gc
    if not module.types[x].supers and not any(
            t.supers for t in module.types):
        return False
    return gc.is_sub(gc._func_rtt(f), gc.rtt(module, x))


def import_matches(imp, ext, module):
    """Whether the external value ``ext`` matches the import ``imp`` of
    ``module`` (the spec's import matching: kind, function type or a
    declared subtype, limits, shared, address type, element and value
    types); _link raises LinkError(LINK_INCOMPATIBLE) when it does not."""
    kind = imp.kind
    if kind == EXT_FUNC:
        if not (isinstance(ext, WasmFunction) or isinstance(ext, HostFunction)):
            return False
        return ext.type == module.types[imp.desc] or _func_sub(ext, module, imp.desc)
    if kind == EXT_TABLE:
        if not isinstance(ext, Table):
            return False
        if ((ext.elem_type != imp.desc.elem
             and not _equivalent(ext.elem_type, imp.desc.elem,
                                 ext.owner, module))
                or ext.type.limits.is64 != imp.desc.limits.is64):
            return False
        return _limits_match(_CurLimits(len(ext.elems), ext.max), imp.desc.limits)
    if kind == EXT_TAG:
        from wasmbed.core.exception import Tag
        return isinstance(ext, Tag) and ext.type == module.types[imp.desc]
    if kind == EXT_MEMORY:
        if not isinstance(ext, Memory):
            return False
        lim = imp.desc.limits
        cur = _CurLimits(ext.pages, ext.type.limits.max)
        return (_limits_match(cur, lim) and bool(lim.shared) == bool(ext.shared)
                and ext.type.limits.is64 == lim.is64)
    if not isinstance(ext, Global):
        return False
    a = ext.type.valtype
    b = imp.desc.valtype
    if bool(ext.type.mutable) != bool(imp.desc.mutable):
        return False
    if a != b or (a >= TYPED and ext.owner is not module):
        # immutable: covariant; mutable: invariant
        return (_equivalent(a, b, ext.owner, module) if imp.desc.mutable
                else subtype(a, b, ext.owner, module))
    return True


def _equivalent(a, b, m1, m2):
    return subtype(a, b, m1, m2) and subtype(b, a, m2, m1)


class _CurLimits:
    __slots__ = ("min", "max")

    def __init__(self, mn, mx):
        self.min = mn
        self.max = mx


def eval_const(expr, inst):
    """Evaluate a validated constant expression in an instance."""
    stack = []
    for ins in expr:
        op = ins[0]
        if op == O.END:
            break
        if op in (O.I32_CONST, O.I64_CONST, O.F32_CONST, O.F64_CONST,
                  O.V128_CONST):
            stack.append(ins[1])
        elif op == O.REF_NULL:
            stack.append(None)
        elif op == O.REF_FUNC:
            stack.append(inst.funcs[ins[1]])
        elif op == O.GLOBAL_GET:
            stack.append(inst.globals[ins[1]].value)
        elif op >= O.PREFIX_FB:
            from wasmbed.core import gc
            n, _, fn = gc.make(inst, ins)
            args = stack[len(stack) - n:] if n else []
            del stack[len(stack) - n:]
            stack.append(fn(*args))
        else:
            # extended constant expressions: i32/i64 add, sub, mul
            b = stack.pop()
            a = stack.pop()
            if op == 0x6A:
                stack.append((a + b) & 0xFFFFFFFF)
            elif op == 0x6B:
                stack.append((a - b) & 0xFFFFFFFF)
            elif op == 0x6C:
                stack.append((a * b) & 0xFFFFFFFF)
            elif op == 0x7C:
                stack.append((a + b) & 0xFFFFFFFFFFFFFFFF)
            elif op == 0x7D:
                stack.append((a - b) & 0xFFFFFFFFFFFFFFFF)
            elif op == 0x7E:
                stack.append((a * b) & 0xFFFFFFFFFFFFFFFF)
            else:
                raise Trap("unsupported constant instruction %s" % O.NAME[op])
    return stack[-1]


def instantiate(module, resolve, store, run_start=None, term=None,
                account=None):
    """Instantiate a validated module; see the module docstring.

    ``store`` provides ``mem_backing``, ``table_backing`` (may be None) and
    optionally ``invoke(func, args)`` used for the start function; when
    run_start is given it is called as run_start(inst, func) instead.
    ``term`` the instance's terminate flag (a one-element list; a new one
    when None): segment initialisation polls it between chunks (and every
    BULK_CHUNK element expressions), the start function like any call, so
    setting it stops an instantiation; what it asks for is raised.
    ``account`` (pool mode) the instance's host_account, from the start.
    """
    inst = ModuleInstance(module, store, term)
    if account is not None:
        # pool mode: GC objects of constant expressions are charged too
        inst.host_account = account
    limits = getattr(store, "limits", None)
    if limits is not None:
        limits.add_instance()
        inst.limits = limits
    try:
        _link(inst, module, resolve)
        _initialise(inst, module, store, limits, run_start)
    except MemoryError:
        inst.release()
        raise E.HostOutOfMemory("instantiate", _describe(module))
    except BaseException:
        inst.release()
        raise
    return inst


def _poll(term):
    if term[0] is not None:
        raise term[0]()


def _eval_items(exprs, inst, term):
    """An element segment's references, polling term between chunks."""
    out = []
    step = _table.BULK_CHUNK
    idx = getattr(exprs, "indices", None)   # a FuncIndexItems
    funcs = inst.funcs
    for j in range(0, len(exprs), step):
        _poll(term)
        if idx is not None:
            out.extend([funcs[x] for x in idx[j:j + step]])
        else:
            out.extend([eval_const(x, inst) for x in exprs[j:j + step]])
    return out


def _describe(module):
    return "%d tables, %d memories, %d globals, %d functions" % (
        len(module.tables), len(module.mems), len(module.globals),
        len(module.funcs))


def _link(inst, module, resolve):
    # 1. imports
    for imp in module.imports:
        ext = resolve(imp.module, imp.name, imp.kind)
        if ext is None:
            raise LinkError("unknown import %s.%s (%s)" % (
                imp.module, imp.name, EXT_NAME[imp.kind]))
        if not import_matches(imp, ext, module):
            raise LinkError(E.LINK_INCOMPATIBLE)
        if imp.kind == EXT_FUNC:
            inst.funcs.append(ext)
        elif imp.kind == EXT_TABLE:
            inst.tables.append(ext)
        elif imp.kind == EXT_MEMORY:
            inst.memories.append(ext)
        elif imp.kind == EXT_TAG:
            inst.tags.append(ext)
        else:
            inst.globals.append(ext)
    # tags: a new identity per tag the module defines
    if module.tags:
        from wasmbed.core.exception import Tag     # imported on use
        for x in module.tags:
            inst.tags.append(Tag(module.types[x]))
    # 2. functions (needed before globals: ref.func in initialisers), typed
    # from the module's function index space; the list is grown once (on
    # a board, what a growing list leaves behind splits the heap)
    base = len(inst.funcs)
    n = len(module.funcs)
    funcs = inst.funcs
    funcs.extend([None] * n)
    ftypes = module.func_types
    for i in range(base, base + n):
        funcs[i] = WasmFunction(ftypes[i], inst, i)


def _initialise(inst, module, store, limits, run_start):
    # 2. (continued) tables, memories, globals
    for tt in module.tables:
        t = Table(tt, store.table_backing,
                  None if tt.init is None else eval_const(tt.init, inst),
                  limits)
        t.owner = module
        inst.tables.append(t)
        inst.owned.append(t)
    for mt in module.mems:
        m = Memory(mt, store.mem_backing, limits)
        inst.memories.append(m)
        inst.owned.append(m)
        if m.shared and store.on_shared_memory is not None:
            store.on_shared_memory(m)
    for g in module.globals:
        inst.globals.append(Global(g.type, eval_const(g.init, inst), module))
    # 3. exports
    inst.exports = ExportMap(inst)
    # 4. element segments, 5. data segments (in order; a failure traps
    # after the earlier segments took effect)
    term = inst.term
    for seg in module.elems:
        inst.elems.append(_eval_items(seg.init, inst, term))
    for seg in module.datas:
        inst.datas.append(seg.init)
    for i, seg in enumerate(module.elems):
        if seg.mode == MODE_ACTIVE:
            off = eval_const(seg.offset, inst)
            items = inst.elems[i]
            _table.init(inst.tables[seg.table], off, items, 0, len(items), term)
            inst.elems[i] = ()
        elif seg.mode == MODE_DECLARATIVE:
            inst.elems[i] = ()
        _poll(term)
    for i, seg in enumerate(module.datas):
        if seg.mode == MODE_ACTIVE:
            off = eval_const(seg.offset, inst)
            b = seg.init
            _memory.init(inst.memories[seg.memory], off, b, 0, len(b), term)
            inst.datas[i] = b""
        _poll(term)
    # 6. start
    if module.start is not None and run_start is not None:
        run_start(inst, inst.funcs[module.start])

