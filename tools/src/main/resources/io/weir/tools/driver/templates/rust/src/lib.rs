//! Weir driver `{{name}}`: reads numbers from a device that answers one text line per query.
//!
//! Each point line names its query, e.g. `point 0 query=MEAS:VOLT?`; the driver sends the query
//! and a line feed, and the answer line (ending in LF, a CR before it is ignored) carries a number.
//! Change the protocol here, the keys in weir-package.json, and the vectors in vectors/.
use weir_sdk::{
    Config, Driver, Error, FrameLen, Manifest, Out, Pending, Quality, Request, Transport, Tx, Value,
};

pub struct {{type}} {
    queries: Vec<String>,
    /// The next query of this cycle.
    next: usize,
    /// The query whose answer is outstanding, with its point.
    pending: Pending,
}

impl Driver for {{type}} {
    const MANIFEST: Manifest = Manifest {
        name: "{{name}}",
        version: "0.1.0",
        protocol: "{{name}}",
        transport: Transport::Tcp,
        passive: false,
        state_schema: None,
    };

    fn open(config: &Config, _now_us: i64) -> Result<Self, Error> {
        config.known_keys(&[], &["query"])?;
        let queries: Vec<String> =
            config.points.iter().map(|p| p.require("query")).collect::<Result<_, _>>()?;
        config.finish()?;
        Ok({{type}} { queries, next: 0, pending: Pending::default() })
    }

    fn poll(&mut self, tx: &mut Tx, _now_us: i64) -> Result<Option<Request>, Error> {
        if self.next == self.queries.len() {
            self.next = 0;
            return Ok(None); // the cycle is complete
        }
        let query = &self.queries[self.next];
        tx.put(query.as_bytes())?;
        tx.put(b"\n")?;
        self.pending.ask(&[self.next as u32], query.as_str());
        self.next += 1;
        Ok(Some(Request::expecting_response()))
    }

    fn frame_len(&mut self, rx: &[u8], rx_cap: usize) -> FrameLen {
        // One answer is one line; a line longer than rx is dropped (Resync).
        weir_sdk::delimited(rx, rx_cap, b'\n')
    }

    fn on_frame(&mut self, frame: &[u8], out: &mut Out, _now_us: i64) -> Result<(), Error> {
        let point = self.pending.take().ok_or_else(|| Error::Order("no query outstanding".into()))?[0];
        let text = String::from_utf8_lossy(frame);
        match text.trim().parse::<f64>() {
            Ok(v) => out.record(point, Value::F64(v), Quality::GOOD),
            Err(_) => {
                out.set_last_error(format!("point {point}: answer {:?} is not a number", text.trim()));
                out.record(point, Value::Null, Quality::BAD_PROTOCOL)
            }
        }
    }

    // No on_timeout: the SDK's default marks the pending query's point BAD_COMM.
    fn pending(&mut self) -> Option<&mut Pending> {
        Some(&mut self.pending)
    }
}

weir_sdk::export_driver!({{type}});
