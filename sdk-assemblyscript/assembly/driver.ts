// Layer 3: the friendly side. A driver extends `Driver`, overrides the calls it needs and
// registers a factory once, at the top level of its entry file:
//
//   registerDriver((): Driver => new MyDriver());
//
// The dispatcher (exports.ts) makes one Driver object per open device handle, so a driver keeps
// per-device state in plain fields.

import { Quality, Status } from "./abi";
import { Bytes, Request, Writer } from "./bytes";
import { DeviceConfig } from "./config";
import { Records } from "./records";

/** The manifest of ABI.md §3.4, written by weir_describe. */
export class Manifest {
  /** ABI §3.4: true if the driver only listens (CAN); with agreed 1.0 weir_poll then returns 0. */
  passive: bool = false;
  /** ABI §3.4 / §7.7: version of the state payload; -1 = the driver keeps no state. */
  stateSchema: i32 = -1;
  /**
   * ABI §3.4 `transports` (v1.1): every transport the driver can use, `transport` among them;
   * empty = only `transport`. The host names a device's one in `DeviceConfig.transport`.
   */
  transports: string[] = [];
  /** ABI §3.4 `unsolicited` (v1.1): frame bytes that arrive with no request outstanding. */
  unsolicited: bool = false;
  /** ABI §3.4 `max_devices` (v1.1): device handles one instance serves; 0 = no limit. */
  maxDevices: i32 = 0;
  /**
   * ABI §3.3: the oldest minor version the driver runs on, which `weir_abi_version` reports (not
   * written to the JSON). Leave it 0 if the driver can do without v1.1 (it checks
   * `config.abiMinor` first); set 1 if it cannot. A driver with the `can` transport reports 1
   * whatever this says, since v1.0 defines no CAN frame encoding.
   */
  minAbiMinor: i32 = 0;

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
    if (!isTransport(this.transport)) {
      return "manifest transport \"" + this.transport + "\" must be tcp, serial or can";
    }
    if (this.transports.length > 0) {
      if (!this.transports.includes(this.transport)) {
        return "manifest transports must contain its transport \"" + this.transport + "\" (ABI §3.4)";
      }
      for (let i = 0; i < this.transports.length; i++) {
        if (!isTransport(this.transports[i])) {
          return "manifest transports lists \"" + this.transports[i] + "\"; each must be tcp, serial or can";
        }
        if (this.transports.indexOf(this.transports[i]) != i) {
          return "manifest transports lists \"" + this.transports[i] + "\" twice (ABI §3.4)";
        }
      }
    }
    if (this.maxDevices < 0) return "manifest maxDevices must be at least 1, or 0 for no limit";
    if (this.minAbiMinor < 0 || this.minAbiMinor > 1) return "manifest minAbiMinor must be 0 or 1";
    return null;
  }

  /** Every transport of the driver: `transports`, or only `transport`. */
  allTransports(): string[] {
    return this.transports.length > 0 ? this.transports : [this.transport];
  }

  /** ABI §3.3: the oldest minor version the driver runs on (1 for a CAN driver). */
  oldestMinor(): i32 {
    return this.allTransports().includes("can") && this.minAbiMinor < 1 ? 1 : this.minAbiMinor;
  }

  toJson(): string {
    let json = "{\"name\":" + jsonString(this.name) + ",\"version\":" + jsonString(this.version) +
      ",\"protocol\":" + jsonString(this.protocol) + ",\"transport\":" + jsonString(this.transport);
    if (this.passive) json += ",\"passive\":true";
    if (this.stateSchema >= 0) json += ",\"state_schema\":" + this.stateSchema.toString();
    if (this.transports.length > 0) {
      const names: string[] = [];
      for (let i = 0; i < this.transports.length; i++) names.push(jsonString(this.transports[i]));
      json += ",\"transports\":[" + names.join(",") + "]";
    }
    if (this.unsolicited) json += ",\"unsolicited\":true";
    if (this.maxDevices > 0) json += ",\"max_devices\":" + this.maxDevices.toString();
    return json + "}";
  }
}

