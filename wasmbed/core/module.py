"""The structure of a decoded module (the spec's "Modules" chapter).

A Module is produced by decode.decode_module() and never changed after
validation, so one Module can be shared by many instances and threads.

Value types are the binary encoding bytes (I32 = 0x7F, ...). Block types
in decoded instructions are ints: BT_EMPTY (-0x40) for no result, a
negative value type code (-0x7F for i32 ...) for one result, or a type
index >= 0.
"""

I32 = 0x7F
I64 = 0x7E
F32 = 0x7D
F64 = 0x7C
V128 = 0x7B
FUNCREF = 0x70
EXTERNREF = 0x6F
EXNREF = 0x69        # 3.0 exception handling: (ref null exn)

VALTYPES = (I32, I64, F32, F64, V128, FUNCREF, EXTERNREF, EXNREF)
REFTYPES = (FUNCREF, EXTERNREF, EXNREF)
NUMTYPES = (I32, I64, F32, F64)

# 3.0 typed references. A nullable reference to an abstract heap type is
# that heap type's byte (funcref is (ref null func) = 0x70, as before; the
# bottom types nofunc 0x73, noextern 0x72, noexn 0x74 and GC's any 0x6E,
# eq 0x6D, i31 0x6C, struct 0x6B, array 0x6A, none 0x71 the same way).
# Every other reference type is an int >= TYPED: TYPED + (heap << 1) +
# non-null bit, heap an abstract byte (< 0x80) or 0x80 + a type index of
# the module (see ref_type, heap_of, is_nullable).
NOFUNC = 0x73
NOEXTERN = 0x72
NOEXN = 0x74
ANYREF = 0x6E
EQREF = 0x6D
I31REF = 0x6C
STRUCTREF = 0x6B
ARRAYREF = 0x6A
NONE = 0x71
TYPED = 0x100
HEAP_INDEX = 0x80          # heap type of type index x: HEAP_INDEX + x
# abstract heap types -> the top of their hierarchy
HEAP_TOP = {FUNCREF: FUNCREF, NOFUNC: FUNCREF, EXTERNREF: EXTERNREF,
            NOEXTERN: EXTERNREF, EXNREF: EXNREF, NOEXN: EXNREF,
            ANYREF: ANYREF, EQREF: ANYREF, I31REF: ANYREF, STRUCTREF: ANYREF,
            ARRAYREF: ANYREF, NONE: ANYREF}
HEAP_NAME = {FUNCREF: "func", EXTERNREF: "extern", EXNREF: "exn",
             NOFUNC: "nofunc", NOEXTERN: "noextern", NOEXN: "noexn",
             ANYREF: "any", EQREF: "eq", I31REF: "i31", STRUCTREF: "struct",
             ARRAYREF: "array", NONE: "none"}

VALTYPE_NAME = {I32: "i32", I64: "i64", F32: "f32", F64: "f64",
                V128: "v128", FUNCREF: "funcref", EXTERNREF: "externref",
                EXNREF: "exnref", NOFUNC: "nullfuncref",
                NOEXTERN: "nullexternref", NOEXN: "nullexnref",
                ANYREF: "anyref", EQREF: "eqref", I31REF: "i31ref",
                STRUCTREF: "structref", ARRAYREF: "arrayref", NONE: "nullref"}
# One-letter codes used by opcodes.SIG and native signatures.
VALTYPE_LETTER = {"i": I32, "I": I64, "f": F32, "F": F64, "v": V128}

BT_EMPTY = -0x40

# External kinds (import/export descriptors)
EXT_FUNC = 0
EXT_TABLE = 1
EXT_MEMORY = 2
EXT_GLOBAL = 3
EXT_TAG = 4
EXT_NAME = ("func", "table", "memory", "global", "tag")

# Segment modes
MODE_ACTIVE = 0
MODE_PASSIVE = 1
MODE_DECLARATIVE = 2

PAGE_SIZE = 65536
MAX_PAGES = 65536
MAX_PAGES64 = 1 << 48          # memory64: 2^64 bytes


def ref_type(nullable, heap):
    """The value type (ref null? heap); ``heap`` an abstract heap byte or
    HEAP_INDEX + a type index."""
    if nullable and heap < HEAP_INDEX:
        return heap
    return TYPED + (heap << 1) + (0 if nullable else 1)


