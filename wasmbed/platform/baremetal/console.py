"""Console streams for BaremetalPlatform.

- :class:`UartStream`: any UART-like object with ``read(n)``, ``write(b)``
  and a count of waiting bytes, either ``any()`` (``machine.UART``) or
  ``in_waiting`` (a pyserial ``Serial``). One UART serves as stdin, stdout
  and stderr.
- :class:`StdioStream`: ``sys.stdin``/``sys.stdout``/``sys.stderr`` (the
  REPL console of a board, the terminal of the unix port), with
  ``readable`` over ``select.poll``.

Reads wait by polling with short sleeps (``sync.poll_until``: up to 1 ms
between looks): a board's UART driver buffers incoming bytes meanwhile.
"""

from wasmbed.platform.baremetal.host import select
from wasmbed.platform_api import ConsoleStream
# sync (poll_until) is imported by UartStream: a board whose console is
# sys stdio does not hold its lock classes.


class UartStream(ConsoleStream):
    """A console stream over a UART-like ``uart``.

    ``sleep_us``: a sleep function; ``ticks``: a
    :class:`wasmbed.platform.baremetal.ticks.Ticks` (us) for timeouts.
    ``read`` returns ``b""`` (end of input) once the device fails (a
    closed pyserial port raises OSError).
    """

    def __init__(self, uart, sleep_us, ticks):
        self.uart = uart
        self._sleep_us = sleep_us
        self._ticks = ticks
        self._any = getattr(uart, "any", None)
        from wasmbed.platform.baremetal.sync import MAX_PAUSE_US, poll_until
        self._poll_until = poll_until
        self._pause_us = MAX_PAUSE_US

    def _waiting(self):
        """Bytes waiting; OSError once the device is closed or gone."""
        if getattr(self.uart, "is_open", True) is False:  # a closed pyserial
            raise OSError(5, "console device is closed")
        if self._any is not None:
            return self._any()
        return self.uart.in_waiting

    def _has_data(self):
        try:
            return self._waiting() > 0
        except OSError:
            return True  # the device is gone: read() reports end of input

    def readable(self, timeout_ns=0):
        return self._poll_until(self._has_data, timeout_ns, self._ticks,
                                self._sleep_us)

    def read(self, n):
        if n <= 0:
            return b""
        while True:
            self._poll_until(self._has_data, -1, self._ticks, self._sleep_us)
            try:
                waiting = self._waiting()
                data = self.uart.read(min(n, waiting)) if waiting > 0 else None
            except OSError:
                return b""
            if data:
                return bytes(data)

    def write(self, data):
        view = memoryview(data)
        total = len(view)
        done = 0
        while done < total:
            n = self.uart.write(view[done:])
            if not n:  # machine.UART answers None on a write timeout
                self._sleep_us(self._pause_us)
                continue
            done += n
        return total

    def flush(self):
        fn = getattr(self.uart, "flush", None)
        if fn is not None:
            fn()

    def isatty(self):
        return True


class StdioStream(ConsoleStream):
    """A console stream over one of ``sys.stdin``/``stdout``/``stderr``.

    Reads take one byte at a time from the unbuffered file (``.raw`` where
    it exists, so no byte hides in a buffer that ``poll`` cannot see) and
    return as soon as no more is waiting. Without ``select`` (or a pollable
    file) ``readable`` answers True.
    """

    def __init__(self, fileobj):
        buf = getattr(fileobj, "buffer", None)
        if buf is None:
            buf = fileobj
        self.file = buf
        self._raw = getattr(buf, "raw", buf)
        self._fileobj = fileobj
        self._poll = None
        self._polled = False    # the poller is made on first read

    def _poller(self):
        """The select.poll object of the file, or None when it has none."""
        if not self._polled:
            self._polled = True
            if select is not None:
                try:
                    poller = select.poll()
                    poller.register(self._fileobj, select.POLLIN)
                    self._poll = poller
                except (OSError, ValueError, TypeError, AttributeError):
                    self._poll = None
        return self._poll

    def readable(self, timeout_ns=0):
        poller = self._poller()
        if poller is None:
            return True
        if timeout_ns < 0:
            ms = -1
        else:
            ms = (timeout_ns + 999999) // 1000000
        try:
            return bool(poller.poll(ms))
        except (OSError, ValueError):
            return True

    def read(self, n):
        if n <= 0:
            return b""
        first = self._raw.read(1)
        if not first:
            return b""
        out = bytearray(first)
        poller = self._poller()
        while len(out) < n and poller is not None:
            if not poller.poll(0):
                break
            more = self._raw.read(1)
            if not more:
                break
            out.extend(more)
        return bytes(out)

    def write(self, data):
        self.file.write(data)
        self.flush()
        return len(data)

    def flush(self):
        fn = getattr(self.file, "flush", None)
        if fn is not None:
            fn()

    def isatty(self):
        fn = getattr(self.file, "isatty", None)
        if fn is None:
            return True  # a board's REPL console: a UART or USB serial line
        try:
            return bool(fn())
        except (OSError, ValueError):
            return False
