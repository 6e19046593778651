// Runs conformance vector files (driver-abi/VECTORS.md) through a driver module's real exports.
// Each vector gets a fresh instance, device handle 0 and now_us = 1 700 000 000 000 000, as the
// Java host's runner does.

import { readFile, readdir, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { BASE_VERSION, ERRORS, FRAME_FLAGS, QUALITIES, RECORD_FLAGS, VALUE_TYPES, errorName, knownRecordFlags } from "./driver-instance.js";
import { decodeCanFrames, encodeCan, parseCandump, toCandump } from "./can.js";

export const NOW_US = 1_700_000_000_000_000n;
const DEV = 0;

const hex = (bytes) => Buffer.from(bytes).toString("hex");

function parseHex(text, where) {
  if (typeof text !== "string" || !/^([0-9a-fA-F]{2})*$/.test(text)) {
    throw new VectorError(`${where}: "${text}" is not an even-length hex string`);
  }
  return Uint8Array.from(Buffer.from(text, "hex"));
}

/**
 * VECTORS.md's text form of bytes: each character is one byte, U+0000 to U+00FF (JSON escapes such
 * as "\r\n" or "\u0002" give control bytes); a character above U+00FF is refused, so that a byte
 * count never depends on an encoding.
 */
function parseText(text, where) {
  if (typeof text !== "string") throw new VectorError(`${where} must be a string`);
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff) {
      const u = c.toString(16).toUpperCase().padStart(4, "0");
      throw new VectorError(`${where} character ${i} is U+${u}, above U+00FF (in the text form each character is one byte; write other bytes with \\u00XX escapes or as "hex")`);
    }
    out[i] = c;
  }
  return out;
}

/** Bytes in the text form, escaped as JSON would, for messages about text steps. */
function asText(bytes) {
  let s = "";
  for (const b of bytes) {
    if (b === 0x0a) s += "\\n";
    else if (b === 0x0d) s += "\\r";
    else if (b === 0x09) s += "\\t";
    else if (b === 0x22) s += '\\"';
    else if (b === 0x5c) s += "\\\\";
    else if (b >= 0x20 && b < 0x7f) s += String.fromCharCode(b);
    else s += "\\u" + b.toString(16).padStart(4, "0");
  }
  return `"${s}"`;
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
 * comparisons read them with BigInt. A key given twice in one object is an error (JSON.parse
 * would keep the last silently, and the Rust and Java runners refuse it).
 */
export function parseJsonExact(text) {
  let out = "";
  let i = 0;
  // One entry per open object ({ keys, expectKey }) or array (null).
  const stack = [];
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      const token = text.slice(i, j + 1);
      const top = stack[stack.length - 1];
      if (top && top.expectKey) {
        const key = JSON.parse(token);
        if (top.keys.has(key)) throw new SyntaxError(`duplicate key "${key}" at offset ${i}`);
        top.keys.add(key);
        top.expectKey = false;
      }
      out += token;
      i = j + 1;
    } else if (c === "-" || (c >= "0" && c <= "9")) {
      const token = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 64))?.[0] ?? c;
      out += /^-?\d+$/.test(token) && !Number.isSafeInteger(Number(token)) ? `"${token}"` : token;
      i += token.length;
    } else {
      if (c === "{") stack.push({ keys: new Set(), expectKey: true });
      else if (c === "[") stack.push(null);
      else if (c === "}" || c === "]") stack.pop();
      else if (c === "," && stack[stack.length - 1]) stack[stack.length - 1].expectKey = true;
      out += c;
      i++;
    }
  }
  return JSON.parse(out);
}

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);

/** VECTORS.md "Strictness": a field not listed for this object is an error, never ignored. */
function checkKeys(obj, allowed, what) {
  if (!isObject(obj)) throw new VectorError(`${what} must be a JSON object, not ${JSON.stringify(obj)}`);
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) throw new VectorError(`${what}: unknown field "${k}" (allowed: ${allowed.join(", ")})`);
  }
}

const FILE_FIELDS = ["driver", "vectors"];
const VECTOR_FIELDS = ["name", "source", "config", "steps", "expect_open_error", "expect_last_error", "host_abi", "expect_abi_version", "expect_agreed"];
const RECORD_FIELDS = ["point", "name", "type", "value", "quality", "ts_us", "write_result", "device_status"];
const COMMON = ["call", "expect_error", "expect_last_error", "at_ms"];
/** VECTORS.md: the fields of each call. */
export const STEP_FIELDS = {
  poll: [...COMMON, "expect_hex", "expect_text", "expect_can", "expect_timeout_ms", "expect_response"],
  observe: [...COMMON, "hex", "text", "expect_corr"],
  frame_len: [...COMMON, "hex", "text", "can", "expect_len", "expect_need", "expect_skip", "expect_corr"],
  frame: [...COMMON, "hex", "text", "can", "expect", "expect_frame_flags"],
  timeout: [...COMMON, "expect"],
  write: [...COMMON, "point", "type", "value", "expect_hex", "expect_text", "expect_can", "expect_response"],
  save_state: [...COMMON, "expect_hex", "expect_len"],
  reopen_with_state: [...COMMON, "hex"],
  open: [...COMMON, "config"],
  link_up: [...COMMON],
  frame_end: [...COMMON, "hex", "text", "expect_len", "expect_skip", "expect_corr"],
  tick: [...COMMON, "expect"],
  unsolicited: [...COMMON, "hex", "text", "can", "expect", "expect_frame_flags"],
};

