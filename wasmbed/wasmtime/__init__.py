"""wasmbed.wasmtime: the commonly used core of wasmtime-py's API on wasmbed.

``import wasmbed.wasmtime as wasmtime`` runs code written for wasmtime-py
50 that sticks to Engine/Config, Store, Module, Linker, WasiConfig,
Instance, Func/Caller, Memory, Global, Table, the type classes, Val,
wat2wasm, Trap/TrapCode, ExitTrap and WasmtimeError: same names,
signatures, value conventions and exception types. What is covered and
what raises NotImplementedError is listed in docs/EMBEDDING.md
("wasmtime-py compatibility"). The tier is chosen by
``Config.wasmbed_mode`` or the WASMBED_MODE environment variable.

Host-only: not frozen for boards (it uses enum, subprocess, os).
"""

from wasmbed.wasmtime.errors import WasmtimeError, ExitTrap, Trap, TrapCode  # noqa: F401
from wasmbed.wasmtime.config import Config  # noqa: F401
from wasmbed.wasmtime.engine import Engine  # noqa: F401
from wasmbed.wasmtime.store import Store  # noqa: F401
from wasmbed.wasmtime.types import (  # noqa: F401
    ValType, FuncType, GlobalType, MemoryType, TableType, Limits,
    ImportType, ExportType)
from wasmbed.wasmtime.wat import wat2wasm  # noqa: F401
from wasmbed.wasmtime.module import Module  # noqa: F401
from wasmbed.wasmtime.value import Val  # noqa: F401
from wasmbed.wasmtime.func import Func, Caller  # noqa: F401
from wasmbed.wasmtime.globals import Global  # noqa: F401
from wasmbed.wasmtime.table import Table  # noqa: F401
from wasmbed.wasmtime.memory import Memory  # noqa: F401
from wasmbed.wasmtime.instance import Instance  # noqa: F401
from wasmbed.wasmtime.wasi import WasiConfig  # noqa: F401
from wasmbed.wasmtime.linker import Linker  # noqa: F401

__all__ = [
    "wat2wasm", "Config", "Engine", "Store", "FuncType", "GlobalType",
    "MemoryType", "TableType", "ValType", "Limits", "ImportType",
    "ExportType", "Val", "Func", "Caller", "Table", "Memory", "Global",
    "Trap", "TrapCode", "ExitTrap", "Module", "Instance", "WasiConfig",
    "Linker", "WasmtimeError",
]
