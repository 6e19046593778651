#!/usr/bin/env python3
"""Generates every file of drivers/can-dbc/vectors/ (format: driver-abi/VECTORS.md).

This script is the only source of those files: running it must reproduce the committed JSON byte
for byte, and `--check` proves it does.

Expected values come from the truth published with the files in ../shared/corpus/can, never from
the driver: cantools' own decode expectations (cantools_decode_vectors.truth.jsonl), the values
pretty_j1939's README prints for real truck frames and CSS Electronics' can_decoder tests, and the
J1939-21 byte layouts of TP.CM / TP.DT for the transport vectors. The point lines are made from the
DBC by a small DBC reader here, independent of the host's Java converter (io.weir.host.can.dbc);
DbcPointLinesTest checks that the converter writes the same lines for the same DBCs.

Usage: python3 tools/gen_vectors.py [--check] [CORPUS_DIR]   (default: ../../../shared/corpus from here)
"""
import argparse
import filecmp
import json
import os
import re
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.path.join(HERE, "..", "vectors")
DEFAULT_CORPUS = os.path.join(HERE, "..", "..", "..", "..", "shared", "corpus")
HOST = " weir.transport=can"  # the host key a v1.1 host appends to the device line (ABI §5.1)
SAFE = re.compile(r"[A-Za-z0-9_.+/-]")


# ---------------------------------------------------------------- a small DBC reader
def statements(text):
    """Splits a DBC into statements: BO_ and SG_ lines, and the ';'-terminated ones."""
    out, buf = [], None
    for line in text.splitlines():
        s = line.strip()
        if buf is not None:
            buf += "\n" + line
            if re.search(r';\s*$', _unquoted(buf)):
                out.append(buf.strip())
                buf = None
            continue
        if s.startswith(("BO_ ", "SG_ ")):
            out.append(s)
        elif re.match(r"(CM_|BA_DEF_DEF_|BA_DEF_|BA_|VAL_|SIG_VALTYPE_|SG_MUL_VAL_)\s+\S", s):
            if re.search(r';\s*$', _unquoted(s)):
                out.append(s)
            else:
                buf = line
    return out


def _unquoted(s):
    return re.sub(r'"(?:[^"\\]|\\.)*"', '""', s)


def read_dbc(path):
    text = open(path, encoding="utf-8").read()
    messages, order = {}, []
    current = None
    enums, defaults, msg_attr, global_attr = {}, {}, {}, {}
    valtypes, choices = {}, {}
    for st in statements(text):
        if st.startswith("BO_ "):
            m = re.match(r"BO_ (\d+) (\w+)\s*:\s*(\d+)", st)
            current = {"id": int(m.group(1)), "name": m.group(2), "size": int(m.group(3)), "signals": []}
            messages[current["id"]] = current
            order.append(current["id"])
        elif st.startswith("SG_ "):
            m = re.match(r'SG_ (\w+)\s*(M|m\d+)?\s*:\s*(\d+)\|(\d+)@([01])([+-])\s*\(([^,]+),([^)]+)\)\s*\[([^|]*)\|([^\]]*)\]', st)
            current["signals"].append({"name": m.group(1), "mux": m.group(2), "start": int(m.group(3)),
                                       "len": int(m.group(4)), "motorola": m.group(5) == "0",
                                       "signed": m.group(6) == "-", "factor": m.group(7), "offset": m.group(8),
                                       "min": m.group(9), "max": m.group(10)})
        elif st.startswith("BA_DEF_DEF_ "):
            m = re.match(r'BA_DEF_DEF_\s+"(\w+)"\s+(.*);', st, re.S)
            defaults[m.group(1)] = m.group(2).strip().strip('"')
        elif st.startswith("BA_DEF_ "):
            m = re.match(r'BA_DEF_\s+(?:BO_|SG_|BU_|EV_)?\s*"(\w+)"\s+ENUM\s+(.*);', st, re.S)
            if m:
                enums[m.group(1)] = re.findall(r'"([^"]*)"', m.group(2))
        elif st.startswith("BA_ "):
            m = re.match(r'BA_\s+"(\w+)"\s+BO_\s+(\d+)\s+(.*);', st, re.S)
            if m:
                msg_attr[(m.group(1), int(m.group(2)))] = m.group(3).strip().strip('"')
            else:
                m = re.match(r'BA_\s+"(\w+)"\s+"?([^";]*)"?\s*;', st)
                if m:
                    global_attr[m.group(1)] = m.group(2)
        elif st.startswith("SIG_VALTYPE_ "):
            m = re.match(r"SIG_VALTYPE_\s+(\d+)\s+(\w+)\s*:?\s*(\d)", st)
            valtypes[(int(m.group(1)), m.group(2))] = int(m.group(3))
        elif st.startswith("VAL_ "):
            m = re.match(r'VAL_\s+(\d+)\s+(\w+)\s+(.*);', st, re.S)
            if m:
                choices[(int(m.group(1)), m.group(2))] = [(int(v), l) for v, l in
                                                          re.findall(r'(-?\d+)\s+"([^"]*)"', m.group(3))]

    def attr(name, msg_id):
        v = msg_attr.get((name, msg_id))
        if v is not None and name in enums and v.isdigit():
            return enums[name][int(v)]
        return v if v is not None else defaults.get(name)

    protocol_j1939 = (global_attr.get("ProtocolType") or defaults.get("ProtocolType") or "") == "J1939"
    return [messages[i] for i in order], attr, protocol_j1939, valtypes, choices


