"""The embedding API: Runtime, loaded modules and instances.

See ARCHITECTURE.md section 8. Values cross this API the way wasmtime-py
passes them: i32/i64 as signed ints, f32/f64 as floats, externref as any
Python object (None is null), funcref as a function object or None.

Behind it, each in its own module loaded on first use: import resolution
(wasmbed/linking.py), WASI and wasi-threads (wasmbed/wasi_bind.py) and
what pool mode charges (wasmbed/pool_policy.py, where INSTANCE_CHARGE and
the other per-instance charges now live).
"""

import sys

from wasmbed.config import RuntimeConfig, NativeSymbol
from wasmbed.core import errors as E
from wasmbed.core import numeric as _N
from wasmbed.core.errors import Trap, LinkError, ThreadLimit, HostOutOfMemory
from wasmbed.core.decode import decode_module
from wasmbed.core.validate import validate_module
from wasmbed.core.instance import (instantiate as _instantiate, HostFunction,
                                   WasmFunction)
from wasmbed.core.memory import HeapBacking, PoolBacking, VMBacking, Memory
from wasmbed.core.limits import StoreLimits
from wasmbed.core.table import Table
from wasmbed.core.module import I64, F64
from wasmbed.values import to_internal, from_internal, M32

TYPE_CHECKING = False   # the type checker's constant: no import at run time
if TYPE_CHECKING:
    from wasmbed.core.exception import Tag

# Function bodies are decoded again on each read where RAM is scarce
# (core/decode.py, "Lazy bodies"): True on MicroPython.
LAZY_BODIES = sys.implementation.name == "micropython"

if False:   # type checkers only (MicroPython has no typing module)
    from typing import Any, Callable
    from wasmbed.extern_types import ExternType


