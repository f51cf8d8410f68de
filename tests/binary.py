"""A tiny binary-format encoder for tests that assemble modules by hand,
independent of the decoder under test."""

HEADER = b"\x00asm\x01\x00\x00\x00"


def leb(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


def sleb(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        done = (v == 0 and not b & 0x40) or (v == -1 and b & 0x40)
        out.append(b if done else b | 0x80)
        if done:
            return bytes(out)


def vec(items):
    items = list(items)
    return leb(len(items)) + b"".join(items)


def name(s):
    raw = s.encode("utf-8") if isinstance(s, str) else s
    return leb(len(raw)) + raw


def section(sid, payload):
    return bytes([sid]) + leb(len(payload)) + payload


def module(*sections):
    return HEADER + b"".join(sections)


def functype(params, results):
    return b"\x60" + vec(bytes([t]) for t in params) + vec(bytes([t]) for t in results)