def num(text):
    return float(text)


def escape(label):
    return "".join(c if SAFE.match(c) else "".join("%%%02X" % b for b in c.encode("utf-8")) for c in label)


def point_lines(path, extra_device=""):
    """(config text for a v1.1 host, [point names]) as the host's converter writes them."""
    messages, attr, protocol_j1939, valtypes, choices = read_dbc(path)
    lines, names = [], []
    any_j1939 = False
    for msg in messages:
        raw_id = msg["id"]
        ext = bool(raw_id & 0x80000000)
        can_id = raw_id & 0x1FFFFFFF
        frame_format = attr("VFrameFormat", raw_id) or ""
        j1939 = ext and (frame_format == "J1939PG" or protocol_j1939 and frame_format != "ExtendedCAN")
        fd = frame_format.endswith("_FD") or msg["size"] > 8 and not j1939
        sa = can_id & 0xFF
        if j1939:
            any_j1939 = True
            pf = (can_id >> 16) & 0xFF
            pgn = (can_id >> 8) & (0x3FFFF if pf >= 240 else 0x3FF00)
            head = "pgn=%d" % pgn + ("" if sa in (0xFE, 0xFF) else " sa=%d" % sa)
        else:
            head = "id=0x%X" % can_id + (" ext=1" if ext else "")
        head += " size=%d" % msg["size"] + (" fd=1" if fd else "")
        first = len(lines)
        switch = None
        for i, s in enumerate(msg["signals"]):
            if s["mux"] == "M":
                switch = first + i
        for s in msg["signals"]:
            keys = [head, "start=%d" % s["start"], "len=%d" % s["len"]]
            if s["motorola"]:
                keys.append("order=motorola")
            if s["signed"]:
                keys.append("signed=1")
            vt = valtypes.get((raw_id, s["name"]))
            if vt in (1, 2):
                keys.append("float=%d" % (32 if vt == 1 else 64))
            if num(s["factor"]) != 1:
                keys.append("factor=" + s["factor"])
            if num(s["offset"]) != 0:
                keys.append("offset=" + s["offset"])
            if not (num(s["min"]) == 0 and num(s["max"]) == 0):
                keys.append("min=%s max=%s" % (s["min"], s["max"]))
            ch = choices.get((raw_id, s["name"]))
            if ch:
                keys.append("choices=" + ",".join("%d:%s" % (v, escape(l)) for v, l in ch))
            if s["mux"] and s["mux"] != "M":
                keys.append("switch=%d mux=%s" % (switch, s["mux"][1:]))
            lines.append(" ".join(keys))
            names.append("%s.%s" % (msg["name"], s["name"]))
        if j1939 and sa in (0xFE, 0xFF):
            lines.append(head + " field=source")
            names.append("%s.source_address" % msg["name"])
    device = "device" + (" j1939=1" if any_j1939 else "") + extra_device
    text = device + HOST + "\n" + "".join("point %d %s\n" % (i, l) for i, l in enumerate(lines))
    return text, names


# ---------------------------------------------------------------- vectors
def vector(name, source, config, steps):
    return {"name": name, "source": source, "host_abi": "1.1", "expect_abi_version": "1.1",
            "expect_agreed": "1.1", "config": config, "steps": steps}


def candump(can_id, ext, data_hex, fd=False):
    ident = "%08X" % can_id if ext else "%03X" % can_id
    return ident + ("##0" if fd else "#") + data_hex.upper()


