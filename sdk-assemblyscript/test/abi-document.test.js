// The SDK's constants, compiled by asc, and the Node runner's against the tables and byte
// examples of driver-abi/ABI.md — the same tables AbiDocumentTest checks against the Java
// constants and sdk-rust/tests/abi_document.rs against the Rust SDK's. A change to the document
// without the SDK (or the other way round) fails here.
import asc from "assemblyscript/asc";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { before, describe, it } from "node:test";
import { CAN_FLAGS, dataLength, encodeCan, parseCandump, toCandump, decodeCanFrames } from "../runner/can.js";
import {
  ABI_VERSION, BASE_VERSION, ERRORS, FRAME_FLAGS, META, QUALITIES, RECORD_FLAGS, RECORD_SIZE, VALUE_TYPES, knownRecordFlags,
} from "../runner/driver-instance.js";
import { DRIVER_EXPORTS } from "../runner/module-check.js";
import { driver } from "./drivers.js";

/** The ABI version this SDK speaks: 1.1. The document's items of later minors are not its own. */
const SDK_MINOR = 1;
const SDK_VERSION = 0x00010000 | SDK_MINOR;

/** The minor version an error code's meaning names ("(1.2; …"), else 0. */
const sinceOf = (meaning) => {
  const m = /\(1\.(\d+)[;,)]/.exec(meaning);
  return m === null ? 0 : Number(m[1]);
};

/** ABI.md parsed as the Java and Rust tests parse it: tables and fenced blocks by section. */
function parseDocument(text) {
  const lines = text.split("\n");
  const tables = [];
  const blocks = [];
  let section = "";
  let paragraph = [];
  let ended = false;
  const cells = (line) => {
    const out = [];
    let cell = "";
    const body = line.trim().replace(/^\|/, "").replace(/\|$/, "");
    for (let i = 0; i < body.length; i++) {
      if (body[i] === "\\" && body[i + 1] === "|") {
        cell += "|";
        i++;
      } else if (body[i] === "|") {
        out.push(cell.trim());
        cell = "";
      } else cell += body[i];
    }
    out.push(cell.trim());
    return out;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const h = /^#{2,3} (\d+(?:\.\d+)?)\.? /.exec(line);
    if (h) {
      section = h[1];
      paragraph = [];
    } else if (line.startsWith("|")) {
      const header = cells(line);
      const rows = [];
      for (i += 2; i < lines.length && lines[i].startsWith("|"); i++) rows.push(cells(lines[i]));
      i--;
      tables.push({ section, header, rows });
      paragraph = [];
    } else if (line.startsWith("```")) {
      const body = [];
      for (i++; !lines[i].startsWith("```"); i++) body.push(lines[i]);
      blocks.push({ section, before: paragraph.join(" ").trim(), body: body.join("\n") });
      paragraph = [];
    } else if (line.trim() === "") {
      ended = true;
    } else {
      if (ended) {
        paragraph = [];
        ended = false;
      }
      paragraph.push(line);
    }
  }
  return { tables, blocks };
}

const doc = parseDocument(readFileSync("../driver-abi/ABI.md", "utf8"));
const code = (cell) => cell.trim().replace(/^`|`$/g, "");
const number = (cell) => {
  const t = code(cell).replace("\u2212", "-").replace(/ /g, "");
  return t.startsWith("0x") ? parseInt(t, 16) : t.startsWith("-0x") ? -parseInt(t.slice(3), 16) : Number(t);
};

function table(section, header) {
  const found = doc.tables.filter((t) => t.section === section && JSON.stringify(t.header) === JSON.stringify(header));
  assert.equal(found.length, 1, `ABI.md §${section} table ${JSON.stringify(header)}`);
  return found[0];
}

const rowsByName = (t) => Object.fromEntries(t.rows.map((r) => [r[0], r[1]]));

/**
 * Every numeric constant of assembly/abi.ts, compiled: the namespaces are flattened into module
 * globals (asc exports no namespaces), so the values are asc's, not a reading of the source.
 */
