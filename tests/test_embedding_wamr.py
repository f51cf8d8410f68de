"""The rest of WAMR's embedding API, on both tiers: register_natives, app
address helpers (validate_app_addr, validate_app_str_addr,
addr_app_to_native), set_exception / clear_exception, natives that raise,
signature introspection of imports and exports, user data on exec envs and
instances, native attachments."""

import pytest
import wasmtime

import wasmbed
from wasmbed import NativeSymbol, Trap, ProcExit

MODES = ("interp", "fast")

WAT = r"""
(module
  (import "env" "poke" (func $poke (param i32 i32)))
  (import "env" "check" (func $check (param i32 i32) (result i32)))
  (import "env" "fail" (func $fail (param i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello\00")
  ;; calls $fail, then (only if it returned) stores 1 at address 0
  (func (export "call_fail") (param i32) (result i32)
    (local $r i32)
    local.get 0 call $fail local.set $r
    i32.const 0 i32.const 1 i32.store
    local.get $r)
  (func (export "call_poke") (param i32 i32) local.get 0 local.get 1 call $poke)
  (func (export "call_check") (param i32 i32) (result i32)
    local.get 0 local.get 1 call $check)
  (func (export "load") (param i32) (result i32) local.get 0 i32.load8_u)
  (func (export "ok") (result i32) i32.const 7)
)
"""


def _wasm():
    return wasmtime.wat2wasm(WAT)


def _runtime(mode, natives=None):
    return wasmbed.Runtime(wasmbed.RuntimeConfig(mode=mode, natives=natives))


def _quiet():
    def poke(env, off, v):
        pass

    def check(env, off, size):
        return 0

    def fail(env, x):
        return x
    return [NativeSymbol("poke", poke, "(ii)"),
            NativeSymbol("check", check, "(ii)i"),
            NativeSymbol("fail", fail, "(i)i")]


# -- register_natives ---------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_register_natives_links_later_instances(mode):
    rt = _runtime(mode)
    mod = rt.load(_wasm())
    with pytest.raises(wasmbed.LinkError):
        rt.instantiate(mod)
    rt.register_natives("env", _quiet())
    inst = rt.instantiate(mod)
    assert inst.call("call_fail", 5) == 5
    # a later symbol of the same name replaces the earlier one
    rt.register_natives("env", [NativeSymbol("fail", lambda env, x: x * 3, "(i)i")])
    inst2 = rt.instantiate(mod)
    assert inst2.call("call_fail", 5) == 15
    assert inst.call("call_fail", 5) == 5          # made before: unchanged
    rt.unregister_natives("env", ["fail"])
    with pytest.raises(wasmbed.LinkError):
        rt.instantiate(mod)


@pytest.mark.parametrize("mode", MODES)
def test_register_natives_leaves_the_config_alone(mode):
    cfg = wasmbed.RuntimeConfig(mode=mode, natives={"env": _quiet()[:1]})
    rt = wasmbed.Runtime(cfg)
    rt.register_natives("env", _quiet()[1:])
    assert [s.name for s in cfg.natives["env"]] == ["poke"]
    assert sorted(s.name for s in rt.natives["env"]) == ["check", "fail", "poke"]
    rt.instantiate(rt.load(_wasm()))
    other = wasmbed.Runtime(cfg)        # shares the config: only "poke"
    with pytest.raises(wasmbed.LinkError):
        other.instantiate(other.load(_wasm()))


@pytest.mark.parametrize("sig, what", [
    ("ii)i", "expected"), ("(ix)", "unknown parameter type 'x'"),
    ("(~*)", "'~' must follow '*'"), ("(i)ii", "at most one result"),
    ("(i)*", "unknown result type '*'"), (None, "not a string")])
def test_register_natives_rejects_bad_signatures(sig, what):
    rt = _runtime("interp")
    with pytest.raises(ValueError) as info:
        rt.register_natives("env", [NativeSymbol("poke", lambda env: None, "(ii)"),
                                    NativeSymbol("bad", lambda env: None, sig)])
    assert what in str(info.value)
    assert "env" not in rt.natives          # nothing registered
    with pytest.raises(TypeError):
        rt.register_natives("env", [("poke", None, "(ii)")])


@pytest.mark.parametrize("mode", MODES)
def test_natives_signature_mismatch_is_a_link_error(mode):
    rt = _runtime(mode)
    syms = _quiet()
    syms[2] = NativeSymbol("fail", lambda env, x: x, "(I)i")   # import is (i32)
    rt.register_natives("env", syms)
    with pytest.raises(wasmbed.LinkError):
        rt.instantiate(rt.load(_wasm()))


