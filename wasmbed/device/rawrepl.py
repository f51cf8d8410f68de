"""MicroPython's raw REPL, spoken over a serial line (host side, CPython).

This is the protocol mpremote and pyboard.py use to run code on a board:

- Ctrl-C twice interrupts whatever runs; Ctrl-A enters the raw REPL, which
  answers ``raw REPL; CTRL-B to exit`` and a ``>`` prompt.
- Raw mode: the host sends the source and Ctrl-D; the board answers ``OK``,
  runs it, and sends its stdout, ``\\x04``, its stderr (a traceback, if any),
  ``\\x04`` and ``>`` again.
- Raw-paste mode (``\\x05A\\x01`` after the prompt): the board answers
  ``R\\x01`` and a 16-bit little-endian window size; the host sends at most a
  window of bytes and waits for ``\\x01`` (one more window) before sending
  more; ``\\x04`` from the board aborts. After the source the host sends
  Ctrl-D, the board acknowledges with ``\\x04`` and runs it, then stdout,
  ``\\x04``, stderr, ``\\x04`` as in raw mode. Boards that answer ``R\\x00``
  do not support it; ``exec`` falls back to raw mode.
- Ctrl-D on an empty raw-REPL line soft-resets the board.

``RawRepl(stream)`` takes any object with ``read(n)`` (returning fewer bytes,
possibly none, on timeout) and ``write(b)``: a ``serial.Serial`` opened with a
timeout, or a pseudo-terminal wrapper. Raises ``ReplError`` when the board
does not answer as the protocol says or does not answer within ``timeout``.
"""

import time

CTRL_A = b"\x01"
CTRL_B = b"\x02"
CTRL_C = b"\x03"
CTRL_D = b"\x04"
RAW_PROMPT = b"raw REPL; CTRL-B to exit\r\n>"
RAW_PASTE_REQUEST = b"\x05A\x01"


class ReplError(Exception):
    """The board did not speak the raw REPL protocol as expected."""


class RemoteError(Exception):
    """Code run on the board raised; ``traceback`` holds its stderr text."""

    def __init__(self, traceback, stdout=b""):
        Exception.__init__(self, traceback.strip().splitlines()[-1]
                           if traceback.strip() else "remote error")
        self.traceback = traceback
        self.stdout = stdout


