#!/usr/bin/env python3
"""Cross-checks the golden vectors against Wireshark's Modbus/TCP dissector (tshark).

There are no Inovance captures in ../shared/corpus, so every frame of the vectors is built from the
published tables. This script is the independent oracle for those frames: every request a vector
expects the driver to send (poll and write `expect_hex`) and every response it feeds the driver
(`frame` `hex`, unless the step expects an error) is written into one pcap as TCP traffic on port
502, each vector in its own TCP conversation, and decoded by tshark. A frame fails if tshark

- marks it malformed or raises an expert error;
- decodes another function code, transaction id or unit id than the frame carries;
- (read request) decodes a starting address and quantity that do not span exactly the points of
  the vector's config that the request serves, their addresses taken from the element tables
  (TABLES in gen_vectors.py, transcribed from the sources in the README);
- (write request) decodes a reference number other than the table address of the written point;
- (exception response) decodes an exception code other than the BAD_DEVICE value expected;
- (read response) decodes another number of registers or a byte count other than the request's.

Usage: python3 tools/check_tshark.py [vectors/*.json]   (needs tshark; test.sh runs it when found)
"""
import glob
import json
import os
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen_vectors  # noqa: E402  (the tables and the element → address rule)


def packet(src_port, seq, payload, to_server):
    ip_src, ip_dst = (b"\x0a\x00\x00\x01", b"\x0a\x00\x00\x02") if to_server else (b"\x0a\x00\x00\x02", b"\x0a\x00\x00\x01")
    sport, dport = (src_port, 502) if to_server else (502, src_port)
    tcp = struct.pack(">HHIIBBHHH", sport, dport, seq, 0, 5 << 4, 0x18, 65535, 0, 0)
    total = 20 + len(tcp) + len(payload)
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, total, 0, 0x4000, 64, 6, 0, ip_src, ip_dst)
    eth = b"\x00\x00\x00\x00\x00\x02" + b"\x00\x00\x00\x00\x00\x01" + b"\x08\x00"
    return eth + ip + tcp + payload


def locations(config):
    """(fc, address, width) of every point line of a config text, by the tables."""
    lines = config.strip("\n").split("\n")
    device = dict(kv.split("=", 1) for kv in lines[0].split(" ")[1:])
    series = device.get("series")
    out = []
    for line in lines[1:]:
        keys = dict(kv.split("=", 1) for kv in line.split(" ")[2:])
        element = keys["element"].upper()
        t = keys.get("type")
        prefix = "".join(c for c in element if c.isalpha())
        byte_bit = series == "am" and prefix in ("QX", "IX")
        if prefix == "MX" or ("." in element and not byte_bit):
            fc, a = gen_vectors.address(series, element, False)  # a bit of a register
            out.append((fc, a, 1))
            continue
        has_bits = any(p == prefix and fc != gen_vectors.HOLD for p, fc, *_ in gen_vectors.TABLES[series])
        has_words = any(p == prefix and fc == gen_vectors.HOLD for p, fc, *_ in gen_vectors.TABLES[series])
        bits = t == "bool" or (t is None and has_bits and not has_words)
        fc, a = gen_vectors.address(series, element, bits)
        if bits:
            out.append((fc, a, 1))
            continue
        n = int(element[len(prefix):]) if element[len(prefix):].isdigit() else 0
        wide = t in ("u32", "i32", "f32") or prefix == "MD" or (series == "h3u" and prefix == "C" and n >= 200)
        out.append((fc, a, 2 if wide else 1))
    return out