def heap_of(t):
    """The heap type of reference type ``t``."""
    return t if t < TYPED else (t - TYPED) >> 1


def is_nullable(t):
    return t < TYPED or not t & 1


def is_ref(t):
    return t >= TYPED or t in HEAP_TOP


def valtype_name(t):
    """A value type as the text format writes it: "i32", "funcref",
    "(ref null 3)", "(ref func)"."""
    n = VALTYPE_NAME.get(t)
    if n is not None:
        return n
    if t >= TYPED:
        h = heap_of(t)
        return "(ref %s%s)" % ("null " if is_nullable(t) else "",
                               h - HEAP_INDEX if h >= HEAP_INDEX
                               else HEAP_NAME.get(h, h))
    return "<type %d>" % t


I8 = 0x78                  # GC packed field storage types
I16 = 0x77


def type_key(module, x):
    """A module-independent key of type index ``x`` (its iso-recursive
    identity): its rec group's members' structure, every type index inside
    the group replaced by its position there and every other one by the
    key of the type it names, and x's position (a type alone: just its
    structure). Two modules' equivalent types have equal keys. Cached on
    the module."""
    keys = getattr(module, "_type_keys", None)
    if keys is None:
        keys = module._type_keys = {}
    k = keys.get(x)
    if k is not None:
        return k
    rec = module.rec
    grp = rec.get(x) if rec is not None else None
    if grp is not None:
        first, n = grp
        members = tuple([_member(module, y, first, n)
                         for y in range(first, first + n)])
        k = ("rec", members, x - first)
    else:
        k = _member(module, x, x, 1)
    keys[x] = k
    return k


def _member(module, y, first, n):
    dt = module.types[y]

    def close(t):
        if t < TYPED:
            return t
        h = heap_of(t)
        if h < HEAP_INDEX:
            return t
        z = h - HEAP_INDEX
        if first <= z < first + n:
            return (t & 1, "in", z - first)
        if z >= first or z >= len(module.types):
            return (t & 1, "unknown", z)
        return (t & 1, type_key(module, z))

    if isinstance(dt, FuncType):
        k = ("func", tuple([close(t) for t in dt.params]),
             tuple([close(t) for t in dt.results]))
    elif isinstance(dt, StructType):
        k = ("struct", tuple([(close(t), m) for t, m in dt.fields]))
    else:
        k = ("array", close(dt.field[0]), dt.field[1])
    if dt.supers or not dt.final:
        sup = tuple([("in", z - first) if z >= first else type_key(module, z)
                     for z in dt.supers])
        k = k + (dt.final, sup)
    return k


def kind_top(module, y):
    """The abstract heap type above defined type ``y``: func, struct or
    array (FUNCREF, STRUCTREF, ARRAYREF)."""
    dt = module.types[y]
    if isinstance(dt, FuncType):
        return FUNCREF
    return STRUCTREF if isinstance(dt, StructType) else ARRAYREF


def heap_subtype(h1, h2, m1, m2):
    """Heap type h1 <: h2 (h1 of module m1, h2 of m2): abstract ones by
    their hierarchy (any > eq > i31, struct, array > none; func > nofunc;
    extern > noextern; exn > noexn), a defined type below its kind
    (func, or struct / array and so eq and any) and below its declared
    supertypes, the bottom type of its hierarchy below it."""
    if h1 < HEAP_INDEX:
        if h2 < HEAP_INDEX:
            if h1 == h2:
                return True
            top = HEAP_TOP.get(h1)
            if h1 in (NOFUNC, NOEXTERN, NOEXN, NONE):
                return HEAP_TOP.get(h2) == top
            if top == ANYREF:
                return h2 == ANYREF or (h2 == EQREF and h1 != ANYREF)
            return False
        if m2 is None:
            return False
        k = kind_top(m2, h2 - HEAP_INDEX)
        return h1 == (NOFUNC if k == FUNCREF else NONE)
    if h2 < HEAP_INDEX:
        if m1 is None:
            return h2 == FUNCREF
        k = kind_top(m1, h1 - HEAP_INDEX)
        if k == FUNCREF:
            return h2 == FUNCREF
        return h2 == k or h2 == EQREF or h2 == ANYREF
    if h1 == h2 and m1 is m2:
        return True
    if m1 is None or m2 is None:        # a host type: no type indices
        return False
    k2 = type_key(m2, h2 - HEAP_INDEX)
    # declared supertypes (3.0 sub): a type is below each of its supers
    seen = 0
    todo = [h1 - HEAP_INDEX]
    while todo and seen < 1000:
        y = todo.pop()
        seen += 1
        if type_key(m1, y) == k2:
            return True
        if y < len(m1.types):
            todo.extend([z for z in m1.types[y].supers if z < y])
    return False