def record(point, value, quality="GOOD"):
    if value is None:
        return {"point": point, "type": "null", "value": None, "quality": quality}
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, str):
        return {"point": point, "type": "str", "value": value, "quality": quality}
    if isinstance(value, int):
        return {"point": point, "type": "i64", "value": value, "quality": quality}
    return {"point": point, "type": "f64", "value": value, "quality": quality}


def cantools_vectors(corpus):
    path = os.path.join(corpus, "can", "cantools", "cantools_decode_vectors.truth.jsonl")
    configs = {}
    out, skipped = [], []
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        v = json.loads(line)
        dbc = os.path.join(corpus, "can", "cantools", v["dbc"])
        if dbc not in configs:
            configs[dbc] = point_lines(dbc)
        config, names = configs[dbc]
        exp, frame = v["expected"], v["frame"]
        if frame is None:
            skipped.append((n, "no frame (%s)" % v["input_line"].strip()))
            continue
        data = bytes.fromhex(frame["data_hex"])
        fd = len(data) > 8
        if fd and len(data) not in (12, 16, 20, 24, 32, 48, 64):
            skipped.append((n, "%d data bytes is neither a classic nor a CAN FD frame" % len(data)))
            continue
        can = candump(frame["frame_id"], frame["extended"], frame["data_hex"], fd)
        messages, _, _, _, _ = read_dbc(dbc)
        if "error" in exp:
            if exp["error"].startswith("Unknown frame id"):
                expect, last = [], None
            else:
                msg = [m for m in messages if m["id"] & 0x1FFFFFFF == frame["frame_id"]][0]
                first = names.index("%s.%s" % (msg["name"], msg["signals"][0]["name"]))
                expect = [record(first + i, None, "BAD_PROTOCOL") for i in range(len(msg["signals"]))]
                last = "carries %d data bytes, its DBC message has %d" % (len(data), msg["size"])
        else:
            msg = [m for m in messages if m["name"] == exp["message"]][0]
            expect = []
            for sig in msg["signals"]:
                if sig["name"] not in exp["signals"]:
                    continue  # a multiplexed signal of another mux value
                value = exp["signals"][sig["name"]]
                if isinstance(value, str) and "--prune" in v["options"]:
                    # cantools --prune strips the labels' common prefix; the driver reports the
                    # DBC's label, which ends with the pruned one.
                    _, _, _, _, ch = read_dbc(dbc)
                    full = [l for _, l in ch[(msg["id"], sig["name"])] if l.endswith("_" + value)]
                    assert len(full) == 1, (value, full)
                    value = full[0]
                expect.append(record(names.index("%s.%s" % (msg["name"], sig["name"])), value))
            last = None
        step = {"call": "unsolicited", "can": can, "expect": expect}
        if last:
            step["expect_last_error"] = last
        group = (v["source_test"], v["dbc"], tuple(v["options"]))
        if out and out[-1][0] == group:
            out[-1][2].append(step)
            out[-1][1].append(n)
        else:
            out.append((group, [n], [step], config))
    vectors = []
    for (test, dbc, options), lines, steps, config in out:
        span = "line %d" % lines[0] if len(lines) == 1 else "lines %d-%d" % (lines[0], lines[-1])
        src = "corpus can/cantools/cantools_decode_vectors.truth.jsonl %s (%s, %s, %s)" % (
            span, test, dbc, " ".join(options) or "no options")
        vectors.append(vector("cantools %s: %d frames" % (span, len(steps)), src, config, steps))
    return vectors, skipped


