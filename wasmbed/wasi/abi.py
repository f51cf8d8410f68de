"""wasi_snapshot_preview1 ABI: constants, rights sets and struct layouts.

Errno and filetype numbers are shared with the platform file interface and
live in ``wasmbed.platform_fs``; everything else the guest sees is here.
"""

from wasmbed.platform_fs import (  # noqa: F401  (re-exported)
    FILETYPE_UNKNOWN, FILETYPE_BLOCK_DEVICE, FILETYPE_CHARACTER_DEVICE,
    FILETYPE_DIRECTORY, FILETYPE_REGULAR_FILE, FILETYPE_SOCKET_DGRAM,
    FILETYPE_SOCKET_STREAM, FILETYPE_SYMBOLIC_LINK, errno_number,
)


def __getattr__(name):
    # the errno numbers are platform_fs's (abi.EBADF, from abi import EBADF)
    return errno_number(name)


MODULE = "wasi_snapshot_preview1"

# clockid
CLOCK_REALTIME = 0
CLOCK_MONOTONIC = 1
CLOCK_PROCESS_CPUTIME_ID = 2
CLOCK_THREAD_CPUTIME_ID = 3

# rights (bit positions are the ABI)
RIGHT_FD_DATASYNC = 1 << 0
RIGHT_FD_READ = 1 << 1
RIGHT_FD_SEEK = 1 << 2
RIGHT_FD_FDSTAT_SET_FLAGS = 1 << 3
RIGHT_FD_SYNC = 1 << 4
RIGHT_FD_TELL = 1 << 5
RIGHT_FD_WRITE = 1 << 6
RIGHT_FD_ADVISE = 1 << 7
RIGHT_FD_ALLOCATE = 1 << 8
RIGHT_PATH_CREATE_DIRECTORY = 1 << 9
RIGHT_PATH_CREATE_FILE = 1 << 10
RIGHT_PATH_LINK_SOURCE = 1 << 11
RIGHT_PATH_LINK_TARGET = 1 << 12
RIGHT_PATH_OPEN = 1 << 13
RIGHT_FD_READDIR = 1 << 14
RIGHT_PATH_READLINK = 1 << 15
RIGHT_PATH_RENAME_SOURCE = 1 << 16
RIGHT_PATH_RENAME_TARGET = 1 << 17
RIGHT_PATH_FILESTAT_GET = 1 << 18
RIGHT_PATH_FILESTAT_SET_SIZE = 1 << 19
RIGHT_PATH_FILESTAT_SET_TIMES = 1 << 20
RIGHT_FD_FILESTAT_GET = 1 << 21
RIGHT_FD_FILESTAT_SET_SIZE = 1 << 22
RIGHT_FD_FILESTAT_SET_TIMES = 1 << 23
RIGHT_PATH_SYMLINK = 1 << 24
RIGHT_PATH_REMOVE_DIRECTORY = 1 << 25
RIGHT_PATH_UNLINK_FILE = 1 << 26
RIGHT_POLL_FD_READWRITE = 1 << 27
RIGHT_SOCK_SHUTDOWN = 1 << 28
RIGHT_SOCK_ACCEPT = 1 << 29
RIGHTS_ALL = (1 << 30) - 1

# What a regular file can ever do.
RIGHTS_FILE = (RIGHT_FD_DATASYNC | RIGHT_FD_READ | RIGHT_FD_SEEK
               | RIGHT_FD_FDSTAT_SET_FLAGS | RIGHT_FD_SYNC | RIGHT_FD_TELL
               | RIGHT_FD_WRITE | RIGHT_FD_ADVISE | RIGHT_FD_ALLOCATE
               | RIGHT_FD_FILESTAT_GET | RIGHT_FD_FILESTAT_SET_SIZE
               | RIGHT_FD_FILESTAT_SET_TIMES | RIGHT_POLL_FD_READWRITE)

# What a directory can ever do (no read/write/seek, no fd_filestat_set_size).
RIGHTS_DIR = (RIGHT_FD_DATASYNC | RIGHT_FD_FDSTAT_SET_FLAGS | RIGHT_FD_SYNC
              | RIGHT_PATH_CREATE_DIRECTORY | RIGHT_PATH_CREATE_FILE
              | RIGHT_PATH_LINK_SOURCE | RIGHT_PATH_LINK_TARGET
              | RIGHT_PATH_OPEN | RIGHT_FD_READDIR | RIGHT_PATH_READLINK
              | RIGHT_PATH_RENAME_SOURCE | RIGHT_PATH_RENAME_TARGET
              | RIGHT_PATH_FILESTAT_GET | RIGHT_PATH_FILESTAT_SET_SIZE
              | RIGHT_PATH_FILESTAT_SET_TIMES | RIGHT_FD_FILESTAT_GET
              | RIGHT_FD_FILESTAT_SET_TIMES | RIGHT_PATH_SYMLINK
              | RIGHT_PATH_REMOVE_DIRECTORY | RIGHT_PATH_UNLINK_FILE)