class RawRepl:
    """A raw-REPL session on ``stream``; ``timeout`` (seconds, default 10)
    bounds every wait for the board."""

    def __init__(self, stream, timeout=10.0):
        self.stream = stream
        self.timeout = timeout
        self.in_raw = False
        self.paste_ok = None    # None: not probed yet

    # -- bytes -----------------------------------------------------------

    def read_until(self, token, timeout=None, sink=None):
        """Read until ``token``; -> the bytes before it. ``sink(b)``, when
        given, receives the bytes as they arrive (streaming). Raises
        ReplError after ``timeout`` seconds (default: self.timeout) with no
        token; the clock restarts whenever bytes arrive."""
        limit = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        buf = bytearray()
        sent = 0
        while True:
            chunk = self.stream.read(1)
            if chunk:
                buf += chunk
                deadline = time.monotonic() + limit
                if buf.endswith(token):
                    if sink is not None and len(buf) - len(token) > sent:
                        sink(bytes(buf[sent:len(buf) - len(token)]))
                    return bytes(buf[:-len(token)])
                if sink is not None and len(buf) - sent >= 64 + len(token):
                    end = len(buf) - len(token)
                    sink(bytes(buf[sent:end]))
                    sent = end
            elif time.monotonic() > deadline:
                raise ReplError("no %r from the board after %.1f s (got %r)"
                                % (token, limit, bytes(buf[-200:])))

    def drain(self, quiet=0.1):
        """Discard input until the line has been quiet for ``quiet`` s."""
        end = time.monotonic() + quiet
        while time.monotonic() < end:
            if self.stream.read(256):
                end = time.monotonic() + quiet

    # -- modes -----------------------------------------------------------

    def enter(self, soft_reset=False):
        """Interrupt the board and enter the raw REPL (optionally soft
        resetting it first, which frees its heap). Raises ReplError."""
        self.stream.write(b"\r" + CTRL_C + CTRL_C)
        self.drain()
        self.stream.write(b"\r" + CTRL_A)
        self.read_until(RAW_PROMPT)
        if soft_reset:
            self.stream.write(CTRL_D)
            self.read_until(b"soft reboot\r\n")
            self.read_until(RAW_PROMPT)
        self.in_raw = True

    def exit(self):
        """Leave the raw REPL for the friendly one."""
        self.stream.write(b"\r" + CTRL_B)
        self.in_raw = False

    # -- running code ----------------------------------------------------

    def _send_raw(self, code):
        for i in range(0, len(code), 256):
            self.stream.write(code[i:i + 256])
        self.stream.write(CTRL_D)
        head = self.read_until(b"OK")
        if head:
            raise ReplError("unexpected bytes before OK: %r" % head[-200:])

    def _send_paste(self, code):
        """-> False if the board does not support raw-paste mode."""
        self.stream.write(RAW_PASTE_REQUEST)
        answer = self.stream.read(2)
        deadline = time.monotonic() + self.timeout
        while len(answer) < 2 and time.monotonic() < deadline:
            answer += self.stream.read(2 - len(answer))
        if answer == b"R\x00":
            return False
        if answer != b"R\x01":
            raise ReplError("unexpected raw-paste answer %r" % answer)
        size = self.stream.read(2)
        while len(size) < 2:
            more = self.stream.read(2 - len(size))
            if not more and time.monotonic() > deadline:
                raise ReplError("no raw-paste window size")
            size += more
        window = size[0] | (size[1] << 8)
        remaining = window
        i = 0
        while i < len(code):
            while remaining == 0:
                c = self._flow()
                if c == CTRL_A:
                    remaining += window
                elif c == CTRL_D:
                    self.stream.write(CTRL_D)
                    raise ReplError("the board aborted the raw-paste transfer")
            n = min(remaining, len(code) - i)
            self.stream.write(code[i:i + n])
            i += n
            remaining -= n
        self.stream.write(CTRL_D)
        self.read_until(CTRL_D)
        return True

    def _flow(self):
        deadline = time.monotonic() + self.timeout
        while True:
            c = self.stream.read(1)
            if c:
                return c
            if time.monotonic() > deadline:
                raise ReplError("no raw-paste flow control from the board")

    def begin(self, code, paste=True):
        """Send ``code`` and let it run without waiting for its output: the
        caller talks to the running code over ``self.stream`` (its stdin
        and stdout), then calls ``finish``."""
        if isinstance(code, str):
            code = code.encode()
        if not self.in_raw:
            self.enter()
        if paste and self.paste_ok is not False:
            self.paste_ok = self._send_paste(code)
            if not self.paste_ok:
                self._send_raw(code)
        else:
            self._send_raw(code)

    def finish(self, timeout=None):
        """Wait for code started by ``begin`` to end; -> the stdout not
        read yet. Raises RemoteError when it raised."""
        out = self.read_until(CTRL_D, timeout=timeout)
        err = self.read_until(CTRL_D, timeout=timeout)
        self.read_until(b">")
        if err:
            raise RemoteError(err.decode("utf-8", "replace"), out)
        return out

    def exec_raw(self, code, timeout=None, stdout=None, paste=True):
        """Run ``code`` (str or bytes) on the board; -> (stdout, stderr) as
        bytes. ``stdout(b)``, when given, receives output while it runs (the
        returned stdout is then what it received too). ``timeout`` bounds the
        wait for output (seconds of silence, default self.timeout). Uses
        raw-paste mode when the board supports it and ``paste`` is true."""
        self.begin(code, paste)
        out = self.read_until(CTRL_D, timeout=timeout, sink=stdout)
        err = self.read_until(CTRL_D, timeout=timeout)
        self.read_until(b">")
        return out, err

    def exec(self, code, timeout=None, stdout=None):
        """Like exec_raw, but raises RemoteError when the code raised;
        -> its stdout (bytes)."""
        out, err = self.exec_raw(code, timeout=timeout, stdout=stdout)
        if err:
            raise RemoteError(err.decode("utf-8", "replace"), out)
        return out

    def eval(self, expr, timeout=None):
        """-> the repr printed for ``expr``, evaluated on the board, as str."""
        out = self.exec("print(repr(%s))" % expr, timeout=timeout)
        return out.decode("utf-8", "replace").strip()
