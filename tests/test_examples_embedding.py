"""The embedding examples (examples/embed_*.py, the scenarios of WAMR's
embedding guide) run as scripts on both tiers, under CPython and under
MicroPython unix, and print what they should.

The expected output is built here from facts found without wasmbed: the
wasm results come from running the same .wasm files on wasmtime-py (with
host functions written here after the examples' natives), the rest from
Python arithmetic and the spec's trap texts. The committed .wasm files
must be what their .wat sources assemble to.
"""

import os
import struct
import subprocess
import sys

import pytest
import wasmtime

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
EXAMPLES = os.path.join(REPO, "examples")
sys.path.insert(0, os.path.join(HERE, "platform"))
from mp_run import micropython_binary  # noqa: E402

SCRIPTS = sorted(f[:-3] for f in os.listdir(EXAMPLES)
                 if f.startswith("embed_") and f.endswith(".py"))
MODES = ("interp", "fast")
OOB = "out of bounds memory access"
DIV0 = "integer divide by zero"


def _run_cpython(script, mode):
    env = dict(os.environ)
    env["PYTHONPATH"] = REPO + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, os.path.join(EXAMPLES, script + ".py"), mode],
                          capture_output=True, timeout=300, env=env, cwd=REPO)


def _run_micropython(script, mode):
    env = dict(os.environ)
    env["MICROPYPATH"] = REPO
    return subprocess.run([micropython_binary(), "-X", "heapsize=16M",
                           os.path.join(EXAMPLES, script + ".py"), mode],
                          capture_output=True, timeout=300, env=env, cwd="/")


# -- the oracle: wasmtime-py on the same binaries ------------------------------

def _wasm(name):
    with open(os.path.join(EXAMPLES, name + ".wasm"), "rb") as f:
        return f.read()


def _math():
    store = wasmtime.Store()
    inst = wasmtime.Instance(store, wasmtime.Module(store.engine, _wasm("embed_math")), [])
    ex = inst.exports(store)
    mem = ex["memory"]

    def call(name, *args):
        return ex[name](store, *args)

    def put(off, data):
        mem.write(store, data, off)

    def get(off, n):
        return bytes(mem.read(store, off, off + n))
    return call, put, get


def _app(events, sensors, sensor_offset=0):
    """embed_app.wasm on wasmtime with natives that do what the examples'
    natives do; -> (call, log of what they were given)."""
    store = wasmtime.Store()
    module = wasmtime.Module(store.engine, _wasm("embed_app"))
    seen = []
    i32 = wasmtime.ValType.i32()

    def ft(n, r):
        return wasmtime.FuncType([i32] * n, [i32] * r)

    def mem(caller):
        return caller["memory"]

    def input_read(caller, ptr):
        if not events:
            return 0
        x, y = events.pop(0)
        mem(caller).write(caller, struct.pack("<ii", x, y), ptr)
        return 1

    def flush(caller, x1, y1, x2, y2, ptr):
        px = mem(caller).read(caller, ptr, ptr + 4)
        seen.append(("flush", x1, y1, x2, y2, list(px)))

    def log(caller, ptr):
        data = bytes(mem(caller).read(caller, ptr, ptr + 64))
        seen.append(("log", data[:data.index(b"\0")].decode()))

    def checksum(caller, ptr, n):
        return sum(mem(caller).read(caller, ptr, ptr + n))

    def sensor(caller, s):
        seen.append(("sensor", s))
        return sensors[s] + sensor_offset
    funcs = {"display_input_read": (input_read, ft(1, 1)),
             "display_flush": (flush, ft(5, 0)), "log": (log, ft(1, 0)),
             "checksum": (checksum, ft(2, 1)), "read_sensor": (sensor, ft(1, 1))}
    imports = [wasmtime.Func(store, funcs[i.name][1], funcs[i.name][0], access_caller=True)
               for i in module.imports]
    inst = wasmtime.Instance(store, module, imports)
    ex = inst.exports(store)

    def call(name, *args):
        return ex[name](store, *args)
    call.memory_size = ex["memory"].data_len(store)
    return call, seen


