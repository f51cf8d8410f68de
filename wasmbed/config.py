"""RuntimeConfig: every knob of a Runtime, with its default, in one place."""

DEFAULT_STACK_SIZE = 64 * 1024
DEFAULT_HEAP_SIZE = 8 * 1024
DEFAULT_POOL_SIZE = 16 * 1024 * 1024
DEFAULT_MAX_THREAD_NUM = 4
# Charge to the pool per byte of module binary, for the decoded form.
MODULE_METADATA_FACTOR = 2


class NativeSymbol:
    """A host function exported to guests, WAMR style.

    ``name`` the import field name, ``fn(exec_env, *args)`` the callable,
    ``signature`` a WAMR signature string such as "(ii*~)i": i i32, I i64,
    f f32, F f64, r externref, * pointer into linear memory (the function
    receives a memoryview), ~ byte length of the preceding *, $ a
    NUL-terminated string (received as str).
    """

    def __init__(self, name, fn, signature, attachment=None):
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
    Raises ValueError for an unknown mem_alloc_type or mode.
    """

    def __init__(self, mem_alloc_type=None, heap_buf=None, heap_size=None,
                 max_thread_num=DEFAULT_MAX_THREAD_NUM, platform=None,
                 mode=None, natives=None, default_stack_size=DEFAULT_STACK_SIZE):
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