def j1939_vectors(corpus):
    css = os.path.join(corpus, "can", "j1939", "css-electronics", "CSS-Electronics-SAE-J1939-DEMO.dbc")
    config, names = point_lines(css)
    eec1, eec1_sa = names.index("EEC1.EngineSpeed"), names.index("EEC1.source_address")
    ccvs, ccvs_sa = names.index("CCVS1.WheelBasedVehicleSpeed"), names.index("CCVS1.source_address")
    pj = "corpus can/j1939/nmfta-pretty_j1939"
    out = [
        vector("EEC1 engine speed of a real truck (pretty_j1939 prints 649.0 rpm)",
               pj + "/README.upstream.md (candump -L, 2018-11-29) and tests_candump.log line 3; "
               "CSS-Electronics-SAE-J1939-DEMO.dbc EEC1", config,
               [{"call": "unsolicited", "can": "0CF00400#207D87481400F087",
                 "expect": [record(eec1, 649.0), {"point": eec1_sa, "type": "u64", "value": 0, "quality": "GOOD"}]}]),
        vector("EEC1 engine speed from CSS can_decoder's test (599.625 rpm), placeholder SA matches 0xFE",
               "corpus can/j1939/css-electronics/SOURCE.md (CSS-Electronics/can_decoder "
               "tests/test_iterator_manual_j1939.py: 0x0CF004FE 10 7D 82 BD 12 00 F4 82 -> 599.625)", config,
               [{"call": "unsolicited", "can": "0CF004FE#107D82BD1200F482",
                 "expect": [record(eec1, 599.625), {"point": eec1_sa, "type": "u64", "value": 254, "quality": "GOOD"}]}]),
        vector("CCVS1 wheel speed 0xFFFF is J1939 not available, not a number",
               pj + "/README.upstream.md: the truck's CCVS1 frame; pretty_j1939 omits the speed "
               "(raw 0xFFFF), J1939-71 §5.1.4", config,
               [{"call": "unsolicited", "can": "18FEF100#FFFFFFFFFFFFFFFF",
                 "expect": [record(ccvs, None, "BAD"), {"point": ccvs_sa, "type": "u64", "value": 0, "quality": "GOOD"}],
                 "expect_last_error": "not available (raw 0xffff, J1939-71 §5.1.4)"}]),
        vector("CCVS1 wheel speed 0xFE00 is J1939 error",
               "J1939-71 §5.1.4 (2-byte parameter 0xFE00-0xFEFF = error indicator)", config,
               [{"call": "unsolicited", "can": "18FEF100#FF00FEFFFFFFFFFF",
                 "expect": [{"point": ccvs, "type": "u64", "value": 0xFE00, "quality": "BAD_DEVICE"},
                            {"point": ccvs_sa, "type": "u64", "value": 0, "quality": "GOOD"}],
                 "expect_last_error": "the sender reports an error (raw 0xfe00"}]),
        vector("EEC1 at priorities 3, 6 and 7 is the same PGN",
               pj + "/tests_test_priority.log lines 1-3 (no published value: EngineSpeed is bytes 4-5 x 0.125 rpm "
               "per the CSS DBC)", config,
               [{"call": "unsolicited", "can": c,
                 "expect": [record(eec1, 0x4820 * 0.125),
                            {"point": eec1_sa, "type": "u64", "value": 0, "quality": "GOOD"}]}
                for c in ["0CF00400#0041FF20481400F0", "18F00400#0041FF20481400F0", "1CF00400#0041FF20481400F0"]]),
        vector("source=0 keeps frames of other sources out",
               "corpus can/j1939/css-electronics DBC; ABI §5 device key", config.replace("device j1939=1", "device j1939=1 source=0"),
               [{"call": "unsolicited", "can": "0CF004FE#107D82BD1200F482", "expect": []},
                {"call": "unsolicited", "can": "0CF00400#207D87481400F087",
                 "expect": [record(eec1, 649.0), {"point": eec1_sa, "type": "u64", "value": 0, "quality": "GOOD"}]}]),
        vector("a 29-bit message that is not J1939 (id=, ext=1) is matched by its identifier, also with j1939=1",
               "DBC VFrameFormat ExtendedCAN; the CCVS1 frame of " + pj + "/README.upstream.md",
               "device j1939=1" + HOST + "\npoint 0 id=0x18FEF100 ext=1 size=8 start=0 len=8\n"
               "point 1 pgn=65265 size=8 start=0 len=8\n",
               [{"call": "unsolicited", "can": "18FEF100#3CFFFFFFFFFFFFFF",
                 "expect": [record(1, 60), record(0, 60)]},
                {"call": "unsolicited", "can": "18FEF101#3CFFFFFFFFFFFFFF", "expect": [record(1, 60)]}]),
        vector("discovery mode names j1939/PGN/SA", pj + "/tests_candump.log lines 1-3",
               "device j1939=1" + HOST + "\n",
               [{"call": "unsolicited", "can": "10FDA300#FFFF07FFFFFFFFFF",
                 "expect": [{"name": "j1939/64931/0", "type": "bytes", "value": "ffff07ffffffffff", "quality": "GOOD"}]},
                {"call": "unsolicited", "can": "18FEE000#FFFFFFFFB05C6800",
                 "expect": [{"name": "j1939/65248/0", "type": "bytes", "value": "ffffffffb05c6800", "quality": "GOOD"}]},
                {"call": "unsolicited", "can": "0CF00400#207D87481400F087",
                 "expect": [{"name": "j1939/61444/0", "type": "bytes", "value": "207d87481400f087", "quality": "GOOD"}]}]),
    ]
    return out


