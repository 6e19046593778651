//! The static checks the host makes on a driver module before it instantiates it (ABI.md §3.1,
//! §3.2, §9), for a driver's built `.wasm`: the same rule as the Java host and the Node runner
//! (`sdk-assemblyscript/runner/module-check.js`, whose wording these problems share).

/// ABI §9: a declared maximum above this is refused.
pub const MAX_PAGES: u32 = 1024;
/// ABI §9: the host's default memory cap; a larger initial memory is refused, and a memory that
/// declares no maximum runs with the cap as its maximum.
pub const HOST_CAP_PAGES: u32 = 256;

const HOST_IMPORTS: &[(&str, &[u8], &[u8])] =
    &[("log", &[0x7f, 0x7f, 0x7f], &[]), ("panic", &[0x7f, 0x7f], &[])];

/// Exports of ABI §3.2: name, params, results, required.
const DRIVER_EXPORTS: &[(&str, &[u8], &[u8], bool)] = &[
    ("weir_abi_v1", &[], &[], true),
    ("weir_abi_version", &[], &[0x7f], true),
    ("weir_layout", &[], &[0x7f], true),
    ("weir_describe", &[], &[0x7f], true),
    ("weir_open", &[0x7f, 0x7f, 0x7e], &[0x7f], true),
    ("weir_close", &[0x7f], &[0x7f], true),
    ("weir_poll", &[0x7f, 0x7e], &[0x7f], true),
    ("weir_frame_len", &[0x7f, 0x7f], &[0x7f], true),
    ("weir_on_frame", &[0x7f, 0x7f, 0x7e], &[0x7f], true),
    ("weir_on_timeout", &[0x7f, 0x7e], &[0x7f], true),
    ("weir_observe", &[0x7f, 0x7f], &[0x7f], false),
    ("weir_write", &[0x7f, 0x7f, 0x7f, 0x7e, 0x7e], &[0x7f], false),
    ("weir_save_state", &[0x7f], &[0x7f], false),
    ("weir_load_state", &[0x7f, 0x7f], &[0x7f], false),
    ("weir_last_error", &[0x7f], &[0x7f], true),
    ("weir_gc", &[], &[], false),
    ("weir_host_abi", &[0x7f], &[0x7f], false),
    ("weir_link_up", &[0x7f, 0x7e], &[0x7f], false),
    ("weir_frame_end", &[0x7f, 0x7f], &[0x7f], false),
    ("weir_tick", &[0x7f, 0x7e], &[0x7f], false),
    ("weir_on_bytes", &[0x7f, 0x7f, 0x7e], &[0x7f], false),
];

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Result<u8, String> {
        let v = *self.b.get(self.pos).ok_or_else(|| format!("truncated module at byte {}", self.pos))?;
        self.pos += 1;
        Ok(v)
    }
    fn u32(&mut self) -> Result<u32, String> {
        let (mut result, mut shift) = (0u64, 0);
        loop {
            let byte = self.byte()?;
            result |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return u32::try_from(result).map_err(|_| format!("LEB128 too large at byte {}", self.pos));
            }
            shift += 7;
            if shift > 35 {
                return Err(format!("LEB128 too long at byte {}", self.pos));
            }
        }
    }
    fn bytes(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.b.len());
        let end = end.ok_or_else(|| format!("truncated module at byte {}", self.pos))?;
        let s = &self.b[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn name(&mut self) -> Result<String, String> {
        let n = self.u32()? as usize;
        Ok(String::from_utf8_lossy(self.bytes(n)?).into_owned())
    }
    fn limits(&mut self) -> Result<(u32, Option<u32>, bool), String> {
        let flags = self.byte()?;
        let min = self.u32()?;
        let max = if flags & 1 != 0 { Some(self.u32()?) } else { None };
        Ok((min, max, flags & 2 != 0))
    }
}

