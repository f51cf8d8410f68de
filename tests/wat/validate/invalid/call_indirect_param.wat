;; expect: type mismatch
(module
  (type $t (func (param i64)))
  (table 1 funcref)
  (func (call_indirect (type $t) (i32.const 5) (i32.const 0))))
