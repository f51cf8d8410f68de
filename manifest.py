# MicroPython manifest: freezes the part of wasmbed that runs on a board.
#
# Include it from a board's manifest (or pass it as FROZEN_MANIFEST):
#     include("path/to/wasmbed/manifest.py")
# Frozen: the core (decode, validate, interp tier, AOT loader, memories,
# tables, threads), the pool allocator, WASI, platform_api, the baremetal and
# minimal ports and the embedding API. Not frozen: what only a CPython host
# runs (the linux port, the CLI, the fast tier's translator, the spec-script
# runner and its board side, the host side of deployment, the opcode
# definitions that optables.py is generated from, the wasmtime-py compatible API).

metadata(description="wasmbed: a WebAssembly runtime for MicroPython boards",
         version="0.1.0")

import os as _os

# Paths relative to the package directory that a board never runs.
_HOST_ONLY = (
    "__main__.py",
    "cli.py",
    "wast/",               # the spec-script runner (its spectest: test firmware)
    "spec_board.py",       # the board side of the spec tests (test firmware)
    "core/translate.py",
    "core/aot_text.py",
    "core/translate_gc.py",
    "core/translate_mem.py",   # the JIT form's memory-access rewrites
    "core/translate_views.py", # the JIT form's residue views
    "core/tiering.py",     # fast mode with tier_up (CPython)
    "core/osr.py",         # tiering's on-stack replacement (CPython)
    "core/opdefs.py",
    "platform/linux/",
    "device/",
    "wasmtime/",
)


def _board_files(root):
    files = []
    for dirpath, dirnames, filenames in _os.walk(root):
        dirnames.sort()
        rel_dir = _os.path.relpath(dirpath, root)
        rel_dir = "" if rel_dir == "." else rel_dir.replace(_os.sep, "/") + "/"
        for name in sorted(filenames):
            rel = rel_dir + name
            if not name.endswith(".py"):
                continue
            if any(rel == h or (h.endswith("/") and rel.startswith(h))
                   for h in _HOST_ONLY):
                continue
            files.append(rel)
    return files


# The manifest runs with the current directory set to its own folder.
package("wasmbed", files=_board_files("wasmbed"))
