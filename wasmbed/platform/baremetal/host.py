"""The MicroPython modules this host has, imported once and guarded.

Every module of the port takes ``_thread``, ``select`` and ``os`` from here;
each is None when the host lacks it (a board built without threads, without
select, without os). Under CPython all three exist, and ``_thread`` is the
low-level module that ``threading`` is built on.
"""

import sys

try:
    import _thread
except ImportError:  # pragma: no cover - a board without threads
    _thread = None  # type: ignore[assignment]

try:
    import select
except ImportError:  # pragma: no cover - a board without select
    select = None  # type: ignore[assignment]

try:
    import os
except ImportError:  # pragma: no cover - a board without os
    os = None  # type: ignore[assignment]

IS_MICROPYTHON = sys.implementation.name == "micropython"