# -- app addresses -------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_validate_app_addr_bounds(mode):
    rt = _runtime(mode, {"env": _quiet()})
    inst = rt.instantiate(rt.load(_wasm()))
    size = 65536
    assert inst.validate_app_addr(0, size)
    assert inst.validate_app_addr(size - 4, 4)
    assert inst.validate_app_addr(size, 0)
    assert not inst.validate_app_addr(size - 3, 4)
    assert not inst.validate_app_addr(size, 1)
    assert not inst.validate_app_addr(-1, 1)
    assert not inst.validate_app_addr(0, -1)
    assert not inst.validate_app_addr(1 << 32, 1)


@pytest.mark.parametrize("mode", MODES)
def test_validate_app_str_addr(mode):
    rt = _runtime(mode, {"env": _quiet()})
    inst = rt.instantiate(rt.load(_wasm()))
    assert inst.validate_app_str_addr(16)
    assert inst.validate_app_str_addr(21)            # the empty string at the NUL
    view = inst.addr_app_to_native(65536 - 3, 3)
    view[:] = b"abc"                                 # no NUL before the end
    assert not inst.validate_app_str_addr(65536 - 3)
    assert not inst.validate_app_str_addr(65536)
    assert not inst.validate_app_str_addr(-1)


@pytest.mark.parametrize("mode", MODES)
def test_addr_app_to_native_is_a_live_view(mode):
    rt = _runtime(mode, {"env": _quiet()})
    inst = rt.instantiate(rt.load(_wasm()))
    view = inst.addr_app_to_native(100, 4)
    assert isinstance(view, memoryview) and len(view) == 4
    view[:] = b"\x05\x06\x07\x08"
    assert [inst.call("load", 100 + i) for i in range(4)] == [5, 6, 7, 8]
    assert bytes(inst.addr_app_to_native(16, 5)) == b"hello"
    assert len(inst.addr_app_to_native(65000)) == 536          # to the end
    assert inst.addr_app_to_native(65533, 4) is None
    assert inst.addr_app_to_native(-1, 1) is None
    assert inst.addr_app_to_native(65537) is None


@pytest.mark.parametrize("mode", MODES)
def test_natives_validate_guest_pointers_themselves(mode):
    seen = []

    def check(env, off, size):
        inst = env.get_module_inst()
        if not inst.validate_app_addr(off, size):
            inst.set_exception("out of bounds pointer %d+%d" % (off, size))
            return 0
        view = inst.addr_app_to_native(off, size)
        seen.append(bytes(view))
        view[0] = 0x2A
        return len(view)

    syms = _quiet()
    syms[1] = NativeSymbol("check", check, "(ii)i")
    rt = _runtime(mode, {"env": syms})
    inst = rt.instantiate(rt.load(_wasm()))
    assert inst.call("call_check", 16, 5) == 5
    assert seen == [b"hello"]
    assert inst.call("load", 16) == 0x2A
    with pytest.raises(Trap) as info:
        inst.call("call_check", 65530, 10)
    assert info.value.message == "out of bounds pointer 65530+10"
    assert inst.get_exception() == "Exception: out of bounds pointer 65530+10"


# -- exceptions ---------------------------------------------------------------

def _failing(mode, fail):
    syms = _quiet()
    syms[2] = NativeSymbol("fail", fail, "(i)i")
    rt = _runtime(mode, {"env": syms})
    return rt.instantiate(rt.load(_wasm()))


@pytest.mark.parametrize("mode", MODES)
def test_set_exception_in_a_native_traps_the_guest(mode):
    def fail(env, x):
        if x < 0:
            env.get_module_inst().set_exception("negative input %d" % x)
        return x
    inst = _failing(mode, fail)
    with pytest.raises(Trap) as info:
        inst.call("call_fail", -4)
    assert info.value.message == "negative input -4"
    assert inst.get_exception() == "Exception: negative input -4"
    assert inst.call("load", 0) == 0            # the guest did not go on
    assert inst.call("call_fail", 3) == 3       # the next call clears it
    assert inst.get_exception() is None
    assert inst.call("load", 0) == 1


