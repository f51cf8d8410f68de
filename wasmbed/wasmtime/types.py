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


class ValType:
    """A value type; make one with ValType.i32() ... ValType.funcref()
    (the constructor raises WasmtimeError, as in wasmtime-py)."""

    __slots__ = ("_code",)

    def __init__(self):
        raise WasmtimeError("cannot construct directly")

    @classmethod
    def _from_core(cls, code):
        t = cls.__new__(cls)
        t._code = code
        return t

    def _core(self):
        return self._code

    @classmethod
    def i32(cls):
        return cls._from_core(M.I32)

    @classmethod
    def i64(cls):
        return cls._from_core(M.I64)

    @classmethod
    def f32(cls):
        return cls._from_core(M.F32)

    @classmethod
    def f64(cls):
        return cls._from_core(M.F64)

    @classmethod
    def externref(cls):
        return cls._from_core(M.EXTERNREF)

    @classmethod
    def funcref(cls):
        return cls._from_core(M.FUNCREF)

    def __eq__(self, other):
        return isinstance(other, ValType) and other._code == self._code

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return hash(self._code)

    def __str__(self):
        return _NAMES.get(self._code, "ValType(%d)" % self._code)

    __repr__ = __str__


def _valtypes(items):
    out = []
    for t in items:
        if not isinstance(t, ValType):
            raise TypeError("expected ValType")
        out.append(t._code)
    return tuple(out)


class FuncType:
    """FuncType(params: list[ValType], results: list[ValType])."""

    def __init__(self, params, results):
        self._type = M.FuncType(_valtypes(params),
                                _valtypes(results))

    @classmethod
    def _from_core(cls, ft):
        t = cls.__new__(cls)
        t._type = ft
        return t

    def _core(self):
        return self._type

    @property
    def params(self):
        return [ValType._from_core(c) for c in self._type.params]

    @property
    def results(self):
        return [ValType._from_core(c) for c in self._type.results]


class GlobalType:
    """GlobalType(valtype, mutable): ``content`` and ``mutable``."""

    def __init__(self, valtype, mutable):
        if not isinstance(valtype, ValType):
            raise TypeError("expected ValType")
        self._type = M.GlobalType(valtype._code, bool(mutable))

    @classmethod
    def _from_core(cls, gt):
        t = cls.__new__(cls)
        t._type = gt
        return t

    def _core(self):
        return self._type

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


class TableType:
    """TableType(valtype, limits): ``element`` and ``limits``."""

    def __init__(self, valtype, limits):
        if not isinstance(valtype, ValType):
            raise TypeError("expected ValType")
        if not isinstance(limits, Limits):
            raise TypeError("expected Limits")
        if valtype._code not in M.REFTYPES:
            raise WasmtimeError("table element type must be a reference type")
        self._type = M.TableType(valtype._code, limits._core())

    @classmethod
    def _from_core(cls, tt):
        t = cls.__new__(cls)
        t._type = tt
        return t

    def _core(self):
        return self._type

    @property
    def element(self):
        return ValType._from_core(self._type.elem)

    @property
    def limits(self):
        lim = self._type.limits
        return Limits(lim.min, lim.max)


class MemoryType:
    """MemoryType(limits, is_64=False, shared=False, page_size_log2=16).

    Raises WasmtimeError for sizes past 4 GiB (2^48 pages for memory64,
    ``is_64=True``), NotImplementedError for custom page sizes (wasmbed
    has none)."""

    def __init__(self, limits, is_64=False, shared=False, page_size_log2=16):
        if not isinstance(limits, Limits):
            raise TypeError("expected Limits")
        if page_size_log2 != 16:
            raise NotImplementedError("wasmbed has no custom page sizes")
        if is_64:
            if limits.min > M.MAX_PAGES64 or (limits.max is not None
                                              and limits.max > M.MAX_PAGES64):
                raise WasmtimeError("memory size must be at most 2^48 pages")
            if limits.max is not None and limits.max < limits.min:
                raise WasmtimeError("size minimum must not be greater than maximum")
            self._type = M.MemoryType(M.Limits(limits.min, limits.max,
                                               bool(shared), True))
            return
        if limits.min >= 0x100000000:
            raise WasmtimeError("minimum size too large")
        if limits.max and limits.max >= 0x100000000:
            raise WasmtimeError("maximum size too large")
        if limits.min > M.MAX_PAGES or (limits.max is not None
                                        and limits.max > M.MAX_PAGES):
            raise WasmtimeError("memory size must be at most 65536 pages (4GiB)")
        if limits.max is not None and limits.max < limits.min:
            raise WasmtimeError("size minimum must not be greater than maximum")
        self._type = M.MemoryType(limits._core(bool(shared)))

    @classmethod
    def _from_core(cls, mt):
        t = cls.__new__(cls)
        t._type = mt
        return t

    def _core(self):
        return self._type

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


class ImportType:
    """One import of a Module: ``module``, ``name``, ``type``."""

    def __init__(self, module, name, type):
        self._module = module
        self._name = name
        self._type = type

    @property
    def module(self):
        return self._module

    @property
    def name(self):
        return self._name

    @property
    def type(self):
        return self._type


class ExportType:
    """One export of a Module: ``name``, ``type``."""

    def __init__(self, name, type):
        self._name = name
        self._type = type

    @property
    def name(self):
        return self._name

    @property
    def type(self):
        return self._type