async function compiledConstants() {
  const source = readFileSync("assembly/abi.ts", "utf8");
  const names = [];
  for (const ns of source.matchAll(/export namespace (\w+) \{([^}]*)\}/g)) {
    for (const c of ns[2].matchAll(/export const (\w+): (\w+) =/g)) names.push([`${ns[1]}.${c[1]}`, c[2]]);
  }
  for (const c of source.matchAll(/^export const (\w+): (i32|u32|u16|u8) =/gm)) names.push([c[1], c[2]]);
  const entry = names.map(([n, t]) => `export const ${n.replace(".", "_")}: ${t} = abi.${n};`).join("\n");
  const result = await asc.compileString(
    { "entry.ts": `import * as abi from "./abi";\n${entry}\n`, "abi.ts": source },
    { runtime: "stub" },
  );
  assert.equal(result.error, null, `asc: ${result.stderr}`);
  const exports = new WebAssembly.Instance(new WebAssembly.Module(result.binary), { env: { abort() {} } }).exports;
  const values = {};
  for (const [n] of names) values[n] = Number(exports[n.replace(".", "_")].value);
  return values;
}

/** A namespace of the compiled constants: { NAME: value }. */
const group = (values, ns) =>
  Object.fromEntries(Object.entries(values).filter(([k]) => k.startsWith(`${ns}.`)).map(([k, v]) => [k.slice(ns.length + 1), v]));

let sdk;
before(async () => {
  sdk = await compiledConstants();
});

