;; Float kernels for the soft-float benchmark (benchmarks/float_soft.py;
;; built to floats.wasm with wat2wasm floats.wat -o floats.wasm).
(module
  ;; sum of 1/k^2 for k = 1..n, in f64 (add, mul, div, convert)
  (func (export "basel64") (param $n i32) (result f64) (local $k f64) (local $acc f64)
    block
      loop
        local.get $n i32.eqz br_if 1
        local.get $n f64.convert_i32_u local.set $k
        local.get $acc f64.const 1 local.get $k local.get $k f64.mul f64.div f64.add local.set $acc
        local.get $n i32.const 1 i32.sub local.set $n
        br 0
      end
    end
    local.get $acc)
  ;; the same in f32
  (func (export "basel32") (param $n i32) (result f32) (local $k f32) (local $acc f32)
    block
      loop
        local.get $n i32.eqz br_if 1
        local.get $n f32.convert_i32_u local.set $k
        local.get $acc f32.const 1 local.get $k local.get $k f32.mul f32.div f32.add local.set $acc
        local.get $n i32.const 1 i32.sub local.set $n
        br 0
      end
    end
    local.get $acc)
  ;; Newton iterations for sqrt(2) with compares and sqrt, in f64
  (func (export "newton64") (param $n i32) (result f64) (local $x f64)
    f64.const 1 local.set $x
    block
      loop
        local.get $n i32.eqz br_if 1
        local.get $x f64.const 2 local.get $x f64.div f64.add f64.const 0.5 f64.mul local.set $x
        local.get $x f64.sqrt local.get $x f64.gt
        if f64.const 1 local.set $x end
        local.get $n i32.const 1 i32.sub local.set $n
        br 0
      end
    end
    local.get $x)
)
