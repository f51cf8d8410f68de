"""Boot a firmware under qemu-system-arm and talk to its UART.

``QemuBoard(elf, machine, serial="stdio")`` starts qemu; ``.repl`` is a
``wasmbed.device.rawrepl.RawRepl`` on the board's console. With
``serial="pty"`` qemu exposes the UART as a pseudo-terminal (``.pty`` its
path) that a serial client such as ``wasmbed device`` opens like a real port;
``.repl`` is then None. ``romfs=(image, address)`` loads a ROMFS image into
the board's ROMFS flash partition (firmware.BOARDS[...]["romfs"]).
``close()`` stops qemu. Use as a context manager.
"""

import os
import re
import select
import subprocess
import time

from wasmbed.device.rawrepl import RawRepl


class _PipeStream:
    """read(n)/write(b) over qemu's stdio, with a short read timeout."""

    def __init__(self, proc, timeout=0.05):
        self.proc = proc
        self.timeout = timeout

    def read(self, n):
        fd = self.proc.stdout.fileno()
        r, _, _ = select.select([fd], [], [], self.timeout)
        if not r:
            return b""
        return os.read(fd, n)

    def write(self, b):
        self.proc.stdin.write(b)
        self.proc.stdin.flush()
        return len(b)


class QemuBoard:
    def __init__(self, elf, machine, serial="stdio", timeout=30.0, romfs=None):
        cmd = ["qemu-system-arm", "-machine", machine, "-nographic",
               "-monitor", "null", "-semihosting", "-serial", serial,
               "-kernel", elf]
        if romfs is not None:
            # (image path, address): the board's ROMFS partition in flash
            cmd += ["-device", "loader,file=%s,addr=0x%x,force-raw=on" % romfs]
        self.pty = None
        self.repl = None
        if serial == "stdio":
            self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE,
                                         stderr=subprocess.DEVNULL)
            self.repl = RawRepl(_PipeStream(self.proc), timeout=timeout)
            self.repl.enter()
        else:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT)
            self.pty = self._find_pty()

    def _find_pty(self):
        deadline = time.monotonic() + 10
        buf = b""
        fd = self.proc.stdout.fileno()
        while time.monotonic() < deadline:
            r, _, _ = select.select([fd], [], [], 0.1)
            if r:
                chunk = os.read(fd, 256)
                if not chunk:
                    break
                buf += chunk
                m = re.search(rb"(/dev/pts/\d+)", buf)
                if m:
                    return m.group(1).decode()
        self.close()
        raise RuntimeError("qemu did not report its pty: %r" % buf)

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