/** VECTORS.md: the calls and fields of v1.1, which need "host_abi": "1.1". */
const V11_CALLS = ["link_up", "frame_end", "tick", "unsolicited"];
const V11_STEP_FIELDS = ["can", "expect_can", "expect_corr", "expect_frame_flags"];
const V11_RECORD_FIELDS = ["write_result", "device_status"];
const MINORS = { "1.0": 0, "1.1": 1 };
/** ABI §10.1: a v1.1 host's version. */
const HOST_VERSION_1_1 = 0x00010001;

/** VECTORS.md: the checks of a successful call, which expect_error excludes. */
const SUCCESS_CHECKS = ["expect", "expect_hex", "expect_text", "expect_len", "expect_need", "expect_timeout_ms", "expect_can", "expect_corr", "expect_frame_flags", "expect_response"];

function checkErrorName(obj, key) {
  const name = obj[key];
  if (name === undefined) return;
  if (typeof name !== "string" || ERRORS[name] === undefined) {
    throw new VectorError(`"${key}": unknown ABI error name ${JSON.stringify(name)}`);
  }
}

function checkString(obj, key, what) {
  if (obj[key] !== undefined && typeof obj[key] !== "string") throw new VectorError(`${what}: "${key}" must be a string`);
}

function checkUint(obj, key, what) {
  if (obj[key] !== undefined && !(Number.isSafeInteger(obj[key]) && obj[key] >= 0)) {
    throw new VectorError(`${what}: "${key}" must be a non-negative integer`);
  }
}

