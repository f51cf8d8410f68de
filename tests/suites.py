"""Where the shared test suites are, for tests that need them.

The spec and WASI suites are read from <repo>/../shared/suites, or from the
directory named by the WASMBED_SUITES environment variable. Tests that need
them skip with a clear reason when neither exists.
"""
import os

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SUITES = os.environ.get("WASMBED_SUITES",
                        os.path.join(os.path.dirname(REPO), "shared", "suites"))
SPEC_JSON = os.path.join(SUITES, "spec-json")
WASI_TESTSUITE = os.path.join(SUITES, "wasi-testsuite")

needs_spec = pytest.mark.skipif(
    not os.path.isdir(SPEC_JSON),
    reason="spec suites not found at %s (set WASMBED_SUITES)" % SPEC_JSON)
needs_wasi = pytest.mark.skipif(
    not os.path.isdir(WASI_TESTSUITE),
    reason="wasi-testsuite not found at %s (set WASMBED_SUITES)" % WASI_TESTSUITE)


def spec_dirs(proposal):
    """The per-script directories of spec-json/<proposal>, sorted."""
    root = os.path.join(SPEC_JSON, proposal)
    if not os.path.isdir(root):
        return []
    return sorted(os.path.join(root, d) for d in os.listdir(root)
                  if os.path.isdir(os.path.join(root, d)))
