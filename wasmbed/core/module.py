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

VALTYPE_NAME = {I32: "i32", I64: "i64", F32: "f32", F64: "f64",
                V128: "v128", FUNCREF: "funcref", EXTERNREF: "externref",
                EXNREF: "exnref"}
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


class FuncType:
    """A function type: tuples of value types for params and results."""

    __slots__ = ("params", "results")

    def __init__(self, params, results):
        self.params = params
        self.results = results

    def __eq__(self, other):
        return (isinstance(other, FuncType) and self.params == other.params
                and self.results == other.results)

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return hash((self.params, self.results))

    def __repr__(self):
        return "(func (param %s) (result %s))" % (
            " ".join(VALTYPE_NAME[t] for t in self.params),
            " ".join(VALTYPE_NAME[t] for t in self.results))


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
    __slots__ = ("elem", "limits")

    def __init__(self, elem, limits):
        self.elem = elem
        self.limits = limits


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


class Func:
    """A function defined in the module.

    ``locals`` holds the declared local types (not the params), expanded;
    ``body`` is the list of decoded instructions (tuples, see opcodes.py)
    ending with END; ``offset`` is the byte offset of the body in the file.
    ``compiled`` is a slot an execution tier may fill lazily.

    A lazily decoded module (decode.py, the default on MicroPython) keeps
    no body: ``src`` is (module bytes, position of the first instruction,
    threads) and every read of ``body`` decodes a fresh list from there
    (the bytes were checked once when the module was decoded).
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
            return body_of(self.src)
        return b

    @body.setter
    def body(self, value):
        self._body = value
        self.src = None


class Global:
    """``init`` is a constant expression: a list of instructions ending in END."""

    __slots__ = ("type", "init")

    def __init__(self, type, init):
        self.type = type
        self.init = init


class Elem:
    """An element segment. ``init`` is a list of constant expressions
    (each a list of instructions), ``mode`` one of MODE_*; ``table`` and
    ``offset`` (an expression) matter for active segments."""

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
    None) and ``size`` (the byte length of the binary).

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
        self.exports = []
        self.start = None
        self.elems = []
        self.datas = []
        self.data_count = None
        self.customs = []
        self.names = None
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
        for f in self.funcs:
            ft.append(types[f.type_idx] if f.type_idx < len(types) else None)
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
