"""Exception handling (WebAssembly 3.0), rule by rule, on both tiers.

Tags (defined, imported, exported; identity, not type, decides a match),
``throw`` with a payload, ``try_table`` and its four clause kinds in
order, ``exnref`` and ``throw_ref``, exceptions that cross calls, host
functions and instances, the embedding API's UncaughtException (a Trap with
the tag and the payload), traps that no clause catches, validation rules,
fuel, the terminate poll inside a try_table, and the legacy form's
delegate and rethrow across host functions.
"""
import threading

import pytest
import wasmtime

import wasmbed
from wasmbed import Trap, UncaughtException, InvalidModule, MalformedModule
from wasmbed.core.decode import decode_module
from wasmbed.core.exception import Tag
from wasmbed.core.instance import HostFunction
from wasmbed.core.module import FuncType, I32
from wasmbed.core.validate import validate_module

MODES = ("interp", "fast")


def runtime(mode):
    return wasmbed.Runtime(wasmbed.RuntimeConfig(mem_alloc_type="system", mode=mode))


def instance(mode, wat, imports=None, rt=None):
    rt = rt or runtime(mode)
    return rt.instantiate(rt.load(wasmtime.wat2wasm(wat)), imports=imports)


def call(inst, name, *args):
    return inst.default_exec_env().call(inst.lookup_function(name), *args)


# -- throw and catch ------------------------------------------------------------

CATCH = """(module
  (tag $e0)
  (tag $e1)
  (tag $ei (export "ei") (param i32))
  (tag $eall (param i32 i64 f32 f64))

  ;; catch $e0: the exception's (empty) payload goes to the label $h
  (func (export "catch") (param i32) (result i32)
    (block $h
      (try_table (result i32) (catch $e0 $h)
        (if (local.get 0) (then (throw $e0)))
        (i32.const 42))
      (return))
    (i32.const 23))

  ;; the payload of every number type arrives unchanged, in order
  (func (export "payload") (param i32 i64 f32 f64) (result i32 i64 f32 f64)
    (block $h (result i32 i64 f32 f64)
      (try_table (catch $eall $h)
        (throw $eall (local.get 0) (local.get 1) (local.get 2) (local.get 3)))
      (unreachable)))

  ;; clauses are tried in order: the first that matches wins
  (func (export "order") (param i32) (result i32)
    (block $all
      (block $one
        (block $zero
          (try_table (catch $e0 $zero) (catch $e1 $one) (catch_all $all)
            (if (i32.eqz (local.get 0)) (then (throw $e0)))
            (if (i32.eq (local.get 0) (i32.const 1)) (then (throw $e1)))
            (throw $ei (local.get 0)))
          (return (i32.const -1)))
        (return (i32.const 0)))
      (return (i32.const 1)))
    (i32.const 2))

  ;; an inner try_table that does not match passes the exception outward
  (func (export "nested") (param i32) (result i32)
    (block $outer (result i32)
      (try_table (result i32) (catch $ei $outer)
        (block $inner
          (try_table (catch $e0 $inner)
            (throw $ei (local.get 0)))
          (unreachable))
        (i32.const -1))))

  ;; a catch naming the function's own label returns the payload
  (func (export "to-function-label") (param i32) (result i32)
    (try_table (catch $ei 0)
      (throw $ei (local.get 0)))
    (unreachable))

  ;; exceptions come out of callees, however deep
  (func $thrower (param i32)
    (if (local.get 0) (then (call $thrower (i32.sub (local.get 0) (i32.const 1)))))
    (throw $ei (i32.const 7)))
  (func (export "from-callee") (param i32) (result i32)
    (block $h (result i32)
      (try_table (catch $ei $h)
        (call $thrower (local.get 0)))
      (i32.const -1)))

  ;; a loop that throws and catches in every iteration (the stack stays flat)
  (func (export "loop") (param i32) (result i32) (local $sum i32)
    (loop $l
      (block $h (result i32)
        (try_table (catch $ei $h)
          (call $thrower (i32.const 3)))
        (unreachable))
      (local.set $sum (i32.add (local.get $sum)))
      (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
    (local.get $sum))

  (func (export "uncaught") (param i32) (throw $ei (local.get 0)))

  ;; traps are not exceptions: catch_all does not see them
  (func (export "trap") (result i32)
    (block $h
      (try_table (catch_all $h) (unreachable)))
    (i32.const 1))
)"""


@pytest.mark.parametrize("mode", MODES)
def test_throw_is_caught_by_a_matching_clause(mode):
    inst = instance(mode, CATCH)
    assert call(inst, "catch", 0) == 42
    assert call(inst, "catch", 1) == 23


