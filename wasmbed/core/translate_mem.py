"""Store-to-load forwarding in the fast tier's generated code (JIT only).

clang -O0 code keeps every C variable in the stack frame: a store of a
value is soon followed by a load of the same address (``ST_I32(mem, l2 +
12, l0)`` ... ``s1 = LD_I32(mem, l2 + 12)[0]``), and a load by another load
of it. ``forward(top)`` rewrites such a load, in the statement lists of one
function before rendering, as an assignment of the value already known
(``s1 = l0``): exact, because

- the two accesses have the same address (the same base variable, not
  assigned between, and the same constant offset) and the same width
  and reading (unsigned 32 bits for ``LD_I32``/``ST_I32``/``V32``, ...);
- the earlier one succeeded, so the later one cannot trap (memory never
  shrinks), and the value it would read is the one stored or read then:
  between the two, nothing runs that may write memory (any statement
  but a pure assignment or a load; a store only when it provably does
  not overlap: the same base and disjoint constant ranges) or assign a
  variable the value or address reads.

Facts flow into the body of an ``if`` whose condition is pure, never into a
loop's, and are forgotten after any compound statement.
"""

from wasmbed.core import numeric as N

_WORD = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"
_PURE = frozenset(" ()+-*&|^~<>=!0123456789abcdefxABCDEFls")

# accessor -> (reading class, size); views index by units of their size
_LOADS = {"LD_I32": ("u32", 4), "LD_I64": ("u64", 8), "LD_F64": ("f64", 8),
          "LD_U16": ("u16", 2)}
_STORES = {"ST_I32": ("u32", 4), "ST_I64": ("u64", 8), "ST_F64": ("f64", 8),
           "ST_U16": ("u16", 2)}
_VIEWS = {"V32": ("u32", 4, 2), "V64": ("u64", 8, 3), "VD": ("f64", 8, 3)}


def _names(e):
    """The identifiers in expression text e."""
    if _simple(e):
        return set() if e.isdigit() else {e}
    for c in set(e):
        if c not in _WORD:
            e = e.replace(c, " ")
    out = set()
    for tok in e.split():
        if not tok[0].isdigit():
            out.add(tok)
    return out


def _simple(e):
    """A local/slot name or an integer literal."""
    if e.isdigit():
        return True
    return len(e) > 1 and e[0] in "ls" and e[1:].isdigit()


def _pure(e):
    """Only locals, slots, integer constants and operators that cannot
    raise (translate._pure's rule), or ``G<i>.value`` reads."""
    r = _PURES.get(e)
    if r is None:
        r = _PURES[e] = _simple(e) or _pure1(e)
    return r


_PURES = {}


def _pure1(e):
    p = e.find("G")
    while p >= 0:
        q = p + 1
        while q < len(e) and e[q].isdigit():
            q += 1
        if q == p + 1 or not e.startswith(".value", q) or (p and e[p - 1] in _WORD):
            return False
        e = e[:p] + "l0" + e[q + 6:]
        p = e.find("G")
    return _tpure(e)


def _tpure(e):
    global _tpure
    from wasmbed.core.translate import _pure as _tpure
    return _tpure(e)


def _loads_only(e):
    """Pure (_pure), or pure but for loads of memory 0 (they may trap,
    they write nothing)."""
    if "mem" in e:
        for name in ("LD_I32(", "LD_I64(", "LD_F64(", "LD_U16(", "LD_S32(",
                     "LD_S16(", "LD_S8("):
            e = e.replace(name, "(")
        e = e.replace(")[0]", ")").replace("(mem, ", "(").replace("mem[", "(")
        e = e.replace("]", ")")
        for name in _VIEWS:
            e = e.replace(name + "[", "(")
        if "," in e or "mem" in e:
            return False
    elif "V" in e:
        for name in _VIEWS:
            e = e.replace(name + "[", "(")
        e = e.replace("]", ")")
    return _pure(e)


def _split_args(s):
    """Top-level comma-separated parts of s."""
    out = []
    d = 0
    start = 0
    for i, c in enumerate(s):
        if c in "([":
            d += 1
        elif c in ")]":
            d -= 1
        elif c == "," and d == 0:
            out.append(s[start:i].strip())
            start = i + 1
    out.append(s[start:].strip())
    return out


