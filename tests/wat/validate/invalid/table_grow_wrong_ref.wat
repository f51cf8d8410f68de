;; expect: type mismatch
(module
  (table 0 externref)
  (func (result i32)
    (table.grow 0 (ref.null func) (i32.const 1))))