@pytest.mark.parametrize("mode", MODES)
def test_payload_of_every_number_type(mode):
    inst = instance(mode, CATCH)
    assert call(inst, "payload", -5, -(1 << 63), 1.5, -2.25) == (-5, -(1 << 63), 1.5, -2.25)


@pytest.mark.parametrize("mode", MODES)
def test_first_matching_clause_wins(mode):
    inst = instance(mode, CATCH)
    assert [call(inst, "order", x) for x in (0, 1, 2, 9)] == [0, 1, 2, 2]


@pytest.mark.parametrize("mode", MODES)
def test_unmatched_exception_passes_outward(mode):
    inst = instance(mode, CATCH)
    assert call(inst, "nested", 5) == 5
    assert call(inst, "to-function-label", -3) == -3


@pytest.mark.parametrize("mode", MODES)
def test_exception_from_callees(mode):
    inst = instance(mode, CATCH)
    assert call(inst, "from-callee", 0) == 7
    assert call(inst, "from-callee", 50) == 7
    assert call(inst, "loop", 1000) == 7000


@pytest.mark.parametrize("mode", MODES)
def test_uncaught_exception_is_a_trap_with_tag_and_payload(mode):
    inst = instance(mode, CATCH)
    with pytest.raises(UncaughtException) as info:
        call(inst, "uncaught", -9)
    e = info.value
    assert isinstance(e, Trap)
    assert e.message == "uncaught exception"
    assert e.tag is inst.lookup_tag("ei")
    assert e.payload == ((-9) & 0xFFFFFFFF,)      # internal representation
    assert e.values == (-9,)                        # API values
    assert inst.get_exception() == "Exception: uncaught exception"
    # the instance stays usable
    assert call(inst, "catch", 1) == 23


@pytest.mark.parametrize("mode", MODES)
def test_traps_are_not_caught(mode):
    inst = instance(mode, CATCH)
    with pytest.raises(Trap) as info:
        call(inst, "trap")
    assert not isinstance(info.value, UncaughtException)
    assert info.value.message == "unreachable"


# -- exnref, catch_ref and throw_ref ---------------------------------------------

REF = """(module
  (tag $e (param i32))
  (tag $f)
  (global $saved (mut exnref) (ref.null exn))

  ;; catch_ref hands over the payload and the exception itself; throw_ref
  ;; throws that same exception again, and it is caught like the first time
  (func (export "rethrow") (param i32) (result i32)
    (block $again (result i32)
      (try_table (catch $e $again)
        (block $h (result i32 exnref)
          (try_table (catch_ref $e $h)
            (throw $e (local.get 0)))
          (unreachable))
        (global.set $saved)
        (drop)
        (throw_ref (global.get $saved)))
      (unreachable)))

  ;; catch_all_ref: the exception of any tag
  (func (export "all-ref") (param i32) (result i32)
    (block $h (result exnref)
      (try_table (catch_all_ref $h)
        (if (local.get 0) (then (throw $f)))
        (throw $e (i32.const 1)))
      (unreachable))
    (ref.is_null)
    (global.get $saved) (ref.is_null)
    (i32.add))

  (func (export "null") (throw_ref (ref.null exn)))
  (func (export "saved") (throw_ref (global.get $saved)))
)"""


@pytest.mark.parametrize("mode", MODES)
def test_catch_ref_and_throw_ref(mode):
    inst = instance(mode, REF)
    assert call(inst, "rethrow", 77) == 77
    # the saved exnref rethrown from the host's call is the same exception
    with pytest.raises(UncaughtException) as info:
        call(inst, "saved")
    assert info.value.values == (77,)
    assert call(inst, "all-ref", 0) == 0
    assert call(inst, "all-ref", 1) == 0


@pytest.mark.parametrize("mode", MODES)
def test_throw_ref_of_null_traps(mode):
    inst = instance(mode, REF)
    with pytest.raises(Trap) as info:
        call(inst, "null")
    assert info.value.message == "null reference"
    assert not isinstance(info.value, UncaughtException)


# -- across host functions and instances -------------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_exception_crosses_a_host_function(mode):
    """wasm -> host -> wasm (throws): the outer wasm frame catches it; the
    host function may also catch it itself."""
    seen = []
    wat = """(module
      (import "env" "host" (func $host (param i32)))
      (tag $e (export "e") (param i32))
      (func (export "throw") (param i32) (throw $e (local.get 0)))
      (func (export "outer") (param i32) (result i32)
        (block $h (result i32)
          (try_table (catch $e $h) (call $host (local.get 0)))
          (i32.const -1))))"""
    holder = {}
    ft = FuncType((I32,), ())

    def host_fn(env, x):
        inst = holder["inst"]
        try:
            inst.default_exec_env().call(inst.lookup_function("throw"), x)
        except UncaughtException as e:
            seen.append(e.values)
            raise
    inst = instance(mode, wat, imports={"env": {"host": HostFunction(ft, host_fn, "host")}})
    holder["inst"] = inst
    assert call(inst, "outer", 12) == 12
    assert seen == [(12,)]
    assert inst.get_exception() is None


