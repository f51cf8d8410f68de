"""RuntimeConfig: every knob of a Runtime, with its default, in one place."""

if False:   # type checkers only (MicroPython has no typing module)
    from typing import Any, Callable

DEFAULT_STACK_SIZE = 64 * 1024
DEFAULT_HEAP_SIZE = 8 * 1024
DEFAULT_POOL_SIZE = 16 * 1024 * 1024
DEFAULT_MAX_THREAD_NUM = 4
# Charge to the pool per byte of module binary, for the decoded form, when
# host memory is not charged at its measured rates (charge_host_memory).
MODULE_METADATA_FACTOR = 2
# Store limits (see wasmbed.core.limits). Tables are Python lists on every
# host, so their defaults keep a hostile module from exhausting host RAM
# even in system mode: 10M elements are 80 MB of list on a 64-bit host,
# 20M across all tables 160 MB. Counts follow wasmtime's defaults.
# max_table_elements' default is the cap core/table.py gives a table made
# without store limits (MAX_TABLE_ELEMS, 10,000,000): one number, defined
# on the engine side, which cannot import this module (the import rule).
from wasmbed.core.table import MAX_TABLE_ELEMS as DEFAULT_MAX_TABLE_ELEMENTS  # noqa: E402
DEFAULT_MAX_TOTAL_TABLE_ELEMENTS = 20 * 1000 * 1000
DEFAULT_MAX_INSTANCES = 10000
DEFAULT_MAX_TABLES = 10000
DEFAULT_MAX_MEMORIES = 10000
# Tiering (fast mode): calls' worth of heat a function runs in the
# interpreter before it is translated (0: translate on first call).
DEFAULT_TIER_UP = 0


class NativeSymbol:
    """A host function exported to guests, WAMR style.

    ``name`` the import field name, ``fn(exec_env, *args)`` the callable,
    ``signature`` a WAMR signature string such as "(ii*~)i": i i32, I i64,
    f f32, F f64, r externref, * pointer into linear memory (the function
    receives a memoryview), ~ byte length of the preceding *, $ a
    NUL-terminated string (received as str).
    """

    def __init__(self, name: "str", fn: "Callable[..., Any]", signature: "str",
                 attachment: "Any" = None) -> "None":
        self.name = name
        self.fn = fn
        self.signature = signature
        self.attachment = attachment


