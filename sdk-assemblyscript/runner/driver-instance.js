// Loads a driver module with the WebAssembly API and calls it exactly as the Weir host does:
// only the weir_host_v1 imports are supplied, every byte goes through the regions that the
// layout describes (ABI.md §4), and side results are read from the meta struct.

import { checkModuleInterface } from "./module-check.js";

export const LAYOUT_MAGIC = 0x52494557;
export const LAYOUT_SIZE = 64;
export const META_SIZE = 32;
export const RECORD_SIZE = 24;
/** ABI §10.1: the version of the document, and v1.0 (the base version). */
export const ABI_VERSION = 0x00010001;
export const BASE_VERSION = 0x00010000;
/** ABI §4 meta offsets. */
export const META = { expect: 0, timeoutMs: 4, skip: 8, need: 12, blobUsed: 16, corr: 20, frameFlags: 24 };

/** ABI §8. */
export const ERRORS = {
  E_INVAL: -1,
  E_NOSPACE: -2,
  E_NODEV: -3,
  E_ORDER: -4,
  E_PROTO: -5,
  E_UNSUPPORTED: -7,
  E_CONFIG: -8,
  E_SCHEMA: -9,
  E_RESYNC: -10,
  E_INTERNAL: -99,
};

export function errorName(code) {
  for (const [name, value] of Object.entries(ERRORS)) if (value === code) return name;
  return code < 0 ? `E_INTERNAL(${code})` : String(code);
}

/** ABI §6.1. */
export const VALUE_TYPES = ["null", "bool", "i64", "u64", "f64", "str", "bytes"];
export const QUALITIES = {
  GOOD: 0x0000,
  UNCERTAIN: 0x4000,
  BAD: 0x8000,
  BAD_COMM: 0x8001,
  BAD_CONFIG: 0x8002,
  BAD_DEVICE: 0x8003,
  BAD_PROTOCOL: 0x8004,
};

export function qualityName(code) {
  for (const [name, value] of Object.entries(QUALITIES)) if (value === code) return name;
  return `0x${code.toString(16).padStart(4, "0")}`;
}

/** ABI §6.1 record flags; WRITE_RESULT and DEVICE_STATUS are v1.1 (§6.3). */
export const RECORD_FLAGS = { NAMED: 0x01, DEVICE_TS: 0x02, WRITE_RESULT: 0x04, DEVICE_STATUS: 0x08 };
/** ABI §7.3 (v1.1): meta.frame_flags. */
export const FRAME_FLAGS = { NOT_ANSWER: 0x01, POLL_NOW: 0x02 };
const FLAG_NAMED = RECORD_FLAGS.NAMED;
const FLAG_DEVICE_TS = RECORD_FLAGS.DEVICE_TS;

/** The record flags of an agreed minor version; other bits read as zero (ABI §3.3). */
export function knownRecordFlags(minor) {
  return minor >= 1 ? 0x0f : 0x03;
}

/** Thrown when the driver calls weir_host_v1.panic; the host treats it as a trap (ABI §9). */
export class DriverPanic extends Error {
  constructor(message) {
    super(`driver panicked: ${message}`);
    this.name = "DriverPanic";
    this.panicMessage = message;
  }
}

const REGION_MINIMUMS = { cfg: 4096, rx: 512, tx: 512, out: 24 * 2048, blob: 4096, state: 0, err: 128 };
const REGIONS = ["cfg", "rx", "tx", "out", "blob", "state", "err"];

export class DriverModule {
  /** Compiles `bytes` after the static checks of ABI §3; throws naming every violation. */
  static compile(bytes) {
    const problems = checkModuleInterface(bytes);
    if (problems.length > 0) throw new Error(`module refused:\n  ${problems.join("\n  ")}`);
    return new DriverModule(new WebAssembly.Module(bytes));
  }

  constructor(module) {
    this.module = module;
  }

  /** The module's imports as the JS API sees them (module, name, kind). */
  imports() {
    return WebAssembly.Module.imports(this.module);
  }

