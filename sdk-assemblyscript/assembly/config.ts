// The device configuration text of ABI.md §5:
//
//   config      = *line
//   line        = ( device-line / point-line ) LF
//   device-line = "device" *( SP pair )
//   point-line  = "point" SP index *( SP pair )
//   pair        = key "=" value
//   key         = 1*( ALPHA / DIGIT / "_" / "-" / "." )
//   value       = 1*( %x21-7E except "=" )
//
// AssemblyScript has no exceptions, so the parser and the typed getters record the first error
// in `DeviceConfig.error` and return a fallback; a driver checks `config.error` once after
// reading its keys and returns E_CONFIG with that text (ABI §5 asks for line and key).
//
// With agreed version 1.1 the host appends its host keys (`weir.*`, ABI §5.1) to the device
// line; `applyHostKeys` takes them off the line, so a driver's `only(...)` never sees them, and
// keeps them in `DeviceConfig.transport` / `hostKey(...)`.

import { HOST_KEY_PREFIX, HOST_KEY_TRANSPORT } from "./abi";

/** The first error of a config, shared by its lines. */
class ConfigErrors {
  first: string | null = null;
}

export class ConfigLine {
  readonly keys: string[] = [];
  readonly values: string[] = [];

  constructor(
    readonly errors: ConfigErrors,
    /** -1 for the device line, else the point index. */
    readonly index: i32,
    /** 1-based line number in the config text. */
    readonly lineNumber: i32,
  ) {}

  /** `device` or `point N`, the prefix of every message about this line. */
  get label(): string {
    return this.index < 0 ? "device" : "point " + this.index.toString();
  }

  has(key: string): bool {
    return this.keys.includes(key);
  }

  /** The raw value of `key`, or null. */
  get(key: string): string | null {
    const i = this.keys.indexOf(key);
    return i < 0 ? null : this.values[i];
  }

  /** The value of `key`, or `fallback` if absent. */
  text(key: string, fallback: string): string {
    const v = this.get(key);
    return v !== null ? v : fallback;
  }

  /** The value of `key`; absent is an error. */
  requireText(key: string): string {
    const v = this.get(key);
    if (v === null) {
      this.fail("missing key \"" + key + "\"");
      return "";
    }
    return v;
  }

  /**
   * The value of `key`, which must be one of `allowed`; absent gives `fallback`, or an error if
   * `fallback` is null. `what` names the key in messages ("type" → `unknown type "f33"`).
   */
  choice(key: string, allowed: string[], fallback: string | null = null): string {
    const v = this.get(key);
    if (v === null) {
      if (fallback !== null) return fallback;
      this.fail("missing key \"" + key + "\" (one of " + allowed.join(", ") + ")");
      return "";
    }
    if (!allowed.includes(v)) {
      this.fail("unknown " + key + " \"" + v + "\" (expected one of " + allowed.join(", ") + ")");
      return "";
    }
    return v;
  }

  /** An integer in `min..max`; absent gives `fallback`. Decimal, or hex with `0x`. */
  int(key: string, fallback: i64, min: i64, max: i64): i64 {
    return this.has(key) ? this.requireInt(key, min, max) : fallback;
  }

  /** An integer in `min..max`; absent is an error. Decimal, or hex with `0x`. */
  requireInt(key: string, min: i64, max: i64): i64 {
    const v = this.get(key);
    if (v === null) {
      this.fail("missing key \"" + key + "\"");
      return min;
    }
    const parsed = parseInteger(v);
    if (parsed.error) {
      this.fail(key + " \"" + v + "\" is not an integer");
      return min;
    }
    if (parsed.value < min || parsed.value > max) {
      this.fail(key + " " + v + " is out of range " + min.toString() + ".." + max.toString());
      return min;
    }
    return parsed.value;
  }

  /** A decimal number such as `0.1`, `-40`, `1e-3`; absent gives `fallback`. */
  number(key: string, fallback: f64): f64 {
    const v = this.get(key);
    if (v === null) return fallback;
    if (!isDecimalNumber(v)) {
      this.fail(key + " \"" + v + "\" is not a number");
      return fallback;
    }
    return parseFloat(v);
  }

  /** Fails on any key outside `known`, naming it (a misspelt key must not be silently ignored). */
  only(known: string[]): void {
    for (let i = 0; i < this.keys.length; i++) {
      if (!known.includes(this.keys[i])) {
        this.fail("unknown key \"" + this.keys[i] + "\" (known keys: " + known.join(", ") + ")");
        return;
      }
    }
  }

  /** Records an error about this line (only the first error of a config is kept). */
  fail(message: string): void {
    if (this.errors.first === null) this.errors.first = this.label + ": " + message;
  }
}