class RuntimeConfig:
    """Configuration of a Runtime.

    mem_alloc_type  "pool" (default when heap_buf or heap_size is given)
                    or "system". In pool mode every allocation a guest
                    controls comes from one fixed buffer.
    heap_buf        the buffer for pool mode (a bytearray); or
    heap_size       its size, allocated once (default 16 MiB in pool mode).
    max_thread_num  spawned threads allowed per cluster (default 4).
    platform        a Platform; None picks LinuxPlatform on CPython and
                    BaremetalPlatform on MicroPython.
    mode            "interp" | "fast" | None (best for the host).
    natives         {module_name: [NativeSymbol, ...]}.
    default_stack_size  stack_size for exec envs when not given (64 KiB).
    charge_host_memory  pool mode: charge the host memory a module makes
                    Python allocate (decoded form, IR, closures, fast-tier
                    translation) to the pool at measured rates
                    (core/host_charge.py), so the pool bounds host RAM.
                    None (default): on CPython, off on MicroPython, where
                    the pool shares the GC heap with those objects and the
                    heap size bounds RAM (then the decoded form is charged
                    MODULE_METADATA_FACTOR bytes per binary byte).
    tier_up         fast mode: a function starts in the interpreter and is
                    translated once hot: after tier_up calls, or after its
                    loops ran tier_up * 8 iterations (a call counts as 8),
                    whichever comes first; later calls run the
                    translation, a running call moves to it at its
                    next loop header (on-stack replacement,
                    core/osr.py). 0 (default):
                    translate every function on its first call. Metered
                    exec envs and AOT modules always run translations.
    cache_dir       a directory for the on-disk cache of translated code
                    (default None: no cache; CPython only, see
                    wasmbed/code_cache.py). A module found there loads
                    without decoding its bodies or validating them again,
                    and its functions run without being translated again.

    Store limits, after wasmtime's StoreLimits (None: no cap). They hold
    in both modes (the pool bounds bytes on top of them in pool mode):
    max_memory_size     bytes one linear memory may reach (default None:
                        the memory's maximum, at most 4 GiB).
    max_table_elements  elements one table may hold (default 10,000,000).
    max_total_table_elements  elements all live tables of the runtime may
                        hold together (default 20,000,000).
    max_instances       live module instances (default 10,000).
    max_tables          live tables (default 10,000).
    max_memories        live memories (default 10,000).
    Over a size limit memory.grow and table.grow return -1; over a minimum
    or a count, instantiate (and create_memory) raise InstantiationError
    naming the limit. Tables and memories count where they are created,
    not where imported; counts are given back at deinstantiate().

    Raises ValueError for an unknown mem_alloc_type or mode, a limit
    that is not None or an int >= 0, a tier_up that is not an int >= 0, or
    a cache_dir that is not a str.
    """

    def __init__(self, mem_alloc_type: "str | None" = None,
                 heap_buf: "bytearray | None" = None, heap_size: "int | None" = None,
                 max_thread_num: "int" = DEFAULT_MAX_THREAD_NUM,
                 platform: "Any" = None, mode: "str | None" = None,
                 natives: "dict[str, list[NativeSymbol]] | None" = None,
                 default_stack_size: "int" = DEFAULT_STACK_SIZE,
                 max_memory_size: "int | None" = None,
                 max_table_elements: "int | None" = DEFAULT_MAX_TABLE_ELEMENTS,
                 max_total_table_elements: "int | None" = DEFAULT_MAX_TOTAL_TABLE_ELEMENTS,
                 max_instances: "int | None" = DEFAULT_MAX_INSTANCES,
                 max_tables: "int | None" = DEFAULT_MAX_TABLES,
                 max_memories: "int | None" = DEFAULT_MAX_MEMORIES,
                 charge_host_memory: "bool | None" = None,
                 cache_dir: "str | None" = None,
                 tier_up: "int" = DEFAULT_TIER_UP) -> "None":
        if mem_alloc_type is None:
            mem_alloc_type = "pool" if (heap_buf is not None or heap_size) else "system"
        if mem_alloc_type not in ("pool", "system"):
            raise ValueError("mem_alloc_type must be 'pool' or 'system'")
        if mode not in (None, "interp", "fast"):
            raise ValueError("mode must be 'interp', 'fast' or None")
        if mem_alloc_type == "pool" and heap_buf is None and not heap_size:
            heap_size = DEFAULT_POOL_SIZE
        self.mem_alloc_type = mem_alloc_type
        self.heap_buf = heap_buf
        self.heap_size = heap_size
        self.max_thread_num = max_thread_num
        self.platform = platform
        self.mode = mode
        self.natives = natives or {}
        self.default_stack_size = default_stack_size
        self.max_memory_size = _limit("max_memory_size", max_memory_size)
        self.max_table_elements = _limit("max_table_elements", max_table_elements)
        self.max_total_table_elements = _limit("max_total_table_elements",
                                               max_total_table_elements)
        self.max_instances = _limit("max_instances", max_instances)
        self.max_tables = _limit("max_tables", max_tables)
        self.max_memories = _limit("max_memories", max_memories)
        self.charge_host_memory = charge_host_memory
        if cache_dir is not None and not isinstance(cache_dir, str):
            raise ValueError("cache_dir must be a directory path (str) or None")
        self.cache_dir = cache_dir
        if _limit("tier_up", tier_up) is None:
            raise ValueError("tier_up must be an int >= 0, got None")
        self.tier_up = tier_up


def _limit(name, v):
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int) or v < 0:
        raise ValueError("%s must be None or an int >= 0, got %r" % (name, v))
    return v
