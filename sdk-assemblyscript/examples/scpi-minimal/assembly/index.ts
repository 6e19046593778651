// SCPI instruments on a raw socket (port 5025): one query per point, `point 0 query=MEAS:VOLT:DC?`.
// Answers end with LF (IEEE 488.2 §8.5) and carry a number.
import {
  Bytes, DeviceConfig, Driver, Manifest, Quality, Records, Request, Status, needMore, registerDriver, resync,
} from "weir-driver-sdk/assembly";
export * from "weir-driver-sdk/assembly/exports";

class Scpi extends Driver {
  queries: string[] = [];
  next: i32 = 0; // the next query of this cycle
  asked: i32 = -1; // the point whose answer is outstanding

  describe(): Manifest {
    return new Manifest("scpi-minimal", "0.1.0", "scpi-raw-socket", "tcp");
  }

  open(config: DeviceConfig, nowUs: i64): i32 {
    for (let i = 0; i < config.points.length; i++) this.queries.push(config.points[i].requireText("query"));
    return config.error !== null ? this.fail(Status.E_CONFIG, config.error!) : Status.OK;
  }

  poll(nowUs: i64, tx: Request): i32 {
    if (this.next == this.queries.length) this.next = 0; // nothing written: the cycle is complete
    else tx.text(this.queries[(this.asked = this.next++)]).u8(0x0a);
    return Status.OK;
  }

  frameLen(rx: Bytes): i32 {
    const lf = rx.indexOf(0x0a);
    return lf >= 0 ? lf + 1 : rx.length > 256 ? resync(rx.length) : needMore(); // no answer is that long
  }

  onFrame(frame: Bytes, nowUs: i64, out: Records): i32 {
    if (this.asked < 0) return this.fail(Status.E_ORDER, "an answer with no query outstanding");
    const text = frame.text(0, frame.length - 1).trim();
    const value = parseFloat(text);
    if (!isNaN(value)) out.writeF64(this.asked, value);
    else {
      out.writeNull(this.asked, Quality.BAD_PROTOCOL);
      this.explain("point " + this.asked.toString() + ": answer \"" + text + "\" is not a number");
    }
    this.asked = -1;
    return Status.OK;
  }

  onTimeout(nowUs: i64, out: Records): i32 {
    if (this.asked < 0) return this.fail(Status.E_ORDER, "a timeout with no query outstanding");
    out.writeNull(this.asked, Quality.BAD_COMM);
    this.explain("no answer to " + this.queries[this.asked]);
    this.asked = -1;
    return Status.OK;
  }
}

registerDriver((): Driver => new Scpi());