def subtype(a, b, m1=None, m2=None):
    """Value type a <: b (a of module m1, b of module m2, default m1):
    numeric and vector types only themselves; references when
    non-null <: nullable and heap a <: heap b."""
    if a == b and (a < TYPED or m2 is None or m2 is m1):
        return True
    if not (a >= TYPED or a in HEAP_TOP) or not (b >= TYPED or b in HEAP_TOP):
        return False
    if b >= TYPED and b & 1 and (a < TYPED or not a & 1):
        return False                    # nullable is no subtype of non-null
    return heap_subtype(heap_of(a), heap_of(b), m1,
                        m1 if m2 is None else m2)


def defaultable(t):
    """Whether a local of type t has a default value (non-null
    references do not)."""
    return t < TYPED or not t & 1


class FuncType:
    """A function type: tuples of value types for params and results.

    ``key`` None, or (for a type naming other types by index, in a rec
    group or declared a subtype, set by the validator) its type_key: then
    equality compares keys, so types of different modules compare by what
    they mean. ``supers`` and ``final``: its sub declaration (3.0)."""

    # the defaults are class attributes: on a board each attribute an
    # instance sets costs heap (the decoder and validator set them only
    # where they differ)
    key = None
    supers = ()        # 3.0 declared supertypes (type indices)
    final = True

    def __init__(self, params, results):
        self.params = params
        self.results = results

    def __eq__(self, other):
        if not isinstance(other, FuncType):
            return False
        if self.key is not None or other.key is not None:
            return self._k() == other._k()
        return self.params == other.params and self.results == other.results

    def _k(self):
        k = self.key
        if k is None:
            return ("func", tuple(self.params), tuple(self.results))
        return k

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return hash(self._k())

    def __repr__(self):
        return "(func (param %s) (result %s))" % (
            " ".join(valtype_name(t) for t in self.params),
            " ".join(valtype_name(t) for t in self.results))


class StructType:
    """A struct type (GC): ``fields`` a tuple of (storage type, mutable),
    the storage type a value type or I8 / I16 (packed). ``supers``,
    ``final`` and ``key`` as FuncType's."""

    __slots__ = ("fields", "key", "supers", "final")

    def __init__(self, fields):
        self.fields = fields
        self.key = None
        self.supers = ()
        self.final = True

    def __repr__(self):
        return "(struct %s)" % " ".join(
            "(field %s)" % _field_name(t, m) for t, m in self.fields)


class ArrayType:
    """An array type (GC): ``field`` one (storage type, mutable)."""

    __slots__ = ("field", "key", "supers", "final")

    def __init__(self, field):
        self.field = field
        self.key = None
        self.supers = ()
        self.final = True

    def __repr__(self):
        return "(array %s)" % _field_name(self.field[0], self.field[1])


def storage_name(t):
    return "i8" if t == I8 else "i16" if t == I16 else valtype_name(t)


def _field_name(t, mut):
    return "(mut %s)" % storage_name(t) if mut else storage_name(t)


class Limits:
    """min and max (None when absent) in pages or elements; shared flag;
    ``is64`` for a memory64 memory or table64 table (addresses and
    indices are i64)."""

    __slots__ = ("min", "max", "shared", "is64")

    def __init__(self, min, max=None, shared=False, is64=False):
        self.min = min
        self.max = max
        self.shared = shared
        self.is64 = is64

    def __repr__(self):
        return "Limits(%d, %r%s)" % (self.min, self.max,
                                      ", shared" if self.shared else "")


class TableType:
    """``init`` (3.0) the constant expression of the table's elements,
    None for null."""

    __slots__ = ("elem", "limits", "init")

    def __init__(self, elem, limits, init=None):
        self.elem = elem
        self.limits = limits
        self.init = init


