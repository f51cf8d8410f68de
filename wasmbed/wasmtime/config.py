"""Config: wasmtime-py's engine settings, as far as wasmbed has them.

Settings are write-only properties (reading one raises AttributeError, as
in wasmtime-py). What they do here:

- ``max_wasm_stack`` (bytes): the exec env stack budget of every call
  (default 1 MiB, as ``wasmbed run``).
- ``consume_fuel``: Store.set_fuel/get_fuel meter calls with wasmbed's
  fuel (ExecEnv.set_fuel; its units, not wasmtime's).
- ``epoch_interruption``: Engine.increment_epoch / Store.set_epoch_deadline
  work as in wasmtime (a store's deadline starts at 0, so set one before
  calling); a passed deadline stops the guest through wasmbed's
  Instance.terminate(): at its next loop back edge or call, and at the
  entry of the next call from the host, with Trap code INTERRUPT.
- wasmbed's own: ``wasmbed_mode`` "interp" | "fast" (default: the
  WASMBED_MODE environment variable, else wasmbed's choice for the host),
  ``wasmbed_pool_size`` (bytes: each Store confines its memories and
  tables to one pool of that size; default None, system memory).
- every other wasmtime-py setting (feature flags such as ``wasm_simd``,
  ``strategy``, ``cranelift_*``, ``cache``, ``profiler``, memory tuning)
  is accepted and has no effect: wasmbed always validates with its full
  feature set and has no compiler to tune.
"""

import os
from wasmbed.wasmtime.closable import Closable

DEFAULT_STACK = 1 << 20


def fuel_supported():
    """Does this wasmbed meter fuel (ExecEnv.set_fuel/get_fuel)?"""
    import wasmbed
    return hasattr(wasmbed.ExecEnv, "set_fuel")


def _setter(name, check=None):
    def fset(self, value):
        if check is not None:
            check(value)
        self._settings[name] = value
    return property(fset=fset)


def _check_fuel(on):
    if on and not fuel_supported():
        raise NotImplementedError(
            "consume_fuel: this wasmbed has no fuel metering "
            "(ExecEnv.set_fuel/get_fuel are missing from the engine)")


def _check_mode(mode):
    if mode not in (None, "interp", "fast"):
        raise ValueError("wasmbed_mode must be 'interp', 'fast' or None")


def _check_size(v):
    if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v <= 0):
        raise ValueError("expected a positive int (bytes)")


_IGNORED = (
    "debug_info", "wasm_threads", "wasm_tail_call", "wasm_reference_types",
    "wasm_simd", "wasm_bulk_memory", "wasm_multi_value", "wasm_multi_memory",
    "wasm_memory64", "wasm_relaxed_simd", "wasm_relaxed_simd_deterministic",
    "wasm_component_model", "wasm_component_model_map",
    "wasm_component_model_implements", "wasm_exceptions",
    "wasm_function_references", "wasm_gc", "wasm_wide_arithmetic",
    "wasm_custom_page_sizes", "wasm_stack_switching", "strategy",
    "cranelift_debug_verifier", "cranelift_opt_level", "profiler", "cache",
    "parallel_compilation", "shared_memory", "gc_support",
    "cranelift_nan_canonicalization", "memory_may_move", "memory_reservation",
    "memory_guard_size", "memory_reservation_for_growth",
    "native_unwind_info", "target", "macos_use_mach_ports",
    "signals_based_traps", "memory_init_cow",
)


class Config(Closable):
    """Engine settings (see the module doc for what each one does)."""

    def __init__(self):
        self._settings = {}

    consume_fuel = _setter("consume_fuel", _check_fuel)
    epoch_interruption = _setter("epoch_interruption")
    max_wasm_stack = _setter("max_wasm_stack", _check_size)
    wasmbed_mode = _setter("wasmbed_mode", _check_mode)
    wasmbed_pool_size = _setter("wasmbed_pool_size", _check_size)

    def cranelift_flag_enable(self, flag):
        """Accepted; wasmbed has no Cranelift."""

    def cranelift_flag_set(self, key, value):
        """Accepted; wasmbed has no Cranelift."""

    def _get(self, name, default=None):
        return self._settings.get(name, default)

    def _mode(self):
        mode = self._settings.get("wasmbed_mode")
        if mode is None:
            mode = os.environ.get("WASMBED_MODE") or None
            _check_mode(mode)
        return mode


for _name in _IGNORED:
    setattr(Config, _name, _setter(_name))
del _name
