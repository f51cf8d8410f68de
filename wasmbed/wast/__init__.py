"""The spec-script runner (host only): the JSON form of .wast scripts.

- ``script.py``: ``WastRunner``, the script's driver and the commands that
  need no execution (module decode and validation, assert_malformed,
  assert_invalid), the expected-message rule (``message_matches``) and the
  feature set per suite directory;
- ``exec.py``: ``ExecRunner``, every other command (instantiation,
  register, actions, assert_return / trap / exception / exhaustion /
  unlinkable / uninstantiable, threads), what ``wasmbed wast`` runs;
- ``spectest.py``: the ``spectest`` host module the scripts import (also
  frozen into the board's test firmware, where this ``__init__`` is not:
  there ``wasmbed.wast`` is a namespace package holding spectest alone).
"""

from wasmbed.wast.script import (  # noqa: F401
    WastRunner as WastRunner, CommandFailed as CommandFailed, Skip as Skip,
    message_matches as message_matches,
    threads_enabled_for as threads_enabled_for,
    wasm3_enabled_for as wasm3_enabled_for,
)
from wasmbed.wast.exec import (  # noqa: F401
    ExecRunner as ExecRunner, SPEC_STACK_SIZE as SPEC_STACK_SIZE,
    parse_value as parse_value, value_matches as value_matches,
)
from wasmbed.wast.spectest import (  # noqa: F401
    spectest_export as spectest_export, spectest_exports as spectest_exports,
)
