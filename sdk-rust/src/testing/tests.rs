//! The vector runner's own tests: a driver made for them ("vector-probe") and vector files that
//! must pass, or must fail with a message naming what was wrong.

use super::*;
use crate::config::Config;
use crate::driver::{FrameLen, Manifest, Request, Transport, Value};
use crate::error::Error;
use crate::out::{Out, Tx};

/// A tiny made-up protocol that makes every vector feature observable:
/// poll sends `01 counter`; a response is `tag len payload`; tag 0x08 carries a device
/// timestamp; writes echo the value (`20` + STR bytes, `21` + BYTES, `22` + i64 BE);
/// the state is the counter.
pub struct VectorProbe {
    counter: u8,
    waiting: bool,
}

const DEVICE_TS: i64 = 1_700_000_000_123_456;

impl Driver for VectorProbe {
    const MANIFEST: Manifest = Manifest {
        name: "vector-probe",
        version: "0.1.0",
        protocol: "vector-probe",
        transport: Transport::Tcp,
        passive: false,
        state_schema: Some(3),
    };

    fn open(config: &Config, _now_us: i64) -> Result<Self, Error> {
        if let Some(v) = config.device.get("refuse") {
            return Err(config.device.error(format!("refuse={v} asked to refuse the open")));
        }
        config.finish()?;
        Ok(VectorProbe { counter: 1, waiting: false })
    }

    fn poll(&mut self, tx: &mut Tx, _now_us: i64) -> Result<Option<Request>, Error> {
        tx.put(&[0x01, self.counter])?;
        self.counter = self.counter.wrapping_add(1);
        self.waiting = true;
        Ok(Some(Request::expecting_response()))
    }

    fn frame_len(&mut self, rx: &[u8], _rx_cap: usize) -> FrameLen {
        if rx.first() == Some(&0xff) {
            return FrameLen::Resync(1);
        }
        if rx.len() < 2 {
            return FrameLen::NeedMore(0);
        }
        let total = 2 + rx[1] as usize;
        if rx.len() < total {
            FrameLen::NeedMore(total)
        } else {
            FrameLen::Complete(total)
        }
    }

    fn on_frame(&mut self, frame: &[u8], out: &mut Out, _now_us: i64) -> Result<(), Error> {
        if !self.waiting {
            return Err(Error::Order("nothing outstanding".into()));
        }
        self.waiting = false;
        let v = Value::U64(frame.get(2).copied().unwrap_or(0) as u64);
        match frame[0] {
            0x08 => out.record_at(0, v, Quality::GOOD, DEVICE_TS),
            _ => out.record(0, v, Quality::GOOD),
        }
    }

    fn on_timeout(&mut self, out: &mut Out, _now_us: i64) -> Result<(), Error> {
        self.waiting = false;
        out.record(0, Value::Null, Quality::BAD_COMM)
    }

    fn write(&mut self, _point: u32, value: Value, tx: &mut Tx, _now_us: i64) -> Result<Request, Error> {
        match value {
            Value::Str(s) => {
                tx.put(&[0x20])?;
                tx.put(s.as_bytes())?;
            }
            Value::Bytes(b) => {
                tx.put(&[0x21])?;
                tx.put(b)?;
            }
            Value::I64(v) => {
                tx.put(&[0x22])?;
                tx.put(&v.to_be_bytes())?;
            }
            _ => return Err(Error::Unsupported("vector-probe writes str, bytes and i64".into())),
        }
        Ok(Request::expecting_response())
    }

    fn save_state(&self, state: &mut Vec<u8>) -> Result<(), Error> {
        state.push(self.counter);
        Ok(())
    }

    fn load_state(&mut self, schema: u32, state: &[u8]) -> Result<(), Error> {
        if schema != 3 || state.len() != 1 {
            return Err(Error::Schema(format!(
                "schema {schema} with {} bytes, want schema 3 with 1",
                state.len()
            )));
        }
        self.counter = state[0];
        Ok(())
    }
}

fn run(name: &str, text: &str) -> Report {
    let path = std::env::temp_dir().join(format!("weir-vector-runner-{}-{name}.json", std::process::id()));
    std::fs::write(&path, text).unwrap();
    let report = run_vector_file::<VectorProbe>(&path);
    std::fs::remove_file(&path).unwrap();
    report
}

