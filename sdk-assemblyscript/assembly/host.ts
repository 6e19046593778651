// Layer 1: the raw host imports, named exactly as ABI.md §3.1. Nothing else is imported: the
// host refuses any module importing outside `weir_host_v1` (AssemblyScript's own `env.abort` is
// routed to `abortToPanic` below by the build's `--use abort=...`).

import { encodeUtf8 } from "./text";

// @ts-ignore: decorator
@external("weir_host_v1", "log")
export declare function log(level: i32, ptr: usize, len: i32): void;

// @ts-ignore: decorator
@external("weir_host_v1", "panic")
export declare function panic(ptr: usize, len: i32): void;

/** Logs a message through the host (ABI §10.3 levels); the host truncates to 1024 bytes. */
export function logText(level: i32, message: string): void {
  const bytes = encodeUtf8(message);
  log(level, changetype<usize>(bytes), bytes.byteLength);
}

/**
 * Reports `message` through `weir_host_v1.panic` and traps. A trap costs this instance only: the
 * host discards it and rebuilds (ABI §9).
 */
export function panicWith(message: string): void {
  const bytes = encodeUtf8(message);
  panic(changetype<usize>(bytes), bytes.byteLength);
  unreachable();
}

/**
 * Replaces AssemblyScript's `abort` (asserts, array bounds, failed casts, `throw`). The build
 * passes `--use abort=~lib/weir-driver-sdk/assembly/host/abortToPanic`, so `env.abort` is never
 * imported.
 */
export function abortToPanic(
  message: string | null,
  fileName: string | null,
  lineNumber: u32,
  columnNumber: u32,
): void {
  let text = message !== null ? message : "abort";
  if (fileName !== null) {
    text += " at " + fileName + ":" + lineNumber.toString() + ":" + columnNumber.toString();
  }
  panicWith(text);
}
