"""close() and ``with`` for the objects wasmtime-py frees explicitly
(its Managed base): Engine, Store, Module, Linker, Config, WasiConfig."""


class Closable:
    def close(self):
        """Release what the object holds (nothing for most objects here;
        Store overrides it). Idempotent."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
