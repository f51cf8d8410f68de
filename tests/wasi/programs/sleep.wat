;; Sleeps 150 ms with poll_oneoff on the monotonic clock; exits with the
;; poll errno plus 10 * the number of events (10 expected).
(module
  (import "wasi_snapshot_preview1" "poll_oneoff"
    (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (i64.store (i32.const 0) (i64.const 99))          ;; userdata
    (i32.store8 (i32.const 8) (i32.const 0))          ;; clock
    (i32.store (i32.const 16) (i32.const 1))          ;; monotonic
    (i64.store (i32.const 24) (i64.const 150000000))  ;; 150 ms
    (i64.store (i32.const 32) (i64.const 0))
    (i32.store16 (i32.const 40) (i32.const 0))
    (call $proc_exit
      (i32.add (call $poll (i32.const 0) (i32.const 100) (i32.const 1) (i32.const 200))
               (i32.mul (i32.const 10) (i32.load (i32.const 200)))))))