/** Every check of a step that does not need the driver: fields, names, types. */
function checkStep(step, where, v11) {
  if (!isObject(step)) throw new VectorError(`${where} must be a JSON object`);
  if (step.call === undefined) throw new VectorError(`${where}: missing "call"`);
  const fields = STEP_FIELDS[step.call];
  if (fields === undefined) {
    throw new VectorError(`${where}: unknown call ${JSON.stringify(step.call)} (${Object.keys(STEP_FIELDS).join(", ")})`);
  }
  if (!v11) {
    if (V11_CALLS.includes(step.call)) throw new VectorError(`${where}: call "${step.call}" needs a vector with "host_abi": "1.1"`);
    for (const k of V11_STEP_FIELDS) {
      if (step[k] !== undefined) throw new VectorError(`${where}: field "${k}" needs a vector with "host_abi": "1.1"`);
    }
  }
  checkKeys(step, fields, where);
  checkErrorName(step, "expect_error");
  for (const key of ["hex", "text", "can", "expect_hex", "expect_text", "expect_last_error", "config"]) checkString(step, key, where);
  for (const key of ["expect_len", "expect_need", "expect_skip", "expect_timeout_ms", "at_ms"]) checkUint(step, key, where);
  if (step.expect_corr !== undefined && !(Number.isSafeInteger(step.expect_corr) && step.expect_corr >= 0 && step.expect_corr <= 0xffffffff)) {
    throw new VectorError(`${where}: "expect_corr" must be a u32`);
  }
  if (step.expect_response !== undefined && typeof step.expect_response !== "boolean") {
    throw new VectorError(`${where}: "expect_response" must be true or false`);
  }
  if (step.hex !== undefined) parseHex(step.hex, `${where} "hex"`);
  if (step.text !== undefined) parseText(step.text, `${where} "text"`);
  if (step.expect_text !== undefined) parseText(step.expect_text, `${where} "expect_text"`);
  const given = (keys) => keys.filter((k) => step[k] !== undefined).length;
  if (given(["hex", "text", "can"]) > 1) throw new VectorError(`${where}: a step has one of "hex", "text" and "can", not more`);
  if (given(["expect_hex", "expect_text", "expect_can"]) > 1) throw new VectorError(`${where}: a step has one of "expect_hex", "expect_text" and "expect_can", not more`);
  if (step.can !== undefined) {
    try {
      parseCandump(step.can);
    } catch (e) {
      throw new VectorError(`${where}: ${e.message}`);
    }
  }
  if (step.expect_can !== undefined) {
    if (!Array.isArray(step.expect_can)) throw new VectorError(`${where}: "expect_can" must be an array of candump frames`);
    for (const text of step.expect_can) {
      if (typeof text !== "string") throw new VectorError(`${where}: "expect_can" must be an array of candump frames`);
      try {
        parseCandump(text);
      } catch (e) {
        throw new VectorError(`${where}: ${e.message}`);
      }
    }
  }
  if (step.expect_frame_flags !== undefined) {
    if (!Array.isArray(step.expect_frame_flags)) throw new VectorError(`${where}: "expect_frame_flags" must be an array of flag names`);
    for (const name of step.expect_frame_flags) {
      if (FRAME_FLAGS[name] === undefined) throw new VectorError(`${where}: unknown frame flag ${JSON.stringify(name)} (NOT_ANSWER, POLL_NOW)`);
    }
  }
  if (step.expect_corr !== undefined && ["frame_len", "frame_end"].includes(step.call) && !(step.expect_len > 0)) {
    throw new VectorError(`${where}: "expect_corr" needs "expect_len" > 0`);
  }
  const hasError = step.expect_error !== undefined;
  for (const key of SUCCESS_CHECKS) {
    if (hasError && step[key] !== undefined) throw new VectorError(`${where}: "expect_error" excludes "${key}" (a check that could never run)`);
  }
  switch (step.call) {
    case "poll":
      if (!hasError && step.expect_hex === undefined && step.expect_text === undefined && step.expect_can === undefined) throw new VectorError(`${where}: missing "expect_hex"`);
      break;
    case "observe":
      if (step.hex === undefined && step.text === undefined) throw new VectorError(`${where}: missing string "hex"`);
      break;
    case "frame":
    case "unsolicited":
      if (step.hex === undefined && step.text === undefined && step.can === undefined) throw new VectorError(`${where}: missing string "hex"`);
      if (!hasError && step.expect === undefined) throw new VectorError(`${where}: missing array "expect"`);
      break;
    case "timeout":
    case "tick":
      if (!hasError && step.expect === undefined) throw new VectorError(`${where}: missing array "expect"`);
      break;
    case "frame_end":
      if (step.hex === undefined && step.text === undefined) throw new VectorError(`${where}: missing string "hex"`);
      if (step.expect_skip !== undefined && step.expect_error !== "E_RESYNC") throw new VectorError(`${where}: "expect_skip" needs "expect_error": "E_RESYNC"`);
      if (hasError === (step.expect_len !== undefined)) throw new VectorError(`${where}: a frame_end step has exactly one of "expect_len" and "expect_error"`);
      break;
    case "frame_len":
      if (step.hex === undefined && step.text === undefined && step.can === undefined) throw new VectorError(`${where}: missing string "hex"`);
      if (step.expect_need !== undefined && step.expect_len !== 0) throw new VectorError(`${where}: "expect_need" needs "expect_len": 0`);
      if (step.expect_skip !== undefined && step.expect_error !== "E_RESYNC") throw new VectorError(`${where}: "expect_skip" needs "expect_error": "E_RESYNC"`);
      if (hasError === (step.expect_len !== undefined)) throw new VectorError(`${where}: a frame_len step has exactly one of "expect_len" and "expect_error"`);
      break;
    case "write":
      if (!Number.isSafeInteger(step.point)) throw new VectorError(`${where}: missing integer "point"`);
      if (!VALUE_TYPES.includes(step.type)) throw new VectorError(`${where}: unknown write type ${JSON.stringify(step.type)} (${VALUE_TYPES.join(", ")})`);
      if (!("value" in step)) throw new VectorError(`${where}: missing "value"`);
      writeBytesOf(step.type, step.value, where);
      if (!hasError && step.expect_hex === undefined && step.expect_text === undefined && step.expect_can === undefined) throw new VectorError(`${where}: missing "expect_hex"`);
      break;
  }
  if (step.expect !== undefined) {
    if (!Array.isArray(step.expect)) throw new VectorError(`${where}: "expect" must be an array of records`);
    step.expect.forEach((r, i) => checkRecord(r, `${where} expected record ${i + 1}`, v11));
  }
}

function checkRecord(r, where, v11) {
  checkKeys(r, RECORD_FIELDS, where);
  for (const k of V11_RECORD_FIELDS) {
    if (r[k] === undefined) continue;
    if (!v11) throw new VectorError(`${where}: field "${k}" needs a vector with "host_abi": "1.1"`);
    if (r[k] !== true) throw new VectorError(`${where}: "${k}" must be true`);
  }
  if (r.device_status) {
    if (r.point !== undefined || r.name !== undefined) throw new VectorError(`${where}: a device status has neither "point" nor "name"`);
  } else if ((r.point === undefined) === (r.name === undefined)) throw new VectorError(`${where}: exactly one of "point" and "name"`);
  if (r.point !== undefined && !(Number.isSafeInteger(r.point) && r.point >= 0)) throw new VectorError(`${where}: "point" must be an integer`);
  if (r.name !== undefined && typeof r.name !== "string") throw new VectorError(`${where}: "name" must be a string`);
  if (!VALUE_TYPES.includes(r.type)) throw new VectorError(`${where}: unknown type ${JSON.stringify(r.type)}`);
  if (QUALITIES[r.quality] === undefined) throw new VectorError(`${where}: unknown quality name ${JSON.stringify(r.quality)}`);
  if (!("value" in r)) throw new VectorError(`${where}: missing "value"`);
  if (r.ts_us !== undefined && !isInteger(r.ts_us)) throw new VectorError(`${where}: "ts_us" must be an integer`);
}

