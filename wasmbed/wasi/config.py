"""WasiConfig: what a guest sees through WASI (argv, environment, preopened
directories, stdio).
"""


def _to_bytes(value, what):
    if isinstance(value, bytes):
        return value
    if isinstance(value, bytearray):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8")
    raise TypeError("%s must be str or bytes, not %r" % (what, type(value)))


class WasiConfig(object):
    """Configuration of one WASI instance.

    ``args``: the full argv, argv[0] included (the CLI passes the program
    name first); str or bytes items. Default: no arguments at all.

    ``env``: a dict {name: value}, a list of (name, value) pairs, or a list
    of "NAME=VALUE" strings. Default None: an EMPTY environment (the host's
    environment is never inherited implicitly).

    ``dirs``: the preopened directories, in fd order starting at fd 3.
    Either a dict {guest_path: host_path}, or a list whose items are
    (host_path, guest_path) pairs or "HOST[::GUEST]" strings (as the CLI's
    ``--dir``; GUEST defaults to HOST). Default: none.

    ``stdin``/``stdout``/``stderr``: any object with ``read(n)`` (stdin) or
    ``write(b)`` (stdout/stderr) on bytes, e.g. a binary file or BytesIO; a
    text stream with a ``.buffer`` is used through its buffer. Default None:
    the platform console (``platform.stdin`` ...). A platform console stream
    also offers ``readable(timeout_ns)``, which makes blocking reads and
    poll_oneoff interruptible; other objects are treated as always ready.

    ``max_fds``: the largest number of open WASI descriptors (EMFILE past
    it). Default 1024.

    Raises TypeError/ValueError for malformed values.
    """

    def __init__(self, args: "list[str | bytes] | tuple[str | bytes, ...]" = (),
                 env: "dict[str, str] | list[tuple[str, str]] | list[str] | None" = None,
                 dirs: "dict[str, str] | list[tuple[str, str]] | list[str] | None" = None,
                 stdin: "object" = None, stdout: "object" = None,
                 stderr: "object" = None, max_fds: "int" = 1024) -> "None":
        self.args = [_to_bytes(a, "argument") for a in args]
        for a in self.args:
            if b"\0" in a:
                raise ValueError("argument contains NUL: %r" % a)
        self.env = self._normalize_env(env)
        self.dirs = self._normalize_dirs(dirs)
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
        if max_fds < 3:
            raise ValueError("max_fds must be at least 3")
        self.max_fds = max_fds

    @staticmethod
    def _normalize_env(env):
        out = []
        if env is None:
            return out
        items = env.items() if hasattr(env, "items") else env
        for item in items:
            if isinstance(item, (str, bytes)):
                entry = _to_bytes(item, "environment entry")
                if b"=" not in entry:
                    raise ValueError("environment entry needs '=': %r" % entry)
            else:
                key, value = item
                key = _to_bytes(key, "environment name")
                if b"=" in key or not key:
                    raise ValueError("bad environment name: %r" % key)
                entry = key + b"=" + _to_bytes(value, "environment value")
            if b"\0" in entry:
                raise ValueError("environment entry contains NUL: %r" % entry)
            out.append(entry)
        return out

    @staticmethod
    def _normalize_dirs(dirs):
        """A list of (guest, host) pairs of str."""
        out = []
        if dirs is None:
            return out
        if hasattr(dirs, "items"):
            pairs = [(guest, host) for guest, host in dirs.items()]
        else:
            pairs = []
            for item in dirs:
                if isinstance(item, str):
                    if "::" in item:
                        host, guest = item.split("::", 1)
                    else:
                        host = guest = item
                else:
                    host, guest = item
                pairs.append((guest, host))
        for guest, host in pairs:
            if hasattr(host, "__fspath__"):
                host = host.__fspath__()
            if hasattr(guest, "__fspath__"):
                guest = guest.__fspath__()
            if isinstance(guest, bytes):
                guest = guest.decode("utf-8")
            if isinstance(host, bytes):
                host = host.decode("utf-8")
            if not isinstance(guest, str) or not isinstance(host, str):
                raise TypeError("preopen paths must be str")
            if not guest or not host:
                raise ValueError("empty preopen path")
            out.append((guest, host))
        return out