@pytest.mark.parametrize("mode", MODES)
def test_call_wasm_reports_set_exception(mode):
    def fail(env, x):
        env.get_module_inst().set_exception("no")
        return 0
    inst = _failing(mode, fail)
    argv = [1]
    assert inst.default_exec_env().call_wasm(inst.lookup_function("call_fail"), argv) is False
    assert inst.get_exception() == "Exception: no"


def test_set_and_clear_exception_outside_a_call():
    inst = _failing("interp", lambda env, x: x)
    inst.set_exception("set by the host")
    assert inst.get_exception() == "Exception: set by the host"
    inst.clear_exception()
    assert inst.get_exception() is None
    inst.set_exception("stale")
    assert inst.call("call_fail", 2) == 2       # a new call starts clean
    assert inst.get_exception() is None


@pytest.mark.parametrize("mode", MODES)
def test_a_native_that_raises_traps_the_guest_with_its_message(mode):
    def fail(env, x):
        if x == 1:
            raise ValueError("bad sensor id %d" % x)
        if x == 2:
            raise KeyError("k")
        if x == 3:
            raise RuntimeError()
        if x == 4:
            return 1 // 0
        return x
    inst = _failing(mode, fail)
    with pytest.raises(Trap) as info:
        inst.call("call_fail", 1)
    assert "bad sensor id 1" in info.value.message
    assert "ValueError" in info.value.message and "env.fail" in info.value.message
    assert isinstance(info.value.cause, ValueError)
    assert inst.get_exception() == "Exception: " + info.value.message
    assert inst.call("load", 0) == 0
    for x, name in ((2, "KeyError"), (3, "RuntimeError"), (4, "ZeroDivisionError")):
        with pytest.raises(Trap) as info:
            inst.call("call_fail", x)
        assert name in info.value.message
    # the host is healthy: the same instance and exec env keep working
    assert inst.call("ok") == 7
    assert inst.call("call_fail", 9) == 9


@pytest.mark.parametrize("mode", MODES)
def test_wasm_errors_from_natives_pass_unchanged(mode):
    def fail(env, x):
        if x == 1:
            raise Trap("custom trap")
        raise ProcExit(3)
    inst = _failing(mode, fail)
    with pytest.raises(Trap) as info:
        inst.call("call_fail", 1)
    assert info.value.message == "custom trap"
    with pytest.raises(ProcExit) as info:
        inst.call("call_fail", 0)
    assert info.value.code == 3


@pytest.mark.parametrize("mode", MODES)
def test_a_host_function_that_raises_passes_it_through(mode):
    rt = _runtime(mode)
    mod = rt.load(_wasm())

    def fail(env, x):
        raise OSError("sensor offline")
    imports = {"env": {"poke": wasmbed.host_function("ii", "", lambda env, a, b: None),
                       "check": wasmbed.host_function("ii", "i", lambda env, a, b: 0),
                       "fail": wasmbed.host_function("i", "i", fail, "fail")}}
    inst = rt.instantiate(mod, imports=imports)
    with pytest.raises(OSError, match="sensor offline"):
        inst.call("call_fail", 1)
    assert inst.call("ok") == 7


# -- introspection ---------------------------------------------------------------

SIG_WAT = r"""
(module
  (import "env" "log" (func (param i32 i64 f32 f64)))
  (import "env" "pick" (func (param externref) (result f32)))
  (import "other" "g" (global (mut i64)))
  (import "other" "mem" (memory 1 3))
  (import "other" "tab" (table 2 funcref))
  (func (export "mix") (param i32 i64 f32 f64) (result f64) local.get 3)
  (func (export "pair") (param externref funcref) (result i32 i64)
    i32.const 0 i64.const 0)
  (func (export "none"))
  (global (export "gc") f32 (f32.const 1))
  (table (export "t") 1 5 externref)
  (export "m" (memory 0))
)
"""

_WT_NAME = {"i32": "i32", "i64": "i64", "f32": "f32", "f64": "f64",
            "anyref": "externref", "externref": "externref", "funcref": "funcref"}
_LETTER = {"i32": "i", "i64": "I", "f32": "f", "f64": "F", "externref": "r",
           "funcref": "R"}


def _oracle_types():
    """{name: (params, results)} of functions, from wasmtime-py."""
    m = wasmtime.Module(wasmtime.Engine(), SIG_WAT)
    out = {}
    for item in list(m.imports) + list(m.exports):
        ty = item.type
        if isinstance(ty, wasmtime.FuncType):
            out[item.name] = (tuple(_WT_NAME[str(t)] for t in ty.params),
                              tuple(_WT_NAME[str(t)] for t in ty.results))
    return out


