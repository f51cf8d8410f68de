#!/usr/bin/env bash
# Type-check wasmbed/platform/baremetal against MicroPython's stubs.
#
# mypy runs from its own venv, and the stubs are installed into a separate
# target directory that serves as mypy's typeshed (--custom-typeshed-dir:
# MicroPython's reduced stdlib) and search path (MYPYPATH: _thread, time,
# machine, ... as MicroPython defines them). Nothing is installed into the
# project's venv, whose CPython stdlib the stubs would otherwise shadow.
#
# Environment: PYTHON (default python3) creates the venv;
# WASMBED_TYPECHECK_DIR (default: a directory under ${TMPDIR:-/tmp}) holds
# the venv and the stubs and is reused when the pins match.
set -euo pipefail

MYPY_PIN="mypy==2.4.1"
STUB_PINS=("micropython-unix-stubs==1.29.0.post1"
           "micropython-stdlib-stubs==1.29.0.post2")

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${WASMBED_TYPECHECK_DIR:-${TMPDIR:-/tmp}/wasmbed-typecheck}"
venv="$work/venv"
stubs="$work/stubs"
stamp="$work/pins"
pins="$MYPY_PIN ${STUB_PINS[*]}"

if [[ ! -x "$venv/bin/mypy" || ! -d "$stubs/stdlib" || "$(cat "$stamp" 2>/dev/null)" != "$pins" ]]; then
    rm -rf "$work"
    mkdir -p "$work"
    "${PYTHON:-python3}" -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "$MYPY_PIN"
    "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps \
        --target "$stubs" "${STUB_PINS[@]}"
    echo "$pins" > "$stamp"
fi

# The stubs themselves have a few errors mypy reports when it reads them
# from MYPYPATH; they are not ours to fix, so silence those modules only.
config="$work/mypy.ini"
cat > "$config" <<'EOF'
[mypy]
python_version = 3.11
warn_unused_ignores = True
warn_redundant_casts = True
check_untyped_defs = True
follow_imports = silent

[mypy-machine,math,vfs,_mpy_shed,_mpy_shed.*]
ignore_errors = True
EOF

cd "$repo"
MYPYPATH="$stubs" "$venv/bin/mypy" --config-file "$config" \
    --custom-typeshed-dir "$stubs" --cache-dir "$work/cache" \
    wasmbed/platform/baremetal