def _place(addr):
    """(base text or None, constant byte offset) of a byte address."""
    if addr.isdigit():
        return None, int(addr)
    p = addr.rfind(" + ")
    if p > 0 and addr[p + 3:].isdigit() and _simple(addr[:p]):
        return addr[:p], int(addr[p + 3:])
    return addr, 0


def _view_place(idx, shift):
    """(base, byte offset) of a view index ``(B >> s) + k`` / ``(B >> s)``
    / ``k`` (B aligned: the view was chosen for it), else (idx text, 0)
    marked with the view's shift so it only matches itself."""
    if idx.isdigit():
        return None, int(idx) << shift
    k = 0
    e = idx
    p = e.rfind(" + ")
    if p > 0 and e[p + 3:].isdigit():
        k = int(e[p + 3:])
        e = e[:p]
    tail = " >> %d)" % shift
    if e.startswith("(") and e.endswith(tail) and _simple(e[1:-len(tail)]):
        return e[1:-len(tail)], k << shift
    return "%s#%d" % (idx, shift), 0


def _access(st):
    """Classify a statement: ("load", target, key) / ("store", key,
    value) / None. key = (base, offset, size, class). Cached per text
    (_ACC, emptied per function by forward)."""
    r = _ACC.get(st, 0)
    if r == 0:
        r = _ACC[st] = _access1(st) if "mem" in st or "V" in st else None
    return r


_ACC = {}


def _access1(st):
    p = st.find(" = ")
    if p > 0 and _simple(st[:p]) and not st[0].isdigit():
        t = st[:p]
        r = st[p + 3:]
        q = r.find("(mem, ")
        if q > 0 and r[:q] in _LOADS and r.endswith(")[0]"):
            cls, size = _LOADS[r[:q]]
            addr = r[q + 6:-4]
            if _balanced(addr):
                b, off = _place(addr)
                return ("load", t, (b, off, size, cls))
        if r.startswith("mem[") and r.endswith("]") and _balanced(r[4:-1]):
            b, off = _place(r[4:-1])
            return ("load", t, (b, off, 1, "u8"))
        q = r.find("[")
        if q > 0 and r[:q] in _VIEWS and r.endswith("]") and _balanced(r[q + 1:-1]):
            cls, size, sh = _VIEWS[r[:q]]
            b, off = _view_place(r[q + 1:-1], sh)
            return ("load", t, (b, off, size, cls))
        return None
    q = st.find("(mem, ")
    if q > 0 and st[:q] in _STORES and st.endswith(")"):
        parts = _split_args(st[q + 6:-1])
        if len(parts) == 2:
            cls, size = _STORES[st[:q]]
            b, off = _place(parts[0])
            return ("store", (b, off, size, cls), parts[1])
        return None
    p = st.find("] = ")
    if p > 0:
        head = st[:p]
        q = head.find("[")
        if q > 0 and _balanced(head[q + 1:]):
            v = st[p + 4:]
            if head[:q] == "mem":
                b, off = _place(head[q + 1:])
                return ("store", (b, off, 1, "u8"), v)
            if head[:q] in _VIEWS:
                cls, size, sh = _VIEWS[head[:q]]
                b, off = _view_place(head[q + 1:], sh)
                return ("store", (b, off, size, cls), v)
    return None


def _balanced(s):
    if ")" not in s and "]" not in s:
        return "(" not in s and "[" not in s
    d = 0
    for c in s:
        if c in "([":
            d += 1
        elif c in ")]":
            d -= 1
            if d < 0:
                return False
    return d == 0


def _disjoint(k1, k2):
    """Do accesses k1 and k2 provably not overlap?"""
    if k1[0] != k2[0]:
        return False
    return k1[1] + k1[2] <= k2[1] or k2[1] + k2[2] <= k1[1]


def _kill_name(facts, name):
    for k in [k for k in facts if name in facts[k][1]]:
        del facts[k]


