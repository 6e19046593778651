//! The SDK's constants against the tables and byte examples of `driver-abi/ABI.md`, the same
//! tables `AbiDocumentTest` checks against the Java constants: a change to the document without
//! the SDK (or the other way round) fails here.

use std::collections::BTreeMap;
use weir_sdk::abi::{self, Level, Quality};
use weir_sdk::can;
use weir_sdk::dispatch::{self, Instance};
use weir_sdk::{Config, Driver, Error, FrameLen, Manifest, Out, Request, Transport, Tx, Value};

struct Table {
    section: String,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

struct Doc {
    tables: Vec<Table>,
    /// (section, paragraph before, body) of every fenced block.
    blocks: Vec<(String, String, String)>,
}

fn cells(line: &str) -> Vec<String> {
    let body = line.trim().trim_start_matches('|').trim_end_matches('|');
    let mut out = Vec::new();
    let mut cell = String::new();
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cell.push('|');
                chars.next();
            }
            '|' => out.push(std::mem::take(&mut cell).trim().to_string()),
            c => cell.push(c),
        }
    }
    out.push(cell.trim().to_string());
    out
}

fn doc() -> Doc {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../driver-abi/ABI.md")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut d = Doc { tables: Vec::new(), blocks: Vec::new() };
    let mut section = String::new();
    let mut paragraph = String::new();
    let mut ended = false;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let Some(rest) = line.strip_prefix("## ").or_else(|| line.strip_prefix("### ")) {
            let number: String = rest.chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
            if !number.is_empty() {
                section = number.trim_end_matches('.').to_string();
            }
            paragraph.clear();
        } else if line.starts_with('|') {
            let header = cells(line);
            let mut rows = Vec::new();
            i += 2;
            while i < lines.len() && lines[i].starts_with('|') {
                rows.push(cells(lines[i]));
                i += 1;
            }
            d.tables.push(Table { section: section.clone(), header, rows });
            paragraph.clear();
            continue;
        } else if line.starts_with("```") {
            let mut body = String::new();
            i += 1;
            while !lines[i].starts_with("```") {
                body.push_str(lines[i]);
                body.push('\n');
                i += 1;
            }
            d.blocks.push((section.clone(), paragraph.trim().to_string(), body));
            paragraph.clear();
        } else if line.trim().is_empty() {
            ended = true;
        } else {
            if ended {
                paragraph.clear();
                ended = false;
            }
            paragraph.push_str(line);
            paragraph.push(' ');
        }
        i += 1;
    }
    d
}

impl Doc {
    fn table(&self, section: &str, header: &[&str]) -> &Table {
        let found: Vec<&Table> =
            self.tables.iter().filter(|t| t.section == section && t.header == header).collect();
        assert_eq!(found.len(), 1, "ABI.md §{section} table {header:?}");
        found[0]
    }
}

/// A cell without backticks.
fn code(cell: &str) -> &str {
    cell.trim().trim_start_matches('`').trim_end_matches('`')
}

/// A number as the document writes it: decimal or 0x hex, with − (U+2212) or -.
fn number(cell: &str) -> i64 {
    let t = code(cell).replace('\u{2212}', "-").replace(' ', "");
    let (neg, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest.to_string()),
        None => (false, t),
    };
    let v = match t.strip_prefix("0x") {
        Some(hex) => i64::from_str_radix(hex, 16).unwrap(),
        None => t.parse::<i64>().unwrap_or_else(|_| panic!("not a number: {cell:?}")),
    };
    if neg {
        -v
    } else {
        v
    }
}

fn hex_bytes(body: &str) -> Vec<u8> {
    body.split_whitespace().map(|b| u8::from_str_radix(b, 16).unwrap()).collect()
}

#[test]
fn names_and_versions() {
    let d = doc();
    let rows: BTreeMap<&str, &str> =
        d.table("10.1", &["name", "value"]).rows.iter().map(|r| (r[0].as_str(), r[1].as_str())).collect();
    assert_eq!(code(rows["import module"]), abi::IMPORT_MODULE);
    assert_eq!(code(rows["marker export"]), abi::MARKER_EXPORT);
    assert_eq!(number(rows["layout magic"]) as u32, abi::LAYOUT_MAGIC);
    assert_eq!(number(rows["layout size"]) as usize, abi::LAYOUT_SIZE);
    assert_eq!(number(rows["meta size"]) as usize, abi::META_SIZE);
    assert_eq!(number(rows["record size"]) as usize, abi::RECORD_SIZE);
    assert_eq!(number(rows["CAN frame header size"]) as usize, abi::CAN_HEADER_SIZE);
    assert_eq!(code(rows["host key prefix"]), abi::HOST_KEY_PREFIX);
    assert_eq!(number(rows["ABI version of this document"]) as i32, abi::ABI_VERSION);
    assert_eq!(number(rows["base version (v1.0)"]) as i32, abi::BASE_VERSION);
    assert_eq!(abi::ABI_VERSION & 0xffff, i32::from(abi::LATEST_MINOR));
    assert_eq!(rows.len(), 10, "rows of §10.1 not checked: {rows:?}");
}

