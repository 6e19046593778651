// CAN frames as they cross the boundary on a `can` link (ABI.md §6.4, v1.1): an 8-byte header
// (id u32 LE, flags, len, dlc, a reserved 0) followed by `len` data bytes. The host delivers
// exactly one frame per framing round, so a CAN driver's frameLen is `canFrameLen(rx)`; a request
// in tx is one or more frames back to back (`writeCanFrame`).

import { CAN_HEADER_SIZE, CanFlag } from "./abi";
import { Bytes, Writer } from "./bytes";
import { needMore, resync } from "./driver";

const KNOWN_FLAGS: u8 = CanFlag.EXT | CanFlag.RTR | CanFlag.FDF | CanFlag.BRS | CanFlag.ESI;

/** ABI §6.4: the data bytes a frame with this data length code carries. */
export function canDataLength(dlc: i32, fd: bool): i32 {
  if (dlc <= 8) return dlc;
  if (!fd) return 8;
  switch (dlc) {
    case 9: return 12;
    case 10: return 16;
    case 11: return 20;
    case 12: return 24;
    case 13: return 32;
    case 14: return 48;
  }
  return 64;
}

/** The data length code of an FD frame with `length` data bytes, or -1 if none fits. */
export function canFdDlc(length: i32): i32 {
  if (length >= 0 && length <= 8) return length;
  for (let dlc = 9; dlc <= 15; dlc++) if (canDataLength(dlc, true) == length) return dlc;
  return -1;
}

/** Why a frame breaks ABI §6.4, or null. */
export function canFrameProblem(id: u32, flags: u8, dlc: i32, length: i32): string | null {
  if ((flags & ~KNOWN_FLAGS) != 0) return "flags 0x" + flags.toString(16) + " have bits that are not defined";
  const extended = (flags & CanFlag.EXT) != 0;
  if (id > (extended ? <u32>0x1fffffff : <u32>0x7ff)) {
    return "identifier 0x" + id.toString(16) + " does not fit " + (extended ? "29 bits" : "11 bits without EXT");
  }
  if (dlc < 0 || dlc > 15) return "dlc " + dlc.toString() + " is not a 4-bit code";
  const fd = (flags & CanFlag.FDF) != 0;
  const remote = (flags & CanFlag.RTR) != 0;
  if (fd && remote) return "an FD frame has no remote form";
  if (!fd && (flags & (CanFlag.BRS | CanFlag.ESI)) != 0) return "BRS and ESI exist only on FD frames";
  const want = remote ? 0 : canDataLength(dlc, fd);
  if (length != want) {
    return "dlc " + dlc.toString() + " carries " + want.toString() + " data bytes, not " + length.toString();
  }
  return null;
}

/** One CAN frame, decoded in place: `data` views the bytes it was decoded from. */
export class CanFrame {
  id: u32 = 0;
  flags: u8 = 0;
  dlc: u8 = 0;
  readonly data: Bytes = new Bytes();
  /** Why the last `decode` failed, or null. */
  error: string | null = null;

  get extended(): bool {
    return (this.flags & CanFlag.EXT) != 0;
  }

  get remote(): bool {
    return (this.flags & CanFlag.RTR) != 0;
  }

  get fd(): bool {
    return (this.flags & CanFlag.FDF) != 0;
  }

  /**
   * Decodes the frame at the start of `bytes` into this object, checking every rule of §6.4;
   * returns its encoded length, or -1 with `error` set. Allocates nothing when it succeeds.
   */
  decode(bytes: Bytes): i32 {
    this.error = null;
    if (bytes.length < CAN_HEADER_SIZE) {
      this.error = "a CAN frame needs its 8-byte header, " + bytes.length.toString() + " bytes given";
      return -1;
    }
    const id = bytes.u32le(0);
    if ((id & 0xe0000000) != 0) {
      this.error = "CAN id field has bits 29-31 set";
      return -1;
    }
    if (bytes.at(7) != 0) {
      this.error = "CAN header byte 7 is reserved and must be 0";
      return -1;
    }
    const length = <i32>bytes.at(5);
    if (bytes.length < CAN_HEADER_SIZE + length) {
      this.error = "CAN frame says len " + length.toString() + ", but only " +
        (bytes.length - CAN_HEADER_SIZE).toString() + " data bytes follow its header";
      return -1;
    }
    const problem = canFrameProblem(id, bytes.at(4), bytes.at(6), length);
    if (problem !== null) {
      this.error = "CAN frame: " + problem + " (ABI §6.4)";
      return -1;
    }
    this.id = id;
    this.flags = bytes.at(4);
    this.dlc = bytes.at(6);
    this.data.ptr = bytes.ptr + <usize>CAN_HEADER_SIZE;
    this.data.length = length;
    return CAN_HEADER_SIZE + length;
  }
}

/**
 * frameLen of a driver on a `can` link: the host puts exactly one encoded frame in rx (ABI §6.4),
 * so this is its header's `8 + len`; a malformed header resyncs the whole buffer (the host drops
 * it as garbage).
 */
export function canFrameLen(rx: Bytes): i32 {
  if (rx.length < CAN_HEADER_SIZE) return needMore(CAN_HEADER_SIZE);
  const total = CAN_HEADER_SIZE + <i32>rx.at(5);
  if (rx.length < total) return needMore(total);
  const frame = new CanFrame();
  return frame.decode(rx) < 0 ? resync(rx.length) : total;
}

/**
 * Appends one encoded CAN frame to `tx` (ABI §6.4): `flags` from CanFlag, `data` the data bytes;
 * `dlc` defaults to the code of `data.length` (for a remote frame pass the requested length).
 * Returns null, or why the frame breaks §6.4 (nothing is written then).
 */
export function writeCanFrame(tx: Writer, id: u32, flags: u8, data: u8[], dlc: i32 = -1): string | null {
  const fd = (flags & CanFlag.FDF) != 0;
  const code = dlc >= 0 ? dlc : fd ? canFdDlc(data.length) : data.length;
  const problem = canFrameProblem(id, flags, code, data.length);
  if (problem !== null) return "CAN frame: " + problem + " (ABI §6.4)";
  tx.u32le(id).u8(flags).u8(<u8>data.length).u8(<u8>code).u8(0);
  for (let i = 0; i < data.length; i++) tx.u8(data[i]);
  return null;
}
