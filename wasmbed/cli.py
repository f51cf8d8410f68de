"""The ``wasmbed`` command line: ``run | wast | compile | inspect``.

``main(argv=None) -> int`` returns the exit status. Expected failures (a
missing file, a malformed module) print one line ``wasmbed: error: ...`` to
stderr and return 1; usage errors return 2 (argparse's convention).

For now this imports wasmbed.wast(_exec) and wasmbed.core.decode directly;
it will go through the public ``wasmbed`` API once that offers loading.
"""

import argparse
import sys

from wasmbed import __version__
from wasmbed.core.decode import decode_module
from wasmbed.core.errors import WasmError
from wasmbed.core.module import (
    EXT_NAME, EXT_FUNC, EXT_TABLE, EXT_MEMORY, VALTYPE_NAME, MODE_ACTIVE,
    MODE_PASSIVE)

SECTION_NAMES = ("custom", "type", "import", "function", "table", "memory",
                 "global", "export", "start", "element", "code", "data",
                 "datacount")


def _error(msg):
    sys.stderr.write("wasmbed: error: %s\n" % msg)


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def _limits(lim):
    s = "min %d" % lim.min
    if lim.max is not None:
        s += " max %d" % lim.max
    if lim.shared:
        s += " shared"
    return s


def _functype(t):
    parts = ["func"]
    if t.params:
        parts.append("(param %s)" % " ".join(VALTYPE_NAME[v] for v in t.params))
    if t.results:
        parts.append("(result %s)" % " ".join(VALTYPE_NAME[v] for v in t.results))
    return "(%s)" % " ".join(parts)


def _desc(kind, desc, module):
    if kind == EXT_FUNC:
        if desc >= len(module.types):
            return "type %d (unknown)" % desc
        return "type %d %s" % (desc, _functype(module.types[desc]))
    if kind == EXT_TABLE:
        return "%s %s" % (VALTYPE_NAME[desc.elem], _limits(desc.limits))
    if kind == EXT_MEMORY:
        return _limits(desc.limits)
    return "%s%s" % ("mut " if desc.mutable else "", VALTYPE_NAME[desc.valtype])


def inspect_lines(data):
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
            i, VALTYPE_NAME[e.type], mode, len(e.init)))
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


def cmd_inspect(args):
    try:
        data = _read(args.file)
        lines = inspect_lines(data)
    except OSError as e:
        _error("cannot read %s: %s" % (args.file, e.strerror or e))
        return 1
    except WasmError as e:
        _error("%s: %s: %s" % (args.file, type(e).__name__, e))
        return 1
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def cmd_wast(args):
    try:   # the runner with the execution commands, when the runtime is there
        from wasmbed.wast_exec import ExecRunner as Runner
    except ImportError:
        from wasmbed.wast import WastRunner as Runner
    only = None
    if args.only:
        only = [k.strip() for k in args.only.split(",") if k.strip()]
    runner = Runner(out=sys.stdout, only=only, mode=args.mode)
    for path in args.files:
        try:
            runner.run_path(path)
        except (OSError, ValueError) as e:
            _error("%s: %s" % (path, e))
            return 1
    return runner.report()


def cmd_not_implemented(args):
    _error("%s: not implemented yet" % args.command)
    return 2


def build_parser():
    p = argparse.ArgumentParser(
        prog="wasmbed",
        description="A WebAssembly runtime for constrained and sandboxed hosts.")
    p.add_argument("--version", action="version", version=__version__)
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    w = sub.add_parser("wast", help="run spec scripts (.json, .wast, dirs)")
    w.add_argument("files", nargs="+", metavar="FILE")
    w.add_argument("--only", metavar="KINDS",
                   help="comma-separated command kinds to run "
                        "(e.g. assert_malformed,assert_invalid)")
    w.add_argument("--mode", choices=("interp", "fast"), default=None)
    w.set_defaults(func=cmd_wast)

    i = sub.add_parser("inspect", help="print the structure of a module")
    i.add_argument("file", metavar="FILE.wasm")
    i.set_defaults(func=cmd_inspect)

    for name, text in (("run", "run a module (not implemented yet)"),
                       ("compile", "AOT-compile a module (not implemented yet)")):
        r = sub.add_parser(name, help=text)
        r.add_argument("rest", nargs=argparse.REMAINDER)
        r.set_defaults(func=cmd_not_implemented)
    return p


def main(argv=None):
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # usage error or --help/--version
        return e.code if isinstance(e.code, int) else 2
    return args.func(args)