def main(files):
    frames = []  # (payload, to_server, port, seq, where, kind, detail)
    port = 40000
    for f in files:
        doc = json.load(open(f))
        for v in doc["vectors"]:
            if "expect_open_error" in v:
                continue
            port += 1
            cseq = sseq = 1
            pending = None
            config = v["config"]
            for i, s in enumerate(v["steps"]):
                where = "%s › %s › step %d (%s)" % (os.path.basename(f), v["name"], i + 1, s["call"])
                if s["call"] == "open" and "config" in s and "expect_error" not in s:
                    config = s["config"]
                if "expect_error" in s:
                    continue
                if s["call"] in ("poll", "write") and s.get("expect_hex"):
                    b = bytes.fromhex(s["expect_hex"])
                    pending = (b, s)
                    frames.append((b, True, port, cseq, where, "request", (config, s)))
                    cseq += len(b)
                elif s["call"] == "frame" and pending is not None:
                    b = bytes.fromhex(s["hex"])
                    frames.append((b, False, port, sseq, where, "response", (pending[0], s)))
                    sseq += len(b)
    with tempfile.TemporaryDirectory() as d:
        pcap = os.path.join(d, "vectors.pcap")
        with open(pcap, "wb") as out:
            out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
            for n, (payload, to_server, p, seq, *_rest) in enumerate(frames):
                pkt = packet(p, seq, payload, to_server)
                out.write(struct.pack("<IIII", 1700000000 + n, 0, len(pkt), len(pkt)) + pkt)
        fields = ["frame.number", "mbtcp.trans_id", "mbtcp.unit_id", "modbus.func_code", "modbus.reference_num",
                  "modbus.word_cnt", "modbus.bit_cnt", "modbus.byte_cnt", "modbus.regval_uint16",
                  "modbus.exception_code", "_ws.malformed", "_ws.expert.severity"]
        cmd = ["tshark", "-r", pcap, "-d", "tcp.port==502,mbtcp", "-T", "fields", "-E", "separator=|",
               "-E", "occurrence=a", "-E", "aggregator=,"]
        for fld in fields:
            cmd += ["-e", fld]
        rows = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.splitlines()
    if len(rows) != len(frames):
        print("tshark decoded %d frames, wrote %d" % (len(rows), len(frames)))
        return 1
    failures = 0
    for row, (payload, to_server, _, _, where, kind, detail) in zip(rows, frames):
        num, tid, unit, fc, ref, words, bits, bytec, regs, exc, malformed, severity = row.split("|")
        problems = []
        if malformed:
            problems.append("malformed")
        # Severity 8388608 = error (Wireshark expert info levels).
        if any(int(x) >= 8388608 for x in severity.split(",") if x):
            problems.append("expert error")
        want_tid, want_unit, want_fc = struct.unpack(">H", payload[0:2])[0], payload[6], payload[7] & 0x7F
        if not tid or int(tid) != want_tid or not unit or int(unit) != want_unit:
            problems.append("tid/unit %s/%s, frame has %d/%d" % (tid, unit, want_tid, want_unit))
        if not fc or int(fc) != want_fc:
            problems.append("function code %s, frame has %d" % (fc, want_fc))
        if kind == "request" and not problems:
            config, step = detail
            start = int(ref) if ref else -1
            if want_fc in (1, 2, 3):
                count = int(words or bits or -1)
                served = [(a, w) for f, a, w in locations(config) if f == want_fc and start <= a and a + w <= start + count]
                if not served:
                    problems.append("read of %d at %d serves no configured point" % (count, start))
                elif min(a for a, _ in served) != start or max(a + w for a, w in served) != start + count:
                    problems.append("read of %d at %d does not span exactly its points %s" % (count, start, served))
            else:
                fc_, a, w = locations(config)[step["point"]]
                if start != a:
                    problems.append("write to %d, but point %d is at %d by the tables" % (start, step["point"], a))
        if kind == "response" and not problems:
            request, step = detail
            if payload[7] & 0x80:
                want = [r["value"] for r in step["expect"] if r["quality"] == "BAD_DEVICE"]
                if not exc or any(int(exc) != w for w in want):
                    problems.append("exception code %s, vector expects %s" % (exc, want))
            elif want_fc == 3:
                qty = struct.unpack(">H", request[10:12])[0]
                got = len(regs.split(",")) if regs else 0
                if got != qty or int(bytec) != 2 * qty:
                    problems.append("%d registers (byte count %s) for a request of %d" % (got, bytec, qty))
            elif want_fc in (1, 2):
                qty = struct.unpack(">H", request[10:12])[0]
                if int(bytec) != (qty + 7) // 8:
                    problems.append("byte count %s for a request of %d bits" % (bytec, qty))
        if problems:
            failures += 1
            print("FAIL frame %s (%s, %s): %s" % (num, where, kind, "; ".join(problems)))
    print("tshark checked %d frames (%d requests, %d responses): %d failed" % (
        len(frames), sum(1 for f in frames if f[5] == "request"), sum(1 for f in frames if f[5] == "response"), failures))
    return 1 if failures else 0


if __name__ == "__main__":
    files = sys.argv[1:] or sorted(glob.glob(os.path.join(HERE, "..", "vectors", "*.json")))
    sys.exit(main(files))
