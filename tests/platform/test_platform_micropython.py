"""The baremetal and minimal ports pass the conformance suite under real
MicroPython (the unix port), and the baremetal console works over
MicroPython's real stdin/stdout.

Skips when no MicroPython binary is installed (mp_run.micropython_binary).
"""

import pytest

import conformance
from mp_run import HERE, micropython_binary, parse_results, run_micropython

pytestmark = pytest.mark.skipif(micropython_binary() is None,
                                reason="no MicroPython binary installed")

VARIANTS = ("baremetal", "baremetal-shortticks", "baremetal-pool", "minimal")
SINGLE_THREADED = ("minimal",)
EXTRA = ("stdio_console", "default_platform")


@pytest.fixture(scope="module")
def mp_run():
    proc = run_micropython(HERE + "/mp_conformance.py",
                           stdin=b"wasmbed-ping\n", timeout=120)
    return proc, parse_results(proc.stdout)


def test_script_ran_to_the_end_under_micropython(mp_run):
    proc, _results = mp_run
    out = proc.stdout.decode("utf-8", "replace")
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    assert "IMPLEMENTATION micropython" in out
    assert out.rstrip().endswith("DONE"), out[-2000:]


@pytest.mark.parametrize("label", VARIANTS)
def test_variant_passes_every_check(mp_run, label):
    _proc, results = mp_run
    problems = []
    for name, needs, _fn in conformance.CHECKS:
        status, message = results.get((label, name), ("MISSING", ""))
        optional_skip = (status == "SKIP" and needs == conformance.THREADS
                         and label in SINGLE_THREADED)
        if status != "PASS" and not optional_skip:
            problems.append("%s %s: %s" % (status, name, message))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", EXTRA)
def test_micropython_host_checks(mp_run, name):
    _proc, results = mp_run
    status, message = results.get(("micropython", name), ("MISSING", ""))
    assert status == "PASS", message


def test_stdio_console_echo_came_back(mp_run):
    proc, _results = mp_run
    assert b"ECHO wasmbed-ping\n" in proc.stdout
