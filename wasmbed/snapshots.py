"""Instance.snapshot() and Runtime.restore(): the embedding side of
core/snapshot.py (the format is described there and in docs/SUSPEND.md).
Imported only when a snapshot is taken or restored."""

from wasmbed.core import errors as E
from wasmbed.core import numeric as _N
from wasmbed.core import snapshot as S
from wasmbed.core.errors import SnapshotError
from wasmbed.core.module import FuncType


def _crc():
    """binascii's crc32 where the host has it (CPython, most MicroPython
    ports), else the pure-Python one of core/snapshot.py (the same
    values)."""
    try:
        import binascii
        return binascii.crc32
    except (ImportError, AttributeError):
        return S.crc32


def _module_id(lm, crc):
    i = lm._id
    if i is None:
        b = lm._binary
        if b is None:
            raise SnapshotError(S.SNAP_MALFORMED % "the module has no binary to name it by")
        i = lm._id = (len(b), crc(b, 0) & 0xFFFFFFFF)
    return i


def _float_mode():
    return "soft" if _N.soft else "hard"


def take(inst):
    """-> snapshot bytes of Instance inst (see Instance.snapshot)."""
    if inst.cluster is not None:
        raise SnapshotError(S.SNAP_CLUSTER)
    for env in [inst._default_env] + inst._envs + inst._spawned:
        if env is not None and env.stack_used:
            raise SnapshotError(S.SNAP_RUNNING)
    crc = _crc()
    s = inst._suspended
    env = inst._default_env if s is None else s._env
    meter = env._fuel
    call = None
    if s is not None:
        call = S.call_state(inst.core, s, s._call_results, meter)
    wasi = None
    if inst.wasi is not None:
        from wasmbed.wasi.snapshot import state
        wasi = state(inst.wasi)
    heap = None
    h = inst._app_heap
    if h is not None:
        heap = [h.free_list, [[k, h.used[k]] for k in sorted(h.used)]]
    envp = [env.stack_size, None, None]
    if meter is not None:
        envp[1] = meter.cell[0]
        envp[2] = meter.on_exhausted
    return S.take(inst.core, _module_id(inst.module, crc), _float_mode(),
                  wasi, heap, envp, call, crc)


def restore(rt, module, data, imports, wasi):
    """-> a new Instance of LoadedModule module in the state of snapshot
    bytes data (see Runtime.restore)."""
    crc = _crc()
    body = S.unseal(data, crc)
    r, pre = S.read_body(body, _module_id(module, crc), _float_mode())
    wst, heap, envp = pre
    cfg = None
    if wst is not None:
        from wasmbed.wasi import WasiConfig
        args, env, dirs = wst[0], wst[1], wst[2]
        if wasi is None:
            cfg = WasiConfig(args, env, [(h, g) for g, h in dirs])
        else:
            cfg = WasiConfig(args, env, [(h, g) for g, h in wasi.dirs],
                             wasi.stdin, wasi.stdout, wasi.stderr, wasi.max_fds)
    elif wasi is not None:
        cfg = wasi
    try:
        stack_size, fuel, mode = envp
    except (TypeError, ValueError):
        raise SnapshotError(S.SNAP_MALFORMED % "exec env")
    inst = rt._make(module, stack_size, 0, cfg, imports, None, False)
    try:
        core = inst.core
        rest = S.read_rest(r, core)
        S.apply(core, rest)
        if wst is not None:
            from wasmbed.wasi.snapshot import restore as wasi_restore
            wasi_restore(inst.wasi, wst)
        if heap is not None:
            from wasmbed.app_heap import AppHeap
            h = AppHeap(0, 0)
            h.free_list = heap[0]
            h.used = dict((k, n) for k, n in heap[1])
            inst._app_heap = h
        env = inst._default_env
        if fuel is not None:
            env.set_fuel(fuel, mode)
        call = rest[5]
        if call is not None:
            fz = S.frozen(core, call, env._fuel)
            reason, value, hres, cres = call[0], call[1], call[2], call[3]
            s = E.Suspended(value, reason, tuple(hres))
            s.frozen = fz
            env._suspended(s, FuncType((), tuple(cres)))
    except BaseException:
        inst.deinstantiate()
        raise
    return inst
