// Loads the driver modules built by `npm run build` for the node:test suites.
import { readFileSync } from "node:fs";
import { DriverModule } from "../runner/driver-instance.js";

export const NOW = 1_700_000_000_000_000n;

const cache = new Map();

/** The compiled module of a driver project: "modbus-lite", "scpi-minimal" or "sdk-probe". */
export function driver(name) {
  if (!cache.has(name)) {
    const dir = name === "sdk-probe" ? `test/drivers/${name}` : `examples/${name}`;
    cache.set(name, DriverModule.compile(readFileSync(`${dir}/build/${name}.wasm`)));
  }
  return cache.get(name);
}

export function wasmPath(name) {
  const dir = name === "sdk-probe" ? `test/drivers/${name}` : `examples/${name}`;
  return `${dir}/build/${name}.wasm`;
}

export const hex = (bytes) => Buffer.from(bytes).toString("hex");
export const bytes = (h) => Uint8Array.from(Buffer.from(h, "hex"));
