"""What `wasmbed inspect` prints: a module's sections, types, imports,
definitions, exports and segments, one line each, read from its decoded
form (host only).

``describe(data) -> list[str]`` for the bytes of a binary module; raises
MalformedModule. Stable enough for people and greps, not a data format:
use LoadedModule.import_types() / export_types() for that.
"""

from wasmbed.core.decode import decode_module
from wasmbed.core.module import (
    EXT_NAME, EXT_FUNC, EXT_TABLE, EXT_MEMORY, valtype_name, MODE_ACTIVE,
    MODE_PASSIVE)

SECTION_NAMES = ("custom", "type", "import", "function", "table", "memory",
                 "global", "export", "start", "element", "code", "data",
                 "datacount")


def _limits(lim):
    s = "min %d" % lim.min
    if lim.max is not None:
        s += " max %d" % lim.max
    if lim.shared:
        s += " shared"
    if lim.is64:
        s += " i64"
    return s


def _functype(t):
    if not hasattr(t, "params"):        # GC struct and array types
        return repr(t)
    parts = ["func"]
    if t.params:
        parts.append("(param %s)" % " ".join(valtype_name(v) for v in t.params))
    if t.results:
        parts.append("(result %s)" % " ".join(valtype_name(v) for v in t.results))
    return "(%s)" % " ".join(parts)


def _desc(kind, desc, module):
    if kind == EXT_FUNC:
        if desc >= len(module.types):
            return "type %d (unknown)" % desc
        return "type %d %s" % (desc, _functype(module.types[desc]))
    if kind == EXT_TABLE:
        return "%s %s" % (valtype_name(desc.elem), _limits(desc.limits))
    if kind == EXT_MEMORY:
        return _limits(desc.limits)
    return "%s%s" % ("mut " if desc.mutable else "", valtype_name(desc.valtype))


def describe(data):
    """The lines ``wasmbed inspect`` prints for the module bytes ``data``.
    Raises MalformedModule."""
    sections = []
    m = decode_module(data, sections=sections)
    out = ["size: %d bytes" % len(data)]
    customs = iter(m.customs)
    for sid, offset, size in sections:
        extra = ""
        if sid == 0:
            extra = " %r" % next(customs).name
        out.append("section %-9s offset 0x%06x size %d%s" % (
            SECTION_NAMES[sid], offset, size, extra))
    for i, t in enumerate(m.types):
        out.append("type %d: %s" % (i, _functype(t)))
    for imp in m.imports:
        out.append("import %s %r.%r: %s" % (
            EXT_NAME[imp.kind], imp.module, imp.name,
            _desc(imp.kind, imp.desc, m)))
    out.append("functions: %d (%d imported, %d defined)" % (
        len(m.func_types), m.num_imported_funcs, len(m.funcs)))
    for i, t in enumerate(m.tables):
        out.append("table %d: %s" % (m.num_imported_tables + i,
                                     _desc(EXT_TABLE, t, m)))
    for i, mt in enumerate(m.mems):
        out.append("memory %d: %s" % (m.num_imported_mems + i,
                                      _limits(mt.limits)))
    for i, g in enumerate(m.globals):
        out.append("global %d: %s" % (m.num_imported_globals + i,
                                      _desc(3, g.type, m)))
    for e in m.exports:
        out.append("export %r: %s %d" % (e.name, EXT_NAME[e.kind], e.index))
    if m.start is not None:
        out.append("start: function %d" % m.start)
    for i, e in enumerate(m.elems):
        mode = ("active table %d" % e.table if e.mode == MODE_ACTIVE else
                "passive" if e.mode == MODE_PASSIVE else "declarative")
        out.append("elem %d: %s %s, %d entries" % (
            i, valtype_name(e.type), mode, len(e.init)))
    for i, d in enumerate(m.datas):
        mode = ("active memory %d" % d.memory if d.mode == MODE_ACTIVE
                else "passive")
        out.append("data %d: %s, %d bytes" % (i, mode, len(d.init)))
    out.append("data count: %s" % (
        "absent" if m.data_count is None else m.data_count))
    for c in m.customs:
        out.append("custom %r: offset 0x%06x, %d bytes" % (
            c.name, c.offset, len(c.data)))
    if m.names is not None and m.names["module"] is not None:
        out.append("module name: %r" % m.names["module"])
    return out
