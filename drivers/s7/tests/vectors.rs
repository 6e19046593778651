//! Runs every golden vector file in `vectors/` through the SDK harness (the same dispatcher and
//! regions the wasm exports use). The Java host runs the same files against the built module.

use s7::S7;
use weir_sdk::testing::assert_vector_file;

macro_rules! vector_file {
    ($test:ident, $file:literal) => {
        #[test]
        fn $test() {
            let passed = assert_vector_file::<S7>(concat!(env!("CARGO_MANIFEST_DIR"), "/vectors/", $file));
            assert!(passed > 0, "{} holds no vectors", $file);
        }
    };
}

vector_file!(config_errors, "config_errors.json");
vector_file!(connection, "connection.json");
vector_file!(corpus, "corpus.json");
vector_file!(errors, "errors.json");
vector_file!(framing, "framing.json");
vector_file!(observe, "observe.json");
vector_file!(plan, "plan.json");
vector_file!(reads, "reads.json");
vector_file!(state, "state.json");
vector_file!(strings, "strings.json");
vector_file!(writes, "writes.json");

/// Every file in vectors/ is listed above, so a new file cannot be silently skipped.
#[test]
fn every_vector_file_is_run() {
    let listed = [
        "config_errors.json",
        "connection.json",
        "corpus.json",
        "errors.json",
        "framing.json",
        "observe.json",
        "plan.json",
        "reads.json",
        "state.json",
        "strings.json",
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
