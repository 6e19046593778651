//! The dispatcher's own contract (ABI.md §2, §4, §7), checked with a tiny driver whose behaviour
//! each test steers through its config text.

use weir_sdk::abi::{self, Quality};
use weir_sdk::dispatch::{Instance, RX_CAP, STATE_CAP};
use weir_sdk::testing::{Framing, Host, RecordValue};
use weir_sdk::{Config, Driver, Error, FrameLen, Manifest, Out, Request, Transport, Tx, Value};

struct Probe {
    framing: String,
    state_len: usize,
}

impl Driver for Probe {
    const MANIFEST: Manifest = Manifest {
        name: "probe",
        version: "1.2.3",
        protocol: "probe",
        transport: Transport::Serial,
        passive: false,
        state_schema: Some(7),
    };

    fn open(config: &Config, _now_us: i64) -> Result<Self, Error> {
        let framing = config.device.get("framing").unwrap_or("complete").to_string();
        let state_len = config.device.parse_or("state_len", 0usize)?;
        config.finish()?;
        Ok(Probe { framing, state_len })
    }

    fn poll(&mut self, tx: &mut Tx, _now_us: i64) -> Result<Option<Request>, Error> {
        match self.framing.as_str() {
            "empty-request" => Ok(Some(Request::expecting_response())),
            _ => {
                tx.put(b"hi")?;
                Ok(Some(Request { expect: false, timeout_ms: 42, last: false }))
            }
        }
    }

    fn frame_len(&mut self, rx: &[u8], _rx_cap: usize) -> FrameLen {
        match self.framing.as_str() {
            "zero" => FrameLen::Complete(0),
            "huge" => FrameLen::NeedMore(RX_CAP + 1),
            "skip-many" => FrameLen::Resync(1000),
            _ => FrameLen::Complete(rx.len()),
        }
    }

    fn on_frame(&mut self, frame: &[u8], out: &mut Out, now_us: i64) -> Result<(), Error> {
        out.record(0, Value::Bytes(frame), Quality::GOOD)?;
        out.record_at(1, Value::Str("ü"), Quality::UNCERTAIN, now_us - 5)?;
        out.named("x/1", Value::I64(-3), Quality::BAD_DEVICE)?;
        out.set_last_error("x".repeat(2000) + "é");
        Ok(())
    }

    fn on_timeout(&mut self, _out: &mut Out, _now_us: i64) -> Result<(), Error> {
        Err(Error::Order("nothing outstanding".into()))
    }

    fn write(&mut self, point: u32, value: Value, tx: &mut Tx, _now_us: i64) -> Result<Request, Error> {
        let text = format!("{point}={value:?}");
        tx.put(text.as_bytes())?;
        Ok(Request::expecting_response())
    }

    fn save_state(&self, state: &mut Vec<u8>) -> Result<(), Error> {
        state.extend(std::iter::repeat(0xAB).take(self.state_len));
        Ok(())
    }

    fn load_state(&mut self, schema: u32, state: &[u8]) -> Result<(), Error> {
        self.state_len = state.len() + schema as usize;
        Ok(())
    }
}

const NOW: i64 = 1_000;

fn host(config: &str) -> Host<Probe> {
    let mut h = Host::<Probe>::new().expect("layout is valid");
    h.open(0, config, NOW).unwrap();
    h
}

#[test]
fn layout_is_the_abi_struct() {
    let mut inst = Instance::<Probe>::new();
    let at = inst.layout() as usize;
    let mem = inst.memory();
    assert_eq!(&mem[at..at + 8], &[0x57, 0x45, 0x49, 0x52, 64, 0, 0, 0]);
    let cap = |i: usize| u32::from_le_bytes(mem[at + 12 + 8 * i..at + 16 + 8 * i].try_into().unwrap());
    assert!(cap(0) >= 4096 && cap(1) >= 512 && cap(2) >= 512 && cap(4) >= 4096 && cap(6) >= 128);
    assert_eq!(cap(3), 24 * 2048);
}

#[test]
fn describe_writes_the_manifest() {
    let mut h = Host::<Probe>::new().unwrap();
    assert_eq!(
        h.describe().unwrap(),
        r#"{"name":"probe","version":"1.2.3","protocol":"probe","transport":"serial","state_schema":7}"#
    );
}

#[test]
fn poll_sets_meta() {
    let mut h = host("device\n");
    let sent = h.poll(0, NOW).unwrap().unwrap();
    assert_eq!((sent.bytes.as_slice(), sent.expect, sent.timeout_ms), (&b"hi"[..], false, 42));
    let mut h = host("device framing=empty-request\n");
    let f = h.poll(0, NOW).unwrap_err();
    assert_eq!(f.code, abi::E_INTERNAL);
    assert!(f.last_error.contains("wrote no bytes"));
}

