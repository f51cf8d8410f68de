"""``wasmbed device run`` and ``wasmbed device info``: what the CLI calls.

Both soft-reset the board first (a clean heap), speak the raw REPL
(``rawrepl``) and leave the board at its friendly REPL.

- ``run(port, path, args, ...)`` sends the module at ``path`` (a ``.wasm``,
  an AOT ``.py`` from ``wasmbed compile``, or its ``.mpy``) to
  ``wasmbed.platform.baremetal.deploy.run`` on the board, streams the
  guest's stdout/stderr to ``out``/``err`` and returns the guest's exit
  code (1 after a trap, whose "Exception: <message>" arrives on stderr).
  It sends the host's time too: a board without a wall clock gives it to
  the guest's CLOCK_REALTIME.
- ``info(port, ...)`` -> a list of (key, value) strings from the board.

Raises DeviceError (one line): an unreadable or unsuitable file, a port
that cannot be opened, a board that does not answer or has no wasmbed.
UsageError (a DeviceError) marks a file type ``run`` does not know.
"""

import os
import time

from wasmbed.device import DeviceError
from wasmbed.device.frames import Decoder, FrameError, LOOSE, END
from wasmbed.device.port import DEFAULT_BAUD, open_port
from wasmbed.device.rawrepl import RawRepl, ReplError, RemoteError, CTRL_C
from wasmbed.platform.baremetal import deploy

DEFAULT_CHUNK = 256       # module bytes per request (fits UART buffers)


class UsageError(DeviceError):
    """The command line asks for something ``run`` cannot do."""


def module_kind(path, data):
    """-> "wasm", "py" or "mpy" for the file at ``path`` with contents
    ``data``. Raises UsageError for an unknown extension, DeviceError when
    the contents do not match it."""
    name = os.path.basename(path)
    if name.endswith(".wasm"):
        if data[:4] != b"\0asm":
            raise DeviceError("%s: not a WebAssembly binary module" % path)
        return "wasm"
    if name.endswith(".mpy"):
        if data[:1] != b"M":
            raise DeviceError("%s: not a MicroPython .mpy file" % path)
        return "mpy"
    if name.endswith(".py"):
        if b"BINDERS" not in data or b"WASM" not in data:
            raise DeviceError("%s: not an AOT module written by wasmbed compile" % path)
        return "py"
    raise UsageError("%s: expected FILE.wasm, FILE_aot.py or FILE.mpy" % path)


def _read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise DeviceError("cannot read %s: %s" % (path, e.strerror or e))


def _remote_failure(port, e):
    """A DeviceError for code that raised on the board."""
    text = e.traceback
    if "ImportError" in text and "wasmbed" in text:
        return DeviceError("the board at %s has no wasmbed frozen in (%s)"
                           % (port, str(e)))
    return DeviceError("the board raised %s" % str(e))


def _session(port, baud, timeout):
    stream = open_port(port, baud)
    repl = RawRepl(stream, timeout=timeout)
    try:
        repl.enter(soft_reset=True)
    except ReplError:
        stream.close()
        raise DeviceError("no MicroPython raw REPL answered on %s" % port)
    except BaseException:
        stream.close()
        raise
    return stream, repl


def _leave(stream, repl):
    try:
        repl.exit()
    except DeviceError:
        pass
    stream.close()


def info(port, baud=DEFAULT_BAUD, timeout=10.0):
    """-> [(key, value), ...] reported by the board. Raises DeviceError."""
    stream, repl = _session(port, baud, timeout)
    try:
        out = repl.exec("import gc\ngc.collect()\nf = gc.mem_free()\n"
                        "from wasmbed.platform.baremetal import deploy\n"
                        "deploy.info(f)\n", timeout=timeout)
    except RemoteError as e:
        raise _remote_failure(port, e)
    except ReplError as e:
        raise DeviceError("the board at %s stopped answering: %s" % (port, e))
    finally:
        _leave(stream, repl)
    pairs = []
    for line in out.decode("utf-8", "replace").splitlines():
        key, sep, value = line.partition(": ")
        if sep:
            pairs.append((key.strip(), value.strip()))
    return pairs


def run(port, path, args=(), baud=DEFAULT_BAUD, out=None, err=None,
        chunk=DEFAULT_CHUNK, timeout=10.0, run_timeout=None):
    """Run the module at ``path`` on the board at ``port`` with argv
    ``[basename(path)] + args``; -> its exit code. ``out``/``err``: binary
    streams for the guest's stdout/stderr. ``timeout``: seconds the board
    may stay silent during the handshake and transfer; ``run_timeout``:
    the same once the guest runs (None: wait as long as it takes).
    Raises DeviceError (a failure on the board is "FILE: message")."""
    data = _read(path)
    kind = module_kind(path, data)
    argv = [os.path.basename(path)] + list(args)
    stream, repl = _session(port, baud, timeout)
    try:
        return _run(repl, port, path, data, kind, argv, out, err, chunk,
                    timeout, run_timeout)
    except KeyboardInterrupt:
        stream.write(CTRL_C + CTRL_C)
        return 130
    finally:
        _leave(stream, repl)


def _run(repl, port, path, data, kind, argv, out, err, chunk, timeout,
         run_timeout):
    # the host's time: the wall clock of a board that has none
    code = ("from wasmbed.platform.baremetal import deploy\n"
            "deploy.run(%r, %d, %r, %d, realtime_ns=%d)\n"
            % (kind, len(data), argv, chunk, time.time_ns()))
    try:
        repl.start(code)
    except ReplError as e:
        raise DeviceError("the board at %s did not take the code: %s" % (port, e))
    decoder = Decoder()
    sent = 0
    exit_code = None
    failure = None
    limit = timeout
    last = time.monotonic()
    while True:
        got = repl.read(4096)
        if not got:
            if limit is not None and time.monotonic() - last > limit:
                repl.write(CTRL_C + CTRL_C)     # stop the guest, if it runs
                raise DeviceError("the board at %s went silent for %g s"
                                  % (port, limit))
            continue
        last = time.monotonic()
        try:
            events = decoder.feed(got)
        except FrameError as e:
            raise DeviceError("garbled output from the board at %s: %s" % (port, e))
        for kind_, payload in events:
            if kind_ == deploy.REQUEST:
                n = int(payload)
                repl.write(data[sent:sent + n])
                sent += n
                if sent >= len(data):
                    limit = run_timeout
            elif kind_ == deploy.STDOUT or kind_ == LOOSE:
                _emit(out, payload)
            elif kind_ == deploy.STDERR:
                _emit(err, payload)
            elif kind_ == deploy.FAIL:
                failure = payload.decode("utf-8", "replace")
            elif kind_ == deploy.EXIT:
                exit_code = int(payload)
            elif kind_ == END:
                repl.pushback(payload)
                return _finish(repl, port, path, exit_code, failure, timeout)


def _finish(repl, port, path, exit_code, failure, timeout):
    try:
        tb = repl.finish(timeout)
    except ReplError as e:
        raise DeviceError("the board at %s stopped answering: %s" % (port, e))
    if tb.strip():
        raise _remote_failure(port, RemoteError(tb.decode("utf-8", "replace")))
    if failure is not None:
        raise DeviceError("%s: %s" % (path, failure))
    if exit_code is None:
        raise DeviceError("the board at %s ended without an exit code" % port)
    return exit_code


def _emit(stream, data):
    if stream is None or not data:
        return
    stream.write(data)
    flush = getattr(stream, "flush", None)
    if flush is not None:
        flush()