  /** A fresh instance, as the host makes one per device or per trap. */
  instantiate() {
    return new DriverInstance(this.module);
  }
}

export class DriverInstance {
  constructor(module) {
    this.logs = [];
    const decoder = new TextDecoder("utf-8");
    const text = (ptr, len) => decoder.decode(new Uint8Array(this.memory.buffer, ptr, len));
    // Exactly the weir_host_v1 namespace: an import of anything else fails instantiation here too.
    const imports = {
      weir_host_v1: {
        log: (level, ptr, len) => {
          this.logs.push({ level, message: text(ptr, Math.min(len, 1024)) });
        },
        panic: (ptr, len) => {
          throw new DriverPanic(text(ptr, len));
        },
      },
    };
    this.instance = new WebAssembly.Instance(module, imports);
    this.exports = this.instance.exports;
    this.memory = this.exports.memory;
    this.layout = this.readLayout();
  }

  view() {
    return new DataView(this.memory.buffer);
  }

  /** Reads and validates the layout (ABI §4) as the host does once after instantiation. */
  readLayout() {
    const base = this.exports.weir_layout();
    const size = this.memory.buffer.byteLength;
    if (base < 0 || base + LAYOUT_SIZE + META_SIZE > size) {
      throw new Error(`layout at ${base} (+96 bytes with meta) lies outside memory of ${size} bytes`);
    }
    const dv = this.view();
    const magic = dv.getUint32(base, true);
    if (magic !== LAYOUT_MAGIC) throw new Error(`layout magic is 0x${magic.toString(16)}, expected 0x52494557`);
    const structSize = dv.getUint32(base + 4, true);
    if (structSize !== LAYOUT_SIZE) throw new Error(`layout size is ${structSize}, expected 64`);
    const layout = { base, meta: base + LAYOUT_SIZE };
    REGIONS.forEach((name, i) => {
      const ptr = dv.getUint32(base + 8 + 8 * i, true);
      const cap = dv.getUint32(base + 12 + 8 * i, true);
      if (ptr + cap > size) throw new Error(`layout ${name}_ptr ${ptr} + ${name}_cap ${cap} lies outside memory`);
      if (cap < REGION_MINIMUMS[name]) {
        throw new Error(`layout ${name}_cap ${cap} is below the ABI §4 minimum ${REGION_MINIMUMS[name]}`);
      }
      layout[name] = { ptr, cap };
    });
    if (layout.out.ptr % 8 !== 0) throw new Error(`layout out_ptr ${layout.out.ptr} is not 8-byte aligned`);
    if (layout.out.cap % RECORD_SIZE !== 0) throw new Error(`layout out_cap ${layout.out.cap} is not a multiple of 24`);
    const spans = REGIONS.map((name) => [name, layout[name].ptr, layout[name].ptr + layout[name].cap]);
    spans.push(["layout+meta", base, base + LAYOUT_SIZE + META_SIZE]);
    for (let i = 0; i < spans.length; i++) {
      for (let j = i + 1; j < spans.length; j++) {
        const [a, a0, a1] = spans[i];
        const [b, b0, b1] = spans[j];
        if (a0 < b1 && b0 < a1 && a1 > a0 && b1 > b0) throw new Error(`layout regions ${a} and ${b} overlap`);
      }
    }
    return layout;
  }

  meta() {
    const dv = this.view();
    const m = this.layout.meta;
    return {
      expect: dv.getInt32(m + META.expect, true),
      timeoutMs: dv.getInt32(m + META.timeoutMs, true),
      skip: dv.getInt32(m + META.skip, true),
      need: dv.getInt32(m + META.need, true),
      blobUsed: dv.getInt32(m + META.blobUsed, true),
      corr: dv.getUint32(m + META.corr, true),
      frameFlags: dv.getInt32(m + META.frameFlags, true),
    };
  }

