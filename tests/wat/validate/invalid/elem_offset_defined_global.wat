;; expect: unknown global 0
;; Constant expressions may read only imported globals (WebAssembly 2.0).
(module
  (global i32 (i32.const 0))
  (table 1 funcref)
  (elem (offset (global.get 0)) func))