export class DeviceConfig {
  private readonly errors: ConfigErrors = new ConfigErrors();
  readonly device: ConfigLine = new ConfigLine(this.errors, -1, 1);
  readonly points: ConfigLine[] = [];
  /**
   * ABI §3.3: the agreed minor version, 0 until the host said it speaks 1.1. Use a v1.1 feature
   * (not-answer frames, requests from a passive driver …) only when this is at least 1.
   */
  abiMinor: i32 = 0;
  /** ABI §5.1: the host key `weir.transport` (tcp, serial, can); "" with agreed version 1.0. */
  transport: string = "";
  private readonly hostKeys: string[] = [];
  private readonly hostValues: string[] = [];

  /** A host key of the device line (`weir.transport` …), with agreed version 1.1; or null. */
  hostKey(key: string): string | null {
    const i = this.hostKeys.indexOf(key);
    return i < 0 ? null : this.hostValues[i];
  }

  /** @internal for applyHostKeys */
  addHostKey(key: string, value: string): void {
    this.hostKeys.push(key);
    this.hostValues.push(value);
  }

  /** The first error met (syntax or a getter's), or null. */
  get error(): string | null {
    return this.errors.first;
  }

  /** @internal for the parser */
  errorsOf(): ConfigErrors {
    return this.errors;
  }

  /** ABI §5: an empty point map asks for discovery mode (named records, §6.2). */
  get discovery(): bool {
    return this.points.length == 0;
  }

  fail(message: string): void {
    if (this.errors.first === null) this.errors.first = message;
  }
}

/** Parses config text (ABI §5). Check `error` on the result. */
export function parseConfig(text: string): DeviceConfig {
  const config = new DeviceConfig();
  const lines = text.split("\n");
  // The grammar ends every line with LF, so the text ends with one: the last piece is empty.
  let count = lines.length;
  if (count > 0 && lines[count - 1].length == 0) count--;
  if (count == 0) {
    config.fail("line 1: empty config; the first line must be \"device\"");
    return config;
  }
  for (let n = 0; n < count; n++) {
    const lineNumber = n + 1;
    const line = lines[n];
    const words = line.split(" ");
    if (line.length == 0) {
      config.fail("line " + lineNumber.toString() + ": empty line");
      return config;
    }
    let target: ConfigLine;
    let first = 1;
    if (words[0] == "device") {
      if (n != 0) {
        config.fail("line " + lineNumber.toString() + ": a second \"device\" line (only the first line is \"device\")");
        return config;
      }
      target = config.device;
    } else if (words[0] == "point") {
      if (n == 0) {
        config.fail("line 1: expected \"device\" first, got \"point\"");
        return config;
      }
      const expected = config.points.length;
      if (words.length < 2 || !isDigits(words[1])) {
        config.fail("line " + lineNumber.toString() + ": \"point\" must be followed by its index (expected " +
          expected.toString() + ")");
        return config;
      }
      const parsed = parseInteger(words[1]);
      if (parsed.error || parsed.value != <i64>expected) {
        config.fail("line " + lineNumber.toString() + ": point index " + words[1] +
          " out of order (expected " + expected.toString() + ")");
        return config;
      }
      target = new ConfigLine(config.errorsOf(), expected, lineNumber);
      config.points.push(target);
      first = 2;
    } else {
      config.fail("line " + lineNumber.toString() + ": expected \"device\" or \"point\", got \"" + words[0] + "\"");
      return config;
    }
    for (let w = first; w < words.length; w++) {
      const word = words[w];
      if (word.length == 0) {
        config.fail(target.label + ": empty field (pairs are separated by exactly one space, no trailing space)");
        return config;
      }
      const eq = word.indexOf("=");
      if (eq <= 0) {
        config.fail(target.label + ": expected key=value, got \"" + word + "\"");
        return config;
      }
      const key = word.substring(0, eq);
      const value = word.substring(eq + 1);
      if (!isKey(key)) {
        config.fail(target.label + ": invalid key \"" + key + "\" (letters, digits, _ - . only)");
        return config;
      }
      if (!isValue(value)) {
        config.fail(target.label + ": invalid value for \"" + key +
          "\" (printable ASCII without spaces or \"=\", at least one character)");
        return config;
      }
      if (target.keys.includes(key)) {
        config.fail(target.label + ": key \"" + key + "\" given twice");
        return config;
      }
      target.keys.push(key);
      target.values.push(value);
    }
  }
  return config;
}

/**
 * ABI §5.1: with agreed version 1.1 the host keys leave the device line. `weir.transport` must
 * name one of `transports`; other host keys are kept but not checked (a later minor version may
 * add some); a host key on a point line is refused. With 1.0 there are no host keys.
 */