describe("SDK constants against ABI.md", () => {
  it("names and versions (§10.1)", () => {
    const rows = rowsByName(table("10.1", ["name", "value"]));
    assert.equal(sdk.LAYOUT_MAGIC >>> 0, number(rows["layout magic"]));
    assert.equal(sdk.LAYOUT_SIZE, number(rows["layout size"]));
    assert.equal(sdk.META_SIZE, number(rows["meta size"]));
    assert.equal(sdk.RECORD_SIZE, number(rows["record size"]));
    assert.equal(RECORD_SIZE, number(rows["record size"]));
    assert.equal(sdk.CAN_HEADER_SIZE, number(rows["CAN frame header size"]));
    // The SDK speaks ABI 1.1 (README: 1.2 is not supported yet); the document may be newer, and
    // every check below compares the SDK with the document's items of 1.1 and earlier.
    assert.equal(sdk.ABI_VERSION, SDK_VERSION);
    assert.ok(number(rows["ABI version of this document"]) >= sdk.ABI_VERSION);
    assert.equal(sdk.BASE_VERSION, number(rows["base version (v1.0)"]));
    assert.equal(ABI_VERSION, sdk.ABI_VERSION);
    assert.equal(BASE_VERSION, sdk.BASE_VERSION);
    assert.equal(sdk.LATEST_MINOR, sdk.ABI_VERSION & 0xffff);
    // The two string constants are literals: read from the source.
    const source = readFileSync("assembly/abi.ts", "utf8");
    assert.ok(source.includes(`export const HOST_KEY_PREFIX: string = "${code(rows["host key prefix"])}";`));
    const keys = table("5.1", ["key", "since", "value", "meaning"]).rows.map((r) => code(r[0]));
    assert.deepEqual(keys, ["weir.transport"]);
    assert.ok(source.includes(`export const HOST_KEY_TRANSPORT: string = "${keys[0]}";`));
  });

  it("error codes (§8), in the SDK and the runner", () => {
    const fromDoc = Object.fromEntries(
      table("8", ["code", "name", "meaning"]).rows.filter((r) => sinceOf(r[2]) <= SDK_MINOR).map((r) => [code(r[1]), number(r[0])]),
    );
    const status = group(sdk, "Status");
    delete status.OK;
    assert.deepEqual(status, fromDoc);
    assert.deepEqual(ERRORS, fromDoc);
  });

  it("value types, record flags and qualities (§6.1)", () => {
    const types = table("6.1", ["code", "name", "`value` holds"]).rows.map((r) => [code(r[1]), number(r[0])]);
    assert.deepEqual(group(sdk, "ValueType"), Object.fromEntries(types));
    assert.deepEqual(VALUE_TYPES, types.map(([n]) => n.toLowerCase()));
    const flags = table("6.1", ["bit", "value", "name", "since", "meaning"]).rows;
    assert.deepEqual(group(sdk, "RecordFlag"), Object.fromEntries(flags.map((r) => [code(r[2]), number(r[1])])));
    assert.deepEqual(RECORD_FLAGS, group(sdk, "RecordFlag"));
    for (const r of flags) {
      for (const minor of [0, 1]) {
        assert.equal((knownRecordFlags(minor) & number(r[1])) !== 0, Number(r[3].slice(2)) <= minor, `${code(r[2])} with 1.${minor}`);
      }
    }
    const qualities = Object.fromEntries(table("6.1", ["code", "name", "meaning"]).rows.map((r) => [code(r[1]), number(r[0])]));
    assert.deepEqual(group(sdk, "Quality"), qualities);
    assert.deepEqual(QUALITIES, qualities);
  });

  it("meta offsets (§4) and frame flags (§7.3)", () => {
    const meta = table("4", ["offset", "field", "written by", "since", "meaning"]).rows.filter(
      (r) => code(r[1]) !== "reserved" && Number(r[3].slice(2)) <= SDK_MINOR,
    );
    const fromDoc = Object.fromEntries(meta.map((r) => [code(r[1]).toUpperCase(), number(r[0])]));
    assert.deepEqual(group(sdk, "MetaOffset"), fromDoc);
    const camel = (s) => s.toLowerCase().replace(/_(\w)/g, (_, c) => c.toUpperCase());
    assert.deepEqual(META, Object.fromEntries(Object.entries(fromDoc).map(([k, v]) => [camel(k), v])));
    const frame = Object.fromEntries(table("7.3", ["bit", "value", "name", "host action"]).rows.map((r) => [code(r[2]), number(r[1])]));
    assert.deepEqual(group(sdk, "FrameFlag"), frame);
    assert.deepEqual(FRAME_FLAGS, frame);
  });

  it("CAN header, flags and data lengths (§6.4)", () => {
    const header = table("6.4", ["offset", "size", "field", "meaning"]).rows.map((r) => [number(r[0]), code(r[2])]);
    assert.deepEqual(header, [[0, "id"], [4, "flags"], [5, "len"], [6, "dlc"], [7, "reserved"], [sdk.CAN_HEADER_SIZE, "data"]]);
    const flags = Object.fromEntries(table("6.4", ["bit", "value", "name", "meaning"]).rows.map((r) => [code(r[2]), number(r[1])]));
    assert.deepEqual(group(sdk, "CanFlag"), flags);
    assert.deepEqual(CAN_FLAGS, flags);
    let covered = 0;
    for (const r of table("6.4", ["dlc", "classic data bytes", "FD data bytes"]).rows) {
      const [from, to] = r[0].split("–").map(Number);
      for (let dlc = from; dlc <= (to ?? from); dlc++) {
        const want = (cell) => (cell.includes("–") ? dlc : Number(cell));
        assert.equal(dataLength(dlc, false), want(r[1]), `classic dlc ${dlc}`);
        assert.equal(dataLength(dlc, true), want(r[2]), `FD dlc ${dlc}`);
        covered++;
      }
    }
    assert.equal(covered, 16);
  });

  it("log levels (§10.3)", () => {
    const levels = Object.fromEntries(table("10.3", ["level", "name"]).rows.map((r) => [code(r[1]), number(r[0])]));
    assert.deepEqual(group(sdk, "LogLevel"), levels);
  });

  it("exports and signatures (§3.2) of the module check, and of every built module", () => {
    const rows = table("3.2", ["export", "signature", "required", "since", "meaning"]).rows.filter((r) => code(r[0]) !== "memory");
    const fromDoc = {};
    for (const r of rows) {
      const m = /^\((.*)\) -> (.*)$/.exec(code(r[1]));
      const params = m[1] === "" ? [] : m[1].split(", ").map((p) => p.split(": ")[1]);
      fromDoc[code(r[0])] = [params, m[2] === "()" ? [] : [m[2]], r[2] === "yes", r[3]];
    }
    // The module rule knows every export of the document, whatever minor this SDK speaks.
    assert.deepEqual(DRIVER_EXPORTS, fromDoc);
    // The dispatcher exports every function of §3.2 of the SDK's minor (asc exports only what the
    // entry re-exports).
    const own = Object.keys(fromDoc).filter((n) => Number(fromDoc[n][3].slice(2)) <= SDK_MINOR);
    for (const name of readdirSync("test/drivers")) {
      const exported = WebAssembly.Module.exports(driver(name).module).map((e) => e.name).filter((n) => n.startsWith("weir_"));
      assert.deepEqual(exported.sort(), own.sort(), name);
    }
  });

  it("layout minimums (§4) against a built module's layout", () => {
    const t = table("4", ["offset", "field", "meaning"]);
    const instance = driver("sdk-probe").instantiate();
    const base = instance.exports.weir_layout();
    const dv = new DataView(instance.memory.buffer);
    for (const r of t.rows) {
      const min = /at least (\d+)(?: × (\d+))?/.exec(r[2]);
      if (min === null) continue;
      const minimum = Number(min[1]) * Number(min[2] ?? 1);
      assert.ok(dv.getUint32(base + number(r[0]), true) >= minimum, `${code(r[1])} at least ${minimum}`);
    }
    assert.equal(dv.getUint32(base + number(t.rows.find((r) => code(r[1]) === "magic")[0]), true), sdk.LAYOUT_MAGIC >>> 0);
  });
});

