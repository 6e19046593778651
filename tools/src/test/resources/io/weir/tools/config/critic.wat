;; A test driver for `weir config check`: it judges the config text by the word after
;; "device mode=" and says nothing else. The host escapes what a driver says; this one says
;; terminal escapes (ESC [2J clears a screen), a carriage return and U+202E (right-to-left
;; override) to prove it.
;;   mode=evil...         weir_open returns E_CONFIG; weir_last_error names point 1 in those bytes
;;   mode=trap...         weir_open traps (unreachable)
;;   mode=unsupported...  weir_open returns E_UNSUPPORTED
;;   anything else        weir_open accepts the device
;; Rebuild after editing: wat2wasm critic.wat -o critic.wasm
(module
  (memory (export "memory") 1 1)
  ;; layout at 1024 (ABI §4): cfg 2048/4096, rx 6144/1024, tx 7168/512, out 8192/49152,
  ;; blob 57344/4096, state 61440/64, err 61504/128
  (data (i32.const 1024) "\57\45\49\52\40\00\00\00\00\08\00\00\00\10\00\00\00\18\00\00\00\04\00\00\00\1c\00\00\00\02\00\00\00\20\00\00\00\c0\00\00\00\e0\00\00\00\10\00\00\00\f0\00\00\40\00\00\00\40\f0\00\00\80\00\00\00")
  (data (i32.const 57344) "\7b\22\6e\61\6d\65\22\3a\22\63\72\69\74\69\63\22\2c\22\76\65\72\73\69\6f\6e\22\3a\22\31\2e\30\2e\30\22\2c\22\70\72\6f\74\6f\63\6f\6c\22\3a\22\74\65\73\74\22\2c\22\74\72\61\6e\73\70\6f\72\74\22\3a\22\74\63\70\22\7d")
  (data (i32.const 61504) "\70\6f\69\6e\74\20\31\3a\20\62\61\64\20\1b\5b\32\4a\0d\76\61\6c\75\65\20\e2\80\ae")
  (func (export "weir_abi_v1"))
  (func (export "weir_abi_version") (result i32) i32.const 0x00010000)
  (func (export "weir_layout") (result i32) i32.const 1024)
  (func (export "weir_describe") (result i32)
    (i32.store (i32.const 1104) (i32.const 71))
    i32.const 71)
  (func (export "weir_open") (param $dev i32) (param $cfg_len i32) (param $now i64) (result i32)
    ;; cfg[12] is the first letter after "device mode="
    (if (i32.lt_u (local.get $cfg_len) (i32.const 13)) (then (return (i32.const 0))))
    (if (i32.eq (i32.load8_u (i32.const 2060)) (i32.const 0x65)) (then (return (i32.const -8))))
    (if (i32.eq (i32.load8_u (i32.const 2060)) (i32.const 0x74)) (then (unreachable)))
    (if (i32.eq (i32.load8_u (i32.const 2060)) (i32.const 0x75)) (then (return (i32.const -7))))
    i32.const 0)
  (func (export "weir_close") (param $dev i32) (result i32) i32.const 0)
  (func (export "weir_poll") (param $dev i32) (param $now i64) (result i32) i32.const 0)
  (func (export "weir_frame_len") (param $dev i32) (param $len i32) (result i32) i32.const 0)
  (func (export "weir_on_frame") (param $dev i32) (param $len i32) (param $now i64) (result i32) i32.const -5)
  (func (export "weir_on_timeout") (param $dev i32) (param $now i64) (result i32) i32.const -4)
  (func (export "weir_last_error") (param $dev i32) (result i32) i32.const 27)
)