  /** Copies `bytes` into region `name` (host-writable: cfg, rx, state), checking its capacity. */
  put(name, bytes) {
    const region = this.layout[name];
    if (bytes.length > region.cap) {
      throw new Error(`${bytes.length} bytes do not fit the ${name} region (${region.cap} bytes)`);
    }
    new Uint8Array(this.memory.buffer, region.ptr, bytes.length).set(bytes);
    return bytes.length;
  }

  /** Bytes `[0, len)` of region `name`, after checking the driver's length against it (ABI §9). */
  take(name, len) {
    const region = this.layout[name];
    if (len < 0 || len > region.cap) throw new Error(`driver returned length ${len} beyond the ${name} region (${region.cap})`);
    return new Uint8Array(this.memory.buffer.slice(region.ptr, region.ptr + len));
  }

  abiVersion() {
    return this.exports.weir_abi_version();
  }

  /** weir_host_abi (ABI §3.3): the agreed version; 0x00010000 for a driver without the export. */
  hostAbi(version) {
    if (!this.exports.weir_host_abi) return BASE_VERSION;
    return this.exports.weir_host_abi(version);
  }

  linkUp(dev, nowUs) {
    if (!this.exports.weir_link_up) return { status: ERRORS.E_UNSUPPORTED };
    return { status: this.exports.weir_link_up(dev, nowUs) };
  }

  frameEnd(dev, bytes) {
    if (!this.exports.weir_frame_end) return { status: ERRORS.E_UNSUPPORTED };
    const len = this.put("rx", bytes);
    const status = this.exports.weir_frame_end(dev, len);
    return { status, meta: this.meta() };
  }

  tick(dev, nowUs) {
    if (!this.exports.weir_tick) return { status: ERRORS.E_UNSUPPORTED };
    const status = this.exports.weir_tick(dev, nowUs);
    return status < 0 ? { status } : { status, records: this.records(status) };
  }