/** The SDK's record writer, compiled on its own, writing the records of the byte examples. */
async function recordWriter() {
  const sources = {};
  for (const f of readdirSync("assembly").filter((f) => f.endsWith(".ts"))) sources[f] = readFileSync(`assembly/${f}`, "utf8");
  sources["entry.ts"] = `
import { Quality } from "./abi";
import { Records } from "./records";
import { BLOB, OUT } from "./regions";
const out = new Records();
export function example(which: i32): usize {
  out.reset();
  out.abiMinor = 1;
  if (which == 0) out.writeF64(7, 21.5);
  else if (which == 1) out.writeU64(2, 2, Quality.BAD_DEVICE);
  else if (which == 2) out.writeU64(out.name("input/7"), 513);
  else if (which == 3) out.writeU64(Records.writeResult(4), 1000);
  else out.writeNull(Records.DEVICE, Quality.BAD_COMM);
  return OUT;
}
export function blob(): usize { return BLOB; }
`;
  const result = await asc.compileString(sources, { runtime: "stub" });
  assert.equal(result.error, null, `asc: ${result.stderr}`);
  const noop = () => {};
  const e = new WebAssembly.Instance(new WebAssembly.Module(result.binary), { env: { abort: noop }, weir_host_v1: { log: noop, panic: noop } }).exports;
  return (which) => {
    const at = e.example(which);
    return {
      record: Buffer.from(new Uint8Array(e.memory.buffer, at, RECORD_SIZE)).toString("hex"),
      blob: Buffer.from(new Uint8Array(e.memory.buffer, e.blob(), 9)).toString("hex"),
    };
  };
}

describe("byte examples of ABI.md", () => {
  it("records (§6.1–§6.3) as the SDK writes them, CAN frames (§6.4) as the runner encodes them", async () => {
    const write = await recordWriter();
    let checked = 0;
    for (const { section, before, body } of doc.blocks) {
      if (!/^[0-9a-f]{2}([ \n][0-9a-f]{2})*$/.test(body.trim())) continue;
      const hex = body.replace(/\s+/g, "");
      const which = [
        "Byte example: point 7, `F64` 21.5, good, host timestamp:",
        "Byte example: point 2, Modbus exception 2 (illegal data address):",
        null,
        "Byte example: a write result for point 4, `U64` 1000 confirmed by the device:",
        "Byte example: a device status, `BAD_COMM` (the peer went silent):",
      ].indexOf(before);
      const can = /^Byte example: CAN frame `([^`]+)`/.exec(before);
      if (which >= 0) {
        assert.equal(write(which).record, hex, `§${section}: ${before}`);
      } else if (before.endsWith("a record naming it, `U64` 513, good:")) {
        const w = write(2);
        assert.equal(w.record, hex);
        assert.equal(w.blob, /is `([0-9a-f ]+)`/.exec(before)[1].replace(/ /g, ""));
      } else if (can) {
        const frame = parseCandump(can[1]);
        assert.equal(Buffer.from(encodeCan(frame)).toString("hex"), hex, can[1]);
        assert.deepEqual(decodeCanFrames(Uint8Array.from(Buffer.from(hex, "hex"))).map(toCandump), [can[1].toUpperCase()]);
      } else if (before.includes("a layout at address")) {
        continue; // the SDK's own layout is checked above and in module.test.js
      } else {
        assert.fail(`ABI.md §${section} has a byte example this test does not know: ${before}`);
      }
      checked++;
    }
    assert.equal(checked, 8);
  });
});
