"""Sandboxed path resolution for WASI ``path_*`` calls.

A guest path is walked one component at a time from the directory handle
the guest named (its capability); the host never sees more than one
component and never follows a symlink itself:

- an absolute path is refused (ENOTCAPABLE);
- ``.`` and empty components are skipped;
- ``..`` goes back one directory the walk itself entered; at the starting
  directory it is refused (ENOTCAPABLE) - so neither ``..`` nor a symlink
  containing ``..`` can leave the starting directory;
- every intermediate component is opened with O_DIRECTORY|O_NOFOLLOW; when
  that fails because it is a symlink, the link is read here and its content
  is spliced into the remaining path (an absolute link content is refused
  with ENOTCAPABLE; more than SYMLOOP_MAX expansions give ELOOP);
- the last component is followed the same way only when asked to.

The walk holds at most two host handles at a time: going back with ``..``
reopens the directory chain from the start, each step again with
O_NOFOLLOW, so a directory swapped for a symlink meanwhile cannot lead out.
"""

from wasmbed.core.errors import FsError
from wasmbed.platform_fs import O_DIRECTORY, O_NOFOLLOW, O_SEARCH
from wasmbed.wasi.abi import (ELOOP, EMLINK, ENAMETOOLONG, ENOENT, ENOTCAPABLE,
                              ENOTDIR, PATH_MAX, SYMLOOP_MAX, FILETYPE_DIRECTORY)

_DIR_FLAGS = O_SEARCH | O_DIRECTORY | O_NOFOLLOW


class Resolved(object):
    """The result of a walk: the operation applies to ``name`` (one
    component, or ``.`` for the directory itself) inside the directory
    handle ``dir``. ``trailing``: the path ended with ``/`` (or ``/.``), so
    the target must be a directory. Call close() when done."""

    def __init__(self, fs, dir, name, trailing, owned):
        self.fs = fs
        self.dir = dir
        self.name = name
        self.trailing = trailing
        self.owned = owned

    def close(self):
        if self.owned:
            self.owned = False
            try:
                self.fs.close(self.dir)
            except FsError:
                pass

    def lstat(self):
        """Stat of the target itself (a symlink is not followed), or None
        if it is absent."""
        try:
            return self.fs.statat(self.dir, self.name, False)
        except FsError as exc:
            if exc.errno == ENOENT:
                return None
            raise

    def must_be_dir(self):
        """A path with a trailing slash names a directory: ENOTDIR when
        the target is something else."""
        if self.fs.statat(self.dir, self.name, False).filetype != FILETYPE_DIRECTORY:
            raise FsError(ENOTDIR)

    def trailing_errno(self, if_dir):
        """Why a path with a trailing slash cannot be made or removed as a
        file: ENOENT (nothing there), ``if_dir`` (a directory), ENOTDIR."""
        st = self.lstat()
        if st is None:
            return ENOENT
        return if_dir if st.filetype == FILETYPE_DIRECTORY else ENOTDIR


def _only_dots(stack):
    for comp in stack:
        if comp != b"" and comp != b".":
            return False
    return True


class _Walk(object):
    def __init__(self, fs, root):
        self.fs = fs
        self.root = root
        self.cur = root
        self.cur_owned = False
        self.names = []     # real directories entered from root, in order

    def enter(self, handle, name):
        self.drop()
        self.cur = handle
        self.cur_owned = True
        self.names.append(name)

    def drop(self):
        if self.cur_owned:
            self.cur_owned = False
            try:
                self.fs.close(self.cur)
            except FsError:
                pass
        self.cur = self.root

    def up(self):
        if not self.names:
            raise FsError(ENOTCAPABLE, "path leaves the directory")
        names = self.names[:-1]
        self.drop()
        self.names = []
        for name in names:
            handle = self.fs.openat(self.cur, name, _DIR_FLAGS)
            self.enter(handle, name)


def resolve(fs, root, path, follow):
    """Walk ``path`` (bytes, already UTF-8 checked) from directory handle
    ``root`` of FileSystem ``fs``; return a :class:`Resolved`.

    ``follow``: also expand a symlink at the last component. Raises FsError:
    ENOENT (empty path), ENAMETOOLONG, ENOTCAPABLE (absolute path, ``..``
    or a symlink leaving ``root``), ELOOP, and whatever the host reports
    for an intermediate component (ENOENT, ENOTDIR, EACCES, ...).
    """
    if not path:
        raise FsError(ENOENT)
    if len(path) > PATH_MAX:
        raise FsError(ENAMETOOLONG)
    if path[:1] == b"/":
        raise FsError(ENOTCAPABLE, "absolute path")
    stack = path.split(b"/")
    stack.reverse()
    walk = _Walk(fs, root)
    links = 0
    try:
        while stack:
            comp = stack.pop()
            if comp == b"" or comp == b".":
                continue
            if comp == b"..":
                walk.up()
                continue
            last = _only_dots(stack)
            target = None
            if last:
                if follow:
                    try:
                        target = fs.readlinkat(walk.cur, comp)
                    except FsError:
                        target = None   # not a symlink (or absent): final
                if target is None:
                    return Resolved(fs, walk.cur, comp, bool(stack),
                                    walk.cur_owned)
            else:
                try:
                    handle = fs.openat(walk.cur, comp, _DIR_FLAGS)
                except FsError as exc:
                    if exc.errno not in (ELOOP, ENOTDIR, EMLINK):
                        raise
                    try:
                        target = fs.readlinkat(walk.cur, comp)
                    except FsError:
                        raise exc
                else:
                    walk.enter(handle, comp)
                    continue
            # ``comp`` is a symlink whose content is ``target``: splice it.
            links += 1
            if links > SYMLOOP_MAX:
                raise FsError(ELOOP)
            if not target:
                raise FsError(ENOENT)
            if target[:1] == b"/":
                raise FsError(ENOTCAPABLE, "symlink to an absolute path")
            parts = target.split(b"/")
            parts.reverse()
            stack.extend(parts)
        # Only ".", "" and ".." left: the target is the current directory.
        return Resolved(fs, walk.cur, b".", True, walk.cur_owned)
    except BaseException:
        walk.drop()
        raise