def nmea2000_vectors(corpus):
    """The sigrok NMEA 2000 snippet: every CRC-valid frame in discovery mode gives its J1939 PGN
    and source address (j1939_derived in the truth) and its data bytes."""
    path = os.path.join(corpus, "can", "nmea2000-sigrok", "nmea2000_fuel_flow_gps_snippet.truth.jsonl")
    steps = []
    first = last = None
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        t = json.loads(line)
        if not t["valid"]:
            continue
        first = first or n
        last = n
        d = t["j1939_derived"]
        steps.append({"call": "unsolicited", "can": candump(t["can_id"], True, t["data_hex"]),
                      "expect": [{"name": "j1939/%d/%d" % (d["pgn"], d["source_address"]), "type": "bytes",
                                  "value": t["data_hex"].lower(), "quality": "GOOD"}]})
    return [vector("NMEA 2000 snippet: %d CRC-valid frames, PGN and SA of each" % len(steps),
                   "corpus can/nmea2000-sigrok/nmea2000_fuel_flow_gps_snippet.truth.jsonl lines %d-%d "
                   "(valid frames; j1939_derived pgn, sa)" % (first, last),
                   "device j1939=1" + HOST + "\n", steps)]


def cm(control, a, b, c, d, pgn):
    return "%02X%02X%02X%02X%02X%02X%02X%02X" % (control, a, b, c, d, pgn & 0xFF, (pgn >> 8) & 0xFF, pgn >> 16)


