"""wasmtime-py's type objects: ValType, FuncType, GlobalType, Limits,
TableType, MemoryType, ImportType, ExportType.

Each wraps the matching wasmbed.core.module value; ``_core()`` gives it
back, ``_from_core()`` builds one. Printing follows wasmtime-py 50
(``str(ValType.externref())`` is ``'anyref'`` there, and here).
"""

from wasmbed.core import module as M
from wasmbed.wasmtime.errors import WasmtimeError

_NAMES = {M.I32: "i32", M.I64: "i64", M.F32: "f32", M.F64: "f64",
          M.V128: "v128", M.FUNCREF: "funcref", M.EXTERNREF: "anyref"}


class _CoreType:
    """What the type classes share: ``_type``, the core value they wrap
    (``_core()`` gives it back, ``_from_core(v)`` wraps one)."""

    __slots__ = ("_type",)

    @classmethod
    def _from_core(cls, v):
        t = cls.__new__(cls)
        t._type = v
        return t

    def _core(self):
        return self._type


def _valtype(code):
    # ValType.i32() and its siblings: the ValType of one core code
    return classmethod(lambda cls: cls._from_core(code))


class ValType(_CoreType):
    """A value type; make one with ValType.i32() ... ValType.funcref()
    (the constructor raises WasmtimeError, as in wasmtime-py)."""

    __slots__ = ()

    def __init__(self):
        raise WasmtimeError("cannot construct directly")

    i32 = _valtype(M.I32)
    i64 = _valtype(M.I64)
    f32 = _valtype(M.F32)
    f64 = _valtype(M.F64)
    externref = _valtype(M.EXTERNREF)
    funcref = _valtype(M.FUNCREF)

    def __eq__(self, other):
        return isinstance(other, ValType) and other._type == self._type

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return hash(self._type)

    def __str__(self):
        return _NAMES.get(self._type, "ValType(%d)" % self._type)

    __repr__ = __str__


def _valtypes(items):
    out = []
    for t in items:
        if not isinstance(t, ValType):
            raise TypeError("expected ValType")
        out.append(t._type)
    return tuple(out)


class FuncType(_CoreType):
    """FuncType(params: list[ValType], results: list[ValType])."""

    def __init__(self, params, results):
        self._type = M.FuncType(_valtypes(params),
                                _valtypes(results))

    @property
    def params(self):
        return [ValType._from_core(c) for c in self._type.params]

    @property
    def results(self):
        return [ValType._from_core(c) for c in self._type.results]


class GlobalType(_CoreType):
    """GlobalType(valtype, mutable): ``content`` and ``mutable``."""

    def __init__(self, valtype, mutable):
        if not isinstance(valtype, ValType):
            raise TypeError("expected ValType")
        self._type = M.GlobalType(valtype._type, bool(mutable))

    @property
    def content(self):
        return ValType._from_core(self._type.valtype)

    @property
    def mutable(self):
        return bool(self._type.mutable)


class Limits:
    """Limits(min, max): in pages (memories) or elements (tables); max None
    when unbounded."""

    def __init__(self, min, max):
        self.min = min
        self.max = max

    def __eq__(self, other):
        return (isinstance(other, Limits) and self.min == other.min
                and self.max == other.max)

    def _core(self, shared=False):
        return M.Limits(self.min, self.max, shared)


class TableType(_CoreType):
    """TableType(valtype, limits): ``element`` and ``limits``."""

    def __init__(self, valtype, limits):
        if not isinstance(valtype, ValType):
            raise TypeError("expected ValType")
        if not isinstance(limits, Limits):
            raise TypeError("expected Limits")
        if valtype._type not in M.REFTYPES:
            raise WasmtimeError("table element type must be a reference type")
        self._type = M.TableType(valtype._type, limits._core())

    @property
    def element(self):
        return ValType._from_core(self._type.elem)

    @property
    def limits(self):
        lim = self._type.limits
        return Limits(lim.min, lim.max)


class MemoryType(_CoreType):
    """MemoryType(limits, is_64=False, shared=False, page_size_log2=16).

    Raises WasmtimeError for sizes past 4 GiB (2^48 pages for memory64,
    ``is_64=True``), NotImplementedError for custom page sizes (wasmbed
    has none)."""

    def __init__(self, limits, is_64=False, shared=False, page_size_log2=16):
        if not isinstance(limits, Limits):
            raise TypeError("expected Limits")
        if page_size_log2 != 16:
            raise NotImplementedError("wasmbed has no custom page sizes")
        if not is_64:
            if limits.min >= 0x100000000:
                raise WasmtimeError("minimum size too large")
            if limits.max and limits.max >= 0x100000000:
                raise WasmtimeError("maximum size too large")
        top = M.MAX_PAGES64 if is_64 else M.MAX_PAGES
        if limits.min > top or (limits.max is not None and limits.max > top):
            raise WasmtimeError("memory size must be at most 2^48 pages" if is_64
                                else "memory size must be at most 65536 pages (4GiB)")
        if limits.max is not None and limits.max < limits.min:
            raise WasmtimeError("size minimum must not be greater than maximum")
        self._type = M.MemoryType(M.Limits(limits.min, limits.max,
                                           bool(shared), bool(is_64)))

    @property
    def limits(self):
        lim = self._type.limits
        return Limits(lim.min, lim.max)

    @property
    def is_64(self):
        return bool(self._type.limits.is64)

    @property
    def is_shared(self):
        return bool(self._type.limits.shared)

    @property
    def page_size(self):
        return M.PAGE_SIZE

    @property
    def page_size_log2(self):
        return 16


def extern_type(kind, desc, module):
    """The type object of an import/export descriptor of a core module."""
    if kind == M.EXT_FUNC:
        return FuncType._from_core(module.types[desc] if isinstance(desc, int)
                                   else desc)
    if kind == M.EXT_TABLE:
        return TableType._from_core(desc)
    if kind == M.EXT_MEMORY:
        return MemoryType._from_core(desc)
    return GlobalType._from_core(desc)


class _Named:
    # what ImportType and ExportType share: ``name`` and ``type``
    def __init__(self, name, type):
        self._name = name
        self._type = type

    @property
    def name(self):
        return self._name

    @property
    def type(self):
        return self._type


class ImportType(_Named):
    """One import of a Module: ``module``, ``name``, ``type``."""

    def __init__(self, module, name, type):
        _Named.__init__(self, name, type)
        self._module = module

    @property
    def module(self):
        return self._module


class ExportType(_Named):
    """One export of a Module: ``name``, ``type``."""
