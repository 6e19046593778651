;; Test fixture for the Weir host (see README.md): a driver whose every answer is chosen by the
;; test, for property tests of the host's reading of guest output. weir_observe copies rx into a
;; script; from then on weir_poll, weir_write, weir_frame_len, weir_on_frame, weir_on_timeout,
;; weir_last_error and weir_save_state return and write what the script says:
;;
;;   offset  i32 field              offset  i32 field
;;        0  weir_poll/weir_write       24  weir_on_frame/weir_on_timeout return
;;        4  meta.expect                28  meta.blob_used
;;        8  meta.timeout_ms            32  bytes copied into out (at most out_cap)
;;       12  weir_frame_len return      36  bytes copied into blob (at most blob_cap)
;;       16  meta.skip                  40  weir_last_error return
;;       20  meta.need                  44  weir_save_state return
;;       48  the out bytes, then the blob bytes
;;
;; Layout at 1024: cfg 2048 (4096), rx 8192 (65536), tx 73728 (4096), out 81920 (49152 = 2048
;; records), blob 131072 (65536), state 196608 (4096), err 200704 (4096); the script at 262144.
(module
  (memory (export "memory") 6 6)
  (data (i32.const 1024) "\57\45\49\52\40\00\00\00\00\08\00\00\00\10\00\00\00\20\00\00\00\00\01\00\00\20\01\00\00\10\00\00\00\40\01\00\00\c0\00\00\00\00\02\00\00\00\01\00\00\00\03\00\00\10\00\00\00\10\03\00\00\10\00\00")
  (data (i32.const 131072) "{\"name\":\"puppet\",\"version\":\"1.0.0\",\"protocol\":\"fixture-frames\",\"transport\":\"tcp\"}")
  (func $s (param $off i32) (result i32) (i32.load (i32.add (i32.const 262144) (local.get $off))))
  (func $clamp (param $v i32) (param $max i32) (result i32)
    (if (i32.lt_s (local.get $v) (i32.const 0)) (then (return (i32.const 0))))
    (if (i32.gt_s (local.get $v) (local.get $max)) (then (return (local.get $max))))
    local.get $v)
  (func $request (result i32)
    (i32.store (i32.const 1088) (call $s (i32.const 4)))
    (i32.store (i32.const 1092) (call $s (i32.const 8)))
    (call $s (i32.const 0)))
  (func $records (result i32)
    (local $out i32) (local $blob i32)
    (local.set $out (call $clamp (call $s (i32.const 32)) (i32.const 49152)))
    (local.set $blob (call $clamp (call $s (i32.const 36)) (i32.const 65536)))
    ;; the script holds 65536 bytes after its header: never read past it
    (local.set $out (call $clamp (local.get $out) (i32.const 65488)))
    (local.set $blob (call $clamp (local.get $blob) (i32.sub (i32.const 65488) (local.get $out))))
    (memory.copy (i32.const 81920) (i32.const 262192) (local.get $out))
    (memory.copy (i32.const 131072) (i32.add (i32.const 262192) (local.get $out)) (local.get $blob))
    (i32.store (i32.const 1104) (call $s (i32.const 28)))
    (call $s (i32.const 24)))
  (func (export "weir_abi_v1"))
  (func (export "weir_abi_version") (result i32) i32.const 0x00010000)
  (func (export "weir_layout") (result i32) i32.const 1024)
  (func (export "weir_describe") (result i32)
    (i32.store (i32.const 1104) (i32.const 81))
    i32.const 81)
  (func (export "weir_open") (param i32 i32 i64) (result i32) i32.const 0)
  (func (export "weir_close") (param i32) (result i32) i32.const 0)
  (func (export "weir_observe") (param $dev i32) (param $len i32) (result i32)
    (memory.fill (i32.const 262144) (i32.const 0) (i32.const 65536))
    (memory.copy (i32.const 262144) (i32.const 8192) (call $clamp (local.get $len) (i32.const 65536)))
    i32.const 0)
  (func (export "weir_poll") (param i32 i64) (result i32) (call $request))
  (func (export "weir_write") (param i32 i32 i32 i64 i64) (result i32) (call $request))
  (func (export "weir_frame_len") (param i32 i32) (result i32)
    (i32.store (i32.const 1096) (call $s (i32.const 16)))
    (i32.store (i32.const 1100) (call $s (i32.const 20)))
    (call $s (i32.const 12)))
  (func (export "weir_on_frame") (param i32 i32 i64) (result i32) (call $records))
  (func (export "weir_on_timeout") (param i32 i64) (result i32) (call $records))
  (func (export "weir_last_error") (param i32) (result i32) (call $s (i32.const 40)))
  (func (export "weir_save_state") (param i32) (result i32) (call $s (i32.const 44)))
)
