;; Generated test fixture for the Weir host: an ABI v1.1 driver (it runs on a v1.0 host too, as a
;; v1.0 driver) speaking the fixture's made-up framing, with up to 8 devices per instance.
;; Frames: 0xAA, count n, then n little-endian i64 values (point i = value i), as `fixture`.
;; Counts 0xF0..0xFF are commands: 0xFF traps, 0xFE loops forever, 0xF0 is a device event that is
;; not the answer (a DEVICE_STATUS record BAD_DEVICE 7, frame flag NOT_ANSWER), 0xF1 asks for a
;; poll now (POLL_NOW), 0xF2 a device status UNCERTAIN "warming up", 0xF3 confirms the outstanding
;; write (WRITE_RESULT with the written value, plus a reading of point 0 = 99), 0xF4 refuses it
;; (WRITE_RESULT BAD_DEVICE 3), 0xF5 names point 50 (outside any test's point map).
;; Silence-delimited frames (serial): bytes starting 0xBB, 0xCC, 0xDD or 0xEE make weir_frame_len
;; wait; weir_frame_end then answers: 0xBB v is a 2-byte frame (point 0 = v), a lone 0xBB is no
;; frame (0), 0xCC asks to skip one byte (E_RESYNC), 0xDD is E_UNSUPPORTED, 0xEE is E_PROTO.
;; weir_poll sends one request per cycle: "Q", dev, link_up count, transport letter (t/s/c from
;; weir.transport), tick count; on a can link as the data of one CAN frame (id 0x18EA00F9). Device keys: lu=refuse (weir_link_up fails), lu=unsup
;; (E_UNSUPPORTED), tick=1 (weir_tick reports point 0 = tick count), tick=unsup, flood=1 (weir_poll
;; never ends a cycle: "F" requests without response), slow=1 (meta.timeout_ms = 2^31-1).
;; weir_write sends "W", dev, point, the 8 value bytes; point 1 is read-only (E_UNSUPPORTED).
(module
  (import "weir_host_v1" "panic" (func $panic (param i32 i32)))
  (memory (export "memory") 2 4)
  (global $passive i32 (i32.const 0))
  (global $manifest_len i32 (i32.const 149))
  (global $agreed (mut i32) (i32.const 0))
  (global $err_ptr (mut i32) (i32.const 0))
  (global $err_len (mut i32) (i32.const 0))
  (data (i32.const 1024) "\57\45\49\52\40\00\00\00\00\08\00\00\00\10\00\00\00\18\00\00\00\04\00\00\00\1c\00\00\00\02\00\00\00\20\00\00\00\c0\00\00\00\e0\00\00\00\10\00\00\00\f0\00\00\40\00\00\00\40\f0\00\00\80\00\00\00")
  (data (i32.const 57344) "{\"name\":\"fixture11\",\"version\":\"1.1.0\",\"protocol\":\"fixture-frames\",\"transport\":\"tcp\",\"transports\":[\"tcp\",\"serial\"],\"unsolicited\":true,\"max_devices\":4}")
  (data (i32.const 62000) "fixture11: link refused (lu=refuse)")
  (data (i32.const 62100) "weir.transport=serial")
  (data (i32.const 62130) "weir.transport=can")
  (data (i32.const 62150) "lu=refuse")
  (data (i32.const 62160) "lu=unsup")
  (data (i32.const 62170) "tick=1")
  (data (i32.const 62180) "tick=unsup")
  (data (i32.const 62200) "flood=1")
  (data (i32.const 62210) "slow=1")
  (data (i32.const 62220) "warming up")
  (data (i32.const 62240) "fixture11: silence framing error")
  (data (i32.const 62280) "fixture11: write refused, code 3")
  (data (i32.const 62320) "fixture11: agreed ABI 1.0 has no NOT_ANSWER")

  ;; per-device state: 64 bytes at 65536 + dev*64
  ;; +0 open, +4 flags, +8 outstanding (1 poll, 2 write), +12 polled, +16 link_ups, +20 ticks,
  ;; +24 write point, +32 write value
  (func $slot (param $dev i32) (result i32)
    (i32.add (i32.const 65536) (i32.mul (local.get $dev) (i32.const 64))))
  (func $open (param $dev i32) (result i32)
    (if (i32.ge_u (local.get $dev) (i32.const 8)) (then (return (i32.const 0))))
    (i32.load (call $slot (local.get $dev))))
  (func $flag (param $dev i32) (param $bit i32) (result i32)
    (i32.ne (i32.and (i32.load offset=4 (call $slot (local.get $dev))) (local.get $bit)) (i32.const 0)))
  (func $err (param $ptr i32) (param $len i32)
    (global.set $err_ptr (local.get $ptr))
    (global.set $err_len (local.get $len)))
  ;; whether cfg[0..len] contains the n bytes at p
  (func $has (param $len i32) (param $p i32) (param $n i32) (result i32)
    (local $i i32) (local $j i32)
    (block $none
      (loop $outer
        (br_if $none (i32.gt_s (i32.add (local.get $i) (local.get $n)) (local.get $len)))
        (local.set $j (i32.const 0))
        (block $mismatch
          (loop $inner
            (if (i32.ge_u (local.get $j) (local.get $n)) (then (return (i32.const 1))))
            (br_if $mismatch
              (i32.ne (i32.load8_u (i32.add (i32.const 2048) (i32.add (local.get $i) (local.get $j))))
                      (i32.load8_u (i32.add (local.get $p) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $inner)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $outer)))
    (i32.const 0))
  ;; record i: point, vtype | flags << 8 | quality << 16, host timestamp, value
  (func $rec (param $i i32) (param $point i32) (param $head i32) (param $value i64)
    (local $r i32)
    (local.set $r (i32.add (i32.const 8192) (i32.mul (local.get $i) (i32.const 24))))
    (i32.store (local.get $r) (local.get $point))
    (i32.store offset=4 (local.get $r) (local.get $head))
    (i64.store offset=8 (local.get $r) (i64.const 0))
    (i64.store offset=16 (local.get $r) (local.get $value)))
  (func $frame_flags (param $f i32)
    (if (global.get $agreed) (then (i32.store (i32.const 1112) (local.get $f)))))

  (func (export "weir_abi_v1"))
  (func (export "weir_abi_version") (result i32) i32.const 0x00010000)
  (func (export "weir_host_abi") (param $host i32) (result i32)
    (if (i32.and (i32.eq (i32.shr_u (local.get $host) (i32.const 16)) (i32.const 1))
                 (i32.ge_u (i32.and (local.get $host) (i32.const 0xffff)) (i32.const 1)))
      (then (global.set $agreed (i32.const 1)) (return (i32.const 0x00010001))))
    (global.set $agreed (i32.const 0))
    i32.const 0x00010000)
  (func (export "weir_layout") (result i32) i32.const 1024)
  (func (export "weir_describe") (result i32)
    (i32.store (i32.const 1104) (global.get $manifest_len))
    global.get $manifest_len)
  (func (export "weir_open") (param $dev i32) (param $cfg_len i32) (param $now i64) (result i32)
    (local $s i32) (local $f i32)
    (if (i32.ge_u (local.get $dev) (i32.const 8)) (then (return (i32.const -7))))
    (if (i32.eqz (local.get $cfg_len)) (then (return (i32.const -8))))
    (local.set $s (call $slot (local.get $dev)))
    (local.set $f (i32.or
      (i32.or (i32.or (call $has (local.get $cfg_len) (i32.const 62100) (i32.const 21))
                      (i32.shl (call $has (local.get $cfg_len) (i32.const 62130) (i32.const 18)) (i32.const 1)))
              (i32.or (i32.shl (call $has (local.get $cfg_len) (i32.const 62150) (i32.const 9)) (i32.const 2))
                      (i32.shl (call $has (local.get $cfg_len) (i32.const 62160) (i32.const 8)) (i32.const 3))))
      (i32.or (i32.or (i32.shl (call $has (local.get $cfg_len) (i32.const 62170) (i32.const 6)) (i32.const 4))
                      (i32.shl (call $has (local.get $cfg_len) (i32.const 62180) (i32.const 10)) (i32.const 5)))
              (i32.or (i32.shl (call $has (local.get $cfg_len) (i32.const 62200) (i32.const 7)) (i32.const 6))
                      (i32.shl (call $has (local.get $cfg_len) (i32.const 62210) (i32.const 6)) (i32.const 7))))))
    (i32.store (local.get $s) (i32.const 1))
    (i32.store offset=4 (local.get $s) (local.get $f))
    (i32.store offset=8 (local.get $s) (i32.const 0))
    (i32.store offset=12 (local.get $s) (i32.const 0))
    (i32.store offset=16 (local.get $s) (i32.const 0))
    (i32.store offset=20 (local.get $s) (i32.const 0))
    i32.const 0)
  (func (export "weir_close") (param $dev i32) (result i32)
    (if (i32.eqz (call $open (local.get $dev))) (then (return (i32.const -3))))
    (i32.store (call $slot (local.get $dev)) (i32.const 0))
    i32.const 0)
  (func (export "weir_link_up") (param $dev i32) (param $now i64) (result i32)
    (local $s i32)
    (if (i32.eqz (call $open (local.get $dev))) (then (return (i32.const -3))))
    (if (call $flag (local.get $dev) (i32.const 8)) (then (return (i32.const -7))))
    (if (call $flag (local.get $dev) (i32.const 4)) (then
      (call $err (i32.const 62000) (i32.const 35))
      (return (i32.const -99))))
    (local.set $s (call $slot (local.get $dev)))
    (i32.store offset=16 (local.get $s) (i32.add (i32.load offset=16 (local.get $s)) (i32.const 1)))
    (i32.store offset=8 (local.get $s) (i32.const 0))
    (i32.store offset=12 (local.get $s) (i32.const 0))
    i32.const 0)
  (func (export "weir_tick") (param $dev i32) (param $now i64) (result i32)
    (local $s i32)
    (if (i32.eqz (call $open (local.get $dev))) (then (return (i32.const -3))))
    (if (call $flag (local.get $dev) (i32.const 32)) (then (return (i32.const -7))))
    (local.set $s (call $slot (local.get $dev)))
    (i32.store offset=20 (local.get $s) (i32.add (i32.load offset=20 (local.get $s)) (i32.const 1)))
    (i32.store (i32.const 1104) (i32.const 0))
    (if (call $flag (local.get $dev) (i32.const 16)) (then
      ;; point 0, U64, GOOD: the tick count
      (call $rec (i32.const 0) (i32.const 0) (i32.const 3)
        (i64.extend_i32_u (i32.load offset=20 (local.get $s))))
      (return (i32.const 1))))
    i32.const 0)
  (func (export "weir_poll") (param $dev i32) (param $now i64) (result i32)
    (local $s i32) (local $t i32) (local $at i32)
    (if (i32.eqz (call $open (local.get $dev))) (then (return (i32.const -3))))
    (local.set $s (call $slot (local.get $dev)))
    (if (call $flag (local.get $dev) (i32.const 64)) (then
      ;; flood: a request without response, and the cycle never ends
      (i32.store (i32.const 1088) (i32.const 0))
      (i32.store (i32.const 1092) (i32.const 0))
      (i32.store (i32.const 7168) (i32.const 0x444f4c46)) ;; "FLOD"
      (return (i32.const 4))))
    ;; ABI §7.1: with agreed version 1.0 a passive driver's weir_poll returns 0
    (if (i32.and (global.get $passive) (i32.eqz (global.get $agreed))) (then (return (i32.const 0))))
    (if (i32.load offset=12 (local.get $s)) (then
      (i32.store offset=12 (local.get $s) (i32.const 0))
      (return (i32.const 0))))
    (i32.store offset=12 (local.get $s) (i32.const 1))
    (if (global.get $passive)
      (then (i32.store (i32.const 1088) (i32.const 0)))
      (else
        (i32.store offset=8 (local.get $s) (i32.const 1))
        (i32.store (i32.const 1088) (i32.const 1))))
    (i32.store (i32.const 1092)
      (select (i32.const 0x7fffffff) (i32.const 200) (call $flag (local.get $dev) (i32.const 128))))
    (local.set $t (i32.const 0x74)) ;; t
    (if (call $flag (local.get $dev) (i32.const 1)) (then (local.set $t (i32.const 0x73)))) ;; s
    (if (call $flag (local.get $dev) (i32.const 2)) (then (local.set $t (i32.const 0x63)))) ;; c
    (local.set $at (i32.const 7168))
    (if (call $flag (local.get $dev) (i32.const 2)) (then
      ;; on a CAN link the request is one CAN frame (ABI §6.4): id 0x18EA00F9, EXT, len 5, dlc 5
      (i32.store (i32.const 7168) (i32.const 0x18ea00f9))
      (i32.store (i32.const 7172) (i32.const 0x00050501))
      (local.set $at (i32.const 7176))))
    (i32.store8 (local.get $at) (i32.const 0x51)) ;; Q
    (i32.store8 offset=1 (local.get $at) (local.get $dev))
    (i32.store8 offset=2 (local.get $at) (i32.load offset=16 (local.get $s)))
    (i32.store8 offset=3 (local.get $at) (local.get $t))
    (i32.store8 offset=4 (local.get $at) (i32.load offset=20 (local.get $s)))
    (i32.sub (i32.add (local.get $at) (i32.const 5)) (i32.const 7168)))
  (func (export "weir_frame_len") (param $dev i32) (param $len i32) (result i32)
    (local $b i32) (local $total i32)
    (if (i32.eqz (call $open (local.get $dev))) (then (return (i32.const -3))))
    (if (i32.eqz (local.get $len)) (then
      (i32.store (i32.const 1100) (i32.const 0))
      (return (i32.const 0))))
    (local.set $b (i32.load8_u (i32.const 6144)))
    (if (i32.or (i32.or (i32.eq (local.get $b) (i32.const 0xbb)) (i32.eq (local.get $b) (i32.const 0xcc)))
                (i32.or (i32.eq (local.get $b) (i32.const 0xdd)) (i32.eq (local.get $b) (i32.const 0xee))))
      (then
        ;; delimited by line silence: wait
        (i32.store (i32.const 1100) (i32.const 0))
        (return (i32.const 0))))
    (if (i32.ne (local.get $b) (i32.const 0xaa)) (then
      (i32.store (i32.const 1096) (i32.const 1))
      (return (i32.const -10))))
    (if (i32.lt_u (local.get $len) (i32.const 2)) (then
      (i32.store (i32.const 1100) (i32.const 0))
      (return (i32.const 0))))
    (local.set $total (i32.const 2))
    (if (i32.lt_u (i32.load8_u (i32.const 6145)) (i32.const 0xf0)) (then
      (local.set $total (i32.add (i32.const 2) (i32.mul (i32.const 8) (i32.load8_u (i32.const 6145)))))))
    (if (i32.gt_u (local.get $total) (i32.const 1024)) (then
      (i32.store (i32.const 1096) (i32.const 1))
      (return (i32.const -10))))
    (if (i32.gt_u (local.get $total) (local.get $len)) (then
      (i32.store (i32.const 1100) (local.get $total))
      (return (i32.const 0))))
    (if (global.get $agreed) (then
      (i32.store (i32.const 1108) (i32.or (i32.const 0xaa00) (i32.load8_u (i32.const 6145))))))
    local.get $total)
  (func (export "weir_frame_end") (param $dev i32) (param $len i32) (result i32)
    (local $b i32)
    (if (i32.eqz (call $open (local.get $dev))) (then (return (i32.const -3))))
    (if (i32.eqz (local.get $len)) (then (return (i32.const 0))))
    (local.set $b (i32.load8_u (i32.const 6144)))
    (if (i32.eq (local.get $b) (i32.const 0xbb)) (then
      (if (i32.lt_u (local.get $len) (i32.const 2)) (then (return (i32.const 0))))
      (i32.store (i32.const 1108) (i32.or (i32.const 0xbb00) (i32.load8_u (i32.const 6145))))
      (return (i32.const 2))))
    (if (i32.eq (local.get $b) (i32.const 0xdd)) (then (return (i32.const -7))))
    (if (i32.eq (local.get $b) (i32.const 0xee)) (then
      (call $err (i32.const 62240) (i32.const 32))
      (return (i32.const -5))))
    (if (i32.eq (local.get $b) (i32.const 0xaa)) (then (return (i32.const 0))))
    ;; 0xCC and anything else: not the start of a frame
    (i32.store (i32.const 1096) (i32.const 1))
    i32.const -10)
  (func (export "weir_on_frame") (param $dev i32) (param $len i32) (param $now i64) (result i32)
    (local $s i32) (local $n i32) (local $i i32) (local $k i32)
    (if (i32.eqz (call $open (local.get $dev))) (then (return (i32.const -3))))
    (local.set $s (call $slot (local.get $dev)))
    (i32.store (i32.const 1104) (i32.const 0))
    (call $frame_flags (i32.const 0))
    (if (i32.eq (i32.load8_u (i32.const 6144)) (i32.const 0xbb)) (then
      (i32.store offset=8 (local.get $s) (i32.const 0))
      (call $rec (i32.const 0) (i32.const 0) (i32.const 3) (i64.load8_u (i32.const 6145)))
      (return (i32.const 1))))
    (local.set $n (i32.load8_u (i32.const 6145)))
    (if (i32.eq (local.get $n) (i32.const 0xff)) (then unreachable))
    (if (i32.eq (local.get $n) (i32.const 0xfe)) (then (loop $forever (br $forever))))
    (if (i32.eq (local.get $n) (i32.const 0xf0)) (then
      (if (i32.eqz (global.get $agreed)) (then
        (call $err (i32.const 62320) (i32.const 43))
        (return (i32.const -5))))
      ;; a device event, not the answer: DEVICE_STATUS, U64 7, BAD_DEVICE
      (call $rec (i32.const 0) (i32.const 0) (i32.const 0x80030803) (i64.const 7))
      (call $frame_flags (i32.const 1))
      (return (i32.const 1))))
    (if (i32.eq (local.get $n) (i32.const 0xf1)) (then
      ;; poll now: the next weir_poll has a request
      (i32.store offset=8 (local.get $s) (i32.const 0))
      (i32.store offset=12 (local.get $s) (i32.const 0))
      (call $frame_flags (i32.const 2))
      (return (i32.const 0))))
    (if (i32.eq (local.get $n) (i32.const 0xf2)) (then
      ;; device status UNCERTAIN, STR "warming up" at blob offset 1024
      (i32.store (i32.const 1104) (i32.const 1034))
      (loop $copy
        (i32.store8 (i32.add (i32.const 58368) (local.get $k)) (i32.load8_u (i32.add (i32.const 62220) (local.get $k))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br_if $copy (i32.lt_u (local.get $k) (i32.const 10))))
      (i32.store offset=8 (local.get $s) (i32.const 0))
      (call $rec (i32.const 0) (i32.const 0) (i32.const 0x40000805)
        (i64.or (i64.const 1024) (i64.shl (i64.const 10) (i64.const 32))))
      (return (i32.const 1))))
    (if (i32.eq (local.get $n) (i32.const 0xf3)) (then
      ;; the write is confirmed with its value, and point 0 read as 99
      (i32.store offset=8 (local.get $s) (i32.const 0))
      (call $rec (i32.const 0) (i32.load offset=24 (local.get $s)) (i32.const 0x0402)
        (i64.load offset=32 (local.get $s)))
      (call $rec (i32.const 1) (i32.const 0) (i32.const 2) (i64.const 99))
      (return (i32.const 2))))
    (if (i32.eq (local.get $n) (i32.const 0xf4)) (then
      (i32.store offset=8 (local.get $s) (i32.const 0))
      (call $err (i32.const 62280) (i32.const 32))
      (call $rec (i32.const 0) (i32.load offset=24 (local.get $s)) (i32.const 0x80030403) (i64.const 3))
      (return (i32.const 1))))
    (if (i32.eq (local.get $n) (i32.const 0xf5)) (then
      (i32.store offset=8 (local.get $s) (i32.const 0))
      (call $rec (i32.const 0) (i32.const 50) (i32.const 2) (i64.const 1))
      (return (i32.const 1))))
    (if (i32.ge_u (local.get $n) (i32.const 0xf0)) (then (return (i32.const -5))))
    (i32.store offset=8 (local.get $s) (i32.const 0))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (call $rec (local.get $i) (local.get $i) (i32.const 2)
          (i64.load (i32.add (i32.const 6146) (i32.mul (local.get $i) (i32.const 8)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $each)))
    local.get $n)
  (func (export "weir_on_timeout") (param $dev i32) (param $now i64) (result i32)
    (local $s i32) (local $k i32)
    (if (i32.eqz (call $open (local.get $dev))) (then (return (i32.const -3))))
    (local.set $s (call $slot (local.get $dev)))
    (local.set $k (i32.load offset=8 (local.get $s)))
    (if (i32.eqz (local.get $k)) (then (return (i32.const -4))))
    (i32.store offset=8 (local.get $s) (i32.const 0))
    (i32.store (i32.const 1104) (i32.const 0))
    (if (i32.eq (local.get $k) (i32.const 2)) (then
      ;; the write failed: WRITE_RESULT (with agreed 1.1), NULL, BAD_COMM
      (call $rec (i32.const 0) (i32.load offset=24 (local.get $s))
        (select (i32.const 0x80010400) (i32.const 0x80010000) (global.get $agreed)) (i64.const 0))
      (return (i32.const 1))))
    (call $rec (i32.const 0) (i32.const 0) (i32.const 0x80010000) (i64.const 0))
    i32.const 1)
  (func (export "weir_write") (param $dev i32) (param $point i32) (param $vtype i32)
                              (param $value i64) (param $now i64) (result i32)
    (local $s i32)
    (if (i32.eqz (call $open (local.get $dev))) (then (return (i32.const -3))))
    (if (i32.eq (local.get $point) (i32.const 1)) (then (return (i32.const -7))))
    (local.set $s (call $slot (local.get $dev)))
    (i32.store offset=8 (local.get $s) (i32.const 2))
    (i32.store offset=24 (local.get $s) (local.get $point))
    (i64.store offset=32 (local.get $s) (local.get $value))
    (i32.store (i32.const 1088) (i32.const 1))
    (i32.store (i32.const 1092) (i32.const 200))
    (i32.store8 (i32.const 7168) (i32.const 0x57)) ;; W
    (i32.store8 (i32.const 7169) (local.get $dev))
    (i32.store8 (i32.const 7170) (local.get $point))
    (i64.store (i32.const 7171) (local.get $value))
    i32.const 11)
  (func (export "weir_last_error") (param $dev i32) (result i32)
    (local $k i32)
    (block $done
      (loop $copy
        (br_if $done (i32.ge_u (local.get $k) (global.get $err_len)))
        (i32.store8 (i32.add (i32.const 61504) (local.get $k))
          (i32.load8_u (i32.add (global.get $err_ptr) (local.get $k))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $copy)))
    global.get $err_len)
  )