def _trap_text(fn):
    try:
        fn()
    except wasmtime.Trap as e:
        return e.message
    return None


# -- expected output of each example ------------------------------------------

def expect_embed_basic():
    call, _, _ = _math()
    assert DIV0 in _trap_text(lambda: call("div", 7, 0))
    return ["fib(8) via call_wasm: %d" % call("fib", 8),
            "mix('a', 10, 1.0, 100) via call_wasm: %r" % call("mix", 97, 10, 1.0, 100),
            "fib(20) via call: %d" % call("fib", 20),
            "mix('b', -3, 0.5, 2**40) via call: %r" % call("mix", 98, -3, 0.5, 2 ** 40),
            "div(7, 0) via call_wasm: False, Exception: " + DIV0,
            "div(7, 0) via call: Trap " + DIV0,
            "pool returned: True"]


def expect_embed_natives():
    call, seen = _app([(3, 4)], {1: 21})
    first = call("draw", 4, 2)
    lines = []
    for entry in seen:
        if entry[0] == "flush":
            lines.append("flush: (%d, %d)-(%d, %d), first pixels %s" % entry[1:])
        else:
            lines.append("log: %s" % entry[1])
    lines.append("draw(4, 2): %d" % first)
    del seen[:]
    second = call("draw", 4, 2)
    lines += ["log: %s" % e[1] for e in seen]
    lines.append("draw(4, 2) without input: %d" % second)
    lines.append("sensor_sum(1, 5): %d" % call("sensor_sum", 1, 5))
    lines.append("checksum_at(64, 4): %d" % call("checksum_at", 64, 4))
    # the range leaves the app's memory: the call must trap before the native
    assert 65530 + 100 > call.memory_size
    lines.append("checksum_at(65530, 100): Trap " + OOB)
    return lines


def expect_embed_buffers():
    call, put, get = _math()
    # the example's memory: one page of its own plus a page of app heap
    size = 2 * 65536
    text = b"hello, wasm"
    put(1000, text)
    changed = call("upper", 1000, len(text))
    data = bytes(range(1, 101))
    put(2000, data)
    return ["upper changed %d bytes: %s" % (changed, get(1000, len(text)).decode()),
            "sum_buf of 1..100: %d" % call("sum_buf", 2000, len(data)),
            "memory size: %d" % size,
            "validate_app_addr(off, 100): True",
            "validate_app_addr(size - 10, 11): False",
            "addr_app_to_native(size, 1): None",
            "validate_app_str_addr(off): True",
            "app_str(off): guest",
            "validate_app_str_addr(size - 4): False",
            "sum_buf past the end: Trap " + OOB]


def expect_embed_exceptions():
    call, seen = _app([], {1: 21, 2: 19})
    assert DIV0 in _trap_text(lambda: call("div", 1, 0))
    return ["div(1, 0) via call_wasm: False",
            "get_exception: Exception: " + DIV0,
            "sensor_sum(5, 3): Trap no sensor 5",
            "get_exception: Exception: no sensor 5",
            "readings taken: 0",       # the first reading stopped the app
            "sensor_sum(9, 3): Trap native env.read_sensor raised OSError: sensor 9 offline",
            "cause: OSError",
            "get_exception: Exception: native env.read_sensor raised OSError: "
            "sensor 9 offline",
            "after clear_exception: None",
            "after set_exception: Exception: maintenance",
            "sensor_sum(1, 4): %d" % call("sensor_sum", 1, 4),
            "get_exception: None"]


