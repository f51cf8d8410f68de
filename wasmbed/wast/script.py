"""The spec-script runner: runs the JSON form of .wast scripts.

Input is what ``wasm-tools json-from-wast`` (or wabt's ``wast2json``) writes:
a ``.json`` file whose ``commands`` list refers to module files beside it.
A ``.wast`` file is converted first when one of those tools is on PATH; a
directory stands for every ``.json`` below it.

``WastRunner(runtime_factory=None, out=None, only=None, mode=None)`` has one
method per command kind, ``cmd_<kind>(cmd)``. Implemented so far: ``module``
(decode and validate), ``assert_malformed`` (binary modules; text-format ones
are skipped and counted apart) and ``assert_invalid``. Every other kind
(instantiation, register, assert_return, assert_trap, assert_exhaustion,
assert_unlinkable, assert_uninstantiable, action, thread, wait) is counted as
skipped until an execution tier provides it: subclass or extend this class
with ``cmd_<kind>`` methods. ``runtime_factory(mode)`` will build the runtime
those need; it is stored and not called yet.

Passing rule for an expected error: the right error class is raised and its
message (without the offset) starts with the expected text, or the expected
text starts with it (a non-empty message): the reference interpreter's own
runner compares prefixes, and the suite sometimes abbreviates ("unexpected
end") and sometimes spells out ("unexpected end of section or function").

Feature set per script: scripts of the core 2.0 suite (a ``core`` directory
in ``source_filename``) are decoded with the threads extension off, because
the 2.0 binary format and the threads proposal read the limits flag
differently and their suites test identical bytes with different expected
messages (as wasmtime's runner, the choice follows the test's directory).
Likewise the 2.0-era suites (``core``, ``simd``, ``threads`` directories)
run with WebAssembly 3.0's additions off (decode_module's ``wasm3``): 3.0
made some of their invalid or malformed modules valid.

``only``: a collection of command kinds; other commands are not run and
not counted. Output: one line per failure (``source:line: kind file:
expected ..., got ...``), then a skip breakdown, then the summary as the last
line: ``N passed, M failed`` plus ``, K skipped`` when K > 0.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

from wasmbed.core.decode import decode_module
from wasmbed.core.errors import MalformedModule, InvalidModule

try:
    from wasmbed.core.validate import validate_module
except ImportError:  # the validator is not there yet: assert_invalid fails
    validate_module = None


class CommandFailed(Exception):
    """Raised by a cmd_* method: the command did not do what it asserts."""


class Skip(Exception):
    """Raised by a cmd_* method: the command cannot be run here; ``reason``
    names the bucket it is counted in."""

    def __init__(self, reason):
        Exception.__init__(self, reason)
        self.reason = reason


def message_matches(expected, got):
    """The prefix rule described in the module docstring."""
    return got.startswith(expected) or (got != "" and expected.startswith(got))


def _find_tool(name):
    """``name`` on PATH, or beside the running interpreter (a venv)."""
    found = shutil.which(name)
    if found:
        return found
    beside = os.path.join(os.path.dirname(sys.executable), name)
    return beside if os.path.exists(beside) else None


def threads_enabled_for(source):
    """False for scripts of the core 2.0 suite (see the module docstring)."""
    parts = source.replace("\\", "/").split("/")
    return not ("core" in parts and "threads" not in parts)


def wasm3_enabled_for(source):
    """False for the 2.0-era suites (core, simd, threads): their scripts
    test the 2.0 format and rules, which 3.0 changed in places (extended
    constant expressions, new opcodes, the tag section)."""
    parts = source.replace("\\", "/").split("/")
    return not ("core" in parts or "simd" in parts or "threads" in parts)


def _describe(exc):
    msg = getattr(exc, "message", None)
    if msg is None:
        msg = str(exc)
    return "%s %r" % (type(exc).__name__, msg)


class WastRunner:
    """Runs spec scripts and counts passed, failed and skipped commands."""

    def __init__(self, runtime_factory=None, out=None, only=None, mode=None):
        self.runtime_factory = runtime_factory
        self.out = out if out is not None else sys.stdout
        self.only = set(only) if only else None
        self.mode = mode
        self.passed = 0
        self.failed = 0
        self.skipped = {}           # reason -> count
        self.threads = True
        self.wasm3 = True
        self.dir = "."
        self.source = "?"

    # -- driving -----------------------------------------------------------
    def run_paths(self, paths):
        """Run every script named by ``paths`` (json, wast or directory)."""
        for path in paths:
            self.run_path(path)

    def run_path(self, path):
        if os.path.isdir(path):
            found = []
            for root, _dirs, files in os.walk(path):
                for name in files:
                    if name.endswith(".json"):
                        found.append(os.path.join(root, name))
            for f in sorted(found):
                self.run_json(f)
        elif path.endswith(".wast"):
            self.run_wast(path)
        else:
            self.run_json(path)

    def run_wast(self, path):
        """Convert a .wast with wasm-tools or wast2json, then run it."""
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, os.path.basename(path)[:-5] + ".json")
            wasm_tools = _find_tool("wasm-tools")
            wast2json = _find_tool("wast2json")
            if wasm_tools:
                cmd = [wasm_tools, "json-from-wast", path, "-o", out,
                       "--wasm-dir", tmp]
            elif wast2json:
                cmd = [wast2json, path, "-o", out]
            else:
                raise OSError("cannot run %s: neither wasm-tools nor "
                              "wast2json is installed" % path)
            proc = subprocess.run(cmd, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE)
            if proc.returncode != 0:
                raise OSError("cannot convert %s: %s" % (
                    path, proc.stderr.decode(errors="replace").strip()))
            self.run_json(out)

    def run_json(self, path):
        """Run the JSON spec script at ``path``. Raises OSError, and
        ValueError when the file is not such a script."""
        with open(path, "rb") as f:
            data = f.read()
        try:
            script = json.loads(data)
        except ValueError:   # not JSON (or not UTF-8)
            script = None
        if not isinstance(script, dict) or not isinstance(
                script.get("commands"), list):
            raise ValueError(
                "not a spec script: expected the JSON that `wasm-tools "
                "json-from-wast` or `wast2json` writes (an object with a "
                "\"commands\" list), a .wast file, or a directory of them")
        self.dir = os.path.dirname(path)
        self.source = script.get("source_filename") or path
        self.threads = threads_enabled_for(self.source)
        self.wasm3 = wasm3_enabled_for(self.source)
        self.run_commands(script.get("commands", ()))

    def run_commands(self, commands):
        for cmd in commands:
            self.run_command(cmd)

    def run_command(self, cmd):
        kind = cmd.get("type", "?")
        if self.only is not None and kind not in self.only:
            return
        handler = getattr(self, "cmd_" + kind, None)
        if handler is None:
            self.skip(kind + " (not supported yet)")
            return
        try:
            handler(cmd)
        except Skip as s:
            self.skip(s.reason)
        except CommandFailed as e:
            self.fail(cmd, str(e))
        except Exception as e:  # a bug in the runtime: report, keep going
            self.fail(cmd, "internal error: %s" % _describe(e))
        else:
            self.passed += 1

    def skip(self, reason):
        self.skipped[reason] = self.skipped.get(reason, 0) + 1

    def fail(self, cmd, why):
        self.failed += 1
        what = cmd.get("type", "?")
        if cmd.get("filename"):
            what += " " + cmd["filename"]
        self.out.write("%s:%s: %s: %s\n" % (
            self.source, cmd.get("line", "?"), what, why))

    def summary(self):
        """The last line: ``N passed, M failed[, K skipped]``."""
        line = "%d passed, %d failed" % (self.passed, self.failed)
        total = sum(self.skipped.values())
        if total:
            line += ", %d skipped" % total
        return line

    def report(self):
        """Write the skip breakdown and the summary line."""
        if self.skipped:
            self.out.write("skipped: %s\n" % ", ".join(
                "%d %s" % (self.skipped[k], k) for k in sorted(self.skipped)))
        self.out.write(self.summary() + "\n")
        return 1 if self.failed else 0

    # -- modules -------------------------------------------------------------
    def module_bytes(self, cmd):
        """The binary module of a command (text modules come with a
        ``binary_filename`` when the converter could encode them)."""
        name = cmd.get("filename")
        if cmd.get("module_type") == "text":
            name = cmd.get("binary_filename")
            if not name:
                raise Skip("text-format module")
        with open(os.path.join(self.dir, name), "rb") as f:
            return f.read()

    def decode(self, data):
        return decode_module(data, threads=self.threads, wasm3=self.wasm3)

    def validate(self, module):
        if validate_module is None:
            raise CommandFailed("validator not available "
                                "(wasmbed.core.validate missing)")
        validate_module(module)

    def load(self, cmd):
        """Decode and validate the command's module; return the Module."""
        module = self.decode(self.module_bytes(cmd))
        self.validate(module)
        return module

    def expect_error(self, cmd, cls, run):
        expected = cmd.get("text", "")
        try:
            run()
        except cls as e:
            if not message_matches(expected, e.message):
                raise CommandFailed("expected %r, got %s" % (
                    expected, _describe(e)))
            return
        except (CommandFailed, Skip):
            raise
        except Exception as e:
            raise CommandFailed("expected %s %r, got %s" % (
                cls.__name__, expected, _describe(e)))
        raise CommandFailed("expected %s %r, but the module was accepted" % (
            cls.__name__, expected))

    # -- command kinds -------------------------------------------------------
    def cmd_module(self, cmd):
        try:
            self.load(cmd)
        except (MalformedModule, InvalidModule) as e:
            raise CommandFailed("module rejected: %s" % _describe(e))

    def cmd_assert_malformed(self, cmd):
        if cmd.get("module_type") == "text":
            raise Skip("text-format assert_malformed")
        data = self.module_bytes(cmd)
        self.expect_error(cmd, MalformedModule, lambda: self.decode(data))

    def cmd_assert_invalid(self, cmd):
        if cmd.get("module_type") == "text":
            raise Skip("text-format assert_invalid")
        data = self.module_bytes(cmd)
        self.expect_error(cmd, InvalidModule,
                          lambda: self.validate(self.decode(data)))