#[test]
fn error_codes() {
    let d = doc();
    let t = d.table("8", &["code", "name", "meaning"]);
    for r in &t.rows {
        let (c, name) = (number(&r[0]) as i32, code(&r[1]));
        assert_eq!(abi::error_code(name), Some(c), "{name}");
        assert_eq!(abi::error_name(c), name);
    }
    assert_eq!(Error::Internal(String::new()).code(), abi::E_INTERNAL);
    assert_eq!(t.rows.len(), 11);
    assert_eq!(abi::error_name(-6), "E_INTERNAL", "reserved codes read as E_INTERNAL");
}

#[test]
fn value_types_flags_and_qualities() {
    let d = doc();
    let types =
        [abi::VT_NULL, abi::VT_BOOL, abi::VT_I64, abi::VT_U64, abi::VT_F64, abi::VT_STR, abi::VT_BYTES];
    let t = d.table("6.1", &["code", "name", "`value` holds"]);
    let doc_types: Vec<(u8, &str)> = t.rows.iter().map(|r| (number(&r[0]) as u8, code(&r[1]))).collect();
    assert_eq!(doc_types.iter().map(|t| t.0).collect::<Vec<_>>(), types.to_vec());
    assert_eq!(
        doc_types.iter().map(|t| t.1).collect::<Vec<_>>(),
        ["NULL", "BOOL", "I64", "U64", "F64", "STR", "BYTES"]
    );
    let flags = d.table("6.1", &["bit", "value", "name", "since", "meaning"]);
    let sdk = [
        ("NAMED", abi::FLAG_NAMED),
        ("DEVICE_TS", abi::FLAG_DEVICE_TS),
        ("WRITE_RESULT", abi::FLAG_WRITE_RESULT),
        ("DEVICE_STATUS", abi::FLAG_DEVICE_STATUS),
    ];
    assert_eq!(flags.rows.len(), sdk.len());
    for (r, (name, mask)) in flags.rows.iter().zip(sdk) {
        assert_eq!(code(&r[2]), name);
        assert_eq!(number(&r[1]) as u8, mask, "{name}");
        assert_eq!(1u8 << number(&r[0]), mask, "{name}");
        let since: u16 = r[3].trim_start_matches("1.").parse().unwrap();
        for minor in 0..=abi::LATEST_MINOR {
            assert_eq!(
                abi::known_record_flags(minor) & mask != 0,
                since <= minor,
                "{name} with agreed 1.{minor}"
            );
        }
    }
    let q = d.table("6.1", &["code", "name", "meaning"]);
    for r in &q.rows {
        let quality = Quality(number(&r[0]) as u16);
        assert_eq!(quality.name(), code(&r[1]));
        assert_eq!(Quality::from_name(code(&r[1])), Some(quality));
    }
    assert_eq!(q.rows.len(), 7);
}

#[test]
fn meta_offsets() {
    let d = doc();
    let t = d.table("4", &["offset", "field", "written by", "since", "meaning"]);
    let sdk = [
        ("expect", abi::META_EXPECT),
        ("timeout_ms", abi::META_TIMEOUT_MS),
        ("skip", abi::META_SKIP),
        ("need", abi::META_NEED),
        ("blob_used", abi::META_BLOB_USED),
        ("corr", abi::META_CORR),
        ("frame_flags", abi::META_FRAME_FLAGS),
        ("req_flags", abi::META_REQ_FLAGS),
    ];
    for (name, offset) in sdk {
        let row = t.rows.iter().find(|r| code(&r[1]) == name).unwrap_or_else(|| panic!("meta field {name}"));
        assert_eq!(number(&row[0]) as usize, offset, "{name}");
    }
    // v1.2 uses the last reserved field: every field is one the SDK writes.
    assert_eq!(t.rows.len(), sdk.len());
    assert_eq!(t.rows.len() * 4, abi::META_SIZE);
    // §7.1: the request flags.
    let flags = d.table("7.1", &["bit", "value", "name", "host action"]);
    assert_eq!(flags.rows.len(), 1);
    assert_eq!(code(&flags.rows[0][2]), "LAST");
    assert_eq!(number(&flags.rows[0][1]) as u32, abi::REQ_LAST);
    assert_eq!(1u32 << number(&flags.rows[0][0]), abi::REQ_LAST);
}