def transport_vectors(corpus):
    pj = "corpus can/j1939/nmfta-pretty_j1939/tests_test_tp_frames.txt"
    disc = "device j1939=1" + HOST + "\n"
    dm1_point = "device j1939=1" + HOST + "\npoint 0 pgn=65226 size=8 start=16 len=19\n"
    own = "device j1939=1 address=249" + HOST + "\n"
    # An 18-byte message for PGN 65260 (VI, vehicle identification) from SA 0x00 to 249 (0xF9).
    vin = "1FUJGBDV8CLBP8834*"
    vin_hex = vin.encode().hex().upper()
    pk = ["%02X" % (i + 1) + (vin_hex[i * 14:(i + 1) * 14]).ljust(14, "F") for i in range(3)]
    rts = "1CECF900#" + cm(16, 18, 0, 3, 0xFF, 65260)
    cts_id = "1CEC00F9#"
    return [
        vector("BAM of 9 bytes reassembled",
               "J1939-21 §5.10.3.3 (TP.CM control byte 32, BAM, PGN 65226 DM1); the TP.DT frames of " + pj + " lines 2-3",
               disc,
               [{"call": "unsolicited", "can": "18ECFF00#20090002FFCAFE00", "expect": []},
                {"call": "unsolicited", "can": "18EBFF00#0101020304050607", "expect": []},
                {"call": "unsolicited", "can": "18EBFF00#0201020304050607",
                 "expect": [{"name": "j1939/65226/0", "type": "bytes", "value": "010203040506070102", "quality": "GOOD"}]}]),
        vector("RTS to another node is followed by listening, never answered",
               pj + " lines 1-3 (control byte 16, RTS, 9 bytes in 2 packets, PGN 0 to 0xFF as upstream)", disc,
               [{"call": "unsolicited", "can": "18ECFF00#10090002FF000000", "expect": []},
                {"call": "poll", "expect_can": []},
                {"call": "unsolicited", "can": "18EBFF00#0101020304050607", "expect": []},
                {"call": "unsolicited", "can": "18EBFF00#0201020304050607",
                 "expect": [{"name": "j1939/0/0", "type": "bytes", "value": "010203040506070102", "quality": "GOOD"}]}]),
        vector("BAM decoded against a point: DM1 SPN from a 9-byte message",
               pj + " lines 2-3 data; J1939-73 DM1 SPN bits 16-34", dm1_point,
               [{"call": "unsolicited", "can": "18ECFF00#20090002FFCAFE00", "expect": []},
                {"call": "unsolicited", "can": "18EBFF00#0101020304050607", "expect": []},
                {"call": "unsolicited", "can": "18EBFF00#0201020304050607",
                 "expect": [{"point": 0, "type": "i64", "value": int.from_bytes(bytes([3, 4, 5]), "little") & 0x7FFFF, "quality": "GOOD"}]}]),
        vector("BAM with a packet out of sequence is dropped", "J1939-21 §5.10.3.5", disc,
               [{"call": "unsolicited", "can": "18ECFF00#20090002FFCAFE00", "expect": []},
                {"call": "unsolicited", "can": "18EBFF00#0201020304050607", "expect": [],
                 "expect_last_error": "sequence number 2 where 1 was due"},
                {"call": "unsolicited", "can": "18EBFF00#0101020304050607", "expect": []}]),
        vector("BAM times out after T1 (750 ms) without the next packet", "J1939-21 §5.10.2.4 T1", disc,
               [{"call": "unsolicited", "can": "18ECFF00#20090002FFCAFE00", "expect": []},
                {"call": "unsolicited", "can": "18EBFF00#0101020304050607", "expect": []},
                {"call": "tick", "at_ms": 700, "expect": []},
                {"call": "tick", "at_ms": 751, "expect": [], "expect_last_error": "timed out (T1, J1939-21)"},
                {"call": "unsolicited", "at_ms": 760, "can": "18EBFF00#0201020304050607", "expect": []}]),
        vector("RTS to our address: CTS, data, EndOfMsgAck (18-byte VI in 3 packets)",
               "J1939-21 §5.10.3 (RTS 16, CTS 17, EndOfMsgAck 19); PGN 65260 VI", own,
               [{"call": "unsolicited", "can": rts, "expect": [], "expect_frame_flags": ["POLL_NOW"]},
                {"call": "poll", "expect_can": [cts_id + cm(17, 3, 1, 0xFF, 0xFF, 65260)], "expect_response": False},
                {"call": "poll", "expect_can": []},
                {"call": "unsolicited", "can": "1CEBF900#" + pk[0], "expect": [], "expect_frame_flags": []},
                {"call": "unsolicited", "can": "1CEBF900#" + pk[1], "expect": []},
                {"call": "unsolicited", "can": "1CEBF900#" + pk[2],
                 "expect": [{"name": "j1939/65260/0", "type": "bytes", "value": vin.encode().hex(), "quality": "GOOD"}],
                 "expect_frame_flags": ["POLL_NOW"]},
                {"call": "poll", "expect_can": [cts_id + cm(19, 18, 0, 3, 0xFF, 65260)]}]),
        vector("RTS to our address with cts_packets=2: two CTS windows",
               "J1939-21 §5.10.3 (CTS byte 2 = packets, byte 3 = next packet)",
               own.replace("address=249", "address=249 cts_packets=2"),
               [{"call": "unsolicited", "can": rts, "expect": [], "expect_frame_flags": ["POLL_NOW"]},
                {"call": "poll", "expect_can": [cts_id + cm(17, 2, 1, 0xFF, 0xFF, 65260)]},
                {"call": "unsolicited", "can": "1CEBF900#" + pk[0], "expect": [], "expect_frame_flags": []},
                {"call": "unsolicited", "can": "1CEBF900#" + pk[1], "expect": [], "expect_frame_flags": ["POLL_NOW"]},
                {"call": "poll", "expect_can": [cts_id + cm(17, 1, 3, 0xFF, 0xFF, 65260)]},
                {"call": "unsolicited", "can": "1CEBF900#" + pk[2],
                 "expect": [{"name": "j1939/65260/0", "type": "bytes", "value": vin.encode().hex(), "quality": "GOOD"}],
                 "expect_frame_flags": ["POLL_NOW"]},
                {"call": "poll", "expect_can": [cts_id + cm(19, 18, 0, 3, 0xFF, 65260)]}]),
        vector("RTS to our address, a wrong sequence number: Abort reason 7",
               "J1939-21 §5.10.3.5, Table 7 (reason 7 bad sequence number)", own,
               [{"call": "unsolicited", "can": rts, "expect": [], "expect_frame_flags": ["POLL_NOW"]},
                {"call": "poll", "expect_can": [cts_id + cm(17, 3, 1, 0xFF, 0xFF, 65260)]},
                {"call": "unsolicited", "can": "1CEBF900#" + pk[1], "expect": [],
                 "expect_frame_flags": ["POLL_NOW"], "expect_last_error": "sequence number 2 where 1 was due"},
                {"call": "poll", "expect_can": [cts_id + cm(255, 7, 0xFF, 0xFF, 0xFF, 65260)]}]),
        vector("RTS to our address, no data after the CTS: Abort reason 3 after T2 (1250 ms)",
               "J1939-21 §5.10.2.4 T2, Table 7 (reason 3 timeout)", own,
               [{"call": "unsolicited", "can": rts, "expect": [], "expect_frame_flags": ["POLL_NOW"]},
                {"call": "poll", "expect_can": [cts_id + cm(17, 3, 1, 0xFF, 0xFF, 65260)]},
                {"call": "tick", "at_ms": 1249, "expect": []},
                {"call": "poll", "expect_can": []},
                {"call": "tick", "at_ms": 1250, "expect": [], "expect_last_error": "timed out (T2, J1939-21)"},
                {"call": "poll", "expect_can": [cts_id + cm(255, 3, 0xFF, 0xFF, 0xFF, 65260)]}]),
        vector("RTS of more than 1785 bytes to our address: Abort reason 9",
               "J1939-21 Table 7 (reason 9 message size greater than 1785 bytes)", own,
               [{"call": "unsolicited", "can": "1CECF900#" + cm(16, 0x00, 0x08, 0xFF, 0xFF, 65260), "expect": [],
                 "expect_frame_flags": ["POLL_NOW"],
                 "expect_last_error": "2048 bytes in 255 packets is no transport session"},
                {"call": "poll", "expect_can": [cts_id + cm(255, 9, 0xFF, 0xFF, 0xFF, 65260)]}]),
        vector("an Abort from the originator ends the session", "J1939-21 §5.10.3.4 (control byte 255)", own,
               [{"call": "unsolicited", "can": rts, "expect": [], "expect_frame_flags": ["POLL_NOW"]},
                {"call": "poll", "expect_can": [cts_id + cm(17, 3, 1, 0xFF, 0xFF, 65260)]},
                {"call": "unsolicited", "can": "1CECF900#" + cm(255, 2, 0xFF, 0xFF, 0xFF, 65260), "expect": [],
                 "expect_last_error": "aborted by 0x00: reason 2 (system resources were needed for another task)"},
                {"call": "unsolicited", "can": "1CEBF900#" + pk[0], "expect": []},
                {"call": "poll", "expect_can": []}]),
    ]