# A preopened directory: base = RIGHTS_DIR, inheriting = everything a
# directory or a file below it may do.
RIGHTS_DIR_INHERITING = RIGHTS_DIR | RIGHTS_FILE

# Console streams.
RIGHTS_STDIN = (RIGHT_FD_READ | RIGHT_FD_FDSTAT_SET_FLAGS
                | RIGHT_FD_FILESTAT_GET | RIGHT_POLL_FD_READWRITE)
RIGHTS_STDOUT = (RIGHT_FD_WRITE | RIGHT_FD_FDSTAT_SET_FLAGS
                 | RIGHT_FD_FILESTAT_GET | RIGHT_POLL_FD_READWRITE)

# Rights that make path_open open the host file for reading / writing.
RIGHTS_READING = RIGHT_FD_READ | RIGHT_FD_READDIR
# (Not FD_DATASYNC: directories hold it, and opening one must not ask the
# host for write access.)
RIGHTS_WRITING = (RIGHT_FD_WRITE | RIGHT_FD_ALLOCATE
                  | RIGHT_FD_FILESTAT_SET_SIZE)

# fdflags
FDFLAG_APPEND = 0x1
FDFLAG_DSYNC = 0x2
FDFLAG_NONBLOCK = 0x4
FDFLAG_RSYNC = 0x8
FDFLAG_SYNC = 0x10
FDFLAGS_ALL = 0x1F

# oflags
OFLAG_CREAT = 0x1
OFLAG_DIRECTORY = 0x2
OFLAG_EXCL = 0x4
OFLAG_TRUNC = 0x8
OFLAGS_ALL = 0xF

# lookupflags
LOOKUP_SYMLINK_FOLLOW = 0x1

# fstflags
FST_ATIM = 0x1
FST_ATIM_NOW = 0x2
FST_MTIM = 0x4
FST_MTIM_NOW = 0x8
FSTFLAGS_ALL = 0xF

# whence
WHENCE_SET = 0
WHENCE_CUR = 1
WHENCE_END = 2

# advice
ADVICE_MAX = 5

# preopentype
PREOPENTYPE_DIR = 0

# eventtype / subclockflags / eventrwflags
EVENTTYPE_CLOCK = 0
EVENTTYPE_FD_READ = 1
EVENTTYPE_FD_WRITE = 2
SUBSCRIPTION_CLOCK_ABSTIME = 0x1
EVENT_FD_READWRITE_HANGUP = 0x1

# sdflags / riflags
SHUT_RD = 0x1
SHUT_WR = 0x2

# Struct sizes (all little-endian, natural alignment).
SIZE_IOVEC = 8          # buf u32 @0, buf_len u32 @4
SIZE_FDSTAT = 24        # filetype u8 @0, flags u16 @2, base u64 @8, inh u64 @16
SIZE_FILESTAT = 64      # dev @0 ino @8 filetype u8 @16 nlink @24 size @32
#                         atim @40 mtim @48 ctim @56
SIZE_DIRENT = 24        # d_next u64 @0, d_ino u64 @8, d_namlen u32 @16,
#                         d_type u8 @20
SIZE_PRESTAT = 8        # tag u8 @0, pr_name_len u32 @4
SIZE_SUBSCRIPTION = 48  # userdata u64 @0, tag u8 @8, union @16:
#                         clock: id u32 @16, timeout u64 @24, precision u64
#                         @32, flags u16 @40; fd_readwrite: fd u32 @16
SIZE_EVENT = 32         # userdata u64 @0, error u16 @8, type u8 @10,
#                         nbytes u64 @16, flags u16 @24

# Limits that keep the host safe from hostile arguments.
IOV_MAX = 1024          # more iovecs than this: EINVAL (as Linux readv)
PATH_MAX = 4096         # longer paths: ENAMETOOLONG
SYMLOOP_MAX = 40        # more symlink expansions in one lookup: ELOOP
IO_CHUNK = 1 << 24      # largest single host read/write buffer (16 MiB)
POLL_MAX = 1 << 16      # more poll_oneoff subscriptions than this: EINVAL
