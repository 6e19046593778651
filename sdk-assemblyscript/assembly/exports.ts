// Layer 2: the export dispatcher. A driver's entry file re-exports this module
//
//   export * from "weir-driver-sdk/assembly/exports";
//
// which gives the module every `weir_*` export of ABI.md §3.2, including the version marker.
// Each export checks its arguments against the regions, finds the device by its handle
// (E_NODEV for an unknown one) and calls the Driver object of that device.

import { ABI_VERSION, LogLevel, Status, statusName } from "./abi";
import { Bytes, Request, Writer } from "./bytes";
import { parseConfig } from "./config";
import { Driver, Manifest, driverFactory, takeFrameNeed, takeFrameSkip } from "./driver";
import { logText, panicWith } from "./host";
import { Records } from "./records";
import {
  BLOB, BLOB_CAP, CFG, CFG_CAP, ERR, ERR_CAP, LAYOUT, Meta, RX, RX_CAP, STATE, STATE_CAP, TX, TX_CAP,
} from "./regions";
import { decodeUtf8, writeUtf8Bounded } from "./text";

/** A device handle's entry: its Driver, or (after a failed open) only the reason. */
class DeviceSlot {
  driver: Driver | null = null;
  error: string = "";
}

const devices = new Map<i32, DeviceSlot>();

// One view/writer per region, re-pointed for every call: the hot path allocates nothing here.
const rxView = new Bytes(RX, 0);
const stateView = new Bytes(STATE, 0);
const request = new Request(TX, TX_CAP);
const stateWriter = new Writer(STATE, STATE_CAP);
const records = new Records();

let manifest: Manifest | null = null;
let errorCountBefore: i32 = 0;

// The minimal runtime collects only when asked, and only with no managed references on the
// stack. At the entry of an export the stack holds none of ours, so collecting there is safe.
// Hosts call weir_gc between cycles (ABI §3.2); without it, garbage would pile up until TLSF hits
// the memory maximum and traps. So the SDK also collects at entry every CALLS_PER_COLLECT calls,
// which bounds the garbage to what that many calls allocate, and after the heap had to grow.
// (The runtime's allocation total is private to it, so calls stand in for bytes.)
const CALLS_PER_COLLECT: i32 = 32;
let callsSinceCollect: i32 = 0;
let pagesAtCollect: i32 = 0;

function collect(): void {
  __collect();
  callsSinceCollect = 0;
  pagesAtCollect = memory.size();
}

function enter(): void {
  if (++callsSinceCollect >= CALLS_PER_COLLECT || memory.size() != pagesAtCollect) collect();
}

function newDriver(): Driver {
  const make = driverFactory();
  if (make === null) {
    panicWith("no driver registered: call registerDriver((): Driver => new MyDriver()) at the top level of the entry file");
    unreachable();
  }
  return make();
}

function describedManifest(): Manifest {
  let m = manifest;
  if (m === null) {
    m = newDriver().describe();
    manifest = m;
  }
  return m;
}

/** The open device `dev`, or null (then `weir_*` returns E_NODEV). */
function driverOf(dev: i32): Driver | null {
  if (!devices.has(dev)) return null;
  const slot = devices.get(dev);
  const driver = slot.driver;
  if (driver === null) return null;
  errorCountBefore = driver.errorCount;
  return driver;
}

/** Makes sure a negative return has an explanation for weir_last_error (ABI §7.8). */
function finish(driver: Driver, call: string, status: i32): i32 {
  if (status < 0 && driver.errorCount == errorCountBefore) {
    driver.fail(status, call + " returned " + statusName(status));
  }
  return status;
}

function lengthError(driver: Driver, what: string, len: i32, cap: i32): i32 {
  return driver.fail(
    Status.E_INVAL,
    what + " " + len.toString() + " is outside the region (0.." + cap.toString() + ")",
  );
}

/** ABI §3.3: the version marker. Never called. */
export function weir_abi_v1(): void {}

export function weir_abi_version(): i32 {
  return ABI_VERSION;
}

export function weir_layout(): i32 {
  return <i32>LAYOUT;
}

