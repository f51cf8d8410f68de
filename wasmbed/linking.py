"""Import resolution: what each import of a module being instantiated is
bound to.

``resolver(rt, imports, wasi, cluster)`` -> ``resolve(module, name, kind)``,
which core/instance.py calls per import; it returns an extern, or None when
nothing provides the import (instantiation then raises LinkError "unknown
import"). The first of these that has the name wins:

1. ``imports``, Runtime.instantiate's {module: {name: extern}};
2. the runtime's natives (RuntimeConfig.natives, Runtime.register_natives);
3. ``wasi_snapshot_preview1`` when the instance has a WASI context
   (``wasi``, wasmbed/wasi_bind.py);
4. ``wasi.thread-spawn`` when the instance is in a wasi-threads cluster;
5. the exports of the instance registered under the module name
   (Runtime.register).

``as_extern(x)``: a value of ``imports`` as the core extern it stands for
(a Function: its core function). Raises LinkError "not an extern value".
"""

from wasmbed.core.errors import LinkError
from wasmbed.core.instance import HostFunction, WasmFunction
from wasmbed.core.memory import Memory
from wasmbed.core.table import Table, Global
from wasmbed.runtime import Function
from wasmbed.natives import native_function


def resolver(rt, imports, wasi, cluster=None):
    """-> resolve(module, name, kind) (see the module doc)."""
    natives = rt.natives
    wasi_function = spawn = None
    if wasi is not None:
        from wasmbed.wasi_bind import function_maker
        wasi_function = function_maker(wasi)
    if cluster is not None:
        from wasmbed.wasi_bind import thread_spawn
        spawn = thread_spawn(rt, cluster)

    def resolve(modname, field, kind):
        if imports:
            m = imports.get(modname)
            if m is not None and field in m:
                return as_extern(m[field])
        syms = natives.get(modname)
        if syms is not None:
            for sym in syms:
                if sym.name == field:
                    return native_function(sym, modname)
        if modname == "wasi_snapshot_preview1" and wasi_function is not None:
            return wasi_function(field)
        if modname == "wasi" and field == "thread-spawn" and spawn is not None:
            return spawn
        reg = rt.registered.get(modname)
        if reg is not None:
            return reg.core.exports.get(field)
        return None
    return resolve


def as_extern(x):
    """-> the core extern ``x`` stands for; raises LinkError."""
    if isinstance(x, (WasmFunction, HostFunction, Memory, Table, Global)):
        return x
    if isinstance(x, Function):
        return x.func
    from wasmbed.core.exception import Tag     # a board imports it on use
    if isinstance(x, Tag):
        return x
    raise LinkError("not an extern value: %r" % (x,))
