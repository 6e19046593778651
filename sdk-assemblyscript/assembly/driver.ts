// Layer 3: the friendly side. A driver extends `Driver`, overrides the calls it needs and
// registers a factory once, at the top level of its entry file:
//
//   registerDriver((): Driver => new MyDriver());
//
// The dispatcher (exports.ts) makes one Driver object per open device handle, so a driver keeps
// per-device state in plain fields.

import { Status } from "./abi";
import { Bytes, Request, Writer } from "./bytes";
import { DeviceConfig } from "./config";
import { Records } from "./records";

/** The manifest of ABI.md §3.4, written by weir_describe. */
export class Manifest {
  /** ABI §3.4: true if the driver only listens (CAN); weir_poll then always returns 0. */
  passive: bool = false;
  /** ABI §3.4 / §7.7: version of the state payload; -1 = the driver keeps no state. */
  stateSchema: i32 = -1;

  constructor(
    /** `[a-z0-9-]{1,32}` */
    public name: string,
    /** semantic versioning, e.g. `0.1.0` */
    public version: string,
    /** e.g. `modbus-tcp` */
    public protocol: string,
    /** `tcp`, `serial` or `can` */
    public transport: string,
  ) {}

  /** Why this manifest breaks ABI §3.4, or null. */
  problem(): string | null {
    const n = this.name.length;
    if (n < 1 || n > 32) return "manifest name \"" + this.name + "\" must be 1..32 characters";
    for (let i = 0; i < n; i++) {
      const c = this.name.charCodeAt(i);
      if (!((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c == 0x2d)) {
        return "manifest name \"" + this.name + "\" may contain only a-z, 0-9 and -";
      }
    }
    if (this.version.length == 0) return "manifest version is empty";
    if (this.protocol.length == 0) return "manifest protocol is empty";
    if (this.transport != "tcp" && this.transport != "serial" && this.transport != "can") {
      return "manifest transport \"" + this.transport + "\" must be tcp, serial or can";
    }
    return null;
  }

  toJson(): string {
    let json = "{\"name\":" + jsonString(this.name) + ",\"version\":" + jsonString(this.version) +
      ",\"protocol\":" + jsonString(this.protocol) + ",\"transport\":" + jsonString(this.transport);
    if (this.passive) json += ",\"passive\":true";
    if (this.stateSchema >= 0) json += ",\"state_schema\":" + this.stateSchema.toString();
    return json + "}";
  }
}

function jsonString(text: string): string {
  let out = "\"";
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c == 0x22) out += "\\\"";
    else if (c == 0x5c) out += "\\\\";
    else if (c < 0x20) {
      const hex = c.toString(16);
      out += "\\u" + "0000".substring(hex.length) + hex;
    } else out += String.fromCharCode(c);
  }
  return out + "\"";
}

/**
 * One device of a driver. Return `Status.OK` (or any value ≥ 0) on success and a negative
 * `Status` code on failure; `fail(code, message)` does both and records the message for
 * weir_last_error (ABI §7.8). Optional calls default to E_UNSUPPORTED.
 */
export abstract class Driver {
  /** The text weir_last_error returns for this device. */
  lastError: string = "";
  /** Bumped by every `fail`/`explain`, so the dispatcher knows whether a call explained itself. */
  errorCount: i32 = 0;

  /** The manifest (ABI §3.4). Called on a throw-away instance; keep constructors cheap. */
  abstract describe(): Manifest;

  /**
   * weir_open: the parsed config (ABI §5; syntax errors never reach here). Reject keys or values
   * you do not understand with `fail(Status.E_CONFIG, "point 3: …")`.
   */
  abstract open(config: DeviceConfig, nowUs: i64): i32;

  /**
   * weir_poll (ABI §7.1): write the next request of the cycle into `tx`; leave it empty to end
   * the cycle. `tx.expect` and `tx.timeoutMs` become meta.expect and meta.timeout_ms.
   */
  abstract poll(nowUs: i64, tx: Request): i32;

  /**
   * weir_frame_len (ABI §7.2): `n > 0` if `rx[0..n]` is a complete frame, `needMore(total)` if
   * more bytes are needed, `resync(skip)` if `rx` does not start a frame.
   */
  abstract frameLen(rx: Bytes): i32;

  /** weir_on_frame (ABI §7.3): decode the response in `frame` into `out`. */
  abstract onFrame(frame: Bytes, nowUs: i64, out: Records): i32;

  /** weir_on_timeout (ABI §7.4): BAD_COMM records for the outstanding request. */
  abstract onTimeout(nowUs: i64, out: Records): i32;

  /** weir_observe (ABI §7.5): adopt a recorded request as the outstanding one. */
  observe(request: Bytes): i32 {
    return this.fail(Status.E_UNSUPPORTED, "this driver does not replay recorded requests (weir_observe)");
  }

  /** weir_write (ABI §7.6): encode a write of `value` (typed by `vtype`) to `point` into `tx`. */
  write(point: i32, vtype: u8, value: i64, nowUs: i64, tx: Request): i32 {
    return this.fail(Status.E_UNSUPPORTED, "this driver does not write points");
  }

  /**
   * weir_save_state (ABI §7.7): append the device state to `state`. The SDK has already written
   * the 4-byte `state_schema` of the manifest in front.
   */
  saveState(state: Writer): i32 {
    return this.fail(Status.E_UNSUPPORTED, "this driver keeps no state");
  }

  /** weir_load_state (ABI §7.7): `state` is the payload after the schema, already checked. */
  loadState(state: Bytes): i32 {
    return this.fail(Status.E_UNSUPPORTED, "this driver keeps no state");
  }

  /** weir_close: release what the device holds. */
  close(): void {}

  /** Records `message` for weir_last_error and returns `code`. */
  fail(code: i32, message: string): i32 {
    this.lastError = message;
    this.errorCount++;
    return code;
  }

  /** Records `message` for weir_last_error without failing (a bad-quality record, ABI §7.8). */
  explain(message: string): void {
    this.lastError = message;
    this.errorCount++;
  }
}

// Side results of frameLen, copied into meta by the dispatcher (ABI §4: need, skip).
let frameNeed: i32 = 0;
let frameSkip: i32 = 0;

/** frameLen's answer "more bytes needed"; `total` is the whole frame's size if known. */
export function needMore(total: i32 = 0): i32 {
  frameNeed = total;
  return 0;
}

/** frameLen's answer "rx does not start a frame: drop `skip` bytes" (E_RESYNC). */
export function resync(skip: i32 = 1): i32 {
  frameSkip = skip;
  return Status.E_RESYNC;
}

/** @internal for the dispatcher */
export function takeFrameNeed(): i32 {
  const n = frameNeed;
  frameNeed = 0;
  return n;
}

/** @internal for the dispatcher */
export function takeFrameSkip(): i32 {
  const n = frameSkip;
  frameSkip = 0;
  return n;
}

let factory: (() => Driver) | null = null;

/**
 * Registers the driver: `factory` makes one Driver per opened device. Call it once, at the top
 * level of the driver's entry file.
 */
export function registerDriver(make: () => Driver): void {
  factory = make;
}

/** @internal for the dispatcher: null until registerDriver ran. */
export function driverFactory(): (() => Driver) | null {
  return factory;
}