/// One vector with `steps` (a JSON array body) and optional extra vector fields.
fn one(config: &str, extra: &str, steps: &str) -> String {
    format!(
        r#"{{"driver":"vector-probe","vectors":[{{"name":"v","source":"test","config":{config:?}{extra},"steps":[{steps}]}}]}}"#
    )
}

fn fails_with(name: &str, text: &str, want: &str) {
    let report = run(name, text);
    assert!(report.passed.is_empty(), "{name}: passed but must fail");
    assert_eq!(report.failures.len(), 1, "{name}: {:#?}", report.failures);
    assert!(report.failures[0].contains(want), "{name}: {:?} does not contain {want:?}", report.failures[0]);
}

#[test]
fn every_feature_passes_on_a_conforming_driver() {
    let text = r#"{"driver":"vector-probe","vectors":[
      {"name":"open error","source":"test","config":"device refuse=yes\n",
       "expect_open_error":"E_CONFIG","expect_last_error":"device: refuse=yes asked to refuse the open",
       "steps":[{"call":"poll","expect_error":"E_NODEV"},
                {"call":"frame_len","hex":"00","expect_error":"E_NODEV"}]},
      {"name":"open error, no steps","source":"test","config":"device typo=1\n","expect_open_error":"E_CONFIG",
       "steps":[]},
      {"name":"framing","source":"test","config":"device\npoint 0\n","steps":[
        {"call":"frame_len","hex":"08","expect_len":0,"expect_need":0},
        {"call":"frame_len","hex":"080301","expect_len":0,"expect_need":5},
        {"call":"frame_len","hex":"0803010203","expect_len":5},
        {"call":"frame_len","hex":"ff08","expect_error":"E_RESYNC","expect_skip":1}]},
      {"name":"state","source":"test","config":"device\npoint 0\n","steps":[
        {"call":"poll","expect_hex":"0101"},
        {"call":"poll","expect_hex":"0102"},
        {"call":"save_state","expect_hex":"0300000003","expect_len":5},
        {"call":"reopen_with_state"},
        {"call":"poll","expect_hex":"0103"},
        {"call":"reopen_with_state","hex":"0900000001","expect_error":"E_SCHEMA","expect_last_error":"schema 9"},
        {"call":"poll","expect_hex":"0101"},
        {"call":"reopen_with_state"},
        {"call":"poll","expect_hex":"0103"}]},
      {"name":"timestamps","source":"test","config":"device\npoint 0\n","steps":[
        {"call":"poll","expect_hex":"0101"},
        {"call":"frame","hex":"080107","expect":[{"point":0,"type":"u64","value":7,"quality":"GOOD","ts_us":1700000000123456}]},
        {"call":"poll","expect_hex":"0102"},
        {"call":"frame","hex":"010107","expect":[{"point":0,"type":"u64","value":7,"quality":"GOOD"}]}]},
      {"name":"blob writes","source":"test","config":"device\npoint 0\n","steps":[
        {"call":"write","point":0,"type":"str","value":"Grüße","expect_hex":"204772c3bcc39f65"},
        {"call":"write","point":0,"type":"bytes","value":"00ff10","expect_hex":"2100ff10"},
        {"call":"write","point":0,"type":"str","value":"","expect_hex":"20"},
        {"call":"write","point":0,"type":"i64","value":-2,"expect_hex":"22fffffffffffffffe"},
        {"call":"write","point":0,"type":"bool","value":true,"expect_error":"E_UNSUPPORTED"}]}
    ]}"#;
    let report = run("all", text);
    assert!(report.failures.is_empty(), "{:#?}", report.failures);
    assert_eq!(report.passed.len(), 6);
}

