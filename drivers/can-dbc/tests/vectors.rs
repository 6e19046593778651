//! Runs every golden vector file in `vectors/` through the SDK harness (the same dispatcher and
//! regions the wasm exports use). The Java host runs the same files against the built module.

use can_dbc::CanDbc;
use weir_sdk::testing::assert_vector_file;

macro_rules! vector_file {
    ($test:ident, $file:literal) => {
        #[test]
        fn $test() {
            let passed =
                assert_vector_file::<CanDbc>(concat!(env!("CARGO_MANIFEST_DIR"), "/vectors/", $file));
            assert!(passed > 0, "{} holds no vectors", $file);
        }
    };
}

vector_file!(cantools, "cantools.json");
vector_file!(config_errors, "config_errors.json");
vector_file!(frames, "frames.json");
vector_file!(j1939, "j1939.json");
vector_file!(nmea2000, "nmea2000.json");
vector_file!(transport, "transport.json");

/// Every file in vectors/ is listed above, so a new file cannot be silently skipped.
#[test]
fn every_vector_file_is_run() {
    let listed = [
        "cantools.json",
        "config_errors.json",
        "frames.json",
        "j1939.json",
        "nmea2000.json",
        "transport.json",
    ];
    let mut found: Vec<String> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/vectors"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    found.sort();
    assert_eq!(found, listed);
}
