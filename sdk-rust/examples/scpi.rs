//! A complete minimal Weir driver: reads numbers from a SCPI instrument over raw TCP (port 5025).
//! Each point line names one query, e.g. `point 0 query=MEAS:VOLT:DC?`; each answer is one line.
use weir_sdk::{
    Config, Driver, Error, FrameLen, Manifest, Out, Pending, Quality, Request, Transport, Tx, Value,
};

pub struct Scpi {
    queries: Vec<String>,
    next: usize,
    pending: Pending,
}

impl Driver for Scpi {
    const MANIFEST: Manifest = Manifest {
        name: "scpi",
        version: "0.1.0",
        protocol: "scpi-raw",
        transport: Transport::Tcp,
        passive: false,
        state_schema: None,
    };

    fn open(config: &Config, _now_us: i64) -> Result<Self, Error> {
        let queries = config.points.iter().map(|p| p.require::<String>("query")).collect::<Result<_, _>>()?;
        config.finish()?; // rejects unknown keys, naming line and key
        Ok(Scpi { queries, next: 0, pending: Pending::default() })
    }

    fn poll(&mut self, tx: &mut Tx, _now_us: i64) -> Result<Option<Request>, Error> {
        if self.next == self.queries.len() {
            self.next = 0;
            return Ok(None); // cycle complete
        }
        let query = &self.queries[self.next];
        tx.put(query.as_bytes())?;
        tx.put(b"\n")?;
        self.pending.ask(&[self.next as u32], query.as_str());
        self.next += 1;
        Ok(Some(Request::expecting_response()))
    }

    fn frame_len(&mut self, rx: &[u8], rx_cap: usize) -> FrameLen {
        weir_sdk::delimited(rx, rx_cap, b'\n')
    }

    fn on_frame(&mut self, frame: &[u8], out: &mut Out, _now_us: i64) -> Result<(), Error> {
        let point = self.pending.take().ok_or_else(|| Error::Order("no query outstanding".into()))?[0];
        let text = String::from_utf8_lossy(frame);
        match text.trim().parse::<f64>() {
            Ok(v) => out.record(point, Value::F64(v), Quality::GOOD),
            Err(_) => {
                out.set_last_error(format!("answer {:?} is not a number", text.trim()));
                out.record(point, Value::Null, Quality::BAD_PROTOCOL)
            }
        }
    }

    // No on_timeout: the default marks the pending query's point BAD_COMM.
    fn pending(&mut self) -> Option<&mut Pending> {
        Some(&mut self.pending)
    }
}

weir_sdk::export_driver!(Scpi);
