#!/usr/bin/env python3
"""Cross-checks the golden vectors against Wireshark's TPKT, COTP and S7comm dissectors (tshark).

Every request (poll/write `expect_hex`, observe `hex`) and every response (`frame` `hex`) that a
vector treats as well-formed (no `expect_error`) is written into a pcap as TCP traffic to port
102, one TCP stream per vector, and decoded by tshark. The check fails if tshark flags a frame as
malformed or with an expert error, if its COTP TPDU code, S7 ROSCTR, PDU reference or function
differs from the bytes, or if a COTP CR's called TSAP or CC's destination reference differs. For a
recorded request decoded in discovery mode (named records) the names must be the README's STEP 7
names of the items as tshark decodes them (area, DB, transport size, count, byte.bit or number,
DBREAD areas), and the response's return codes and data (s7comm.data.returncode, s7comm.resp.data)
must be the records' codes and hex values.

Usage: python3 tools/check_tshark.py [vectors/*.json]   (needs tshark; a development check)
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
from gen_vectors import step7_name  # noqa: E402  (the README's naming, written once in Python)


def packet(port, seq, payload, to_server):
    ip_src, ip_dst = (b"\x0a\x00\x00\x01", b"\x0a\x00\x00\x02") if to_server else (b"\x0a\x00\x00\x02", b"\x0a\x00\x00\x01")
    sport, dport = (port, 102) if to_server else (102, port)
    tcp = struct.pack(">HHIIBBHHH", sport, dport, seq, 0, 5 << 4, 0x18, 65535, 0, 0)
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 0, 0x4000, 64, 6, 0, ip_src, ip_dst)
    eth = b"\x00\x00\x00\x00\x00\x02" + b"\x00\x00\x00\x00\x00\x01" + b"\x08\x00"
    return eth + ip + tcp + payload


FIELDS = ["frame.number", "cotp.type", "cotp.destref", "cotp.dst-tsap-bytes", "s7comm.header.rosctr",
          "s7comm.header.pduref", "s7comm.param.func", "s7comm.param.item.area", "s7comm.param.item.db",
          "s7comm.param.item.transp_size", "s7comm.param.item.length", "s7comm.param.item.address.byte",
          "s7comm.param.item.address.bit", "s7comm.param.item.address.number", "s7comm.param.item.dbread.length",
          "s7comm.param.item.dbread.db", "s7comm.param.item.dbread.startaddress", "s7comm.param.item.syntaxid",
          "s7comm.data.returncode", "s7comm.resp.data", "_ws.malformed", "_ws.expert.severity"]


def ints(s):
    return [int(x, 0) for x in s.split(",") if x] if s else []


def main(files):
    frames = []  # (payload, to_server, port, seq, where, kind, expect)
    port = 40000
    for f in files:
        doc = json.load(open(f))
        for v in doc["vectors"]:
            port += 1
            cseq = sseq = 1
            discovery = all(not l.startswith("point") for l in v["config"].splitlines())
            for i, s in enumerate(v["steps"]):
                where = "%s: %s: step %d" % (os.path.basename(f), v["name"], i)
                if "expect_error" in s:
                    continue
                if s["call"] in ("poll", "write") and s.get("expect_hex") or s["call"] == "observe":
                    b = bytes.fromhex(s.get("expect_hex") or s["hex"])
                    frames.append((b, True, port, cseq, where, s["call"], None))
                    cseq += len(b)
                elif s["call"] == "frame":
                    b = bytes.fromhex(s["hex"])
                    frames.append((b, False, port, sseq, where, "frame", s["expect"] if discovery else None))
                    sseq += len(b)
    with tempfile.TemporaryDirectory() as d:
        pcap = os.path.join(d, "vectors.pcap")
        with open(pcap, "wb") as out:
            out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
            for n, (payload, to_server, p, seq, *_rest) in enumerate(frames):
                pkt = packet(p, seq, payload, to_server)
                out.write(struct.pack("<IIII", 1700000000 + n, 0, len(pkt), len(pkt)) + pkt)
        cmd = ["tshark", "-r", pcap, "-T", "fields", "-E", "separator=|", "-E", "occurrence=a", "-E", "aggregator=,"]
        for fld in FIELDS:
            cmd += ["-e", fld]
        rows = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.splitlines()
    if len(rows) != len(frames):
        print("tshark decoded %d frames, wrote %d" % (len(rows), len(frames)))
        return 1
    failures = 0
    names_checked = values_checked = 0
    pending = {}  # port -> names of the observed request's items
    for row, (payload, to_server, p, _, where, kind, expect) in zip(rows, frames):
        (num, ctype, dstref, dtsap, rosctr, pduref, func, area, db, tsize, count, byte, bit, number,
         dblen, dbdb, dbstart, syntax, rcs, data, malformed, severity) = row.split("|")
        problems = []
        if malformed:
            problems.append("malformed")
        if any(int(x) >= 8388608 for x in severity.split(",") if x):  # 8388608 = expert error
            problems.append("expert error")
        code = payload[5] & 0xF0
        if ctype and int(ctype.split(",")[0], 0) != code >> 4:
            problems.append("COTP type %s, bytes say %#x" % (ctype, code))
        if code == 0xE0 and dtsap.replace(":", "") != payload[-2:].hex():
            problems.append("called TSAP %s" % dtsap)
        if code in (0xD0, 0x80) and ints(dstref)[:1] != [struct.unpack(">H", payload[6:8])[0]]:
            problems.append("destination reference %s" % dstref)
        s7 = payload[7:] if code == 0xF0 and payload[6] & 0x80 else b""
        if len(s7) >= 10 and s7[0] == 0x32 and rosctr:
            if ints(rosctr)[:1] != [s7[1]] or ints(pduref)[:1] != [struct.unpack(">H", s7[4:6])[0]]:
                problems.append("ROSCTR/PDU reference %s/%s" % (rosctr, pduref))
            hl = 12 if s7[1] in (2, 3) else 10
            if len(s7) > hl and func and ints(func)[:1] != [s7[hl]]:
                problems.append("function %s" % func)
        if kind == "observe" and func and ints(func)[:1] in ([4], [5]):
            # The README's names of the items as tshark decodes them.
            names, k, a = [], 0, 0
            areas, dbs, sizes, counts = ints(area), ints(db), ints(tsize), ints(count)
            bytes_, bits, numbers = ints(byte), ints(bit), ints(number)
            lens, ddbs, starts = ints(dblen), ints(dbdb), ints(dbstart)
            ai = ti = 0
            for sid in syntax.split(","):
                if int(sid, 0) == 0x10:
                    ar = areas[k]
                    address = numbers[ti] if ar in (0x1C, 0x1D) else bytes_[ai] * 8 + bits[ai]
                    if ar in (0x1C, 0x1D):
                        ti += 1
                    else:
                        ai += 1
                    names.append([step7_name(ar, dbs[k], sizes[k], counts[k], address)])
                    k += 1
                else:
                    names.append([])  # a DBREAD item: its areas are filled in below
            # Fill DBREAD groups from the request bytes (tshark's fields do not say which item an
            # area belongs to).
            at, param = 2, payload[17:17 + struct.unpack(">H", payload[13:15])[0]]
            for g in names:
                spec_len, sid = param[at + 1], param[at + 2]
                if sid == 0xB0:
                    for _ in range(param[at + 3]):
                        n, d, st = lens[a], ddbs[a], starts[a]
                        g.append(step7_name(0x84, d, 0x02, n, st * 8))
                        a += 1
                at += 2 + spec_len
            pending[p] = names
        if kind == "frame" and expect is not None and p in pending and func and ints(func)[:1] == [4]:
            names = pending.pop(p)
            flat = [n for g in names for n in g]
            got = [r.get("name") for r in expect]
            if got != flat:
                problems.append("names: tshark's items %s, vector %s" % (flat, got))
            names_checked += len(flat)
            # Return codes and data per request item (DBREAD items: one code and data for the item).
            codes, datas = ints(rcs), [x for x in data.split(",")] if data else []
            di = 0
            r = 0
            for g, c in zip(names, codes):
                recs = expect[r:r + len(g)]
                r += len(g)
                if len(g) != 1:
                    if c == 255:
                        di += 1
                    continue
                rec = recs[0]
                if c == 255:
                    if rec["quality"] != "GOOD" or rec["value"] != datas[di].replace(":", ""):
                        problems.append("%s: tshark data %s, vector %s" % (g[0], datas[di], rec["value"]))
                    di += 1
                    values_checked += 1
                elif rec["quality"] != "BAD_DEVICE" or rec["value"] != c:
                    problems.append("%s: tshark return code %#x, vector %s" % (g[0], c, rec))
        if problems:
            failures += 1
            print("FAIL frame %s (%s %s): %s" % (num, where, kind, "; ".join(problems)))
    print("tshark checked %d frames (%d item names, %d item values): %d failed"
          % (len(frames), names_checked, values_checked, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    files = sys.argv[1:] or sorted(glob.glob(os.path.join(HERE, "..", "vectors", "*.json")))
    sys.exit(main(files))
