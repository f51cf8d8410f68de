"""A module's exported calls run on wasmtime (the oracle) and on wasmbed,
the results side by side: a list with one entry per call, its result or
"trap". Used by the tests that check instructions against wasmtime."""

import wasmtime

from wasmbed import Trap


def wasmtime_results(wasm, calls, **features):
    """The results of ``calls`` ([(export, args)]) on wasmtime, with the
    Config features named (e.g. ``wasm_gc=True``) turned on."""
    cfg = wasmtime.Config()
    for name, on in features.items():
        setattr(cfg, name, on)
    engine = wasmtime.Engine(cfg)
    store = wasmtime.Store(engine)
    inst = wasmtime.Instance(store, wasmtime.Module(engine, wasm), [])
    out = []
    for name, args in calls:
        try:
            out.append(inst.exports(store)[name](store, *args))
        except wasmtime.Trap:
            out.append("trap")
    return out


def wasmbed_results(inst, calls, env=None):
    """The results of ``calls`` on a wasmbed Instance (through exec env
    ``env`` when given)."""
    out = []
    for name, args in calls:
        try:
            out.append(inst.call(name, *args) if env is None
                       else env.call(name, *args))
        except Trap:
            out.append("trap")
    return out
