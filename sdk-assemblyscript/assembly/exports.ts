// Layer 2: the export dispatcher. A driver's entry file re-exports this module
//
//   export * from "weir-driver-sdk/assembly/exports";
//
// which gives the module every `weir_*` export of ABI.md §3.2 (v1.1), including the version
// marker. Each export checks its arguments against the regions, finds the device by its handle
// (E_NODEV for an unknown one) and calls the Driver object of that device.

import { FrameFlag, LATEST_MINOR, LogLevel, Status, statusName } from "./abi";
import { Bytes, Request, Writer } from "./bytes";
import { applyHostKeys, parseConfig } from "./config";
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
  /**
   * The point of the write whose response is outstanding (weir_write with meta.expect 1), or -1:
   * with agreed version 1.1 the records of that point in its response are write results.
   */
  writePoint: i32 = -1;
}

const devices = new Map<i32, DeviceSlot>();

/** ABI §3.3: 0 until weir_host_abi agreed on 1.1. */
let agreedMinor: i32 = 0;

// One view/writer per region, re-pointed for every call: the hot path allocates nothing here.
const rxView = new Bytes(RX, 0, RX_CAP);
const frameView = new Bytes(RX, 0);
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

function slotOf(dev: i32): DeviceSlot | null {
  return devices.has(dev) ? devices.get(dev) : null;
}

function setWritePoint(dev: i32, point: i32): void {
  const slot = slotOf(dev);
  if (slot !== null) slot.writePoint = point;
}

/** E_ORDER for a v1.1 call when the agreed version is 1.0: a host does not make it (ABI §3.3). */
function requireV11(driver: Driver, call: string): i32 {
  if (agreedMinor >= 1) return Status.OK;
  return driver.fail(Status.E_ORDER, call + " is a v1.1 call, but the host agreed on ABI 1.0 (ABI §3.3)");
}

/** With agreed version 1.1, meta.corr = the correlation key of rx[0..n] (ABI §7.12). */
function setCorr(driver: Driver, n: i32, request: bool): void {
  if (agreedMinor < 1) return;
  frameView.length = n;
  Meta.setCorr(driver.correlationKey(frameView, request));
}

/** ABI §3.3: the version marker. Never called. */
export function weir_abi_v1(): void {}

/** ABI §3.3: the oldest version this driver runs on (1.0 unless it needs 1.1, or uses CAN). */
export function weir_abi_version(): i32 {
  return (1 << 16) | describedManifest().oldestMinor();
}

/**
 * ABI §3.3 (v1.1): the host's version in, the agreed version out: the host's minor, at most the
 * newest this SDK speaks, at least the driver's oldest.
 */
export function weir_host_abi(version: i32): i32 {
  enter();
  if (version < 0 || (version >> 16) != 1) return Status.E_INVAL;
  // Before any call but weir_abi_version and weir_layout.
  if (devices.size > 0) return Status.E_ORDER;
  const hostMinor = version & 0xffff;
  const oldest = describedManifest().oldestMinor();
  if (hostMinor < oldest) return Status.E_UNSUPPORTED;
  agreedMinor = max(oldest, min(hostMinor, LATEST_MINOR));
  records.abiMinor = agreedMinor;
  return (1 << 16) | agreedMinor;
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
      // ABI §2.6: weir_open of an open handle discards the device and opens it afresh.
      open.close();
      slot.driver = null;
    }
  } else {
    slot = new DeviceSlot();
    devices.set(dev, slot);
  }
  slot.writePoint = -1;
  const manifest = describedManifest();
  if (manifest.maxDevices > 0 && openDevices() >= manifest.maxDevices) {
    // ABI §2.6: the v1.0 way of saying so; a v1.1 host never asks for more (max_devices).
    slot.error = "this driver serves at most " + manifest.maxDevices.toString() + " devices per instance (max_devices)";
    return Status.E_UNSUPPORTED;
  }
  if (cfg_len < 0 || cfg_len > CFG_CAP) {
    slot.error = "config length " + cfg_len.toString() + " is outside the cfg region (0.." +
      CFG_CAP.toString() + ")";
    return Status.E_INVAL;
  }
  const config = parseConfig(decodeUtf8(CFG, cfg_len));
  applyHostKeys(config, agreedMinor, manifest.allTransports());
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

function openDevices(): i32 {
  let n = 0;
  const slots = devices.values();
  for (let i = 0; i < slots.length; i++) if (slots[i].driver !== null) n++;
  return n;
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
  // The host polls only with no request outstanding, so no write is.
  setWritePoint(dev, -1);
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
  if (result > 0) setCorr(driver, result, false);
  return finish(driver, "frame_len", result);
}

