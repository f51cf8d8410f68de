"""Engine: the shared settings of Modules and Stores."""

import weakref

import wasmbed
from wasmbed.wasmtime.config import Config, DEFAULT_STACK
from wasmbed.wasmtime.closable import Closable


class Engine(Closable):
    """Engine(config=None). Modules compiled for an Engine can be
    instantiated in every Store of that Engine. Raises TypeError when
    ``config`` is not a Config."""

    def __init__(self, config=None):
        if config is None:
            config = Config()
        elif not isinstance(config, Config):
            raise TypeError("expected Config")
        self._config = config
        self._mode = config._mode()
        self._stack = config._get("max_wasm_stack") or DEFAULT_STACK
        self._pool_size = config._get("wasmbed_pool_size")
        self._fuel = bool(config._get("consume_fuel"))
        self._epoch_on = bool(config._get("epoch_interruption"))
        self._epoch = 0
        self._stores = weakref.WeakSet()   # the stores that watch the epoch
        # decodes and validates modules; its tier decides how AOT loads
        self._rt = wasmbed.Runtime(wasmbed.RuntimeConfig(
            mem_alloc_type="system", mode=self._mode))

    @property
    def mode(self):
        """wasmbed's execution tier for this engine: "interp" or "fast"."""
        return self._rt.mode

    def _runtime_config(self):
        """A fresh RuntimeConfig for one Store of this engine."""
        if self._pool_size:
            return wasmbed.RuntimeConfig(mem_alloc_type="pool",
                                         heap_size=self._pool_size,
                                         mode=self._mode,
                                         default_stack_size=self._stack)
        return wasmbed.RuntimeConfig(mem_alloc_type="system", mode=self._mode,
                                     default_stack_size=self._stack)

    def increment_epoch(self):
        """Advance the epoch; the guests of stores whose deadline it reaches
        are stopped (Trap INTERRUPT). Safe to call from another thread."""
        self._epoch += 1
        for store in list(self._stores):
            store._epoch_check()

    def is_pulley(self):
        return False