/** An integer as parseJsonExact gives it: a safe integer, or a decimal string beyond 2^53. */
const isInteger = (v) => Number.isSafeInteger(v) || (typeof v === "string" && /^-?\d+$/.test(v));

export async function loadVectorFile(file) {
  let doc;
  try {
    doc = parseJsonExact(await readFile(file, "utf8"));
  } catch (e) {
    throw new VectorError(`${file}: not valid JSON: ${e.message}`);
  }
  try {
    checkKeys(doc, FILE_FIELDS, "file");
    if (typeof doc.driver !== "string") throw new VectorError(`missing string "driver"`);
    if (!Array.isArray(doc.vectors)) throw new VectorError(`no "vectors" array`);
    const names = new Set();
    for (const [i, v] of doc.vectors.entries()) {
      const where = `vector ${i + 1}${isObject(v) && typeof v.name === "string" ? ` "${v.name}"` : ""}`;
      checkKeys(v, VECTOR_FIELDS, where);
      for (const field of ["name", "source", "config"]) {
        if (typeof v[field] !== "string" || v[field] === "") throw new VectorError(`${where}: missing string "${field}"`);
      }
      if (names.has(v.name)) throw new VectorError(`${where}: name is not unique in the file`);
      names.add(v.name);
      if (!Array.isArray(v.steps)) throw new VectorError(`${where}: missing array "steps"`);
      checkErrorName(v, "expect_open_error");
      checkString(v, "expect_last_error", where);
      if (v.expect_last_error !== undefined && v.expect_open_error === undefined) {
        throw new VectorError(`${where}: "expect_last_error" on a vector needs "expect_open_error"`);
      }
      if (v.steps.length === 0 && v.expect_open_error === undefined) {
        throw new VectorError(`${where}: "steps" is empty (only a vector with "expect_open_error" may have no steps)`);
      }
      for (const field of ["host_abi", "expect_abi_version", "expect_agreed"]) {
        if (v[field] !== undefined && MINORS[v[field]] === undefined) throw new VectorError(`${where}: "${field}" must be "1.0" or "1.1", not ${JSON.stringify(v[field])}`);
      }
      const v11 = v.host_abi === "1.1";
      if (v.expect_agreed !== undefined && !v11) throw new VectorError(`${where}: "expect_agreed" needs "host_abi": "1.1"`);
      let atMs = 0;
      v.steps.forEach((step, j) => {
        checkStep(step, `${where} step ${j + 1}`, v11);
        if (step.at_ms !== undefined) {
          if (step.at_ms < atMs) throw new VectorError(`${where} step ${j + 1}: "at_ms" ${step.at_ms} goes back in time (an earlier step is at ${atMs})`);
          atMs = step.at_ms;
        }
      });
    }
  } catch (e) {
    if (e instanceof VectorError) throw new VectorError(`${file}: ${e.message}`);
    throw e;
  }
  return doc;
}

/** Step failure: names the step and shows expected vs actual. */
class Mismatch extends Error {}

function expectError(step, status, lastError, what) {
  const want = step.expect_error;
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

function compareRecord(i, want, got, agreed) {
  const problems = [];
  if (want.device_status) {
    if (!got.device_status) problems.push(`expected a device status, got flag DEVICE_STATUS clear`);
  } else if (got.device_status) {
    problems.push(`expected no device status, got flag DEVICE_STATUS`);
  } else if (want.name !== undefined) {
    if (got.name !== want.name) problems.push(`name: expected ${JSON.stringify(want.name)}, got ${got.name === undefined ? `point ${got.point}` : JSON.stringify(got.name)}`);
  } else if (got.point !== want.point) {
    problems.push(`point: expected ${want.point}, got ${got.point === undefined ? `name ${JSON.stringify(got.name)}` : got.point}`);
  }
  if (got.type !== want.type) problems.push(`type: expected ${want.type}, got ${got.type}`);
  else if (!sameValue(want.type, want.value, got.value)) problems.push(`value: expected ${JSON.stringify(want.value)}, got ${show(got.value)}`);
  if (got.quality !== want.quality) problems.push(`quality: expected ${want.quality}, got ${got.quality}`);
  // VECTORS.md: ts_us present = flag DEVICE_TS with that timestamp; absent = DEVICE_TS clear.
  if (want.ts_us !== undefined) {
    if (got.ts_us === undefined) problems.push(`ts_us: expected device timestamp ${want.ts_us}, got flag DEVICE_TS clear`);
    else if (BigInt(want.ts_us) !== got.ts_us) problems.push(`ts_us: expected ${want.ts_us}, got ${got.ts_us}`);
  } else if (got.ts_us !== undefined) {
    problems.push(`ts_us: expected no device timestamp, got flag DEVICE_TS with ts_us ${got.ts_us}`);
  }
  if (want.write_result && !got.write_result) problems.push("expected a write result, got flag WRITE_RESULT clear");
  if (!want.write_result && got.write_result) problems.push("expected a reading, got flag WRITE_RESULT set");
  const unknown = got.flagBits & ~knownRecordFlags(agreed);
  if (unknown !== 0) problems.push(`flag bits 0x${unknown.toString(16)} are not defined by ABI §6.1 for agreed version 1.${agreed}`);
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
      return isInteger(want) && BigInt(want) === got;
    case "f64":
      if (typeof want !== "number") return false;
      if (want === got) return true;
      // VECTORS.md: equal within 1e-9 relative (to the expected value, as the other runners do).
      return Math.abs(want - got) <= 1e-9 * Math.abs(want);
    case "str":
      return want === got;
    case "bytes":
      return want === got;
  }
  return false;
}

