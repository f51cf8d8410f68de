;; expect: type mismatch
;; br_table targets must all take the same number of values.
(module
  (func (result i32)
    (block $one (result i32)
      (block $none
        (br_table $none $one (i32.const 1) (i32.const 0))))))
