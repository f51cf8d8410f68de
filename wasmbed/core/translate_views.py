"""Residue views: typed-view indexing for accesses off a local base whose
alignment is unknown (the fast tier's JIT form on CPython, host only).

clang -O0 code addresses its frame as ``l3 + K`` (``l3`` the frame
pointer, K a memarg offset), code at any level a struct through a pointer
local; nothing proves such a base aligned, so these accesses go through
the struct accessors (``LD_I32(mem, l3 + 6800)[0]``), a Python call each.
A memory's views at every byte residue make them indexing instead: for
the i32 view at residue r, ``R32[r] = memoryview(data)[r:].cast("I")``
cut to whole elements (fast_rt.mem_views), element q holds bytes r + 4q
.. r + 4q + 3. So for a base B and a constant K that is a multiple of 4,
the access at B + K is element (B >> 2) + K // 4 of R32[B & 3]: the same
four bytes in the same (little-endian) order, and the index is past the
view's end exactly when B + K + 4 > len(data), where the struct accessor
fails too (IndexError and struct.error both become the trap "out of
bounds memory access"). A memarg offset is added without wrapping, so
B + K is the effective address as it stands.

``residue(top, kinds)`` rewrites, in the statement tree of one function
after store-to-load forwarding and grouping (translate_mem), such
accesses off a base local into ``_R32_3[_q3_2 + 1700]``, where
``_q3_2 = l3 >> 2`` and ``_R32_3 = R32[l3 & 3]`` were hoisted before a
run of at least MIN_RUN accesses in straight-line statements. The hoisted
lines hold until the base is assigned or the views are re-read (the bare
list that re-reads ``mem`` and the views after a call or memory.grow);
they hold into the arms of an ``if`` and across, and into, a compound
statement that assigns neither anywhere in its parts. Only an ``if``
header's accesses are rewritten (a ``while`` header is evaluated again
after its body), and nothing is put before ``else`` or ``except``.
Widths: i32 (R32), i64 (R64), f64 (RD, or R64 when f64 values are their
bits), u16 (R16); the other accessors are left alone. ``choose`` decides
from ``count`` which views a function loads at all.
"""

from wasmbed.core import numeric as N

# accessor -> (residue views' name, log2 of the access size)
_KIND = {"LD_I32": ("R32", 2), "ST_I32": ("R32", 2),
         "LD_I64": ("R64", 3), "ST_I64": ("R64", 3),
         "LD_U16": ("R16", 1), "ST_U16": ("R16", 1)}
_KIND["LD_F64"] = _KIND["ST_F64"] = ("R64", 3) if N.soft else ("RD", 3)

# the residue views, in their order in fast_rt.mem_views's tuple after
# the aligned ones (translate._VIEWS)
NAMES = ("R32", "R64", "RD", "R16")

# a run pays for its two hoisted lines from this many accesses on
MIN_RUN = 2


def _address(s, a, end):
    """(base local number, offset) of the address text s[a:end] after
    ``(mem, l``, when it is ``<n>`` or ``<n> + <k>``; else None."""
    t = s[a:end]
    p = t.find(" + ")
    if p < 0:
        return (int(t), 0) if t.isdigit() else None
    b = t[:p]
    k = t[p + 3:]
    if b.isdigit() and k.isdigit():
        return int(b), int(k)
    return None


def _accesses(s):
    """The accesses in statement s that residue views can serve (their
    offset keeps the base's residue: a multiple of the access size): a
    list of (start, end, accessor, base local number, offset, is_store)
    with s[start:end] the access's text (for a store, the statement)."""
    out = []
    q = s.find("(mem, l")
    if q < 0:
        return out
    if s.startswith("ST_"):
        name = s[:q]
        if q == 6 and name in _KIND and s.endswith(")"):
            end = s.find(", ", q + 7)
            if end > 0:
                ad = _address(s, q + 7, end)
                if ad is not None and not ad[1] & _MASK[name]:
                    out.append((0, len(s), name, ad[0], ad[1], True))
        return out
    while q >= 0:
        p = q - 6
        name = s[p:q]
        if p >= 0 and name in _KIND and (p == 0 or s[p - 1] not in _WORD):
            end = s.find(")", q + 7)
            if end > 0 and s.startswith(")[0]", end):
                ad = _address(s, q + 7, end)
                if ad is not None and not ad[1] & _MASK[name]:
                    out.append((p, end + 4, name, ad[0], ad[1], False))
        q = s.find("(mem, l", q + 7)
    return out


_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
# accessor -> the offset bits that must be zero
_MASK = dict((k, (1 << v[1]) - 1) for k, v in _KIND.items())


