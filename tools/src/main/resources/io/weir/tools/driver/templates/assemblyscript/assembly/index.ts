// Weir driver `{{name}}`: reads numbers from a device that answers one text line per query.
//
// Each point line names its query, e.g. `point 0 query=MEAS:VOLT?`; the driver sends the query and
// a line feed, and the answer line (ending in LF, a CR before it is ignored) carries a number.
// Change the protocol here, the keys in weir-package.json, and the vectors in vectors/.
import {
  Bytes, DeviceConfig, Driver, Manifest, Quality, Records, Request, Status, delimitedFrameLen, parseDecimal,
  registerDriver,
} from "weir-driver-sdk/assembly";
export * from "weir-driver-sdk/assembly/exports";

class {{type}} extends Driver {
  queries: string[] = [];
  next: i32 = 0; // the next query of this cycle

  describe(): Manifest {
    return new Manifest("{{name}}", "0.1.0", "{{name}}", "tcp");
  }

  open(config: DeviceConfig, nowUs: i64): i32 {
    config.device.only([]);
    for (let i = 0; i < config.points.length; i++) {
      config.points[i].only(["query"]);
      this.queries.push(config.points[i].requireText("query"));
    }
    return config.error !== null ? this.fail(Status.E_CONFIG, config.error!) : Status.OK;
  }

  poll(nowUs: i64, tx: Request): i32 {
    if (this.next == this.queries.length) {
      this.next = 0; // nothing written: the cycle is complete
      return Status.OK;
    }
    // The SDK's default onTimeout marks the pending point BAD_COMM when no answer comes.
    this.pending.ask([this.next], this.queries[this.next]);
    tx.text(this.queries[this.next++]).u8(0x0a);
    return Status.OK;
  }

  frameLen(rx: Bytes): i32 {
    return delimitedFrameLen(rx, 0x0a); // one answer is one line; longer than rx: resync
  }

  onFrame(frame: Bytes, nowUs: i64, out: Records): i32 {
    const asked = this.pending.take();
    if (asked === null) return this.fail(Status.E_ORDER, "an answer with no query outstanding");
    const point = asked[0];
    const text = frame.text(0, frame.length - 1).trim();
    const value = parseDecimal(text); // strict: "12abc" is no number
    if (!isNaN(value)) out.writeF64(point, value);
    else {
      out.writeNull(point, Quality.BAD_PROTOCOL);
      this.explain("point " + point.toString() + ": answer \"" + text + "\" is not a number");
    }
    return Status.OK;
  }
}

registerDriver((): Driver => new {{type}}());
