// CAN frames on a `can` link (ABI.md §6.4, v1.1) for the vector runner: candump notation
// (`18FEF100#FF00`, `123##1AABB`, `321#R4`) to the encoded form the host puts in rx, and the
// frames a driver wrote into tx back to candump notation. test/abi-document.test.js checks the
// byte examples of ABI.md against it.

export const CAN_HEADER_SIZE = 8;
export const CAN_FLAGS = { EXT: 0x01, RTR: 0x02, FDF: 0x04, BRS: 0x08, ESI: 0x10 };
const KNOWN = 0x1f;
const FD_LENGTHS = [12, 16, 20, 24, 32, 48, 64];

/** ABI §6.4: the data bytes a frame with this data length code carries. */
export function dataLength(dlc, fd) {
  if (dlc <= 8) return dlc;
  return fd ? FD_LENGTHS[dlc - 9] : 8;
}

/** The data length code of an FD frame with `len` data bytes, or -1. */
export function fdDlc(len) {
  if (len >= 0 && len <= 8) return len;
  const i = FD_LENGTHS.indexOf(len);
  return i < 0 ? -1 : 9 + i;
}

/** Why a frame breaks ABI §6.4, or null. */
export function frameProblem({ id, flags, dlc, data }) {
  if ((flags & ~KNOWN) !== 0) return `flags 0x${flags.toString(16)} have bits that are not defined`;
  const ext = (flags & CAN_FLAGS.EXT) !== 0;
  const max = ext ? 0x1fffffff : 0x7ff;
  if (id > max) return `identifier 0x${id.toString(16)} does not fit ${ext ? "29 bits" : "11 bits without EXT"}`;
  if (dlc > 15) return `dlc ${dlc} is not a 4-bit code`;
  const fd = (flags & CAN_FLAGS.FDF) !== 0;
  const remote = (flags & CAN_FLAGS.RTR) !== 0;
  if (fd && remote) return "an FD frame has no remote form";
  if (!fd && (flags & (CAN_FLAGS.BRS | CAN_FLAGS.ESI)) !== 0) return "BRS and ESI exist only on FD frames";
  const want = remote ? 0 : dataLength(dlc, fd);
  if (data.length !== want) return `dlc ${dlc} carries ${want} data bytes, not ${data.length}`;
  return null;
}

/** candump notation → { id, flags, dlc, data }; throws naming what is wrong. */
export function parseCandump(text) {
  const fail = (m) => new Error(`CAN frame "${text}": ${m}`);
  const hash = text.indexOf("#");
  if (hash < 0) throw fail("no '#' (candump notation ID#DATA)");
  const idText = text.slice(0, hash);
  if (idText.length !== 3 && idText.length !== 8) throw fail("the identifier must be 3 hex digits (11-bit) or 8 (29-bit)");
  if (!/^[0-9a-fA-F]+$/.test(idText)) throw fail(`"${idText}" is not hexadecimal`);
  const id = parseInt(idText, 16);
  let flags = idText.length === 8 ? CAN_FLAGS.EXT : 0;
  const rest = text.slice(hash + 1);
  const hex = (digits) => {
    const compact = digits.replaceAll(".", "");
    if (compact.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(compact)) throw fail(`data "${digits}" is not whole hex bytes`);
    return Uint8Array.from(Buffer.from(compact, "hex"));
  };
  let frame;
  if (rest.startsWith("#")) {
    const digit = rest[1];
    if (digit === undefined) throw fail('an FD frame needs a flags digit after "##"');
    if (!/^[0-9a-fA-F]$/.test(digit)) throw fail(`FD flags digit '${digit}' is not hexadecimal`);
    const bits = parseInt(digit, 16);
    if ((bits & ~7) !== 0) throw fail(`FD flags digit '${digit}' has bits other than 1, 2, 4`);
    flags |= CAN_FLAGS.FDF | (bits & 1 ? CAN_FLAGS.BRS : 0) | (bits & 2 ? CAN_FLAGS.ESI : 0);
    const data = hex(rest.slice(2));
    const dlc = fdDlc(data.length);
    if (dlc < 0) throw fail(`${data.length} data bytes is no FD length (0-8, 12, 16, 20, 24, 32, 48, 64)`);
    frame = { id, flags, dlc, data };
  } else if (rest[0] === "R" || rest[0] === "r") {
    if (!/^[Rr][0-8]?$/.test(rest)) throw fail("a remote frame is ID#R or ID#R plus one length digit 0-8");
    frame = { id, flags: flags | CAN_FLAGS.RTR, dlc: rest.length === 2 ? Number(rest[1]) : 0, data: new Uint8Array(0) };
  } else {
    if (rest.includes("_")) throw fail("dlc 9-15 of classic frames (candump's '_') is not supported; write hex");
    const data = hex(rest);
    if (data.length > 8) throw fail(`a classic frame carries at most 8 data bytes, not ${data.length}`);
    frame = { id, flags, dlc: data.length, data };
  }
  const problem = frameProblem(frame);
  if (problem !== null) throw fail(problem);
  return frame;
}