class Runtime:
    """A runtime: one platform, one memory policy, registered modules.

    Raises ValueError for a bad config; PoolExhausted when the pool cannot
    hold the initial structures; HostOutOfMemory when the host has no RAM
    for the pool (every MemoryError in load, instantiate and calls is
    HostOutOfMemory too, with ``during`` saying which).
    """

    def __init__(self, config: "RuntimeConfig | None" = None) -> "None":
        if config is None:
            config = RuntimeConfig()
        self.config = config
        self._platform = config.platform
        self.pool = None
        # The store core/instance.py instantiates into is the runtime
        # itself: where memories' and tables' bytes come from
        # (``mem_backing``, ``table_backing``: None for the heap), the
        # shared-memory hook and the store limits.
        self.store = self
        self.mem_backing = self.table_backing = None  # type: Any
        # pool mode: host memory charged at its measured rates (pool_policy)
        self._charge_host = False
        if config.mem_alloc_type == "pool":
            from wasmbed import pool_policy
            self.pool = pool_policy.new_pool(config, self._platform)
            self._charge_host = pool_policy.charges_host(config)
            self.mem_backing = self.table_backing = PoolBacking(self.pool)
        else:
            plat = self.platform
            if getattr(plat, "HAS_VM", False):
                self.mem_backing = VMBacking(plat)
            else:
                self.mem_backing = HeapBacking()
        self.on_shared_memory = self._init_shared_memory
        self.limits = StoreLimits(
            config.max_memory_size, config.max_table_elements,
            config.max_total_table_elements, config.max_instances,
            config.max_tables, config.max_memories)
        self.registered = {}  # type: dict[str, Instance]
        # {module_name: [NativeSymbol]}: the config's, then register_natives()
        self.natives = {}  # type: dict[str, list[NativeSymbol]]
        for modname, syms in config.natives.items():
            self.register_natives(modname, syms)
        # terminate flags of everything Runtime.terminate() must reach: each
        # live instance (from the start of its instantiation until
        # deinstantiate) and each load in progress
        self._terms = []  # type: list[list[Any]]
        # the execution tier: a module with execute(env, func, args). The
        # default is the fast tier on CPython and the interpreter on
        # MicroPython, whose boards may lack the RAM (or compile()) to
        # translate.
        mode = config.mode
        if mode is None:
            mode = "interp" if sys.implementation.name == "micropython" else "fast"
        engine = None  # type: Any
        try:
            if mode == "fast":
                try:
                    from wasmbed.core import fast as engine
                except ImportError:
                    mode = "interp"
            if engine is None:      # imported only when used: an AOT-only
                engine = _interp()  # board saves its 4 KB of heap
        except MemoryError:         # the tier's code does not fit
            raise HostOutOfMemory("runtime", "the %s tier" % mode)
        self.mode = mode
        self.engine = engine
        # the store attribute fast.ctx_of reads: start functions in the
        # interpreter, translate them once hot (core/tiering.py; 0: off)
        self.tier_up = config.tier_up if mode == "fast" else 0

    @property
    def platform(self) -> "Any":
        if self._platform is None:
            from wasmbed.platform import default_platform
            self._platform = default_platform()
        return self._platform

    def _init_shared_memory(self, mem):
        """Give a shared memory its lock, wait queues, condvars and clock."""
        plat = self.platform
        mem.lock = plat.mutex_new()
        mem.waiters = {}
        mem.cond_new = plat.cond_new
        mem.clock_ns = lambda: plat.clock_ns(1)

    def create_memory(self, min_pages: "int", max_pages: "int | None" = None,
                      shared: "bool" = False, is64: "bool" = False) -> "Memory":
        """A host-made memory to pass in `imports` (e.g. the shared memory a
        wasi-threads module imports; ``is64`` a memory64 one); it counts
        against max_memories until its release(). Raises PoolExhausted,
        InstantiationError (a store limit)."""
        from wasmbed.core.module import MemoryType, Limits
        mem = Memory(MemoryType(Limits(min_pages, max_pages, shared, is64)),
                     self.store.mem_backing, self.store.limits)
        if shared:
            self._init_shared_memory(mem)
        return mem

    def create_table(self, elem_type: "int", min_elems: "int",
                     max_elems: "int | None" = None, init: "Any" = None) -> "Table":
        """A host-made table (elem_type FUNCREF or EXTERNREF from
        wasmbed.core.module; init a core function, any object for
        externref, or None) to pass in `imports`; it counts against the
        store limits until its release(). Raises InstantiationError (a
        store limit), PoolExhausted."""
        from wasmbed.core.module import TableType, Limits
        return Table(TableType(elem_type, Limits(min_elems, max_elems)),
                     self.store.table_backing, init, self.store.limits)

    def set_limits(self, **limits: "int | None") -> "None":
        """Change store limits of a live runtime (names as in RuntimeConfig:
        max_memory_size, max_table_elements, max_total_table_elements,
        max_instances, max_tables, max_memories; None lifts a cap). They
        apply to what is created or grown from now on; the RuntimeConfig
        (which other runtimes may share) is left as it was. Raises
        ValueError for an unknown name or a bad value (nothing is changed
        then)."""
        from wasmbed.config import _limit
        checked = {}
        for name, v in limits.items():
            if not hasattr(self.store.limits, name) or not name.startswith("max_"):
                raise ValueError("unknown store limit %r" % name)
            checked[name] = _limit(name, v)
        for name, v in checked.items():
            setattr(self.store.limits, name, v)

    # -- modules ---------------------------------------------------------
    def load(self, data: "bytes | bytearray | memoryview") -> "LoadedModule":
        """Decode and validate a binary module -> LoadedModule.

        Raises MalformedModule, InvalidModule, PoolExhausted (pool mode:
        the module bytes and the host memory of their decoded form are
        charged to the pool first, core/host_charge.py), HostOutOfMemory.
        With RuntimeConfig.cache_dir, a binary the cache has seen validate
        is decoded without its bodies and not validated again, and
        translated functions are kept there (wasmbed/code_cache.py).
        """
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError("load() needs bytes")
        return self._load(data, False)

    def _load(self, data, known_valid):
        """load(); ``known_valid``: the binary is an AOT module's, whose
        bodies were validated when it was compiled (they are not decoded)."""
        cache = None
        if self.config.cache_dir is not None:
            from wasmbed.code_cache import CodeCache
            if type(data) is not bytes:   # bodies are decoded from it later
                data = bytes(data)
            cache = CodeCache(self.config.cache_dir, data)
        trusted = known_valid or (cache is not None and cache.validated)
        acct = None
        if self.pool is not None:
            from wasmbed import pool_policy
            acct, decoding = pool_policy.charge_load(self.pool,
                                                     self._charge_host, data)
        term = [None]
        self._terms.append(term)
        try:
            try:
                # lazily, the input is read in place: through a memoryview
                # slices of it (br_table labels) are views, not copies
                module = decode_module(memoryview(data) if LAZY_BODIES and
                                       type(data) is bytes else data,
                                       lazy=LAZY_BODIES, trusted=trusted)
                _poll(term)
                if trusted:
                    validate_module(module, term, bodies=False)
                else:
                    validate_module(module, term)
                    _poll(term)
                    if cache is not None:
                        cache.mark_validated()
                module.code_cache = cache
            except MemoryError:
                raise HostOutOfMemory("load", "a module of %d bytes" % len(data))
            if acct is not None:
                pool_policy.settle_load(acct, self._charge_host, decoding,
                                        module, len(data))
        except BaseException:
            if acct is not None:
                acct.release()
            raise
        finally:
            self._forget_term(term)
        return LoadedModule(self, module, acct, data)

    def load_aot(self, aot: "Any") -> "LoadedModule":
        """Load a module written by ``wasmbed compile`` (an imported Python
        module, or any object with WASM and BINDERS) -> LoadedModule whose
        functions run from the precompiled code, with no translation and no
        compile()/exec() on this host. The runtime's tier must be "fast".
        The embedded binary's function bodies are not decoded or validated
        again (they were when it was compiled, and an AOT module is Python
        code the host trusts anyway); the rest of it is. Raises
        MalformedModule/InvalidModule if that is bad, ValueError if `aot`
        is not an AOT module."""
        wasm = getattr(aot, "WASM", None)
        binders = getattr(aot, "BINDERS", None)
        if wasm is None or binders is None:
            raise ValueError("not a wasmbed AOT module (no WASM/BINDERS)")
        if self.mode != "fast":
            raise ValueError("AOT modules run on the fast tier (mode='fast')")
        made = getattr(aot, "FLOAT_MODE", "hard")
        here = "soft" if _N.soft else "hard"
        if made != here:
            raise ValueError(E.MSG_AOT_FLOAT_MODE % (made, here, here))
        if isinstance(wasm, tuple):
            wasm = b"".join(wasm)
        mod = self._load(wasm, True)
        from wasmbed.core import fast
        fast.install(mod.module, binders, getattr(aot, "GROUP", 0))
        return mod

    def register(self, name: "str", instance: "Instance") -> "None":
        """Make an instance's exports importable under module name `name`."""
        self.registered[name] = instance

    def register_natives(self, module: "str", symbols: "list[NativeSymbol]") -> "None":
        """WAMR's wasm_runtime_register_natives: make NativeSymbols
        importable under module name `module` by every module instantiated
        from now on (a later symbol of the same name replaces an earlier
        one). Raises ValueError for a bad signature string (nothing is
        registered then), TypeError for something not a NativeSymbol."""
        from wasmbed.natives import parse_signature
        for sym in symbols:
            if not isinstance(sym, NativeSymbol):
                raise TypeError("register_natives needs NativeSymbols, got %r"
                                % (sym,))
            parse_signature(sym.signature)
        have = self.natives.setdefault(module, [])
        for sym in symbols:
            for i in range(len(have)):
                if have[i].name == sym.name:
                    del have[i]
                    break
            have.append(sym)

    def unregister_natives(self, module: "str",
                           symbols: "list[NativeSymbol] | list[str]") -> "None":
        """Withdraw NativeSymbols (or names) registered under `module`;
        instances already made keep them. Unknown ones are ignored."""
        have = self.natives.get(module)
        if not have:
            return
        names = [getattr(s, "name", s) for s in symbols]
        have[:] = [s for s in have if s.name not in names]
        if not have:
            del self.natives[module]

    def instantiate(self, module: "LoadedModule", stack_size: "int | None" = None,
                    heap_size: "int" = 0, wasi: "Any" = None,
                    imports: "dict[str, dict[str, Any]] | None" = None,
                    fuel: "int | None" = None) -> "Instance":
        """Instantiate a LoadedModule -> Instance.

        ``imports``: {module_name: {field: extern}} where an extern is a
        Python callable wrapped by host_function(), a Memory/Table/Global,
        or an export of another instance. ``wasi``: a WasiConfig (the
        instance gets its own WASI context, closed at deinstantiate()), or
        a ``wasmbed.wasi.Wasi`` shared by several instances (its owner
        closes it; deinstantiate() leaves it open). ``fuel``: None
        (default: no metering), or the fuel of the instance's default exec
        env, which runs the start function (what is left:
        ``inst.default_exec_env().get_fuel()``). Raises LinkError, Trap
        ("all fuel consumed" included), PoolExhausted, InstantiationError
        (a store limit of the config), HostOutOfMemory (the host ran out
        of RAM).
        """
        return self._make(module, stack_size, heap_size, wasi, imports, fuel,
                          True)

    def restore(self, module: "LoadedModule", snapshot: "bytes",
                imports: "dict[str, dict[str, Any]] | None" = None,
                wasi: "Any" = None) -> "Instance":
        """A new instance of ``module`` in the state of ``snapshot``
        (bytes of Instance.snapshot(), from any host): its memories,
        globals, tables, WASI descriptors and, when the snapshot was of a
        suspended call, that call (``instance.suspended()``; resume() it
        to finish). ``imports`` as for instantiate(); ``wasi`` None (the
        snapshot's args, env and preopens) or a WasiConfig whose preopens
        and stdio replace them (args and env stay the snapshot's). The
        start function does not run again. Raises SnapshotError (not a
        snapshot, another version, truncated, bad checksum, another module
        or float mode; docs/SUSPEND.md), and what instantiate() raises."""
        from wasmbed.snapshots import restore
        return restore(self, module, snapshot, imports, wasi)

    def _make(self, module, stack_size, heap_size, wasi, imports, fuel, start):
        # instantiate() and restore(): the WASI context and the cluster
        # (wasi_bind.py), then the Instance; host MemoryErrors become
        # HostOutOfMemory
        if stack_size is None:
            stack_size = self.config.default_stack_size
        if fuel is not None:
            from wasmbed.core.fuel import check_fuel_args
            check_fuel_args(fuel, "trap")
        wasi_obj = None
        owned = True
        if wasi is not None:
            try:
                from wasmbed.wasi_bind import context
            except MemoryError:     # the module itself does not fit
                raise HostOutOfMemory("instantiate", "WASI")
            wasi_obj, owned = context(wasi, self.platform)
        cluster = None
        if any(imp.module == "wasi" and imp.name == "thread-spawn"
               for imp in module.module.imports):
            from wasmbed.wasi_bind import new_cluster

            def thread_instance(c, thread_fuel):
                return Instance(self, module, stack_size, imports, wasi_obj,
                                heap_size, thread_fuel, cluster=c, main=False)
            cluster = new_cluster(self, thread_instance)
        try:
            try:
                return Instance(self, module, stack_size, imports, wasi_obj,
                                heap_size, fuel, start, cluster,
                                owns_wasi=owned)
            except MemoryError:
                raise HostOutOfMemory("instantiate")
            except E.PoolExhausted:
                if self.pool is not None:
                    raise
                # system mode: no pool, the host's own allocation failed
                raise HostOutOfMemory("instantiate", "linear memory or table")
        except BaseException:
            if wasi_obj is not None and owned:
                wasi_obj.close()
            raise

    # -- embedder threads (WAMR's spawn_exec_env / spawn_thread) -----------
    def spawn_thread(self, instance: "Instance", fn: "Callable[[ExecEnv, Any], Any]",
                     arg: "Any" = None, stack_size: "int | None" = None) -> "Any":
        """Run ``fn(exec_env, arg)`` on a new platform thread with a new exec
        env of ``instance``; -> a handle for join_thread(). Counted against
        max_thread_num together with the instance's other spawned threads.
        Raises ThreadLimit (nothing is started), PoolExhausted."""
        env = instance.spawn_exec_env(stack_size)

        def body(a):
            try:
                return fn(env, a)
            finally:
                instance._thread_done(env)
        try:
            return self.platform.thread_create(body, arg, 0)
        except Exception:
            instance._thread_done(env)
            raise ThreadLimit("the platform could not start a thread")

    def join_thread(self, handle: "Any") -> "Any":
        """Wait for a thread from spawn_thread(); -> fn's result, or raises
        what fn raised."""
        return self.platform.thread_join(handle)

    def mem_alloc_info(self) -> "dict[str, int]":
        """{"total_size", "total_free_size", "highmark_size"} of the pool
        (system mode: zeros)."""
        if self.pool is None:
            return {"total_size": 0, "total_free_size": 0, "highmark_size": 0}
        return self.pool.info()

    def terminate(self) -> "None":
        """Stop everything this runtime is doing now, from any thread: a
        load or instantiation in progress (segment initialisation, the
        start function) raises Terminated, and so does every running call
        on any of its instances (those instances stay terminated, as after
        Instance.terminate()). Loads and instances begun afterwards run
        normally. Bulk operations and translation poll the flag, so the
        guest stops within about a millisecond of host work."""
        for t in list(self._terms):
            t[0] = _terminated

    def _forget_term(self, term):
        try:
            self._terms.remove(term)
        except ValueError:
            pass

    def destroy(self) -> "None":
        self.registered = {}
        self.natives = {}


