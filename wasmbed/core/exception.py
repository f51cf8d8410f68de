"""Tags and exceptions: the runtime side of 3.0's exception handling.

A ``Tag`` is a tag instance (the spec's tag address): made once per tag a
module defines, shared by identity through imports and exports; two tags
with the same type are different tags. An ``Exn`` is an exception instance
(what an ``exnref`` refers to): its tag and its payload, a tuple of values
in the internal representation.

``throw`` instructions raise ``errors.UncaughtException(exn)``; a
try_table catches it by matching ``exn.tag`` against its clauses in order
(``match``, used by both tiers); ``throw_ref`` raises a new
UncaughtException for the same Exn (a null exnref traps "null
reference"). What no try_table catches leaves the call as that
UncaughtException, a Trap subclass.

Runs on MicroPython: builtins only.
"""

from wasmbed.core import errors as E
from wasmbed.core.errors import UncaughtException, Trap


class Tag:
    """A tag instance: ``type`` its FuncType (params only)."""

    __slots__ = ("type",)

    def __init__(self, ftype):
        self.type = ftype

    def __repr__(self):
        return "<tag %r>" % (self.type,)


class Exn:
    """An exception instance: ``tag`` (a Tag), ``payload`` (a tuple)."""

    __slots__ = ("tag", "payload")

    def __init__(self, tag, payload):
        self.tag = tag
        self.payload = payload

    def __repr__(self):
        return "<exception %r %r>" % (self.tag, self.payload)


def throw(tag, payload):
    """The ``throw`` instruction: raise an exception of tag with payload."""
    raise UncaughtException(Exn(tag, tuple(payload)))


def throw_ref(exn):
    """The ``throw_ref`` instruction: raise exn again (traps on null)."""
    if exn is None:
        raise Trap(E.TRAP_NULL_REFERENCE)
    raise UncaughtException(exn)


def match(clauses, exn):
    """The first clause of a try_table that catches exn, or None.

    ``clauses`` a sequence of ``(kind, tag, target)`` with kind one of
    opcodes.CATCH_* and tag a Tag (None for the catch_all forms); target
    is whatever the tier needs to branch. -> (values to push, target).
    """
    t = exn.tag
    for kind, tag, target in clauses:
        if kind == 0:                      # catch
            if tag is t:
                return exn.payload, target
        elif kind == 1:                    # catch_ref
            if tag is t:
                return exn.payload + (exn,), target
        elif kind == 2:                    # catch_all
            return (), target
        else:                              # catch_all_ref
            return (exn,), target
    return None