def _fwd_info(st):
    """What statement st means to forward (cached per text in _FWD):
    ("L", target, key, deps or None) a load (deps: the names the fact
    reads, None when the load assigns its own address), ("S", key, fact
    or None) a store (fact: (value text, names it reads)), ("A", name) /
    ("G", name) an assignment that only kills the facts reading name,
    ("X",) anything else (kills every fact)."""
    acc = _access(st)
    if acc is not None:
        key = acc[2] if acc[0] == "load" else acc[1]
        if (key[0] is not None and not _pure(key[0].split("#")[0])) or (
                acc[0] == "store" and not _loads_only(acc[2])):
            return _KILL            # (not an address or value read here)
        if acc[0] == "load":
            t = acc[1]
            deps = _names(key[0] or "")
            if t in deps:
                return ("L", t, key, None)
            deps.add(t)
            return ("L", t, key, deps)
        v = acc[2]
        fact = None
        if _simple(v) or (_pure(v) and len(v) < 80):
            fact = (v if _simple(v) else "(%s)" % v if not v.startswith("(") else v,
                    _names(key[0] or "") | _names(v))
        return ("S", key, fact)
    p = st.find(" = ")
    t = st[:p] if p > 0 else ""
    if t and _simple(t) and not t[0].isdigit() and _loads_only(st[p + 3:]):
        return ("A", t)
    if t.startswith("G") and t.endswith(".value") and _pure(st[p + 3:]):
        return ("G", t[:-6])
    return _KILL


_KILL = ("X",)
_FWD = {}


def forget():
    """Drop the per-text caches of forward and group (kept for one
    function: they would only make the collector's passes longer)."""
    _FWD.clear()
    _ACC.clear()
    _PURES.clear()
    _GRP.clear()


def forward(code, facts=None, state=None):
    """Rewrite the loads of statement list `code` (and the lists nested
    in it) whose value is known; `facts` {key: (value text, names it and
    its address read, None or [list, index, alias] of the load that
    assigned the slot it names)} holds at the start of `code`. -> count
    rewritten."""
    if not facts:
        if len(code) < 2 and state is not None:
            return 0            # (one statement and no facts: nothing known)
        facts = {}
    if state is None:
        state = [0]
        _FWD.clear()
        _ACC.clear()
        _PURES.clear()
    info = _FWD
    n = 0
    i = 0
    while i < len(code):
        st = code[i]
        if isinstance(st, list):
            facts = {}
            i += 1
            continue
        nested = i + 1 < len(code) and isinstance(code[i + 1], list)
        if st.endswith(":"):
            if nested:
                inner = None
                if st.startswith("if ") and _pure(st[3:-1]):
                    inner = facts
                n += forward(code[i + 1], dict(inner) if inner is not None else None, state)
                j = i + 2
                if (j + 1 < len(code) and code[j] == "else:"
                        and isinstance(code[j + 1], list)):
                    # the else arm starts from the facts before the if
                    n += forward(code[j + 1], dict(inner) if inner is not None else None, state)
                    i = j
            facts = {}
            i += 2 if nested else 1
            continue
        if not facts and "mem" not in st and "V" not in st:
            i += 1              # (not an access: it could only kill facts)
            continue
        acc = info.get(st)
        if acc is None:
            acc = info[st] = _fwd_info(st)
        kind = acc[0]
        if kind == "L":
            _k, t, key, deps = acc
            got = facts.get(key) if facts else None
            if got is not None:
                v = got[0]
                box = got[2]
                if box is not None:
                    # the value is the slot an earlier load assigned: read
                    # it through an alias of its own (translate._fold_slots
                    # may fold that slot's definition into its one use)
                    if box[2] is None:
                        box[2] = "_m%d" % state[0]
                        state[0] += 1
                        c, k = box[0], box[1]
                        q = c[k].find(" = ")
                        c[k] = "%s = %s = %s" % (c[k][:q], box[2], c[k][q + 3:])
                    v = box[2]
                code[i] = "%s = %s" % (t, v)
                n += 1
                _kill_name(facts, t)
                if t not in got[1]:
                    facts[key] = got
            else:
                if facts:
                    _kill_name(facts, t)
                if deps is not None:
                    facts[key] = (t, deps, [code, i, None] if t[0] == "s" else None)
        elif kind == "S":
            _k, key, fact = acc
            if facts:
                for k in [k for k in facts if not _disjoint(k, key)]:
                    del facts[k]
            if fact is not None:
                facts[key] = (fact[0], fact[1], None)
        elif kind == "A" or kind == "G":
            if facts:
                _kill_name(facts, acc[1])
        elif facts:
            facts = {}
        i += 1
    return n