class LoadedModule:
    """A decoded, validated module owned by a Runtime."""

    def __init__(self, runtime, module, account, binary=None):
        """``module``: a validated core Module; ``account``: the pool
        Account of its charges (None: not charged); ``binary``: the bytes
        it was decoded from, which name it in snapshots."""
        self.runtime = runtime
        self.module = module
        self._account = account
        self._binary = binary  # type: Any

    _id = None  # type: Any

    def unload(self) -> "None":
        """Return the module's pool charges (binary, decoded form, the
        code its functions were lowered or translated to). Idempotent."""
        if self._account is not None:
            self._account.release()
            self._account = None

    @property
    def imports(self) -> "list[Any]":
        return self.module.imports

    @property
    def exports(self) -> "list[Any]":
        return self.module.exports

    # -- introspection (WAMR's get_import_type / get_export_type) ----------
    def import_types(self) -> "list[ExternType]":
        """[ExternType] of the imports, in order (wasmbed/extern_types.py):
        module_name, name, kind, param/result types and signature of
        functions, and ``linked`` (a native or registered module provides
        it now)."""
        from wasmbed.extern_types import import_types
        rt = self.runtime

        def links(modname, field):
            for sym in rt.natives.get(modname, ()):
                if sym.name == field:
                    return True
            reg = rt.registered.get(modname)
            return reg is not None and field in reg.core.exports
        return import_types(self.module, links)

    def export_types(self) -> "list[ExternType]":
        """[ExternType] of the exports, in order."""
        from wasmbed.extern_types import export_types
        return export_types(self.module)