function compareRecords(want, got, run) {
  // ABI §9: a record that is neither named nor a device status names a point of the point map.
  for (const g of got) {
    if (g.point !== undefined && !g.device_status && g.point >= run.points) {
      throw new Mismatch(`record ${show(g)} names point ${g.point}, outside the point map of ${run.points} points (ABI §9)`);
    }
  }
  for (let i = 0; i < Math.min(want.length, got.length); i++) compareRecord(i, want[i], got[i], run.agreed);
  if (want.length !== got.length) {
    throw new Mismatch(`expected ${want.length} record(s), got ${got.length}: ${got.map(show).join(", ")}`);
  }
}

/** The bytes of a `str` (UTF-8) or `bytes` (hex) write value; checks scalar values' JSON types. */
function writeBytesOf(type, value, where) {
  const bad = () => new VectorError(`${where}: write value ${JSON.stringify(value)} is not a ${type}`);
  switch (type) {
    case "null":
      if (value !== null) throw bad();
      return null;
    case "bool":
      if (typeof value !== "boolean") throw bad();
      return null;
    case "i64":
    case "u64": {
      if (!isInteger(value)) throw bad();
      const v = BigInt(value);
      if (type === "i64" ? v !== BigInt.asIntN(64, v) : v !== BigInt.asUintN(64, v)) throw bad();
      return null;
    }
    case "f64":
      if (typeof value !== "number") throw bad();
      return null;
    case "str":
      if (typeof value !== "string") throw bad();
      return new TextEncoder().encode(value);
    case "bytes":
      if (typeof value !== "string") throw bad();
      return parseHex(value, `${where} write value`);
  }
  throw new VectorError(`${where}: unknown write type ${JSON.stringify(type)}`);
}

/**
 * The i64 of weir_write's `value` (ABI §6.1 value field). For str/bytes the bytes go to cfg[0]
 * and the value is offset 0 (low 32 bits) | length << 32 (ABI §7.6).
 */
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
  }
  const bytes = writeBytesOf(type, value, "write");
  instance.put("cfg", bytes);
  return BigInt(bytes.length) << 32n;
}