class MemoryType:
    __slots__ = ("limits",)

    def __init__(self, limits):
        self.limits = limits


class GlobalType:
    __slots__ = ("valtype", "mutable")

    def __init__(self, valtype, mutable):
        self.valtype = valtype
        self.mutable = mutable


class Import:
    """``desc`` is a type index (EXT_FUNC, EXT_TAG), TableType, MemoryType
    or GlobalType according to ``kind``."""

    __slots__ = ("module", "name", "kind", "desc")

    def __init__(self, module, name, kind, desc):
        self.module = module
        self.name = name
        self.kind = kind
        self.desc = desc


class Export:
    __slots__ = ("name", "kind", "index")

    def __init__(self, name, kind, index):
        self.name = name
        self.kind = kind
        self.index = index


class ExportList:
    """``Module.exports``: a sequence of Export held as a list of names, a
    bytearray of kinds and a list of indices, each Export made when read
    (an object per export costs a board about 48 bytes of heap besides
    its name). A lazily decoded module's names are an ExportNames."""

    def __init__(self):
        self.names = []
        self.kinds = bytearray()
        self.indices = []

    def append(self, e):
        self.names.append(e.name)
        self.kinds.append(e.kind)
        self.indices.append(e.index)

    def add(self, name, kind, index):
        """Add an export; ``name`` a str, or with ExportNames the offset of
        the name in the module's bytes."""
        if type(self.names) is list:
            self.names.append(name)
        else:
            self.names.pos.append(name)
        self.kinds.append(kind)
        self.indices.append(index)

    def __len__(self):
        return len(self.names)

    def __getitem__(self, i):
        return Export(self.names[i], self.kinds[i], self.indices[i])

    def __iter__(self):
        names, kinds, indices = self.names, self.kinds, self.indices
        for i in range(len(names)):
            yield Export(names[i], kinds[i], indices[i])


class ExportNames:
    """The export names of a lazily decoded module, left in its bytes
    (``src``): ``pos[i]`` is where name i starts (its LEB128 length, then
    its UTF-8 bytes, checked when the module was decoded). Reads as a
    list of str, each made when read (a str costs a board about 32 bytes
    of heap, an entry here 4); ``index(name)`` compares bytes."""

    __slots__ = ("src", "pos")

    def __init__(self, src):
        self.src = src
        self.pos = []

    def _span(self, i):
        from wasmbed.core.leb128 import read_unsigned    # loaded by decode
        n, p = read_unsigned(self.src, self.pos[i], 32)
        return p, n

    def __len__(self):
        return len(self.pos)

    def __getitem__(self, i):
        s, n = self._span(i)
        return str(bytes(self.src[s:s + n]), "utf-8")

    def __iter__(self):
        for i in range(len(self.pos)):
            yield self[i]

    def index(self, name):
        """The first export named ``name`` (a str); ValueError if none."""
        if type(name) is str:
            q = name.encode("utf-8")
            b = self.src
            for i in range(len(self.pos)):
                s, n = self._span(i)
                if n == len(q) and bytes(b[s:s + n]) == q:
                    return i
        raise ValueError(name)


class Func:
    """A function defined in the module.

    ``locals`` holds the declared local types (not the params), expanded;
    ``body`` is the list of decoded instructions (tuples, see opcodes.py)
    ending with END; ``offset`` is the byte offset of the body in the file.
    ``compiled`` is a slot an execution tier may fill lazily.

    A lazily decoded module (decode.py, the default on MicroPython) keeps
    no body: ``src`` is (module bytes, threads, wasm3), one tuple shared by
    the module's functions, and every read of ``body`` decodes a fresh list
    from ``offset`` (the bytes were checked once when the module was
    decoded).
    """

    __slots__ = ("type_idx", "locals", "_body", "offset", "compiled", "src")

    def __init__(self, type_idx, locals, body, offset=0, src=None):
        self.type_idx = type_idx
        self.locals = locals
        self._body = body
        self.offset = offset
        self.compiled = None
        self.src = src

    @property
    def body(self):
        b = self._body
        if b is None and self.src is not None:
            from wasmbed.core.decode import body_of
            return body_of(self.src, self.offset)
        return b

    @body.setter
    def body(self, value):
        self._body = value
        self.src = None