def frame_vectors(corpus):
    moto = os.path.join(corpus, "can", "cantools", "motohawk.dbc")
    config, names = point_lines(moto)
    d = "device" + HOST + "\n"
    return [
        vector("Motorola (big-endian) signals of motohawk.dbc",
               "cantools examples/hello_world.py on corpus can/cantools/motohawk.dbc: encoded "
               "c001400000000000 = {'Temperature': 250.1, 'AverageRadius': 3.2, 'Enable': 'Enabled'}",
               config,
               [{"call": "unsolicited", "can": "1F0#C001400000000000",
                 "expect": sorted([record(names.index("ExampleMessage.Temperature"), 250.1),
                                   record(names.index("ExampleMessage.AverageRadius"), 3.2),
                                   record(names.index("ExampleMessage.Enable"), "Enabled")],
                                  key=lambda r: r["point"])}]),
        vector("a CAN FD frame padded to the next FD length (10-byte message in 12 bytes)",
               "ISO 11898-1:2015 FD data lengths (ABI §6.4); DBC message of 10 bytes", d +
               "point 0 id=0x123 fd=1 size=10 start=72 len=8\n",
               [{"call": "unsolicited", "can": "123##1" + "00" * 9 + "2A" + "0000", "expect": [record(0, 42)]},
                {"call": "unsolicited", "can": "123##1" + "00" * 9 + "2A" + "00" * 6,
                 "expect": [record(0, None, "BAD_PROTOCOL")],
                 "expect_last_error": "frame 123 carries 16 data bytes, its DBC message has 10 (points 0-0)"}]),
        vector("a frame shorter than its message is an error with words; remote frames are ignored",
               "drivers/can-dbc/README.md (frame length)", d + "point 0 id=0x100 size=4 start=0 len=8\n",
               [{"call": "unsolicited", "can": "100#01", "expect": [record(0, None, "BAD_PROTOCOL")],
                 "expect_last_error": "frame 100 carries 1 data bytes, its DBC message has 4 (points 0-0)"},
                {"call": "unsolicited", "can": "100#R4", "expect": []},
                {"call": "unsolicited", "can": "100#07000000", "expect": [record(0, 7)]}]),
    ]


