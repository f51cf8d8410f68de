;; The module of examples/embed_natives.py, embed_exceptions.py,
;; embed_user_data.py and embed_introspect.py: a display app that calls
;; natives of the host (the guide's display_input_read and display_flush).
;; Rebuild embed_app.wasm with: wasm-tools parse embed_app.wat -o embed_app.wasm
(module
  ;; "(*)i": the host writes an input event (x, y as two i32) at the pointer
  (import "env" "display_input_read" (func $input (param i32) (result i32)))
  ;; "(iiii*)": the rectangle x1 y1 x2 y2 and its pixels
  (import "env" "display_flush" (func $flush (param i32 i32 i32 i32 i32)))
  ;; "($)": a NUL-terminated message
  (import "env" "log" (func $log (param i32)))
  ;; "(*~)i": a buffer and its length -> a checksum
  (import "env" "checksum" (func $checksum (param i32 i32) (result i32)))
  ;; "(i)i": a sensor reading
  (import "env" "read_sensor" (func $sensor (param i32) (result i32)))
  (memory (export "memory") 1)
  (global $frames (export "frames") (mut i32) (i32.const 0))
  (data (i32.const 64) "frame done\00")
  (data (i32.const 80) "no input\00")
  ;; draw(w, h): read an input event (x, y) into 0..8, fill w*h pixels at
  ;; 1024 with (x + y + i) & 255, flush the rectangle at (x, y), log, count
  ;; the frame; -> the host's checksum of the pixels (-1 without input)
  (func (export "draw") (param $w i32) (param $h i32) (result i32)
    (local $i i32) (local $n i32) (local $base i32)
    i32.const 0 call $input i32.eqz
    if i32.const 80 call $log i32.const -1 return end
    i32.const 0 i32.load i32.const 4 i32.load i32.add local.set $base
    local.get $w local.get $h i32.mul local.set $n
    block $done
      loop $next
        local.get $i local.get $n i32.ge_u br_if $done
        local.get $i i32.const 1024 i32.add
        local.get $base local.get $i i32.add
        i32.store8
        local.get $i i32.const 1 i32.add local.set $i
        br $next
      end
    end
    i32.const 0 i32.load
    i32.const 4 i32.load
    i32.const 0 i32.load local.get $w i32.add i32.const 1 i32.sub
    i32.const 4 i32.load local.get $h i32.add i32.const 1 i32.sub
    i32.const 1024
    call $flush
    i32.const 64 call $log
    global.get $frames i32.const 1 i32.add global.set $frames
    i32.const 1024 local.get $n call $checksum)
  ;; sensor_sum(id, n): n readings of sensor id added up; after each reading
  ;; the count of readings taken so far is stored at address 16
  (func (export "sensor_sum") (param $id i32) (param $n i32) (result i32)
    (local $s i32) (local $k i32)
    i32.const 16 i32.const 0 i32.store
    block $done
      loop $next
        local.get $k local.get $n i32.ge_u br_if $done
        local.get $s local.get $id call $sensor i32.add local.set $s
        local.get $k i32.const 1 i32.add local.set $k
        i32.const 16 local.get $k i32.store
        br $next
      end
    end
    local.get $s)
  ;; checksum_at(ptr, len): the host's checksum of any range
  (func (export "checksum_at") (param i32 i32) (result i32)
    local.get 0 local.get 1 call $checksum)
  (func (export "taken") (result i32) i32.const 16 i32.load)
  (func (export "div") (param i32 i32) (result i32)
    local.get 0 local.get 1 i32.div_s)
)
