"""Code run on a board to measure wasmbed's heap use, and its parsing.

Each probe is MicroPython source for a freshly booted board; it prints
``name=bytes`` lines, each the heap in use since the start of the probe
(``gc.collect(); gc.mem_free()`` differences):

- ``fib_probe(wasm)``: ``import`` wasmbed, plus a ``runtime`` with a 16 KiB
  pool, plus a ``fib`` instance (stack_size 8 KiB) called with 15.
- ``hello_probe(wasm)``: a WASI hello with one 64 KiB page of memory and
  its pool (the page plus 8 KiB for the 4 KiB stack budget, the module and
  instance charges; allocated before the import so that a fragmented heap
  does not hide a fit); ``pool_highmark`` is what the pool had to hold.
"""

POOL_FIB = 16 * 1024
POOL_HELLO = 70 * 1024     # its high-water mark is 70,808 bytes
STACK = 8 * 1024
STACK_HELLO = 4 * 1024

_HEAD = """
import gc
gc.collect()
_m0 = gc.mem_free()
def _used(name):
    gc.collect()
    print('%s=%d' % (name, _m0 - gc.mem_free()))
"""


def fib_probe(wasm):
    return _HEAD + """
import wasmbed
_used('import')
rt = wasmbed.Runtime(wasmbed.RuntimeConfig(heap_size=%d))
_used('runtime')
inst = rt.instantiate(rt.load(%r), stack_size=%d)
r = inst.call('fib', 15)
_used('fib')
print('result=%%d' %% r)
""" % (POOL_FIB, bytes(wasm), STACK)


def hello_probe(wasm):
    return _HEAD + """
buf = bytearray(%d)
import wasmbed
from wasmbed.wasi import WasiConfig
rt = wasmbed.Runtime(wasmbed.RuntimeConfig(heap_buf=buf))
inst = rt.instantiate(rt.load(%r), stack_size=%d, wasi=WasiConfig())
inst.call('_start')
_used('hello')
print('pool_highmark=%%d' %% rt.mem_alloc_info()['highmark_size'])
""" % (POOL_HELLO, bytes(wasm), STACK_HELLO)


def parse(out):
    """-> {name: int} from a probe's output (other lines are ignored)."""
    if isinstance(out, bytes):
        out = out.decode("utf-8", "replace")
    figures = {}
    for line in out.splitlines():
        name, sep, value = line.strip().partition("=")
        if sep and value.isdigit():
            figures[name] = int(value)
    return figures
