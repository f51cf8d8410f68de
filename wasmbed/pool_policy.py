"""Pool policy: what a runtime in pool mode charges to its pool.

Everything a module makes the host allocate is charged to the pool first,
so the pool's size bounds the RAM a hostile module can take:

- the runtime: ``new_pool(config, platform)`` -> Pool over
  ``config.heap_buf``, else over a new bytearray of ``config.heap_size``
  (HostOutOfMemory "runtime" when the host has no RAM for it), locked by
  the platform's mutex when it has one;
- a load: the binary (copied into the pool), then its decoded form:
  with ``charges_host(config)`` (RuntimeConfig.charge_host_memory;
  default True on CPython, False on MicroPython) at the measured rates of
  core/host_charge.py, else MODULE_METADATA_FACTOR bytes per binary byte;
- an instance: INSTANCE_CHARGE, GLOBAL_CHARGE per global, FUNC_CHARGE per
  function (plus host_charge.FAST_FUNC_CHARGE on the fast tier when host
  memory is charged) and ELEM_REF_CHARGE per element segment entry;
- an exec env: its stack budget (wasmbed/exec_env.py).

Every charge raises PoolExhausted when the pool cannot hold it.
"""

import sys

from wasmbed.config import MODULE_METADATA_FACTOR
from wasmbed.core.account import Account
from wasmbed.core.errors import HostOutOfMemory

# Pool charges (bytes) for per-instance structures whose count the module
# controls; they bound what a hostile module can make the host allocate.
INSTANCE_CHARGE = 256
GLOBAL_CHARGE = 16
FUNC_CHARGE = 128     # a WasmFunction and its slot: 119 measured
ELEM_REF_CHARGE = 8

_DECODING = "decoding the module"


def new_pool(config, platform):
    """-> the Pool of a pool-mode RuntimeConfig (see the module doc)."""
    from wasmbed.pool_alloc import Pool
    buf = config.heap_buf
    if buf is None:
        try:
            buf = bytearray(config.heap_size)
        except MemoryError:
            raise HostOutOfMemory("runtime", "a pool of %d bytes"
                                  % config.heap_size)
    mutex = None
    if platform is not None and hasattr(platform, "mutex_new"):
        mutex = platform.mutex_new()
    return Pool(buf, mutex)


def charges_host(config):
    """Whether host memory is charged at its measured rates."""
    charge = config.charge_host_memory
    if charge is None:
        return sys.implementation.name != "micropython"
    return bool(charge)


def charge_load(pool, charging, data):
    """Before decoding ``data``: -> (Account holding the binary and the
    estimate of its decoded form, that estimate's block). Nothing stays
    charged when it raises."""
    acct = Account(pool)
    n = len(data)
    block = acct.charge(n, "the module binary")
    pool.view(block, n)[:] = data
    try:
        if charging:
            from wasmbed.core import host_charge
            return acct, acct.charge(host_charge.load_cost(n), _DECODING)
        return acct, acct.charge(n * MODULE_METADATA_FACTOR,
                                 "the decoded module")
    except BaseException:
        acct.release()
        raise


def settle_load(acct, charging, decoding, module, n):
    """After decoding and validation: with host charging the estimate
    becomes the decoded form's cost, plus its locals; the module keeps the
    account (its lowered or translated code is charged to it later)."""
    if charging:
        from wasmbed.core import host_charge
        acct.resize(decoding, host_charge.load_cost(n, False), _DECODING)
        acct.charge(host_charge.decoded_locals_cost(module),
                    "the module's locals")
        module.host_account = acct


def instance_account(pool, m, fast_charged):
    """-> an Account charged for an instance of core Module ``m``;
    ``fast_charged``: the fast tier with host memory charged."""
    nelems = 0
    for seg in m.elems:
        nelems += len(seg.init)
    nfuncs = len(m.funcs)
    for imp in m.imports:
        nfuncs += imp.kind == 0
    per_func = FUNC_CHARGE
    if fast_charged:
        from wasmbed.core.host_charge import FAST_FUNC_CHARGE
        per_func += FAST_FUNC_CHARGE
    acct = Account(pool)
    acct.charge(INSTANCE_CHARGE + GLOBAL_CHARGE * len(m.globals)
                + per_func * nfuncs + ELEM_REF_CHARGE * nelems,
                "the instance's functions, globals and elements")
    return acct
