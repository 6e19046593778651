// Config text (ABI §5): every refusal names the line and the key.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ERRORS } from "../runner/driver-instance.js";
import { driver, NOW } from "./drivers.js";

function openError(name, config) {
  const m = driver(name).instantiate();
  const status = m.open(0, config, NOW);
  return { status, text: m.lastError(0).text };
}

const REFUSED = [
  ["", "line 1: empty config; the first line must be \"device\""],
  ["point 0 area=holding address=1\n", 'line 1: expected "device" first, got "point"'],
  ["devices unit=1\n", 'line 1: expected "device" or "point", got "devices"'],
  ["device\ndevice\n", 'line 2: a second "device" line (only the first line is "device")'],
  ["device\n\npoint 0 area=holding address=1\n", "line 2: empty line"],
  ["device\npoint 1 area=holding address=1\n", "line 2: point index 1 out of order (expected 0)"],
  ["device\npoint area=holding\n", 'line 2: "point" must be followed by its index (expected 0)'],
  ["device unit=1 \n", "device: empty field (pairs are separated by exactly one space, no trailing space)"],
  ["device unit\n", 'device: expected key=value, got "unit"'],
  ["device unit=\n", 'device: invalid value for "unit" (printable ASCII without spaces or "=", at least one character)'],
  ["device\npoint 0 area=holding address=1=2\n", 'point 0: invalid value for "address" (printable ASCII without spaces or "=", at least one character)'],
  ["device unit=1 unit=2\n", 'device: key "unit" given twice'],
  ["device un!t=1\n", 'device: invalid key "un!t" (letters, digits, _ - . only)'],
  ["device unti=1\n", 'device: unknown key "unti" (known keys: unit, max_registers, max_bits, max_gap, timeout_ms)'],
  ["device unit=256\n", "device: unit 256 is out of range 0..255"],
  ["device max_registers=126\n", "device: max_registers 126 is out of range 1..125"],
  ["device unit=one\n", 'device: unit "one" is not an integer'],
  ["device\npoint 0 area=holding\n", 'point 0: missing key "address"'],
  ["device\npoint 0 address=1\n", 'point 0: missing key "area" (expected holding or input)'],
  ["device\npoint 0 area=coil address=5\n", 'point 0: unknown area "coil" (expected holding or input)'],
  ["device\npoint 0 area=holding address=70000\n", "point 0: address 70000 is out of range 0..65535"],
  ["device\npoint 0 area=holding address=1 type=f33\n", 'point 0: unknown type "f33" (expected u16 or i16)'],
  ["device\npoint 0 area=holding address=1 order=ACBD\n", 'point 0: unknown byte order "ACBD" (expected ABCD, CDAB, BADC or DCBA)'],
  ["device unit=300\npoint 0 area=holding adress=1\n",
    'point 0: unknown key "adress" (known keys: area, address, type, order, scale, offset)'],
  ["device\npoint 0 area=holding address=1 scale=abc\n", 'point 0: scale "abc" is not a number'],
  ["device\npoint 0 area=holding address=1 scale=1e\n", 'point 0: scale "1e" is not a number'],
  ["device\npoint 0 area=holding address=1\npoint 1 area=input address=2 adress=3\n",
    'point 1: unknown key "adress" (known keys: area, address, type, order, scale, offset)'],
];

describe("modbus-lite config", () => {
  for (const [config, message] of REFUSED) {
    it(`refuses ${JSON.stringify(config)}`, () => {
      assert.deepEqual(openError("modbus-lite", config), { status: ERRORS.E_CONFIG, text: message });
    });
  }

  it("accepts the ABI §5 grammar: hex integers, signs, exponents, a last line without LF", () => {
    const m = driver("modbus-lite").instantiate();
    const config = "device unit=0x11\npoint 0 area=input address=0x10 type=i16 scale=+2.5e-1 offset=-.5\npoint 1 area=input address=17";
    assert.equal(m.open(0, config, NOW), 0, m.lastError(0).text);
    assert.equal(Buffer.from(m.poll(0, NOW).request).toString("hex"), "000100000006110400100002");
    const r = m.onFrame(0, Uint8Array.from(Buffer.from("000100000007110404fff00003", "hex")), NOW);
    assert.deepEqual(r.records, [
      { point: 0, type: "f64", value: -4.5, quality: "GOOD" },
      { point: 1, type: "u64", value: 3n, quality: "GOOD" },
    ]);
  });
});

describe("sdk-probe config getters", () => {
  it("checks integer ranges with negative bounds", () => {
    assert.deepEqual(openError("sdk-probe", "device limit=-6\n"), {
      status: ERRORS.E_CONFIG, text: "device: limit -6 is out of range -5..100",
    });
    assert.equal(openError("sdk-probe", "device limit=-5 gain=-1.5E3\n").status, 0);
  });

  it("reports the first of several errors", () => {
    assert.deepEqual(openError("sdk-probe", "device order=XYZW\npoint 0 tag=300\n"), {
      status: ERRORS.E_CONFIG, text: 'device: unknown order "XYZW" (expected one of ABCD, DCBA, BADC, CDAB)',
    });
  });
});
