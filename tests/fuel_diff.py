"""Fuel consumed by spec scripts, per command, on one tier (for the
differential check of tests/test_fuel.py and benchmarks).

``run_script(path, mode)`` runs one spec-json script with every action and
every instantiation metered (FUEL units each) and returns
(passed, failed, [(command line, outcome, fuel left)]).
"""
import io

from wasmbed.wast import ExecRunner, SPEC_STACK_SIZE
from wasmbed.runtime import ExecEnv, LoadedModule
from wasmbed.core.errors import WasmError
from wasmbed.core.instance import WasmFunction, HostFunction
from wasmbed.core.table import Global

FUEL = 10 ** 9


class FuelRunner(ExecRunner):
    """ExecRunner that meters everything and records the fuel left."""

    def __init__(self, mode):
        ExecRunner.__init__(self, out=io.StringIO(), mode=mode)
        self.log = []

    def instantiate(self, cmd):
        module = self.load(cmd)
        mod = LoadedModule(self.rt, module, None)
        try:
            inst = self.rt.instantiate(mod, stack_size=SPEC_STACK_SIZE, fuel=FUEL)
        except WasmError as e:
            self.log.append((cmd.get("line"), "inst-error " + str(e), None))
            raise
        self.log.append((cmd.get("line"), "inst", inst.default_exec_env().get_fuel()))
        return inst

    def do_action(self, action):
        inst = self.target(action)
        ext = inst.core.exports.get(action["field"])
        if action["type"] != "invoke" or not isinstance(ext, (WasmFunction, HostFunction)):
            return ExecRunner.do_action(self, action)
        from wasmbed.wast import parse_value
        args = [parse_value(a) for a in action.get("args", ())]
        env = ExecEnv(inst, SPEC_STACK_SIZE)
        env.set_fuel(FUEL)
        try:
            r = env.invoke_raw(ext, args)
        except WasmError as e:
            self.log.append((action.get("field"), "trap " + str(e), env.get_fuel()))
            raise
        self.log.append((action.get("field"), "ok", env.get_fuel()))
        return r


def run_script(path, mode):
    r = FuelRunner(mode)
    r.run_json(path)
    return r.passed, r.failed, r.log


def compare(path):
    """-> (number of metered commands, [differences]) between the tiers;
    a "call stack exhausted" trap is left out (the tiers' depth limits
    differ, so does the fuel spent before reaching them)."""
    pa, fa, a = run_script(path, "interp")
    pb, fb, b = run_script(path, "fast")
    compare.passed = getattr(compare, "passed", 0) + pa + pb
    compare.failed = getattr(compare, "failed", 0) + fa + fb
    diffs = []
    if len(a) != len(b):
        diffs.append(("length", len(a), len(b)))
    for x, y in zip(a, b):
        if "call stack exhausted" in x[1] and "call stack exhausted" in y[1]:
            continue
        if x != y:
            diffs.append((x, y))
    return len(a), diffs


if __name__ == "__main__":
    import glob
    import sys
    import time
    paths = sys.argv[1:] or sorted(glob.glob("../shared/suites/spec-json/core/*/*.json"))
    total = 0
    bad = 0
    t0 = time.time()
    for p in paths:
        n, d = compare(p)
        total += n
        if d:
            bad += len(d)
            print(p, d[:3])
    print("%d metered commands, %d differences, %.0f s; spec commands under fuel "
          "(both tiers): %d passed, %d failed" % (total, bad, time.time() - t0,
                                                  compare.passed, compare.failed))