/// The layout the dispatcher writes, read at the offsets of §4, and the minimums of §4.
#[test]
fn layout_offsets_and_minimums() {
    struct Nothing;
    impl Driver for Nothing {
        const MANIFEST: Manifest = Manifest {
            name: "nothing",
            version: "0.0.1",
            protocol: "none",
            transport: Transport::Tcp,
            passive: false,
            state_schema: None,
        };
        fn open(_: &Config, _: i64) -> Result<Self, Error> {
            Ok(Nothing)
        }
        fn poll(&mut self, _: &mut Tx, _: i64) -> Result<Option<Request>, Error> {
            Ok(None)
        }
        fn frame_len(&mut self, _: &[u8], _: usize) -> FrameLen {
            FrameLen::NeedMore(0)
        }
        fn on_frame(&mut self, _: &[u8], _: &mut Out, _: i64) -> Result<(), Error> {
            Ok(())
        }
        fn on_timeout(&mut self, _: &mut Out, _: i64) -> Result<(), Error> {
            Ok(())
        }
    }
    let d = doc();
    let t = d.table("4", &["offset", "field", "meaning"]);
    let mut inst = Instance::<Nothing>::new();
    let base = inst.layout() as usize;
    let mem = inst.memory();
    let u32_at = |off: usize| {
        u32::from_le_bytes([mem[base + off], mem[base + off + 1], mem[base + off + 2], mem[base + off + 3]])
    };
    let field = |name: &str| -> usize {
        number(&t.rows.iter().find(|r| code(&r[1]) == name).unwrap_or_else(|| panic!("{name}"))[0]) as usize
    };
    assert_eq!(u32_at(field("magic")), abi::LAYOUT_MAGIC);
    assert_eq!(u32_at(field("size")) as usize, abi::LAYOUT_SIZE);
    let sdk = [
        ("cfg", dispatch::CFG_CAP, abi::MIN_CFG_CAP),
        ("rx", dispatch::RX_CAP, abi::MIN_RX_CAP),
        ("tx", dispatch::TX_CAP, abi::MIN_TX_CAP),
        ("out", dispatch::OUT_CAP, abi::MIN_OUT_CAP),
        ("blob", dispatch::BLOB_CAP, abi::MIN_BLOB_CAP),
        ("state", dispatch::STATE_CAP, 0),
        ("err", dispatch::ERR_CAP, abi::MIN_ERR_CAP),
    ];
    for (name, cap, min) in sdk {
        assert_eq!(u32_at(field(&format!("{name}_cap"))) as usize, cap, "{name}_cap");
        let meaning = &t.rows.iter().find(|r| code(&r[1]) == format!("{name}_cap")).unwrap()[2];
        let stated = meaning.split("at least ").nth(1).map(|m| {
            m.split(|c: char| !(c.is_ascii_digit() || c == ' ' || c == '×'))
                .next()
                .unwrap()
                .split('×')
                .map(|n| n.trim().parse::<usize>().unwrap())
                .product::<usize>()
        });
        assert_eq!(stated.unwrap_or(0), min, "minimum of {name}_cap");
    }
    assert_eq!(t.rows.len(), 16);
}

