;; hello_small: the README's hello (examples/hello.c) in WebAssembly text,
;; small enough for a board with a 256 KiB heap: one 64 KiB page of linear
;; memory and no libc. Without arguments it prints "Hello, world!"; with
;; arguments it greets each one ("Hello, ARG!").
;;
;; Build: wat2wasm examples/hello_small.wat -o examples/hello_small.wasm
;;    (or: python -c "import wasmtime; ..." / wasm-tools parse)
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get"
    (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get"
    (func $args_get (param i32 i32) (result i32)))
  (memory (export "memory") 1 1)

  ;; 0..15: iovec scratch; 16..23: argc, argv_buf_size
  (data (i32.const 32) "Hello, ")   ;; 7 bytes at 32
  (data (i32.const 40) "!\n")       ;; 2 bytes at 40
  (data (i32.const 48) "world")     ;; 5 bytes at 48
  ;; argv pointers from 1024, argument strings from 4096

  ;; write(ptr, len) to stdout
  (func $write (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1)
                          (i32.const 8))))

  (func $strlen (param $p i32) (result i32)
    (local $n i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (i32.load8_u
                                (i32.add (local.get $p) (local.get $n)))))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $n))

  (func $greet (param $ptr i32) (param $len i32)
    (call $write (i32.const 32) (i32.const 7))
    (call $write (local.get $ptr) (local.get $len))
    (call $write (i32.const 40) (i32.const 2)))

  (func (export "_start")
    (local $argc i32) (local $i i32) (local $arg i32)
    (drop (call $args_sizes_get (i32.const 16) (i32.const 20)))
    (local.set $argc (i32.load (i32.const 16)))
    (if (i32.le_u (local.get $argc) (i32.const 1))
      (then (call $greet (i32.const 48) (i32.const 5)) (return)))
    ;; the argument strings must fit between 4096 and the end of the page
    (if (i32.gt_u (i32.load (i32.const 20)) (i32.const 61440))
      (then (unreachable)))
    (if (i32.gt_u (local.get $argc) (i32.const 768))
      (then (unreachable)))
    (drop (call $args_get (i32.const 1024) (i32.const 4096)))
    (local.set $i (i32.const 1))
    (loop $each
      (local.set $arg (i32.load (i32.add (i32.const 1024)
                                         (i32.shl (local.get $i) (i32.const 2)))))
      (call $greet (local.get $arg) (call $strlen (local.get $arg)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $each (i32.lt_u (local.get $i) (local.get $argc))))))