#[test]
fn records_round_trip_through_out_and_blob() {
    let mut h = host("device\n");
    let records = h.on_frame(0, &[1, 2, 3], NOW).unwrap();
    assert_eq!(records.len(), 3);
    assert_eq!(records[0].value, RecordValue::Bytes(vec![1, 2, 3]));
    assert_eq!(records[1].value, RecordValue::Str("ü".into()));
    assert_eq!(
        (records[1].flags, records[1].ts_us, records[1].quality),
        (abi::FLAG_DEVICE_TS, NOW - 5, Quality::UNCERTAIN)
    );
    assert_eq!((records[2].name.as_deref(), &records[2].value), (Some("x/1"), &RecordValue::I64(-3)));
    // err holds at most its capacity, cut on a character boundary.
    let err = h.last_error(0).unwrap();
    assert_eq!(err.len(), 1024);
    assert!(err.chars().all(|c| c == 'x'));
}

#[test]
fn framing_answers_are_checked() {
    assert_eq!(host("device framing=zero\n").frame_len(0, &[1]).unwrap_err().code, abi::E_INTERNAL);
    let mut h = host("device framing=huge\n");
    assert_eq!(h.frame_len(0, &[1]).unwrap(), Framing::Resync { skip: 1 });
    assert!(h.last_error(0).unwrap().contains("exceeds rx capacity"));
    assert_eq!(
        host("device framing=skip-many\n").frame_len(0, &[1, 2]).unwrap(),
        Framing::Resync { skip: 2 }
    );
    assert_eq!(host("device\n").frame_len(0, &[9; 5]).unwrap(), Framing::Complete(5));
}

#[test]
fn errors_and_unknown_devices() {
    let mut h = host("device\n");
    let f = h.on_timeout(0, NOW).unwrap_err();
    assert_eq!((f.code, f.last_error.as_str()), (abi::E_ORDER, "nothing outstanding"));
    assert_eq!(h.poll(1, NOW).unwrap_err().code, abi::E_NODEV);
    assert_eq!(h.observe(0, &[1]).unwrap_err().code, abi::E_UNSUPPORTED);
    assert!(h.last_error(0).unwrap().contains("does not replay"));
    let f = h.open(2, "device bogus=1\n", NOW).unwrap_err();
    assert_eq!((f.code, f.last_error.as_str()), (abi::E_CONFIG, "device: unknown key \"bogus\""));
    let f = h.open(3, "point 0\n", NOW).unwrap_err();
    assert!(f.last_error.contains("before the \"device\" line"), "{}", f.last_error);
}

#[test]
fn write_values_are_decoded() {
    let mut h = host("device\n");
    assert_eq!(h.write(0, 4, abi::VT_F64, 2.5f64.to_bits() as i64, NOW).unwrap().bytes, b"4=F64(2.5)");
    assert_eq!(h.write(0, 1, abi::VT_BOOL, 1, NOW).unwrap().bytes, b"1=Bool(true)");
    assert_eq!(h.write(0, 1, abi::VT_BOOL, 2, NOW).unwrap_err().code, abi::E_INVAL);
    assert_eq!(h.write(0, 1, 9, 0, NOW).unwrap_err().code, abi::E_INVAL);
    assert_eq!(h.write(0, -1, abi::VT_I64, 0, NOW).unwrap_err().code, abi::E_INVAL);
    // STR values point into cfg: the config text "device\n" is there, offset 0, length 6.
    assert_eq!(h.write(0, 0, abi::VT_STR, 6 << 32, NOW).unwrap().bytes, b"0=Str(\"device\")");
    assert_eq!(h.write(0, 0, abi::VT_BYTES, (1 << 32) | 70000, NOW).unwrap_err().code, abi::E_INVAL);
}

#[test]
fn state_carries_the_schema_and_respects_capacity() {
    let mut h = host("device state_len=3\n");
    assert_eq!(h.save_state(0).unwrap(), vec![7, 0, 0, 0, 0xAB, 0xAB, 0xAB]);
    h.load_state(0, &[7, 0, 0, 0, 1]).unwrap();
    assert_eq!(h.save_state(0).unwrap().len(), 4 + 8);
    assert_eq!(h.load_state(0, &[7, 0]).unwrap_err().code, abi::E_SCHEMA);
    let mut h = host(&format!("device state_len={STATE_CAP}\n"));
    assert_eq!(h.save_state(0).unwrap_err().code, abi::E_NOSPACE);
}