fn sig(params: &[u8], results: &[u8]) -> String {
    let name = |t: &u8| match t {
        0x7f => "i32",
        0x7e => "i64",
        0x7d => "f32",
        0x7c => "f64",
        _ => "?",
    };
    let p: Vec<_> = params.iter().map(name).collect();
    let r: Vec<_> = results.iter().map(name).collect();
    format!("({}) -> ({})", p.join(", "), r.join(", "))
}

/// The problems the host would refuse `bytes` for, empty when it loads; a module that is no
/// WebAssembly binary at all gives one problem saying so.
pub fn check_module(bytes: &[u8]) -> Vec<String> {
    match check(bytes) {
        Ok(p) => p,
        Err(e) => vec![e],
    }
}

fn check(bytes: &[u8]) -> Result<Vec<String>, String> {
    if bytes.len() < 8 || &bytes[..4] != b"\0asm" || bytes[4..8] != [1, 0, 0, 0] {
        return Err("not a WebAssembly 1.0 binary (no \\0asm version 1 header)".into());
    }
    let mut r = Reader { b: bytes, pos: 8 };
    let mut types: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let mut funcs: Vec<u32> = Vec::new(); // type index of every function, imports first
    let mut memories: Vec<(u32, Option<u32>, bool)> = Vec::new();
    let mut exports: Vec<(String, u8, u32)> = Vec::new();
    let mut problems = Vec::new();
    while r.pos < bytes.len() {
        let id = r.byte()?;
        let size = r.u32()? as usize;
        let mut s = Reader { b: r.bytes(size)?, pos: 0 };
        match id {
            1 => {
                for _ in 0..s.u32()? {
                    if s.byte()? != 0x60 {
                        return Err("type section entry is not a function type".into());
                    }
                    let n = s.u32()? as usize;
                    let p = s.bytes(n)?.to_vec();
                    let n = s.u32()? as usize;
                    types.push((p, s.bytes(n)?.to_vec()));
                }
            }
            2 => {
                for _ in 0..s.u32()? {
                    let (module, name) = (s.name()?, s.name()?);
                    let kind = s.byte()?;
                    match kind {
                        0 => {
                            let t = s.u32()?;
                            funcs.push(t);
                            let want = HOST_IMPORTS.iter().find(|(n, _, _)| *n == name);
                            match want {
                                Some((_, p, res)) if module == "weir_host_v1" => {
                                    let got = types.get(t as usize).map(|(a, b)| sig(a, b));
                                    if got.as_deref() != Some(&sig(p, res)) {
                                        problems.push(format!(
                                            "import weir_host_v1.{name} has signature {}, ABI §3.1 says {}",
                                            got.unwrap_or_else(|| "?".into()),
                                            sig(p, res)
                                        ));
                                    }
                                }
                                _ => problems.push(format!(
                                    "import {module}.{name} (function) is not one of weir_host_v1.log, weir_host_v1.panic"
                                )),
                            }
                        }
                        _ => {
                            let what =
                                ["function", "table", "memory", "global"].get(kind as usize).unwrap_or(&"?");
                            problems.push(format!(
                                "import {module}.{name} ({what}) is not one of weir_host_v1.log, weir_host_v1.panic"
                            ));
                            match kind {
                                1 => {
                                    s.byte()?;
                                    s.limits()?;
                                }
                                2 => memories.push(s.limits()?),
                                3 => {
                                    s.bytes(2)?;
                                }
                                _ => return Err(format!("unknown import kind {kind}")),
                            }
                        }
                    }
                }
            }
            3 => {
                for _ in 0..s.u32()? {
                    funcs.push(s.u32()?);
                }
            }
            5 => {
                for _ in 0..s.u32()? {
                    memories.push(s.limits()?);
                }
            }
            7 => {
                for _ in 0..s.u32()? {
                    let name = s.name()?;
                    let kind = s.byte()?;
                    exports.push((name, kind, s.u32()?));
                }
            }
            _ => {}
        }
    }
    if !exports.iter().any(|(n, k, _)| n == "memory" && *k == 2) {
        problems.push("no memory exported as \"memory\"".into());
    }
    if memories.len() != 1 {
        problems.push(format!("{} memories; ABI §3.2 allows exactly one", memories.len()));
    }
    for (min, max, shared) in &memories {
        if *shared {
            problems.push("memory is shared; ABI §3.2 refuses shared memory".into());
        }
        if let Some(max) = max.filter(|&m| m > MAX_PAGES) {
            problems.push(format!("memory maximum {max} pages exceeds {MAX_PAGES}"));
        }
        // No declared maximum: the host's cap is the maximum (ABI §9), accepted.
        if *min > HOST_CAP_PAGES {
            problems.push(format!(
                "initial memory {min} pages exceeds the host's default cap of {HOST_CAP_PAGES} pages (ABI §9)"
            ));
        }
    }
    for (name, params, results, required) in DRIVER_EXPORTS {
        match exports.iter().find(|(n, _, _)| n == name) {
            None if *required => problems.push(format!("required export {name} is missing")),
            None => {}
            Some((_, kind, _)) if *kind != 0 => {
                let what = ["function", "table", "memory", "global"].get(*kind as usize).unwrap_or(&"?");
                problems.push(format!("export {name} is a {what}, not a function"));
            }
            Some((_, _, index)) => {
                let got = funcs.get(*index as usize).and_then(|t| types.get(*t as usize));
                let got = got.map(|(p, r)| sig(p, r)).unwrap_or_else(|| "?".into());
                if got != sig(params, results) {
                    problems.push(format!(
                        "export {name} has signature {got}, ABI §3.2 says {}",
                        sig(params, results)
                    ));
                }
            }
        }
    }
    for (name, _, _) in &exports {
        if name.starts_with("weir_") && !DRIVER_EXPORTS.iter().any(|(n, _, _, _)| n == name) {
            problems.push(format!("export {name} uses the reserved prefix weir_ but is not in ABI §3.2"));
        }
    }
    Ok(problems)
}

