;; expect: type mismatch
;; An if with a result and no else: the missing else would produce nothing.
(module
  (func (param i32) (result i32)
    (if (result i32) (local.get 0) (then (i32.const 1)))))