class Function:
    """An exported function, as handed to embedders. ``type`` is its core
    FuncType; extern_type() describes it for embedders."""

    def __init__(self, instance: "Instance", func: "Any", name: "str") -> "None":
        self.instance = instance
        self.func = func
        self.name = name
        self.type = func.type

    def extern_type(self) -> "ExternType":
        """-> ExternType (wasmbed/extern_types.py) of kind "func": its
        ``param_types`` / ``result_types`` name the value types ("i32",
        "i64", "f32", "f64", "v128", "funcref", "externref") and
        ``signature`` is the WAMR signature string ("(iI)F")."""
        from wasmbed.extern_types import ExternType
        return ExternType(None, self.name, 0, self.type)



class Instance:
    """An instantiated module (public wrapper around ModuleInstance).
    Made by Runtime.instantiate() and Runtime.restore()."""

    def __init__(self, runtime, module, stack_size, imports=None, wasi=None,
                 heap_size=0, fuel=None, start=True, cluster=None, main=True,
                 owns_wasi=False):
        """Instantiate LoadedModule ``module`` on ``runtime``: charge the
        pool (wasmbed/pool_policy.py), make the default exec env (metered
        with ``fuel`` unless None), link ``imports`` and the rest
        (wasmbed/linking.py; ``wasi``: the WASI context or None),
        initialise and run the start function (not when ``start`` is
        false: Runtime.restore), then reserve an app heap of ``heap_size``
        bytes (0: none). ``cluster``: the wasi-threads cluster it belongs
        to; ``main``: False for a thread of that cluster (deinstantiate()
        of the main instance stops the cluster); ``owns_wasi``:
        deinstantiate() closes ``wasi``. Raises what
        Runtime.instantiate() raises (host MemoryErrors as they are);
        nothing stays charged then."""
        self.runtime = runtime
        self.module = module
        self.stack_size = stack_size
        self.core = None
        self.wasi = None
        self.exception = None
        self.cluster = cluster
        self._main = main
        self._owns_wasi = main and owns_wasi
        self._account = None
        self._default_env = None
        self._envs = []
        self._spawned = []
        self._spawn_lock = None
        self._app_heap = None
        self._pending_exception = None   # set_exception() during a native
        self._suspended = None   # the last Suspended of its calls not resumed
        self.custom_data = None   # any object of the embedder's
        # terminate(): set from the start of instantiation
        self._term = term = [None]
        runtime._terms.append(term)
        charge = runtime._charge_host
        env = None

        def run_start(core_inst, func):
            if not start:
                return      # restore(): the snapshot is after it
            self.core = core_inst
            if charge:
                core_inst.host_account = self._account
            try:
                env.invoke_raw(func, [])
            except E.Suspended:
                raise E.NotSupported(E.SUSPEND_START)

        m = module.module
        try:
            if runtime.pool is not None:
                from wasmbed.pool_policy import instance_account
                self._account = instance_account(
                    runtime.pool, m, charge and runtime.mode == "fast")
            env = self._default_env = ExecEnv(self, stack_size)
            if fuel is not None:
                env.set_fuel(fuel)
            from wasmbed.linking import resolver
            self.core = _instantiate(m, resolver(runtime, imports, wasi, cluster),
                                     runtime.store, run_start, term,
                                     self._account if charge else None)
            if charge:
                self.core.host_account = self._account
        except BaseException:
            self._free_charges()
            runtime._forget_term(term)
            raise
        self.wasi = wasi
        if heap_size:
            from wasmbed.app_heap import AppHeap
            self._app_heap = AppHeap.reserve(self, heap_size)
        if cluster is not None:
            cluster.add_member(self.core)

    def snapshot(self) -> "bytes":
        """-> bytes of this instance's state: memories, globals, tables,
        WASI descriptors, and the frames of its suspended call if one is
        (suspended()); Runtime.restore() rebuilds it, here or on another
        host. Works whichever tier made the instance; a suspended call is
        the interp tier's. Raises SnapshotError for state a snapshot
        cannot hold (an externref, a frame of another instance; see
        docs/SUSPEND.md)."""
        from wasmbed.snapshots import take
        return take(self)

    def suspended(self) -> "Any":
        """The Suspended of this instance's last call not resumed yet
        (after Runtime.restore: the restored call), or None."""
        return self._suspended

    def lookup_function(self, name: "str") -> "Function | None":
        """-> Function or None when no function is exported under name."""
        f = self.core.exports.get(name)
        if isinstance(f, (WasmFunction, HostFunction)):
            return Function(self, f, name)
        return None

    def lookup_memory(self, name: "str") -> "Memory | None":
        """-> the memory exported under name (any of the instance's
        memories: 3.0 modules may have several), or None."""
        m = self.core.exports.get(name)
        return m if isinstance(m, Memory) else None

    def lookup_tag(self, name: "str") -> "Tag | None":
        """-> the exported Tag (core.exception.Tag) or None. Tags are
        compared by identity: ``exc.tag is inst.lookup_tag("t")`` tells
        which exception an UncaughtException is."""
        t = self.core.exports.get(name)
        from wasmbed.core.exception import Tag
        return t if isinstance(t, Tag) else None

    def create_exec_env(self, stack_size: "int | None" = None) -> "ExecEnv":
        """A new exec env (its stack comes from the pool in pool mode; it
        is returned by env.destroy() or at deinstantiate()). Raises
        PoolExhausted."""
        env = ExecEnv(self, stack_size or self.stack_size)
        self._envs.append(env)
        return env

    def default_exec_env(self) -> "ExecEnv":
        """The exec env that ran the start function and that call() uses
        (set_fuel on it meters call())."""
        return self._default_env

    def call(self, name: "str", *args: "Any") -> "Any":
        """Convenience: call an export on the instance's default exec env."""
        f = self.lookup_function(name)
        if f is None:
            raise LinkError("unknown export %s" % name)
        return self._default_env.call(f, *args)

    def spawn_exec_env(self, stack_size: "int | None" = None) -> "ExecEnv":
        """An exec env for another thread, counted against max_thread_num
        (the main thread is the +1). Return it with destroy_spawned_exec_env
        or let spawn_thread do it. Raises ThreadLimit, PoolExhausted."""
        limit = self.runtime.config.max_thread_num
        self._spawn_lock_acquire()
        try:
            busy = len(self._spawned) + (self.cluster.live_threads() if self.cluster else 0)
            if busy >= limit:
                raise ThreadLimit("thread limit reached (max_thread_num=%d)" % limit)
            env = ExecEnv(self, stack_size or self.stack_size)
            self._spawned.append(env)
        finally:
            self._spawn_lock_release()
        return env

    def destroy_spawned_exec_env(self, env: "ExecEnv") -> "None":
        self._thread_done(env)

    def _thread_done(self, env):
        self._spawn_lock_acquire()
        try:
            if env in self._spawned:
                self._spawned.remove(env)
        finally:
            self._spawn_lock_release()
        env.destroy()

    def _spawn_lock_acquire(self):
        if self._spawn_lock is None:
            self._spawn_lock = self.runtime.platform.mutex_new()
        self._spawn_lock.acquire()

    def _spawn_lock_release(self):
        self._spawn_lock.release()

    # -- app heap (WAMR's module_malloc family) -----------------------------
    def module_malloc(self, size: "int") -> "int":
        """Allocate `size` bytes in the guest's linear memory -> offset, or
        0 when there is no room. Uses the app heap reserved by
        instantiate(heap_size=...), else the module's exported malloc."""
        if size < 0:
            return 0
        if self._app_heap is not None:
            return self._app_heap.alloc(size)
        f = self.lookup_function("malloc")
        if f is None or len(f.type.params) != 1:
            return 0
        return self._default_env.call(f, size) & M32

    def module_free(self, offset: "int") -> "None":
        """Free a block from module_malloc (0 is ignored)."""
        if not offset:
            return
        if self._app_heap is not None:
            self._app_heap.free(offset)
            return
        f = self.lookup_function("free")
        if f is not None and len(f.type.params) == 1:
            self._default_env.call(f, offset)

    def module_dup_data(self, data: "bytes | bytearray | memoryview") -> "int":
        """Copy bytes into a new module_malloc block -> offset (0 on failure)."""
        off = self.module_malloc(len(data))
        if off:
            self.memory_view(off, len(data))[:] = data
        return off

    def get_exception(self) -> "str | None":
        """"Exception: <message>" of the last trap (or set_exception), or
        None."""
        if self.exception is None:
            return None
        return "Exception: %s" % self.exception

    def set_exception(self, message: "str | None") -> "None":
        """WAMR's wasm_runtime_set_exception: get_exception() reports
        `message` from now on, and when a native (NativeSymbol or
        host_function) calls it on its exec env's instance, the guest
        traps with `message` as soon as the native returns. None clears
        it (clear_exception). The next call clears it too."""
        self.exception = message
        self._pending_exception = message

    def clear_exception(self) -> "None":
        """Forget the last exception (get_exception() is None again)."""
        self.set_exception(None)

    # -- app addresses (WAMR's validate_app_addr family, app_addr.py) -------
    def validate_app_addr(self, offset: "int", size: "int") -> "bool":
        """True when [offset, offset + size) is inside the guest's memory."""
        from wasmbed.app_addr import app_range_ok
        return app_range_ok(self.memory(), offset, size)

    def validate_app_str_addr(self, offset: "int") -> "bool":
        """True when a NUL-terminated string starts at `offset` and ends
        inside the guest's memory."""
        from wasmbed.app_addr import app_str_end
        return app_str_end(self.memory(), offset) >= 0

    def addr_app_to_native(self, offset: "int",
                           size: "int | None" = None) -> "memoryview | None":
        """A memoryview of guest memory from `offset`: `size` bytes, or up
        to the end of memory when size is None; None when that range is
        not inside the memory (WAMR's NULL). Take a new one after the
        memory grows (see wasmbed/app_addr.py)."""
        m = self.memory()
        if m is None:
            return None
        if size is None:
            size = len(m.data) - offset if offset >= 0 else -1
        from wasmbed.app_addr import app_range_ok
        if m is None or not app_range_ok(m, offset, size):
            return None
        return memoryview(m.data)[offset:offset + size]


    def memory(self) -> "Memory | None":
        """The exported memory "memory", else memory 0, else None."""
        m = self.core.exports.get("memory")
        if isinstance(m, Memory):
            return m
        if self.core.memories:
            return self.core.memories[0]
        return None

    def memory_view(self, offset: "int", size: "int") -> "memoryview":
        """A memoryview of guest memory; raises Trap when out of bounds."""
        m = self.memory()
        if m is None or offset < 0 or size < 0 or offset + size > len(m.data):
            raise Trap(E.TRAP_MEMORY_OOB)
        return memoryview(m.data)[offset:offset + size]

    def terminate(self) -> "None":
        """Ask the guest to stop at its next loop back edge, call, bulk
        memory or table chunk, or translation step (Terminated is raised
        in the thread running it). Also works while instantiate() is still
        running the start function (from another thread)."""
        term = self._term if self.core is None else self.core.term
        if term is not None:
            term[0] = _terminated

    def clear_terminate(self) -> "None":
        """Withdraw a terminate() that has not stopped the guest yet, or let
        calls run again after it did."""
        term = self._term if self.core is None else self.core.term
        if term is not None:
            term[0] = None

    def deinstantiate(self) -> "None":
        """Release memories, tables, exec env stacks and pool charges.
        Idempotent."""
        if self._main and self.cluster is not None:
            self.cluster.shutdown()
        if self.core is not None:
            self.core.release()
        if self._term is not None:
            self.runtime._forget_term(self._term)
            self._term = None
        if self.wasi is not None and self._owns_wasi:
            self.wasi.close()
        self.wasi = None
        self._free_charges()

    def thread_exit(self) -> "None":
        """After the main function returned: stop and join every spawned
        thread, then re-raise how the cluster ended if a thread called
        proc_exit or trapped first (else return None)."""
        c = self.cluster
        if c is None:
            return None
        first = c.stopping
        c.shutdown()
        if first is not None:
            raise first()
        return None

    def _free_charges(self):
        for env in self._envs:
            env.destroy()
        self._envs = []
        if self._default_env is not None:
            self._default_env.destroy()
            self._default_env = None
        if self._account is not None:
            self._account.release()
            self._account = None


