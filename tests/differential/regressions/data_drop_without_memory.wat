;; data.drop in a module that has passive data but no memory (valid since
;; bulk memory). Found by the differential run (smith seed 18, "core"): the
;; fast tier translated data.drop as a memory instruction, bound memory 0
;; and trapped "out of bounds memory access" where wasmtime returns (fixed
;; in the fast tier's translate.py).
(module
  (data "abc")
  (global (export "g") (mut i32) (i32.const 0))
  (func (export "drop_twice")
    data.drop 0
    data.drop 0
    (global.set 0 (i32.add (global.get 0) (i32.const 1))))
  (func (export "count") (result i32)
    global.get 0))
