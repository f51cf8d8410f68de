;; The module of examples/embed_basic.py, embed_buffers.py and
;; embed_threads.py: no imports, a memory for buffers.
;; Rebuild embed_math.wasm with: wasm-tools parse embed_math.wat -o embed_math.wasm
(module
  (memory (export "memory") 1)
  ;; fib(n): the n-th Fibonacci number, recursively (fib(0)=0, fib(1)=1)
  (func $fib (export "fib") (param $n i32) (result i32)
    local.get $n i32.const 2 i32.lt_s
    if (result i32) local.get $n
    else
      local.get $n i32.const 1 i32.sub call $fib
      local.get $n i32.const 2 i32.sub call $fib
      i32.add
    end)
  ;; mix(char, int, double, int64) -> double: the sum of the four
  (func (export "mix") (param $c i32) (param $i i32) (param $d f64) (param $l i64)
        (result f64)
    local.get $c f64.convert_i32_s
    local.get $i f64.convert_i32_s f64.add
    local.get $d f64.add
    local.get $l f64.convert_i64_s f64.add)
  ;; sum_buf(ptr, len): the sum of len bytes at ptr
  (func (export "sum_buf") (param $p i32) (param $n i32) (result i32)
    (local $s i32)
    block $done
      loop $next
        local.get $n i32.eqz br_if $done
        local.get $s local.get $p i32.load8_u i32.add local.set $s
        local.get $p i32.const 1 i32.add local.set $p
        local.get $n i32.const 1 i32.sub local.set $n
        br $next
      end
    end
    local.get $s)
  ;; upper(ptr, len): ASCII a-z to A-Z in place; -> how many changed
  (func (export "upper") (param $p i32) (param $n i32) (result i32)
    (local $c i32) (local $k i32)
    block $done
      loop $next
        local.get $n i32.eqz br_if $done
        local.get $p i32.load8_u local.set $c
        local.get $c i32.const 97 i32.ge_u
        local.get $c i32.const 122 i32.le_u
        i32.and
        if
          local.get $p local.get $c i32.const 32 i32.sub i32.store8
          local.get $k i32.const 1 i32.add local.set $k
        end
        local.get $p i32.const 1 i32.add local.set $p
        local.get $n i32.const 1 i32.sub local.set $n
        br $next
      end
    end
    local.get $k)
  (func (export "div") (param i32 i32) (result i32)
    local.get 0 local.get 1 i32.div_s)
)