function isTransport(name: string): bool {
  return name == "tcp" || name == "serial" || name == "can";
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

  /**
   * The request outstanding with the points it reads, for the default `onTimeout`: a driver that
   * keeps its requests in `this.pending` (`ask` in `poll`, `take` in `onFrame`) need not write
   * `onTimeout` at all.
   */
  pending: Pending = new Pending();

  /**
   * weir_on_timeout (ABI §7.4): BAD_COMM records for the outstanding request. The default marks
   * the points of `this.pending` BAD_COMM (nothing when no request is outstanding).
   */
  onTimeout(nowUs: i64, out: Records): i32 {
    const what = this.pending.what;
    const points = this.pending.take();
    if (points === null) return Status.OK;
    for (let i = 0; i < points.length; i++) out.writeNull(points[i], Quality.BAD_COMM);
    this.explain("no answer to " + what);
    return Status.OK;
  }

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

  /**
   * weir_link_up (ABI §7.9, v1.1): the device's link has just come up, a fresh connection. A
   * driver that sets up a connection (S7: COTP connect, Setup Communication) forgets what it
   * negotiated and starts its next cycle with the setup exchanges. The default answers
   * E_UNSUPPORTED: the driver does not use link events, so the host never reconnects on its
   * behalf. Any other error makes the host reconnect.
   */
  linkUp(nowUs: i64): i32 {
    return this.fail(Status.E_UNSUPPORTED, "this driver does not use link events");
  }

  /**
   * weir_frame_end (ABI §7.10, v1.1): the serial line fell silent with `rx` pending, which
   * frameLen had not completed. Return `n > 0` for a frame `rx[0..n]`, `discard()` (0) for no
   * frame, or `resync(skip)`. The default answers E_UNSUPPORTED: the host keeps waiting.
   */
  frameEnd(rx: Bytes): i32 {
    return this.fail(Status.E_UNSUPPORTED, "this driver does not frame by line silence");
  }

  /**
   * weir_tick (ABI §7.11, v1.1): a schedule tick; write device-status records (a passive peer gone
   * silent) or readings derived from time. The default answers E_UNSUPPORTED, after which the
   * host stops calling it.
   */
  tick(nowUs: i64, out: Records): i32 {
    return this.fail(Status.E_UNSUPPORTED, "this driver does not use ticks");
  }

  /**
   * ABI §7.12 (v1.1): the correlation key of a frame, from its bytes alone, equal for a request
   * (`request` true, adopted by observe) and its response; 0 (the default) = none.
   */
  correlationKey(frame: Bytes, request: bool): u32 {
    return 0;
  }

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

/**
 * The request a driver waits for and the points its answer carries: `ask` in `poll`, `take` in
 * `onFrame`; the default `onTimeout` marks the points BAD_COMM when no answer comes.
 */
export class Pending {
  points: i32[] = [];
  what: string = "";
  outstanding: bool = false;

  /** A request for `points` is on its way; `what` names it in the timeout's last error. */
  ask(points: i32[], what: string): void {
    this.points = points;
    this.what = what;
    this.outstanding = true;
  }

  /** The points of the outstanding request, which is then answered; null when none is. */
  take(): i32[] | null {
    if (!this.outstanding) return null;
    this.outstanding = false;
    return this.points;
  }
}

/**
 * frameLen for a protocol whose frames end with `delimiter` (a text line: 0x0a): the frame up to
 * and including it; more bytes while it has not come; resync dropping what came once a frame
 * could no longer fit `rx` (`rx.capacity`, ABI §7.2).
 */
export function delimitedFrameLen(rx: Bytes, delimiter: u8): i32 {
  const end = rx.indexOf(delimiter);
  if (end >= 0) return end + 1;
  return rx.length >= rx.capacity ? resync(rx.length) : needMore();
}

// Side results of frameLen, copied into meta by the dispatcher (ABI §4: need, skip).
let frameNeed: i32 = 0;
let frameSkip: i32 = 0;

/** frameLen's answer "more bytes needed"; `total` is the whole frame's size if known. */
export function needMore(total: i32 = 0): i32 {
  frameNeed = total;
  return 0;
}

/** frameEnd's answer "the pending bytes are no frame": the host drops them (ABI §7.10). */
export function discard(): i32 {
  return 0;
}

/** frameLen's and frameEnd's answer "rx does not start a frame: drop `skip` bytes" (E_RESYNC). */
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
