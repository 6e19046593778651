// Static checks of a driver module against the module contract of ABI.md §3 — the checks the
// host makes before instantiating: imports only from weir_host_v1 with the right signatures,
// the required exports with their exact signatures, one exported memory of at most 1024 pages
// declared maximum (none declared: the host's cap is its maximum) and at most 256 initial pages.

/** ABI §3.1 imports: name → [params, results]. */
export const HOST_IMPORTS = {
  log: [["i32", "i32", "i32"], []],
  panic: [["i32", "i32"], []],
};

/** ABI §3.2 exports: name → [params, results, required, since]; test/abi-document.test.js checks it. */
export const DRIVER_EXPORTS = {
  weir_abi_v1: [[], [], true, "1.0"],
  weir_abi_version: [[], ["i32"], true, "1.0"],
  weir_layout: [[], ["i32"], true, "1.0"],
  weir_describe: [[], ["i32"], true, "1.0"],
  weir_open: [["i32", "i32", "i64"], ["i32"], true, "1.0"],
  weir_close: [["i32"], ["i32"], true, "1.0"],
  weir_poll: [["i32", "i64"], ["i32"], true, "1.0"],
  weir_frame_len: [["i32", "i32"], ["i32"], true, "1.0"],
  weir_on_frame: [["i32", "i32", "i64"], ["i32"], true, "1.0"],
  weir_on_timeout: [["i32", "i64"], ["i32"], true, "1.0"],
  weir_observe: [["i32", "i32"], ["i32"], false, "1.0"],
  weir_write: [["i32", "i32", "i32", "i64", "i64"], ["i32"], false, "1.0"],
  weir_save_state: [["i32"], ["i32"], false, "1.0"],
  weir_load_state: [["i32", "i32"], ["i32"], false, "1.0"],
  weir_last_error: [["i32"], ["i32"], true, "1.0"],
  weir_gc: [[], [], false, "1.0"],
  weir_host_abi: [["i32"], ["i32"], false, "1.1"],
  weir_link_up: [["i32", "i64"], ["i32"], false, "1.1"],
  weir_frame_end: [["i32", "i32"], ["i32"], false, "1.1"],
  weir_tick: [["i32", "i64"], ["i32"], false, "1.1"],
  // ABI 1.2: the module rule knows it, though this SDK's drivers do not export it (README).
  weir_on_bytes: [["i32", "i32", "i64"], ["i32"], false, "1.2"],
};

const MAX_PAGES = 1024;
/** ABI §9: the host's default memory cap in pages. */
const HOST_CAP_PAGES = 256;
const VALTYPES = { 0x7f: "i32", 0x7e: "i64", 0x7d: "f32", 0x7c: "f64", 0x7b: "v128", 0x70: "funcref", 0x6f: "externref" };

