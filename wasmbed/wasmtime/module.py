"""Module: a decoded, validated module of an Engine.

``Module(engine, wasm)`` takes the binary or the text format (text is
assembled by wat2wasm). ``serialize()`` gives the module as wasmbed's AOT
format (the Python source ``wasmbed compile`` writes, UTF-8 encoded);
``deserialize``/``deserialize_file`` load it back: on a "fast" engine the
precompiled functions are used as they are, on an "interp" engine only
the embedded binary. As with wasmtime, deserialize only what you trust:
the AOT format is Python code and is executed.
"""

import wasmbed
from wasmbed.core import module as M
from wasmbed.wasmtime.engine import Engine
from wasmbed.wasmtime.closable import Closable
from wasmbed.wasmtime.errors import translate
from wasmbed.wasmtime.types import ImportType, ExportType, extern_type
from wasmbed.wasmtime.wat import to_wasm


class Module(Closable):
    def __init__(self, engine, wasm):
        if not isinstance(engine, Engine):
            raise TypeError("expected an Engine")
        wasm = to_wasm(wasm)
        try:
            self._module = engine._rt.load(wasm).module
        except wasmbed.WasmError as e:
            raise translate(e)
        self._wasm = wasm
        self.engine = engine

    @classmethod
    def from_file(cls, engine, path):
        with open(path, "rb") as f:
            contents = f.read()
        return cls(engine, contents)

    @classmethod
    def validate(cls, engine, wasm):
        """Raises WasmtimeError unless ``wasm`` (bytes) is a valid module."""
        if not isinstance(wasm, (bytes, bytearray)):
            raise TypeError("expected wasm bytes")
        if not isinstance(engine, Engine):
            raise TypeError("expected an Engine")
        try:
            engine._rt.load(bytes(wasm))
        except wasmbed.WasmError as e:
            raise translate(e)

    @property
    def imports(self):
        m = self._module
        return [ImportType(i.module, i.name, extern_type(i.kind, i.desc, m))
                for i in m.imports]

    @property
    def exports(self):
        m = self._module
        spaces = {M.EXT_FUNC: m.func_types, M.EXT_TABLE: m.table_types,
                  M.EXT_MEMORY: m.mem_types, M.EXT_GLOBAL: m.global_types}
        return [ExportType(e.name, extern_type(e.kind, spaces[e.kind][e.index], m))
                for e in m.exports]

    def serialize(self):
        return bytearray(wasmbed.aot_source(self._module, self._wasm).encode("utf-8"))

    @classmethod
    def deserialize(cls, engine, encoded):
        if not isinstance(encoded, (bytes, bytearray)):
            raise TypeError("expected bytes")
        if not isinstance(engine, Engine):
            raise TypeError("expected an Engine")
        import types
        from wasmbed.wasmtime.errors import WasmtimeError
        aot = types.ModuleType("wasmbed_aot")
        try:
            code = compile(bytes(encoded).decode("utf-8"), "<serialized module>", "exec")
            exec(code, aot.__dict__)
        except (UnicodeDecodeError, SyntaxError, ValueError) as e:
            raise WasmtimeError("not a serialized wasmbed module: %s" % e)
        wasm = getattr(aot, "WASM", None)
        if wasm is None or getattr(aot, "BINDERS", None) is None:
            raise WasmtimeError("not a serialized wasmbed module (no WASM/BINDERS)")
        if isinstance(wasm, tuple):
            wasm = b"".join(wasm)
        try:
            if engine._rt.mode == "fast":
                loaded = engine._rt.load_aot(aot)
            else:
                loaded = engine._rt.load(wasm)
        except wasmbed.WasmError as e:
            raise translate(e)
        obj = cls.__new__(cls)
        obj._module = loaded.module
        obj._wasm = bytes(wasm)
        obj.engine = engine
        return obj

    @classmethod
    def deserialize_file(cls, engine, path):
        with open(path, "rb") as f:
            return cls.deserialize(engine, f.read())
