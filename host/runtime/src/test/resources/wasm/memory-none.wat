;; Test fixture for the Weir host (see README.md): defines no memory at all: refused.
(module
  (func (export "weir_abi_v1"))
  (func (export "weir_abi_version") (result i32) i32.const 0x00010000)
  (func (export "weir_layout") (result i32) i32.const 1024)
  (func (export "weir_describe") (result i32) i32.const 0)
  (func (export "weir_open") (param i32 i32 i64) (result i32) i32.const 0)
  (func (export "weir_close") (param i32) (result i32) i32.const 0)
  (func (export "weir_poll") (param i32 i64) (result i32) i32.const 0)
  (func (export "weir_frame_len") (param i32 i32) (result i32) i32.const 0)
  (func (export "weir_on_frame") (param i32 i32 i64) (result i32) i32.const 0)
  (func (export "weir_on_timeout") (param i32 i64) (result i32) i32.const 0)
  (func (export "weir_last_error") (param i32) (result i32) i32.const 0)
)
