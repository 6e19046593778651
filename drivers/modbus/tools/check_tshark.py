#!/usr/bin/env python3
"""Cross-checks the golden vectors against Wireshark's Modbus/TCP and Modbus RTU dissectors (tshark).

Every request (poll/write `expect_hex`, observe `hex`) and every response (`frame` `hex`) that a
vector treats as well-formed is written into a pcap as TCP traffic and decoded by tshark: MBAP
frames on port 502 (mbtcp), RTU frames of vectors whose config says weir.transport=serial on port
5020 decoded as Modbus RTU over TCP (mbrtu, with CRC verification on). The check fails if tshark
flags a frame as malformed or with an expert error (for RTU: a wrong CRC), if its function code,
transaction id or unit (slave) differs, or if, for named (discovery) records, the values tshark
decodes (modbus.regval_uint16 / modbus.bitval) differ from the vector's expectation.

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


MBAP_PORT, RTU_PORT = 502, 5020


def packet(src_port, seq, payload, to_server, server_port=MBAP_PORT):
    ip_src, ip_dst = (b"\x0a\x00\x00\x01", b"\x0a\x00\x00\x02") if to_server else (b"\x0a\x00\x00\x02", b"\x0a\x00\x00\x01")
    sport, dport = (src_port, server_port) if to_server else (server_port, src_port)
    tcp = struct.pack(">HHIIBBHHH", sport, dport, seq, 0, 5 << 4, 0x18, 65535, 0, 0)
    total = 20 + len(tcp) + len(payload)
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, total, 0, 0x4000, 64, 6, 0, ip_src, ip_dst)
    eth = b"\x00\x00\x00\x00\x00\x02" + b"\x00\x00\x00\x00\x00\x01" + b"\x08\x00"
    return eth + ip + tcp + payload


def main(files):
    frames = []  # (payload, to_server, port, seq, expectation, rtu)
    broadcasts = []
    port = 40000
    for f in files:
        doc = json.load(open(f))
        for v in doc["vectors"]:
            port += 1
            rtu = "weir.transport=serial" in v["config"].split("\n")[0]
            cseq = sseq = 1
            pending = None
            for i, s in enumerate(v["steps"]):
                where = "%s: %s: step %d" % (os.path.basename(f), v["name"], i)
                if "expect_error" in s:
                    continue
                if s["call"] in ("poll", "write") and s.get("expect_hex") or s["call"] == "observe":
                    hexs = s.get("expect_hex") or s["hex"]
                    b = bytes.fromhex(hexs)
                    if rtu and b[0] == 0:
                        # Wireshark's mbrtu dissector leaves address 0 (broadcast) undissected.
                        broadcasts.append(where)
                        pending = None
                        continue
                    pending = b
                    frames.append((b, True, port, cseq, (where, "request", None), rtu))
                    cseq += len(b)
                elif s["call"] == "frame" and pending is not None:
                    b = bytes.fromhex(s["hex"])
                    frames.append((b, False, port, sseq, (where, "response", s["expect"], pending), rtu))
                    sseq += len(b)
    with tempfile.TemporaryDirectory() as d:
        pcap = os.path.join(d, "vectors.pcap")
        with open(pcap, "wb") as out:
            out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
            for n, (payload, to_server, p, seq, _, rtu) in enumerate(frames):
                pkt = packet(p, seq, payload, to_server, RTU_PORT if rtu else MBAP_PORT)
                out.write(struct.pack("<IIII", 1700000000 + n, 0, len(pkt), len(pkt)) + pkt)
        fields = ["frame.number", "mbtcp.trans_id", "mbtcp.unit_id", "modbus.func_code", "modbus.regval_uint16",
                  "modbus.bitval", "_ws.malformed", "_ws.expert.severity", "mbrtu.unit_id", "mbrtu.crc16.status"]
        cmd = ["tshark", "-r", pcap, "-d", "tcp.port==%d,mbtcp" % MBAP_PORT, "-d", "tcp.port==%d,mbrtu" % RTU_PORT,
               "-o", "mbrtu.crc_verification:TRUE",
               "-T", "fields", "-E", "separator=|", "-E", "occurrence=a", "-E", "aggregator=,"]
        for fld in fields:
            cmd += ["-e", fld]
        rows = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.splitlines()
    failures = 0
    if len(rows) != len(frames):
        print("tshark decoded %d frames, wrote %d" % (len(rows), len(frames)))
        return 1
    rtu_frames = 0
    for row, (payload, to_server, _, _, exp, rtu) in zip(rows, frames):
        num, tid, unit, fc, regs, bits, malformed, severity, rtu_unit, crc_status = row.split("|")
        where = exp[0]
        problems = []
        if malformed:
            problems.append("malformed")
        # Severity 8388608 = error (Wireshark expert info levels).
        if any(int(x) >= 8388608 for x in severity.split(",") if x):
            problems.append("expert error")
        if rtu:
            rtu_frames += 1
            # Wireshark's proto_checksum status: 1 = good.
            if crc_status != "1":
                problems.append("CRC status %r" % crc_status)
            if tid or not rtu_unit or int(rtu_unit) != payload[0]:
                problems.append("not an RTU frame of slave %d (mbtcp tid %r, mbrtu unit %r)" % (payload[0], tid, rtu_unit))
            if not fc or int(fc) != payload[1] & 0x7F:
                problems.append("function code %s" % fc)
        else:
            want_tid, want_unit = struct.unpack(">H", payload[0:2])[0], payload[6]
            if tid and int(tid) != want_tid or unit and int(unit) != want_unit:
                problems.append("tid/unit %s/%s" % (tid, unit))
            if fc and int(fc) != payload[7] & 0x7F:
                problems.append("function code %s" % fc)
        if exp[1] == "response" and exp[2] and all("name" in r for r in exp[2]):
            want = [r["value"] for r in exp[2] if r["quality"] == "GOOD"]
            if want and isinstance(want[0], bool):
                got = [x == "1" for x in bits.split(",")][: len(want)] if bits else []
            else:
                got = [int(x) for x in regs.split(",")] if regs else []
            if want and got != want:
                problems.append("values: tshark %s, vector %s" % (got, want))
        if problems:
            failures += 1
            print("FAIL frame %s (%s %s): %s" % (num, where, exp[1], "; ".join(problems)))
    print("tshark checked %d frames (%d RTU): %d failed; %d RTU broadcasts not checked (Wireshark's"
          " mbrtu does not dissect address 0)" % (len(frames), rtu_frames, failures, len(broadcasts)))
    return 1 if failures else 0


if __name__ == "__main__":
    files = sys.argv[1:] or sorted(glob.glob(os.path.join(HERE, "..", "vectors", "*.json")))
    sys.exit(main(files))
