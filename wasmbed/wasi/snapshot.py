"""The WASI part of an instance snapshot (core/snapshot.py): what can be
captured of a Wasi and put back into a fresh one.

``state(wasi)`` -> [args, env, dirs, fds]: argv and environment (bytes),
the preopens as [guest, host] (what a restore uses when given no
WasiConfig), and per open descriptor, in fd order,

    [fd, kind, base rights, inheriting rights, fdflags, preopen name
     (bytes) or None, [preopen name, path] or None, offset or None]

The stdio streams stay the restoring host's (only their rights and flags
are kept); a preopen is matched by its guest name; a file or directory
path_open opened is opened again from its preopen, at its offset. Raises
SnapshotError for a descriptor that cannot be opened again (a stream
renumbered away from 0-2, a file whose path is unknown). Imported only
when a snapshot is taken or restored.
"""

from wasmbed.core import snapshot as S
from wasmbed.core.errors import SnapshotError, FsError
from wasmbed.platform_fs import O_APPEND, O_DIRECTORY, O_NOFOLLOW, O_READ, O_WRITE
from wasmbed.wasi import abi
from wasmbed.wasi.fdtable import FdEntry, KIND_DIR, KIND_FILE, KIND_STREAM


def state(wasi):
    cfg = wasi.config
    fds = []
    table = wasi.table
    for fd in table.numbers():
        e = table.entries[fd]
        if e.kind == KIND_STREAM:
            if fd > 2:
                raise SnapshotError(S.SNAP_WASI_FD % (fd, "a stdio stream renumbered"))
            fds.append([fd, e.kind, e.base, e.inheriting, e.fdflags, None, None, None])
            continue
        if e.preopen is not None:
            fds.append([fd, e.kind, e.base, e.inheriting, e.fdflags, e.preopen,
                        None, None])
            continue
        if e.path is None:
            raise SnapshotError(S.SNAP_WASI_FD % (fd, "its path is unknown"))
        off = None
        if e.kind == KIND_FILE:
            off = wasi.fs.seek(e.handle, 0, abi.WHENCE_CUR)
        fds.append([fd, e.kind, e.base, e.inheriting, e.fdflags, None,
                    [e.path[0], e.path[1]], off])
    return [list(cfg.args), list(cfg.env), [[g, h] for g, h in cfg.dirs], fds]


def restore(wasi, st):
    """Make fresh Wasi ``wasi``'s descriptors those of state st. Raises
    SnapshotError for a preopen it does not have or a file it cannot
    open again."""
    table = wasi.table
    fresh = table.entries
    roots = {}
    for fd in list(fresh):
        e = fresh[fd]
        if e.preopen is not None:
            roots[e.preopen] = e
    out = {}
    for fd, kind, base, inh, flags, pre, path, off in st[3]:
        if kind == KIND_STREAM:
            e = fresh.get(fd)
            if e is None or e.kind != KIND_STREAM:
                raise SnapshotError(S.SNAP_WASI_FD % (fd, "no stdio stream here"))
        elif pre is not None:
            e = roots.pop(pre, None)
            if e is None:
                raise SnapshotError(S.SNAP_WASI_PREOPEN % (fd, pre))
        else:
            e = _reopen(wasi, fd, kind, base, flags, path, off, roots)
        e.base = base
        e.inheriting = inh
        e.fdflags = flags
        out[fd] = e
    kept = set(id(e) for e in out.values())
    for e in fresh.values():
        if id(e) not in kept and e.owned and e.kind != KIND_STREAM:
            wasi.fs.close(e.handle)
    table.entries = out


def _reopen(wasi, fd, kind, base, fdflags, path, off, roots):
    root = None
    for e in roots.values():
        if e.preopen == path[0]:
            root = e
    if root is None:
        for e in wasi.table.entries.values():
            if e.preopen == path[0]:
                root = e
    if root is None:
        raise SnapshotError(S.SNAP_WASI_PREOPEN % (fd, path[0]))
    flags = O_NOFOLLOW
    if kind == KIND_DIR:
        flags |= O_DIRECTORY
    else:
        if base & abi.RIGHTS_READING:
            flags |= O_READ
        if base & abi.RIGHTS_WRITING:
            flags |= O_WRITE
        if fdflags & abi.FDFLAG_APPEND:
            flags |= O_APPEND
    from wasmbed.wasi.paths import resolve
    fs = wasi.fs
    try:
        r = resolve(fs, root.handle, path[1], False)
        try:
            handle = fs.openat(r.dir, r.name, flags)
        finally:
            r.close()
        if off is not None:
            fs.seek(handle, off, abi.WHENCE_SET)
        st = fs.fstat(handle)
    except FsError as exc:
        raise SnapshotError(S.SNAP_WASI_FD % (fd, "cannot open %r again: %s"
                                              % (path[1], exc)))
    e = FdEntry(kind, handle, st.filetype, base, 0, fdflags)
    e.path = (path[0], path[1])
    return e
