"""The on-disk cache of translated code (``RuntimeConfig(cache_dir=...)``,
``wasmbed run --cache DIR``). Host only (CPython): it uses hashlib, marshal
and the file system.

One directory per module binary, named by a key that covers everything
the cached data depends on::

    <cache_dir>/<key>/validated     the binary passed decode + validation
    <cache_dir>/<key>/f<i>.code     defined function i's bind factory, as
                                    a marshalled code object (fast tier)
    <cache_dir>/<key>/<fact>.fact   whole-module facts the translator
                                    derives from every body (``facts``)

key = sha256 of (the module's bytes, wasmbed's version, a digest of the
engine's source (wasmbed/core/*.py, so that a changed translator never
meets code it did not write), the Python implementation's cache tag,
which fixes the marshal format and the bytecode, the float mode, the
translator's first level).

With a ``validated`` entry, Runtime.load decodes the module without
decoding its bodies (decode_module(trusted=True)) and does not validate
it again: a warm cache trusts its own directory, as wasmtime's does, so
the cache directory must be writable only by whoever may run code with
the runtime's rights. Function bodies are decoded from the binary only
when a function is translated, which a cached function never is, so a
20 MB module loads in the time it takes to hash it and decode its other
sections.

Entries are written to a temporary file and renamed into place, so a
concurrent reader sees a whole entry or none; an entry that cannot be
read (truncated, from another version that hashed alike) counts as
missing and is written again. Errors writing the cache (read-only
directory, disk full) are ignored: the cache is an optimisation and
never makes a load fail. Nothing is ever evicted; delete the directory
to clear it.
"""

import hashlib
import marshal
import os
import sys
import tempfile

import wasmbed
from wasmbed.core import fast

# bumped when the layout of an entry changes
LAYOUT = 1


_ENGINE = []


def engine_digest():
    """sha256 (hex) of the engine's source files, computed once."""
    if not _ENGINE:
        h = hashlib.sha256()
        core = os.path.dirname(os.path.abspath(fast.__file__))
        for name in sorted(os.listdir(core)):
            if name.endswith(".py"):
                with open(os.path.join(core, name), "rb") as f:
                    h.update(name.encode() + b"\0" + f.read())
        _ENGINE.append(h.hexdigest())
    return _ENGINE[0]


def module_key(data):
    """The cache key of a module binary (hex sha256, see the module
    docstring)."""
    h = hashlib.sha256()
    h.update(("wasmbed %s layout %d engine %s %s %s level %d\n" % (
        wasmbed.__version__, LAYOUT, engine_digest(),
        sys.implementation.cache_tag, wasmbed.float_mode(),
        fast.MIN_LEVEL)).encode())
    h.update(data)
    return h.hexdigest()


class CodeCache:
    """The cache entry of one module binary under ``cache_dir``.

    ``get(name)`` -> the stored value or None; ``put(name, value)``
    stores a code object or a marshallable value (the core's hook, see
    core/fast.py and translate._scan); ``validated`` / ``mark_validated()``
    record that the binary passed validation. Raises nothing after
    construction; the constructor raises OSError only if ``cache_dir``
    exists and is not a directory."""

    def __init__(self, cache_dir, data):
        if os.path.exists(cache_dir) and not os.path.isdir(cache_dir):
            raise OSError("cache directory %r is not a directory" % cache_dir)
        self.dir = os.path.join(cache_dir, module_key(data))

    def _path(self, name):
        return os.path.join(self.dir, name)

    @property
    def validated(self):
        return os.path.exists(self._path("validated"))

    def mark_validated(self):
        self._write("validated", b"")

    def get(self, name):
        try:
            with open(self._path(_file(name)), "rb") as f:
                return marshal.loads(f.read())
        except (OSError, EOFError, ValueError, TypeError):
            return None

    def has(self, name):
        """Whether an entry for ``name`` is on disk (tiering: a function
        whose translation is cached skips the interpreter)."""
        return os.path.exists(self._path(_file(name)))

    def put(self, name, value):
        try:
            blob = marshal.dumps(value)
        except ValueError:
            return
        self._write(_file(name), blob)

    def _write(self, fname, blob):
        try:
            os.makedirs(self.dir, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.dir, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(blob)
                os.replace(tmp, self._path(fname))
            except BaseException:
                os.unlink(tmp)
                raise
        except OSError:
            pass


def _file(name):
    """Entry name -> file name: function indices (ints) are f<i>.code,
    facts (strs) <name>.fact."""
    if isinstance(name, int):
        return "f%d.code" % name
    return "%s.fact" % name
