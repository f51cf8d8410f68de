"""The host's C stack and Python recursion limit around guest calls.

A guest decides how deep its calls go, and a host function that calls
back into wasm (a *re-entry*) costs the host C stack each time: about
1.2 KiB per round on CPython 3.11 in the fast tier, 0.75 KiB in the
interpreter, more in heavier host code. The exec env's ``stack_size``
is the guest's budget, not the host's, so re-entry is bounded separately:

- ``max_reentry(cstack)``: how many nested re-entries a thread with
  ``cstack`` bytes of C stack allows: (cstack - RESERVE) // PER_REENTRY.
  One more raises Trap("call stack exhausted"), whatever ``stack_size`` is.
- A thread whose C stack is below ``MIN_CSTACK`` (a small embedder thread)
  runs each outermost fast-tier call on a helper thread with HELPER_CSTACK
  bytes of stack and waits for it (``needs_helper``).
- The fast tier makes each wasm frame a Python frame (no C stack on
  CPython >= 3.11), so Python's recursion limit must allow the guest's
  depth: ``enter(want)`` raises the process-wide limit for the duration of
  a call and ``leave()`` puts it back when the last such call in the
  process returns (calls on several threads share one count).

State per thread (``state()``): the re-entry ``depth`` and its maximum.
Works without threads or sys.setrecursionlimit (MicroPython): then the
limit is left alone and the state is process-wide.
"""

import sys

try:
    import threading
    _local = threading.local()
    _lock = threading.Lock()
except ImportError:     # a host without threads
    threading = None
    _local = None
    _lock = None

# C stack bytes budgeted per host re-entry (about three times what one
# round costs CPython 3.11, for the host function's own frames).
PER_REENTRY = 4096
# C stack kept free for the outermost call, translating a function
# (compile() of bounded nesting) and host code at the deepest point.
RESERVE = 1 << 20
# Below this a thread runs fast-tier calls on a helper thread.
MIN_CSTACK = 2 << 20
# The helper thread's C stack.
HELPER_CSTACK = (8 << 20) + (512 << 10)
# Re-entries allowed when the platform cannot tell the C stack size.
DEFAULT_MAX_REENTRY = 200


def max_reentry(cstack):
    """Nested host re-entries a thread with `cstack` bytes of C stack
    allows (0: unknown size, DEFAULT_MAX_REENTRY)."""
    if not cstack:
        return DEFAULT_MAX_REENTRY
    n = (cstack - RESERVE) // PER_REENTRY
    return n if n > 0 else 0


class _State:
    __slots__ = ("depth", "max", "cstack", "small")

    def __init__(self, cstack):
        self.depth = 0
        self.cstack = cstack
        self.max = max_reentry(cstack)
        self.small = 0 < cstack < MIN_CSTACK


_GLOBAL = []


def state(platform):
    """The calling thread's re-entry state (made on first use from the
    platform's thread_stack_size())."""
    if _local is None:
        if not _GLOBAL:
            _GLOBAL.append(_State(_cstack_of(platform)))
        return _GLOBAL[0]
    try:
        return _local.s
    except AttributeError:
        s = _State(_cstack_of(platform))
        _local.s = s
        return s


def _cstack_of(platform):
    f = getattr(platform, "thread_stack_size", None)
    if f is None:
        return 0
    try:
        return f() or 0
    except Exception:
        return 0


def needs_helper(st):
    """Should an outermost call on this thread move to a helper thread
    with a bigger C stack?"""
    return st.small


def on_helper(platform, fn, *args):
    """Run fn(*args) on a platform thread with HELPER_CSTACK bytes of C
    stack and wait for it -> its result (or raise what it raised). When
    no thread can be started, fn runs here."""
    try:
        h = platform.thread_create(lambda a: fn(*a), args, HELPER_CSTACK)
    except (OSError, AttributeError, RuntimeError):
        return fn(*args)
    return platform.thread_join(h)


_get = getattr(sys, "getrecursionlimit", None)
_set = getattr(sys, "setrecursionlimit", None)
# [number of calls in progress between enter() and leave(), the limit
# found by the first of them]
_active = [0, 0]


class _NoLock:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


if _lock is None:
    _lock = _NoLock()


def enter(want):
    """A fast-tier call starts: make Python's recursion limit at least
    `want` until the matching leave()."""
    if _set is None:
        return
    with _lock:
        a = _active
        cur = _get()
        if not a[0]:
            a[1] = cur
        a[0] += 1
        if cur < want:
            _set(want)


def leave():
    """The call enter() began returned: when it was the last one in the
    process, restore the recursion limit found by the first."""
    if _set is None:
        return
    with _lock:
        a = _active
        a[0] -= 1
        if not a[0]:
            _set(a[1])