class FuncTable:
    """The defined functions of a lazily decoded module (``Module.funcs``
    then), a sequence of Func held as columns of small values (type
    index and locals kind a byte each while they fit one, body offset)
    rather than one object per function: on a board a Func costs about 64
    bytes of heap, an entry here 6. ``table[i]`` and iteration make a fresh Func each time; none
    is kept, so neither is the lowered code an execution tier may cache in
    its ``compiled`` slot (a board lowers a function again for another
    instance rather than hold every function's IR beside its closures:
    about 400 bytes of heap for a small function).
    """

    def __init__(self, src):
        self.src = src          # (module bytes, threads, wasm3), shared
        # a byte per function while every value fits one (a list after)
        self.type_idx = bytearray()
        self.offset = []
        self.kinds = []         # the distinct locals lists
        self.locals = bytearray()   # per function: its index in kinds
        self._kind_of = {}      # id(locals list) -> index in kinds
        self.count = 0

    def reserve(self, n):
        """Make room for n functions at once (on a board a list grown by
        appending leaves its outgrown copies as holes in the heap)."""
        if not self.count:
            self.type_idx = bytearray(n)
            self.offset = [0] * n
            self.locals = bytearray(n)

    def add(self, type_idx, locals, offset):
        i = self.count
        if i == len(self.offset):
            self.type_idx.append(0)
            self.offset.append(0)
            self.locals.append(0)
        if type_idx > 255 and type(self.type_idx) is bytearray:
            self.type_idx = list(self.type_idx)
        self.type_idx[i] = type_idx
        k = self._kind_of.get(id(locals))
        if k is None:
            k = self._kind_of[id(locals)] = len(self.kinds)
            self.kinds.append(locals)
            if k > 255 and type(self.locals) is bytearray:
                self.locals = list(self.locals)
        self.locals[i] = k
        self.offset[i] = offset
        self.count = i + 1

    def close(self):
        """No more add(): drop what only adding needs (and the room
        reserved for functions a malformed code section did not have)."""
        self._kind_of = None
        n = self.count
        if n < len(self.offset):
            self.type_idx = self.type_idx[:n]
            self.offset = self.offset[:n]
            self.locals = self.locals[:n]

    def __len__(self):
        return self.count

    def __getitem__(self, i):
        # IndexError past the end, negative indices as a list's
        n = self.count
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("function index out of range")
        return Func(self.type_idx[i], self.kinds[self.locals[i]], None,
                    self.offset[i], self.src)

    def __iter__(self):
        for i in range(self.count):
            yield self[i]


class Global:
    """``init`` is a constant expression: a list of instructions ending in END."""

    __slots__ = ("type", "init")

    def __init__(self, type, init):
        self.type = type
        self.init = init


class FuncIndexItems:
    """The items of an element segment given as function indices (the
    binary's forms without expressions): reads as the list of constant
    expressions ``[(ref.func x), (end,)]`` they stand for, each made when
    read, while holding only the indices (``indices``, a list): on a board
    an item costs 4 bytes of heap here, about 48 as an expression."""

    __slots__ = ("indices",)

    def __init__(self, indices):
        self.indices = indices

    def __len__(self):
        return len(self.indices)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [_ref_func_expr(x) for x in self.indices[i]]
        return _ref_func_expr(self.indices[i])

    def __iter__(self):
        for x in self.indices:
            yield _ref_func_expr(x)


def _ref_func_expr(x):
    return [(0xD2, x), (0x0B,)]     # ref.func x, end


class Elem:
    """An element segment. ``init`` is a list of constant expressions
    (each a list of instructions), or a FuncIndexItems standing for one;
    ``mode`` one of MODE_*; ``table`` and ``offset`` (an expression) matter
    for active segments."""

    __slots__ = ("type", "init", "mode", "table", "offset")

    def __init__(self, type, init, mode, table=0, offset=None):
        self.type = type
        self.init = init
        self.mode = mode
        self.table = table
        self.offset = offset


class Data:
    """A data segment; ``init`` is bytes."""

    __slots__ = ("init", "mode", "memory", "offset")

    def __init__(self, init, mode, memory=0, offset=None):
        self.init = init
        self.mode = mode
        self.memory = memory
        self.offset = offset