@pytest.mark.parametrize("mode", MODES)
def test_function_signatures_match_wasmtime(mode):
    want = _oracle_types()
    rt = _runtime(mode)
    rt.register_natives("env", [NativeSymbol("log", lambda env, *a: None, "(iIfF)")])
    mod = rt.load(wasmtime.wat2wasm(SIG_WAT))
    imps = mod.import_types()
    assert len(imps) == 5
    funcs = [t for t in imps if t.kind == "func"]
    for t in funcs:
        assert (t.param_types, t.result_types) == want[t.name]
        assert t.signature == "(%s)%s" % ("".join(_LETTER[p] for p in want[t.name][0]),
                                          "".join(_LETTER[r] for r in want[t.name][1]))
        assert t.module_name == "env"
    assert [t.linked for t in funcs] == [True, False]    # only "log" is registered
    g, m, tab = imps[2], imps[3], imps[4]
    assert (g.kind, g.module_name, g.value_type, g.mutable) == ("global", "other", "i64", True)
    assert (m.kind, m.min, m.max, m.shared) == ("memory", 1, 3, False)
    assert (tab.kind, tab.elem_type, tab.min, tab.max) == ("table", "funcref", 2, None)
    exps = {t.name: t for t in mod.export_types()}
    assert len(exps) == 6
    assert mod.export_types()[0].name == "mix"
    for name in ("mix", "pair", "none"):
        assert (exps[name].param_types, exps[name].result_types) == want[name]
        assert exps[name].module_name is None
    assert exps["mix"].signature == "(iIfF)F"
    assert (exps["gc"].value_type, exps["gc"].mutable) == ("f32", False)
    assert (exps["t"].elem_type, exps["t"].max) == ("externref", 5)
    assert (exps["m"].kind, exps["m"].min, exps["m"].max) == ("memory", 1, 3)


@pytest.mark.parametrize("mode", MODES)
def test_exported_function_types(mode):
    want = _oracle_types()
    rt = _runtime(mode, {"env": [NativeSymbol("log", lambda env, *a: None, "(iIfF)"),
                                 NativeSymbol("pick", lambda env, r: 0.5, "(r)f")]})
    rt.register("other", _other(rt))
    inst = rt.instantiate(rt.load(wasmtime.wat2wasm(SIG_WAT)))
    for name in ("mix", "pair", "none"):
        t = inst.lookup_function(name).extern_type()
        assert (t.param_types, t.result_types) == want[name]
        assert (t.kind, t.name, t.module_name) == ("func", name, None)
    assert inst.lookup_function("pair").extern_type().signature == "(rR)iI"
    assert inst.lookup_function("none").extern_type().signature == "()"


def _other(rt):
    wat = r"""(module (global (export "g") (mut i64) (i64.const 0))
                      (memory (export "mem") 1 3) (table (export "tab") 2 funcref))"""
    return rt.instantiate(rt.load(wasmtime.wat2wasm(wat)))


# -- user data and attachments ------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_user_data_reaches_natives(mode):
    seen = []

    def poke(env, off, v):
        seen.append((env.get_user_data(), env.get_module_inst().custom_data,
                     env.attachment))

    syms = _quiet()
    syms[0] = NativeSymbol("poke", poke, "(ii)", attachment={"unit": "mV"})
    rt = _runtime(mode, {"env": syms})
    inst = rt.instantiate(rt.load(_wasm()))
    session = object()
    inst.custom_data = session
    env = inst.create_exec_env()
    env.set_user_data("thread-1")
    env.call(inst.lookup_function("call_poke"), 0, 0)
    inst.call("call_poke", 0, 0)       # the default exec env has none
    assert seen == [("thread-1", session, {"unit": "mV"}),
                    (None, session, {"unit": "mV"})]
    assert env.get_user_data() == "thread-1" and env.user_data == "thread-1"
    # per instance, None until the embedder sets it
    assert rt.instantiate(rt.load(_wasm())).custom_data is None
    assert env.attachment is None      # only inside the native



