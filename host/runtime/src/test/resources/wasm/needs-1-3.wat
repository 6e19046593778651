;; The fixture driver saying it needs ABI 1.3 (weir_abi_version 0x00010003): a v1.2 host refuses it.
;; Frame: 0xAA, count n, then n little-endian i64 values (point i = value i).
;; Counts 0xF8..0xFF are commands that exercise the host: 0xFF traps, 0xFE loops forever,
;; 0xFD calls weir_host_v1.panic, 0xFC gives a BAD_DEVICE record, 0xFB a named record,
;; 0xFA returns a record count beyond the out region, 0xF9 returns E_PROTO, 0xF8 floods the log.
(module
  
  (import "weir_host_v1" "panic" (func $panic (param i32 i32)))
  (import "weir_host_v1" "log" (func $log (param i32 i32 i32)))
  (memory (export "memory") 1 4)
  (global $outstanding (mut i32) (i32.const 0))
  (global $polled (mut i32) (i32.const 0))
  (global $open_dev (mut i32) (i32.const -1))
  (data (i32.const 1024) "\57\45\49\52\40\00\00\00\00\08\00\00\00\10\00\00\00\18\00\00\00\04\00\00\00\1c\00\00\00\02\00\00\00\20\00\00\00\c0\00\00\00\e0\00\00\00\10\00\00\00\f0\00\00\40\00\00\00\40\f0\00\00\80\00\00\00")
  (data (i32.const 57344) "{\"name\":\"fixture\",\"version\":\"1.0.0\",\"protocol\":\"fixture-frames\",\"transport\":\"tcp\"}")
  (data (i32.const 61504) "fixture: exception 2 (illegal data address)")
  (data (i32.const 62000) "fixture panic: frame asked for it")
  (func (export "weir_abi_v1"))
  (func (export "weir_abi_version") (result i32) i32.const 0x00010003)
  (func (export "weir_layout") (result i32) i32.const 1024)
  (func (export "weir_describe") (result i32)
    ;; the manifest sits at blob[0] from the data segment; meta.blob_used = its length
    (i32.store (i32.const 1104) (i32.const 82))
    i32.const 82)
  (func (export "weir_open") (param $dev i32) (param $cfg_len i32) (param $now i64) (result i32)
    (if (i32.eqz (local.get $cfg_len)) (then (return (i32.const -8))))
    ;; one device per instance (ABI §2.6): state is in globals, a second open handle is refused
    (if (i32.and (i32.ge_s (global.get $open_dev) (i32.const 0))
                 (i32.ne (global.get $open_dev) (local.get $dev)))
      (then (return (i32.const -7))))
    (global.set $open_dev (local.get $dev))
    (global.set $outstanding (i32.const 0))
    (global.set $polled (i32.const 0))
    i32.const 0)
  (func (export "weir_close") (param $dev i32) (result i32)
    (if (i32.eq (global.get $open_dev) (local.get $dev)) (then (global.set $open_dev (i32.const -1))))
    i32.const 0)
  (func (export "weir_poll") (param $dev i32) (param $now i64) (result i32)
    ;; one request per cycle: the second poll ends the cycle
    (if (global.get $polled) (then
      (global.set $polled (i32.const 0))
      (return (i32.const 0))))
    (global.set $polled (i32.const 1))
    (global.set $outstanding (i32.const 1))
    (i32.store (i32.const 1088) (i32.const 1))      ;; meta.expect
    (i32.store (i32.const 1092) (i32.const 200))    ;; meta.timeout_ms
    (i32.store (i32.const 7168) (i32.const 0x3f514552)) ;; "REQ?"
    i32.const 4)
  (func (export "weir_frame_len") (param $dev i32) (param $len i32) (result i32)
    (local $total i32)
    (if (i32.eqz (local.get $len)) (then
      (i32.store (i32.const 1100) (i32.const 0))
      (return (i32.const 0))))
    ;; a frame starts with 0xAA; anything else is garbage, skip one byte
    (if (i32.ne (i32.load8_u (i32.const 6144)) (i32.const 0xaa)) (then
      (i32.store (i32.const 1096) (i32.const 1))
      (return (i32.const -10))))
    (if (i32.lt_u (local.get $len) (i32.const 2)) (then
      (i32.store (i32.const 1100) (i32.const 0))
      (return (i32.const 0))))
    ;; count 0xF8..0xFF are commands with no values
    (if (i32.ge_u (i32.load8_u (i32.const 6145)) (i32.const 0xf8)) (then (return (i32.const 2))))
    (local.set $total (i32.add (i32.const 2) (i32.mul (i32.const 8) (i32.load8_u (i32.const 6145)))))
    (if (i32.gt_u (local.get $total) (i32.const 1024)) (then
      (i32.store (i32.const 1096) (i32.const 1))
      (return (i32.const -10))))
    (if (i32.gt_u (local.get $total) (local.get $len)) (then
      (i32.store (i32.const 1100) (local.get $total))
      (return (i32.const 0))))
    local.get $total)
  (func (export "weir_on_frame") (param $dev i32) (param $len i32) (param $now i64) (result i32)
    (local $n i32) (local $i i32) (local $rec i32)
    (if (i32.eqz (global.get $outstanding)) (then (return (i32.const -4))))
    (local.set $n (i32.load8_u (i32.const 6145)))
    (i32.store (i32.const 1104) (i32.const 0))      ;; meta.blob_used
    (if (i32.eq (local.get $n) (i32.const 0xff)) (then unreachable))
    (if (i32.eq (local.get $n) (i32.const 0xfe)) (then (loop $forever (br $forever))))
    (if (i32.eq (local.get $n) (i32.const 0xfd)) (then
      (call $panic (i32.const 62000) (i32.const 33))
      unreachable))
    (if (i32.eq (local.get $n) (i32.const 0xfc)) (then
      ;; a device exception: BAD_DEVICE, U64 2
      (global.set $outstanding (i32.const 0))
      (i32.store (i32.const 8192) (i32.const 0))
      (i32.store (i32.const 8196) (i32.const 0x80030003))
      (i64.store (i32.const 8200) (i64.const 0))
      (i64.store (i32.const 8208) (i64.const 2))
      (return (i32.const 1))))
    (if (i32.eq (local.get $n) (i32.const 0xfb)) (then
      ;; a named record: name "holding/7" at blob offset 200, U64 513
      (global.set $outstanding (i32.const 0))
      (i32.store16 (i32.const 57544) (i32.const 9))
      (i64.store (i32.const 57546) (i64.const 0x2f676e69646c6f68)) ;; "holding/"
      (i32.store8 (i32.const 57554) (i32.const 0x37))             ;; "7"
      (i32.store (i32.const 1104) (i32.const 211))
      (i32.store (i32.const 8192) (i32.const 200))
      (i32.store (i32.const 8196) (i32.const 0x00000103))
      (i64.store (i32.const 8200) (i64.const 0))
      (i64.store (i32.const 8208) (i64.const 513))
      (return (i32.const 1))))
    (if (i32.eq (local.get $n) (i32.const 0xfa)) (then
      ;; a record count beyond out: a region violation
      (return (i32.const 5000))))
    (if (i32.eq (local.get $n) (i32.const 0xf8)) (then
      ;; a log flood: 50 messages of 2000 bytes each (the host truncates and rate-limits)
      (global.set $outstanding (i32.const 0))
      (block $logged
        (loop $log
          (br_if $logged (i32.ge_u (local.get $i) (i32.const 50)))
          (call $log (i32.const 2) (i32.const 57344) (i32.const 2000))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $log)))
      (return (i32.const 0))))
    (if (i32.eq (local.get $n) (i32.const 0xf9)) (then
      ;; a frame that does not answer the request: E_PROTO, request stays outstanding
      (return (i32.const -5))))
    (global.set $outstanding (i32.const 0))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $rec (i32.add (i32.const 8192) (i32.mul (local.get $i) (i32.const 24))))
        (i32.store (local.get $rec) (local.get $i))                       ;; point
        (i32.store (i32.add (local.get $rec) (i32.const 4)) (i32.const 2)) ;; I64, no flags, GOOD
        (i64.store (i32.add (local.get $rec) (i32.const 8)) (i64.const 0))
        (i64.store (i32.add (local.get $rec) (i32.const 16))
          (i64.load (i32.add (i32.const 6146) (i32.mul (local.get $i) (i32.const 8)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $each)))
    local.get $n)
  (func (export "weir_on_timeout") (param $dev i32) (param $now i64) (result i32)
    (if (i32.eqz (global.get $outstanding)) (then (return (i32.const -4))))
    (global.set $outstanding (i32.const 0))
    (i32.store (i32.const 1104) (i32.const 0))
    (i32.store (i32.const 8192) (i32.const 0))
    (i32.store (i32.const 8196) (i32.const 0x80010000)) ;; NULL, BAD_COMM
    (i64.store (i32.const 8200) (i64.const 0))
    (i64.store (i32.const 8208) (i64.const 0))
    i32.const 1)
  (func (export "weir_last_error") (param $dev i32) (result i32) i32.const 43)
  )