export function weir_describe(): i32 {
  enter();
  const m = describedManifest();
  const problem = m.problem();
  if (problem !== null) {
    logText(LogLevel.ERROR, problem);
    return Status.E_INTERNAL;
  }
  const json = m.toJson();
  const n = String.UTF8.byteLength(json, false);
  if (n > BLOB_CAP) return Status.E_NOSPACE;
  writeUtf8Bounded(json, BLOB, BLOB_CAP);
  Meta.setBlobUsed(n);
  return n;
}

export function weir_open(dev: i32, cfg_len: i32, now_us: i64): i32 {
  enter();
  if (dev < 0) return Status.E_INVAL;
  let slot: DeviceSlot;
  if (devices.has(dev)) {
    slot = devices.get(dev);
    const open = slot.driver;
    if (open !== null) {
      return open.fail(Status.E_ORDER, "device " + dev.toString() + " is already open; close it first");
    }
  } else {
    slot = new DeviceSlot();
    devices.set(dev, slot);
  }
  if (cfg_len < 0 || cfg_len > CFG_CAP) {
    slot.error = "config length " + cfg_len.toString() + " is outside the cfg region (0.." +
      CFG_CAP.toString() + ")";
    return Status.E_INVAL;
  }
  const config = parseConfig(decodeUtf8(CFG, cfg_len));
  const syntax = config.error;
  if (syntax !== null) {
    slot.error = syntax;
    return Status.E_CONFIG;
  }
  const driver = newDriver();
  errorCountBefore = driver.errorCount;
  const status = finish(driver, "open", driver.open(config, now_us));
  if (status < 0) {
    // A failed open leaves the handle closed; its reason stays readable by weir_last_error.
    slot.error = driver.lastError;
    return status;
  }
  const configError = config.error;
  if (configError !== null) {
    // The driver read a bad key but did not check config.error: refuse rather than run half-configured.
    slot.error = configError;
    return Status.E_CONFIG;
  }
  slot.driver = driver;
  slot.error = "";
  return Status.OK;
}

export function weir_close(dev: i32): i32 {
  enter();
  if (!devices.has(dev)) return Status.E_NODEV;
  const driver = devices.get(dev).driver;
  devices.delete(dev);
  if (driver === null) return Status.E_NODEV;
  driver.close();
  return Status.OK;
}

function finishRequest(driver: Driver, call: string, status: i32): i32 {
  if (status < 0) return finish(driver, call, status);
  if (request.overflowed) {
    return driver.fail(
      Status.E_NOSPACE,
      call + ": request longer than the tx region (" + TX_CAP.toString() + " bytes)",
    );
  }
  Meta.setExpect(request.expect);
  Meta.setTimeoutMs(request.timeoutMs);
  return request.length;
}

export function weir_poll(dev: i32, now_us: i64): i32 {
  enter();
  const driver = driverOf(dev);
  if (driver === null) return Status.E_NODEV;
  request.reset();
  return finishRequest(driver, "poll", driver.poll(now_us, request));
}

export function weir_frame_len(dev: i32, rx_len: i32): i32 {
  enter();
  const driver = driverOf(dev);
  if (driver === null) return Status.E_NODEV;
  if (rx_len < 0 || rx_len > RX_CAP) return lengthError(driver, "rx_len", rx_len, RX_CAP);
  rxView.length = rx_len;
  takeFrameNeed();
  takeFrameSkip();
  const result = driver.frameLen(rxView);
  const need = takeFrameNeed();
  const skip = takeFrameSkip();
  if (result > rx_len) {
    return driver.fail(
      Status.E_INTERNAL,
      "frame_len answered " + result.toString() + " bytes with only " + rx_len.toString() + " received",
    );
  }
  if (result == 0) {
    if (need > RX_CAP) {
      // ABI §7.2: a frame longer than rx_cap is garbage, never "need more".
      driver.explain("frame of " + need.toString() + " bytes exceeds the rx region (" +
        RX_CAP.toString() + " bytes); dropping 1 byte");
      Meta.setSkip(1);
      return Status.E_RESYNC;
    }
    Meta.setNeed(need > rx_len ? need : 0);
    return 0;
  }
  if (result == Status.E_RESYNC) {
    // ABI §4: skip ≥ 1; never more than was received.
    Meta.setSkip(skip < 1 ? 1 : (skip > rx_len && rx_len > 0 ? rx_len : skip));
    return Status.E_RESYNC;
  }
  return finish(driver, "frame_len", result);
}

