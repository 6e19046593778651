//! Runs every vector file in vectors/ natively, through the SDK harness (the same dispatcher and
//! regions as the wasm exports). `weir driver test .` runs the same files against the built module
//! in the Weir host.
use {{crate}}::{{type}} as ThisDriver;

#[test]
fn vectors() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/vectors");
    let passed = weir_sdk::testing::assert_vector_dir::<ThisDriver>(dir);
    assert!(passed > 0, "vectors/ holds no vectors");
}

/// The module build.sh wrote passes the checks the host makes before it loads one (imports,
/// exports, memory limits; ABI §3, §9). test.sh builds it first.
#[test]
fn module_passes_the_hosts_checks() {
    let module = concat!(env!("CARGO_MANIFEST_DIR"), "/build/{{name}}.wasm");
    weir_sdk::testing::assert_module_file(module);
}