#[test]
fn frame_flags_and_can_tables() {
    let d = doc();
    let t = d.table("7.3", &["bit", "value", "name", "host action"]);
    let sdk = [("NOT_ANSWER", abi::FRAME_NOT_ANSWER), ("POLL_NOW", abi::FRAME_POLL_NOW)];
    assert_eq!(t.rows.len(), sdk.len());
    for (r, (name, mask)) in t.rows.iter().zip(sdk) {
        assert_eq!(code(&r[2]), name);
        assert_eq!(number(&r[1]) as u32, mask);
        assert_eq!(1u32 << number(&r[0]), mask);
    }
    let header = d.table("6.4", &["offset", "size", "field", "meaning"]);
    let offsets: Vec<(i64, &str)> = header.rows.iter().map(|r| (number(&r[0]), code(&r[2]))).collect();
    assert_eq!(
        offsets,
        [
            (0, "id"),
            (4, "flags"),
            (5, "len"),
            (6, "dlc"),
            (7, "reserved"),
            (abi::CAN_HEADER_SIZE as i64, "data")
        ]
    );
    let flags = d.table("6.4", &["bit", "value", "name", "meaning"]);
    let sdk = [
        ("EXT", abi::CAN_EXT),
        ("RTR", abi::CAN_RTR),
        ("FDF", abi::CAN_FDF),
        ("BRS", abi::CAN_BRS),
        ("ESI", abi::CAN_ESI),
    ];
    assert_eq!(flags.rows.len(), sdk.len());
    for (r, (name, mask)) in flags.rows.iter().zip(sdk) {
        assert_eq!(code(&r[2]), name);
        assert_eq!(number(&r[1]) as u8, mask);
    }
    let lengths = d.table("6.4", &["dlc", "classic data bytes", "FD data bytes"]);
    let mut covered = 0;
    for r in &lengths.rows {
        let (from, to) = match r[0].split_once('–') {
            Some((a, b)) => (a.parse::<u8>().unwrap(), b.parse::<u8>().unwrap()),
            None => (r[0].parse().unwrap(), r[0].parse().unwrap()),
        };
        for dlc in from..=to {
            // A range row ("0–8") maps every code to itself.
            let want = |cell: &str| match cell.split_once('–') {
                Some(_) => dlc as usize,
                None => cell.parse::<usize>().unwrap(),
            };
            assert_eq!(can::data_length(dlc, false), want(&r[1]), "classic dlc {dlc}");
            assert_eq!(can::data_length(dlc, true), want(&r[2]), "FD dlc {dlc}");
            covered += 1;
        }
    }
    assert_eq!(covered, 16);
}

#[test]
fn log_levels_host_keys_and_manifest_fields() {
    let d = doc();
    let t = d.table("10.3", &["level", "name"]);
    let sdk =
        [("ERROR", Level::Error), ("WARN", Level::Warn), ("INFO", Level::Info), ("DEBUG", Level::Debug)];
    for (r, (name, level)) in t.rows.iter().zip(sdk) {
        assert_eq!(code(&r[1]), name);
        assert_eq!(number(&r[0]) as i32, level as i32);
    }
    let keys = d.table("5.1", &["key", "since", "value", "meaning"]);
    assert_eq!(keys.rows.iter().map(|r| code(&r[0])).collect::<Vec<_>>(), [abi::HOST_KEY_TRANSPORT]);
    assert!(abi::HOST_KEY_TRANSPORT.starts_with(abi::HOST_KEY_PREFIX));
    // Every manifest field of §3.4 is one the SDK writes (a driver that sets them all).
    struct All;
    impl Driver for All {
        const MANIFEST: Manifest = Manifest {
            name: "all",
            version: "1.0.0",
            protocol: "all",
            transport: Transport::Can,
            passive: true,
            state_schema: Some(1),
        };
        const TRANSPORTS: &'static [Transport] = &[Transport::Can, Transport::Serial];
        const UNSOLICITED: bool = true;
        const MAX_DEVICES: Option<u32> = Some(3);
        fn open(_: &Config, _: i64) -> Result<Self, Error> {
            Ok(All)
        }
        fn poll(&mut self, _: &mut Tx, _: i64) -> Result<Option<Request>, Error> {
            Ok(None)
        }
        fn frame_len(&mut self, rx: &[u8], _: usize) -> FrameLen {
            can::frame_len(rx)
        }
        fn on_frame(&mut self, _: &[u8], _: &mut Out, _: i64) -> Result<(), Error> {
            Ok(())
        }
        fn on_timeout(&mut self, _: &mut Out, _: i64) -> Result<(), Error> {
            Ok(())
        }
    }
    let json = dispatch::manifest_json::<All>().unwrap();
    let fields = d.table("3.4", &["field", "type", "required", "since", "meaning"]);
    let written: Vec<&str> =
        json.split('"').skip(1).step_by(2).filter(|s| json.contains(&format!("\"{s}\":"))).collect();
    let in_doc: Vec<&str> = fields.rows.iter().map(|r| code(&r[0])).collect();
    assert_eq!(written, in_doc, "{json}");
}

