// Random bytes must never trap a driver (ABI §2.5: a recoverable error is a return code, never a
// trap). Fixed seeds, so a failure reproduces; the failing input is in the message.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ERRORS } from "../runner/driver-instance.js";
import { driver, hex, NOW } from "./drivers.js";

const CODES = new Set(Object.values(ERRORS));

/** xorshift32: small, deterministic. */
function random(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

/** Random frames, half of them with a plausible MBAP head so the parser gets past the header. */
function frame(next) {
  const len = next() % 40;
  const b = new Uint8Array(len);
  for (let i = 0; i < len; i++) b[i] = next() & 0xff;
  if (len >= 8 && next() % 2 === 0) {
    b[2] = 0;
    b[3] = 0;
    b[4] = 0;
    b[5] = len - 6;
    b[6] = 1;
    b[7] = [3, 4, 0x83, 0x84][next() % 4];
  }
  return b;
}

const CASES = [
  ["modbus-lite", "device\n"],
  ["modbus-lite", "device unit=1\npoint 0 area=holding address=0 type=i16 scale=0.5\npoint 1 area=input address=3\n"],
  ["scpi-minimal", "device\npoint 0 query=MEAS:VOLT?\n"],
];

describe("random input never traps", () => {
  for (const [name, config] of CASES) {
    it(`${name} with ${JSON.stringify(config.split("\n")[1] || "discovery")}: 20,000 random calls`, () => {
      const next = random(0x5eed + config.length);
      const m = driver(name).instantiate();
      assert.equal(m.open(0, config, NOW), 0);
      for (let i = 0; i < 20000; i++) {
        const input = frame(next);
        const call = next() % 5;
        let status;
        try {
          if (call === 0) status = m.poll(0, NOW).status;
          else if (call === 1) status = m.frameLen(0, input).status;
          else if (call === 2) status = m.onFrame(0, input, NOW).status;
          else if (call === 3) status = m.observe(0, input).status;
          else status = m.onTimeout(0, NOW).status;
        } catch (e) {
          assert.fail(`call ${call} on ${hex(input)} trapped after ${i} calls: ${e.message}`);
        }
        assert.ok(status >= 0 || CODES.has(status), `call ${call} on ${hex(input)} returned ${status}`);
        if (status < 0) assert.ok(m.lastError(0).text.length > 0, `call ${call} on ${hex(input)}: no last_error`);
      }
    });
  }
});
