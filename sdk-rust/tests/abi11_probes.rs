//! The v1.1 probe drivers of the SDK (`tests/probes/`) run the vector files they share with their
//! AssemblyScript twins (`sdk-assemblyscript/test/drivers/{abi11-probe,can-probe}/vectors/`), so
//! both SDKs and both runners are held to the same bytes.

#[path = "probes/abi11_probe.rs"]
mod abi11_probe;
#[path = "probes/can_probe.rs"]
mod can_probe;

use abi11_probe::Abi11Probe;
use can_probe::CanProbe;

const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../sdk-assemblyscript/test/drivers");

#[test]
fn abi11_probe_passes_the_shared_vectors() {
    let passed = weir_sdk::testing::assert_vector_dir::<Abi11Probe>(format!("{SHARED}/abi11-probe/vectors"));
    assert!(passed >= 10, "{passed} vectors");
}

#[test]
fn can_probe_passes_the_shared_vectors() {
    let passed = weir_sdk::testing::assert_vector_dir::<CanProbe>(format!("{SHARED}/can-probe/vectors"));
    assert!(passed >= 5, "{passed} vectors");
}

use weir_sdk::abi;
use weir_sdk::dispatch::{abi_version, manifest_json};
use weir_sdk::testing::{FrameEnding, Host, VECTOR_NOW_US};

const NOW: i64 = VECTOR_NOW_US;

/// ABI §3.3: the agreed version is the host's minor, at most the SDK's, at least the driver's.
#[test]
fn host_abi_agrees_on_a_version() {
    assert_eq!(abi_version::<Abi11Probe>(), abi::BASE_VERSION, "a driver that needs no v1.1 feature");
    assert_eq!(abi_version::<CanProbe>(), 0x0001_0001, "CAN needs v1.1 (v1.0 has no CAN encoding)");
    let mut h = Host::<Abi11Probe>::new().unwrap();
    assert_eq!(h.host_abi(0x0001_0001), 0x0001_0001);
    assert_eq!(h.host_abi(0x0001_0007), 0x0001_0001, "a later host still gets what the SDK knows");
    assert_eq!(h.host_abi(0x0001_0000), 0x0001_0000);
    assert_eq!(h.host_abi(0x0002_0000), abi::E_INVAL);
    let mut can = Host::<CanProbe>::new().unwrap();
    assert_eq!(can.host_abi(0x0001_0000), abi::E_UNSUPPORTED, "a 1.0 host cannot run a CAN driver");
    let mut h = Host::<Abi11Probe>::new().unwrap();
    h.open(0, "device\n", NOW).unwrap();
    assert_eq!(h.host_abi(0x0001_0001), abi::E_ORDER, "only before the first open");
}

/// With agreed version 1.0 a host makes no v1.1 call; the SDK refuses one rather than guess.
#[test]
fn v11_calls_need_the_agreed_version() {
    let mut h = Host::<Abi11Probe>::new().unwrap();
    h.open(0, "device\npoint 0\n", NOW).unwrap();
    let f = h.link_up(0, NOW).unwrap_err();
    assert_eq!(f.code, abi::E_ORDER);
    assert_eq!(f.last_error, "weir_link_up is a v1.1 call, but the host agreed on ABI 1.0 (ABI §3.3)");
    assert_eq!(h.frame_end(0, b"ab").unwrap_err().code, abi::E_ORDER);
    assert_eq!(h.tick(0, NOW).unwrap_err().code, abi::E_ORDER);
    assert_eq!(h.link_up(5, NOW).unwrap_err().code, abi::E_NODEV);
}

#[test]
fn frame_end_answers_are_checked() {
    let mut h = Host::<Abi11Probe>::new().unwrap();
    h.host_abi(0x0001_0001);
    h.open(0, "device weir.transport=serial\npoint 0\n", NOW).unwrap();
    assert_eq!(h.frame_end(0, &[0x73, 0x02, 0x71]).unwrap(), FrameEnding::Frame(3));
    assert_eq!(h.corr(), 0x17300);
    assert_eq!(h.frame_end(0, &[0, 1]).unwrap(), FrameEnding::Resync { skip: 1 });
    assert_eq!(h.frame_end(0, &[]).unwrap_err().code, abi::E_INVAL);
}

/// ABI §3.4: the manifest carries the v1.1 fields; §2.6: max_devices is also enforced the v1.0 way.
#[test]
fn manifest_and_max_devices() {
    assert_eq!(
        manifest_json::<Abi11Probe>().unwrap(),
        r#"{"name":"abi11-probe","version":"0.1.0","protocol":"abi11-probe","transport":"tcp","state_schema":1,"transports":["tcp","serial"],"unsolicited":true,"max_devices":2}"#
    );
    let mut h = Host::<Abi11Probe>::new().unwrap();
    h.open(0, "device\n", NOW).unwrap();
    h.open(7, "device\n", NOW).unwrap();
    h.open(7, "device\n", NOW).unwrap(); // a second open of the same handle is no new device
    let f = h.open(9, "device\n", NOW).unwrap_err();
    assert_eq!(f.code, abi::E_UNSUPPORTED);
    assert_eq!(f.last_error, "this driver serves at most 2 devices per instance (max_devices)");
    h.close(0).unwrap();
    h.open(9, "device\n", NOW).unwrap();
}

/// The runner holds the probes to every new check: each wrong expectation fails, naming it.
#[test]
fn wrong_v11_expectations_fail() {
    let cases = [
        (
            r#"{"call":"frame_len","hex":"027302","expect_len":3,"expect_corr":94977}"#,
            "meta.corr: expected 0x17301, actual 0x17300",
        ),
        (
            r#"{"call":"write","point":1,"type":"u64","value":7,"expect_hex":"0457010107"},{"call":"frame","hex":"0477010107","expect":[{"point":1,"type":"u64","value":7,"quality":"GOOD"}]}"#,
            "expected a reading, actual flag WRITE_RESULT set",
        ),
        (
            r#"{"call":"link_up"},{"call":"poll","expect_hex":"0153"},{"call":"frame","hex":"027302","expect":[]},{"call":"poll","expect_hex":"0452010002"},{"call":"frame","hex":"024503","expect":[{"device_status":true,"type":"u64","value":3,"quality":"BAD_DEVICE"}]}"#,
            "meta.frame_flags: expected [], actual [\"NOT_ANSWER\"]",
        ),
        (
            r#"{"call":"unsolicited","hex":"024501","expect":[{"point":0,"type":"u64","value":1,"quality":"BAD_DEVICE"}]}"#,
            "expected no device status, actual flag DEVICE_STATUS, {device status, u64 1, BAD_DEVICE}",
        ),
        (
            r#"{"call":"link_up"},{"call":"poll","expect_hex":"0153","expect_response":false}"#,
            "meta.expect: expected 0, actual 1",
        ),
    ];
    for (steps, want) in cases {
        let text = format!(
            r#"{{"driver":"abi11-probe","vectors":[{{"name":"v","source":"test","config":"device weir.transport=tcp\npoint 0\npoint 1\n","host_abi":"1.1","steps":[{steps}]}}]}}"#
        );
        let path =
            std::env::temp_dir().join(format!("weir-abi11-{}-{}.json", std::process::id(), want.len()));
        std::fs::write(&path, text).unwrap();
        let report = weir_sdk::testing::run_vector_file::<Abi11Probe>(&path);
        std::fs::remove_file(&path).unwrap();
        assert!(report.passed.is_empty(), "{want}: passed but must fail");
        assert!(report.failures[0].contains(want), "{:?} does not contain {want:?}", report.failures[0]);
    }
}
