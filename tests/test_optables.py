"""optables.py is exactly what opdefs.py generates from the instruction
definitions, and the tables read through opcodes.py agree with them."""

import os

from wasmbed.core import opcodes, opdefs, optables


def test_optables_is_generated_from_the_definitions():
    path = os.path.join(os.path.dirname(optables.__file__), "optables.py")
    with open(path) as f:
        text = f.read()
    assert text == opdefs.source(), \
        "optables.py is stale: run python -m wasmbed.core.opdefs"


def test_lookups_match_the_definitions():
    seen = {}

    def op(opid, name, imm=opcodes.IMM_NONE, sig=None, size=0):
        seen[opid] = (name, imm, sig, size)

    lanes = {}
    opdefs.definitions(op, lanes.__setitem__)
    assert len(seen) > 500
    for opid in range(opcodes.NUM_IDS):
        name, imm, sig, size = seen.get(opid, (None, opcodes.NO_IMM, None, 0))
        assert opcodes.NAME[opid] == name
        assert opcodes.IMM[opid] == imm
        assert opcodes.SIG[opid] == sig
        assert opcodes.MEM_SIZE[opid] == size
        assert opcodes.LANES[opid] == lanes.get(opid, 0)


def test_tables_are_immutable_constants():
    # bytes / str / tuples: frozen into flash on a board, nothing built at import
    for name, value, _ in opdefs.tables():
        assert isinstance(getattr(optables, name), (bytes, str, tuple)), name
        assert getattr(optables, name) == value
