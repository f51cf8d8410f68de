"""Numbers from the wasi_snapshot_preview1 specification, written out here
independently of wasmbed.wasi.abi so the tests check the implementation's
tables instead of trusting them."""

SUCCESS = 0
EACCES = 2
EAGAIN = 6
EBADF = 8
EEXIST = 20
EFAULT = 21
EFBIG = 22
EILSEQ = 25
EINVAL = 28
EIO = 29
EISDIR = 31
ELOOP = 32
EMFILE = 33
ENAMETOOLONG = 37
ENOENT = 44
ENOSYS = 52
ENOTDIR = 54
ENOTEMPTY = 55
ENOTSOCK = 57
ENOTSUP = 58
EPERM = 63
ESPIPE = 70
ENOTCAPABLE = 76

FILETYPE_UNKNOWN = 0
FILETYPE_CHARACTER_DEVICE = 2
FILETYPE_DIRECTORY = 3
FILETYPE_REGULAR_FILE = 4
FILETYPE_SYMBOLIC_LINK = 7

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
RIGHT_PATH_OPEN = 1 << 13
RIGHT_FD_READDIR = 1 << 14
RIGHT_PATH_FILESTAT_GET = 1 << 18
RIGHT_PATH_FILESTAT_SET_SIZE = 1 << 19
RIGHT_FD_FILESTAT_GET = 1 << 21
RIGHT_FD_FILESTAT_SET_SIZE = 1 << 22
RIGHT_FD_FILESTAT_SET_TIMES = 1 << 23
RIGHT_POLL_FD_READWRITE = 1 << 27
RIGHTS_ALL = (1 << 30) - 1

FDFLAG_APPEND = 1
FDFLAG_DSYNC = 2
FDFLAG_NONBLOCK = 4
FDFLAG_SYNC = 16

OFLAG_CREAT = 1
OFLAG_DIRECTORY = 2
OFLAG_EXCL = 4
OFLAG_TRUNC = 8

LOOKUP_SYMLINK_FOLLOW = 1

FST_ATIM = 1
FST_ATIM_NOW = 2
FST_MTIM = 4
FST_MTIM_NOW = 8

WHENCE_SET, WHENCE_CUR, WHENCE_END = 0, 1, 2

EVENTTYPE_CLOCK, EVENTTYPE_FD_READ, EVENTTYPE_FD_WRITE = 0, 1, 2

# name: (params, results)
FUNCTIONS = {
    "args_get": ("ii", "i"), "args_sizes_get": ("ii", "i"),
    "environ_get": ("ii", "i"), "environ_sizes_get": ("ii", "i"),
    "clock_res_get": ("ii", "i"), "clock_time_get": ("iIi", "i"),
    "fd_advise": ("iIIi", "i"), "fd_allocate": ("iII", "i"),
    "fd_close": ("i", "i"), "fd_datasync": ("i", "i"),
    "fd_fdstat_get": ("ii", "i"), "fd_fdstat_set_flags": ("ii", "i"),
    "fd_fdstat_set_rights": ("iII", "i"), "fd_filestat_get": ("ii", "i"),
    "fd_filestat_set_size": ("iI", "i"),
    "fd_filestat_set_times": ("iIIi", "i"), "fd_pread": ("iiiIi", "i"),
    "fd_prestat_get": ("ii", "i"), "fd_prestat_dir_name": ("iii", "i"),
    "fd_pwrite": ("iiiIi", "i"), "fd_read": ("iiii", "i"),
    "fd_readdir": ("iiiIi", "i"), "fd_renumber": ("ii", "i"),
    "fd_seek": ("iIii", "i"), "fd_sync": ("i", "i"), "fd_tell": ("ii", "i"),
    "fd_write": ("iiii", "i"), "path_create_directory": ("iii", "i"),
    "path_filestat_get": ("iiiii", "i"),
    "path_filestat_set_times": ("iiiiIIi", "i"),
    "path_link": ("iiiiiii", "i"), "path_open": ("iiiiiIIii", "i"),
    "path_readlink": ("iiiiii", "i"), "path_remove_directory": ("iii", "i"),
    "path_rename": ("iiiiii", "i"), "path_symlink": ("iiiii", "i"),
    "path_unlink_file": ("iii", "i"), "poll_oneoff": ("iiii", "i"),
    "proc_exit": ("i", ""), "proc_raise": ("i", "i"),
    "sched_yield": ("", "i"), "random_get": ("ii", "i"),
    "sock_accept": ("iii", "i"), "sock_recv": ("iiiiii", "i"),
    "sock_send": ("iiiii", "i"), "sock_shutdown": ("ii", "i"),
}