function finishRecords(driver: Driver, call: string, status: i32): i32 {
  if (status < 0) return finish(driver, call, status);
  const overflow = records.overflow;
  if (overflow !== null) return driver.fail(Status.E_NOSPACE, call + ": " + overflow);
  Meta.setBlobUsed(records.blobUsed);
  return records.count;
}

export function weir_on_frame(dev: i32, len: i32, now_us: i64): i32 {
  enter();
  const driver = driverOf(dev);
  if (driver === null) return Status.E_NODEV;
  if (len < 0 || len > RX_CAP) return lengthError(driver, "frame length", len, RX_CAP);
  rxView.length = len;
  records.reset();
  return finishRecords(driver, "on_frame", driver.onFrame(rxView, now_us, records));
}

export function weir_on_timeout(dev: i32, now_us: i64): i32 {
  enter();
  const driver = driverOf(dev);
  if (driver === null) return Status.E_NODEV;
  records.reset();
  return finishRecords(driver, "on_timeout", driver.onTimeout(now_us, records));
}

export function weir_observe(dev: i32, len: i32): i32 {
  enter();
  const driver = driverOf(dev);
  if (driver === null) return Status.E_NODEV;
  if (len < 0 || len > RX_CAP) return lengthError(driver, "request length", len, RX_CAP);
  rxView.length = len;
  const status = finish(driver, "observe", driver.observe(rxView));
  return status < 0 ? status : Status.OK;
}

export function weir_write(dev: i32, point: i32, vtype: i32, value: i64, now_us: i64): i32 {
  enter();
  const driver = driverOf(dev);
  if (driver === null) return Status.E_NODEV;
  if (point < 0) return driver.fail(Status.E_INVAL, "write: point " + point.toString() + " is negative");
  if (vtype < 0 || vtype > 255) {
    return driver.fail(Status.E_INVAL, "write: value type " + vtype.toString() + " is not a value type of ABI §6.1");
  }
  request.reset();
  return finishRequest(driver, "write", driver.write(point, <u8>vtype, value, now_us, request));
}

export function weir_save_state(dev: i32): i32 {
  enter();
  const driver = driverOf(dev);
  if (driver === null) return Status.E_NODEV;
  const schema = describedManifest().stateSchema;
  if (schema < 0) {
    return driver.fail(Status.E_UNSUPPORTED, "save_state: the manifest declares no state_schema");
  }
  stateWriter.reset();
  // ABI §7.7: the payload starts with the u32 state_schema of the manifest.
  stateWriter.u32le(<u32>schema);
  const status = driver.saveState(stateWriter);
  if (status < 0) return finish(driver, "save_state", status);
  if (stateWriter.overflowed) {
    return driver.fail(Status.E_NOSPACE, "save_state: state longer than the state region (" +
      STATE_CAP.toString() + " bytes)");
  }
  return stateWriter.length;
}

export function weir_load_state(dev: i32, len: i32): i32 {
  enter();
  const driver = driverOf(dev);
  if (driver === null) return Status.E_NODEV;
  if (len < 0 || len > STATE_CAP) return lengthError(driver, "state length", len, STATE_CAP);
  const schema = describedManifest().stateSchema;
  if (schema < 0) {
    return driver.fail(Status.E_UNSUPPORTED, "load_state: the manifest declares no state_schema");
  }
  if (len < 4) {
    return driver.fail(Status.E_SCHEMA, "load_state: " + len.toString() +
      " bytes are too short for the 4-byte state_schema; starting cold");
  }
  const found = load<u32>(STATE);
  if (found != <u32>schema) {
    return driver.fail(Status.E_SCHEMA, "load_state: state schema " + found.toString() +
      ", this driver reads schema " + schema.toString() + "; starting cold");
  }
  stateView.ptr = STATE + 4;
  stateView.length = len - 4;
  const status = finish(driver, "load_state", driver.loadState(stateView));
  return status < 0 ? status : Status.OK;
}

export function weir_last_error(dev: i32): i32 {
  if (!devices.has(dev)) return Status.E_NODEV;
  const slot = devices.get(dev);
  const driver = slot.driver;
  return writeUtf8Bounded(driver !== null ? driver.lastError : slot.error, ERR, ERR_CAP);
}

/** ABI §3.2: the host calls this between cycles; the minimal runtime collects only here. */
export function weir_gc(): void {
  collect();
}
