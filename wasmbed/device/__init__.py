"""Host-side support for boards running wasmbed frozen into MicroPython:
the raw REPL protocol (``rawrepl``) that deployment speaks over a serial line."""
