"""The code in docs/PORTING.md runs as written (every ```python block that
is not a fragment marked by `...`)."""

import os
import re

import pytest

DOC = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "docs", "PORTING.md")


def blocks():
    with open(DOC, encoding="utf-8") as f:
        text = f.read()
    found = re.findall(r"```python\n(.*?)```", text, re.S)
    return [b for b in found if "..." not in b]


def test_doc_has_runnable_examples():
    assert len(blocks()) >= 2


@pytest.mark.parametrize("index", range(len(blocks())))
def test_doc_example_runs(index):
    exec(compile(blocks()[index], "PORTING.md example %d" % index, "exec"), {})
