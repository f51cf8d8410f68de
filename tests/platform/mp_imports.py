"""The documented import forms of the package, run under MicroPython (the
unix port: test_import_forms.py; a board: tests/board/test_platform.py)
and CPython alike. Prints one ``name=value`` word per line of interest;
the callers compare them with the expected values.

MicroPython's ``from package import name`` asks the package's module-level
``__getattr__`` and does not fall back to importing ``package.name`` when it
raises AttributeError, so wasmbed's ``__getattr__`` imports sub-modules
itself.
"""

from wasmbed import platform_api
from wasmbed import wasi, core
import wasmbed.core.numeric
from wasmbed.core import numeric
from wasmbed import WasiConfig
import wasmbed

print("clock=%d" % platform_api.CLOCK_MONOTONIC)
print("numeric=%s" % (wasmbed.core.numeric is numeric))
print("wasi=%s" % (wasi.WasiConfig is WasiConfig))
print("core=%s" % (core is wasmbed.core))
try:
    from wasmbed import no_such_module  # noqa: F401
    print("missing=imported")
except (ImportError, AttributeError):
    print("missing=refused")
print("hasattr=%s" % hasattr(wasmbed, "no_such_module"))
