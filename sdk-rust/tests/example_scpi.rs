//! Runs the README's example driver (`examples/scpi.rs`) against its vector file.

#[path = "../examples/scpi.rs"]
#[allow(dead_code)]
mod scpi;

use weir_sdk::testing::{assert_vector_file, Host};

#[test]
fn scpi_example_passes_its_vectors() {
    let passed =
        assert_vector_file::<scpi::Scpi>(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/scpi.vectors.json"));
    assert_eq!(passed, 3);
}

#[test]
fn scpi_example_rejects_unknown_keys() {
    let mut host = Host::<scpi::Scpi>::new().unwrap();
    let err = host.open(0, "device\npoint 0 query=X? qeury=Y?\n", 0).unwrap_err();
    assert_eq!(err.last_error, "point 0: unknown key \"qeury\"");
    let err = host.open(0, "device\npoint 0\n", 0).unwrap_err();
    assert_eq!(err.last_error, "point 0: missing key \"query\"");
}

/// The harness must fail, and say where, when a driver disagrees with a vector.
#[test]
fn harness_reports_vector_step_and_values() {
    let path = std::env::temp_dir().join(format!("weir-sdk-wrong-{}.json", std::process::id()));
    std::fs::write(
        &path,
        r#"{"driver":"scpi","vectors":[
          {"name":"wrong value","source":"test","config":"device\npoint 0 query=Q?\n","steps":[
            {"call":"poll","expect_hex":"51 3f0a"},
            {"call":"frame","hex":"310a","expect":[{"point":0,"type":"f64","value":2,"quality":"GOOD"}]}]},
          {"name":"wrong bytes","source":"test","config":"device\npoint 0 query=Q?\n","steps":[
            {"call":"poll","expect_hex":"513f0b"}]},
          {"name":"typo","source":"test","config":"device\n","steps":[{"call":"pol"}]}]}"#,
    )
    .unwrap();
    let report = weir_sdk::testing::run_vector_file::<scpi::Scpi>(&path);
    std::fs::remove_file(&path).unwrap();
    assert!(report.passed.is_empty());
    assert_eq!(report.failures.len(), 3, "{:#?}", report.failures);
    assert!(
        report.failures[0].contains("vector 0 \"wrong value\": step 0 (poll): request bytes differ"),
        "{}",
        report.failures[0]
    );
    assert!(
        report.failures[1].contains("expected: \"513f0b\"\n  actual:   \"513f0a\""),
        "{}",
        report.failures[1]
    );
    assert!(report.failures[2].contains("step 0 (pol): unknown call \"pol\""), "{}", report.failures[2]);
}
