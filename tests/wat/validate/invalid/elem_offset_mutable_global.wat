;; expect: constant expression required
;; Constant expressions may read only immutable globals (WebAssembly 3.0
;; lets them read defined ones too; 2.0 only imported ones).
(module
  (global (mut i32) (i32.const 0))
  (table 1 funcref)
  (elem (offset (global.get 0)) func))