def config_error_vectors():
    d = "device" + HOST + "\n"
    cases = [
        ("no message key", d + "point 0 size=8 start=0 len=8\n",
         "point 0: missing key \"id\" (a CAN identifier) or \"pgn\" (J1939)"),
        ("pgn without j1939", d + "point 0 pgn=61444 size=8 start=24 len=16\n", "point 0: pgn= needs j1939=1"),
        ("signal beyond the message", d + "point 0 id=0x100 size=2 start=8 len=16\n",
         "point 0: start=8 len=16 (Intel) ends at bit 23 but the message has 2 bytes"),
        ("motorola signal beyond the message", d + "point 0 id=0x100 size=1 start=7 len=9 order=motorola\n",
         "point 0: start=7 len=9 (Motorola) reaches bit 15 but the message has 1 bytes"),
        ("classic message over 8 bytes", d + "point 0 id=0x100 size=12 start=0 len=8\n",
         "point 0: size=12 needs fd=1"),
        ("11-bit id too large", d + "point 0 id=0x800 size=8 start=0 len=8\n",
         "point 0: id=2048 is out of range 0..2047"),
        ("sizes disagree", d + "point 0 id=0x100 size=8 start=0 len=8\npoint 1 id=0x100 size=4 start=8 len=8\n",
         "point 1: size=4, but point 0 of the same message says size=8"),
        ("switch of another message", d + "point 0 id=0x100 size=8 start=0 len=4\n"
         "point 1 id=0x101 size=8 start=8 len=8 switch=0 mux=1\n",
         "point 1: switch=0 is not a point of the same message"),
        ("extended multiplexing", d + "point 0 id=0x100 size=8 start=0 len=4\n"
         "point 1 id=0x100 size=8 start=4 len=4 switch=0 mux=1\npoint 2 id=0x100 size=8 start=8 len=8 switch=1 mux=2\n",
         "point 2: switch=1 is itself multiplexed (extended multiplexing is not supported)"),
        ("bad choices", d + "point 0 id=0x100 size=8 start=0 len=4 choices=1:a,x\n",
         "point 0: choices: \"x\" is not VALUE:LABEL"),
        ("float of wrong length", d + "point 0 id=0x100 size=8 start=0 len=16 float=32\n",
         "point 0: float=32 needs len=32, not 16"),
        ("address without j1939", "device address=249" + HOST + "\n", "device: address= needs j1939=1"),
        ("unknown key", d + "point 0 id=0x100 size=8 start=0 len=8 scale=2\n", "point 0: unknown key \"scale\""),
    ]
    return [{"name": n, "source": "drivers/can-dbc/README.md (point keys)", "host_abi": "1.1", "config": c,
             "expect_open_error": "E_CONFIG", "expect_last_error": e, "steps": []} for n, c, e in cases]


def write(directory, name, vectors):
    with open(os.path.join(directory, name), "w", encoding="utf-8") as f:
        json.dump({"driver": "can-dbc", "vectors": vectors}, f, indent=1, ensure_ascii=False)
        f.write("\n")


def generate(directory, corpus):
    cantools, skipped = cantools_vectors(corpus)
    write(directory, "cantools.json", cantools)
    write(directory, "frames.json", frame_vectors(corpus))
    write(directory, "j1939.json", j1939_vectors(corpus))
    write(directory, "nmea2000.json", nmea2000_vectors(corpus))
    write(directory, "transport.json", transport_vectors(corpus))
    write(directory, "config_errors.json", config_error_vectors())
    return skipped


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true")
    ap.add_argument("corpus", nargs="?", default=DEFAULT_CORPUS)
    a = ap.parse_args()
    if a.check:
        with tempfile.TemporaryDirectory() as tmp:
            generate(tmp, a.corpus)
            names = sorted(set(os.listdir(tmp)) | set(f for f in os.listdir(VECTORS) if f.endswith(".json")))
            bad = [n for n in names if not os.path.exists(os.path.join(VECTORS, n))
                   or not os.path.exists(os.path.join(tmp, n))
                   or not filecmp.cmp(os.path.join(tmp, n), os.path.join(VECTORS, n), shallow=False)]
            for n in bad:
                print("differs: vectors/%s" % n, file=sys.stderr)
            sys.exit(1 if bad else 0)
    skipped = generate(VECTORS, a.corpus)
    for n, why in skipped:
        print("cantools line %d skipped: %s" % (n, why))


if __name__ == "__main__":
    main()