@pytest.mark.parametrize("mode", MODES)
def test_exception_crosses_instances(mode):
    """A tag exported by one instance and imported by another is the same
    tag; a tag of the same type defined elsewhere is not."""
    rt = runtime(mode)
    a = instance(mode, """(module
      (tag $e (export "e") (param i32))
      (tag $other (export "other") (param i32))
      (func (export "throw") (param i32) (throw $e (local.get 0)))
      (func (export "throw-other") (param i32) (throw $other (local.get 0))))""", rt=rt)
    rt.register("a", a)
    b = instance(mode, """(module
      (tag $e (import "a" "e") (param i32))
      (tag $alias (import "a" "e") (param i32))
      (func $throw (import "a" "throw") (param i32))
      (func $throw-other (import "a" "throw-other") (param i32))
      (func (export "catch") (param i32 i32) (result i32)
        (block $h (result i32)
          (try_table (catch $alias $h)
            (if (local.get 1)
              (then (call $throw-other (local.get 0)))
              (else (call $throw (local.get 0)))))
          (i32.const -1))))""", rt=rt)
    assert call(b, "catch", 5, 0) == 5
    with pytest.raises(UncaughtException) as info:
        call(b, "catch", 5, 1)
    assert info.value.tag is a.lookup_tag("other")
    assert info.value.tag is not a.lookup_tag("e")


def test_tag_imports_are_checked():
    for mode in MODES:
        rt = runtime(mode)
        a = instance(mode, '(module (tag (export "e") (param i32)))', rt=rt)
        rt.register("a", a)
        with pytest.raises(wasmbed.LinkError) as info:
            instance(mode, '(module (tag (import "a" "e") (param i64)))', rt=rt)
        assert info.value.message == "incompatible import type"
        t = Tag(FuncType((I32,), ()))
        inst = instance(mode, """(module (tag $t (import "m" "t") (param i32))
            (func (export "f") (throw $t (i32.const 3))))""", imports={"m": {"t": t}}, rt=rt)
        with pytest.raises(UncaughtException) as info:
            call(inst, "f")
        assert info.value.tag is t


# -- validation and the binary format ----------------------------------------------

def invalid(wat, message):
    m = decode_module(wasmtime.wat2wasm(wat))
    with pytest.raises(InvalidModule) as info:
        validate_module(m)
    assert info.value.message.startswith(message), info.value.message


def test_validation_rules():
    invalid("(module (func (throw 0)))", "unknown tag 0")
    invalid("(module (tag (param i32)) (func (throw 0)))", "type mismatch")
    invalid("(module (func (throw_ref)))", "type mismatch")
    invalid("(module (func (i32.const 0) (throw_ref)))", "type mismatch")
    # a clause's label must take exactly what the clause pushes
    invalid("(module (tag) (func (try_table (catch_ref 0 0))))", "type mismatch")
    invalid("(module (tag) (func (result exnref) (try_table (catch 0 0)) (unreachable)))",
            "type mismatch")
    invalid("(module (func (try_table (catch_all_ref 0))))", "type mismatch")
    invalid("(module (func (result i32) (try_table (catch_all 0)) (unreachable)))",
            "type mismatch")
    invalid("(module (tag (param i32)) (func (block (result i64) "
            "(try_table (catch 0 1)) (unreachable))))", "type mismatch")
    invalid("(module (func (try_table (catch_all 1))))", "unknown label 1")
    invalid("(module (func (try_table (catch 3 0))))", "unknown tag 3")


def test_tag_types_have_no_results():
    # (tag (result i32)) is not writable in the text format: a type index
    invalid("(module (type (func (result i32))) (tag (type 0)))",
            "non-empty tag result type")
    invalid('(module (type (func (result i32))) (import "m" "t" (tag (type 0))))',
            "non-empty tag result type")


def test_the_2_0_format_has_no_exceptions():
    """decode_module(threads=False) is the 2.0 format (the core suite's)."""
    for wat, msg in (("(module (tag))", "malformed section id"),
                     ("(module (func (try_table)))", "illegal opcode 1f"),
                     ("(module (func (param exnref)))", "malformed value type")):
        data = wasmtime.wat2wasm(wat)
        validate_module(decode_module(data))
        with pytest.raises(MalformedModule) as info:
            decode_module(data, threads=False)
        assert info.value.message == msg