/** ABI §7.10 (v1.1): the serial line fell silent with rx[0..rx_len] pending. */
export function weir_frame_end(dev: i32, rx_len: i32): i32 {
  enter();
  const driver = driverOf(dev);
  if (driver === null) return Status.E_NODEV;
  const order = requireV11(driver, "weir_frame_end");
  if (order < 0) return order;
  if (rx_len == 0) return driver.fail(Status.E_INVAL, "weir_frame_end with no bytes pending (ABI §7.10)");
  if (rx_len < 0 || rx_len > RX_CAP) return lengthError(driver, "rx_len", rx_len, RX_CAP);
  rxView.length = rx_len;
  takeFrameSkip();
  const result = driver.frameEnd(rxView);
  const skip = takeFrameSkip();
  if (result > rx_len) {
    return driver.fail(Status.E_INTERNAL, "driver ended a frame of " + result.toString() + " bytes out of " +
      rx_len.toString() + " pending");
  }
  if (result == Status.E_RESYNC) {
    Meta.setSkip(skip < 1 ? 1 : (skip > rx_len ? rx_len : skip));
    return Status.E_RESYNC;
  }
  if (result > 0) setCorr(driver, result, false);
  return finish(driver, "frame_end", result);
}

/**
 * Ends a call that wrote records. `answer`: 1 for on_frame (its records answer an outstanding
 * write unless the frame is NOT_ANSWER), 2 for on_timeout (it always ends the request), 0 for
 * tick (it ends nothing).
 */
function finishRecords(driver: Driver, dev: i32, call: string, status: i32, answer: i32 = 0): i32 {
  if (status < 0) return finish(driver, call, status);
  const overflow = records.overflow;
  if (overflow !== null) return driver.fail(Status.E_NOSPACE, call + ": " + overflow);
  const invalid = records.invalid;
  if (invalid !== null) return driver.fail(Status.E_INVAL, call + ": " + invalid);
  const flags = records.frameFlags;
  const endsRequest = answer == 2 || (answer == 1 && (flags & FrameFlag.NOT_ANSWER) == 0);
  const slot = slotOf(dev);
  if (endsRequest && slot !== null && slot.writePoint >= 0) {
    // ABI §6.3: the records of the written point in its response are write results; with
    // agreed 1.0 (ABI §7.6) no record means success, so only bad ones stay.
    if (agreedMinor >= 1) records.markWriteResults(slot.writePoint);
    else records.dropConfirmations(slot.writePoint);
    slot.writePoint = -1;
  }
  Meta.setBlobUsed(records.blobUsed);
  if (answer == 1) {
    if (agreedMinor >= 1) Meta.setFrameFlags(flags);
    else if ((flags & FrameFlag.NOT_ANSWER) != 0) {
      // ABI §7.3: v1.0 has no NOT_ANSWER; its word for it is E_PROTO.
      return driver.fail(Status.E_PROTO, "the frame is not the answer to the outstanding request; its records are dropped (agreed ABI 1.0 has no NOT_ANSWER)");
    }
  }
  return records.count;
}

export function weir_on_frame(dev: i32, len: i32, now_us: i64): i32 {
  enter();
  const driver = driverOf(dev);
  if (driver === null) return Status.E_NODEV;
  if (len < 0 || len > RX_CAP) return lengthError(driver, "frame length", len, RX_CAP);
  rxView.length = len;
  records.reset();
  return finishRecords(driver, dev, "on_frame", driver.onFrame(rxView, now_us, records), 1);
}

export function weir_on_timeout(dev: i32, now_us: i64): i32 {
  enter();
  const driver = driverOf(dev);
  if (driver === null) return Status.E_NODEV;
  records.reset();
  return finishRecords(driver, dev, "on_timeout", driver.onTimeout(now_us, records), 2);
}

/** ABI §7.11 (v1.1): a schedule tick. */
export function weir_tick(dev: i32, now_us: i64): i32 {
  enter();
  const driver = driverOf(dev);
  if (driver === null) return Status.E_NODEV;
  const order = requireV11(driver, "weir_tick");
  if (order < 0) return order;
  records.reset();
  return finishRecords(driver, dev, "tick", driver.tick(now_us, records), 0);
}

/** ABI §7.9 (v1.1): the device's link has just come up. */
export function weir_link_up(dev: i32, now_us: i64): i32 {
  enter();
  const driver = driverOf(dev);
  if (driver === null) return Status.E_NODEV;
  const order = requireV11(driver, "weir_link_up");
  if (order < 0) return order;
  const status = finish(driver, "link_up", driver.linkUp(now_us));
  return status < 0 ? status : Status.OK;
}

export function weir_observe(dev: i32, len: i32): i32 {
  enter();
  const driver = driverOf(dev);
  if (driver === null) return Status.E_NODEV;
  if (len < 0 || len > RX_CAP) return lengthError(driver, "request length", len, RX_CAP);
  rxView.length = len;
  // An adopted request ends whatever write was outstanding; the driver marks the results of an
  // adopted write itself (Records.writeResult).
  setWritePoint(dev, -1);
  const status = finish(driver, "observe", driver.observe(rxView));
  if (status < 0) return status;
  setCorr(driver, len, true);
  return Status.OK;
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
  const n = finishRequest(driver, "write", driver.write(point, <u8>vtype, value, now_us, request));
  setWritePoint(dev, n > 0 && request.expect ? point : -1);
  return n;
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
