// The static I/O regions and the layout struct of ABI.md §4. All of them are `memory.data`
// segments: placed by the compiler, never allocated, moved or collected, so they keep their
// addresses for the life of the instance (ABI §2.2) and the host finds the layout filled in
// right after instantiation, with no start-up code.

import { LAYOUT_MAGIC, LAYOUT_SIZE, MetaOffset, RECORD_SIZE } from "./abi";

/** Capacities, each at least its ABI §4 minimum (shown in the comment). */
export const CFG_CAP: i32 = 32768; // ≥ 4096: room for several hundred point lines
export const RX_CAP: i32 = 1024; // ≥ 512
export const TX_CAP: i32 = 1024; // ≥ 512
export const OUT_RECORDS: i32 = 2048; // ≥ 2048 records
export const OUT_CAP: i32 = OUT_RECORDS * RECORD_SIZE; // 49152, a multiple of 24
export const BLOB_CAP: i32 = 16384; // ≥ 4096
export const STATE_CAP: i32 = 4096; // may be 0; 4096 leaves drivers room for a state payload
export const ERR_CAP: i32 = 512; // ≥ 128

export const CFG: usize = memory.data(CFG_CAP, 16);
export const RX: usize = memory.data(RX_CAP, 16);
export const TX: usize = memory.data(TX_CAP, 16);
export const OUT: usize = memory.data(OUT_CAP, 16); // ABI §4: 8-byte aligned
export const BLOB: usize = memory.data(BLOB_CAP, 16);
export const STATE: usize = memory.data(STATE_CAP, 16);
export const ERR: usize = memory.data(ERR_CAP, 16);

/** The 64-byte layout (§4) followed at +64 by the 32-byte meta struct, in one segment. */
export const LAYOUT: usize = memory.data<u32>(
  [
    LAYOUT_MAGIC, <u32>LAYOUT_SIZE,
    <u32>CFG, <u32>CFG_CAP,
    <u32>RX, <u32>RX_CAP,
    <u32>TX, <u32>TX_CAP,
    <u32>OUT, <u32>OUT_CAP,
    <u32>BLOB, <u32>BLOB_CAP,
    <u32>STATE, <u32>STATE_CAP,
    <u32>ERR, <u32>ERR_CAP,
    // meta: expect, timeout_ms, skip, need, blob_used, corr, frame_flags, reserved
    0, 0, 0, 0, 0, 0, 0, 0,
  ],
  8,
);

export const META: usize = LAYOUT + <usize>LAYOUT_SIZE;

/** ABI §4 meta fields: a call writes only the fields listed for it (and its agreed version). */
export namespace Meta {
  // @ts-ignore: decorator
  @inline export function setExpect(expect: bool): void { store<i32>(META + <usize>MetaOffset.EXPECT, expect ? 1 : 0); }
  // @ts-ignore: decorator
  @inline export function setTimeoutMs(ms: i32): void { store<i32>(META + <usize>MetaOffset.TIMEOUT_MS, ms); }
  // @ts-ignore: decorator
  @inline export function setSkip(skip: i32): void { store<i32>(META + <usize>MetaOffset.SKIP, skip); }
  // @ts-ignore: decorator
  @inline export function setNeed(need: i32): void { store<i32>(META + <usize>MetaOffset.NEED, need); }
  // @ts-ignore: decorator
  @inline export function setBlobUsed(used: i32): void { store<i32>(META + <usize>MetaOffset.BLOB_USED, used); }
  /** v1.1, ABI §7.12: the correlation key; written only with agreed version 1.1. */
  // @ts-ignore: decorator
  @inline export function setCorr(key: u32): void { store<u32>(META + <usize>MetaOffset.CORR, key); }
  /** v1.1, ABI §7.3: the frame flags; written only with agreed version 1.1. */
  // @ts-ignore: decorator
  @inline export function setFrameFlags(flags: i32): void { store<i32>(META + <usize>MetaOffset.FRAME_FLAGS, flags); }
}
