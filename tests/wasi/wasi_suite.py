"""Locating and preparing the official wasi-testsuite cases.

Layout (../shared/suites/wasi-testsuite/tests/<lang>/testsuite/wasm32-wasip1):
NAME.wasm with an optional NAME.json holding "args", "env", "dirs",
"exit_code" (default 0) and "stdout" (compared only when present, as the
upstream runner does). "dirs" are directories next to the .wasm, preopened
under their own name; the test runs with its working directory holding them.
"""

import json
import os
import shutil
import stat

LANGS = ("c", "rust", "assemblyscript")
TARGET = "wasm32-wasip1"


def suites_root():
    default = os.path.join(os.path.dirname(__file__), "..", "..", "..",
                           "shared", "suites")
    return os.path.abspath(os.environ.get("WASMBED_SUITES", default))


def testsuite_dir():
    return os.path.join(suites_root(), "wasi-testsuite", "tests")


def available():
    return os.path.isdir(testsuite_dir())


class Case:
    def __init__(self, lang, wasm):
        self.lang = lang
        self.wasm = wasm
        self.name = os.path.basename(wasm)[:-len(".wasm")]
        self.dir = os.path.dirname(wasm)
        spec = {}
        js = wasm[:-len(".wasm")] + ".json"
        if os.path.exists(js):
            with open(js, encoding="utf-8") as f:
                spec = json.load(f)
        self.args = list(spec.get("args", []))
        self.env = dict(spec.get("env", {}))
        self.dirs = list(spec.get("dirs", []))
        self.exit_code = spec.get("exit_code", 0)
        self.stdout = spec.get("stdout")        # None: not compared

    @property
    def id(self):
        return "%s/%s" % (self.lang, self.name)

    def prepare(self, workdir):
        """Copy the case's directories into ``workdir`` (writable, without
        leftovers named *.cleanup); return [(host_path, guest_name)]."""
        out = []
        for d in self.dirs:
            src = os.path.join(self.dir, d)
            dst = os.path.join(workdir, d)
            shutil.copytree(src, dst, symlinks=True,
                            ignore=shutil.ignore_patterns("*.cleanup"))
            for root, dirs, files in os.walk(dst):
                os.chmod(root, os.stat(root).st_mode | stat.S_IWUSR
                         | stat.S_IRUSR | stat.S_IXUSR)
                for f in files:
                    p = os.path.join(root, f)
                    if not os.path.islink(p):
                        os.chmod(p, os.stat(p).st_mode | stat.S_IWUSR
                                 | stat.S_IRUSR)
            out.append((dst, d))
        return out


def thread_cases():
    """The wasi-threads proposal's cases (proposals/wasi-threads/*.wasm)."""
    out = []
    d = os.path.join(testsuite_dir(), "proposals", "wasi-threads")
    if os.path.isdir(d):
        for name in sorted(os.listdir(d)):
            if name.endswith(".wasm"):
                out.append(Case("wasi-threads", os.path.join(d, name)))
    return out


def cases():
    """Every case of the C, Rust and AssemblyScript preview1 suites."""
    out = []
    if not available():
        return out
    for lang in LANGS:
        d = os.path.join(testsuite_dir(), lang, "testsuite", TARGET)
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            if name.endswith(".wasm"):
                out.append(Case(lang, os.path.join(d, name)))
    return out
