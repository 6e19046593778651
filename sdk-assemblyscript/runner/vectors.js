// Runs conformance vector files (driver-abi/VECTORS.md) through a driver module's real exports.
// Each vector gets a fresh instance, device handle 0 and now_us = 1 700 000 000 000 000, as the
// Java host's runner does.

import { readFile, readdir, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { ERRORS, VALUE_TYPES, errorName } from "./driver-instance.js";

export const NOW_US = 1_700_000_000_000_000n;
const DEV = 0;

const hex = (bytes) => Buffer.from(bytes).toString("hex");

function parseHex(text, where) {
  if (typeof text !== "string" || !/^([0-9a-fA-F]{2})*$/.test(text)) {
    throw new VectorError(`${where}: "${text}" is not an even-length hex string`);
  }
  return Uint8Array.from(Buffer.from(text, "hex"));
}

/** A malformed vector file (as opposed to a driver that fails a vector). */
export class VectorError extends Error {}

/** Expands files and directories (their *.json) into a sorted list of vector files. */
export async function vectorFiles(paths) {
  const files = [];
  for (const p of paths) {
    if ((await stat(p)).isDirectory()) {
      const names = (await readdir(p)).filter((n) => n.endsWith(".json")).sort();
      files.push(...names.map((n) => join(p, n)));
    } else {
      files.push(p);
    }
  }
  return files;
}

/**
 * JSON.parse, except that integers beyond ±2^53 become decimal strings instead of rounded
 * doubles: vector files carry exact u64/i64 values (VECTORS.md "integers exact"), and the
 * comparisons read them with BigInt.
 */
export function parseJsonExact(text) {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === "-" || (c >= "0" && c <= "9")) {
      const token = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 64))[0];
      out += /^-?\d+$/.test(token) && !Number.isSafeInteger(Number(token)) ? `"${token}"` : token;
      i += token.length;
    } else {
      out += c;
      i++;
    }
  }
  return JSON.parse(out);
}

export async function loadVectorFile(file) {
  let doc;
  try {
    doc = parseJsonExact(await readFile(file, "utf8"));
  } catch (e) {
    throw new VectorError(`${file}: not valid JSON: ${e.message}`);
  }
  if (!doc || !Array.isArray(doc.vectors)) throw new VectorError(`${file}: no "vectors" array`);
  const names = new Set();
  for (const [i, v] of doc.vectors.entries()) {
    for (const field of ["name", "source", "config", "steps"]) {
      if (v[field] === undefined) throw new VectorError(`${file}: vector ${i + 1} has no "${field}"`);
    }
    if (names.has(v.name)) throw new VectorError(`${file}: vector name "${v.name}" is not unique`);
    names.add(v.name);
    if (!Array.isArray(v.steps) || v.steps.length === 0) throw new VectorError(`${file}: vector "${v.name}" has no steps`);
  }
  return doc;
}

/** Step failure: names the step and shows expected vs actual. */
class Mismatch extends Error {}

function expectError(step, status, lastError, what) {
  const want = step.expect_error;
  if (ERRORS[want] === undefined) throw new VectorError(`expect_error "${want}" is not an ABI error name`);
  if (status !== ERRORS[want]) {
    throw new Mismatch(`expected ${want}, got ${status < 0 ? errorName(status) : `${what} ${status}`}` +
      (status < 0 ? `; last_error: ${JSON.stringify(lastError())}` : ""));
  }
}

function failOnError(status, lastError, what) {
  if (status < 0) {
    throw new Mismatch(`${what} returned ${errorName(status)}; last_error: ${JSON.stringify(lastError())}`);
  }
}

function show(record) {
  // 64-bit integers print as JSON numbers, exactly, as the vector files write them.
  return JSON.stringify(record, (k, v) => (typeof v === "bigint" ? `\u0000${v}\u0000` : v)).replace(
    /"\\u0000(-?\d+)\\u0000"/g,
    "$1",
  );
}

