"""Fixtures shared by the test files.

``mode``: the execution tier a test runs on, once per tier ("interp", the
interpreter, and "fast", wasm translated to Python). A test that takes the
fixture runs on both; a test that must pin its tiers parametrizes ``mode``
itself, which overrides the fixture.
"""
import pytest

MODES = ("interp", "fast")


@pytest.fixture(params=MODES)
def mode(request):
    """The tier under test: "interp" or "fast"."""
    return request.param
