"""Every port passes the platform conformance suite (conformance.py).

One test per (port, check). A check that needs a capability the port does
not claim is skipped with the reason; a port that claims it must pass.
"""

import pytest

import conformance
from harnesses import FACTORIES

CASES = [(port, name) for port in FACTORIES for name in conformance.check_names()]


@pytest.mark.parametrize("port,name", CASES,
                         ids=["%s-%s" % case for case in CASES])
def test_conformance(port, name):
    harness, cleanup = FACTORIES[port]()
    try:
        status, message = conformance.run_check(name, harness)
    finally:
        cleanup()
    if status == "SKIP":
        pytest.skip(message)
    assert status == "PASS", "%s on %s: %s" % (name, port, message)


def test_suite_has_required_and_optional_parts():
    needs = set(n for _name, n, _fn in conformance.CHECKS)
    assert {conformance.REQUIRED, conformance.THREADS, conformance.VM,
            conformance.CONSOLE} <= needs


def test_minimal_port_passes_every_check_it_claims():
    # The single-threaded example port passes the required part and skips
    # exactly the threaded checks.
    harness, cleanup = FACTORIES["minimal"]()
    skipped = []
    for name, needs, _fn in conformance.CHECKS:
        status, message = conformance.run_check(name, harness)
        assert status != "FAIL", "%s: %s" % (name, message)
        if status == "SKIP":
            skipped.append((name, needs))
    cleanup()
    assert skipped and all(n == conformance.THREADS for _name, n in skipped)