export function applyHostKeys(config: DeviceConfig, abiMinor: i32, transports: string[]): void {
  config.abiMinor = abiMinor;
  if (abiMinor < 1 || config.error !== null) return;
  for (let p = 0; p < config.points.length; p++) {
    const line = config.points[p];
    for (let i = 0; i < line.keys.length; i++) {
      if (line.keys[i].startsWith(HOST_KEY_PREFIX)) {
        line.fail("host key \"" + line.keys[i] + "\" on a point line (ABI §5.1: the host adds host keys to the device line only)");
        return;
      }
    }
  }
  const device = config.device;
  for (let i = 0; i < device.keys.length; ) {
    if (device.keys[i].startsWith(HOST_KEY_PREFIX)) {
      config.addHostKey(device.keys[i], device.values[i]);
      device.keys.splice(i, 1);
      device.values.splice(i, 1);
    } else {
      i++;
    }
  }
  const transport = config.hostKey(HOST_KEY_TRANSPORT);
  if (transport === null) {
    device.fail("host key " + HOST_KEY_TRANSPORT + " is missing (a v1.1 host always adds it, ABI §5.1)");
  } else if (!transports.includes(transport)) {
    device.fail(HOST_KEY_TRANSPORT + "=" + transport + " is not one of this driver's transports (" + transports.join(", ") + ")");
  } else {
    config.transport = transport;
  }
}

/** parseInteger's answer: `value`, or `error` when the text is no integer. */
export class ParsedInteger {
  value: i64 = 0;
  error: bool = false;
}

/**
 * A strict integer: `[+-]` decimal digits or `0x` hex digits, nothing else (no spaces, no
 * trailing text), at most 2^53 in size; what the config getters accept.
 */
export function parseInteger(text: string): ParsedInteger {
  const result = new ParsedInteger();
  let i = 0;
  let negative = false;
  if (text.length > 0 && (text.charCodeAt(0) == 0x2d || text.charCodeAt(0) == 0x2b)) {
    negative = text.charCodeAt(0) == 0x2d;
    i = 1;
  }
  let radix: i64 = 10;
  if (text.length > i + 2 && text.charCodeAt(i) == 0x30 && (text.charCodeAt(i + 1) | 0x20) == 0x78) {
    radix = 16;
    i += 2;
  }
  if (i >= text.length) {
    result.error = true;
    return result;
  }
  let value: i64 = 0;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    let digit: i64;
    if (c >= 0x30 && c <= 0x39) digit = c - 0x30;
    else if (radix == 16 && (c | 0x20) >= 0x61 && (c | 0x20) <= 0x66) digit = (c | 0x20) - 0x61 + 10;
    else {
      result.error = true;
      return result;
    }
    // Beyond ±2^53 a config value is a mistake, not a range to honour.
    if (value > 9007199254740992) {
      result.error = true;
      return result;
    }
    value = value * radix + digit;
  }
  result.value = negative ? -value : value;
  return result;
}

function isDigits(text: string): bool {
  if (text.length == 0) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

function isKey(text: string): bool {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const alnum = (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a);
    if (!alnum && c != 0x5f && c != 0x2d && c != 0x2e) return false;
  }
  return text.length > 0;
}

function isValue(text: string): bool {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x21 || c > 0x7e || c == 0x3d) return false;
  }
  return text.length > 0;
}

/** `[+-] digits [. digits] [(e|E) [+-] digits]`, or `[+-] . digits …`; nothing else. */
export function isDecimalNumber(text: string): bool {
  let i = 0;
  const n = text.length;
  if (i < n && (text.charCodeAt(i) == 0x2b || text.charCodeAt(i) == 0x2d)) i++;
  let digits = 0;
  while (i < n && text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39) { i++; digits++; }
  if (i < n && text.charCodeAt(i) == 0x2e) {
    i++;
    while (i < n && text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39) { i++; digits++; }
  }
  if (digits == 0) return false;
  if (i < n && (text.charCodeAt(i) | 0x20) == 0x65) {
    i++;
    if (i < n && (text.charCodeAt(i) == 0x2b || text.charCodeAt(i) == 0x2d)) i++;
    let exp = 0;
    while (i < n && text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39) { i++; exp++; }
    if (exp == 0) return false;
  }
  return i == n;
}

/**
 * A strict decimal number (`isDecimalNumber`), or NaN: unlike `parseFloat`, which reads a number
 * from the start of "12abc" and takes "" for NaN only by luck, any other text is refused.
 */
export function parseDecimal(text: string): f64 {
  return isDecimalNumber(text) ? parseFloat(text) : NaN;
}
