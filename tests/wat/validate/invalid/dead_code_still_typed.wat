;; expect: type mismatch
;; After br the stack is polymorphic, but values pushed afterwards are typed.
(module
  (func (result i32)
    (block (result i32)
      (br 0 (i32.const 1))
      (f32.const 0))))
