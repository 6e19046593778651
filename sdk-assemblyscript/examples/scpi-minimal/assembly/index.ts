// SCPI instruments on a raw socket (port 5025): one query per point, `point 0 query=MEAS:VOLT:DC?`.
// Answers end with LF (IEEE 488.2 §8.5) and carry a number.
import {
  Bytes, DeviceConfig, Driver, Manifest, Quality, Records, Request, Status, delimitedFrameLen, parseDecimal,
  registerDriver,
} from "weir-driver-sdk/assembly";
export * from "weir-driver-sdk/assembly/exports";

class Scpi extends Driver {
  queries: string[] = [];
  next: i32 = 0; // the next query of this cycle

  describe(): Manifest {
    return new Manifest("scpi-minimal", "0.1.0", "scpi-raw-socket", "tcp");
  }

  open(config: DeviceConfig, nowUs: i64): i32 {
    for (let i = 0; i < config.points.length; i++) this.queries.push(config.points[i].requireText("query"));
    return config.error !== null ? this.fail(Status.E_CONFIG, config.error!) : Status.OK;
  }

  poll(nowUs: i64, tx: Request): i32 {
    if (this.next == this.queries.length) this.next = 0; // nothing written: the cycle is complete
    else {
      this.pending.ask([this.next], this.queries[this.next]); // no answer: the SDK's onTimeout marks it BAD_COMM
      tx.text(this.queries[this.next++]).u8(0x0a);
    }
    return Status.OK;
  }

  frameLen(rx: Bytes): i32 {
    return delimitedFrameLen(rx, 0x0a);
  }

  onFrame(frame: Bytes, nowUs: i64, out: Records): i32 {
    const asked = this.pending.take();
    if (asked === null) return this.fail(Status.E_ORDER, "an answer with no query outstanding");
    const point = asked[0];
    const text = frame.text(0, frame.length - 1).trim();
    const value = parseDecimal(text);
    if (!isNaN(value)) out.writeF64(point, value);
    else {
      out.writeNull(point, Quality.BAD_PROTOCOL);
      this.explain("point " + point.toString() + ": answer \"" + text + "\" is not a number");
    }
    return Status.OK;
  }
}

registerDriver((): Driver => new Scpi());