def _terminated():
    return E.Terminated("terminated")


def _poll(term):
    if term[0] is not None:
        raise term[0]()


class ExecEnv:
    """An execution environment: one per thread, with its own stack budget.

    ``stack_size`` bytes bound the frame stack (each frame costs 64 bytes
    plus 8 per register); exceeding it traps "call stack exhausted".
    """

    def __init__(self, instance, stack_size):
        self.inst = instance
        self.stack_size = stack_size
        self.stack_used = 0
        self.instance = None   # core instance of the running function
        self._tail = None      # fast tier: a pending tail call (fast_rt.run_tail)
        self._stack_block = None
        # the Python recursion limit a fast-tier call needs (0: none)
        self._want_limit = 0
        self._fuel = None      # a fuel.Meter while metering is on
        self.user_data = None
        # inside a native: the attachment of its NativeSymbol (else None)
        self.attachment = None
        if instance.runtime.mode == "fast":
            from wasmbed.core import fast
            self._want_limit = fast.recursion_limit_for(stack_size)
        pool = instance.runtime.pool
        if pool is not None:
            # the interp tier's stack budget is reserved in the pool
            self._stack_block = pool.alloc(max(16, stack_size))

    # -- fuel (wasmtime-py's names; the cost model is in core/fuel.py) -----
    def set_fuel(self, n: "int", on_exhausted: "str" = "trap") -> "None":
        """Meter this exec env's calls with n units of fuel (replacing what
        was left); after a trap "all fuel consumed" it is usable again.
        ``on_exhausted``: "trap" (default), or "suspend": running out
        raises Suspended from call() instead, and ``resume()`` after
        another set_fuel continues the call (the env's calls then run on
        the interp tier; docs/SUSPEND.md). Raises TypeError/ValueError
        for a bad n or on_exhausted. Metering is per exec env: a thread wasi-threads spawns from a
        metered exec env runs on its own exec env, which starts with the
        fuel the spawner had left at the spawn; running out there traps
        and ends the cluster like any trap."""
        from wasmbed.core import fuel   # metering only: loaded on first use
        fuel.check_fuel_args(n, on_exhausted)
        if self._fuel is None:
            self._fuel = fuel.Meter(n, on_exhausted)
        else:
            self._fuel.set(n, on_exhausted)

    def get_fuel(self) -> "int | None":
        """Units of fuel left, or None when metering is off."""
        if self._fuel is None:
            return None
        return self._fuel.cell[0]

    # -- WAMR's exec env accessors -------------------------------------------
    def get_module_inst(self) -> "Instance":
        """The Instance this exec env belongs to."""
        return self.inst

    def set_user_data(self, data: "Any") -> "None":
        """Attach any object to this exec env (``user_data``); natives
        read it back with env.get_user_data()."""
        self.user_data = data

    def get_user_data(self) -> "Any":
        return self.user_data

    def destroy(self) -> "None":
        """Return the stack reservation to the pool. Idempotent."""
        if self._stack_block is not None:
            self.inst.runtime.pool.free(self._stack_block)
            self._stack_block = None

    @property
    def memory(self) -> "Memory | None":
        core = self.instance or self.inst.core
        m = core.exports.get("memory")
        if isinstance(m, Memory):
            return m
        return core.memories[0] if core.memories else None

    def check_terminate(self) -> "None":
        core = self.instance or self.inst.core
        f = core.term[0]
        if f is not None:
            raise f()

    def invoke_raw(self, func: "Any", args: "list[Any]",
                   engine: "Any" = None) -> "list[Any]":
        """Call a core function with internal values -> list of results.

        A call made while another is running on this thread (a host
        function calling back into wasm) counts against the thread's
        re-entry bound (host_stack.max_reentry): past it, Trap("call stack
        exhausted"). The outermost call of a thread raises Python's
        recursion limit for the fast tier and restores it when it returns,
        and moves to a helper thread with a large C stack when this
        thread's is small (see host_stack). ``engine``: the tier's module
        (default: the runtime's, see ExecEnv.call for suspension)."""
        rt = self.inst.runtime
        if engine is None:
            engine = rt.engine
        st = _stack_state(rt)
        if st.depth:
            if st.depth > st.max:
                self.inst.exception = E.TRAP_STACK_EXHAUSTED
                raise Trap(E.TRAP_STACK_EXHAUSTED)
            st.depth += 1
            try:
                return engine.execute(self, func, args)
            except E.UncaughtException:
                raise    # a wasm frame further out may still catch it
            except Trap as e:
                self.inst.exception = e.message
                raise
            finally:
                st.depth -= 1
        if st.small:   # host_stack.needs_helper
            from wasmbed.host_stack import on_helper
            return on_helper(rt.platform, self._outermost_here, func, args,
                             engine)
        return self._outermost(rt, st, func, args, engine)

    def _outermost_here(self, func, args, engine):
        # on a helper thread: that thread's own re-entry state
        rt = self.inst.runtime
        return self._outermost(rt, _stack_state(rt), func, args, engine)

    def _outermost(self, rt, st, func, args, engine):
        want = self._want_limit
        if want:
            from wasmbed.host_stack import enter, leave
            enter(want)
        st.depth = 1
        try:
            return engine.execute(self, func, args)
        except Trap as e:
            self.inst.exception = e.message
            raise
        except MemoryError:
            raise HostOutOfMemory("call")
        finally:
            st.depth = 0
            if want:
                leave()

    def call(self, f: "Function | Any", *args: "Any") -> "Any":
        """Call an exported Function with API values.

        Returns None, one value, or a tuple. Raises Trap, ProcExit, and
        UncaughtException (a Trap) for a wasm exception nothing caught,
        with ``values``, its payload as API values, besides ``tag`` and
        ``payload``. Raises Suspended when a host function returned
        ``Suspend(value)`` or the fuel ran out with
        ``on_exhausted="suspend"`` (``resume()`` continues the call,
        docs/SUSPEND.md); NotSupported when that happens on the fast tier
        (a metered env in suspend mode runs its calls on the interp tier).
        """
        func = f.func if isinstance(f, Function) else f
        ft = func.type
        if len(args) != len(ft.params):
            raise TypeError("expected %d arguments, got %d" % (len(ft.params), len(args)))
        vals = [to_internal(t, a) for t, a in zip(ft.params, args)]
        meter = self._fuel
        engine = _interp() if meter is not None and meter.cell[1] else None
        return self._call(func, ft, vals, engine)

    async def call_async(self, f: "Function | Any", *args: "Any") -> "Any":
        """``await env.call_async(f, *args)``: env.call on the interp tier
        that awaits the coroutines of ``async def`` host functions (host
        functions suspend the guest with them; the event loop runs other
        tasks meanwhile, and the guest resumes with the awaited result).
        Other suspensions (a plain Suspend, fuel) raise Suspended, as
        call() does."""
        func = f.func if isinstance(f, Function) else f
        ft = func.type
        if len(args) != len(ft.params):
            raise TypeError("expected %d arguments, got %d" % (len(ft.params), len(args)))
        vals = [to_internal(t, a) for t, a in zip(ft.params, args)]
        try:
            return self._call(func, ft, vals, _interp())
        except E.Suspended as e:
            s = e
        while True:
            if s.reason != "await":
                raise s
            try:
                result = await s.value   # type: ignore[misc]
            except BaseException:
                # the host function raised: the call ends with it
                if self.inst._suspended is s:
                    self.inst._suspended = None
                raise
            try:
                return s.resume(result)
            except E.Suspended as e:
                s = e

    def _call(self, func, ft, vals, engine):
        # call() and resume(): func a core function, or a frozen call
        # (engine _RESUME, vals the host function's results)
        self.inst.exception = None
        self.inst._pending_exception = None
        try:
            res = self.invoke_raw(func, vals, engine)
        except E.UncaughtException as e:
            # the payload as API values too (i32/i64 signed, floats)
            e.values = tuple(from_internal(t, v) for t, v in
                             zip(e.exn.tag.type.params, e.exn.payload))
            raise
        except E.Suspended as e:
            self._suspended(e, ft)
            raise
        out = [from_internal(t, v) for t, v in zip(ft.results, res)]
        if not out:
            return None
        if len(out) == 1:
            return out[0]
        return tuple(out)

    def _suspended(self, e, ft):
        """A Suspended leaving call(): attach its resume() to this env."""
        if e.frozen is None:
            close = getattr(e.value, "close", None)
            if e.reason == "await" and close is not None:
                close()    # the coroutine will never run
            raise E.NotSupported(E.SUSPEND_FAST)

        def resume(s, result):
            if self.inst._suspended is s:
                self.inst._suspended = None
            return self._call(s.frozen, ft, _host_results(s, result), _RESUME)
        e._resume = resume
        e._env = self
        e._call_results = ft.results
        self.inst._suspended = e

    def call_wasm(self, f: "Function | Any", argv: "list[int]") -> "bool":
        """WAMR style: argv holds 32-bit cells (i64/f64 take two); results
        are written back into argv. Returns True, or False after a trap
        (see Instance.get_exception())."""
        func = f.func if isinstance(f, Function) else f
        ft = func.type
        self.inst.exception = None
        self.inst._pending_exception = None
        vals = []
        i = 0
        for t in ft.params:
            if t in (I64, F64):
                raw = (argv[i] & M32) | ((argv[i + 1] & M32) << 32)
                i += 2
                vals.append(raw if t == I64 else _N.bits_to_f64(raw))
            else:
                vals.append(argv[i] & M32)
                i += 1
        try:
            res = self.invoke_raw(func, vals)
        except Trap:
            return False
        i = 0
        for t, v in zip(ft.results, res):
            if t in (I64, F64):
                raw = v if t == I64 else _N.f64_to_bits(v)
                _put(argv, i, raw & M32)
                _put(argv, i + 1, raw >> 32)
                i += 2
            else:
                _put(argv, i, v & M32)
                i += 1
        return True


