// Loads the driver modules built by `npm run build` for the node:test suites.
import { readFileSync } from "node:fs";
import { DriverModule } from "../runner/driver-instance.js";

export const NOW = 1_700_000_000_000_000n;

const cache = new Map();

/** The SDK's test drivers; every other name is an example. */
const TEST_DRIVERS = ["sdk-probe", "vector-probe", "abi11-probe", "can-probe"];

/** The compiled module of a driver project: an example ("modbus-lite" …) or a test driver. */
export function driver(name) {
  if (!cache.has(name)) cache.set(name, DriverModule.compile(readFileSync(wasmPath(name))));
  return cache.get(name);
}

export function wasmPath(name) {
  const dir = TEST_DRIVERS.includes(name) ? `test/drivers/${name}` : `examples/${name}`;
  return `${dir}/build/${name}.wasm`;
}

export const hex = (bytes) => Buffer.from(bytes).toString("hex");
export const bytes = (h) => Uint8Array.from(Buffer.from(h, "hex"));