# -- fuel and terminate --------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_fuel_is_the_same_in_both_tiers(mode):
    """throw, try_table and the landing code cost what the cost model
    says; tests/test_fuel.py compares the tiers on the spec scripts."""
    inst = instance(mode, CATCH)
    env = inst.create_exec_env()
    env.set_fuel(10 ** 6)
    assert env.call(inst.lookup_function("catch"), 1) == 23
    # entry region: block, try_table, local.get, if: 2; the if arm: throw 1;
    # after the catch (past block's end): i32.const 1; total 4
    assert 10 ** 6 - env.get_fuel() == 4


@pytest.mark.parametrize("mode", MODES)
def test_terminate_reaches_a_loop_inside_try_table(mode):
    inst = instance(mode, """(module (tag $e)
      (func (export "spin")
        (block $h (try_table (catch_all $h) (loop $l (br $l))))))""")
    f = inst.lookup_function("spin")
    timer = threading.Timer(0.2, inst.terminate)
    timer.start()
    try:
        with pytest.raises(wasmbed.Terminated):
            inst.default_exec_env().call(f)
    finally:
        timer.cancel()


# -- the legacy form across host functions ---------------------------------------------

LEGACY_HOST = """(module
  (import "env" "host" (func $host (param i32)))
  (import "env" "swallow" (func $swallow (param i32)))
  (tag $e (export "e") (param i32))
  (tag $f (export "f") (param i32))

  ;; delegate 1 skips the enclosing try (whose catch $e would trap) and
  ;; sends the exception to the caller
  (func (export "delegating") (param i32)
    try
      try
        local.get 0
        throw $e
      delegate 1
    catch $e
      drop
      unreachable
    end)
  (func (export "throw-f") (param i32) (local.get 0) (throw $f))

  ;; wasm -> host -> delegating: the exception crosses the host frame and
  ;; lands in this catch
  (func (export "outer") (param i32) (result i32)
    try (result i32)
      local.get 0
      call $host
      i32.const -1
    catch $e
    end)

  ;; the handler calls the host, which runs and catches another exception
  ;; in wasm; rethrow 0 still throws the one this catch caught
  (func (export "rethrow-after-host") (param i32) (result i32)
    try (result i32)
      try
        local.get 0
        throw $e
      catch $e
        i32.const 1
        i32.add
        call $swallow
        rethrow 0
      end
      i32.const -1
    catch $e
    end)

  ;; a catch_all's rethrow passes the exception through a host frame to
  ;; the wasm caller of the host, unchanged
  (func (export "rethrow-all") (param i32)
    try
      local.get 0
      throw $e
    catch_all
      rethrow 0
    end)
  (func (export "via-host") (param i32) (result i32)
    try (result i32)
      local.get 0
      call $host
      i32.const -1
    catch $f
      i32.const 1000
      i32.add
    catch $e
    end))"""


def _legacy_host_instance(mode, inner):
    holder = {}
    seen = []
    ft = FuncType((I32,), ())

    def host_fn(env, x):
        inst = holder["inst"]
        try:
            inst.default_exec_env().call(inst.lookup_function(inner), x)
        except UncaughtException as e:
            seen.append(("host", e.tag is inst.lookup_tag("e"), e.values))
            raise

    def swallow_fn(env, x):
        inst = holder["inst"]
        try:
            inst.default_exec_env().call(inst.lookup_function("throw-f"), x)
        except UncaughtException as e:
            seen.append(("swallow", e.tag is inst.lookup_tag("f"), e.values))

    imports = {"env": {"host": HostFunction(ft, host_fn, "host"),
                       "swallow": HostFunction(ft, swallow_fn, "swallow")}}
    inst = instance(mode, LEGACY_HOST, imports=imports)
    holder["inst"] = inst
    return inst, seen


@pytest.mark.parametrize("mode", MODES)
def test_legacy_delegate_crosses_a_host_function(mode):
    inst, seen = _legacy_host_instance(mode, "delegating")
    assert call(inst, "outer", 31) == 31
    assert seen == [("host", True, (31,))]
    # with no wasm frame above the host, the exception leaves the call
    with pytest.raises(UncaughtException) as info:
        call(inst, "delegating", 5)
    assert info.value.tag is inst.lookup_tag("e")
    assert info.value.values == (5,)


@pytest.mark.parametrize("mode", MODES)
def test_legacy_rethrow_after_a_host_call_rethrows_the_caught_exception(mode):
    inst, seen = _legacy_host_instance(mode, "delegating")
    assert call(inst, "rethrow-after-host", 8) == 8
    assert seen == [("swallow", True, (9,))]


@pytest.mark.parametrize("mode", MODES)
def test_legacy_rethrow_crosses_a_host_function(mode):
    inst, seen = _legacy_host_instance(mode, "rethrow-all")
    assert call(inst, "via-host", 4) == 4
    assert seen == [("host", True, (4,))]
