"""Store: one wasmbed Runtime holding instances, memories, tables,
globals, host functions, WASI state and the store limits.

Every wasm call of the store runs on the default exec env of the
instance that defines the function (its stack budget is the engine's
``max_wasm_stack``). wasmbed errors are turned into wasmtime-py's at this
boundary (see errors.translate).
"""

import wasmbed
from wasmbed.wasmtime.engine import Engine
from wasmbed.wasmtime.closable import Closable
from wasmbed.wasmtime.errors import WasmtimeError, translate

_LIMITS = (("memory_size", "max_memory_size"),
           ("table_elements", "max_table_elements"),
           ("instances", "max_instances"),
           ("tables", "max_tables"),
           ("memories", "max_memories"))


class Store(Closable):
    """Store(engine=None, data=None). ``data()`` returns ``data`` (a falsy
    value reads back as None, as in wasmtime-py). Raises TypeError when
    ``engine`` is not an Engine."""

    def __init__(self, engine=None, data=None):
        if engine is None:
            engine = Engine()
        elif not isinstance(engine, Engine):
            raise TypeError("expected an Engine")
        self.engine = engine
        self._data = data if data else None
        self._rt = wasmbed.Runtime(engine._runtime_config())
        self._envs = {}          # core ModuleInstance -> ExecEnv
        self._instances = []     # wasmbed Instances, for close()
        self._wasi = None        # a shared wasmbed.wasi.Wasi
        self._wasi_files = []
        self._fuel = None if not engine._fuel else 0
        self._running = []       # exec envs of calls in progress (metered)
        self._linker_funcs = {}  # Linker.define_func entries made here
        self._deadline = 0       # epoch deadline (with epoch_interruption)
        if engine._epoch_on:
            engine._stores.add(self)

    def data(self):
        return self._data

    def gc(self):
        """Nothing to do: externrefs are plain Python references."""

    # -- fuel ------------------------------------------------------------
    def set_fuel(self, fuel):
        """Raises WasmtimeError when the engine does not consume fuel,
        NotImplementedError when wasmbed cannot meter fuel at all."""
        self._check_fuel()
        if not isinstance(fuel, int) or fuel < 0:
            raise WasmtimeError("fuel must be an int >= 0")
        self._fuel = fuel

    def get_fuel(self):
        self._check_fuel()
        return self._fuel

    def _check_fuel(self):
        from wasmbed.wasmtime.config import fuel_supported
        if not fuel_supported():
            raise NotImplementedError(
                "fuel: this wasmbed has no fuel metering "
                "(ExecEnv.set_fuel/get_fuel are missing from the engine)")
        if self._fuel is None:
            raise WasmtimeError("fuel is not configured in this store")

    def set_epoch_deadline(self, ticks_after_current):
        """Stop the guest once the engine's epoch has advanced by this many
        ticks (needs Config.epoch_interruption)."""
        self._deadline = self.engine._epoch + ticks_after_current
        self._epoch_check()

    def _epoch_expired(self):
        return self.engine._epoch_on and self.engine._epoch >= self._deadline

    def _epoch_check(self):
        """Terminate or release every instance as the deadline says."""
        if not self.engine._epoch_on:
            return
        expired = self._epoch_expired()
        for inst in self._instances:
            if expired:
                inst.terminate()
            else:
                inst.clear_terminate()

    def _interrupted(self):
        return translate(wasmbed.Terminated())

    # -- limits and WASI -------------------------------------------------
    def set_limits(self, memory_size=-1, table_elements=-1, instances=-1,
                   tables=-1, memories=-1):
        """wasmtime's store limits onto wasmbed's (RuntimeConfig
        max_memory_size, max_table_elements, max_instances, max_tables,
        max_memories). A negative value leaves that limit as it is."""
        given = (memory_size, table_elements, instances, tables, memories)
        changes = {}
        for (_, name), v in zip(_LIMITS, given):
            if v is not None and v >= 0:
                changes[name] = v
        try:
            self._rt.set_limits(**changes)
        except ValueError as e:
            raise WasmtimeError(str(e))

    def set_wasi(self, wasi):
        """Give the store's instances (linked with Linker.define_wasi) this
        WASI configuration; ``wasi`` is consumed (setting it again raises
        ValueError, as in wasmtime-py)."""
        from wasmbed.wasmtime.wasi import WasiConfig
        if not isinstance(wasi, WasiConfig):
            raise TypeError("expected a WasiConfig")
        core, files = wasi._consume()
        from wasmbed.wasi import Wasi
        try:
            new = Wasi(core, self._rt.platform)
        except wasmbed.WasmError as e:
            for f in files:
                f.close()
            raise WasmtimeError(str(e))
        self._close_wasi()
        self._wasi = new
        self._wasi_files = files

    def _wasi_context(self):
        if self._wasi is None:   # wasmtime-py would abort; wasmbed gives
            from wasmbed.wasi import Wasi   # an empty context
            from wasmbed.wasmtime.wasi import WasiConfig
            core, files = WasiConfig()._consume()
            self._wasi = Wasi(core, self._rt.platform)
            self._wasi_files = files
        return self._wasi

    def _close_wasi(self):
        if self._wasi is not None:
            self._wasi.close()
            self._wasi = None
        for f in self._wasi_files:
            try:
                f.close()
            except OSError:
                pass
        self._wasi_files = []

    def close(self):
        """Release every instance, memory and file of the store (wasmbed
        addition; wasmtime-py frees them when the Store is collected)."""
        for inst in self._instances:
            inst.deinstantiate()
        self._instances = []
        self._envs = {}
        self._close_wasi()

    # -- calls -----------------------------------------------------------
    def _instantiate(self, module, imports, wasi):
        from wasmbed.runtime import LoadedModule
        if self._epoch_expired() and module._module.start is not None:
            raise self._interrupted()
        loaded = LoadedModule(self._rt, module._module, None)
        fuel = self._take_fuel()
        try:
            inst = self._rt.instantiate(loaded, wasi=wasi, imports=imports,
                                        fuel=fuel)
        except wasmbed.LinkError as e:
            raise translate(_name_link_error(e, module._module, imports))
        except wasmbed.WasmError as e:
            raise translate(e)
        self._instances.append(inst)
        env = inst.default_exec_env()
        self._envs[inst.core] = env
        if fuel is not None:
            self._give_fuel(env.get_fuel())
        if self._epoch_expired():
            inst.terminate()
        return inst

    def _env_for(self, func):
        core = getattr(func, "instance", None)
        env = self._envs.get(core)
        if env is None:
            if core is not None:
                raise WasmtimeError("object used with the wrong store")
            # a host function re-exported by a module (e.g. a WASI one)
            if not self._envs:
                raise WasmtimeError("no instance in this store to run the function")
            env = next(iter(self._envs.values()))
        return env

    def _call(self, func, args):
        """Call a core function with internal values -> list of results."""
        if func.host is not None and getattr(func.host, "_compat", False):
            from wasmbed.core.instance import call_host
            return call_host(None, func, args)
        env = self._env_for(func)
        if self._epoch_expired():
            raise self._interrupted()
        fuel = self._take_fuel()
        if fuel is not None:
            env.set_fuel(fuel)
            self._running.append(env)
        try:
            return env.invoke_raw(func, list(args))
        except wasmbed.WasmError as e:
            raise translate(e)
        finally:
            if fuel is not None:
                self._running.pop()
                self._give_fuel(env.get_fuel())

    # The store's fuel is one budget: each call gets what is left on the exec
    # env that runs it, and hands the rest back (also to the call a host
    # function re-entered from, which goes on with it).
    def _take_fuel(self):
        if self._fuel is None:
            return None
        if self._running:
            self._fuel = self._running[-1].get_fuel()
        return self._fuel

    def _give_fuel(self, left):
        self._fuel = left
        if self._running:
            self._running[-1].set_fuel(left)


def store_of(s):
    """The Store behind a Store or a Caller (wasmtime-py's Storelike)."""
    if isinstance(s, Store):
        return s
    st = getattr(s, "_store", None)
    if isinstance(st, Store):
        return st
    raise TypeError("expected a Store or a Caller")


def _name_link_error(exc, module, imports):
    """wasmtime's "incompatible import type for `m::n`" for a core
    LinkError that does not name the import."""
    from wasmbed.core.errors import LINK_INCOMPATIBLE
    if str(exc) != LINK_INCOMPATIBLE:
        return exc
    from wasmbed.core.instance import import_matches
    for imp in module.imports:
        ext = (imports or {}).get(imp.module, {}).get(imp.name)
        if ext is not None and not import_matches(imp, ext, module):
            return wasmbed.LinkError("%s for `%s::%s`"
                                     % (LINK_INCOMPATIBLE, imp.module, imp.name))
    return exc
