"""Plain-Python twins of the C programs in benchmarks/c/: the same
algorithm written in Python, printing the same stdout (benchmarks/programs.py
checks it against the engines'), so the programs table has a plain-Python
column. TWINS: name -> twin(argv after argv[0]) -> stdout bytes."""
import math

M = 0xFFFFFFFF
M64 = (1 << 64) - 1


def fib(argv):
    def f(n):
        return n if n < 2 else f(n - 1) + f(n - 2)
    return b"%d\n" % (f(int(argv[0])) & M)


def intmix(argv):
    n = int(argv[0])
    x, acc, wide = 2463534242, 0, 0x0123456789ABCDEF
    for i in range(n):
        x ^= (x << 13) & M
        x ^= x >> 17
        x ^= (x << 5) & M
        y = (x * 2654435761 + i) & M
        y = ((y << 7) | (y >> 25)) & M
        acc = (acc + y // ((i & 255) + 1)) & M
        acc ^= y % 1000003
        wide = (wide * 6364136223846793005 + y) & M64
        acc = (acc + (wide >> 40)) & M
    return b"%d\n" % acc


def _sift(a, root, end):
    while 2 * root + 1 <= end:
        child = 2 * root + 1
        if child + 1 <= end and a[child] < a[child + 1]:
            child += 1
        if a[root] < a[child]:
            a[root], a[child] = a[child], a[root]
            root = child
        else:
            return


def sorthash(argv):
    n = int(argv[0])
    a = [0] * n
    seed = 12345
    for i in range(n):
        seed = (seed * 1103515245 + 12345) & M
        a[i] = seed ^ (seed >> 15)
    for s in range((n - 2) // 2, -1, -1):
        _sift(a, s, n - 1)
    for e in range(n - 1, 0, -1):
        a[0], a[e] = a[e], a[0]
        _sift(a, 0, e - 1)
    ck = 0
    for v in a:
        ck = ((ck * 31) & M) ^ v
    size = 1
    while size < 2 * n:
        size <<= 1
    mask = size - 1
    keys, cnt = [0] * size, [0] * size
    distinct = 0
    for v in a:
        k = v % 65521 + 1
        h = (k * 2654435761) & mask
        while cnt[h] and keys[h] != k:
            h = (h + 1) & mask
        if not cnt[h]:
            keys[h] = k
            distinct += 1
        cnt[h] += 1
    look = 0
    for v in a:
        k = v % 65521 + 1
        h = (k * 2654435761) & mask
        while keys[h] != k:
            h = (h + 1) & mask
        look = (look + cnt[h] * k) & M
    return b"%d %d %d\n" % (ck, distinct, look)


def bytehash(argv):
    n = int(argv[0])
    buf = bytearray(n)
    s = 1
    for i in range(n):
        s = (s * 1664525 + 1013904223) & M
        buf[i] = s >> 24
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = 0xEDB88320 ^ (c >> 1) if c & 1 else c >> 1
        table.append(c)
    fnv, crc = 2166136261, M
    for b in buf:
        fnv = ((fnv ^ b) * 16777619) & M
        crc = table[(crc ^ b) & 255] ^ (crc >> 8)
    return b"%d %d\n" % (fnv, crc ^ M)


def numeric(argv):
    n = int(argv[0])
    total = 0
    for py in range(n):
        ci = -1.25 + 2.5 * py / n
        for px in range(n):
            cr = -2.0 + 2.5 * px / n
            zr = zi = 0.0
            k = 0
            while k < 50 and zr * zr + zi * zi <= 4.0:
                t = zr * zr - zi * zi + cr
                zi = 2.0 * zr * zi + ci
                zr = t
                k += 1
            total += k
    s = 0.0
    for i in range(1, n * n + 1):
        x = float(i)
        g = x / 2.0 + 1.0
        for _ in range(4):
            g = 0.5 * (g + x / g)
        s += g - math.sqrt(x) + 1.0 / x
    return ("%d %.17g\n" % (total, s)).encode()


TWINS = {"fib": fib, "intmix": intmix, "sorthash": sorthash, "bytehash": bytehash,
         "numeric": numeric}
