#!/usr/bin/env node
// Builds a Weir driver from its AssemblyScript entry file, with the options the ABI needs, then
// checks the module's imports and exports as the host will (ABI.md §3.1, §3.2).
//
//   weir-asc <entry.ts> -o <out.wasm> [--text <out.wat>] [--check]
//
// --check type-checks only (asc --noEmit) and writes nothing.

import asc from "assemblyscript/asc";
import { readFile } from "node:fs/promises";
import { realpathSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { checkModuleInterface } from "../runner/module-check.js";

/**
 * asc options of every driver build:
 * - minimal runtime: TLSF + a mark-and-sweep collector run only when asked (weir_gc, and the
 *   dispatcher every few thousand calls), without the incremental collector's shadow stack and
 *   write barriers on every field store;
 * - abort routed to weir_host_v1.panic, so env.abort is never imported (ABI §3.1);
 * - at most 256 pages (16 MiB), the host's default memory cap (ABI §10.2).
 */
export const DRIVER_ASC_OPTIONS = [
  "--runtime", "minimal",
  "--use", "abort=~lib/weir-driver-sdk/assembly/host/abortToPanic",
  "--optimizeLevel", "3",
  "--shrinkLevel", "1",
  "--maximumMemory", "256",
  "--noColors",
];

function usage(message) {
  if (message) console.error(`weir-asc: ${message}`);
  console.error("usage: weir-asc <entry.ts> -o <out.wasm> [--text <out.wat>] [--check]");
  process.exit(2);
}

export async function buildDriver({ entry, outFile, textFile, check }) {
  const args = [entry, ...DRIVER_ASC_OPTIONS];
  if (check) args.push("--noEmit");
  else {
    args.push("--outFile", outFile);
    if (textFile) args.push("--textFile", textFile);
  }
  const { error } = await asc.main(args, { stderr: process.stderr, stdout: process.stdout });
  if (error) throw new Error(`asc failed for ${entry}: ${error.message}`);
  if (check) return null;
  const bytes = await readFile(outFile);
  const problems = checkModuleInterface(bytes);
  if (problems.length > 0) {
    throw new Error(`${outFile} breaks the Weir ABI module contract:\n  ${problems.join("\n  ")}`);
  }
  return bytes.length;
}

async function main(argv) {
  let entry = null;
  let outFile = null;
  let textFile = null;
  let check = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "-o" || a === "--outFile") outFile = argv[++i];
    else if (a === "--text") textFile = argv[++i];
    else if (a === "--check") check = true;
    else if (a === "-h" || a === "--help") usage();
    else if (a.startsWith("-")) usage(`unknown option ${a}`);
    else if (entry === null) entry = a;
    else usage(`more than one entry file: ${entry}, ${a}`);
  }
  if (entry === null) usage("no entry file");
  if (!check && !outFile) usage("no output file (-o)");
  const size = await buildDriver({
    entry: resolve(entry),
    outFile: outFile && resolve(outFile),
    textFile: textFile && resolve(textFile),
    check,
  });
  if (check) console.log(`weir-asc: ${entry} type-checks`);
  else console.log(`weir-asc: ${outFile} (${size} bytes), imports only weir_host_v1`);
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(`weir-asc: ${e.message}`);
    process.exit(1);
  });
}
