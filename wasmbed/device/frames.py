"""Decoding the frames that ``wasmbed.platform.baremetal.deploy`` writes to
the console while it runs a module (the format is described there: DLE,
kind, four hex digits of payload length, payload with 0x10 and 0x04 sent
as DLE "P" / DLE "D").

``Decoder().feed(data)`` -> a list of events, each ``(kind, payload)``
with kind one of the deploy.* kind bytes (``b"O"``, ``b"E"``, ``b"R"``,
``b"F"``, ``b"X"``), or ``(LOOSE, bytes)`` for console bytes outside any
frame (a ``print`` on the board), or ``(END, rest)`` when the raw REPL's
0x04 that ends the code's stdout arrives outside a frame; ``rest`` holds
the bytes after it, which the decoder does not consume (give them back to
the REPL). Raises FrameError for a malformed frame.
"""

from wasmbed.platform.baremetal.deploy import DLE, EOT

LOOSE = b"."
END = b"$"
_HEX = b"0123456789abcdefABCDEF"
_UNESCAPE = {ord("P"): DLE, ord("D"): EOT}


class FrameError(Exception):
    """The board sent bytes that are not a well-formed frame."""


class Decoder:
    def __init__(self):
        self._kind = None      # kind of the frame being read, or None
        self._header = bytearray()
        self._left = 0         # payload bytes still to come
        self._payload = bytearray()
        self._escape = False
        self._in_header = False
        self.ended = False

    def feed(self, data):
        events = []
        loose = bytearray()
        i = 0
        n = len(data)
        while i < n:
            b = data[i]
            i += 1
            if self._in_header:
                self._header.append(b)
                if len(self._header) == 5:
                    self._start_frame()
                    if self._left == 0:
                        events.append((self._kind, b""))
                        self._kind = None
                continue
            if self._kind is not None:
                if self._escape:
                    self._escape = False
                    if b not in _UNESCAPE:
                        raise FrameError("bad escape 0x%02x in a %r frame"
                                         % (b, self._kind))
                    self._payload.append(_UNESCAPE[b])
                elif b == DLE:
                    self._escape = True
                    continue
                elif b == EOT:
                    raise FrameError("end of output inside a %r frame" % self._kind)
                else:
                    self._payload.append(b)
                self._left -= 1
                if self._left == 0:
                    events.append((self._kind, bytes(self._payload)))
                    self._kind = None
                continue
            if b == DLE:
                if loose:
                    events.append((LOOSE, bytes(loose)))
                    loose = bytearray()
                self._in_header = True
                self._header = bytearray()
            elif b == EOT:
                if loose:
                    events.append((LOOSE, bytes(loose)))
                    loose = bytearray()
                self.ended = True
                events.append((END, bytes(data[i:])))
                return events
            else:
                loose.append(b)
        if loose:
            events.append((LOOSE, bytes(loose)))
        return events

    def _start_frame(self):
        h = bytes(self._header)
        self._in_header = False
        kind, digits = h[:1], h[1:]
        if not kind.isalpha() or any(c not in _HEX for c in digits):
            raise FrameError("bad frame header %r" % h)
        self._kind = kind
        self._left = int(digits, 16)
        self._payload = bytearray()
        self._escape = False
