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
        self._pending = bytearray()   # bytes pushed back, read first

    # -- bytes -----------------------------------------------------------

    def read(self, n):
        """Up to ``n`` bytes: pushed-back ones first, else what the stream
        has (possibly none, after the stream's own timeout)."""
        if self._pending:
            out = bytes(self._pending[:n])
            del self._pending[:n]
            return out
        return self.stream.read(n)

    def pushback(self, data):
        """Make ``data`` the next bytes read (a reader that took too much
        returns the rest)."""
        self._pending[0:0] = data

    def write(self, data):
        self.stream.write(data)

    def read_exactly(self, n, timeout=None):
        """-> exactly ``n`` bytes; ReplError after ``timeout`` s (default
        self.timeout) without any byte."""
        limit = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        buf = bytearray()
        while len(buf) < n:
            chunk = self.read(n - len(buf))
            if chunk:
                buf += chunk
                deadline = time.monotonic() + limit
            elif time.monotonic() > deadline:
                raise ReplError("the board sent %d of %d bytes in %.1f s"
                                % (len(buf), n, limit))
        return bytes(buf)

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
            chunk = self.read(1)
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
        del self._pending[:]
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
        self.in_raw = True
        if soft_reset:
            self.soft_reset()

    def soft_reset(self):
        """Soft-reset the board from the raw REPL (its heap is freed and
        its modules forgotten) and wait for the raw prompt again."""
        self.stream.write(CTRL_D)
        self.read_until(b"soft reboot\r\n")
        self.read_until(RAW_PROMPT)

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
        answer = self.read_exactly(2)
        if answer == b"R\x00":
            return False
        if answer != b"R\x01":
            raise ReplError("unexpected raw-paste answer %r" % answer)
        size = self.read_exactly(2)
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
            c = self.read(1)
            if c:
                return c
            if time.monotonic() > deadline:
                raise ReplError("no raw-paste flow control from the board")

    def start(self, code, paste=True):
        """Send ``code`` (str or bytes) and let it run, without reading its
        output: the caller reads it (``read``/``pushback``) up to the
        ``\\x04`` that ends its stdout, then calls ``finish()``. Uses
        raw-paste mode when the board supports it and ``paste`` is true."""
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
        """After the stdout of code run by ``start`` was read: -> its
        stderr (bytes; a traceback if it raised), once the board is back at
        the raw prompt."""
        err = self.read_until(CTRL_D, timeout=timeout)
        self.read_until(b">")
        return err

    def exec_raw(self, code, timeout=None, stdout=None, paste=True):
        """Run ``code`` (str or bytes) on the board; -> (stdout, stderr) as
        bytes. ``stdout(b)``, when given, receives output while it runs (the
        returned stdout is then what it received too). ``timeout`` bounds the
        wait for output (seconds of silence, default self.timeout). Uses
        raw-paste mode when the board supports it and ``paste`` is true."""
        self.start(code, paste)
        out = self.read_until(CTRL_D, timeout=timeout, sink=stdout)
        return out, self.finish(timeout)

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