function compareRecord(i, want, got) {
  const problems = [];
  if (want.name !== undefined) {
    if (got.name !== want.name) problems.push(`name: expected ${JSON.stringify(want.name)}, got ${got.name === undefined ? `point ${got.point}` : JSON.stringify(got.name)}`);
  } else if (want.point !== undefined) {
    if (got.point !== want.point) problems.push(`point: expected ${want.point}, got ${got.point === undefined ? `name ${JSON.stringify(got.name)}` : got.point}`);
  } else {
    throw new VectorError(`expected record ${i + 1} has neither "point" nor "name"`);
  }
  if (!VALUE_TYPES.includes(want.type)) throw new VectorError(`expected record ${i + 1}: unknown type "${want.type}"`);
  if (got.type !== want.type) problems.push(`type: expected ${want.type}, got ${got.type}`);
  else if (!sameValue(want.type, want.value, got.value)) problems.push(`value: expected ${JSON.stringify(want.value)}, got ${show(got.value)}`);
  if (got.quality !== want.quality) problems.push(`quality: expected ${want.quality}, got ${got.quality}`);
  if (want.ts_us !== undefined && String(got.ts_us) !== String(want.ts_us)) problems.push(`ts_us: expected ${want.ts_us}, got ${got.ts_us}`);
  if (got.flags !== undefined) problems.push(`unknown flag bits 0x${got.flags.toString(16)}`);
  if (problems.length > 0) {
    throw new Mismatch(`record ${i + 1}: ${problems.join("; ")}\n         expected ${JSON.stringify(want)}\n         got      ${show(got)}`);
  }
}

function sameValue(type, want, got) {
  switch (type) {
    case "null":
      return want === null && got === null;
    case "bool":
      return want === got;
    case "i64":
    case "u64":
      return (typeof want === "number" || typeof want === "string") && BigInt(want) === got;
    case "f64":
      if (typeof want !== "number") return false;
      if (want === got) return true;
      return Math.abs(want - got) <= 1e-9 * Math.max(Math.abs(want), Math.abs(got));
    case "str":
      return want === got;
    case "bytes":
      return typeof want === "string" && want.toLowerCase() === got;
  }
  return false;
}

function compareRecords(want, got) {
  if (!Array.isArray(want)) throw new VectorError(`"expect" must be an array of records`);
  for (let i = 0; i < Math.min(want.length, got.length); i++) compareRecord(i, want[i], got[i]);
  if (want.length !== got.length) {
    throw new Mismatch(`expected ${want.length} record(s), got ${got.length}: ${got.map(show).join(", ")}`);
  }
}

/** The i64 bits of a write value (ABI §6.1 value field); str/bytes go to cfg as (offset, length). */
function writeValue(instance, type, value) {
  switch (type) {
    case "null":
      return 0n;
    case "bool":
      return value ? 1n : 0n;
    case "i64":
    case "u64":
      return BigInt.asIntN(64, BigInt(value));
    case "f64": {
      const dv = new DataView(new ArrayBuffer(8));
      dv.setFloat64(0, value, true);
      return dv.getBigInt64(0, true);
    }
    case "str":
    case "bytes": {
      const bytes = type === "str" ? new TextEncoder().encode(value) : parseHex(value, "write value");
      instance.put("cfg", bytes);
      return BigInt(bytes.length) << 32n;
    }
  }
  throw new VectorError(`write: unknown type "${type}"`);
}

