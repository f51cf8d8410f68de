"""The spec test suite's binary-format assertions, through the wast runner.

Every binary ``assert_malformed`` of the core 2.0, SIMD and threads scripts
must pass, and every module the scripts expect to load must decode. Skips
when the suites are not present (WASMBED_SUITES may point at a copy).
"""

import glob
import io
import json
import os

import pytest

from wasmbed.core.decode import decode_module
from wasmbed.wast import WastRunner, message_matches, threads_enabled_for

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
from suites import SUITES
SPEC_JSON = os.path.join(SUITES, "spec-json")

pytestmark = pytest.mark.skipif(
    not os.path.isdir(SPEC_JSON),
    reason="spec suites not found at %s (set WASMBED_SUITES)" % SPEC_JSON)


def scripts(suite):
    return sorted(glob.glob(os.path.join(SPEC_JSON, suite, "**", "*.json"),
                            recursive=True))


def commands(cmds):
    for c in cmds:
        yield c
        if c.get("type") == "thread":
            for sub in commands(c.get("commands", ())):
                yield sub


def count(suite, kind, module_type):
    n = 0
    for path in scripts(suite):
        with open(path) as f:
            for c in commands(json.load(f)["commands"]):
                if c["type"] == kind and c.get("module_type") == module_type:
                    n += 1
    return n


@pytest.mark.parametrize("suite", ["core", "simd", "threads"])
def test_every_binary_assert_malformed_passes(suite):
    out = io.StringIO()
    runner = WastRunner(out=out, only=["assert_malformed"])
    runner.run_paths([os.path.join(SPEC_JSON, suite)])
    status = runner.report()
    lines = out.getvalue().splitlines()
    assert runner.failed == 0, "\n".join(lines[:40])
    assert runner.passed == count(suite, "assert_malformed", "binary")
    text = count(suite, "assert_malformed", "text")
    assert runner.skipped.get("text-format assert_malformed", 0) == text
    expected_last = "%d passed, 0 failed" % runner.passed
    if text:
        expected_last += ", %d skipped" % text
    assert lines[-1] == expected_last
    assert status == 0


def test_core_suite_has_the_expected_number_of_binary_cases():
    # guards against an empty or partial suite copy making the test vacuous
    assert count("core", "assert_malformed", "binary") >= 700
    assert count("threads", "assert_malformed", "binary") >= 90


@pytest.mark.parametrize("suite", ["core", "simd", "threads"])
def test_every_module_the_scripts_load_decodes(suite):
    failures = []
    n = 0
    for path in scripts(suite):
        with open(path) as f:
            script = json.load(f)
        threads = threads_enabled_for(script.get("source_filename", path))
        for c in commands(script["commands"]):
            if c["type"] != "module":
                continue
            name = c.get("binary_filename") or c["filename"]
            if not name.endswith(".wasm"):
                continue
            with open(os.path.join(os.path.dirname(path), name), "rb") as f:
                data = f.read()
            n += 1
            try:
                decode_module(data, threads=threads)
            except Exception as e:   # any error is a failure here
                failures.append("%s:%s: %r" % (path, c["line"], e))
    assert n > 0
    assert not failures, "\n".join(failures[:20])


def test_feature_set_follows_the_script_directory():
    assert not threads_enabled_for("spec/core/binary.wast")
    assert threads_enabled_for("spec/threads/core-overrides/binary.wast")
    assert threads_enabled_for("spec/simd/simd_lane.wast")
    assert threads_enabled_for("my/own.wast")


def test_prefix_rule():
    assert message_matches("unexpected end", "unexpected end of section or function")
    assert message_matches("unexpected end of section or function", "unexpected end")
    assert message_matches("illegal opcode", "illegal opcode 0xf3")
    assert not message_matches("integer too large", "integer representation too long")
    assert not message_matches("type mismatch", "")