/** Reads the sections the contract is about from the binary (the JS API hides signatures). */
export function readModuleSections(bytes) {
  const b = new Uint8Array(bytes);
  let pos = 8;
  const u32 = () => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = b[pos++];
      result |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result >>> 0;
      shift += 7;
    }
  };
  const name = () => {
    const n = u32();
    const s = new TextDecoder().decode(b.subarray(pos, pos + n));
    pos += n;
    return s;
  };
  const limits = () => {
    const flags = b[pos++];
    const min = u32();
    const max = flags & 1 ? u32() : null;
    return { min, max, shared: (flags & 2) !== 0 };
  };
  const types = [];
  const imports = [];
  const funcs = [];
  const memories = [];
  const exports = [];
  let start = null;
  while (pos < b.length) {
    const id = b[pos++];
    const size = u32();
    const end = pos + size;
    if (id === 1) {
      for (let n = u32(); n > 0; n--) {
        pos++; // 0x60
        const params = [];
        for (let k = u32(); k > 0; k--) params.push(VALTYPES[b[pos++]] ?? "?");
        const results = [];
        for (let k = u32(); k > 0; k--) results.push(VALTYPES[b[pos++]] ?? "?");
        types.push([params, results]);
      }
    } else if (id === 2) {
      for (let n = u32(); n > 0; n--) {
        const module = name();
        const field = name();
        const kind = b[pos++];
        const entry = { module, name: field, kind: ["function", "table", "memory", "global", "tag"][kind] };
        if (kind === 0) {
          entry.type = types[u32()];
          funcs.push(entry.type);
        } else if (kind === 1) {
          pos++;
          limits();
        } else if (kind === 2) {
          entry.limits = limits();
          memories.push(entry.limits);
        } else if (kind === 3) {
          pos += 2;
        } else if (kind === 4) {
          pos++;
          u32();
        }
        imports.push(entry);
      }
    } else if (id === 3) {
      for (let n = u32(); n > 0; n--) funcs.push(types[u32()]);
    } else if (id === 5) {
      for (let n = u32(); n > 0; n--) memories.push(limits());
    } else if (id === 7) {
      for (let n = u32(); n > 0; n--) {
        const field = name();
        const kind = b[pos++];
        const index = u32();
        exports.push({ name: field, kind: ["function", "table", "memory", "global", "tag"][kind], index });
      }
    } else if (id === 8) {
      start = u32();
    }
    pos = end;
  }
  return { types, imports, funcs, memories, exports, start };
}

const sig = ([params, results]) => `(${params.join(", ")}) -> (${results.join(", ")})`;

/** Every way `bytes` breaks ABI §3.1/§3.2, as messages naming the import or export; [] if none. */
export function checkModuleInterface(bytes) {
  const problems = [];
  const m = readModuleSections(bytes);
  for (const imp of m.imports) {
    const want = HOST_IMPORTS[imp.name];
    if (imp.module !== "weir_host_v1" || imp.kind !== "function" || want === undefined) {
      problems.push(`import ${imp.module}.${imp.name} (${imp.kind}) is not one of weir_host_v1.log, weir_host_v1.panic`);
    } else if (sig(imp.type) !== sig(want)) {
      problems.push(`import weir_host_v1.${imp.name} has signature ${sig(imp.type)}, ABI §3.1 says ${sig(want)}`);
    }
  }
  const byName = new Map(m.exports.map((e) => [e.name, e]));
  const memory = byName.get("memory");
  if (!memory || memory.kind !== "memory") problems.push("no memory exported as \"memory\"");
  if (m.memories.length !== 1) problems.push(`${m.memories.length} memories; ABI §3.2 allows exactly one`);
  for (const mem of m.memories) {
    if (mem.shared) problems.push("memory is shared; ABI §3.2 refuses shared memory");
    if (mem.max !== null && mem.max > MAX_PAGES) problems.push(`memory maximum ${mem.max} pages exceeds ${MAX_PAGES}`);
    // ABI §9: a memory without a declared maximum is accepted and runs with the host's cap as its
    // maximum, as the Java host does; a module whose initial memory exceeds the cap is refused.
    if (mem.min > HOST_CAP_PAGES) problems.push(`initial memory ${mem.min} pages exceeds the host's default cap of ${HOST_CAP_PAGES} pages (ABI §9)`);
  }
  for (const [exportName, [params, results, required]] of Object.entries(DRIVER_EXPORTS)) {
    const e = byName.get(exportName);
    if (!e) {
      if (required) problems.push(`required export ${exportName} is missing`);
      continue;
    }
    if (e.kind !== "function") {
      problems.push(`export ${exportName} is a ${e.kind}, not a function`);
      continue;
    }
    const type = m.funcs[e.index];
    if (sig(type) !== sig([params, results])) {
      problems.push(`export ${exportName} has signature ${sig(type)}, ABI §3.2 says ${sig([params, results])}`);
    }
  }
  for (const e of m.exports) {
    if (e.name.startsWith("weir_") && !(e.name in DRIVER_EXPORTS)) {
      problems.push(`export ${e.name} uses the reserved prefix weir_ but is not in ABI §3.2`);
    }
  }
  return problems;
}
