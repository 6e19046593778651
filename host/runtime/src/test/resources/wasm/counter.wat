;; A stateful test driver for hot swaps (ABI §7.7): every request carries the device's next
;; sequence number (u32 LE), and the answer (0xAA 0x00) gives point 0 = that number as I64. The
;; state is {u32 state_schema = 1, u32 next sequence number}: a swap that hands it over continues
;; the numbers, a cold start begins again at 1. Tests make other versions and schemas by patching
;; the manifest text (same length); a version that starts with 9 refuses every device (E_CONFIG),
;; one that starts with 8 traps on every answer (a bug its poll-only vectors do not show). Any
;; version traps on the answer 0xAA 0xFF: a test's way to end one instance.
(module
  (memory (export "memory") 1 4)
  (global $seq (mut i32) (i32.const 1))
  (global $sent (mut i32) (i32.const 0))
  (global $outstanding (mut i32) (i32.const 0))
  (global $polled (mut i32) (i32.const 0))
  (data (i32.const 1024) "\57\45\49\52\40\00\00\00\00\08\00\00\00\10\00\00\00\18\00\00\00\04\00\00\00\1c\00\00\00\02\00\00\00\20\00\00\00\c0\00\00\00\e0\00\00\00\10\00\00\00\f0\00\00\40\00\00\00\40\f0\00\00\80\00\00\00")
  (data (i32.const 57344) "{\"name\":\"counter\",\"version\":\"1.0.0\",\"protocol\":\"counter\",\"transport\":\"tcp\",\"state_schema\":1}")
  (func (export "weir_abi_v1"))
  (func (export "weir_abi_version") (result i32) i32.const 0x00010000)
  (func (export "weir_layout") (result i32) i32.const 1024)
  (func (export "weir_describe") (result i32)
    (i32.store (i32.const 1104) (i32.const 92))
    i32.const 92)
  (func (export "weir_open") (param $dev i32) (param $cfg_len i32) (param $now i64) (result i32)
    ;; the first character of the manifest's version, at 57344 + len("{\"name\":\"counter\",\"version\":\"")
    (if (i32.eq (i32.load8_u (i32.const 57373)) (i32.const 0x39)) (then (return (i32.const -8))))
    (global.set $seq (i32.const 1))
    (global.set $outstanding (i32.const 0))
    (global.set $polled (i32.const 0))
    i32.const 0)
  (func (export "weir_close") (param $dev i32) (result i32) i32.const 0)
  (func (export "weir_poll") (param $dev i32) (param $now i64) (result i32)
    (if (global.get $polled) (then
      (global.set $polled (i32.const 0))
      (return (i32.const 0))))
    (global.set $polled (i32.const 1))
    (global.set $outstanding (i32.const 1))
    (global.set $sent (global.get $seq))
    (global.set $seq (i32.add (global.get $seq) (i32.const 1)))
    (i32.store (i32.const 1088) (i32.const 1))      ;; meta.expect
    (i32.store (i32.const 1092) (i32.const 200))    ;; meta.timeout_ms
    (i32.store (i32.const 7168) (global.get $sent))
    i32.const 4)
  (func (export "weir_frame_len") (param $dev i32) (param $len i32) (result i32)
    (if (i32.lt_u (local.get $len) (i32.const 1)) (then
      (i32.store (i32.const 1100) (i32.const 2))
      (return (i32.const 0))))
    (if (i32.ne (i32.load8_u (i32.const 6144)) (i32.const 0xaa)) (then
      (i32.store (i32.const 1096) (i32.const 1))
      (return (i32.const -10))))
    (if (i32.lt_u (local.get $len) (i32.const 2)) (then
      (i32.store (i32.const 1100) (i32.const 2))
      (return (i32.const 0))))
    i32.const 2)
  (func (export "weir_on_frame") (param $dev i32) (param $len i32) (param $now i64) (result i32)
    (if (i32.eq (i32.load8_u (i32.const 57373)) (i32.const 0x38)) (then unreachable))
    (if (i32.eq (i32.load8_u (i32.const 6145)) (i32.const 0xff)) (then unreachable))
    (if (i32.eqz (global.get $outstanding)) (then (return (i32.const -4))))
    (global.set $outstanding (i32.const 0))
    (i32.store (i32.const 1104) (i32.const 0))
    (i32.store (i32.const 8192) (i32.const 0))
    (i32.store (i32.const 8196) (i32.const 2))      ;; I64, GOOD
    (i64.store (i32.const 8200) (i64.const 0))
    (i64.store (i32.const 8208) (i64.extend_i32_u (global.get $sent)))
    i32.const 1)
  (func (export "weir_on_timeout") (param $dev i32) (param $now i64) (result i32)
    (if (i32.eqz (global.get $outstanding)) (then (return (i32.const -4))))
    (global.set $outstanding (i32.const 0))
    (i32.store (i32.const 1104) (i32.const 0))
    (i32.store (i32.const 8192) (i32.const 0))
    (i32.store (i32.const 8196) (i32.const 0x80010000)) ;; NULL, BAD_COMM
    (i64.store (i32.const 8200) (i64.const 0))
    (i64.store (i32.const 8208) (i64.const 0))
    i32.const 1)
  (func (export "weir_save_state") (param $dev i32) (result i32)
    (i32.store (i32.const 61440) (i32.const 1))
    (i32.store (i32.const 61444) (global.get $seq))
    i32.const 8)
  (func (export "weir_load_state") (param $dev i32) (param $len i32) (result i32)
    (if (i32.ne (local.get $len) (i32.const 8)) (then (return (i32.const -9))))
    (if (i32.ne (i32.load (i32.const 61440)) (i32.const 1)) (then (return (i32.const -9))))
    (global.set $seq (i32.load (i32.const 61444)))
    i32.const 0)
  (func (export "weir_last_error") (param $dev i32) (result i32) i32.const 0)
  )
