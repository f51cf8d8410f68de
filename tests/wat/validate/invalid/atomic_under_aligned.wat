;; expect: atomic alignment must be natural
(module
  (memory 1 1 shared)
  (func (param i32) (result i64)
    (i64.atomic.rmw.xchg align=4 (local.get 0) (i64.const 0))))