# -- grouped loads ---------------------------------------------------------
# Loads from one base in straight-line code, with only pure assignments and
# other loads between them, read as one struct call returning a tuple
# (``l4, l5 = LG_II(mem, l2 + 4)``): exact, because nothing between them
# writes memory or can raise anything but the same out-of-bounds trap
# (loads and pure assignments have no effect a trap leaves visible), and
# the group traps exactly when one of its members would (its span ends
# where the member reaching furthest ends).

# (soft float mode: an f64 is its bits, as LD_F64 reads it)
_FMT = {"u32": "I", "u64": "Q", "f64": "Q" if N.soft else "d", "u16": "H",
        "u8": "B"}
MAX_GROUP = 8              # members per grouped load
_GROUPS = {}


def ld_group(fmt):
    """The unpack_from of struct format fmt (one per format)."""
    f = _GROUPS.get(fmt)
    if f is None:
        import struct
        f = struct.Struct(fmt).unpack_from
        _GROUPS[fmt] = f
    return f


def _plain_load(st):
    """(target, key) of a struct or byte load of memory 0 (not a view),
    else None."""
    acc = _access(st)
    if acc is None or acc[0] != "load":
        return None
    t, key = acc[1], acc[2]
    if key[0] is None or not _simple(key[0]):
        return None
    r = st[st.find(" = ") + 3:]
    if r[:1] == "V":
        return None
    return t, key


def _grp_info(st):
    """What statement st means to group (cached per text in _GRP): None
    when it ends a run (not an assignment of a pure or loads-only value
    to a local or slot), else (target, _plain_load(st), the names its
    value reads)."""
    p = st.find(" = ")
    t = st[:p] if p > 0 else ""
    if not (t and _simple(t) and not t[0].isdigit() and _loads_only(st[p + 3:])):
        return None
    return (t, _plain_load(st), _names(st[p + 3:]))


_GRP = {}


def group(code, need, info=None):
    """Group the loads of statement list `code` (and of the lists nested
    in it); ``need(name, init)`` declares a prelude name. -> loads saved."""
    if info is None:
        info = _GRP
        info.clear()
    saved = 0
    if len(code) < 2:
        if code and isinstance(code[0], list):
            return group(code[0], need, info)
        return 0
    for item in code:
        if isinstance(item, list):
            saved += group(item, need, info)
    i = 0
    n = len(code)
    dropped = False
    while i < n:
        st = code[i]
        if st is None or isinstance(st, list) or "mem" not in st:
            i += 1
            continue
        g = _plain_load(st)
        if g is None:
            i += 1
            continue
        t0, k0 = g
        base = k0[0]
        if t0 == base:
            i += 1                  # (the base changes right here)
            continue
        members = [(i, t0, k0)]
        seen = _names(st[st.find(" = ") + 3:])       # read or assigned
        seen.add(t0)
        j = i + 1
        while j < n and len(members) < MAX_GROUP:
            s = code[j]
            if s is None:
                j += 1
                continue
            if isinstance(s, list) or s.endswith(":"):
                break
            h = info.get(s, 0)
            if h == 0:
                h = info[s] = _grp_info(s)
            if h is None:
                break
            t = h[0]
            if t == base:
                break
            m = h[1]
            if (m is not None and m[1][0] == base and t not in seen
                    and all(m[1][1] + m[1][2] <= k[1] or k[1] + k[2] <= m[1][1]
                            for _i, _t, k in members)):
                members.append((j, t, m[1]))
            seen |= h[2]
            seen.add(t)
            j += 1
        if len(members) < 2:
            i += 1
            continue
        order = sorted(members, key=lambda m: m[2][1])
        fmt = "<"
        at = order[0][2][1]
        for _i, _t, k in order:
            if k[1] > at:
                fmt += "%dx" % (k[1] - at)
            fmt += _FMT[k[3]]
            at = k[1] + k[2]
        name = "LG_" + fmt[1:]
        need(name, "ld_group(%r)" % fmt)
        off = order[0][2][1]
        addr = "%s + %d" % (base, off) if off else base
        code[i] = "%s = %s(mem, %s)" % (", ".join(m[1] for m in order), name, addr)
        for idx, _t, _k in members[1:]:
            code[idx] = None
        dropped = True
        saved += len(members) - 1
        i += 1
    if dropped:
        code[:] = [s for s in code if s is not None]
    return saved
