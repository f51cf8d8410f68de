"""Linker: names for imports, then instantiate.

Definitions live in one namespace of (module, name) pairs: a second
definition of a pair raises WasmtimeError "import of `m::n` defined
twice" unless ``allow_shadowing = True`` (then the last one wins).
``define_func`` definitions are store-independent (a host function is
made per Store on first use). ``define_wasi`` names every
``wasi_snapshot_preview1`` function; they run on the WASI context of the
Store they are instantiated in (``Store.set_wasi``; an empty one when
that was never called).

``define_module`` instantiates a reactor or library module once (calling
its ``_initialize`` export if any) and defines its exports; for a command
module (one exporting ``_start``, which wasmtime re-instantiates per
call) it raises NotImplementedError. ``instantiate_pre`` raises
NotImplementedError.
"""

from wasmbed.wasi import SIGNATURES as _WASI_SIGNATURES
from wasmbed.core.module import EXT_FUNC
from wasmbed.wasmtime.engine import Engine
from wasmbed.wasmtime.closable import Closable
from wasmbed.wasmtime.errors import WasmtimeError
from wasmbed.wasmtime.extern import wrap, unwrap
from wasmbed.wasmtime.func import Func, host_function
from wasmbed.wasmtime.instance import Instance
from wasmbed.wasmtime.types import FuncType
from wasmbed.wasmtime.store import store_of

WASI_MODULE = "wasi_snapshot_preview1"
_WASI = "wasi"
_EXTERN = "extern"
_FUNC = "func"


class Linker(Closable):
    def __init__(self, engine):
        if not isinstance(engine, Engine):
            raise TypeError("expected an Engine")
        self.engine = engine
        self._defs = {}
        self._shadowing = False

    def _set_shadowing(self, allow):
        self._shadowing = bool(allow)

    allow_shadowing = property(fset=_set_shadowing)

    def _put(self, module, name, entry):
        if not isinstance(module, str) or not isinstance(name, str):
            raise TypeError("expected str names")
        key = (module, name)
        if key in self._defs and not self._shadowing:
            raise WasmtimeError("import of `%s::%s` defined twice" % key)
        self._defs[key] = entry

    def define(self, store, module, name, item):
        self._put(module, name, (_EXTERN, unwrap(item)))

    def define_func(self, module, name, ty, func, access_caller=False):
        if not isinstance(ty, FuncType):
            raise TypeError("expected a FuncType")
        self._put(module, name, (_FUNC, (ty._core(), func, bool(access_caller))))

    def define_instance(self, store, name, instance):
        if not isinstance(instance, Instance):
            raise TypeError("expected an `Instance`")
        exports = instance.exports(store)
        for ename in exports:
            self.define(store, name, ename, exports[ename])

    def define_wasi(self):
        if not self._shadowing:
            for sig in _WASI_SIGNATURES:
                if (WASI_MODULE, sig[0]) in self._defs:
                    raise WasmtimeError("import of `%s::%s` defined twice"
                                        % (WASI_MODULE, sig[0]))
        for sig in _WASI_SIGNATURES:
            self._defs[(WASI_MODULE, sig[0])] = (_WASI, None)

    def define_module(self, store, name, module):
        from wasmbed.wasmtime.module import Module
        if not isinstance(module, Module):
            raise TypeError("expected a `Module`")
        if any(e.name == "_start" for e in module._module.exports):
            raise NotImplementedError(
                "Linker.define_module of a command module (one exporting "
                "_start): wasmbed instantiates library/reactor modules only")
        inst = self.instantiate(store, module)
        exports = inst.exports(store)
        init = exports.get("_initialize")
        if isinstance(init, Func):
            init(store)
        self.define_instance(store, name, inst)

    def _resolve(self, st, key, entry):
        kind, v = entry
        if kind == _EXTERN:
            return v
        if kind == _FUNC:
            cache_key = (id(self), key)
            cached = st._linker_funcs.get(cache_key)
            if cached is None or cached[0] is not entry:
                ft, fn, caller = v
                cached = (entry, host_function(st, ft, fn, caller))
                st._linker_funcs[cache_key] = cached
            return cached[1]
        return None

    def instantiate(self, store, module):
        st = store_of(store)
        imports = {}
        wasi = None
        for imp in module._module.imports:
            key = (imp.module, imp.name)
            entry = self._defs.get(key)
            if entry is None:
                raise WasmtimeError("unknown import: `%s::%s` has not been defined" % key)
            if entry[0] == _WASI:
                wasi = st._wasi_context()
                continue
            imports.setdefault(imp.module, {})[imp.name] = self._resolve(st, key, entry)
        return Instance._from_core(st, st._instantiate(module, imports, wasi))

    def get(self, store, module, name):
        st = store_of(store)
        key = (module, name)
        entry = self._defs.get(key)
        if entry is None or entry[0] == _WASI:
            raise WasmtimeError("item not defined in linker")
        return wrap(self._resolve(st, key, entry))

    def get_default(self, store, name):
        for field in ("", "_start"):
            entry = self._defs.get((name, field))
            if entry is not None and entry[0] != _WASI:
                x = self.get(store, name, field)
                if isinstance(x, Func):
                    return x
        # wasmtime hands out a function doing nothing then
        return Func._from_core(host_function(store_of(store), FuncType([], [])._core(),
                                             lambda: None, False))

    def define_unknown_imports_as_traps(self, module):
        """Imported functions not defined yet raise WasmtimeError "unknown
        import" when called, as in wasmtime-py (other kinds raise
        WasmtimeError here)."""
        for imp in module._module.imports:
            key = (imp.module, imp.name)
            if key in self._defs:
                continue
            if imp.kind != EXT_FUNC:
                raise WasmtimeError("cannot define unknown import `%s::%s` as a trap"
                                    % key)
            ft = module._module.types[imp.desc]

            def trap(*args, _key=key):
                raise WasmtimeError(
                    "error while executing at wasm backtrace:\n\nCaused by:\n"
                    "    unknown import: `%s::%s` has not been defined\n" % _key)
            self._defs[key] = (_FUNC, (ft, trap, False))

    def define_unknown_imports_as_default_values(self, store, module):
        """Imported functions not defined yet return zeros / nulls (other
        kinds raise WasmtimeError)."""
        from wasmbed.core import module as M
        zero = {M.I32: 0, M.I64: 0, M.F32: 0.0, M.F64: 0.0}
        for imp in module._module.imports:
            key = (imp.module, imp.name)
            if key in self._defs:
                continue
            if imp.kind != EXT_FUNC:
                raise WasmtimeError("cannot define a default value for `%s::%s`" % key)
            ft = module._module.types[imp.desc]
            res = [zero.get(t) for t in ft.results]

            def default(*args, _res=res):
                if not _res:
                    return None
                return _res[0] if len(_res) == 1 else list(_res)
            self._defs[key] = (_FUNC, (ft, default, False))

    def instantiate_pre(self, module):
        raise NotImplementedError("Linker.instantiate_pre: use instantiate")
