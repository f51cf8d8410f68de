"""WASI bound to instances: the context, the functions an instance
imports from it, and wasi-threads. Loaded by the runtime on first use.

- ``context(wasi, platform)`` -> (Wasi, owned): a WasiConfig gets a new
  context (``owned``: the instance closes it at deinstantiate); a
  ``wasmbed.wasi.Wasi`` is shared as it is (its owner closes it). Raises
  TypeError for anything else, HostOutOfMemory ("instantiate", "WASI").
- ``function_maker(wasi)`` -> get(name): the HostFunction of
  wasi_snapshot_preview1's ``name`` (None when WASI has no such function),
  made on first use and kept (a module imports a few of them). Its
  results are masked to their type's width.
- ``new_cluster(rt, make)``: the wasi-threads cluster of a module that
  imports ``wasi.thread-spawn``: at most ``max_thread_num`` threads, each
  a new instance ``make(cluster, fuel)`` whose export
  ``wasi_thread_start(tid, arg)`` runs (Trap "wasi_thread_start is not
  exported"; NotSupported when it suspends). ``fuel``: what the spawning
  exec env had left, None when it was not metered.
- ``thread_spawn(rt, cluster)``: the HostFunction ``wasi.thread-spawn``.
"""

from wasmbed.core import errors as E
from wasmbed.core.errors import Trap, HostOutOfMemory
from wasmbed.core.instance import HostFunction, WasmFunction
from wasmbed.core.module import FuncType, I32, I64, F32, F64

_TYPES = {"i32": I32, "i64": I64, "f32": F32, "f64": F64}
M32 = 0xFFFFFFFF
M64 = 0xFFFFFFFFFFFFFFFF


def context(wasi, platform):
    """-> (Wasi, owned) for instantiate's ``wasi`` argument. Raises
    TypeError for anything but a WasiConfig or a Wasi."""
    try:
        from wasmbed.wasi import Wasi, WasiConfig
        if isinstance(wasi, Wasi):
            return wasi, False
        if not isinstance(wasi, WasiConfig):
            raise TypeError("wasi must be a WasiConfig or a Wasi, got %s"
                            % type(wasi).__name__)
        return Wasi(wasi, platform), True
    except MemoryError:
        raise HostOutOfMemory("instantiate", "WASI")


def function_maker(wasi):
    """-> get(name) -> HostFunction or None (see the module doc)."""
    made = {}

    def get(name):
        f = made.get(name)
        if f is None:
            sig = wasi.import_function(name)
            if sig is None:
                return None
            params, results, fn = sig
            ft = FuncType(tuple(_TYPES[p] for p in params),
                          tuple(_TYPES[r] for r in results))
            f = made[name] = HostFunction(ft, _adapter(fn, ft), name)
        return f
    return get


def _adapter(fn, ft):
    mask = 0
    if ft.results:
        mask = M32 if ft.results[0] == I32 else M64

    def host(env, *args):
        r = fn(env, *args)
        if mask:
            return r & mask
        return None
    return host


def new_cluster(rt, make):
    """-> a core.cluster.Cluster (see the module doc)."""
    from wasmbed.core.cluster import Cluster
    holder = []

    def new_instance():
        c = holder[0]
        return make(c, c.spawn_fuel.get(rt.platform.thread_self()))

    def run_start(inst, tid, start_arg):
        f = inst.core.exports.get("wasi_thread_start")
        if not isinstance(f, (WasmFunction, HostFunction)):
            raise Trap("wasi_thread_start is not exported")
        try:
            inst.default_exec_env().invoke_raw(f, [tid & M32, start_arg & M32])
        except E.Suspended:
            raise E.NotSupported(E.SUSPEND_THREAD)

    cluster = Cluster(rt.platform, rt.config.max_thread_num, new_instance,
                      run_start)
    # a thread spawned from a metered exec env gets the fuel its spawner
    # had left: {spawning thread: fuel}, set around the spawn
    cluster.spawn_fuel = {}
    holder.append(cluster)
    return cluster


def thread_spawn(rt, cluster):
    """-> the HostFunction of ``wasi.thread-spawn`` (i32) -> i32."""

    def spawn(env, arg):
        fuel = env.get_fuel()
        if fuel is None:
            return cluster.spawn(arg)
        key = rt.platform.thread_self()
        cluster.spawn_fuel[key] = fuel
        try:
            return cluster.spawn(arg)
        finally:
            del cluster.spawn_fuel[key]
    return HostFunction(FuncType((I32,), (I32,)), spawn, "thread-spawn")
