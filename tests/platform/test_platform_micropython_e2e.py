"""A whole runtime (core + interpreter + pool + baremetal port) runs a
module under real MicroPython: mp_e2e.py is the hook where end-to-end checks
on MicroPython go. Skips without a MicroPython binary."""

import pytest

from mp_run import HERE, micropython_binary, parse_results, run_micropython

pytestmark = pytest.mark.skipif(micropython_binary() is None,
                                reason="no MicroPython binary installed")

E2E_CHECKS = ("add", "pool_returns_everything", "hello_over_the_console",
              "loops_and_traps")


@pytest.fixture(scope="module")
def e2e_run():
    proc = run_micropython(HERE + "/mp_e2e.py", timeout=120)
    return proc, parse_results(proc.stdout)


def test_e2e_script_completes(e2e_run):
    proc, _results = e2e_run
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    assert proc.stdout.decode().rstrip().endswith("DONE")


@pytest.mark.parametrize("name", E2E_CHECKS)
def test_e2e_check_passes_under_micropython(e2e_run, name):
    _proc, results = e2e_run
    status, message = results.get(("e2e", name), ("MISSING", ""))
    if ("e2e", "all") in results:
        status, message = results[("e2e", "all")]
    assert status == "PASS", "%s: %s" % (status, message)
