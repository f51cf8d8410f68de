"""Instance and its exports.

``Instance(store, module, imports)`` takes one extern (Func, Memory,
Table, Global) per import of ``module``, in order; raises WasmtimeError
(wrong count, a type mismatch, a store limit), Trap (the start function
or a segment trapped), ExitTrap. ``exports(store)`` is a read-only
mapping by name, with ``by_index`` in the module's export order.
"""

from collections.abc import Mapping

from wasmbed.wasmtime.errors import WasmtimeError
from wasmbed.wasmtime.extern import wrap, unwrap
from wasmbed.wasmtime.store import store_of


class Instance:
    def __init__(self, store, module, imports):
        from wasmbed.wasmtime.module import Module
        if not isinstance(module, Module):
            raise TypeError("expected a Module")
        st = store_of(store)
        imps = module._module.imports
        imports = list(imports)
        items = [unwrap(x) for x in imports]
        if len(items) != len(imps):
            raise WasmtimeError("expected %d imports, found %d" % (len(imps), len(items)))
        table = {}
        for imp, x in zip(imps, items):
            table.setdefault(imp.module, {})[imp.name] = x
        self._init(st, st._instantiate(module, table, None))

    @classmethod
    def _from_core(cls, store, inst):
        obj = cls.__new__(cls)
        obj._init(store, inst)
        return obj

    def _init(self, store, inst):
        self._inst = inst
        self._exports = None

    def exports(self, store):
        if self._exports is None:
            self._exports = InstanceExports(self._inst)
        return self._exports


class InstanceExports(Mapping):
    def __init__(self, inst):
        core = inst.core
        self._map = {}
        seq = []
        for e in inst.module.module.exports:
            x = wrap(core.exports[e.name])
            seq.append(x)
            self._map[e.name] = x
        self._seq = tuple(seq)

    @property
    def by_index(self):
        return self._seq

    def __getitem__(self, name):
        return self._map[name]

    def __len__(self):
        return len(self._seq)

    def __iter__(self):
        return iter(self._map)