class CustomSection:
    __slots__ = ("name", "data", "offset")

    def __init__(self, name, data, offset):
        self.name = name
        self.data = data
        self.offset = offset


class Module:
    """A decoded module.

    Fields follow the spec: types, funcs, tables, mems, tags (the type
    index of each defined tag), globals, elems, datas, start (None or a
    function index), imports, exports; plus
    ``data_count`` (None when the section is absent), ``customs`` (every
    custom section, in order), ``names`` (the parsed name section: a dict
    with "module", "funcs" {idx: name}, "locals" {func: {idx: name}}, or
    None; parsed from ``customs`` on first read) and ``size`` (the byte
    length of the binary).

    Derived index spaces (imports first, as the spec orders them):
    ``func_types`` (FuncType per function index), ``table_types``,
    ``mem_types``, ``global_types``, ``tag_types`` (FuncType, or None for
    an out-of-range type index), and ``num_imported_funcs`` etc.
    """

    def __init__(self):
        self.types = []
        self.imports = []
        self.funcs = []
        self.tables = []
        self.mems = []
        self.tags = []
        self.globals = []
        self.exports = ExportList()
        self.start = None
        self.elems = []
        self.datas = []
        self.data_count = None
        self.customs = []
        self._names = False     # not parsed yet (see names)
        self.size = 0
        self.func_types = []
        self.table_types = []
        self.mem_types = []
        self.global_types = []
        self.tag_types = []
        self.num_imported_funcs = 0
        self.num_imported_tables = 0
        self.num_imported_mems = 0
        self.num_imported_globals = 0
        self.num_imported_tags = 0
        self.validated = False
        # decoded with the 2.0 rules (decode_module(threads=False)): 3.0's
        # extended constants, tags and exception handling are rejected
        self.spec2 = False
        # the embedder's cache of translated code (wasmbed/code_cache.py):
        # get(name) / put(name, value), name a function index or a fact
        self.code_cache = None
        self._type_keys = None      # module.type_key's cache
        # 3.0 rec groups of two or more types: {type index: (first, count)}
        self.rec = None

    @property
    def names(self):
        """The parsed "name" section (see decode.py), or None; parsed on
        first read, so that a board that never reads it holds no names."""
        n = self._names
        if n is False:
            n = None
            for c in self.customs:
                if c.name == "name":
                    from wasmbed.core.decode import _names
                    n = _names(c.data)
                    break
            self._names = n
        return n

    @names.setter
    def names(self, value):
        self._names = value

    def build_index_spaces(self):
        """Fill the derived index spaces from imports and definitions.

        Function types refer to self.types by index; an out-of-range type
        index is left as None here and reported by the validator.
        """
        types = self.types
        ft, tt, mt, gt, xt = [], [], [], [], []
        for imp in self.imports:
            k = imp.kind
            if k == EXT_FUNC:
                ft.append(types[imp.desc] if imp.desc < len(types) else None)
            elif k == EXT_TAG:
                xt.append(types[imp.desc] if imp.desc < len(types) else None)
            elif k == EXT_TABLE:
                tt.append(imp.desc)
            elif k == EXT_MEMORY:
                mt.append(imp.desc)
            else:
                gt.append(imp.desc)
        self.num_imported_funcs = len(ft)
        self.num_imported_tables = len(tt)
        self.num_imported_mems = len(mt)
        self.num_imported_globals = len(gt)
        self.num_imported_tags = len(xt)
        for x in self.tags:
            xt.append(types[x] if x < len(types) else None)
        self.tag_types = xt
        # a lazily decoded module's type indices from their column (no
        # transient Func per function), the list grown once
        funcs = self.funcs
        tidx = getattr(funcs, "type_idx", None)
        base = len(ft)
        ft.extend([None] * len(funcs))
        for i in range(len(funcs)):
            x = tidx[i] if tidx is not None else funcs[i].type_idx
            if x < len(types):
                ft[base + i] = types[x]
        for t in self.tables:
            tt.append(t)
        for m in self.mems:
            mt.append(m)
        for g in self.globals:
            gt.append(g.type)
        self.func_types = ft
        self.table_types = tt
        self.mem_types = mt
        self.global_types = gt

    def export_map(self):
        """{name: Export}."""
        return dict((e.name, e) for e in self.exports)
