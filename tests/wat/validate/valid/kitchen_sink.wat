;; One module touching every kind of index space and most instruction groups.
(module
  (type $binop (func (param i32 i32) (result i32)))
  (type $pair (func (param i32) (result i32 i64)))
  (import "env" "g" (global $g i32))
  (import "env" "f" (func $imported (type $binop)))
  (memory 1 2 shared)
  (table $funcs 4 funcref)
  (table $refs 1 externref)
  (global $counter (mut i64) (i64.const 0))
  (global $first funcref (ref.func $add))
  (global $copy i32 (global.get $g))
  (elem (table $funcs) (offset (global.get $g)) func $add $swap)
  (elem $passive funcref (ref.func $add) (ref.null func))
  (data (i32.const 16) "hello")
  (data $later "world")

  (func $add (export "add") (type $binop)
    local.get 0 local.get 1 i32.add)

  (func $swap (param i32 i64) (result i64 i32)
    local.get 1 local.get 0)

  (func $multi (type $pair)
    local.get 0
    (block (param i32) (result i32 i64)
      i64.const 1)
    (if (param i64) (result i64) (i32.const 1)
      (then i64.const 2 i64.add)))

  (func $control (param $n i32) (result i32)
    (local $acc i32)
    (block $done
      (loop $again
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $acc (i32.add (local.get $acc) (local.get $n)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $again)))
    (block $b0 (block $b1 (block $b2
      (br_table $b0 $b1 $b2 (local.get $acc)))))
    (call_indirect $funcs (type $binop)
      (local.get $acc) (i32.const 1) (i32.const 0)))

  (func $memory (param $p i32)
    (i64.store offset=8 align=4 (local.get $p) (i64.load8_s (local.get $p)))
    (drop (memory.grow (memory.size)))
    (memory.fill (i32.const 0) (i32.const 0) (i32.const 4))
    (memory.copy (i32.const 0) (i32.const 8) (i32.const 4))
    (memory.init $later (i32.const 0) (i32.const 0) (i32.const 5))
    (data.drop $later))

  (func $tables (param $r externref) (result i32)
    (table.set $refs (i32.const 0) (local.get $r))
    (drop (table.grow $refs (ref.null extern) (i32.const 1)))
    (table.fill $refs (i32.const 0) (local.get $r) (i32.const 1))
    (table.copy $funcs $funcs (i32.const 0) (i32.const 1) (i32.const 1))
    (table.init $funcs $passive (i32.const 0) (i32.const 0) (i32.const 1))
    (elem.drop $passive)
    (drop (ref.is_null (table.get $funcs (i32.const 0))))
    (i32.add (table.size $refs) (table.size $funcs)))

  (func $atomics (param $p i32) (result i32)
    (global.set $counter (i64.atomic.rmw.add (local.get $p) (i64.const 1)))
    (drop (i32.atomic.rmw8.cmpxchg_u (local.get $p) (i32.const 0) (i32.const 1)))
    (atomic.fence)
    (drop (memory.atomic.wait32 (local.get $p) (i32.const 0) (i64.const -1)))
    (memory.atomic.notify (local.get $p) (i32.const 1)))

  (func $simd (param $v v128) (result v128)
    (local.set $v
      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
        (local.get $v)
        (f32x4.replace_lane 3 (local.get $v) (f32.const 1.5))))
    (v128.load64_lane 1 (i32.const 0) (local.get $v))
    (i32x4.extract_lane 2)
    (i32x4.splat)
    (v128.bitselect (local.get $v) (local.get $v)))

  (func $select (param i32) (result funcref)
    (drop (select (f64.const 1) (f64.const 2) (local.get 0)))
    (select (result funcref) (ref.func $add) (ref.null func) (local.get 0)))

  (func $dead (result i32)
    unreachable
    br_table 0 0
    i32.add)

  (start $init)
  (func $init)
  (export "memory" (memory 0))
  (export "table" (table $funcs))
  (export "counter" (global $counter)))
