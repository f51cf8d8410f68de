"""The wasi-testsuite through the wasmtime-py API, differentially.

Each preview1 case (C, Rust, AssemblyScript) runs in-process through
``run_case`` (written against wasmtime-py: Linker.define_wasi, WasiConfig
argv/env/preopen_dir/stdout_file, ExitTrap) once on wasmtime-py 50 and
once on wasmbed.wasmtime per tier. wasmbed.wasmtime must meet the case's
expectation (exit code, stdout when the .json gives one) and print what
wasmtime-py prints whenever wasmtime-py meets it too, except for the
cases in OUTPUT_MAY_DIFFER, whose output depends on choices WASI leaves
to the runtime.

Needs ../shared/suites (or $WASMBED_SUITES); skips when it is missing.
"""

import os
import sys

import pytest

import wasmbed.wasmtime as compat

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "wasi"))
import wasi_suite  # noqa: E402

try:
    import wasmtime as oracle
except ImportError:
    oracle = None

CASES = wasi_suite.cases()
pytestmark = pytest.mark.skipif(
    not wasi_suite.available(),
    reason="wasi-testsuite not found at %s (set WASMBED_SUITES)"
    % wasi_suite.testsuite_dir())

# Output the WASI spec does not pin down, printed by the case itself.
OUTPUT_MAY_DIFFER = {
    # the rights bits of a preopen: wasmbed grants every directory right
    "rust/path_open_preopen",
    # the order in which poll_oneoff reports simultaneously ready events
    "rust/poll_oneoff_stdio",
}


def run_case(wasmtime, case, workdir, config=None):
    """Run one case with the wasmtime-py API -> (exit code, stdout bytes);
    a trap gives "trap <TrapCode>" as the code."""
    engine = wasmtime.Engine(config)
    linker = wasmtime.Linker(engine)
    linker.define_wasi()
    module = wasmtime.Module.from_file(engine, case.wasm)
    store = wasmtime.Store(engine)
    wasi = wasmtime.WasiConfig()
    wasi.argv = [os.path.basename(case.wasm)] + case.args
    wasi.env = list(case.env.items())
    out = os.path.join(workdir, "stdout.txt")
    wasi.stdout_file = out
    wasi.stderr_file = os.path.join(workdir, "stderr.txt")
    for host, guest in case.prepare(workdir):
        wasi.preopen_dir(host, guest)
    store.set_wasi(wasi)
    code = 0
    try:
        linker.instantiate(store, module).exports(store)["_start"](store)
    except wasmtime.ExitTrap as e:
        code = e.code
    except wasmtime.Trap as e:
        code = "trap %s" % (e.trap_code,)
    store.close()
    with open(out, "rb") as f:
        return code, f.read()


def _meets(case, result):
    code, out = result
    if code != case.exit_code:
        return False
    return case.stdout is None or out.decode("utf-8", "replace") == case.stdout


_oracle = {}


@pytest.mark.parametrize("mode", ("interp", "fast"))
@pytest.mark.parametrize("case", CASES or [None],
                         ids=[c.id for c in CASES] or ["no-cases"])
def test_wasi_case(case, mode, tmp_path):
    if case is None:
        pytest.skip("no wasi-testsuite cases found")
    config = compat.Config()
    config.wasmbed_mode = mode
    (tmp_path / "compat").mkdir()
    got = run_case(compat, case, str(tmp_path / "compat"), config)
    assert _meets(case, got), (got, case.exit_code, case.stdout)
    if oracle is None or case.id in OUTPUT_MAY_DIFFER:
        return
    if case.id not in _oracle:
        (tmp_path / "oracle").mkdir()
        _oracle[case.id] = run_case(oracle, case, str(tmp_path / "oracle"))
    want = _oracle[case.id]
    if _meets(case, want):
        assert got == want
