//! Runs every golden vector file in `vectors/` through the SDK harness (the same dispatcher and
//! regions the wasm exports use). The Java host runs the same files against the built module.

use modbus::Modbus;
use weir_sdk::testing::assert_vector_file;

macro_rules! vector_file {
    ($test:ident, $file:literal) => {
        #[test]
        fn $test() {
            let passed =
                assert_vector_file::<Modbus>(concat!(env!("CARGO_MANIFEST_DIR"), "/vectors/", $file));
            assert!(passed > 0, "{} holds no vectors", $file);
        }
    };
}

vector_file!(requests, "requests.json");
vector_file!(types, "types.json");
vector_file!(batching, "batching.json");
vector_file!(exceptions, "exceptions.json");
vector_file!(framing, "framing.json");
vector_file!(observe, "observe.json");
vector_file!(writes, "writes.json");
vector_file!(corpus, "corpus.json");
vector_file!(config_errors, "config_errors.json");
vector_file!(state, "state.json");
vector_file!(rtu, "rtu.json");
vector_file!(rtu_corpus, "rtu_corpus.json");

/// Every file in vectors/ is listed above, so a new file cannot be silently skipped.
#[test]
fn every_vector_file_is_run() {
    let listed = [
        "batching.json",
        "config_errors.json",
        "corpus.json",
        "exceptions.json",
        "framing.json",
        "observe.json",
        "requests.json",
        "rtu.json",
        "rtu_corpus.json",
        "state.json",
        "types.json",
        "writes.json",
    ];
    let mut found: Vec<String> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/vectors"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    found.sort();
    assert_eq!(found, listed);
}