def _writes(s):
    """The names statement s (not a header) assigns; None: it may assign
    anything (an assignment expression)."""
    if ":=" in s:
        return None
    out = set()
    parts = s.split(" = ")
    for t in parts[:-1]:
        for name in t.split(", "):
            out.add(name.strip("() "))
    p = s.find(" ")
    if p > 0:
        q = s.find("= ", p + 1)
        if q > p + 1 and s[p + 1:q] in _AUGMENTED:
            out.add(s[:p])
    return out


_AUGMENTED = ("+", "-", "**", "*", "//", "/", "%", "&", "|", "^", "<<", ">>")


def count(items, n=None):
    """{residue view name: accesses in statement tree items it could
    serve} (an upper bound of what residue() rewrites: cheap)."""
    if n is None:
        n = {}
    for it in items:
        if isinstance(it, list):
            count(it, n)
        elif "(mem, l" in it:
            for a in _accesses(it):
                k = _KIND[a[2]][0]
                n[k] = n.get(k, 0) + 1
    return n


def choose(n, reloads, views_used):
    """The residue views worth loading, from count()'s n (candidate
    accesses, before forwarding and runs): each re-read of the views
    (``reloads`` of them: the prologue's and one after each call or
    memory.grow) costs an index per view, plus the view cache's check
    when no aligned view (``views_used`` False) needs it already, and the
    pass costs translation time; a rewritten access saves about two
    indexings. A view is loaded when its candidates are at least
    PER_RELOAD per re-read (clang -O0 frames; -O2 code rarely is)."""
    out = []
    total = 0
    for k in NAMES:
        if n.get(k, 0) >= PER_RELOAD * reloads:
            out.append(k)
            total += n.get(k, 0)
    if out and not views_used and total < 2 * PER_RELOAD * reloads:
        return []
    return out


PER_RELOAD = 4


def residue(top, kinds):
    """Rewrite statement tree top in place (see the module docstring),
    with the residue views ``kinds`` (names of NAMES) available as locals
    that hold the current buffer's views."""
    if kinds:
        _block(top, frozenset(kinds), (), {})
        used = set()
        _used(top, used)
        unused = [k for k in kinds if k not in used]
        if unused:
            _drop_loads(top, tuple(k + " = _vc[" for k in unused))


def _used(items, used):
    for it in items:
        if isinstance(it, list):
            _used(it, used)
        elif "[l" in it:
            for k in NAMES:
                if k + "[l" in it:
                    used.add(k)


def _drop_loads(items, heads):
    """Remove the view re-reads (``R64 = _vc[5]``) starting with heads."""
    items[:] = [it for it in items if isinstance(it, list) or not it.startswith(heads)]
    for it in items:
        if isinstance(it, list):
            _drop_loads(it, heads)


def _block(items, kinds, inherit, memo):
    """Rewrite list items.
    ``inherit``: the (base, view) keys whose hoisted lines hold on entry.
    A compound statement (its header, body and ``else``/``except``/
    ``finally`` parts) keeps the keys it does not clobber anywhere in its
    parts: they hold in each part (a loop's body is entered again only
    from its own end) and after it; the parts of an ``if`` also inherit
    the ones it clobbers (entered straight from the condition). ``memo``:
    what _clobbered and _writes found, by list identity and text."""
    out = []
    seg = []
    valid = set(inherit)
    k = 0
    n = len(items)
    while k < n:
        it = items[k]
        if isinstance(it, list):        # a bare list: the views re-read
            if seg:
                valid = _flush(seg, out, kinds, valid, memo)
                seg = []
            if valid:
                valid = _minus(valid, _clobbered(it, memo))
            _block(it, kinds, valid, memo)
            out.append(it)
            k += 1
        elif it.endswith(":"):
            if it.startswith("if "):
                seg.append(it)          # the condition runs in the segment
                valid = _flush(seg, out, kinds, valid, memo)
            else:
                if seg:
                    valid = _flush(seg, out, kinds, valid, memo)
                out.append(it)
            seg = []
            j = k + 1
            while j < n and (isinstance(items[j], list) or items[j].startswith(_PARTS)):
                j += 1
            parts = items[k + 1:j]
            w = None
            if valid:
                w = _header_writes(it)
                for x in parts:
                    w = _union(w, _clobbered(x, memo) if isinstance(x, list)
                               else _header_writes(x))
            # an if's parts are entered straight from its condition; a
            # loop's body again from its end, a handler from anywhere
            inner = valid if it.startswith("if ") else _minus(valid, w)
            for x in parts:
                if isinstance(x, list):
                    _block(x, kinds, inner, memo)
                out.append(x)
            valid = _minus(valid, w)
            k = j
        else:
            seg.append(it)
            k += 1
    if seg:
        _flush(seg, out, kinds, valid, memo)
    items[:] = out


