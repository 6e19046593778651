// can-probe: the CAN test driver of both SDKs (the Rust twin is sdk-rust/tests/probes/can_probe.rs);
// both run the vector files in vectors/. A passive J1939 listener (SAE J1939-21/-71) for one source
// address:
//
//   point N pgn=65265 : CCVS wheel-based vehicle speed, bytes 2-3 little-endian in 1/256 km/h, as
//                       an f64 record in km/h (the only PGN it decodes)
//   TP.CM request-to-send (PGN 60416, control byte 16) addressed to its own address: answered with
//   clear-to-send for all packets (control byte 17), sent from weir_poll after POLL_NOW
//   request_pgn=N (device key): a Request (PGN 59904) for PGN N at the start of every cycle, sent
//   with meta.expect 0
//   a source silent for silence_ms (default 1000) gives a BAD_COMM device status at the next tick,
//   and GOOD when it is heard again
//
// Device keys: sa (the peer's source address, required), own (default 249), silence_ms,
// request_pgn. The transport is can, so weir_abi_version reports 1.1.

import {
  Bytes, CanFlag, CanFrame, DeviceConfig, Driver, Manifest, Quality, Records, Request, Status, canFrameLen,
  registerDriver, writeCanFrame,
} from "weir-driver-sdk/assembly";

export * from "weir-driver-sdk/assembly/exports";

const PGN_CCVS: u32 = 65265;
const PGN_TP_CM: u32 = 0xec00;
const PGN_REQUEST: u32 = 0xea00;

/** J1939-21: the PGN of a 29-bit identifier (PDU1 formats carry the destination in PS). */
function pgnOf(id: u32): u32 {
  return ((id >> 16) & 0xff) >= 240 ? (id >> 8) & 0x3ffff : (id >> 8) & 0x3ff00;
}

class CanProbe extends Driver {
  sa: u32 = 0;
  own: u32 = 249;
  silenceUs: i64 = 1_000_000;
  requestPgn: i64 = -1;
  speedPoints: i32[] = [];
  lastHeardUs: i64 = 0;
  silent: bool = false;
  ctsPackets: i32 = -1;
  ctsPgn: u32 = 0;
  requested: bool = false;
  readonly frame: CanFrame = new CanFrame();

  describe(): Manifest {
    const m = new Manifest("can-probe", "0.1.0", "j1939-probe", "can");
    m.passive = true;
    return m;
  }

  open(config: DeviceConfig, nowUs: i64): i32 {
    const device = config.device;
    device.only(["sa", "own", "silence_ms", "request_pgn"]);
    this.sa = <u32>device.requireInt("sa", 0, 253);
    this.own = <u32>device.int("own", 249, 0, 253);
    this.silenceUs = device.int("silence_ms", 1000, 1, 60000) * 1000;
    this.requestPgn = device.has("request_pgn") ? device.requireInt("request_pgn", 0, 0x3ffff) : -1;
    for (let i = 0; i < config.points.length; i++) {
      const point = config.points[i];
      point.only(["pgn"]);
      const pgn = point.requireInt("pgn", 0, 0x3ffff);
      if (pgn != PGN_CCVS) point.fail("pgn=" + pgn.toString() + " is not decoded by can-probe (65265 only)");
      this.speedPoints.push(i);
    }
    const error = config.error;
    if (error !== null) return this.fail(Status.E_CONFIG, error);
    this.lastHeardUs = nowUs;
    return Status.OK;
  }

  linkUp(nowUs: i64): i32 {
    this.lastHeardUs = nowUs;
    return Status.OK;
  }

  poll(nowUs: i64, tx: Request): i32 {
    tx.expect = false;
    if (this.ctsPackets >= 0) {
      const p = this.ctsPgn;
      const id = (7 << 26) | (PGN_TP_CM << 8) | (this.sa << 8) | this.own;
      const problem = writeCanFrame(tx, id, CanFlag.EXT, [17, <u8>this.ctsPackets, 1, 0xff, 0xff, <u8>p, <u8>(p >> 8), <u8>(p >> 16)]);
      this.ctsPackets = -1;
      return problem === null ? Status.OK : this.fail(Status.E_INTERNAL, problem);
    }
    if (this.requestPgn >= 0 && !this.requested) {
      this.requested = true;
      const p = <u32>this.requestPgn;
      const id = (6 << 26) | (PGN_REQUEST << 8) | (this.sa << 8) | this.own;
      const problem = writeCanFrame(tx, id, CanFlag.EXT, [<u8>p, <u8>(p >> 8), <u8>(p >> 16)]);
      return problem === null ? Status.OK : this.fail(Status.E_INTERNAL, problem);
    }
    this.requested = false;
    return Status.OK; // nothing written: the cycle is complete
  }

  frameLen(rx: Bytes): i32 {
    return canFrameLen(rx);
  }

  onFrame(bytes: Bytes, nowUs: i64, out: Records): i32 {
    const f = this.frame;
    if (f.decode(bytes) < 0) return this.fail(Status.E_PROTO, f.error!);
    if (!f.extended || f.remote || (f.id & 0xff) != this.sa) return Status.OK;
    this.lastHeardUs = nowUs;
    if (this.silent) {
      this.silent = false;
      out.writeNull(Records.DEVICE, Quality.GOOD);
    }
    const pgn = pgnOf(f.id);
    if (pgn == PGN_CCVS && f.data.length >= 3) {
      const speed = <f64>f.data.u16le(1) / 256.0;
      for (let i = 0; i < this.speedPoints.length; i++) out.writeF64(this.speedPoints[i], speed);
    } else if (pgn == PGN_TP_CM && ((f.id >> 8) & 0xff) == this.own && f.data.length == 8 && f.data.at(0) == 16) {
      this.ctsPackets = f.data.at(3);
      this.ctsPgn = <u32>f.data.at(5) | (<u32>f.data.at(6) << 8) | (<u32>f.data.at(7) << 16);
      out.pollNow();
    }
    return Status.OK;
  }

  onTimeout(nowUs: i64, out: Records): i32 {
    return this.fail(Status.E_ORDER, "can-probe sends no request that expects a response");
  }

  tick(nowUs: i64, out: Records): i32 {
    if (!this.silent && nowUs - this.lastHeardUs >= this.silenceUs) {
      this.silent = true;
      let hex = this.sa.toString(16);
      if (hex.length < 2) hex = "0" + hex;
      const text = "source address 0x" + hex + " silent for " + (this.silenceUs / 1000).toString() + " ms";
      out.writeStr(Records.DEVICE, text, Quality.BAD_COMM);
      this.explain(text);
    }
    return Status.OK;
  }
}

registerDriver((): Driver => new CanProbe());