def expect_embed_user_data():
    bank = {0: 10, 1: 20, 2: 30, 3: 40}
    raw, seen_raw = _app([], bank, 0)
    cal, seen_cal = _app([], bank, -3)
    r1 = raw("sensor_sum", 2, 3)
    c1 = cal("sensor_sum", 2, 3)
    c2 = cal("sensor_sum", 0, 2)
    readings = len(seen_raw) + len(seen_cal)
    last = seen_cal[-1][1]
    return ["raw sensor_sum(2, 3): %d" % r1,
            "calibrated sensor_sum(2, 3): %d" % c1,
            "calibrated sensor_sum(0, 2): %d" % c2,
            "readings logged: %d" % readings,
            "last reading: sensor %d = %d" % (last, bank[last] - 3),
            "user data: raw 0, calibrated -3",
            "second instance custom data: None"]


_NAMES = {"i32": "i32", "i64": "i64", "f32": "f32", "f64": "f64"}
_LETTERS = {"i32": "i", "i64": "I", "f32": "f", "f64": "F"}


def expect_embed_introspect():
    module = wasmtime.Module(wasmtime.Engine(), _wasm("embed_app"))
    lines = ["imports: %d" % len(module.imports)]
    missing = []
    for imp in module.imports:
        ps = [_NAMES[str(p)] for p in imp.type.params]
        rs = [_NAMES[str(r)] for r in imp.type.results]
        sig = "(%s)%s" % ("".join(_LETTERS[p] for p in ps), "".join(_LETTERS[r] for r in rs))
        linked = imp.name == "log"          # the one native the example registers
        if not linked:
            missing.append(imp.name + sig)
        lines.append("import %s.%s: func params=%s results=%s signature=%s linked=%s"
                     % (imp.module, imp.name, ",".join(ps), ",".join(rs), sig, linked))
    lines.append("exports: %d" % len(module.exports))
    draw = None
    for ex in module.exports:
        ty = ex.type
        if isinstance(ty, wasmtime.FuncType):
            ps = [_NAMES[str(p)] for p in ty.params]
            rs = [_NAMES[str(r)] for r in ty.results]
            if ex.name == "draw":
                draw = (ps, rs)
            lines.append("export %s: func params=%s results=%s"
                         % (ex.name, ",".join(ps), ",".join(rs)))
        elif isinstance(ty, wasmtime.MemoryType):
            lines.append("export %s: memory min=%d max=%s"
                         % (ex.name, ty.limits.min, ty.limits.max))
        elif isinstance(ty, wasmtime.GlobalType):
            lines.append("export %s: global %s mutable=%s"
                         % (ex.name, _NAMES[str(ty.content)], ty.mutable))
    lines.append("missing natives: " + " ".join(missing))
    lines.append("draw: %d params %s, %d results %s"
                 % (len(draw[0]), draw[0], len(draw[1]), draw[1]))
    return lines


def expect_embed_threads():
    call, _, _ = _math()
    return ["third thread: ThreadLimit thread limit reached (max_thread_num=2)",
            "fib(15) = %d" % call("fib", 15),
            "fib(16) = %d" % call("fib", 16),
            "fib(17) = %d" % call("fib", 17),
            "fib(10) on a spawned exec env = %d" % call("fib", 10)]


_expected = {}


def _expected_lines(script):
    if script not in _expected:
        _expected[script] = globals()["expect_" + script]()
    return _expected[script]


def _check(p, script):
    assert p.returncode == 0, p.stderr.decode("utf-8", "replace")
    got = p.stdout.decode("utf-8", "replace").splitlines()
    assert got == _expected_lines(script)


def test_every_example_has_expected_facts():
    assert SCRIPTS, "no examples/embed_*.py"
    for script in SCRIPTS:
        assert "expect_" + script in globals(), script


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("script", SCRIPTS)
def test_example_on_cpython(script, mode):
    _check(_run_cpython(script, mode), script)


@pytest.mark.skipif(micropython_binary() is None, reason="no MicroPython binary")
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("script", SCRIPTS)
def test_example_on_micropython(script, mode):
    _check(_run_micropython(script, mode), script)


@pytest.mark.parametrize("name", ["embed_math", "embed_app"])
def test_committed_wasm_matches_its_source(name):
    with open(os.path.join(EXAMPLES, name + ".wat")) as f:
        assert wasmtime.wat2wasm(f.read()) == _wasm(name)