class _SoloStack:
    """The re-entry state host_stack.state() gives where the C stack size is
    unknown and the host has no threading module (MicroPython): one
    process-wide depth, at most host_stack.DEFAULT_MAX_REENTRY. Used on
    MicroPython when the embedder gave no platform, so that a board does
    not load host_stack (nothing else of it applies there: no helper
    threads, no recursion limit); a runtime given a platform counts in
    host_stack's state instead."""
    depth = 0
    max = 200
    small = False


_SOLO = _SoloStack()


def _stack_state(rt):
    """The calling thread's host_stack re-entry state for runtime rt."""
    plat = _stack_platform(rt)
    if plat is None:
        return _SOLO
    from wasmbed.host_stack import state
    return state(plat)


def _stack_platform(rt):
    """The platform host_stack asks for the thread's C stack size. None on
    MicroPython when the embedder gave no platform: the default there (the
    baremetal port) cannot tell its C stack (thread_stack_size() is 0), and
    making it just to learn that would cost a board about 10 KB of heap in
    every call of a module that needs no platform otherwise (nor, once WASI
    made it, host_stack's RAM for the answer _SOLO already holds)."""
    if rt.config.platform is None and sys.implementation.name == "micropython":
        return None
    return rt.platform


def _interp():
    """The interpreter tier (core/interp.py), imported on first use."""
    from wasmbed.core import interp
    return interp


class _Resumer:
    """The engine invoke_raw runs to resume a frozen call (interp)."""

    def execute(self, env, frozen, vals):
        from wasmbed.core.suspend import resume
        return resume(env, frozen, vals)


_RESUME = _Resumer()


def _host_results(s, result):
    """resume(result) of Suspended s -> the host function's results
    (internal values); nothing for fuel."""
    types = s.results
    if s.reason == "fuel" or not types:
        return []
    if len(types) == 1:
        return [to_internal(types[0], result)]
    if not isinstance(result, (tuple, list)) or len(result) != len(types):
        raise TypeError("resume() needs %d results" % len(types))
    return [to_internal(t, v) for t, v in zip(types, result)]


def _put(argv, i, v):
    if i < len(argv):
        argv[i] = v
    else:
        argv.append(v)

