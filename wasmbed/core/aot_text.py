"""How an AOT module's bind factories are laid out (host only).

``translate.function_source`` writes one ``bind_<i>(ctx)`` factory per
function: a preamble of ``name = expr`` lines that read the instance
(``term = ctx.term``, ``TB0 = ctx.tables[0]``, ...), the nested ``def``s of
the function and ``return <entry>``. Imported on a board, every Python
function of an ``.mpy`` costs heap even when its code stays in flash (its
raw code, a slot in the module's globals and in BINDERS, the function
object, its name), about 110 bytes per wasm function. ``group_binders``
therefore merges the factories of GROUP consecutive functions into one
``bind_<k>(ctx)`` that runs their preambles once and returns the tuple of
their entries, and BINDERS becomes the tuple of those group factories
(``fast.install`` with ``group``; the instance's Ctx binds every group
when it is made: a first-call stub would cost more than the function).

A preamble name that two functions of a group assign differently (e.g.
the br_table constants ``BT0``) is renamed in the later function. A
nested function that nothing else names is defined as ``_f`` and then
bound to its own name, so that the module's functions share one name (a
board holds each distinct function name of an .mpy in RAM, local names
not at all). A factory not in that shape (a preamble line other than an
assignment) makes the whole module fall back to one factory per function
(``group_binders`` returns None).
"""

GROUP = 16      # functions bound together by one group factory


def _ident_char(c):
    return c.isalpha() or c.isdigit() or c == "_"


def _assignment(ln):
    """A preamble line `` name = expr`` -> (name, expr), else None."""
    j = 1
    while j < len(ln) and _ident_char(ln[j]):
        j += 1
    if j == 1 or ln[1].isdigit() or not ln.startswith(" = ", j):
        return None
    return ln[1:j], ln[j + 3:]


def _rename(text, names):
    """``text`` with the identifiers in ``names`` ({old: new}) renamed,
    quoted literals (one line each, as repr() writes them) untouched."""
    if not names:
        return text
    out = []
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == "'" or c == '"':
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif _ident_char(c):
            j = i
            while j < n and _ident_char(text[j]):
                j += 1
            w = text[i:j]
            out.append(w if c.isdigit() else names.get(w, w))
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _split(fidx, src):
    """One factory's text -> ([(name, expr)], body lines, entry), or None
    when it is not a preamble, defs and a final return."""
    lines = src.rstrip("\n").split("\n")
    if not lines or not lines[0].startswith("def bind_"):
        return None
    pre = []
    body = []
    entry = None
    for ln in lines[1:]:
        if entry is not None:
            if ln.strip():
                return None     # something after the return
            continue
        if ln.startswith("  ") or ln.startswith(" def ") or not ln.strip():
            body.append(ln)
        elif ln.startswith(" return "):
            entry = ln[8:]
        elif not body:
            a = _assignment(ln)
            if a is None:
                return None
            pre.append(a)
        else:
            return None         # a preamble line after the defs
    if entry is None:
        return None
    return pre, body, entry


def _identifiers(text):
    """{identifier: occurrences} in ``text`` outside quoted literals."""
    seen = {}

    def count(w):
        seen[w] = seen.get(w, 0) + 1
        return w
    _rename(text, _Counter(count))
    return seen


class _Counter:
    """A rename table that renames nothing and counts the lookups."""

    def __init__(self, count):
        self.count = count

    def __bool__(self):
        return True

    def get(self, w, default):
        self.count(w)
        return default


def _shared_names(body, entry):
    """``body``'s lines with each nested function that nothing else names
    (its ``def`` line and the entry aside) defined as ``_f`` and then
    bound to its own name: a board holds one copy of each distinct
    function name of an .mpy in RAM (a qstr), the names of locals none."""
    text = "\n".join(body) + "\n" + entry
    uses = _identifiers(text)
    if "_f" in uses:        # the shared name is taken
        return body
    in_entry = _identifiers(entry)
    out = []
    pending = None
    for ln in body:
        if ln.startswith(" def "):
            if pending is not None:
                out.append(" %s = _f" % pending)
                pending = None
            name = ln[5:ln.index("(")]
            if uses.get(name, 0) == 1 + in_entry.get(name, 0):
                ln = " def _f" + ln[5 + len(name):]
                pending = name
        out.append(ln)
    if pending is not None:
        out.append(" %s = _f" % pending)
    return out


def _group(k, parts):
    """``parts`` [(function index, factory text)] -> the text of
    ``bind_<k>(ctx)``, or None (see _split)."""
    assigned = {}
    pre_out = []
    body_out = []
    entries = []
    for fidx, src in parts:
        split = _split(fidx, src)
        if split is None:
            return None
        pre, body, entry = split
        renames = {}
        for name, expr in pre:
            expr = _rename(expr, renames)
            have = assigned.get(name)
            if have is not None and have != expr:
                renames[name] = new = "%s_%d" % (name, fidx)
                name = new
                have = assigned.get(name)
            if have is None:
                assigned[name] = expr
                pre_out.append(" %s = %s" % (name, expr))
        body = _rename("\n".join(body), renames).split("\n")
        entry = _rename(entry, renames)
        body_out.append("\n".join(_shared_names(body, entry)))
        entries.append(entry)
    return "def bind_%d(ctx):\n%s\n%s\n return (%s,)\n" % (
        k, "\n".join(pre_out), "\n".join(body_out), ", ".join(entries))


def group_binders(sources):
    """``sources`` [(function index, factory text)] of the module's defined
    functions, in order -> (the group factories' text, the BINDERS
    expression), or None when some factory is not in the expected shape."""
    out = []
    names = []
    for k in range(0, len(sources), GROUP):
        text = _group(k // GROUP, sources[k:k + GROUP])
        if text is None:
            return None
        out.append("\n")
        out.append(text)
        names.append("bind_%d" % (k // GROUP))
    return "".join(out), "(%s)" % "".join(n + ", " for n in names)
