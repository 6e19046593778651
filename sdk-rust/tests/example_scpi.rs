//! Runs the README's example driver (`examples/scpi.rs`) against its vector file.

#[path = "../examples/scpi.rs"]
#[allow(dead_code)]
mod scpi;

use weir_sdk::testing::{assert_vector_file, Host};

#[test]
fn scpi_example_passes_its_vectors() {
    let passed = assert_vector_file::<scpi::Scpi>(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/scpi.vectors.json"));
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
