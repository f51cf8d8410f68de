"""Make this folder's helpers (wasi_spec, wasi_support, wasi_programs,
wasi_suite) importable by its tests and by tests elsewhere that use them,
whatever pytest's import mode."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)
