"""Guest ("app") addresses, WAMR style: the checks behind
Instance.validate_app_addr, validate_app_str_addr and addr_app_to_native.

An app address is an offset into the instance's linear memory (memory 0,
or the export "memory"). A memoryview handed out stays valid until the
memory grows: growing moves the bytes, and an older view then shows the
old copy.
"""


def app_range_ok(mem, offset, size):
    """True when [offset, offset + size) lies inside `mem` (a Memory or
    None; never for negative values)."""
    if mem is None or offset < 0 or size < 0:
        return False
    return offset + size <= len(mem.data)


def app_str_end(mem, offset, limit=None):
    """The offset of the NUL that ends the string at `offset`, or -1 when
    the string runs to the end of memory (or past `limit` bytes)."""
    if mem is None or offset < 0:
        return -1
    data = mem.data
    n = len(data)
    if offset >= n:
        return -1
    stop = n if limit is None else min(n, offset + limit)
    # search in chunks: a view of a large memory is not copied whole
    pos = offset
    while pos < stop:
        chunk = bytes(data[pos:min(stop, pos + 4096)])
        i = chunk.find(b"\0")
        if i >= 0:
            return pos + i
        pos += len(chunk)
    return -1
