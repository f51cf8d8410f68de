"""The call stack budget, one cost model for both tiers.

Every wasm frame charges ``frame_cost(slots)`` bytes (FRAME_OVERHEAD plus
SLOT_COST per param, local and operand-stack slot) against the exec env's
``stack_size``; a call into a host function charges HOST_FRAME_COST to
the wasm code the host calls back into. A guest that runs out traps "call
stack exhausted" at the same depth in the interpreter and in the fast
tier. RECURSION_ERROR is what the host raises when its own recursion limit
comes first (CPython RecursionError, MicroPython RuntimeError); both tiers
report it as the same trap.
"""

# bytes a frame charges, plus SLOT_COST per slot
FRAME_OVERHEAD = 64
SLOT_COST = 8
# bytes a host function frame charges to the wasm code it calls back into
# (the host's C stack is bounded separately, by the runtime's re-entry
# count: wasmbed/host_stack.py)
HOST_FRAME_COST = 2048

try:
    RECURSION_ERROR = RecursionError
except NameError:   # MicroPython: RuntimeError("maximum recursion depth exceeded")
    RECURSION_ERROR = RuntimeError


def frame_cost(slots):
    """The bytes a wasm frame with `slots` params, locals and operand
    slots charges."""
    return FRAME_OVERHEAD + SLOT_COST * slots
