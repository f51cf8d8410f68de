"""Clusters: a main exec env plus every thread spawned from it (wasi-threads).

``Cluster(platform, max_thread_num, new_instance, run_start)`` counts
spawned threads against ``max_thread_num`` (the main thread is the +1, as
in WAMR). ``spawn(start_arg)`` implements wasi ``thread-spawn``: it asks
``new_instance()`` for a fresh instance of the module (sharing the imported
memory and the WASI state), allocates a TID in [1, 2**29), and starts a
platform thread that calls ``run_start(instance, tid, start_arg)``. It
returns the TID, or a negative value (-EAGAIN) when the limit or the
platform refuses; nothing raises.

A trap or proc_exit in any thread, or the main function returning,
terminates every thread of the cluster: ``stop(factory)`` sets each
member instance's terminate flag, which busy threads see at their next
loop back edge or call and blocked ones (atomic wait, WASI waits) within
one wait slice.
"""

from wasmbed.core.errors import ProcExit, Trap, Terminated, WasmError

EAGAIN = 6
MAX_TID = (1 << 29) - 1


class Cluster:
    def __init__(self, platform, max_thread_num, new_instance, run_start):
        self.platform = platform
        self.max_thread_num = max_thread_num
        self.new_instance = new_instance
        self.run_start = run_start
        self.lock = platform.mutex_new()
        self.members = []        # core instances whose flags stop() sets
        self.threads = {}        # tid -> platform thread handle
        self.next_tid = 1
        self.stopping = None     # the factory every member raises, once set
        self.failure = None      # the first exception a spawned thread hit

    def add_member(self, core_inst):
        self.lock.acquire()
        try:
            self.members.append(core_inst)
            if self.stopping is not None:
                core_inst.term[0] = self.stopping
        finally:
            self.lock.release()

    def spawn(self, start_arg):
        """-> tid > 0, or -EAGAIN (as an i32) when no thread can be made."""
        fail = (-EAGAIN) & 0xFFFFFFFF
        self.lock.acquire()
        try:
            if self.stopping is not None:
                return fail
            if len(self.threads) >= self.max_thread_num:
                return fail
            cap = self.platform.max_threads()
            if cap == 0 or (cap > 0 and len(self.threads) + 1 >= cap):
                return fail
            tid = self._alloc_tid()
            if tid < 0:
                return fail
            self.threads[tid] = None
        finally:
            self.lock.release()
        try:
            inst = self.new_instance()
        except WasmError:
            self._forget(tid)
            return fail
        try:
            handle = self.platform.thread_create(self._thread_main,
                                                 (inst, tid, start_arg), 0)
        except Exception:
            self._forget(tid)
            inst.deinstantiate()
            return fail
        self.lock.acquire()
        try:
            if tid in self.threads:
                self.threads[tid] = handle
        finally:
            self.lock.release()
        return tid

    def _alloc_tid(self):
        for _ in range(MAX_TID):
            tid = self.next_tid
            self.next_tid = tid + 1 if tid < MAX_TID else 1
            if tid not in self.threads:
                return tid
        return -1

    def _forget(self, tid):
        self.lock.acquire()
        try:
            self.threads.pop(tid, None)
        finally:
            self.lock.release()

    def _thread_main(self, arg):
        inst, tid, start_arg = arg
        try:
            self.run_start(inst, tid, start_arg)
        except ProcExit as e:
            code = e.code
            self.stop(lambda: ProcExit(code))
        except Terminated:
            pass
        except Trap as e:
            msg = e.message
            if self.stopping is None:
                self.failure = e
                self.stop(lambda: Trap(msg))
        except WasmError as e:
            msg = str(e)
            self.stop(lambda: Trap(msg))
        finally:
            self.lock.acquire()
            try:
                self.threads.pop(tid, None)
                if inst.core in self.members:
                    self.members.remove(inst.core)
            finally:
                self.lock.release()
            inst.deinstantiate()

    def stop(self, factory):
        """Make every member raise factory() at its next check. The first
        stop wins (its exit code or trap is what the main thread reports)."""
        self.lock.acquire()
        try:
            if self.stopping is None:
                self.stopping = factory
            for m in self.members:
                m.term[0] = self.stopping
        finally:
            self.lock.release()

    def shutdown(self, timeout_ns=5 * 1000 * 1000 * 1000):
        """Terminate every spawned thread and wait for them to finish."""
        if self.stopping is None:
            self.stop(_terminated)
        clock = self.platform.clock_ns
        deadline = clock(1) + timeout_ns
        while True:
            self.lock.acquire()
            try:
                live = len(self.threads)
            finally:
                self.lock.release()
            if live == 0 or clock(1) > deadline:
                return live == 0
            self.platform.sleep_ns(1000 * 1000)

    def live_threads(self):
        return len(self.threads)


def _terminated():
    return Terminated("terminated")