  describe() {
    const n = this.exports.weir_describe();
    if (n < 0) throw new Error(`weir_describe returned ${errorName(n)}`);
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(this.take("blob", n)));
  }

  open(dev, configText, nowUs) {
    const len = this.put("cfg", new TextEncoder().encode(configText));
    return this.exports.weir_open(dev, len, nowUs);
  }

  close(dev) {
    return this.exports.weir_close(dev);
  }

  lastError(dev) {
    const n = this.exports.weir_last_error(dev);
    if (n < 0) return { status: n, text: null };
    return { status: n, text: new TextDecoder("utf-8", { fatal: true }).decode(this.take("err", n)) };
  }

  /** weir_poll: { status, request (bytes), meta }. */
  poll(dev, nowUs) {
    const n = this.exports.weir_poll(dev, nowUs);
    if (n < 0) return { status: n };
    return { status: n, request: this.take("tx", n), meta: this.meta() };
  }

  frameLen(dev, bytes) {
    const len = this.put("rx", bytes);
    const status = this.exports.weir_frame_len(dev, len);
    return { status, meta: this.meta() };
  }

  onFrame(dev, bytes, nowUs) {
    const len = this.put("rx", bytes);
    const status = this.exports.weir_on_frame(dev, len, nowUs);
    return status < 0 ? { status } : { status, records: this.records(status), meta: this.meta() };
  }

  onTimeout(dev, nowUs) {
    const status = this.exports.weir_on_timeout(dev, nowUs);
    return status < 0 ? { status } : { status, records: this.records(status) };
  }

  observe(dev, bytes) {
    if (!this.exports.weir_observe) return { status: ERRORS.E_UNSUPPORTED };
    const len = this.put("rx", bytes);
    return { status: this.exports.weir_observe(dev, len), meta: this.meta() };
  }

  write(dev, point, vtype, valueBits, nowUs) {
    if (!this.exports.weir_write) return { status: ERRORS.E_UNSUPPORTED };
    const n = this.exports.weir_write(dev, point, vtype, valueBits, nowUs);
    if (n < 0) return { status: n };
    return { status: n, request: this.take("tx", n), meta: this.meta() };
  }

  saveState(dev) {
    if (!this.exports.weir_save_state) return { status: ERRORS.E_UNSUPPORTED };
    const n = this.exports.weir_save_state(dev);
    return n < 0 ? { status: n } : { status: n, state: this.take("state", n) };
  }

  loadState(dev, bytes) {
    if (!this.exports.weir_load_state) return { status: ERRORS.E_UNSUPPORTED };
    const len = this.put("state", bytes);
    return { status: this.exports.weir_load_state(dev, len) };
  }

  gc() {
    if (this.exports.weir_gc) this.exports.weir_gc();
  }

  /** Decodes `n` point records from `out` (ABI §6), resolving names and blob values. */
  records(n) {
    if (n * RECORD_SIZE > this.layout.out.cap) throw new Error(`driver returned ${n} records, beyond the out region`);
    const dv = this.view();
    const blob = this.layout.blob;
    const blobUsed = this.meta().blobUsed;
    if (blobUsed < 0 || blobUsed > blob.cap) throw new Error(`meta.blob_used ${blobUsed} is outside the blob region (${blob.cap})`);
    const decoder = new TextDecoder("utf-8", { fatal: true });
    const blobSpan = (offset, len, what) => {
      if (offset + len > blobUsed) {
        throw new Error(`${what} at blob ${offset}+${len} lies beyond meta.blob_used ${blobUsed}`);
      }
      return new Uint8Array(this.memory.buffer, blob.ptr + offset, len);
    };
    const result = [];
    for (let i = 0; i < n; i++) {
      const at = this.layout.out.ptr + i * RECORD_SIZE;
      const point = dv.getUint32(at, true);
      const vtype = dv.getUint8(at + 4);
      const flags = dv.getUint8(at + 5);
      const quality = dv.getUint16(at + 6, true);
      const ts = dv.getBigInt64(at + 8, true);
      const record = {};
      if (flags & RECORD_FLAGS.DEVICE_STATUS) {
        record.device_status = true;
        if (point !== 0) throw new Error(`record ${i}: a device status has point ${point}; ABI §6.3 says 0`);
      } else if (flags & FLAG_NAMED) {
        const len = blobSpan(point, 2, "name length")[0] | (blobSpan(point, 2, "name length")[1] << 8);
        record.name = decoder.decode(blobSpan(point + 2, len, "name"));
      } else {
        record.point = point;
      }
      record.type = VALUE_TYPES[vtype] ?? `vtype ${vtype}`;
      switch (vtype) {
        case 0:
          if (dv.getBigUint64(at + 16, true) !== 0n) throw new Error(`record ${i}: NULL with non-zero value bytes`);
          record.value = null;
          break;
        case 1:
          if (dv.getBigUint64(at + 16, true) > 1n) throw new Error(`record ${i}: BOOL value is not 0 or 1`);
          record.value = dv.getUint8(at + 16) === 1;
          break;
        case 2:
          record.value = dv.getBigInt64(at + 16, true);
          break;
        case 3:
          record.value = dv.getBigUint64(at + 16, true);
          break;
        case 4:
          record.value = dv.getFloat64(at + 16, true);
          break;
        case 5:
          record.value = decoder.decode(blobSpan(dv.getUint32(at + 16, true), dv.getUint32(at + 20, true), "text value"));
          break;
        case 6:
          record.value = Buffer.from(blobSpan(dv.getUint32(at + 16, true), dv.getUint32(at + 20, true), "byte value")).toString("hex");
          break;
        default:
          record.value = dv.getBigUint64(at + 16, true);
      }
      record.quality = qualityName(quality);
      if (flags & FLAG_DEVICE_TS) record.ts_us = ts;
      else if (ts !== 0n) throw new Error(`record ${i}: ts_us ${ts} without flag DEVICE_TS`);
      if (flags & RECORD_FLAGS.WRITE_RESULT) record.write_result = true;
      // Flags the runner compares against the agreed version's (ABI §3.3); not shown in messages.
      Object.defineProperty(record, "flagBits", { value: flags, enumerable: false });
      result.push(record);
    }
    return result;
  }
}