/** The encoded frame of ABI §6.4. */
export function encodeCan({ id, flags, dlc, data }) {
  const bytes = new Uint8Array(CAN_HEADER_SIZE + data.length);
  new DataView(bytes.buffer).setUint32(0, id, true);
  bytes[4] = flags;
  bytes[5] = data.length;
  bytes[6] = dlc;
  bytes.set(data, CAN_HEADER_SIZE);
  return bytes;
}

/** Every frame of `bytes` (tx: frames back to back); throws at the first malformed one, naming its offset. */
export function decodeCanFrames(bytes) {
  const frames = [];
  let at = 0;
  while (at < bytes.length) {
    const fail = (m) => new Error(`malformed CAN frame at offset ${at}: ${m} (a violation, ABI §6.4)`);
    if (bytes.length - at < CAN_HEADER_SIZE) throw fail(`a CAN frame needs its 8-byte header, ${bytes.length - at} bytes given`);
    const dv = new DataView(bytes.buffer, bytes.byteOffset + at);
    const id = dv.getUint32(0, true);
    if ((id & 0xe0000000) !== 0) throw fail("CAN id field has bits 29-31 set");
    if (bytes[at + 7] !== 0) throw fail("CAN header byte 7 is reserved and must be 0");
    const len = bytes[at + 5];
    if (bytes.length - at - CAN_HEADER_SIZE < len) throw fail(`CAN frame says len ${len}, but only ${bytes.length - at - CAN_HEADER_SIZE} data bytes follow its header`);
    const frame = { id, flags: bytes[at + 4], dlc: bytes[at + 6], data: bytes.slice(at + CAN_HEADER_SIZE, at + CAN_HEADER_SIZE + len) };
    const problem = frameProblem(frame);
    if (problem !== null) throw fail(problem);
    frames.push(frame);
    at += CAN_HEADER_SIZE + len;
  }
  return frames;
}

/** candump notation, upper-case as candump prints it. */
export function toCandump({ id, flags, dlc, data }) {
  const idText = flags & CAN_FLAGS.EXT ? id.toString(16).toUpperCase().padStart(8, "0") : id.toString(16).toUpperCase().padStart(3, "0");
  if (flags & CAN_FLAGS.RTR) return `${idText}#R${dlc > 0 ? dlc : ""}`;
  const hex = Buffer.from(data).toString("hex").toUpperCase();
  if (flags & CAN_FLAGS.FDF) return `${idText}##${((flags & CAN_FLAGS.BRS ? 1 : 0) | (flags & CAN_FLAGS.ESI ? 2 : 0)).toString(16).toUpperCase()}${hex}`;
  return `${idText}#${hex}`;
}
