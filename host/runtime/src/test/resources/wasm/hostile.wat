;; A hostile driver for the Weir host's sandbox tests (ABI §9): the fixture's made-up framing
;; (request "REQ?"; frame 0xAA, count n, n little-endian i64 values, point i = value i), and one
;; misbehaviour chosen by the device config line: "device fault=N after=M" makes fault N happen
;; from the M-th cycle of the instance on (M = 0: at once). Without "fault=" it is a healthy
;; driver. The fault codes (io.weir.host.driver.Hostile.Fault in the tests names them):
;;
;;   1 loop in weir_open          2 loop in weir_close        3 loop in weir_poll
;;   4 loop in weir_frame_len     5 loop in weir_on_frame     6 loop in weir_on_timeout
;;   7 loop in weir_write         8 loop in weir_last_error   9 loop in weir_save_state
;;  10 loop in weir_load_state (after a trap in weir_on_frame)
;;  11 loop in weir_observe      12 loop in weir_gc
;;  13 loop in weir_link_up      14 loop in weir_frame_end   15 loop in weir_tick
;;  16 unbounded memory.grow     17 deep recursion           18 unreachable in weir_on_frame
;;  19 tx length = tx_cap (4096, allowed)                    20 tx length = tx_cap + 1
;;  21 frame length = bytes given (allowed)                  22 frame length = bytes given + 1
;;  23 E_RESYNC with skip 0       24 E_RESYNC with skip = bytes given + 1
;;     (21 to 24 in weir_frame_end too, which otherwise answers E_UNSUPPORTED)
;;  25 meta.expect = 2            26 meta.timeout_ms = -1     27 meta.timeout_ms = 2^31-1
;;  28 4096 records (allowed)     29 4097 records             30 5001 records (out holds 5000)
;;  31 blob_used = 1 MiB (allowed) 32 blob_used = 1 MiB + 1   33 blob_used = -1
;;  34 last_error length = err_cap + 1                        35 save_state length = state_cap + 1
;;  36 a cycle that never ends (weir_poll: requests with meta.expect 0, forever)
;;  37 garbage in every field of 64 records and in blob      38 control characters in a log line
;;  39 control characters in a record name                   40 control characters in last_error
;;  41 control characters in a panic message                 42 weir_on_frame returns -12345
;;  43 weir_write returns 0 (an empty request)               44 record point 0xFFFFFFFF
;;  45 record point 1000000 (outside any point map)          46 record name outside blob_used
;;  47 STR value that is not UTF-8                           48 meta.need = -5 on a partial frame
;;  49 a log flood: 10000 messages in one call               50 last_error length = err_cap (allowed)
;;  51 device never answers (no fault in the driver; the test's fake device stays silent)
;;  52 memory.grow 16 pages at a time until refused, then decodes the frame as usual (an
;;     allocator that takes what it gets and copes with a refusal)
(module
  (import "weir_host_v1" "log" (func $log (param i32 i32 i32)))
  (import "weir_host_v1" "panic" (func $panic (param i32 i32)))
  ;; 20 pages hold the regions below; no declared maximum, so the host cap (256 pages) applies.
  (memory (export "memory") 20)
  (global $fault (mut i32) (i32.const 0))
  (global $after (mut i32) (i32.const 0))
  (global $cycles (mut i32) (i32.const 0))
  (global $polled (mut i32) (i32.const 0))
  (global $outstanding (mut i32) (i32.const 0))
  (global $seed (mut i64) (i64.const 0x2545f4914f6cdd1d))
  (global $depth (mut i32) (i32.const 0))
  ;; layout at 1024: cfg 2048 (4096), rx 6144 (1024), tx 8192 (4096), out 16384 (120000 = 5000
  ;; records), blob 139264 (1 MiB + 64 KiB), state 12288 (4096), err 1253376 (4096)
  (data (i32.const 1024) "\57\45\49\52\40\00\00\00\00\08\00\00\00\10\00\00\00\18\00\00\00\04\00\00\00\20\00\00\00\10\00\00\00\40\00\00\c0\d4\01\00\00\20\02\00\00\00\11\00\00\30\00\00\00\10\00\00\00\20\13\00\00\10\00\00")
  (data (i32.const 1200) "fault=")
  (data (i32.const 1210) "after=")
  ;; 44 bytes: ESC [2J, CR, LF, NUL, U+202E (right-to-left override), BEL, DEL
  (data (i32.const 1300) "evil\1b[2J\0d\0aforged line\00\e2\80\aeright-to-left\07\7f end")
  (data (i32.const 1400) "hostile: frame refused")
  (data (i32.const 1500) "\ff\fe not UTF-8")
  ;; the manifest, 99 bytes, at blob[0]
  (data (i32.const 139264) "{\"name\":\"hostile\",\"version\":\"1.0.0\",\"protocol\":\"fixture-frames\",\"transport\":\"tcp\",\"state_schema\":1}")

  (func $armed (param $code i32) (result i32)
    (i32.and (i32.eq (global.get $fault) (local.get $code))
             (i32.ge_u (global.get $cycles) (global.get $after))))
  (func $spin (loop $forever (br $forever)))
  (func $recurse (param $n i32) (result i32)
    (global.set $depth (i32.add (global.get $depth) (i32.const 1)))
    (i32.add (call $recurse (i32.add (local.get $n) (i32.const 1))) (i32.const 1)))
  (func $rand (result i64)
    ;; xorshift64*
    (global.set $seed (i64.xor (global.get $seed) (i64.shr_u (global.get $seed) (i64.const 12))))
    (global.set $seed (i64.xor (global.get $seed) (i64.shl (global.get $seed) (i64.const 25))))
    (global.set $seed (i64.xor (global.get $seed) (i64.shr_u (global.get $seed) (i64.const 27))))
    (i64.mul (global.get $seed) (i64.const 0x2545f4914f6cdd1d)))
  ;; the value of "key=" in cfg[0..len] as a decimal number, or 0
  (func $param (param $key i32) (param $len i32) (result i32)
    (local $i i32) (local $k i32) (local $v i32) (local $c i32)
    (block $none
      (loop $scan
        (br_if $none (i32.gt_u (i32.add (local.get $i) (i32.const 6)) (local.get $len)))
        (local.set $k (i32.const 0))
        (block $miss
          (loop $cmp
            (br_if $miss (i32.ne (i32.load8_u (i32.add (i32.const 2048) (i32.add (local.get $i) (local.get $k))))
                                 (i32.load8_u (i32.add (local.get $key) (local.get $k)))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br_if $cmp (i32.lt_u (local.get $k) (i32.const 6))))
          ;; found: digits follow
          (local.set $i (i32.add (local.get $i) (i32.const 6)))
          (block $end
            (loop $digit
              (br_if $end (i32.ge_u (local.get $i) (local.get $len)))
              (local.set $c (i32.sub (i32.load8_u (i32.add (i32.const 2048) (local.get $i))) (i32.const 48)))
              (br_if $end (i32.gt_u (local.get $c) (i32.const 9)))
              (local.set $v (i32.add (i32.mul (local.get $v) (i32.const 10)) (local.get $c)))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br $digit)))
          (return (local.get $v)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $scan)))
    i32.const 0)
  ;; a GOOD I64 record at out[i]
  (func $record (param $i i32) (param $point i32) (param $value i64)
    (local $rec i32)
    (local.set $rec (i32.add (i32.const 16384) (i32.mul (local.get $i) (i32.const 24))))
    (i32.store (local.get $rec) (local.get $point))
    (i32.store (i32.add (local.get $rec) (i32.const 4)) (i32.const 2))
    (i64.store (i32.add (local.get $rec) (i32.const 8)) (i64.const 0))
    (i64.store (i32.add (local.get $rec) (i32.const 16)) (local.get $value)))
  ;; n GOOD I64 records of point 0, blob unused
  (func $records (param $n i32) (result i32)
    (local $i i32)
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (call $record (local.get $i) (i32.const 0) (i64.extend_i32_u (local.get $i)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $each)))
    (i32.store (i32.const 1104) (i32.const 0))
    local.get $n)

  (func (export "weir_abi_v1"))
  (func (export "weir_abi_version") (result i32) i32.const 0x00010000)
  (func (export "weir_host_abi") (param $host i32) (result i32)
    (if (result i32) (i32.ge_u (local.get $host) (i32.const 0x00010001))
      (then (i32.const 0x00010001)) (else (i32.const 0x00010000))))
  (func (export "weir_layout") (result i32) i32.const 1024)
  (func (export "weir_describe") (result i32)
    (i32.store (i32.const 1104) (i32.const 99))
    i32.const 99)
  (func (export "weir_open") (param $dev i32) (param $cfg_len i32) (param $now i64) (result i32)
    (if (i32.eqz (local.get $cfg_len)) (then (return (i32.const -8))))
    (global.set $fault (call $param (i32.const 1200) (local.get $cfg_len)))
    (global.set $after (call $param (i32.const 1210) (local.get $cfg_len)))
    (global.set $cycles (i32.const 0))
    (global.set $polled (i32.const 0))
    (global.set $outstanding (i32.const 0))
    (if (i32.eq (global.get $fault) (i32.const 1)) (then (call $spin)))
    i32.const 0)
  (func (export "weir_close") (param $dev i32) (result i32)
    (if (call $armed (i32.const 2)) (then (call $spin)))
    i32.const 0)
  (func (export "weir_poll") (param $dev i32) (param $now i64) (result i32)
    (if (call $armed (i32.const 36)) (then
      ;; a never-ending cycle: one more request that expects no answer, every time
      (i32.store (i32.const 1088) (i32.const 0))
      (i32.store (i32.const 1092) (i32.const 0))
      (i32.store (i32.const 8192) (i32.const 0x214e5553)) ;; "SUN!"
      (return (i32.const 4))))
    (if (global.get $polled) (then
      (global.set $polled (i32.const 0))
      (return (i32.const 0))))
    (global.set $cycles (i32.add (global.get $cycles) (i32.const 1)))
    (if (call $armed (i32.const 3)) (then (call $spin)))
    (global.set $polled (i32.const 1))
    (global.set $outstanding (i32.const 1))
    (i32.store (i32.const 1088) (i32.const 1))
    (i32.store (i32.const 1092) (i32.const 200))
    (if (call $armed (i32.const 25)) (then (i32.store (i32.const 1088) (i32.const 2))))
    (if (call $armed (i32.const 26)) (then (i32.store (i32.const 1092) (i32.const -1))))
    (if (call $armed (i32.const 27)) (then (i32.store (i32.const 1092) (i32.const 0x7fffffff))))
    (i32.store (i32.const 8192) (i32.const 0x3f514552)) ;; "REQ?"
    (if (call $armed (i32.const 19)) (then (return (i32.const 4096))))
    (if (call $armed (i32.const 20)) (then (return (i32.const 4097))))
    i32.const 4)
  (func (export "weir_frame_len") (param $dev i32) (param $len i32) (result i32)
    (local $total i32)
    (i32.store (i32.const 1108) (i32.const 0)) ;; meta.corr: none
    (if (call $armed (i32.const 4)) (then (call $spin)))
    (if (call $armed (i32.const 23)) (then
      (i32.store (i32.const 1096) (i32.const 0))
      (return (i32.const -10))))
    (if (call $armed (i32.const 24)) (then
      (i32.store (i32.const 1096) (i32.add (local.get $len) (i32.const 1)))
      (return (i32.const -10))))
    (if (i32.eqz (local.get $len)) (then
      (i32.store (i32.const 1100) (i32.const 0))
      (return (i32.const 0))))
    (if (i32.ne (i32.load8_u (i32.const 6144)) (i32.const 0xaa)) (then
      (i32.store (i32.const 1096) (i32.const 1))
      (return (i32.const -10))))
    (if (i32.lt_u (local.get $len) (i32.const 2)) (then
      (i32.store (i32.const 1100) (i32.const 0))
      (return (i32.const 0))))
    (local.set $total (i32.add (i32.const 2) (i32.mul (i32.const 8) (i32.load8_u (i32.const 6145)))))
    (if (i32.gt_u (local.get $total) (local.get $len)) (then
      (i32.store (i32.const 1100) (local.get $total))
      (if (call $armed (i32.const 48)) (then (i32.store (i32.const 1100) (i32.const -5))))
      (return (i32.const 0))))
    (if (call $armed (i32.const 21)) (then (return (local.get $len))))
    (if (call $armed (i32.const 22)) (then (return (i32.add (local.get $len) (i32.const 1)))))
    local.get $total)
  (func (export "weir_on_frame") (param $dev i32) (param $len i32) (param $now i64) (result i32)
    (local $n i32) (local $i i32) (local $rec i32)
    (i32.store (i32.const 1112) (i32.const 0)) ;; meta.frame_flags: the frame answers
    (if (i32.eqz (global.get $outstanding)) (then (return (i32.const -4))))
    (global.set $outstanding (i32.const 0))
    (if (call $armed (i32.const 5)) (then (call $spin)))
    (if (call $armed (i32.const 16)) (then
      ;; grow until refused, then keep asking
      (loop $grow (drop (memory.grow (i32.const 1))) (br $grow))))
    (if (call $armed (i32.const 52)) (then
      (block $refused
        (loop $more
          (br_if $refused (i32.lt_s (memory.grow (i32.const 16)) (i32.const 0)))
          (br $more)))))
    (if (call $armed (i32.const 17)) (then (return (call $recurse (i32.const 0)))))
    (if (call $armed (i32.const 18)) (then unreachable))
    ;; fault 10 traps here first, so that the fresh instance gets weir_load_state
    (if (call $armed (i32.const 10)) (then unreachable))
    (if (call $armed (i32.const 28)) (then (return (call $records (i32.const 4096)))))
    (if (call $armed (i32.const 29)) (then (return (call $records (i32.const 4097)))))
    (if (call $armed (i32.const 30)) (then (return (call $records (i32.const 5001)))))
    (if (call $armed (i32.const 31)) (then
      ;; a STR record using the whole per-call blob allowance: 1 MiB of "x" at blob[0]
      (memory.fill (i32.const 139264) (i32.const 0x78) (i32.const 1048576))
      (call $record (i32.const 0) (i32.const 0) (i64.const 0x0010000000000000))
      (i32.store8 (i32.const 16388) (i32.const 5)) ;; vtype STR: offset 0, length 1 MiB
      (i32.store (i32.const 1104) (i32.const 1048576))
      (return (i32.const 1))))
    (if (call $armed (i32.const 32)) (then
      (drop (call $records (i32.const 1)))
      (i32.store (i32.const 1104) (i32.const 1048577))
      (return (i32.const 1))))
    (if (call $armed (i32.const 33)) (then
      (drop (call $records (i32.const 1)))
      (i32.store (i32.const 1104) (i32.const -1))
      (return (i32.const 1))))
    (if (call $armed (i32.const 37)) (then
      ;; 64 records of random bytes, 4096 random blob bytes, a random blob_used
      (local.set $i (i32.const 0))
      (block $done
        (loop $fill
          (br_if $done (i32.ge_u (local.get $i) (i32.const 192)))
          (i64.store (i32.add (i32.const 16384) (i32.mul (local.get $i) (i32.const 8))) (call $rand))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $fill)))
      (local.set $i (i32.const 0))
      (block $done2
        (loop $fill2
          (br_if $done2 (i32.ge_u (local.get $i) (i32.const 512)))
          (i64.store (i32.add (i32.const 139264) (i32.mul (local.get $i) (i32.const 8))) (call $rand))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $fill2)))
      (i32.store (i32.const 1104) (i32.and (i32.wrap_i64 (call $rand)) (i32.const 4095)))
      (return (i32.const 64))))
    (if (call $armed (i32.const 38)) (then
      (call $log (i32.const 2) (i32.const 1300) (i32.const 44))))
    (if (call $armed (i32.const 39)) (then
      ;; a named record whose name (44 bytes at blob[200]) carries control characters
      (i32.store16 (i32.const 139464) (i32.const 44))
      (memory.copy (i32.const 139466) (i32.const 1300) (i32.const 44))
      (call $record (i32.const 0) (i32.const 200) (i64.const 7))
      (i32.store8 (i32.const 16389) (i32.const 1)) ;; flags NAMED
      (i32.store (i32.const 1104) (i32.const 246))
      (return (i32.const 1))))
    (if (call $armed (i32.const 40)) (then
      (memory.copy (i32.const 1253376) (i32.const 1300) (i32.const 44))
      (global.set $outstanding (i32.const 1))
      (return (i32.const -5))))
    (if (call $armed (i32.const 41)) (then
      (call $panic (i32.const 1300) (i32.const 44))
      unreachable))
    (if (call $armed (i32.const 42)) (then
      (global.set $outstanding (i32.const 1))
      (return (i32.const -12345))))
    (if (call $armed (i32.const 44)) (then
      (call $record (i32.const 0) (i32.const -1) (i64.const 1))
      (i32.store (i32.const 1104) (i32.const 0))
      (return (i32.const 1))))
    (if (call $armed (i32.const 45)) (then
      (call $record (i32.const 0) (i32.const 1000000) (i64.const 1))
      (i32.store (i32.const 1104) (i32.const 0))
      (return (i32.const 1))))
    (if (call $armed (i32.const 46)) (then
      (call $record (i32.const 0) (i32.const 5000) (i64.const 1))
      (i32.store8 (i32.const 16389) (i32.const 1)) ;; NAMED, name at blob offset 5000
      (i32.store (i32.const 1104) (i32.const 100))
      (return (i32.const 1))))
    (if (call $armed (i32.const 47)) (then
      (memory.copy (i32.const 139264) (i32.const 1500) (i32.const 12))
      (call $record (i32.const 0) (i32.const 0) (i64.const 0x0000000c00000000))
      (i32.store8 (i32.const 16388) (i32.const 5)) ;; STR, offset 0, length 12
      (i32.store (i32.const 1104) (i32.const 12))
      (return (i32.const 1))))
    (if (call $armed (i32.const 49)) (then
      (local.set $i (i32.const 0))
      (block $logged
        (loop $flood
          (br_if $logged (i32.ge_u (local.get $i) (i32.const 10000)))
          (call $log (i32.const 2) (i32.const 1400) (i32.const 22))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $flood)))))
    (if (i32.or (call $armed (i32.const 8)) (i32.or (call $armed (i32.const 34)) (call $armed (i32.const 50)))) (then
      ;; refuse the frame, so that the host asks weir_last_error
      (global.set $outstanding (i32.const 1))
      (return (i32.const -5))))
    ;; the healthy path
    (local.set $n (i32.load8_u (i32.const 6145)))
    (block $done3
      (loop $each
        (br_if $done3 (i32.ge_u (local.get $i) (local.get $n)))
        (call $record (local.get $i) (local.get $i)
          (i64.load (i32.add (i32.const 6146) (i32.mul (local.get $i) (i32.const 8)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $each)))
    (i32.store (i32.const 1104) (i32.const 0))
    local.get $n)
  (func (export "weir_on_timeout") (param $dev i32) (param $now i64) (result i32)
    (if (i32.eqz (global.get $outstanding)) (then (return (i32.const -4))))
    (global.set $outstanding (i32.const 0))
    (if (call $armed (i32.const 6)) (then (call $spin)))
    (i32.store (i32.const 1104) (i32.const 0))
    (i32.store (i32.const 16384) (i32.const 0))
    (i32.store (i32.const 16388) (i32.const 0x80010000)) ;; NULL, BAD_COMM
    (i64.store (i32.const 16392) (i64.const 0))
    (i64.store (i32.const 16400) (i64.const 0))
    i32.const 1)
  (func (export "weir_observe") (param $dev i32) (param $len i32) (result i32)
    (if (call $armed (i32.const 11)) (then (call $spin)))
    (global.set $outstanding (i32.const 1))
    (i32.store (i32.const 1108) (i32.const 0))
    i32.const 0)
  (func (export "weir_write") (param $dev i32) (param $point i32) (param $vtype i32)
                              (param $value i64) (param $now i64) (result i32)
    (if (call $armed (i32.const 7)) (then (call $spin)))
    (if (call $armed (i32.const 43)) (then (return (i32.const 0))))
    (global.set $outstanding (i32.const 1))
    (i32.store (i32.const 1088) (i32.const 1))
    (i32.store (i32.const 1092) (i32.const 200))
    (i32.store (i32.const 8192) (i32.const 0x3f545257)) ;; "WRT?"
    (i64.store (i32.const 8196) (local.get $value))
    i32.const 12)
  (func (export "weir_save_state") (param $dev i32) (result i32)
    (if (call $armed (i32.const 9)) (then (call $spin)))
    (if (call $armed (i32.const 35)) (then (return (i32.const 4097))))
    (i32.store (i32.const 12288) (i32.const 1)) ;; state_schema 1
    (i32.store (i32.const 12292) (global.get $cycles))
    i32.const 8)
  (func (export "weir_load_state") (param $dev i32) (param $len i32) (result i32)
    ;; whatever the cycle: a fresh instance has counted none yet
    (if (i32.eq (global.get $fault) (i32.const 10)) (then (call $spin)))
    (if (i32.ne (i32.load (i32.const 12288)) (i32.const 1)) (then (return (i32.const -9))))
    i32.const 0)
  (func (export "weir_last_error") (param $dev i32) (result i32)
    (if (call $armed (i32.const 8)) (then (call $spin)))
    (if (call $armed (i32.const 34)) (then (return (i32.const 4097))))
    (if (call $armed (i32.const 40)) (then (return (i32.const 44))))
    (if (call $armed (i32.const 50)) (then
      (memory.fill (i32.const 1253376) (i32.const 0x65) (i32.const 4096))
      (return (i32.const 4096))))
    (memory.copy (i32.const 1253376) (i32.const 1400) (i32.const 22))
    i32.const 22)
  (func (export "weir_gc")
    (if (call $armed (i32.const 12)) (then (call $spin))))
  (func (export "weir_link_up") (param $dev i32) (param $now i64) (result i32)
    (if (call $armed (i32.const 13)) (then (call $spin)))
    i32.const -7)
  (func (export "weir_frame_end") (param $dev i32) (param $len i32) (result i32)
    (if (call $armed (i32.const 14)) (then (call $spin)))
    ;; faults 21 to 24 answer at line silence as weir_frame_len does
    (if (call $armed (i32.const 21)) (then (return (local.get $len))))
    (if (call $armed (i32.const 22)) (then (return (i32.add (local.get $len) (i32.const 1)))))
    (if (call $armed (i32.const 23)) (then
      (i32.store (i32.const 1096) (i32.const 0))
      (return (i32.const -10))))
    (if (call $armed (i32.const 24)) (then
      (i32.store (i32.const 1096) (i32.add (local.get $len) (i32.const 1)))
      (return (i32.const -10))))
    i32.const -7)
  (func (export "weir_tick") (param $dev i32) (param $now i64) (result i32)
    (if (call $armed (i32.const 15)) (then (call $spin)))
    i32.const 0)
)