/// The exports `export_driver!` generates (read from its source) against §3.2, with signatures.
#[test]
fn exports_of_the_macro() {
    let d = doc();
    let t = d.table("3.2", &["export", "signature", "required", "since", "meaning"]);
    let source = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/dispatch.rs")).unwrap();
    let mut generated = BTreeMap::new();
    for line in source.lines() {
        if let Some(rest) = line.trim().strip_prefix("pub extern \"C\" fn ") {
            let (name, rest) = rest.split_once('(').unwrap();
            let (params, rest) = rest.split_once(')').unwrap();
            let result = if rest.contains("-> i32") { "i32" } else { "()" };
            let params: Vec<String> = params
                .split(',')
                .filter(|p| !p.trim().is_empty())
                .map(|p| {
                    let (n, ty) = p.split_once(':').unwrap();
                    format!("{}: {}", n.trim(), ty.trim())
                })
                .collect();
            generated.insert(name.to_string(), format!("({}) -> {result}", params.join(", ")));
        }
    }
    let mut in_doc = BTreeMap::new();
    for r in &t.rows {
        // weir_gc is left out on purpose (Rust frees eagerly; an empty export costs a call a
        // cycle), which only an optional export may be.
        if code(&r[0]) == "weir_gc" {
            assert_eq!(r[2].trim(), "no", "weir_gc must stay optional for the SDK to leave it out");
        } else if code(&r[0]) != "memory" {
            in_doc.insert(code(&r[0]).to_string(), code(&r[1]).to_string());
        }
    }
    assert!(!generated.contains_key("weir_gc"), "export_driver! exports weir_gc again");
    assert_eq!(generated, in_doc, "export_driver! against ABI.md §3.2");
}

/// The record byte examples of §6.1–§6.3 and the CAN examples of §6.4, written by the SDK.
#[test]
fn byte_examples() {
    let d = doc();
    let mut checked = 0;
    for (section, before, body) in &d.blocks {
        if !body.trim().chars().all(|c| c.is_ascii_hexdigit() || c.is_whitespace()) || body.trim().is_empty()
        {
            continue;
        }
        let bytes = hex_bytes(body);
        let mut out = [0u8; 24];
        let mut blob = [0u8; 64];
        let mut o = Out::with_abi_minor(&mut out, &mut blob, abi::LATEST_MINOR);
        let wrote = if before == "Byte example: point 7, `F64` 21.5, good, host timestamp:" {
            o.record(7, Value::F64(21.5), Quality::GOOD).map(|_| true)
        } else if before == "Byte example: point 2, Modbus exception 2 (illegal data address):" {
            o.record(2, Value::U64(2), Quality::BAD_DEVICE).map(|_| true)
        } else if before.ends_with("a record naming it, `U64` 513, good:") {
            o.named("input/7", Value::U64(513), Quality::GOOD).map(|_| true)
        } else if before == "Byte example: a write result for point 4, `U64` 1000 confirmed by the device:" {
            o.write_result(4, Value::U64(1000), Quality::GOOD).map(|_| true)
        } else if before == "Byte example: a device status, `BAD_COMM` (the peer went silent):" {
            o.device_status(Value::Null, Quality::BAD_COMM).map(|_| true)
        } else if let Some(rest) = before.strip_prefix("Byte example: CAN frame `") {
            let text = rest.split('`').next().unwrap();
            assert_eq!(can::candump(text).unwrap(), bytes, "§{section} {text}");
            let (f, n) = can::CanFrame::decode(&bytes).unwrap();
            assert_eq!((f.to_candump(), n), (text.to_uppercase(), bytes.len()));
            checked += 1;
            continue;
        } else if before.contains("a layout at address") {
            continue; // the SDK's own layout is checked by layout_offsets_and_minimums
        } else {
            panic!("ABI.md §{section} has a byte example this test does not know: {before}");
        };
        wrote.unwrap();
        assert_eq!(out.to_vec(), bytes, "§{section}: {before}");
        checked += 1;
    }
    assert_eq!(checked, 8);
}

/// The module check of `weir_sdk::testing` (the host's rule for a module, §3.2) knows every
/// export of §3.2, so that it refuses no export a host accepts.
#[test]
fn exports_of_the_module_check() {
    let d = doc();
    let t = d.table("3.2", &["export", "signature", "required", "since", "meaning"]);
    let source =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/testing/module.rs")).unwrap();
    let checked: std::collections::BTreeSet<String> = source
        .lines()
        .filter_map(|l| l.trim().strip_prefix("(\"weir_"))
        .map(|rest| format!("weir_{}", rest.split('"').next().unwrap()))
        .collect();
    let in_doc: std::collections::BTreeSet<String> =
        t.rows.iter().map(|r| code(&r[0]).to_string()).filter(|n| n != "memory").collect();
    assert_eq!(checked, in_doc, "testing/module.rs DRIVER_EXPORTS against ABI.md §3.2");
}