function checkRequest(step, r) {
  if (step.expect_can !== undefined) {
    let got;
    try {
      got = decodeCanFrames(r.request).map(toCandump);
    } catch (e) {
      throw new Mismatch(`tx holds a ${e.message}`);
    }
    const want = step.expect_can.map((t) => toCandump(parseCandump(t)));
    if (JSON.stringify(got) !== JSON.stringify(want)) {
      throw new Mismatch(`expected CAN frames ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
    }
  } else if (step.expect_text !== undefined) {
    const want = parseText(step.expect_text, "expect_text");
    if (hex(r.request) !== hex(want)) {
      throw new Mismatch(`expected request ${asText(want)}, got ${r.status === 0 ? "(none, end of cycle)" : `${asText(r.request)} (hex ${hex(r.request)})`}`);
    }
  } else if (hex(r.request) !== step.expect_hex) {
    throw new Mismatch(`expected request ${step.expect_hex === "" ? "(none, end of cycle)" : step.expect_hex}, got ${r.status === 0 ? "(none, end of cycle)" : hex(r.request)}`);
  }
  if (r.status > 0 && r.meta.expect !== 0 && r.meta.expect !== 1) {
    throw new Mismatch(`meta.expect is ${r.meta.expect}, must be 0 or 1`);
  }
  if (step.expect_response !== undefined && r.status > 0 && r.meta.expect !== (step.expect_response ? 1 : 0)) {
    throw new Mismatch(`expected meta.expect ${step.expect_response ? 1 : 0}, got ${r.meta.expect}`);
  }
}

function checkCorr(step, meta) {
  if (step.expect_corr !== undefined && meta.corr !== step.expect_corr) {
    throw new Mismatch(`expected meta.corr 0x${step.expect_corr.toString(16)}, got 0x${meta.corr.toString(16)}`);
  }
}

function flagNames(bits) {
  return Object.entries(FRAME_FLAGS).filter(([, b]) => bits & b).map(([n]) => n);
}

/** The bytes of a step's "hex" or "can" input. */
function frameInput(step) {
  if (step.text !== undefined) return parseText(step.text, `${step.call} text`);
  return step.can !== undefined ? encodeCan(parseCandump(step.can)) : parseHex(step.hex, `${step.call} hex`);
}

function pointCount(config) {
  return config.split("\n").filter((line) => line.startsWith("point")).length;
}

/**
 * VECTORS.md: with agreed 1.1 the device line ends with the host keys, weir.transport among
 * them; with 1.0 the config holds no weir. key (ABI §5.1).
 */
function hostKeyProblem(config, agreed) {
  const keys = (config.split("\n")[0] ?? "").split(" ").slice(1).map((p) => p.split("=")[0]);
  const first = keys.findIndex((k) => k.startsWith("weir."));
  if (agreed >= 1) {
    if (!keys.includes("weir.transport")) return "the agreed version is 1.1, but the config's device line lacks the host key weir.transport a v1.1 host adds (ABI §5.1)";
    if (first >= 0 && keys.slice(first).some((k) => !k.startsWith("weir."))) return "the host keys come last on the device line (ABI §5.1)";
  } else if (config.split(/[ \n]/).some((w) => w.startsWith("weir."))) {
    return "the agreed version is 1.0, but the config holds a weir. key (a v1.0 host adds none, ABI §5.1)";
  }
  return null;
}

/**
 * A fresh instance as a host of minor `hostMinor` makes it: the version check, then (1.1)
 * weir_host_abi with the checks of ABI §3.3. Returns { instance, agreed } or { problem }.
 */
function newInstance(driverModule, hostMinor) {
  const instance = driverModule.instantiate();
  const version = instance.abiVersion();
  const driverMinor = version & 0xffff;
  if (version >> 16 !== 1 || driverMinor > hostMinor) {
    return { problem: `weir_abi_version is 0x${version.toString(16).padStart(8, "0")}: a v1.${hostMinor} host refuses this driver (driver needs ABI 1.${driverMinor}, host speaks 1.${hostMinor})` };
  }
  if (hostMinor < 1) return { instance, agreed: 0 };
  const agreed = instance.hostAbi(HOST_VERSION_1_1);
  const agreedMinor = agreed & 0xffff;
  if (agreed < 0 || agreed >> 16 !== 1 || agreedMinor < driverMinor || agreedMinor > hostMinor) {
    return { problem: `weir_host_abi(0x00010001) returned 0x${(agreed >>> 0).toString(16)}; the agreed version must be 1.${driverMinor} to 1.${hostMinor} (ABI §3.3)` };
  }
  return { instance, agreed: agreedMinor };
}

/** One vector's run: the instance under test and what reopen_with_state needs. */
class Run {
  constructor(driverModule, config, instance, hostMinor, agreed) {
    this.driverModule = driverModule;
    this.config = config;
    this.instance = instance;
    this.saved = null;
    this.hostMinor = hostMinor;
    this.agreed = agreed;
    this.nowUs = NOW_US;
    this.points = pointCount(config);
  }
}

function runStep(run, step) {
  const instance = run.instance;
  const lastError = () => run.instance.lastError(DEV).text;
  const now = run.nowUs;
  if ((V11_CALLS.includes(step.call) || V11_STEP_FIELDS.some((k) => step[k] !== undefined)) && run.agreed < 1) {
    throw new Mismatch(`${step.call} uses v1.1, but the driver agreed on ABI 1.0: a host would not make this call`);
  }
  switch (step.call) {
    case "poll": {
      const r = instance.poll(DEV, now);
      if (step.expect_error !== undefined) return expectError(step, r.status, lastError, "request length");
      failOnError(r.status, lastError, "weir_poll");
      checkRequest(step, r);
      if (step.expect_timeout_ms !== undefined && r.status > 0 && r.meta.timeoutMs !== step.expect_timeout_ms) {
        throw new Mismatch(`expected meta.timeout_ms ${step.expect_timeout_ms}, got ${r.meta.timeoutMs}`);
      }
      return;
    }
    case "observe": {
      const r = instance.observe(DEV, frameInput(step));
      if (step.expect_error !== undefined) return expectError(step, r.status, lastError, "status");
      failOnError(r.status, lastError, "weir_observe");
      if (r.status !== 0) throw new Mismatch(`weir_observe returned ${r.status}, expected 0`);
      checkCorr(step, r.meta);
      return;
    }
    case "frame_end": {
      const r = instance.frameEnd(DEV, frameInput(step));
      if (step.expect_error !== undefined) {
        expectError(step, r.status, lastError, "length");
        if (r.status === ERRORS.E_RESYNC && r.meta.skip < 1) throw new Mismatch(`E_RESYNC with meta.skip ${r.meta.skip} (must be ≥ 1)`);
        if (step.expect_skip !== undefined && r.meta.skip !== step.expect_skip) throw new Mismatch(`expected meta.skip ${step.expect_skip}, got ${r.meta.skip}`);
        return;
      }
      if (r.status === ERRORS.E_RESYNC) throw new Mismatch(`expected length ${step.expect_len}, got E_RESYNC with skip ${r.meta.skip}`);
      failOnError(r.status, lastError, "weir_frame_end");
      if (r.status !== step.expect_len) throw new Mismatch(`expected length ${step.expect_len}${step.expect_len === 0 ? " (discard)" : ""}, got ${r.status}`);
      checkCorr(step, r.meta);
      return;
    }
    case "link_up": {
      const r = instance.linkUp(DEV, now);
      if (step.expect_error !== undefined) return expectError(step, r.status, lastError, "status");
      failOnError(r.status, lastError, "weir_link_up");
      if (r.status !== 0) throw new Mismatch(`weir_link_up returned ${r.status}, expected 0`);
      return;
    }
    case "open": {
      const config = step.config ?? run.config;
      const problem = hostKeyProblem(config, run.agreed);
      if (problem !== null) throw new VectorError(problem);
      // ABI §2.6: weir_open of an open handle discards the device and opens it afresh.
      const status = instance.open(DEV, config, now);
      if (step.expect_error !== undefined) return expectError(step, status, lastError, "status");
      failOnError(status, lastError, "weir_open");
      run.config = config;
      run.points = pointCount(config);
      return;
    }
    case "frame_len": {
      const r = instance.frameLen(DEV, frameInput(step));
      if (step.expect_error !== undefined) {
        expectError(step, r.status, lastError, "length");
        if (r.status === ERRORS.E_RESYNC && r.meta.skip < 1) throw new Mismatch(`E_RESYNC with meta.skip ${r.meta.skip} (must be ≥ 1)`);
        if (step.expect_skip !== undefined && r.meta.skip !== step.expect_skip) {
          throw new Mismatch(`expected meta.skip ${step.expect_skip}, got ${r.meta.skip}`);
        }
        return;
      }
      if (r.status === ERRORS.E_RESYNC) throw new Mismatch(`expected length ${step.expect_len}, got E_RESYNC with skip ${r.meta.skip}`);
      failOnError(r.status, lastError, "weir_frame_len");
      if (r.status !== step.expect_len) {
        throw new Mismatch(`expected length ${step.expect_len}${step.expect_len === 0 ? " (need more)" : ""}, got ${r.status}${r.status === 0 ? ` (need more, meta.need ${r.meta.need})` : ""}`);
      }
      if (step.expect_need !== undefined && r.meta.need !== step.expect_need) {
        throw new Mismatch(`expected meta.need ${step.expect_need}, got ${r.meta.need}`);
      }
      if (r.status > 0) checkCorr(step, r.meta);
      return;
    }
    case "frame":
    case "unsolicited":
    case "timeout":
    case "tick": {
      if (step.call === "unsolicited") {
        const m = instance.describe();
        if (m.passive !== true && m.unsolicited !== true) {
          throw new Mismatch("the manifest is neither passive nor unsolicited: a host drops bytes that arrive with no request outstanding (ABI §7.3)");
        }
      }
      const framed = step.call === "frame" || step.call === "unsolicited";
      const r = framed ? instance.onFrame(DEV, frameInput(step), now)
        : step.call === "timeout" ? instance.onTimeout(DEV, now) : instance.tick(DEV, now);
      if (step.expect_error !== undefined) return expectError(step, r.status, lastError, "record count");
      failOnError(r.status, lastError, `weir_${framed ? "on_frame" : step.call === "timeout" ? "on_timeout" : "tick"}`);
      compareRecords(step.expect, r.records, run);
      if (framed && run.agreed >= 1) {
        const want = (step.expect_frame_flags ?? []).reduce((a, n) => a | FRAME_FLAGS[n], 0);
        if (r.meta.frameFlags !== want) {
          throw new Mismatch(`expected meta.frame_flags ${JSON.stringify(flagNames(want))}, got ${JSON.stringify(flagNames(r.meta.frameFlags))} (0x${r.meta.frameFlags.toString(16)})`);
        }
      }
      return;
    }
    case "write": {
      const vtype = VALUE_TYPES.indexOf(step.type);
      const r = instance.write(DEV, step.point, vtype, writeValue(instance, step.type, step.value), now);
      if (step.expect_error !== undefined) return expectError(step, r.status, lastError, "request length");
      failOnError(r.status, lastError, "weir_write");
      if (r.status === 0) throw new Mismatch(`weir_write returned 0 bytes (a write always has a request)`);
      checkRequest(step, r);
      return;
    }
    case "save_state": {
      const r = instance.saveState(DEV);
      if (step.expect_error !== undefined) return expectError(step, r.status, lastError, "payload length");
      failOnError(r.status, lastError, "weir_save_state");
      if (step.expect_hex !== undefined && hex(r.state) !== step.expect_hex) {
        throw new Mismatch(`expected state payload ${step.expect_hex}, got ${hex(r.state)}`);
      }
      if (step.expect_len !== undefined && r.state.length !== step.expect_len) {
        throw new Mismatch(`expected state payload length ${step.expect_len}, got ${r.state.length}`);
      }
      run.saved = r.state;
      return;
    }
    case "reopen_with_state": {
      let payload = run.saved;
      if (step.hex !== undefined) payload = parseHex(step.hex, "reopen_with_state hex");
      if (payload === null) throw new VectorError(`no state to load: no earlier save_state step succeeded and no "hex"`);
      const closed = instance.close(DEV);
      if (closed !== 0) throw new Mismatch(`weir_close returned ${errorName(closed)}, expected 0`);
      // ABI §7.7: the hot swap opens the device on a new instance with the same config.
      const fresh = newInstance(run.driverModule, run.hostMinor);
      if (fresh.problem) throw new Mismatch(fresh.problem);
      run.instance = fresh.instance;
      run.agreed = fresh.agreed;
      const opened = run.instance.open(DEV, run.config, now);
      failOnError(opened, lastError, "reopen: weir_open");
      const r = run.instance.loadState(DEV, payload);
      if (step.expect_error !== undefined) return expectError(step, r.status, lastError, "status");
      failOnError(r.status, lastError, "weir_load_state");
      if (r.status !== 0) throw new Mismatch(`weir_load_state returned ${r.status}, expected 0`);
      return;
    }
  }
  throw new VectorError(`unknown call "${step.call}" (${Object.keys(STEP_FIELDS).join(", ")})`);
}

/**
 * Runs one vector on a fresh instance. Returns null on success, else a message naming the step,
 * with expected vs actual. Throws VectorError for a malformed vector.
 */
export function runVector(driverModule, vector) {
  const hostMinor = MINORS[vector.host_abi ?? "1.0"];
  if (vector.expect_abi_version !== undefined) {
    const got = driverModule.instantiate().abiVersion();
    if (got !== BASE_VERSION + MINORS[vector.expect_abi_version]) {
      return `weir_abi_version: expected ${vector.expect_abi_version}, got 1.${got & 0xffff}`;
    }
  }
  const made = newInstance(driverModule, hostMinor);
  if (made.problem) return made.problem;
  const { instance, agreed } = made;
  if (vector.expect_agreed !== undefined && agreed !== MINORS[vector.expect_agreed]) {
    return `agreed version: expected ${vector.expect_agreed}, got 1.${agreed}`;
  }
  const keyProblem = hostKeyProblem(vector.config, agreed);
  if (keyProblem !== null) throw new VectorError(`vector "${vector.name}": ${keyProblem}`);
  const opened = instance.open(DEV, vector.config, NOW_US);
  const openError = () => JSON.stringify(instance.lastError(DEV).text);
  if (vector.expect_open_error === undefined) {
    if (opened !== 0) return `weir_open returned ${errorName(opened)}; last_error: ${openError()}`;
  } else {
    if (opened !== ERRORS[vector.expect_open_error]) {
      return `open: expected ${vector.expect_open_error}, got ${opened === 0 ? "0 (opened)" : `${errorName(opened)}; last_error: ${openError()}`}`;
    }
    const text = instance.lastError(DEV).text;
    if (vector.expect_last_error !== undefined && (text === null || !text.includes(vector.expect_last_error))) {
      return `open: expected last_error containing ${JSON.stringify(vector.expect_last_error)}, got ${JSON.stringify(text)}`;
    }
  }
  const run = new Run(driverModule, vector.config, instance, hostMinor, agreed);
  let atMs = 0;
  for (const [i, step] of vector.steps.entries()) {
    const label = `step ${i + 1} (${step.call})`;
    // VECTORS.md: a step without at_ms runs at the time of the step before.
    atMs = step.at_ms ?? atMs;
    run.nowUs = NOW_US + BigInt(atMs) * 1000n;
    try {
      runStep(run, step);
      if (step.expect_last_error !== undefined) {
        const text = run.instance.lastError(DEV).text;
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

/** The manifest name (ABI §3.4) of a module, which a file's "driver" must equal. */
function manifestName(driverModule) {
  return driverModule.instantiate().describe().name;
}

/** Runs every vector of `file`; returns [{ file, name, steps, failure }]. */
export async function runVectorFile(driverModule, file) {
  const doc = await loadVectorFile(file);
  const name = manifestName(driverModule);
  if (doc.driver !== name) {
    throw new VectorError(`${file}: "driver" is ${JSON.stringify(doc.driver)}, but the driver's manifest name is ${JSON.stringify(name)}`);
  }
  return doc.vectors.map((v) => ({
    file: basename(file),
    name: v.name,
    steps: v.steps.length,
    failure: runVector(driverModule, v),
  }));
}