#[test]
fn unknown_calls_and_fields_fail_loudly() {
    fails_with(
        "call",
        &one("device\npoint 0\n", "", r#"{"call":"save_sate"}"#),
        "unknown call \"save_sate\"",
    );
    fails_with(
        "step field",
        &one("device\npoint 0\n", "", r#"{"call":"frame_len","hex":"08","expect_len":0,"expect_nede":0}"#),
        "unknown field \"expect_nede\"",
    );
    fails_with(
        "vector field",
        &one(
            "device\npoint 0\n",
            r#","expect_open_eror":"E_CONFIG""#,
            r#"{"call":"poll","expect_hex":"0101"}"#,
        ),
        "unknown field \"expect_open_eror\"",
    );
    fails_with(
        "record field",
        &one(
            "device\npoint 0\n",
            "",
            r#"{"call":"poll","expect_hex":"0101"},{"call":"frame","hex":"080107","expect":[{"point":0,"type":"u64","value":7,"quality":"GOOD","ts":1}]}"#,
        ),
        "unknown field \"ts\"",
    );
    fails_with(
        "file field",
        r#"{"driver":"vector-probe","vector":[],"vectors":[]}"#,
        "file: unknown field \"vector\"",
    );
    fails_with("driver name", r#"{"driver":"modbus","vectors":[]}"#, "manifest name is \"vector-probe\"");
    fails_with(
        "error name",
        &one("device\npoint 0\n", "", r#"{"call":"poll","expect_error":"E_NODEVICE"}"#),
        "unknown ABI error name \"E_NODEVICE\"",
    );
    fails_with(
        "write type",
        &one(
            "device\npoint 0\n",
            "",
            r#"{"call":"write","point":0,"type":"string","value":"x","expect_hex":""}"#,
        ),
        "unknown write type \"string\"",
    );
    fails_with(
        "duplicate",
        &one("device\npoint 0\n", "", r#"{"call":"poll","expect_hex":"0101","expect_hex":"0102"}"#),
        "duplicate key \"expect_hex\"",
    );
    fails_with(
        "need without len 0",
        &one("device\npoint 0\n", "", r#"{"call":"frame_len","hex":"0800","expect_len":2,"expect_need":2}"#),
        "\"expect_need\" needs \"expect_len\": 0",
    );
    fails_with("empty steps", &one("device\npoint 0\n", "", ""), "\"steps\" is empty");
    fails_with(
        "vector last error without open error",
        &one("device\npoint 0\n", r#","expect_last_error":"x""#, r#"{"call":"poll","expect_hex":"0101"}"#),
        "needs \"expect_open_error\"",
    );
}

#[test]
fn expect_error_excludes_success_checks() {
    fails_with(
        "excludes",
        &one(
            "device\npoint 0\n",
            "",
            r#"{"call":"frame","hex":"010107","expect_error":"E_ORDER","expect":[]}"#,
        ),
        "\"expect_error\" excludes \"expect\"",
    );
}

#[test]
fn wrong_expectations_fail() {
    fails_with(
        "open ok",
        &one("device\npoint 0\n", r#","expect_open_error":"E_CONFIG""#, ""),
        "expected E_CONFIG, but weir_open returned 0",
    );
    fails_with(
        "open other error",
        &one("device refuse=1\n", r#","expect_open_error":"E_INVAL""#, ""),
        "expected E_INVAL, got E_CONFIG",
    );
    fails_with(
        "open last error",
        &one("device refuse=1\n", r#","expect_open_error":"E_CONFIG","expect_last_error":"refuse=2""#, ""),
        "last_error does not contain \"refuse=2\"",
    );
    fails_with(
        "open failed",
        &one("device refuse=1\n", "", r#"{"call":"poll","expect_hex":"0101"}"#),
        "open failed with E_CONFIG",
    );
    fails_with(
        "need",
        &one("device\npoint 0\n", "", r#"{"call":"frame_len","hex":"0803","expect_len":0,"expect_need":4}"#),
        "meta.need: expected 4, actual 5",
    );
    fails_with(
        "ts expected",
        &one(
            "device\npoint 0\n",
            "",
            r#"{"call":"poll","expect_hex":"0101"},{"call":"frame","hex":"010107","expect":[{"point":0,"type":"u64","value":7,"quality":"GOOD","ts_us":1700000000123456}]}"#,
        ),
        "flag DEVICE_TS clear",
    );
    fails_with(
        "ts absent",
        &one(
            "device\npoint 0\n",
            "",
            r#"{"call":"poll","expect_hex":"0101"},{"call":"frame","hex":"080107","expect":[{"point":0,"type":"u64","value":7,"quality":"GOOD"}]}"#,
        ),
        "expected no device timestamp",
    );
    fails_with(
        "ts value",
        &one(
            "device\npoint 0\n",
            "",
            r#"{"call":"poll","expect_hex":"0101"},{"call":"frame","hex":"080107","expect":[{"point":0,"type":"u64","value":7,"quality":"GOOD","ts_us":1700000000123457}]}"#,
        ),
        "expected ts_us 1700000000123457, actual 1700000000123456",
    );
    fails_with(
        "state bytes",
        &one("device\npoint 0\n", "", r#"{"call":"save_state","expect_hex":"0300000002"}"#),
        "state payload differs",
    );
    fails_with(
        "state len",
        &one("device\npoint 0\n", "", r#"{"call":"save_state","expect_len":4}"#),
        "state payload length: expected 4, actual 5",
    );
    fails_with(
        "reopen without save",
        &one("device\npoint 0\n", "", r#"{"call":"reopen_with_state"}"#),
        "no state to load",
    );
    fails_with(
        "carried state",
        &one(
            "device\npoint 0\n",
            "",
            r#"{"call":"poll","expect_hex":"0101"},{"call":"save_state"},{"call":"reopen_with_state"},{"call":"poll","expect_hex":"0101"}"#,
        ),
        "expected: \"0101\"\n  actual:   \"0102\"",
    );
    fails_with(
        "schema",
        &one(
            "device\npoint 0\n",
            "",
            r#"{"call":"reopen_with_state","hex":"0300000001","expect_error":"E_SCHEMA"}"#,
        ),
        "expected E_SCHEMA, but the call succeeded",
    );
    fails_with(
        "str write",
        &one(
            "device\npoint 0\n",
            "",
            r#"{"call":"write","point":0,"type":"str","value":"ab","expect_hex":"2061"}"#,
        ),
        "expected: \"2061\"\n  actual:   \"206162\"",
    );
}

/// The AssemblyScript SDK has the same driver (test/drivers/vector-probe) and the Node and Java
/// runners run this same file against it: all three runners must agree on every vector.
#[test]
fn shared_runner_vectors_pass() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../sdk-assemblyscript/test/drivers/vector-probe/vectors/runner.json"
    );
    let report = run_vector_file::<VectorProbe>(path);
    assert!(report.failures.is_empty(), "{:#?}", report.failures);
    assert_eq!(report.passed.len(), 8);
}

/// VECTORS.md v1.1: a 1.1 call or field needs `"host_abi": "1.1"`, and the runner plays the host
/// faithfully (host keys in the config, manifest fields, the agreed version).
#[test]
fn v11_calls_and_fields_need_a_v11_host() {
    let v11 = r#","host_abi":"1.1""#;
    let cfg = "device weir.transport=tcp\npoint 0\n";
    fails_with(
        "link_up in 1.0",
        &one("device\npoint 0\n", "", r#"{"call":"link_up"}"#),
        "call \"link_up\" needs a vector with \"host_abi\": \"1.1\"",
    );
    fails_with(
        "can in 1.0",
        &one("device\npoint 0\n", "", r#"{"call":"frame_len","can":"123#00","expect_len":9}"#),
        "field \"can\" needs a vector with \"host_abi\": \"1.1\"",
    );
    fails_with(
        "host_abi value",
        &one(cfg, r#","host_abi":"1.3""#, r#"{"call":"link_up"}"#),
        "\"host_abi\" must be \"1.0\", \"1.1\" or \"1.2\"",
    );
    fails_with(
        "agreed needs 1.1",
        &one("device\npoint 0\n", r#","expect_agreed":"1.1""#, r#"{"call":"poll","expect_hex":"0101"}"#),
        "\"expect_agreed\" needs \"host_abi\": \"1.1\"",
    );
    fails_with(
        "hex and can",
        &one(cfg, v11, r#"{"call":"frame_len","hex":"00","can":"123#00","expect_len":9}"#),
        "a step has one of \"hex\", \"text\" and \"can\", not more",
    );
    // The text form of bytes (VECTORS.md): one byte a character, at most one form a step.
    fails_with(
        "hex and text",
        &one("device\npoint 0\n", "", r#"{"call":"frame_len","hex":"00","text":"A","expect_len":1}"#),
        "a step has one of \"hex\", \"text\" and \"can\", not more",
    );
    fails_with(
        "expect_hex and expect_text",
        &one("device\npoint 0\n", "", r#"{"call":"poll","expect_hex":"0101","expect_text":"\u0001\u0001"}"#),
        "a step has one of \"expect_hex\", \"expect_text\" and \"expect_can\", not more",
    );
    fails_with(
        "text above U+00FF",
        &one("device\npoint 0\n", "", r#"{"call":"frame_len","text":"\u20ac","expect_len":1}"#),
        "\"text\" character 0 is U+20AC, above U+00FF",
    );
    fails_with(
        "back in time",
        &one(
            cfg,
            v11,
            r#"{"call":"poll","expect_hex":"0101","at_ms":5},{"call":"poll","expect_hex":"0102","at_ms":4}"#,
        ),
        "\"at_ms\" 4 goes back in time",
    );
    fails_with(
        "unsolicited to a polling driver",
        &one(cfg, v11, r#"{"call":"unsolicited","hex":"010107","expect":[]}"#),
        "neither passive nor unsolicited",
    );
    fails_with(
        "no weir.transport",
        &one("device\npoint 0\n", v11, r#"{"call":"poll","expect_hex":"0101"}"#),
        "lacks the host key weir.transport",
    );
    fails_with(
        "host keys last",
        &one("device weir.transport=tcp refuse=1\n", v11, r#"{"call":"poll","expect_hex":"0101"}"#),
        "host keys come last",
    );
    fails_with(
        "weir. key in 1.0",
        &one(cfg, "", r#"{"call":"poll","expect_hex":"0101"}"#),
        "holds a weir. key",
    );
    fails_with(
        "abi version",
        &one(cfg, r#","expect_abi_version":"1.1""#, r#"{"call":"poll","expect_hex":"0101"}"#),
        "weir_abi_version: expected 1.1, actual 1.0",
    );
    fails_with(
        "agreed",
        &one(cfg, r#","host_abi":"1.1","expect_agreed":"1.0""#, r#"{"call":"poll","expect_hex":"0101"}"#),
        "agreed version: expected 1.0, actual 1.1",
    );
    fails_with(
        "frame flag name",
        &one(
            cfg,
            v11,
            r#"{"call":"poll","expect_hex":"0101"},{"call":"frame","hex":"010107","expect":[{"point":0,"type":"u64","value":7,"quality":"GOOD"}],"expect_frame_flags":["NOT_ANSWR"]}"#,
        ),
        "unknown frame flag \"NOT_ANSWR\"",
    );
    fails_with(
        "frame flags checked",
        &one(
            cfg,
            v11,
            r#"{"call":"poll","expect_hex":"0101"},{"call":"frame","hex":"010107","expect":[{"point":0,"type":"u64","value":7,"quality":"GOOD"}],"expect_frame_flags":["POLL_NOW"]}"#,
        ),
        "meta.frame_flags: expected [\"POLL_NOW\"], actual []",
    );
    fails_with(
        "write_result in 1.0",
        &one(
            "device\npoint 0\n",
            "",
            r#"{"call":"poll","expect_hex":"0101"},{"call":"frame","hex":"010107","expect":[{"point":0,"type":"u64","value":7,"quality":"GOOD","write_result":true}]}"#,
        ),
        "\"write_result\" is v1.1",
    );
    fails_with(
        "write_result expected",
        &one(
            cfg,
            v11,
            r#"{"call":"poll","expect_hex":"0101"},{"call":"frame","hex":"010107","expect":[{"point":0,"type":"u64","value":7,"quality":"GOOD","write_result":true}]}"#,
        ),
        "expected a write result, actual flag WRITE_RESULT clear",
    );
    fails_with(
        "device status expected",
        &one(
            cfg,
            v11,
            r#"{"call":"poll","expect_hex":"0101"},{"call":"frame","hex":"010107","expect":[{"device_status":true,"type":"u64","value":7,"quality":"GOOD"}]}"#,
        ),
        "expected a device status, actual flag DEVICE_STATUS clear",
    );
    fails_with(
        "expect_corr needs a length",
        &one(cfg, v11, r#"{"call":"frame_len","hex":"08","expect_len":0,"expect_corr":1}"#),
        "\"expect_corr\" needs \"expect_len\" > 0",
    );
    fails_with(
        "corr checked",
        &one(cfg, v11, r#"{"call":"frame_len","hex":"080107","expect_len":3,"expect_corr":1}"#),
        "meta.corr: expected 0x1, actual 0x0",
    );
    fails_with(
        "expect_can",
        &one(cfg, v11, r#"{"call":"poll","expect_can":["123#01"]}"#),
        "malformed CAN frame at offset 0",
    );
    fails_with(
        "open keeps the strict fields",
        &one("device\npoint 0\n", "", r#"{"call":"open","confg":"device\n"}"#),
        "unknown field \"confg\"",
    );
    fails_with(
        "point outside the map",
        &one(
            "device\n",
            "",
            r#"{"call":"poll","expect_hex":"0101"},{"call":"frame","hex":"010107","expect":[{"point":0,"type":"u64","value":7,"quality":"GOOD"}]}"#,
        ),
        "outside the point map of 0 points (ABI §9)",
    );
}