@pytest.mark.parametrize("mode", MODES)
def test_attachment_is_the_running_natives_own(mode):
    seen = []
    holder = []

    def poke(env, off, v):
        seen.append(("poke", env.attachment))
        env.call(holder[0].lookup_function("call_check"), 0, 0)   # back into wasm
        seen.append(("poke again", env.attachment))

    def check(env, off, size):
        seen.append(("check", env.attachment))
        return 0
    syms = _quiet()
    syms[0] = NativeSymbol("poke", poke, "(ii)", attachment="A")
    syms[1] = NativeSymbol("check", check, "(ii)i")
    rt = _runtime(mode, {"env": syms})
    inst = rt.instantiate(rt.load(_wasm()))
    holder.append(inst)
    assert inst.custom_data is None
    inst.call("call_poke", 0, 0)
    assert seen == [("poke", "A"), ("check", None), ("poke again", "A")]
    assert inst.default_exec_env().attachment is None

# -- the same API under MicroPython unix (the board's Python) -----------------

MP_SCRIPT = r"""
import sys
import wasmbed
from wasmbed import NativeSymbol, Trap
mode = sys.argv[2]
with open(sys.argv[3], "rb") as f:
    wasm = f.read()

def check(name, ok):
    print("%s %s %s" % ("PASS" if ok else "FAIL", mode, name))

def fail(env, x):
    if x == 1:
        raise RuntimeError("plain runtime error")
    if x == 2:
        def deep(n):
            return deep(n + 1) + 1
        return deep(0)
    if x == 3:
        env.get_module_inst().set_exception("set by native")
    return x

seen = []
def check_ptr(env, off, size):
    inst = env.get_module_inst()
    seen.append((inst.validate_app_addr(off, size), env.get_user_data(),
                 env.attachment))
    return 0

rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode=mode))
try:
    rt.register_natives("env", [NativeSymbol("x", fail, "(i")])
    check("bad signature raises", False)
except ValueError as e:
    check("bad signature raises", "expected" in str(e))
rt.register_natives("env", [NativeSymbol("poke", lambda env, a, b: None, "(ii)"),
                            NativeSymbol("check", check_ptr, "(ii)i", attachment="att"),
                            NativeSymbol("fail", fail, "(i)i")])
mod = rt.load(wasm)
check("import types", [t.signature for t in mod.import_types()] == ["(ii)", "(ii)i", "(i)i"]
      and all(t.linked for t in mod.import_types()))
inst = rt.instantiate(mod)
try:
    inst.call("call_fail", 1)
    check("RuntimeError traps", False)
except Trap as e:
    check("RuntimeError traps", "RuntimeError: plain runtime error" in e.message
          and isinstance(e.cause, RuntimeError))
try:
    inst.call("call_fail", 2)
    check("recursion is stack exhaustion", False)
except Trap as e:
    check("recursion is stack exhaustion", e.message == "call stack exhausted")
try:
    inst.call("call_fail", 3)
    check("set_exception traps", False)
except Trap as e:
    check("set_exception traps", e.message == "set by native"
          and inst.get_exception() == "Exception: set by native"
          and inst.call("load", 0) == 0)
check("healthy after", inst.call("call_fail", 5) == 5 and inst.get_exception() is None)
env = inst.create_exec_env()
env.set_user_data(42)
env.call(inst.lookup_function("call_check"), 65530, 10)
env.call(inst.lookup_function("call_check"), 16, 5)
check("natives see user data and attachment",
      seen == [(False, 42, "att"), (True, 42, "att")])
v = inst.addr_app_to_native(16, 5)
check("addr_app_to_native", bytes(v) == b"hello" and inst.addr_app_to_native(65536, 1) is None)
check("validate_app_str_addr", inst.validate_app_str_addr(16)
      and not inst.validate_app_str_addr(65536))
f = inst.lookup_function("call_check")
t = f.extern_type()
check("function types", t.param_types == ("i32", "i32") and t.signature == "(ii)i")
"""


@pytest.mark.parametrize("mode", MODES)
def test_on_micropython(mode, tmp_path):
    import os
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "platform"))
    from mp_run import micropython_binary, run_micropython, parse_results
    if micropython_binary() is None:
        pytest.skip("no MicroPython binary")
    wasm = tmp_path / "t.wasm"
    wasm.write_bytes(_wasm())
    script = tmp_path / "t.py"
    script.write_text(MP_SCRIPT)
    p = run_micropython(str(script), [mode, str(wasm)])
    results = parse_results(p.stdout)
    assert p.returncode == 0, p.stderr.decode()
    import re
    names = set(re.findall(r'check\("([^"]+)"', MP_SCRIPT))
    assert set(name for _label, name in results) == names, p.stdout.decode()
    bad = [k for k, v in results.items() if v[0] != "PASS"]
    assert not bad, p.stdout.decode()
