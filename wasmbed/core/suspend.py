"""Suspended calls of the interpreter tier: a frozen call is its frames.

``freeze`` is what interp.execute does with a Suspended on its way out
(a host function's Suspend, fuel running out in suspend mode): it
records the frame stack in the exception (``Frozen``); ``resume``
writes the host function's results where the call expects them and
runs the executor's loop from there. Imported only when a call
suspends (see docs/INTERNALS.md, "Fuel").
"""

from wasmbed.core import errors as E
from wasmbed.core.errors import Trap, NotSupported
from wasmbed.core.interp import (run_frames, flat_frames, SP_CALL, SP_CALL_REF,
                                 SP_CALL_IND)


class Frozen:
    """A suspended call's state: ``frames`` the callers (their register
    lists, outermost first; see interp.run_frames), ``cur`` the frame
    that stopped and ``pc`` where: a frame-switch index (< 0: the host
    call that suspended) or an op index (fuel: that charge runs again).
    ``cur`` is None when the called function itself was a host
    function."""

    __slots__ = ("frames", "cur", "pc", "inst")

    def __init__(self, frames, cur, pc, inst):
        self.frames = frames
        self.cur = cur
        self.pc = pc
        self.inst = inst


def freeze(s, frames, comp, R, pc, inst):
    if s.frozen is not None:
        # raised by a call a host function made, and not caught there
        raise NotSupported(E.SUSPEND_NESTED)
    if frames is not None:
        frames = flat_frames(frames)
    s.frozen = Frozen(frames, (comp, R) if comp is not None else None, pc, inst)


def result_slot(sp):
    """-> (base, next index) of a call frame switch, or None for a tail
    call (its results are its frame's)."""
    k = sp[0]
    if k == SP_CALL or k == SP_CALL_REF:
        return sp[2], sp[4]
    if k == SP_CALL_IND:
        return sp[4], sp[6]
    return None


def resume(env, fz, vals):
    """Continue frozen call fz on exec env env, the host function that
    suspended it returning vals (a list of internal values; ignored for
    fuel) -> the call's results, as execute() returns them (or raises
    Suspended again)."""
    if fz.cur is None:
        return list(vals)
    frames = fz.frames
    comp, R = fz.cur
    inst = fz.inst
    pc = fz.pc
    fz.cur = None
    fz.frames = None
    if pc < 0:
        slot = result_slot(comp.specials[~pc])
        if slot is None:
            if not frames:
                return list(vals)
            R = frames.pop()
            comp = R[-1]
            base, pc = R[-2]
            inst = comp.inst
        else:
            base, pc = slot
        R[base:base + len(vals)] = vals
    budget = env.stack_size - env.stack_used - comp.cost
    for f in frames:
        budget -= f[-1].cost
    if budget < 0:
        raise Trap(E.TRAP_STACK_EXHAUSTED)
    return run_frames(env, [None] + frames, comp, R, pc, inst, budget)