/// Panics naming every problem when the module at `path` would be refused by the host.
pub fn assert_module_file(path: impl AsRef<std::path::Path>) {
    let path = path.as_ref();
    let bytes = std::fs::read(path)
        .unwrap_or_else(|e| panic!("{}: {e} (build the module first: ./build.sh)", path.display()));
    let problems = check_module(&bytes);
    assert!(
        problems.is_empty(),
        "{}: the host would refuse it:\n  {}",
        path.display(),
        problems.join("\n  ")
    );
}

#[cfg(test)]
mod tests {
    use super::check_module;

    /// A module with one memory of these limits and no export at all.
    fn with_memory(limits: &[u8]) -> Vec<u8> {
        let mut m = b"\0asm\x01\0\0\0".to_vec();
        m.push(5);
        m.push(1 + limits.len() as u8);
        m.push(1);
        m.extend_from_slice(limits);
        m
    }

    #[test]
    fn memory_rule_is_the_hosts() {
        // No maximum: accepted (the host's cap is its maximum, ABI §9), like the host and Node.
        let p = check_module(&with_memory(&[0, 17]));
        assert!(!p.iter().any(|p| p.contains("maximum") || p.contains("initial")), "{p:?}");
        let p = check_module(&with_memory(&[1, 2, 0x80, 0x08])); // max 1024
        assert!(!p.iter().any(|p| p.contains("maximum")), "{p:?}");
        let p = check_module(&with_memory(&[1, 2, 0x81, 0x08])); // max 1025
        assert!(p.contains(&"memory maximum 1025 pages exceeds 1024".to_string()), "{p:?}");
        let p = check_module(&with_memory(&[0, 0x81, 0x02])); // initial 257
        assert!(p.iter().any(|p| p.starts_with("initial memory 257 pages exceeds")), "{p:?}");
        assert!(p.contains(&"required export weir_layout is missing".to_string()), "{p:?}");
        assert!(p.contains(&"no memory exported as \"memory\"".to_string()), "{p:?}");
        assert_eq!(check_module(b"nope"), vec!["not a WebAssembly 1.0 binary (no \\0asm version 1 header)"]);
    }
}