_PARTS = ("else:", "except", "finally:")


def _header_writes(h):
    """The names a compound statement's header h assigns (None: any)."""
    if ":=" in h:
        return None
    if h.startswith("for "):
        return set(x.strip("() ") for x in h[4:h.find(" in ")].split(","))
    if h.startswith("except") and " as " in h:
        return set([h[h.find(" as ") + 4:-1].strip()])
    return set()


def _clobbered(items, memo):
    """The names the statements of list items assign, nested lists
    included (None: any)."""
    key = id(items)
    if key in memo:
        return memo[key]
    w = set()
    for it in items:
        if isinstance(it, list):
            x = _clobbered(it, memo)
        elif it.endswith(":"):
            x = _header_writes(it)
        else:
            x = _writes_of(it, memo)
        w = _union(w, x)
        if w is None:
            break
    memo[key] = w
    return w


def _writes_of(s, memo):
    w = memo.get(s, 0)
    if w == 0:
        w = _writes(s)
        memo[s] = w
    return w


def _union(a, b):
    if a is None or b is None:
        return None
    return a | b


def _minus(valid, w):
    """The keys of valid that writes w leave alone."""
    if not valid:
        return set()
    if w is None:
        return set()
    return set(k for k in valid if "l%d" % k[0] not in w and k[1] not in w)


def _flush(seg, out, kinds, inherit, memo):
    """Append the straight-line statements seg to out, their runs of
    accesses rewritten; -> the keys whose
    hoisted lines hold at its end."""
    accs = [[a for a in _accesses(s) if _KIND[a[2]][0] in kinds] for s in seg]
    valid = set(inherit)
    if not any(accs):
        out.extend(seg)
        if not valid:
            return valid
        for s in seg:
            valid = _minus(valid, _writes_of(s, memo))
        return valid
    hoist = {}          # statement index -> lines to put before it
    use = [[] for _ in seg]   # per statement: the accesses to rewrite
    open_runs = {}      # key (base, view) -> [first statement, accesses, inherited]
    for i, s in enumerate(seg):
        for a in accs[i]:
            view, shift = _KIND[a[2]]
            key = (a[3], view)
            r = open_runs.get(key)
            if r is None:
                r = [i, [], key in valid]
                open_runs[key] = r
            r[1].append((i, a))
        if not open_runs and not valid:
            continue
        w = _writes_of(s, memo)
        for key in list(open_runs):
            if w is None or "l%d" % key[0] in w or key[1] in w:
                _close(open_runs.pop(key), key, hoist, use)
        valid = _minus(valid, w)
    for key in list(open_runs):
        if _close(open_runs.pop(key), key, hoist, use):
            valid.add(key)
    for i, s in enumerate(seg):
        if i in hoist:
            out.extend(hoist[i])
        if use[i]:
            s = _rewrite(s, use[i])
        out.append(s)
    return valid


def _close(run, key, hoist, use):
    """Decide run (see _flush): rewrite its accesses when it is long
    enough or its hoisted lines are inherited -> whether they were."""
    first, accs, inherited = run
    if len(accs) < MIN_RUN and not inherited:
        return False
    base, view = key
    shift = _KIND[accs[0][1][2]][1]
    q = "_q%d_%d" % (base, shift)
    v = "_%s_%d" % (view, base)
    if not inherited:
        lines = hoist.setdefault(first, [])
        line_q = "%s = l%d >> %d" % (q, base, shift)
        if line_q not in lines:
            lines.append(line_q)
        lines.append("%s = %s[l%d & %d]" % (v, view, base, (1 << shift) - 1))
    for i, a in accs:
        use[i].append((a, q, v, shift))
    return True


def _rewrite(s, uses):
    """Statement s with its accesses in uses rewritten (right to left, so
    the earlier positions stay valid)."""
    for a, q, v, shift in sorted(uses, key=lambda u: -u[0][0]):
        start, end, name, base, off, store = a
        k = off >> shift
        idx = "%s + %d" % (q, k) if k else q
        if store:
            p = s.find(", ", s.find("(mem, l") + 7)
            value = s[p + 2:-1]
            s = "%s[%s] = %s" % (v, idx, value)
        else:
            s = s[:start] + "%s[%s]" % (v, idx) + s[end:]
    return s
