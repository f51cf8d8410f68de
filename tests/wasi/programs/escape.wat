;; Tries to leave its preopened directory (fd 3) in several ways and writes
;; the six errno values it gets, one byte each, to stdout:
;;   open "../outside/secret", open "/etc/passwd", symlink out -> ../outside,
;;   open "out/secret" (through that link), unlink "../outside/secret",
;;   open with a path length running past the end of memory.
(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_symlink"
    (func $symlink (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_unlink_file"
    (func $unlink (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 1000) "../outside/secret")
  (data (i32.const 1100) "/etc/passwd")
  (data (i32.const 1200) "../outside")
  (data (i32.const 1300) "out")
  (data (i32.const 1400) "out/secret")
  (func $try_open (param $path i32) (param $len i32) (result i32)
    (call $open (i32.const 3) (i32.const 0) (local.get $path) (local.get $len)
                (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0)
                (i32.const 500)))
  (func (export "_start")
    (i32.store8 (i32.const 200) (call $try_open (i32.const 1000) (i32.const 17)))
    (i32.store8 (i32.const 201) (call $try_open (i32.const 1100) (i32.const 11)))
    (i32.store8 (i32.const 202)
      (call $symlink (i32.const 1200) (i32.const 10) (i32.const 3)
                     (i32.const 1300) (i32.const 3)))
    (i32.store8 (i32.const 203) (call $try_open (i32.const 1400) (i32.const 10)))
    (i32.store8 (i32.const 204)
      (call $unlink (i32.const 3) (i32.const 1000) (i32.const 17)))
    (i32.store8 (i32.const 205) (call $try_open (i32.const 65000) (i32.const 1000)))
    (i32.store (i32.const 0) (i32.const 200))
    (i32.store (i32.const 4) (i32.const 6))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
