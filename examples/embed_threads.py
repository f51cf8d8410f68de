"""Running wasm functions in several threads (WAMR's embedding guide:
execute wasm functions in multiple threads). An exec env must not be used
by two threads at once: spawn_thread gives each thread its own, counted
against max_thread_num.

    python examples/embed_threads.py [interp|fast]
    micropython examples/embed_threads.py
"""

import sys
import _thread

import wasmbed


def here(name):
    parts = __file__.replace("\\", "/").rsplit("/", 1)
    return (parts[0] + "/" if len(parts) > 1 else "") + name


mode = sys.argv[1] if len(sys.argv) > 1 else None
rt = wasmbed.Runtime(wasmbed.RuntimeConfig(mode=mode, max_thread_num=2))
with open(here("embed_math.wasm"), "rb") as f:
    module = rt.load(f.read())
inst = rt.instantiate(module)
fib = inst.lookup_function("fib")
inst.call("fib", 1)   # first call on this thread: the fast tier translates here


gate = _thread.allocate_lock()
gate.acquire()                # the workers wait until both are started


def worker(exec_env, n):
    # runs on its own thread with its own exec env
    gate.acquire()
    gate.release()
    exec_env.set_user_data("fib(%d)" % n)
    return (exec_env.get_user_data(), exec_env.call(fib, n))


handles = [rt.spawn_thread(inst, worker, n) for n in (15, 16)]
try:
    rt.spawn_thread(inst, worker, 17)
except wasmbed.ThreadLimit as e:
    print("third thread: ThreadLimit %s" % e)
gate.release()
for h in handles:
    print("%s = %d" % rt.join_thread(h))
h = rt.spawn_thread(inst, worker, 17)       # a slot is free again
print("%s = %d" % rt.join_thread(h))

# an exec env made by the embedder for its own thread works too
env = inst.spawn_exec_env()
print("fib(10) on a spawned exec env = %d" % env.call(fib, 10))
inst.destroy_spawned_exec_env(env)

inst.deinstantiate()
module.unload()
rt.destroy()
