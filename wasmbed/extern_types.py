"""Types of a module's imports and exports, for embedders (WAMR's
wasm_runtime_get_import_type / get_export_type and wasm_func_get_param_types).

Value types are named as in the text format: "i32", "i64", "f32", "f64",
"v128", "funcref", "externref", 3.0's "exnref", "(ref null 3)", "(ref func)". A function type is also given as a WAMR
signature string ("(iI)F"; v128 is "v", funcref "R" and externref "r").
"""

from wasmbed.core.module import (valtype_name, EXT_NAME, EXT_FUNC, EXT_TABLE,
                                 EXT_MEMORY, I32, I64, F32, F64, V128, FUNCREF,
                                 EXTERNREF, HEAP_TOP, heap_of, is_ref)

_SIG_LETTER = {I32: "i", I64: "I", F32: "f", F64: "F", V128: "v",
               FUNCREF: "R", EXTERNREF: "r"}


def type_names(types):
    """Value types -> tuple of their names ("i32", ...)."""
    return tuple(valtype_name(t) for t in types)


def _letter(t):
    c = _SIG_LETTER.get(t)
    if c is not None:
        return c
    # 3.0 reference types: "R" for functions ((ref $t), (ref func) ...),
    # "r" for the others
    return "R" if is_ref(t) and HEAP_TOP.get(heap_of(t), FUNCREF) == FUNCREF else "r"


def signature_string(ftype):
    """A FuncType -> its WAMR signature string, e.g. "(iI)F"."""
    return "(%s)%s" % ("".join(_letter(t) for t in ftype.params),
                       "".join(_letter(t) for t in ftype.results))


class ExternType:
    """One import or export of a module.

    ``name``; ``module_name`` (imports; None for exports); ``kind`` "func",
    "table", "memory" or "global". Functions: ``param_types``,
    ``result_types`` (tuples of names) and ``signature``. Tables:
    ``elem_type``, ``min``, ``max``, ``is64`` (table64). Memories: ``min``,
    ``max`` (pages, None: no maximum), ``shared``, ``is64`` (memory64).
    Globals: ``value_type``, ``mutable``.
    Other fields are None. Imports also have ``linked``: whether the
    runtime already has something for it (a native registered under its
    module name, or a module registered with Runtime.register), as WAMR
    reports it; what instantiate() is given (imports, WASI) is not
    known here."""

    def __init__(self, module_name, name, kind, desc):
        self.module_name = module_name
        self.name = name
        self.kind = EXT_NAME[kind]
        self.param_types = None   # type: tuple[str, ...] | None
        self.result_types = None  # type: tuple[str, ...] | None
        self.signature = None     # type: str | None
        self.elem_type = self.value_type = None  # type: str | None
        self.min = self.max = None  # type: int | None
        self.shared = self.mutable = self.linked = None  # type: bool | None
        self.is64 = None  # type: bool | None
        if kind == EXT_FUNC:
            self.param_types = type_names(desc.params)
            self.result_types = type_names(desc.results)
            self.signature = signature_string(desc)
        elif kind == EXT_TABLE:
            self.elem_type = valtype_name(desc.elem)
            self.min = desc.limits.min
            self.max = desc.limits.max
            self.is64 = bool(desc.limits.is64)
        elif kind == EXT_MEMORY:
            self.min = desc.limits.min
            self.max = desc.limits.max
            self.shared = bool(desc.limits.shared)
            self.is64 = bool(desc.limits.is64)
        else:
            self.value_type = valtype_name(desc.valtype)
            self.mutable = bool(desc.mutable)

    def __repr__(self):
        where = self.name if self.module_name is None else \
            "%s.%s" % (self.module_name, self.name)
        extra = self.signature if self.kind == "func" else ""
        return "<%s %s%s>" % (self.kind, where, " " + extra if extra else "")


def import_types(module, linked=None):
    """ExternTypes of a decoded module's imports, in order; ``linked`` a
    function (module_name, name) -> bool filling their ``linked``."""
    out = []
    for imp in module.imports:
        desc = imp.desc
        if imp.kind == EXT_FUNC:
            desc = module.types[desc]
        t = ExternType(imp.module, imp.name, imp.kind, desc)
        if linked is not None:
            t.linked = bool(linked(imp.module, imp.name))
        out.append(t)
    return out


def export_types(module):
    """ExternTypes of a decoded module's exports, in order."""
    spaces = {EXT_FUNC: module.func_types, EXT_TABLE: module.table_types,
              EXT_MEMORY: module.mem_types}
    out = []
    for ex in module.exports:
        space = spaces.get(ex.kind, module.global_types)
        out.append(ExternType(None, ex.name, ex.kind, space[ex.index]))
    return out