function runStep(instance, step) {
  const lastError = () => instance.lastError(DEV).text;
  switch (step.call) {
    case "poll": {
      const r = instance.poll(DEV, NOW_US);
      if (step.expect_error !== undefined) return expectError(step, r.status, lastError, "request length");
      failOnError(r.status, lastError, "weir_poll");
      if (step.expect_hex === undefined) throw new VectorError(`poll step has no "expect_hex"`);
      if (hex(r.request) !== step.expect_hex.toLowerCase()) {
        throw new Mismatch(`expected request ${step.expect_hex === "" ? "(none, end of cycle)" : step.expect_hex}, got ${r.status === 0 ? "(none, end of cycle)" : hex(r.request)}`);
      }
      if (step.expect_timeout_ms !== undefined && r.meta.timeoutMs !== step.expect_timeout_ms) {
        throw new Mismatch(`expected meta.timeout_ms ${step.expect_timeout_ms}, got ${r.meta.timeoutMs}`);
      }
      if (r.status > 0 && r.meta.expect !== 0 && r.meta.expect !== 1) {
        throw new Mismatch(`meta.expect is ${r.meta.expect}, must be 0 or 1`);
      }
      return;
    }
    case "observe": {
      const r = instance.observe(DEV, parseHex(step.hex, "observe hex"));
      if (step.expect_error !== undefined) return expectError(step, r.status, lastError, "status");
      failOnError(r.status, lastError, "weir_observe");
      if (r.status !== 0) throw new Mismatch(`weir_observe returned ${r.status}, expected 0`);
      return;
    }
    case "frame_len": {
      const r = instance.frameLen(DEV, parseHex(step.hex, "frame_len hex"));
      if (step.expect_error !== undefined) {
        expectError(step, r.status, lastError, "length");
        if (step.expect_skip !== undefined && r.meta.skip !== step.expect_skip) {
          throw new Mismatch(`expected meta.skip ${step.expect_skip}, got ${r.meta.skip}`);
        }
        if (r.status === ERRORS.E_RESYNC && r.meta.skip < 1) throw new Mismatch(`E_RESYNC with meta.skip ${r.meta.skip} (must be ≥ 1)`);
        return;
      }
      failOnError(r.status, lastError, "weir_frame_len");
      if (step.expect_len === undefined) throw new VectorError(`frame_len step has neither "expect_len" nor "expect_error"`);
      if (r.status !== step.expect_len) {
        throw new Mismatch(`expected length ${step.expect_len}${step.expect_len === 0 ? " (need more)" : ""}, got ${r.status}${r.status === 0 ? ` (need more, meta.need ${r.meta.need})` : ""}`);
      }
      return;
    }
    case "frame":
    case "timeout": {
      const r = step.call === "frame"
        ? instance.onFrame(DEV, parseHex(step.hex, "frame hex"), NOW_US)
        : instance.onTimeout(DEV, NOW_US);
      if (step.expect_error !== undefined) return expectError(step, r.status, lastError, "record count");
      failOnError(r.status, lastError, step.call === "frame" ? "weir_on_frame" : "weir_on_timeout");
      if (step.expect === undefined) throw new VectorError(`${step.call} step has neither "expect" nor "expect_error"`);
      compareRecords(step.expect, r.records);
      return;
    }
    case "write": {
      const vtype = VALUE_TYPES.indexOf(step.type);
      if (vtype < 0) throw new VectorError(`write: unknown type "${step.type}"`);
      const r = instance.write(DEV, step.point, vtype, writeValue(instance, step.type, step.value), NOW_US);
      if (step.expect_error !== undefined) return expectError(step, r.status, lastError, "request length");
      failOnError(r.status, lastError, "weir_write");
      if (hex(r.request) !== String(step.expect_hex).toLowerCase()) {
        throw new Mismatch(`expected request ${step.expect_hex}, got ${hex(r.request)}`);
      }
      return;
    }
  }
  throw new VectorError(`unknown call "${step.call}" (VECTORS.md: poll, observe, frame_len, frame, timeout, write)`);
}

/**
 * Runs one vector on a fresh instance. Returns null on success, else a message naming the step,
 * with expected vs actual. Throws VectorError for a malformed vector.
 */
export function runVector(driverModule, vector) {
  const instance = driverModule.instantiate();
  const opened = instance.open(DEV, vector.config, NOW_US);
  if (opened !== 0) {
    return `weir_open returned ${errorName(opened)}; last_error: ${JSON.stringify(instance.lastError(DEV).text)}`;
  }
  for (const [i, step] of vector.steps.entries()) {
    const label = `step ${i + 1} (${step.call})`;
    try {
      runStep(instance, step);
      if (step.expect_last_error !== undefined) {
        const text = instance.lastError(DEV).text;
        if (text === null || !text.includes(step.expect_last_error)) {
          throw new Mismatch(`expected last_error containing ${JSON.stringify(step.expect_last_error)}, got ${JSON.stringify(text)}`);
        }
      }
    } catch (e) {
      if (e instanceof VectorError) throw new VectorError(`vector "${vector.name}" ${label}: ${e.message}`);
      if (e instanceof Mismatch) return `${label}: ${e.message}`;
      return `${label}: ${e.name === "DriverPanic" ? e.message : `trap: ${e.message}`}`;
    }
  }
  return null;
}

/** Runs every vector of `file`; returns [{ file, name, steps, failure }]. */
export async function runVectorFile(driverModule, file) {
  const doc = await loadVectorFile(file);
  return doc.vectors.map((v) => ({
    file: basename(file),
    name: v.name,
    steps: v.steps.length,
    failure: runVector(driverModule, v),
  }));
}
