# The firmware the board tests run: the repository's manifest.py plus the
# board side of the tests (the spec runner, the spectest module, the
# platform conformance suite and its driver), frozen so that they cost
# flash, not the heap the tests measure.
include("../../../manifest.py")
module("wasmbed/spec_board.py", base_path="../../..")
module("wasmbed/wast/spectest.py", base_path="../../..")
module("conformance.py", base_path="../../platform")
