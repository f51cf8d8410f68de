"""The validator against the WebAssembly spec test suite.

For every script of ../shared/suites/spec-json/{core,simd,threads}:
- every ``assert_invalid`` module must decode and then fail validation with
  InvalidModule whose message starts with the suite's text (or is a prefix
  of it: the suite sometimes names the index, sometimes not);
- every module the script expects to be valid (``module`` commands, also
  those inside ``thread`` blocks, and the modules of ``assert_unlinkable``
  and ``assert_uninstantiable``, which fail only later) must validate.

Skips when the suites are absent (set WASMBED_SUITES to another copy).
Run as a script to print the counts per suite.
"""

import json
import os

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
from suites import SUITES
SPEC_JSON = os.path.join(SUITES, "spec-json")
GROUPS = ("core", "simd", "threads")
VALID_COMMANDS = ("module", "assert_unlinkable", "assert_uninstantiable")


def _scripts(group):
    root = os.path.join(SPEC_JSON, group)
    found = []
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            if name.endswith(".json"):
                found.append(os.path.relpath(os.path.join(dirpath, name), SPEC_JSON))
    return sorted(found)


def _commands(commands):
    for cmd in commands:
        if cmd["type"] == "thread":
            for sub in _commands(cmd["commands"]):
                yield sub
        else:
            yield cmd


def check_script(rel):
    """Return (invalid_passed, invalid_total, valid_passed, valid_total,
    failures) for one JSON script."""
    from wasmbed.core.decode import decode_module
    from wasmbed.core.errors import InvalidModule, WasmError
    from wasmbed.core.validate import validate_module
    from wasmbed.wast import threads_enabled_for, wasm3_enabled_for

    threads = threads_enabled_for(rel)   # False: the 2.0 format
    wasm3 = wasm3_enabled_for(rel)       # False: 2.0's rules
    path = os.path.join(SPEC_JSON, rel)
    with open(path) as f:
        script = json.load(f)
    base = os.path.dirname(path)
    counts = [0, 0, 0, 0]
    failures = []
    for cmd in _commands(script["commands"]):
        kind = cmd["type"]
        if cmd.get("module_type") != "binary":
            continue
        if kind != "assert_invalid" and kind not in VALID_COMMANDS:
            continue
        where = "%s:%d %s" % (rel, cmd["line"], cmd["filename"])
        with open(os.path.join(base, cmd["filename"]), "rb") as f:
            data = f.read()
        if kind == "assert_invalid":
            counts[1] += 1
            expected = cmd["text"]
            try:
                validate_module(decode_module(data, threads=threads, wasm3=wasm3))
            except InvalidModule as e:
                msg = e.message
                if msg.startswith(expected) or expected.startswith(msg):
                    counts[0] += 1
                else:
                    failures.append("%s: expected %r, got %r" % (where, expected, msg))
            except WasmError as e:
                failures.append("%s: expected invalid %r, got %s %r"
                                % (where, expected, type(e).__name__, e.message))
            else:
                failures.append("%s: expected invalid %r, validated" % (where, expected))
        else:
            counts[3] += 1
            try:
                validate_module(decode_module(data, threads=threads, wasm3=wasm3))
            except WasmError as e:
                failures.append("%s: valid module rejected: %s %r"
                                % (where, type(e).__name__, e.message))
            else:
                counts[2] += 1
    return counts[0], counts[1], counts[2], counts[3], failures


def _params():
    out = []
    for g in GROUPS:
        out.extend(_scripts(g))
    return out


_SCRIPTS = _params() if os.path.isdir(SPEC_JSON) else []


@pytest.mark.skipif(not os.path.isdir(SPEC_JSON),
                    reason="spec suites not found at %s (set WASMBED_SUITES)" % SPEC_JSON)
@pytest.mark.parametrize("rel", _SCRIPTS or ["none"])
def test_spec_script_validation(rel):
    ip, it, vp, vt, failures = check_script(rel)
    assert not failures, "\n".join(failures[:30])
    assert ip == it and vp == vt


@pytest.mark.skipif(not os.path.isdir(SPEC_JSON),
                    reason="spec suites not found at %s (set WASMBED_SUITES)" % SPEC_JSON)
def test_suites_have_cases():
    # Guards against a silently empty run (a renamed directory, say).
    for g in GROUPS:
        assert _scripts(g), "no scripts under %s" % g


def main():
    total_fail = 0
    for g in GROUPS:
        agg = [0, 0, 0, 0]
        for rel in _scripts(g):
            ip, it, vp, vt, failures = check_script(rel)
            agg[0] += ip
            agg[1] += it
            agg[2] += vp
            agg[3] += vt
            for line in failures:
                print(line)
            total_fail += len(failures)
        print("%s: assert_invalid %d/%d, valid modules %d/%d"
              % (g, agg[0], agg[1], agg[2], agg[3]))
    return 1 if total_fail else 0


if __name__ == "__main__":
    raise SystemExit(main())
