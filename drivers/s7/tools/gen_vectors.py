#!/usr/bin/env python3
"""Generates every file of drivers/s7/vectors/ (format: driver-abi/VECTORS.md).

This script is the only source of those files: running it must reproduce the committed JSON byte
for byte, and `--check` proves it does (see the driver README, "Vectors").

Expected bytes and values are computed here with Python's struct module from the byte layouts of
RFC 1006 (TPKT), ISO 8073 (COTP class 0) and S7comm as Wireshark's packet-s7comm.c decodes it,
independently of the Rust driver. Corpus vectors take request/response bytes and returned data
from the tshark-decoded truth files in ../shared/corpus/s7comm/*/*.truth.jsonl (frame numbers in
`source`); tools/check_tshark.py decodes every vector frame with tshark again. Error texts
(`expect_last_error`) are the driver's wording, written out literally.

Usage: python3 tools/gen_vectors.py [--check] [CORPUS_DIR]   (default: ../../../shared/corpus from here)
  --check  generate into a temporary directory, compare with vectors/, exit 1 listing every file
           that differs, is missing or is not generated; vectors/ is left untouched
"""
import argparse
import filecmp
import json
import os
import re
import struct
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.path.join(HERE, "..", "vectors")
DEFAULT_CORPUS = os.path.join(HERE, "..", "..", "..", "..", "shared", "corpus")
CORPUS = DEFAULT_CORPUS  # set from the command line before corpus_vectors() runs

DEV = "device weir.transport=tcp"  # the device line as a v1.1 host passes it (ABI §5.1)


def dev(keys):
    """A device line with the operator's `keys`, the host key last (ABI §5.1)."""
    return "device %s weir.transport=tcp" % keys
CORR_S7 = 0x10000
CORR_COTP = 0x20000

# ---------------------------------------------------------------- wire formats
AREA = {"P": 0x80, "I": 0x81, "Q": 0x82, "M": 0x83, "DB": 0x84, "DI": 0x85, "C": 0x1C, "T": 0x1D}
TS_BIT, TS_BYTE, TS_COUNTER, TS_TIMER = 0x01, 0x02, 0x1C, 0x1D
RC_NAMES = {0x00: "reserved", 0x01: "hardware error", 0x03: "accessing the object not allowed",
            0x05: "invalid address: the address is out of range", 0x06: "data type not supported",
            0x07: "data type inconsistent", 0x0A: "object does not exist"}


def h(b):
    return b.hex()


def tpkt(payload):
    """RFC 1006 §6: version 3, reserved 0, length of the whole packet."""
    return struct.pack(">BBH", 3, 0, len(payload) + 4) + payload


def cotp(code, body):
    """A COTP header: length indicator (bytes after itself), TPDU code, the rest."""
    return bytes([1 + len(body), code]) + body


def cr(src_ref, local=0x0100, remote=0x0101):
    """ISO 8073 §13.3 CR, class 0, parameters TPDU size 1024 (0xC0), calling (0xC1), called (0xC2)."""
    return tpkt(cotp(0xE0, struct.pack(">HHB", 0, src_ref, 0) + bytes([0xC0, 1, 0x0A, 0xC1, 2])
                     + struct.pack(">H", local) + bytes([0xC2, 2]) + struct.pack(">H", remote)))


def cc(dst_ref, src_ref=0x0003, tpdu_code=0x0A, local=0x0100, remote=0x0101):
    params = b"" if tpdu_code is None else bytes([0xC0, 1, tpdu_code])
    params += bytes([0xC1, 2]) + struct.pack(">H", local) + bytes([0xC2, 2]) + struct.pack(">H", remote)
    return tpkt(cotp(0xD0, struct.pack(">HHB", dst_ref, src_ref, 0) + params))


def dr(dst_ref, reason, src_ref=0x0003):
    """ISO 8073 §13.5 DR: destination and source reference, reason."""
    return tpkt(cotp(0x80, struct.pack(">HHB", dst_ref, src_ref, reason)))


def er(dst_ref, cause):
    """ISO 8073 §13.12 ER: destination reference, reject cause."""
    return tpkt(cotp(0x70, struct.pack(">HB", dst_ref, cause)))


def dt(pdu, eot=True):
    """Class 0 DT: LI 2, code 0xF0, EOT bit with TPDU number 0."""
    return tpkt(bytes([2, 0xF0, 0x80 if eot else 0x00]) + pdu)


def job(ref, param, data=b""):
    return struct.pack(">BBHHHH", 0x32, 1, 0, ref, len(param), len(data)) + param + data


def ack_data(ref, param, data=b"", ecls=0, ecode=0, rosctr=3):
    return struct.pack(">BBHHHHBB", 0x32, rosctr, 0, ref, len(param), len(data), ecls, ecode) + param + data


def setup_param(pdu, amq=1):
    return struct.pack(">BBHHH", 0xF0, 0, amq, amq, pdu)


def setup_req(ref, pdu=960):
    return dt(job(ref, setup_param(pdu)))


def setup_rsp(ref, pdu):
    return dt(ack_data(ref, setup_param(pdu)))


def any_item(tsize, count, db, area, address):
    return struct.pack(">BBBBHHB", 0x12, 0x0A, 0x10, tsize, count, db, area) + address.to_bytes(3, "big")


def data_items(items):
    """Data part of a Read Var response or Write Var request: (return code, transport size, bytes)
    each; the length counts bits for transport sizes 3, 4, 5; a fill byte follows odd data that
    another item follows (Wireshark's s7comm_decode_response_read_data)."""
    out = b""
    for i, (rc, ts, payload) in enumerate(items):
        if rc not in (0xFF, 0x00):
            out += struct.pack(">BBH", rc, 0, 0)
            continue
        length = len(payload) * 8 if ts in (3, 4, 5) else len(payload)
        if ts == 3:
            length = 1
        out += struct.pack(">BBH", rc, ts, length) + payload
        if len(payload) % 2 and i + 1 < len(items):
            out += b"\x00"
    return out


def read_req(ref, items):
    return dt(job(ref, bytes([4, len(items)]) + b"".join(items)))


def read_rsp(ref, items):
    return dt(ack_data(ref, bytes([4, len(items)]), data_items(items)))


def write_req(ref, item, ts, payload):
    return dt(job(ref, bytes([5, 1]) + item, data_items([(0x00, ts, payload)])))


def write_rsp(ref, codes):
    return dt(ack_data(ref, bytes([5, len(codes)]), bytes(codes)))


# ---------------------------------------------------------------- STEP 7 addresses (test side)
ADDR = re.compile(r"^(?:DB(\d+)\.DB([XBWD])(\d+)(?:\.(\d))?|([MIQ])([BWD]?)(\d+)(?:\.(\d))?|([TC])(\d+))$")
SIZES = {"BOOL": 1, "BYTE": 1, "CHAR": 1, "SINT": 1, "USINT": 1, "WORD": 2, "INT": 2, "UINT": 2,
         "DWORD": 4, "DINT": 4, "UDINT": 4, "REAL": 4, "LREAL": 8, "TIMER": 2, "COUNTER": 2}


class Pt:
    """A configured point as the vectors see it: area, DB, byte (or timer/counter number), bit, type."""

    def __init__(self, text):
        addr, _, ty = text.partition(":")
        m = ADDR.match(addr)
        assert m, text
        if m.group(1):
            self.area, self.db, letter, self.byte = "DB", int(m.group(1)), m.group(2), int(m.group(3))
            self.bit = int(m.group(4) or 0)
        elif m.group(5):
            self.area, self.db, self.byte, self.bit = m.group(5), 0, int(m.group(7)), int(m.group(8) or 0)
            letter = m.group(6) or "X"
        else:
            self.area, self.db, self.byte, self.bit, letter = m.group(9), 0, int(m.group(10)), 0, "N"
        default = {"X": "BOOL", "B": "BYTE", "W": "WORD", "D": "DWORD",
                   "N": "TIMER" if self.area == "T" else "COUNTER"}[letter]
        self.type = ty or default
        self.text = text

    def size(self):
        if self.type.startswith("STRING"):
            m = re.match(r"STRING\[(\d+)\]", self.type)
            return (int(m.group(1)) if m else 254) + 2
        return SIZES[self.type]

    def item(self, offset=0, length=None):
        """The S7ANY item the driver reads this point (or part) with."""
        if self.area in ("T", "C"):
            return any_item(TS_TIMER if self.area == "T" else TS_COUNTER, 1, 0, AREA[self.area], self.byte)
        if self.type == "BOOL":
            return any_item(TS_BIT, 1, self.db, AREA[self.area], self.byte * 8 + self.bit)
        n = self.size() - offset if length is None else length
        return any_item(TS_BYTE, n, self.db, AREA[self.area], (self.byte + offset) * 8)

    def response(self, payload):
        """The data item a device answers this point's read with."""
        if self.area in ("T", "C"):
            return (0xFF, 0x09, payload)
        return (0xFF, 3 if self.type == "BOOL" else 4, payload)


def config(*points, device=""):
    line = dev(device) if device else DEV
    return line + "\n" + "".join("point %d address=%s\n" % (i, p) for i, p in enumerate(points))


# ---------------------------------------------------------------- expected records
def rec(point, typ, value, quality="GOOD", **extra):
    r = {"point": point, "type": typ, "value": value, "quality": quality}
    r.update(extra)
    return r


def named(name, typ, value, quality="GOOD"):
    return {"name": name, "type": typ, "value": value, "quality": quality}


def status(quality="GOOD", typ="null", value=None):
    return {"device_status": True, "type": typ, "value": value, "quality": quality}


def wres(point, typ, value, quality="GOOD"):
    return rec(point, typ, value, quality, write_result=True)


def bad_comm(n):
    return [rec(i, "null", None, "BAD_COMM") for i in range(n)]


def vector(name, source, cfg, steps, **extra):
    v = {"name": name, "source": source, "config": cfg, "host_abi": "1.1"}
    v.update(extra)
    v["steps"] = steps
    return v


def connect(pdu=240, src=1, ref=1, proposed=960, tpdu=0x0A, at=None):
    """link_up, then the COTP connect and Setup Communication the driver starts every link with."""
    steps = [{"call": "link_up"},
             {"call": "poll", "expect_hex": h(cr(src)), "expect_response": True, "expect_timeout_ms": 5000},
             {"call": "frame_len", "hex": h(cc(src, tpdu_code=tpdu)), "expect_len": len(cc(src, tpdu_code=tpdu)),
              "expect_corr": CORR_COTP | src},
             {"call": "frame", "hex": h(cc(src, tpdu_code=tpdu)), "expect": [], "expect_frame_flags": []},
             {"call": "poll", "expect_hex": h(setup_req(ref, proposed)), "expect_timeout_ms": 5000},
             {"call": "frame_len", "hex": h(setup_rsp(ref, pdu)), "expect_len": len(setup_rsp(ref, pdu)),
              "expect_corr": CORR_S7 | ref},
             {"call": "frame", "hex": h(setup_rsp(ref, pdu)), "expect": [status()]}]
    if at is not None:
        for s in steps:
            s["at_ms"] = at
    return steps


def f32(v):
    return struct.unpack(">f", struct.pack(">f", v))[0]


# ---------------------------------------------------------------- connection setup
COTP_SRC = "RFC 1006 §6 (TPKT); ISO 8073 §13.3/§13.4 (CR, CC class 0, TSAP and TPDU size parameters)"
SETUP_SRC = "S7comm Setup Communication (Wireshark packet-s7comm.c s7comm_decode_pdu_setup_communication)"


def connection_vectors():
    vs = []
    one = config("DB1.DBW0")
    read1 = lambda ref: read_req(ref, [Pt("DB1.DBW0").item()])
    rsp1 = lambda ref, v: read_rsp(ref, [(0xFF, 4, struct.pack(">H", v))])
    vs.append(vector(
        "connect, negotiate PDU 240, read; the next cycle reads again without a new setup",
        COTP_SRC + "; " + SETUP_SRC + "; ABI.md §7.1, §7.9",
        one,
        connect() + [
            {"call": "poll", "expect_hex": h(read1(2)), "expect_timeout_ms": 0},
            {"call": "frame_len", "hex": h(rsp1(2, 500)), "expect_len": len(rsp1(2, 500)), "expect_corr": CORR_S7 | 2},
            {"call": "frame", "hex": h(rsp1(2, 500)), "expect": [rec(0, "u64", 500)]},
            {"call": "poll", "expect_hex": ""},
            {"call": "poll", "expect_hex": h(read1(3))},
            {"call": "frame", "hex": h(rsp1(3, 501)), "expect": [rec(0, "u64", 501)]},
            {"call": "poll", "expect_hex": ""}],
        expect_abi_version="1.1", expect_agreed="1.1"))
    # The CR with every way of naming the CPU's TSAP.
    for name, device, remote, local in (
            ("rack 0 slot 2 (S7-300)", "slot=2", 0x0102, 0x0100),
            ("rack 1 slot 3 (S7-400)", "rack=1 slot=3", 0x0123, 0x0100),
            ("rack 7 slot 31, OP connection", "rack=7 slot=31 connection=op", 0x02FF, 0x0100),
            ("S7 basic connection", "connection=basic", 0x0301, 0x0100),
            ("explicit TSAPs (LOGO!: 02.00 to 03.00)", "local_tsap=0200 remote_tsap=03.00", 0x0300, 0x0200)):
        vs.append(vector(
            "connection request: " + name,
            COTP_SRC + "; called TSAP = connection type (1 PG, 2 OP, 3 basic), rack * 32 + slot (Snap7, libnodave)",
            config("MB0", device=device),
            [{"call": "link_up"}, {"call": "poll", "expect_hex": h(cr(1, local, remote))}]))
    vs.append(vector(
        "the corpus S7-300's connect confirm and setup answer (TPDU 512, PDU 240) are taken",
        "corpus s7comm/iti-ics-security-tools/s7comm_varservice_libnodavedemo.pcap frames 7-10 (tshark): the CPU's CC "
        "(references 0x0001/0x0003, TPDU size 512) and its Setup Communication answer (PDU 240, AmQ 1/1); "
        "the driver's own requests",
        config("MB0", device="slot=2"),
        [{"call": "link_up"},
         {"call": "poll", "expect_hex": h(cr(1, 0x0100, 0x0102))},
         {"call": "frame_len", "hex": "0300001611d00001000300c00109c1020100c2020102", "expect_len": 22,
          "expect_corr": CORR_COTP | 1},
         {"call": "frame", "hex": "0300001611d00001000300c00109c1020100c2020102", "expect": []},
         {"call": "poll", "expect_hex": h(setup_req(1))},
         {"call": "frame", "hex": h(setup_rsp(1, 240)), "expect": [status()]},
         {"call": "poll", "expect_hex": h(read_req(2, [Pt("MB0").item()]))}]))
    # link_up: a reconnect redoes the COTP connect and the setup; the PDU of the new link rules.
    addrs = ["DB1.DBW%d" % (2 * i) for i in range(20)]
    first = [Pt(a).item() for a in addrs[:19]]
    vs.append(vector(
        "link_up after a reconnect redoes COTP connect and Setup Communication; the new PDU replans",
        "ABI.md §7.9 (weir_link_up: a fresh connection, set up again); " + SETUP_SRC,
        config(*addrs),
        connect(pdu=240) + [
            {"call": "poll", "expect_hex": h(read_req(2, first))},
            {"call": "timeout", "at_ms": 4000, "expect": bad_comm(19),
             "expect_last_error": "no response to Read Var (PDU reference 2)"},
            {"call": "link_up", "at_ms": 5000},
            {"call": "poll", "at_ms": 5000, "expect_hex": h(cr(2))},
            {"call": "frame", "hex": h(cc(2)), "expect": []},
            {"call": "poll", "expect_hex": h(setup_req(3))},
            {"call": "frame", "hex": h(setup_rsp(3, 480)), "expect": [status()]},
            {"call": "poll", "expect_hex": h(read_req(4, [Pt(a).item() for a in addrs]))},
            {"call": "frame", "hex": h(read_rsp(4, [(0xFF, 4, struct.pack(">H", i)) for i in range(20)])),
             "expect": [rec(i, "u64", i) for i in range(20)]},
            {"call": "poll", "expect_hex": ""}]))
    vs.append(vector(
        "a second open starts the device afresh: the next link sets up again",
        "ABI.md §2.6 (weir_open of an open handle discards the device's state)",
        one,
        connect() + [
            {"call": "open", "config": config("MW4")},
            {"call": "link_up"},
            {"call": "poll", "expect_hex": h(cr(1))},
            {"call": "frame", "hex": h(cc(1)), "expect": []},
            {"call": "poll", "expect_hex": h(setup_req(1))},
            {"call": "frame", "hex": h(setup_rsp(1, 240)), "expect": [status()]},
            {"call": "poll", "expect_hex": h(read_req(2, [Pt("MW4").item()]))}]))
    vs.append(vector(
        "timeout_ms and setup_timeout_ms go to meta.timeout_ms",
        "ABI.md §7.1 (meta.timeout_ms); driver README (device keys)",
        config("MB0", device="timeout_ms=250 setup_timeout_ms=3000"),
        [{"call": "link_up"},
         {"call": "poll", "expect_hex": h(cr(1)), "expect_timeout_ms": 3000},
         {"call": "frame", "hex": h(cc(1)), "expect": []},
         {"call": "poll", "expect_hex": h(setup_req(1)), "expect_timeout_ms": 3000},
         {"call": "frame", "hex": h(setup_rsp(1, 240)), "expect": [status()]},
         {"call": "poll", "expect_hex": h(read_req(2, [Pt("MB0").item()])), "expect_timeout_ms": 250},
         {"call": "write", "point": 0, "type": "u64", "value": 1, "expect_error": "E_ORDER",
          "expect_last_error": "Read Var (PDU reference 2) is still outstanding"}]))
    vs.append(vector(
        "the proposed PDU length comes from pdu=; a larger answer is taken down to it",
        SETUP_SRC + ": the called side answers at most what the calling side proposed",
        config("MB0", device="pdu=480"),
        [{"call": "link_up"}, {"call": "poll", "expect_hex": h(cr(1))},
         {"call": "frame", "hex": h(cc(1)), "expect": []},
         {"call": "poll", "expect_hex": h(setup_req(1, 480))},
         {"call": "frame", "hex": h(setup_rsp(1, 960)), "expect": [status()]},
         {"call": "save_state", "expect_hex": h(struct.pack("<IBHHH", 1, 2, 480, 1024, 2))}]))
    vs.append(vector(
        "the device refuses the connection with a DR: bad points, device status, the next cycle connects again",
        COTP_SRC + "; ISO 8073 §13.5.3 (DR reason 0x85, protocol error)",
        config("MB0", "MB1", device="slot=2"),
        [{"call": "link_up"},
         {"call": "poll", "expect_hex": h(cr(1, 0x0100, 0x0102))},
         {"call": "frame_len", "hex": h(dr(1, 0x85)), "expect_len": 11, "expect_corr": CORR_COTP | 1},
         {"call": "frame", "hex": h(dr(1, 0x85)),
          "expect": bad_comm(2) + [status("BAD_DEVICE", "u64", 0x85)],
          "expect_last_error": "the device refused the COTP connection to TSAP 01.02 with a disconnect request, "
                               "reason 0x85 (protocol error); check rack and slot (or remote_tsap)"},
         {"call": "poll", "expect_hex": ""},
         {"call": "poll", "at_ms": 1000, "expect_hex": h(cr(2, 0x0100, 0x0102))}]))
    vs.append(vector(
        "no answer to the connection request: BAD_COMM, and the next cycle tries again",
        "ABI.md §7.4; " + COTP_SRC,
        config("MB0"),
        [{"call": "link_up"},
         {"call": "poll", "expect_hex": h(cr(1))},
         {"call": "timeout", "at_ms": 1000, "expect": bad_comm(1) + [status("BAD_COMM")],
          "expect_last_error": "no response to the COTP connection request (reference 0x0001, TSAP 01.01)"},
         {"call": "poll", "expect_hex": ""},
         {"call": "poll", "at_ms": 2000, "expect_hex": h(cr(2))},
         {"call": "frame", "hex": h(cc(2)), "expect": []},
         {"call": "poll", "expect_hex": h(setup_req(1))},
         {"call": "timeout", "at_ms": 3000, "expect": bad_comm(1) + [status("BAD_COMM")],
          "expect_last_error": "no response to Setup Communication (PDU length 960, PDU reference 1)"},
         {"call": "poll", "expect_hex": ""},
         {"call": "poll", "at_ms": 4000, "expect_hex": h(setup_req(2))}]))
    vs.append(vector(
        "Setup Communication refused with a header error",
        SETUP_SRC + "; error class 0x81 code 0x04 (Wireshark param_errcode_names)",
        config("MB0"),
        [{"call": "link_up"}, {"call": "poll", "expect_hex": h(cr(1))},
         {"call": "frame", "hex": h(cc(1)), "expect": []},
         {"call": "poll", "expect_hex": h(setup_req(1))},
         {"call": "frame", "hex": h(dt(ack_data(1, b"", ecls=0x81, ecode=0x04, rosctr=2))),
          "expect": bad_comm(1) + [status("BAD_DEVICE", "u64", 0x8104)],
          "expect_last_error": "Setup Communication (PDU length 960, PDU reference 1) refused: header error class 0x81 "
                               "code 0x04 (application relationship: this service is not implemented on the module or a "
                               "frame error was reported)"},
         {"call": "poll", "expect_hex": ""}]))
    vs.append(vector(
        "a PDU length below 32 bytes is refused",
        SETUP_SRC + "; a Read Var of one item is 24 bytes, a Write Var of one bit 29",
        config("MB0"),
        [{"call": "link_up"}, {"call": "poll", "expect_hex": h(cr(1))},
         {"call": "frame", "hex": h(cc(1)), "expect": []},
         {"call": "poll", "expect_hex": h(setup_req(1))},
         {"call": "frame", "hex": h(setup_rsp(1, 20)), "expect": bad_comm(1) + [status("BAD_DEVICE", "u64", 20)],
          "expect_last_error": "the device offered a PDU of 20 bytes, fewer than the 32 this driver needs"}]))
    vs.append(vector(
        "a connect confirm for another reference does not answer; the right one does",
        COTP_SRC + "; ABI.md §7.3 (the request stays outstanding)",
        config("MB0"),
        [{"call": "link_up"}, {"call": "poll", "expect_hex": h(cr(1))},
         {"call": "frame", "hex": h(cc(7)), "expect_error": "E_PROTO",
          "expect_last_error": "COTP CC for reference 0x0007 does not answer the connection request 0x0001"},
         {"call": "frame", "hex": h(cc(1)), "expect": []},
         {"call": "poll", "expect_hex": h(setup_req(1))},
         {"call": "frame", "hex": h(cc(1)), "expect_error": "E_PROTO",
          "expect_last_error": "a COTP CC arrived while Setup Communication"}]))
    vs.append(vector(
        "a connect confirm without TPDU size means 128 bytes: requests stay within 125",
        "ISO 8073 §13.3.4 b) (default TPDU size 128); 12 + 9 items × 12 = 120 bytes",
        config(*["MW%d" % (2 * i) for i in range(10)]),
        connect(tpdu=None) + [
            {"call": "poll", "expect_hex": h(read_req(2, [Pt("MW%d" % (2 * i)).item() for i in range(9)]))}]))
    vs.append(vector(
        "a COTP ER during a read ends the cycle; the next cycle connects again",
        "ISO 8073 §13.12 (ER, reject cause 0x02 invalid TPDU type)",
        config("MB0", "MB1", device="max_items=1"),
        connect() + [
            {"call": "poll", "expect_hex": h(read_req(2, [Pt("MB0").item()]))},
            {"call": "frame", "hex": h(er(1, 0x02)),
             "expect": [rec(0, "null", None, "BAD_COMM"), rec(1, "null", None, "BAD_COMM"), status("BAD_DEVICE", "u64", 2)],
             "expect_last_error": "the device rejected a TPDU (COTP ER, cause 0x02: invalid TPDU type) while Read Var (PDU reference 2) was outstanding"},
            {"call": "poll", "expect_hex": ""},
            {"call": "poll", "expect_hex": h(cr(2))}]))
    return vs


# ---------------------------------------------------------------- reads of every type
TYPES_SRC = ("S7comm Read Var (Wireshark s7comm_decode_response_read_data); STEP 7 data types: big-endian "
             "integers, IEEE 754 REAL/LREAL, STRING = max length, actual length, characters")


def read_vectors():
    vs = []
    # (address, wire bytes, expected type, expected value)
    cases = [
        ("DB1.DBX0.1", b"\x01", "bool", True),
        ("DB1.DBX0.2", b"\x00", "bool", False),
        ("DB1.DBB3", b"\xfe", "u64", 254),
        ("DB1.DBB4:CHAR", b"A", "str", "A"),
        ("DB1.DBB5:SINT", b"\xfe", "i64", -2),
        ("DB1.DBB6:USINT", b"\xc8", "u64", 200),
        ("DB1.DBW8", struct.pack(">H", 0xa5b8), "u64", 0xa5b8),
        ("DB1.DBW10:INT", struct.pack(">h", -2424), "i64", -2424),
        ("DB1.DBW12:UINT", struct.pack(">H", 65535), "u64", 65535),
        ("DB1.DBD14", struct.pack(">I", 0xfcde88b8), "u64", 0xfcde88b8),
        ("DB1.DBD18:DINT", struct.pack(">i", -242442424), "i64", -242442424),
        ("DB1.DBD22:UDINT", struct.pack(">I", 4000000000), "u64", 4000000000),
        ("DB1.DBD26:REAL", struct.pack(">f", 3.14159274), "f64", f32(3.14159274)),
        ("DB1.DBB30:LREAL", struct.pack(">d", -9876.54321), "f64", -9876.54321),
        ("MW200", struct.pack(">H", 500), "u64", 500),
        ("MB10", b"\x2a", "u64", 42),
        ("MD20:REAL", struct.pack(">f", -1.5), "f64", -1.5),
        ("M0.0", b"\x01", "bool", True),
        ("I0.0", b"\x00", "bool", False),
        ("IB2", b"\x81", "u64", 0x81),
        ("Q0.7", b"\x01", "bool", True),
        ("QW4:INT", struct.pack(">h", 1000), "i64", 1000),
        ("T5", b"\x25\x04", "f64", 504.0),
        ("T6", b"\x12\x50", "f64", 25.0),
        ("C3", b"\x00\x11", "u64", 11),
    ]
    pts = [Pt(a) for a, _, _, _ in cases]
    # PDU 480, max_items 20: the first 20 in one request, the other 5 in the next.
    groups = [range(0, 20), range(20, len(cases))]
    steps = connect(pdu=480, proposed=480)
    ref = 2
    for g in groups:
        steps.append({"call": "poll", "expect_hex": h(read_req(ref, [pts[i].item() for i in g]))})
        steps.append({"call": "frame", "hex": h(read_rsp(ref, [pts[i].response(cases[i][1]) for i in g])),
                      "expect": [rec(i, cases[i][2], cases[i][3]) for i in g]})
        ref += 1
    steps.append({"call": "poll", "expect_hex": ""})
    vs.append(vector("every type in DB, M, I, Q, T and C in one cycle", TYPES_SRC + "; S7 timer word: time base in "
                     "bits 12-13 (10 ms, 100 ms, 1 s, 10 s), three BCD digits; counter: three BCD digits",
                     config(*[a for a, _, _, _ in cases], device="pdu=480"), steps))
    vs.append(vector(
        "the type key gives the type as the :TYPE suffix does",
        "driver README (point keys)",
        DEV + "\npoint 0 address=DB2.DBD0 type=real\npoint 1 address=DB2.DBW4 type=INT\n",
        connect() + [
            {"call": "poll", "expect_hex": h(read_req(2, [Pt("DB2.DBD0").item(), Pt("DB2.DBW4").item()]))},
            {"call": "frame", "hex": h(read_rsp(2, [(0xFF, 4, struct.pack(">f", 0.5)), (0xFF, 4, struct.pack(">h", -7))])),
             "expect": [rec(0, "f64", 0.5), rec(1, "i64", -7)]}]))
    vs.append(vector(
        "typed transport sizes in the answer are taken (REAL in bytes, INT in bits, octet string)",
        "corpus s7comm/iti-ics-security-tools/wincc_s300_setup-alarm-read-write.pcapng frame 9: data transport sizes "
        "3 (bit), 7 (REAL, length in bytes), 4 (length in bits) as an S7-300 answers",
        config("DB1.DBX2.0", "DB1.DBD8:REAL", "DB1.DBD4", "DB1.DBW0"),
        connect() + [
            {"call": "poll", "expect_hex": h(read_req(2, [Pt(a).item() for a in ("DB1.DBX2.0", "DB1.DBD8:REAL", "DB1.DBD4", "DB1.DBW0")]))},
            {"call": "frame", "hex": h(dt(ack_data(2, bytes([4, 4]), bytes.fromhex("ff0300010100ff070004aabbccddff040020feadbeefff040010babe")))),
             "expect": [rec(0, "bool", True), rec(1, "f64", struct.unpack(">f", bytes.fromhex("aabbccdd"))[0]),
                        rec(2, "u64", 0xfeadbeef), rec(3, "u64", 0xbabe)]}]))
    return vs


# ---------------------------------------------------------------- the plan and the PDU length
PLAN_SRC = ("Read Var request: 12 bytes + 12 per item; Ack_Data: 14 bytes + per item 4, its data and a fill byte "
            "after odd data that another item follows (Wireshark packet-s7comm.c)")


def plan_vectors():
    vs = []
    words = ["DB1.DBW%d" % (2 * i) for i in range(40)]
    pts = [Pt(a) for a in words]
    steps = connect(pdu=240, proposed=960)
    ref = 2
    for g in (range(0, 19), range(19, 38), range(38, 40)):
        steps.append({"call": "poll", "expect_hex": h(read_req(ref, [pts[i].item() for i in g]))})
        steps.append({"call": "frame", "hex": h(read_rsp(ref, [(0xFF, 4, struct.pack(">H", 1000 + i)) for i in g])),
                      "expect": [rec(i, "u64", 1000 + i) for i in g]})
        ref += 1
    steps.append({"call": "poll", "expect_hex": ""})
    vs.append(vector("40 words at PDU 240: 19 + 19 + 2 items (the request is full at 12 + 19 × 12 = 240)",
                     PLAN_SRC + "; corpus apache-plc4x/manual-test-capture.pcapng reads 19 items per request at PDU 240",
                     config(*words, device="max_items=255"), steps))
    # The response bounds: 3 × STRING[100] (102 bytes each) at PDU 240: 14 + 106 + 106 = 226; the third waits.
    s = [Pt("DB3.DBB%d:STRING[100]" % (200 * i)) for i in range(3)]
    text = lambda i: bytes([100, 3]) + ("s%02d" % i).encode() + bytes(97)
    vs.append(vector(
        "three STRING[100] at PDU 240: the response holds two",
        PLAN_SRC, config(*[p.text for p in s]),
        connect() + [
            {"call": "poll", "expect_hex": h(read_req(2, [s[0].item(), s[1].item()]))},
            {"call": "frame", "hex": h(read_rsp(2, [s[0].response(text(0)), s[1].response(text(1))])),
             "expect": [rec(0, "str", "s00"), rec(1, "str", "s01")]},
            {"call": "poll", "expect_hex": h(read_req(3, [s[2].item()]))},
            {"call": "frame", "hex": h(read_rsp(3, [s[2].response(text(2))])), "expect": [rec(2, "str", "s02")]},
            {"call": "poll", "expect_hex": ""}]))
    # A value larger than a response: STRING[254] (256 bytes) at PDU 240 after a word: 216 + 40 bytes.
    w, big, b = Pt("MW0"), Pt("DB1.DBB0:STRING[254]"), Pt("MB7")
    value = bytes([254, 250]) + bytes((65 + i % 26) for i in range(250)) + bytes(4)
    vs.append(vector(
        "a STRING[254] larger than the PDU is read in two parts and joined",
        PLAN_SRC + "; 240 - 14 - 6 (the word's item) - 4 = 216 bytes of the string in the first response",
        config("MW0", "DB1.DBB0:STRING[254]", "MB7"),
        connect() + [
            {"call": "poll", "expect_hex": h(read_req(2, [w.item(), big.item(0, 216)]))},
            {"call": "frame", "hex": h(read_rsp(2, [(0xFF, 4, b"\x00\x07"), (0xFF, 4, value[:216])])),
             "expect": [rec(0, "u64", 7)]},
            {"call": "poll", "expect_hex": h(read_req(3, [big.item(216, 40), b.item()]))},
            {"call": "frame", "hex": h(read_rsp(3, [(0xFF, 4, value[216:]), (0xFF, 4, b"\x09")])),
             "expect": [rec(1, "str", "".join(chr(65 + i % 26) for i in range(250))), rec(2, "u64", 9)]},
            {"call": "poll", "expect_hex": ""}]))
    vs.append(vector(
        "a part that fails fails its point when the last part comes",
        PLAN_SRC + "; item return code 0x05",
        config("DB1.DBB0:STRING[254]"),
        connect() + [
            {"call": "poll", "expect_hex": h(read_req(2, [big.item(0, 222)]))},
            {"call": "frame", "hex": h(read_rsp(2, [(0x05, 0, b"")])), "expect": []},
            {"call": "poll", "expect_hex": h(read_req(3, [big.item(222, 34)]))},
            {"call": "frame", "hex": h(read_rsp(3, [(0xFF, 4, bytes(34))])),
             "expect": [rec(0, "u64", 5, "BAD_DEVICE")],
             "expect_last_error": "point 0 (DB1.DBB0:STRING[254]): item return code 0x05 (invalid address: the address is out of range)"}]))
    # PDU 64: 64 - 18 = 46 bytes per response; STRING[50] (52 bytes) reads in 46 + 6.
    s50 = Pt("DB9.DBB0:STRING[50]")
    val = bytes([50, 5]) + b"hello" + bytes(45)
    vs.append(vector(
        "PDU 64 (a small device): STRING[50] reads in 46 + 6 bytes",
        PLAN_SRC + "; 64 - 14 - 4 = 46",
        config("DB9.DBB0:STRING[50]", device="pdu=64"),
        connect(pdu=64, proposed=64) + [
            {"call": "poll", "expect_hex": h(read_req(2, [s50.item(0, 46)]))},
            {"call": "frame", "hex": h(read_rsp(2, [(0xFF, 4, val[:46])])), "expect": []},
            {"call": "poll", "expect_hex": h(read_req(3, [s50.item(46, 6)]))},
            {"call": "frame", "hex": h(read_rsp(3, [(0xFF, 4, val[46:])])), "expect": [rec(0, "str", "hello")]}]))
    bits = ["M0.%d" % i for i in range(8)]
    vs.append(vector(
        "max_items=3 bounds the items of a request",
        "driver README (device keys)",
        config(*bits, device="max_items=3"),
        connect() + [
            {"call": "poll", "expect_hex": h(read_req(2, [Pt(a).item() for a in bits[0:3]]))},
            {"call": "frame", "hex": h(read_rsp(2, [(0xFF, 3, b"\x01")] * 3)), "expect": [rec(i, "bool", True) for i in range(3)]},
            {"call": "poll", "expect_hex": h(read_req(3, [Pt(a).item() for a in bits[3:6]]))}]))
    # Odd data: 19 bytes at PDU 240: 14 + 19 × 5 + 18 fill bytes = 127, so 19 fit; at PDU 100 the
    # response allows 14 + 5 + (1 + 5) × k ≤ 100 → 14 items, and the request 12 + 12 × 7 = 96 → 7.
    bytes_ = ["MB%d" % i for i in range(19)]
    vs.append(vector(
        "the request bounds single bytes at PDU 100: 7 items of 12 bytes",
        PLAN_SRC,
        config(*bytes_, device="pdu=100"),
        connect(pdu=100, proposed=100) + [
            {"call": "poll", "expect_hex": h(read_req(2, [Pt(a).item() for a in bytes_[0:7]]))},
            {"call": "frame", "hex": h(read_rsp(2, [(0xFF, 4, bytes([i])) for i in range(7)])),
             "expect": [rec(i, "u64", i) for i in range(7)]},
            {"call": "poll", "expect_hex": h(read_req(3, [Pt(a).item() for a in bytes_[7:14]]))}]))
    # A request bound by the response: 4 × LREAL at PDU 64 (64 - 14 = 50 = 4 + 8 + 4 + 8 + … → 4 fit:
    # 14 + 4 × 12 = 62), the fifth goes to the next request.
    lreals = ["DB2.DBB%d:LREAL" % (8 * i) for i in range(5)]
    vs.append(vector(
        "the response bounds 8-byte values at PDU 64: 4 per request",
        PLAN_SRC + "; 14 + 4 × (4 + 8) = 62 ≤ 64, a fifth would make 74",
        config(*lreals, device="pdu=64"),
        connect(pdu=64, proposed=64) + [
            {"call": "poll", "expect_hex": h(read_req(2, [Pt(a).item() for a in lreals[0:4]]))},
            {"call": "frame", "hex": h(read_rsp(2, [(0xFF, 4, struct.pack(">d", i + 0.25)) for i in range(4)])),
             "expect": [rec(i, "f64", i + 0.25) for i in range(4)]},
            {"call": "poll", "expect_hex": h(read_req(3, [Pt(lreals[4]).item()]))}]))
    return vs


# ---------------------------------------------------------------- strings
STRING_SRC = "STEP 7 STRING[n]: byte 0 the declared maximum, byte 1 the actual length, then n characters (ISO 8859-1)"


def string_vectors():
    s10, c = Pt("DB5.DBB0:STRING[10]"), Pt("DB5.DBB20:CHAR")
    vs = [vector(
        "STRING and CHAR read as text; characters are ISO 8859-1",
        STRING_SRC, config(s10.text, c.text, "DB5.DBB30:STRING[4]", "DB5.DBB40:STRING[4]"),
        connect() + [
            {"call": "poll", "expect_hex": h(read_req(2, [s10.item(), c.item(), Pt("DB5.DBB30:STRING[4]").item(),
                                                          Pt("DB5.DBB40:STRING[4]").item()]))},
            {"call": "frame", "hex": h(read_rsp(2, [(0xFF, 4, bytes([10, 5]) + "Größe".encode("latin-1") + bytes(5)),
                                                    (0xFF, 4, b"\xb5"),
                                                    (0xFF, 4, bytes([4, 0, 0x41, 0x42, 0x43, 0x44])),
                                                    (0xFF, 4, bytes([10, 6, 0x41, 0x42, 0x43, 0x44]))])),
             "expect": [rec(0, "str", "Größe"), rec(1, "str", "µ"), rec(2, "str", ""), rec(3, "null", None, "BAD_PROTOCOL")],
             "expect_last_error": "point 3 (DB5.DBB40:STRING[4]): STRING actual length 6 is longer than the 4 characters "
                                  "configured (declared maximum in the PLC: 10)"}]),
    ]
    vs.append(vector(
        "a STRING write sends the actual length and the characters from byte + 1",
        STRING_SRC + "; S7comm Write Var (item BYTE × 1 + length, data transport size 4, length in bits)",
        config(s10.text),
        connect() + [
            {"call": "write", "point": 0, "type": "str", "value": "Größe",
             "expect_hex": h(write_req(2, any_item(TS_BYTE, 6, 5, 0x84, 8), 4, b"\x05" + "Größe".encode("latin-1")))},
            {"call": "frame", "hex": h(write_rsp(2, [0xFF])), "expect": [wres(0, "str", "Größe")]},
            {"call": "write", "point": 0, "type": "str", "value": "",
             "expect_hex": h(write_req(3, any_item(TS_BYTE, 1, 5, 0x84, 8), 4, b"\x00"))},
            {"call": "frame", "hex": h(write_rsp(3, [0xFF])), "expect": [wres(0, "str", "")]},
            {"call": "write", "point": 0, "type": "str", "value": "eleven char", "expect_error": "E_INVAL",
             "expect_last_error": "point 0 (DB5.DBB0:STRING[10]): a text of 11 characters does not fit STRING[10]"},
            {"call": "write", "point": 0, "type": "str", "value": "€", "expect_error": "E_INVAL",
             "expect_last_error": "is not in ISO 8859-1, the character set of S7 strings"},
            {"call": "write", "point": 0, "type": "i64", "value": 3, "expect_error": "E_INVAL",
             "expect_last_error": "STRING takes a text, got the integer 3"}]))
    c1 = Pt("MB9:CHAR")
    vs.append(vector(
        "a CHAR write takes one character",
        STRING_SRC, config(c1.text),
        connect() + [
            {"call": "write", "point": 0, "type": "str", "value": "x",
             "expect_hex": h(write_req(2, any_item(TS_BYTE, 1, 0, 0x83, 72), 4, b"x"))},
            {"call": "frame", "hex": h(write_rsp(2, [0xFF])), "expect": [wres(0, "str", "x")]},
            {"call": "write", "point": 0, "type": "str", "value": "xy", "expect_error": "E_INVAL",
             "expect_last_error": "CHAR takes a text of one character, got the text \"xy\""}]))
    big = Pt("DB1.DBB0:STRING[254]")
    vs.append(vector(
        "a STRING write larger than one Write Var is refused, naming the limit",
        STRING_SRC + "; Write Var: 12 + 12 + 4 + data ≤ PDU",
        config(big.text),
        connect() + [
            {"call": "write", "point": 0, "type": "str", "value": "a" * 230, "expect_error": "E_INVAL",
             "expect_last_error": "point 0 (DB1.DBB0:STRING[254]): 231 bytes do not fit one Write Var: the negotiated PDU "
                                  "of 240 bytes carries at most 212"},
            {"call": "write", "point": 0, "type": "str", "value": "a" * 211,
             "expect_hex": h(write_req(2, any_item(TS_BYTE, 212, 1, 0x84, 8), 4, bytes([211]) + b"a" * 211))}]))
    return vs


# ---------------------------------------------------------------- writes
WRITE_SRC = ("S7comm Write Var (Wireshark packet-s7comm.c: item, data item with return code 0x00, data transport "
             "size 3 (bit) or 4 (bytes, length in bits)); ABI.md §7.6, §6.3")


def write_vectors():
    vs = []
    cases = [  # (address, ABI type, value, item, data transport size, data, confirmed type, confirmed value)
        ("DB1.DBX0.1", "bool", True, any_item(TS_BIT, 1, 1, 0x84, 1), 3, b"\x01", "bool", True),
        ("M1.1", "bool", False, any_item(TS_BIT, 1, 0, 0x83, 9), 3, b"\x00", "bool", False),
        ("Q0.0", "i64", 1, any_item(TS_BIT, 1, 0, 0x82, 0), 3, b"\x01", "bool", True),
        ("DB1.DBB3", "u64", 200, any_item(TS_BYTE, 1, 1, 0x84, 24), 4, b"\xc8", "u64", 200),
        ("DB1.DBB4:SINT", "i64", -100, any_item(TS_BYTE, 1, 1, 0x84, 32), 4, b"\x9c", "i64", -100),
        ("DB1.DBW6", "u64", 0xBEEF, any_item(TS_BYTE, 2, 1, 0x84, 48), 4, b"\xbe\xef", "u64", 0xBEEF),
        ("DB1.DBW8:INT", "i64", -2424, any_item(TS_BYTE, 2, 1, 0x84, 64), 4, struct.pack(">h", -2424), "i64", -2424),
        ("MW200:INT", "f64", 42.0, any_item(TS_BYTE, 2, 0, 0x83, 1600), 4, struct.pack(">h", 42), "i64", 42),
        ("DB1.DBD12", "u64", 0xFEADBEEF, any_item(TS_BYTE, 4, 1, 0x84, 96), 4, struct.pack(">I", 0xFEADBEEF), "u64", 0xFEADBEEF),
        ("DB1.DBD16:DINT", "i64", -242442424, any_item(TS_BYTE, 4, 1, 0x84, 128), 4, struct.pack(">i", -242442424), "i64", -242442424),
        ("MD0:REAL", "f64", 1.1, any_item(TS_BYTE, 4, 0, 0x83, 0), 4, struct.pack(">f", 1.1), "f64", f32(1.1)),
        ("MD4:REAL", "i64", 3, any_item(TS_BYTE, 4, 0, 0x83, 32), 4, struct.pack(">f", 3.0), "f64", 3.0),
        ("DB1.DBB20:LREAL", "f64", -9876.54321, any_item(TS_BYTE, 8, 1, 0x84, 160), 4, struct.pack(">d", -9876.54321), "f64", -9876.54321),
        ("QW4:UINT", "u64", 65535, any_item(TS_BYTE, 2, 0, 0x82, 32), 4, b"\xff\xff", "u64", 65535),
        ("IB2", "u64", 7, any_item(TS_BYTE, 1, 0, 0x81, 16), 4, b"\x07", "u64", 7),
    ]
    steps = connect()
    for i, (a, t, v, item, ts, data, ct, cv) in enumerate(cases):
        ref = 2 + i
        steps.append({"call": "write", "point": i, "type": t, "value": v,
                      "expect_hex": h(write_req(ref, item, ts, data)), "expect_response": True})
        if i == 0:
            steps.append({"call": "frame_len", "hex": h(write_rsp(ref, [0xFF])), "expect_len": 22,
                          "expect_corr": CORR_S7 | ref})
        steps.append({"call": "frame", "hex": h(write_rsp(ref, [0xFF])), "expect": [wres(i, ct, cv)]})
    vs.append(vector("a write of every type, each confirmed", WRITE_SRC, config(*[c[0] for c in cases]), steps))
    one = config("DB1.DBW2", "T1", "MB0")
    vs.append(vector(
        "writes the device refuses, and writes this driver refuses",
        WRITE_SRC + "; item return code 0x05 and header error 0x85 0x00 (Wireshark's names)",
        one,
        [{"call": "write", "point": 0, "type": "u64", "value": 1, "expect_error": "E_ORDER",
          "expect_last_error": "point 0 (DB1.DBW2): the S7 connection is not set up yet"}]
        + connect() + [
            {"call": "write", "point": 0, "type": "u64", "value": 500,
             "expect_hex": h(write_req(2, any_item(TS_BYTE, 2, 1, 0x84, 16), 4, b"\x01\xf4"))},
            {"call": "frame", "hex": h(write_rsp(2, [0x05])), "expect": [wres(0, "u64", 5, "BAD_DEVICE")],
             "expect_last_error": "point 0 (DB1.DBW2): write refused with item return code 0x05 (invalid address: the address is out of range)"},
            {"call": "write", "point": 0, "type": "u64", "value": 500,
             "expect_hex": h(write_req(3, any_item(TS_BYTE, 2, 1, 0x84, 16), 4, b"\x01\xf4"))},
            {"call": "frame", "hex": h(dt(ack_data(3, bytes([5, 1]), b""))),
             "expect_error": "E_PROTO",
             "expect_last_error": "Write Var response with parameter 0501 and 0 data bytes does not answer one item"},
            {"call": "frame", "hex": h(dt(ack_data(3, b"", ecls=0x85, ecode=0x00, rosctr=2))),
             "expect": [wres(0, "u64", 0x8500, "BAD_DEVICE")],
             "expect_last_error": "point 0 (DB1.DBW2): Write Var (PDU reference 3) refused: header error class 0x85 code 0x00 "
                                  "(error on supplies: S7 protocol error: wrong frames)"},
            {"call": "write", "point": 1, "type": "u64", "value": 1, "expect_error": "E_UNSUPPORTED",
             "expect_last_error": "point 1 (T1): timers and counters are read-only in this driver"},
            {"call": "write", "point": 0, "type": "u64", "value": 65536, "expect_error": "E_INVAL",
             "expect_last_error": "point 0 (DB1.DBW2): 65536 is outside the range of WORD (0..65535)"},
            {"call": "write", "point": 0, "type": "f64", "value": 1.5, "expect_error": "E_INVAL",
             "expect_last_error": "WORD takes an integer, got the number 1.5"},
            {"call": "write", "point": 0, "type": "str", "value": "1", "expect_error": "E_INVAL",
             "expect_last_error": "WORD takes an integer, got the text \"1\""},
            {"call": "write", "point": 3, "type": "u64", "value": 1, "expect_error": "E_INVAL",
             "expect_last_error": "point 3 is not in the point map (3 points)"},
            {"call": "write", "point": 2, "type": "u64", "value": 1,
             "expect_hex": h(write_req(4, any_item(TS_BYTE, 1, 0, 0x83, 0), 4, b"\x01"))},
            {"call": "write", "point": 2, "type": "u64", "value": 2, "expect_error": "E_ORDER",
             "expect_last_error": "Write Var (PDU reference 4) is still outstanding"},
            {"call": "timeout", "expect": [wres(2, "null", None, "BAD_COMM")],
             "expect_last_error": "point 2 (MB0): no response to Write Var (PDU reference 4)"}]))
    vs.append(vector(
        "a write between two reads of a cycle",
        WRITE_SRC + "; ABI.md §7.6 (the host writes between two cycle requests)",
        config("MB0", "MB1", device="max_items=1"),
        connect() + [
            {"call": "poll", "expect_hex": h(read_req(2, [Pt("MB0").item()]))},
            {"call": "frame", "hex": h(read_rsp(2, [(0xFF, 4, b"\x01")])), "expect": [rec(0, "u64", 1)]},
            {"call": "write", "point": 0, "type": "u64", "value": 9,
             "expect_hex": h(write_req(3, any_item(TS_BYTE, 1, 0, 0x83, 0), 4, b"\x09"))},
            {"call": "frame", "hex": h(write_rsp(3, [0xFF])), "expect": [wres(0, "u64", 9)]},
            {"call": "poll", "expect_hex": h(read_req(4, [Pt("MB1").item()]))},
            {"call": "frame", "hex": h(read_rsp(4, [(0xFF, 4, b"\x02")])), "expect": [rec(1, "u64", 2)]},
            {"call": "poll", "expect_hex": ""}]))
    return vs


# ---------------------------------------------------------------- errors
ERR_SRC = "S7comm item return codes and header errors (Wireshark s7comm_item_return_valuenames, errcls_names, param_errcode_names)"


def error_vectors():
    vs = []
    pts = ["DB1.DBW0", "DB99.DBW0", "DB1.DBW9998", "M0.0", "T0", "MB0"]
    items = [Pt(a).item() for a in pts]
    answer = [(0xFF, 4, b"\x01\xf4"), (0x0A, 0, b""), (0x05, 0, b""), (0x06, 0, b""), (0x03, 0, b""), (0x01, 0, b"")]
    vs.append(vector(
        "item return codes become BAD_DEVICE points that name the code in words",
        ERR_SRC + "; corpus cisagov-icsnpp-s7comm/s7ident.pcap frame 32 (0x0a items are 4-byte headers)",
        config(*pts),
        connect() + [
            {"call": "poll", "expect_hex": h(read_req(2, items))},
            {"call": "frame", "hex": h(read_rsp(2, answer)),
             "expect": [rec(0, "u64", 500), rec(1, "u64", 10, "BAD_DEVICE"), rec(2, "u64", 5, "BAD_DEVICE"),
                        rec(3, "u64", 6, "BAD_DEVICE"), rec(4, "u64", 3, "BAD_DEVICE"), rec(5, "u64", 1, "BAD_DEVICE")],
             "expect_last_error": "point 1 (DB99.DBW0): item return code 0x0a (object does not exist); "
                                  "point 2 (DB1.DBW9998): item return code 0x05 (invalid address: the address is out of range); "
                                  "point 3 (M0.0): item return code 0x06 (data type not supported); "
                                  "point 4 (T0): item return code 0x03 (accessing the object not allowed); "
                                  "point 5 (MB0): item return code 0x01 (hardware error)"}]))
    two = config("DB1.DBW0", "MB0")
    req2 = h(read_req(2, [Pt("DB1.DBW0").item(), Pt("MB0").item()]))
    vs.append(vector(
        "a header error fails every point of the request",
        ERR_SRC + "; an Ack_Data with error class 0x87 code 0x01",
        two,
        connect() + [
            {"call": "poll", "expect_hex": req2},
            {"call": "frame", "hex": h(dt(ack_data(2, bytes([4, 0]), b"", ecls=0x87, ecode=0x01))),
             "expect": [rec(0, "u64", 0x8701, "BAD_DEVICE"), rec(1, "u64", 0x8701, "BAD_DEVICE")],
             "expect_last_error": "point 0 (DB1.DBW0): Read Var (PDU reference 2) refused: header error class 0x87 code 0x01 "
                                  "(access error: error addressing the object on the communications partner (for example, area length error))"},
            {"call": "poll", "expect_hex": ""}]))
    vs.append(vector(
        "an Ack with a header error that Wireshark has no words for names its class",
        ERR_SRC + "; corpus cisagov-icsnpp-s7comm/s7ident.pcap frame 21 (an Ack with error 0xd2 0x41)",
        two,
        connect() + [
            {"call": "poll", "expect_hex": req2},
            {"call": "frame", "hex": h(dt(ack_data(2, b"", ecls=0xd2, ecode=0x41, rosctr=2))),
             "expect": [rec(0, "u64", 0xd241, "BAD_DEVICE"), rec(1, "u64", 0xd241, "BAD_DEVICE")],
             "expect_last_error": "header error class 0xd2 code 0x41 (unknown error class)"}]))
    good = h(read_rsp(2, [(0xFF, 4, b"\x00\x01"), (0xFF, 4, b"\x02")]))
    vs.append(vector(
        "frames that do not answer the request are E_PROTO; the request stays outstanding",
        ERR_SRC + "; ABI.md §7.3",
        two,
        connect() + [
            {"call": "poll", "expect_hex": req2},
            {"call": "frame", "hex": h(read_rsp(7, [(0xFF, 4, b"\x00\x01"), (0xFF, 4, b"\x02")])), "expect_error": "E_PROTO",
             "expect_last_error": "PDU reference 7 does not match the outstanding request's 2"},
            {"call": "frame", "hex": h(read_rsp(2, [(0xFF, 4, b"\x00\x01")])), "expect_error": "E_PROTO",
             "expect_last_error": "Read Var response parameter 0401 does not answer 2 items"},
            {"call": "frame", "hex": h(dt(ack_data(2, bytes([5, 2]), b"\xff\xff"))), "expect_error": "E_PROTO",
             "expect_last_error": "the Ack_Data's function 0x05 does not answer Read Var (PDU reference 2)"},
            {"call": "frame", "hex": h(dt(ack_data(2, bytes([4, 2]), bytes.fromhex("ff040010000100")))), "expect_error": "E_PROTO",
             "expect_last_error": "data item 2 of 2 is missing"},
            {"call": "frame", "hex": h(dt(ack_data(2, bytes([4, 2]), bytes.fromhex("ff04001000") ))), "expect_error": "E_PROTO",
             "expect_last_error": "data item 1 of 2 announces 2 bytes, 1 are left in the data part"},
            {"call": "frame", "hex": "0300001402f08033030000000200020005000004", "expect_error": "E_PROTO",
             "expect_last_error": "protocol id 0x33 is not S7comm (0x32)"},
            {"call": "frame", "hex": h(dt(ack_data(2, bytes([4, 2]), b"") + b"\x00")), "expect_error": "E_PROTO",
             "expect_last_error": "S7 header says 12 + 2 + 0 bytes (header, parameter, data), the PDU has 15"},
            {"call": "frame", "hex": h(dt(job(2, bytes([4, 0])))), "expect_error": "E_PROTO",
             "expect_last_error": "S7 Job PDU (ROSCTR 0x01) from the device where an Ack_Data was expected"},
            {"call": "frame", "hex": h(dt(ack_data(2, b"", rosctr=2))), "expect_error": "E_PROTO",
             "expect_last_error": "an Ack without data or error answers Read Var (PDU reference 2)"},
            {"call": "frame", "hex": "0300000803f08000", "expect_error": "E_PROTO",
             "expect_last_error": "COTP DT with length indicator 3, class 0 has 2"},
            {"call": "frame", "hex": "0300000802f08032", "expect_error": "E_PROTO",
             "expect_last_error": "S7 PDU of 1 bytes is shorter than its 10-byte header"},
            {"call": "frame", "hex": h(cr(9)), "expect_error": "E_PROTO",
             "expect_last_error": "the device sent a COTP connection request"},
            {"call": "frame", "hex": "0300000b07c00001000300", "expect_error": "E_PROTO",
             "expect_last_error": "COTP length indicator 7 does not fit a 11-byte frame"},
            {"call": "frame", "hex": good, "expect": [rec(0, "u64", 1), rec(1, "u64", 2)]},
            {"call": "frame", "hex": good, "expect_error": "E_ORDER",
             "expect_last_error": "a frame arrived but no request is outstanding"}]))
    ud = bytes.fromhex("0300002602f080320700000001000c0009000112081284020100000000ff0900050200090100")
    vs.append(vector(
        "a Userdata PDU while a read is outstanding is not the answer",
        "corpus s7comm/iti-ics-security-tools/wincc_s300_setup-alarm-read-write.pcapng frame 10 (tshark: Userdata from "
        "the CPU, PDU reference 1); S7 CPUs send Userdata (alarms, cyclic data) on their own; ABI.md §7.3 NOT_ANSWER",
        two,
        connect() + [
            {"call": "poll", "expect_hex": req2},
            {"call": "frame_len", "hex": h(ud), "expect_len": len(ud), "expect_corr": CORR_S7 | 1},
            {"call": "frame", "hex": h(ud), "expect": [], "expect_frame_flags": ["NOT_ANSWER"]},
            {"call": "frame", "hex": good, "expect": [rec(0, "u64", 1), rec(1, "u64", 2)], "expect_frame_flags": []}]))
    # A response in two COTP DT segments (a device that negotiated a smaller TPDU): the first has no
    # EOT and is not the answer; the second completes the S7 PDU.
    whole = ack_data(2, bytes([4, 2]), data_items([(0xFF, 4, b"\x00\x01"), (0xFF, 4, b"\x02")]))
    seg1, seg2 = dt(whole[:10], eot=False), dt(whole[10:])
    vs.append(vector(
        "a response in two COTP segments is joined",
        "ISO 8073 §13.7 (DT, EOT on the last TPDU of a user data unit)",
        two,
        connect() + [
            {"call": "poll", "expect_hex": req2},
            {"call": "frame_len", "hex": h(seg1), "expect_len": len(seg1), "expect_corr": CORR_S7 | 2},
            {"call": "frame", "hex": h(seg1), "expect": [], "expect_frame_flags": ["NOT_ANSWER"]},
            {"call": "frame", "hex": h(seg2), "expect": [rec(0, "u64", 1), rec(1, "u64", 2)]}]))
    vs.append(vector(
        "a timeout fails the request's points; the next request goes on",
        "ABI.md §7.4",
        config("MB0", "MB1", device="max_items=1"),
        connect() + [
            {"call": "poll", "expect_hex": h(read_req(2, [Pt("MB0").item()]))},
            {"call": "timeout", "at_ms": 1000, "expect": [rec(0, "null", None, "BAD_COMM")],
             "expect_last_error": "point 0 (MB0): no response to Read Var (PDU reference 2)"},
            {"call": "poll", "expect_hex": h(read_req(3, [Pt("MB1").item()]))},
            {"call": "frame", "hex": h(read_rsp(3, [(0xFF, 4, b"\x05")])), "expect": [rec(1, "u64", 5)]},
            {"call": "timeout", "expect_error": "E_ORDER", "expect_last_error": "timeout but no request is outstanding"}]))
    vs.append(vector(
        "the device disconnects during a read: the rest of the cycle is BAD_COMM",
        "ISO 8073 §13.5 (DR, reason 0x80 normal disconnect); ABI.md §7.9",
        config("MB0", "MB1", "MB2", device="max_items=1"),
        connect() + [
            {"call": "poll", "expect_hex": h(read_req(2, [Pt("MB0").item()]))},
            {"call": "frame", "hex": h(read_rsp(2, [(0xFF, 4, b"\x05")])), "expect": [rec(0, "u64", 5)]},
            {"call": "poll", "expect_hex": h(read_req(3, [Pt("MB1").item()]))},
            {"call": "frame", "hex": h(dr(1, 0x80)),
             "expect": [rec(1, "null", None, "BAD_COMM"), rec(2, "null", None, "BAD_COMM"), status("BAD_DEVICE", "u64", 0x80)],
             "expect_last_error": "the device disconnected (COTP DR, reason 0x80: normal disconnect initiated by session entity) "
                                  "while Read Var (PDU reference 3) was outstanding"},
            {"call": "poll", "expect_hex": ""},
            {"call": "poll", "expect_hex": h(cr(2))}]))
    return vs


# ---------------------------------------------------------------- replay (weir_observe)
OBS_SRC = "ABI.md §7.5 (weir_observe), §6.2 (named records), §7.12 (correlation keys)"
DISC = DEV + "\n"


def dbread_item(areas):
    """Wireshark's s7comm_syntaxid_dbread: 0x12, length 2 + 5n, syntax 0xB0, n, then per area its
    length (1 byte), DB number and start address (2 bytes each)."""
    body = bytes([0xB0, len(areas)]) + b"".join(struct.pack(">BHH", n, db, st) for n, db, st in areas)
    return bytes([0x12, len(body)]) + body


def observe_vectors():
    vs = []
    items = [any_item(0x04, 1, 1, 0x84, 16), any_item(0x01, 1, 1, 0x84, 17), any_item(0x02, 64, 1, 0x84, 0),
             any_item(0x08, 1, 0, 0x83, 160), any_item(0x02, 2, 0, 0x81, 0), any_item(0x1D, 1, 0, 0x1D, 5),
             any_item(0x1C, 8, 0, 0x1C, 0), any_item(0x02, 1, 7, 0x84, 0)]
    data = [(0xFF, 4, b"\x01\xf4"), (0xFF, 3, b"\x01"), (0xFF, 4, bytes(range(64))), (0xFF, 7, b"\x3f\x80\x00\x00"),
            (0xFF, 4, b"\x81\x00"), (0xFF, 9, b"\x25\x04"), (0xFF, 9, bytes(16)), (0x0A, 0, b"")]
    req, rsp = read_req(0x1234, items), read_rsp(0x1234, data)
    vs.append(vector(
        "discovery: every item named in STEP 7 syntax with its data as hex; an item error is a bad record",
        OBS_SRC + "; STEP 7 addresses and ANY pointers (P#DB1.DBX0.0 BYTE 64)",
        DISC,
        [{"call": "observe", "hex": h(req), "expect_corr": CORR_S7 | 0x1234},
         {"call": "frame_len", "hex": h(rsp), "expect_len": len(rsp), "expect_corr": CORR_S7 | 0x1234},
         {"call": "frame", "hex": h(rsp),
          "expect": [named("DB1.DBW2", "str", "01f4"), named("DB1.DBX2.1", "str", "01"),
                     named("P#DB1.DBX0.0 BYTE 64", "str", h(bytes(range(64)))), named("MD20", "str", "3f800000"),
                     named("P#I0.0 BYTE 2", "str", "8100"), named("T5", "str", "2504"),
                     named("P#C0 COUNTER 8", "str", "00" * 16), named("DB7.DBB0", "u64", 10, "BAD_DEVICE")],
          "expect_last_error": "DB7.DBB0: item return code 0x0a (object does not exist)"}]))
    one = dbread_item([(4, 5, 10), (1, 6, 0)])
    dreq = dt(job(9, bytes([4, 1]) + one))
    coded = dt(ack_data(9, bytes([4, 1]), data_items([(0xFF, 9, b"\xff\x01\x02\x03\x04\x0a\x00")])))
    plain = dt(ack_data(9, bytes([4, 1]), data_items([(0xFF, 9, b"\x01\x02\x03\x04\x2a")])))
    odd = dt(ack_data(9, bytes([4, 1]), data_items([(0xFF, 9, b"\x01\x02\x03")])))
    dbread_src = (OBS_SRC + "; WinCC's DBREAD item (syntax id 0xb0, Wireshark s7comm_syntaxid_dbread); the answer's layout "
                  "is not documented: a return code before each area (CISA ICSNPP S7comm's parser) or the areas back to back")
    vs.append(vector(
        "discovery: a DBREAD item with a return code before each area",
        dbread_src, DISC,
        [{"call": "observe", "hex": h(dreq), "expect_corr": CORR_S7 | 9},
         {"call": "frame", "hex": h(coded),
          "expect": [named("P#DB5.DBX10.0 BYTE 4", "str", "01020304"), named("DB6.DBB0", "u64", 10, "BAD_DEVICE")],
          "expect_last_error": "DB6.DBB0: item return code 0x0a (object does not exist)"}]))
    vs.append(vector(
        "discovery: a DBREAD item with the areas back to back",
        dbread_src, DISC,
        [{"call": "observe", "hex": h(dreq)},
         {"call": "frame", "hex": h(plain),
          "expect": [named("P#DB5.DBX10.0 BYTE 4", "str", "01020304"), named("DB6.DBB0", "str", "2a")]}]))
    vs.append(vector(
        "discovery: DBREAD data of neither layout is a bad record per area",
        dbread_src, DISC,
        [{"call": "observe", "hex": h(dreq)},
         {"call": "frame", "hex": h(odd),
          "expect": [named("P#DB5.DBX10.0 BYTE 4", "null", None, "BAD_PROTOCOL"), named("DB6.DBB0", "null", None, "BAD_PROTOCOL")],
          "expect_last_error": "P#DB5.DBX10.0 BYTE 4: DBREAD data of 3 bytes fits neither 5 bytes of 2 areas nor 7 with a return code each"}]))
    # With a point map: the configured points inside the recorded items are decoded.
    cfg = config("DB1.DBW2:INT", "DB1.DBX0.3", "MD20:REAL", "T5", "DB5.DBW12:INT", "DB1.DBB60", "MB0")
    mreq = dt(job(3, bytes([4, 4]) + any_item(0x02, 64, 1, 0x84, 0) + any_item(0x08, 1, 0, 0x83, 160)
                  + any_item(0x1D, 2, 0, 0x1D, 4) + dbread_item([(8, 5, 10)])))
    block = struct.pack(">BBh", 0x08, 0, -5) + bytes(56) + b"\x07" + bytes(3)
    mrsp = dt(ack_data(3, bytes([4, 4]), data_items([(0xFF, 4, block), (0xFF, 7, struct.pack(">f", 2.5)),
                                                     (0xFF, 9, b"\x00\x00\x25\x04"), (0xFF, 9, b"\xff" + bytes(2) + struct.pack(">h", 321) + bytes(4))])))
    vs.append(vector(
        "with a point map: the points inside recorded items are decoded, the others left out",
        OBS_SRC + "; ABI.md §7.5 (a point map decodes the configured points a recorded request covers)",
        cfg,
        [{"call": "observe", "hex": h(mreq)},
         {"call": "frame", "hex": h(mrsp),
          "expect": [rec(0, "i64", -5), rec(1, "bool", True), rec(2, "f64", 2.5), rec(3, "f64", 504.0), rec(4, "i64", 321),
                     rec(5, "u64", 7)]}]))
    vs.append(vector(
        "with a point map: a recorded read that covers no point is refused",
        OBS_SRC, config("MB100"),
        [{"call": "observe", "hex": h(read_req(1, [any_item(0x02, 4, 0, 0x83, 0)])), "expect_error": "E_UNSUPPORTED",
          "expect_last_error": "recorded Read Var of 1 items covers no configured point"}]))
    wreq = dt(job(4, bytes([5, 2]) + any_item(0x02, 4, 0, 0x83, 0) + any_item(0x01, 1, 0, 0x83, 9),
                  data_items([(0, 4, struct.pack(">f", 1.1)), (0, 3, b"\x01")])))
    vs.append(vector(
        "with a point map: a recorded Write Var gives write results with the written values",
        OBS_SRC + "; ABI.md §6.3 (WRITE_RESULT on records of an adopted write)",
        config("MD0:REAL", "M1.1", "MB50"),
        [{"call": "observe", "hex": h(wreq), "expect_corr": CORR_S7 | 4},
         {"call": "frame", "hex": h(write_rsp(4, [0xFF, 0x03])),
          "expect": [wres(0, "f64", f32(1.1)), wres(1, "u64", 3, "BAD_DEVICE")],
          "expect_last_error": "point 1 (M1.1): write refused with item return code 0x03 (accessing the object not allowed)"}]))
    vs.append(vector(
        "discovery: a recorded Write Var is checked but gives no records (the SDK has no named write results)",
        OBS_SRC + "; ABI.md §6.3", DISC,
        [{"call": "observe", "hex": h(wreq)},
         {"call": "frame", "hex": h(write_rsp(4, [0xFF])), "expect_error": "E_PROTO",
          "expect_last_error": "Write Var response with parameter 0501 and 1 data bytes does not answer 2 items"},
         {"call": "frame", "hex": h(write_rsp(4, [0xFF, 0xFF])), "expect": []}]))
    vs.append(vector(
        "discovery: no answer to a recorded read gives BAD_COMM for each item",
        OBS_SRC + "; ABI.md §7.4", DISC,
        [{"call": "observe", "hex": h(read_req(5, [any_item(0x04, 1, 1, 0x84, 16), any_item(0x01, 1, 0, 0x82, 3)]))},
         {"call": "timeout", "expect": [named("DB1.DBW2", "null", None, "BAD_COMM"), named("Q0.3", "null", None, "BAD_COMM")],
          "expect_last_error": "no response to Read Var of 2 items (PDU reference 5)"}]))
    vs.append(vector(
        "a recorded connect and setup are followed through",
        OBS_SRC + "; " + COTP_SRC + "; " + SETUP_SRC, DISC,
        [{"call": "observe", "hex": h(cr(0x44, 0x0100, 0x0102)), "expect_corr": CORR_COTP | 0x44},
         {"call": "frame_len", "hex": h(cc(0x44)), "expect_len": 22, "expect_corr": CORR_COTP | 0x44},
         {"call": "frame", "hex": h(cc(0x44)), "expect": []},
         {"call": "observe", "hex": h(dt(job(0xffff, setup_param(1920)))), "expect_corr": CORR_S7 | 0xffff},
         {"call": "frame", "hex": h(dt(ack_data(0xffff, setup_param(240)))), "expect": [status()]},
         {"call": "observe", "hex": h(cr(0x45)), "expect_corr": CORR_COTP | 0x45},
         {"call": "frame", "hex": h(dr(0x45, 0x03)), "expect": [status("BAD_DEVICE", "u64", 3)],
          "expect_last_error": "reason 0x03 (address unknown)"}]))
    refusals = [
        ("a Userdata request (corpus snap7_s300_everything.pcapng frame 3, an SZL read)",
         bytes.fromhex("0300002102f080320700000100000800080001120411440100ff09000400110000"), "E_UNSUPPORTED",
         "recorded Userdata PDU (SZL, alarms, cyclic data) is not decoded by this driver"),
        ("a Start upload job (corpus cisagov-icsnpp-s7comm/s7ident.pcap frame 20)",
         bytes.fromhex("0300002302f080320100000600001200001d00000000000000095f3042303030303041"), "E_UNSUPPORTED",
         "recorded Job function 0x1d (Start upload) is not Setup Communication, Read Var or Write Var"),
        ("an S7-1200 symbolic item", dt(job(7, bytes([0x04, 0x01, 0x12, 14, 0xB2]) + bytes(13))), "E_UNSUPPORTED",
         "item 1 of 1 uses syntax id 0xb2 (1200SYM) with length 14"),
        ("an Ack_Data", read_rsp(8, [(0xFF, 4, b"\x00")]), "E_PROTO", "recorded frame is an S7 Ack_Data PDU, not a Job"),
        ("a connect confirm", cc(1), "E_UNSUPPORTED", "recorded frame is a COTP CC (connection confirm), not a request"),
        ("a segment without EOT", dt(job(9, bytes([4, 0])), eot=False), "E_UNSUPPORTED", "segmented requests are not decoded"),
        ("a truncated item", dt(job(10, bytes([4, 1]) + any_item(0x02, 1, 0, 0x83, 0)[:8])), "E_PROTO",
         "recorded request: item 1 of 1 is not a variable specification"),
        ("not TPKT", b"\x04\x00\x00\x07\x02\xf0\x80", "E_PROTO", "recorded request: not a TPKT frame"),
    ]
    for name, frame, err, text in refusals:
        vs.append(vector("observe refuses " + name, OBS_SRC, DISC,
                         [{"call": "observe", "hex": h(frame), "expect_error": err, "expect_last_error": text}]))
    return vs


# ---------------------------------------------------------------- hot-swap state
SWAP_SRC = ("ABI.md §7.7 (a driver that negotiates at link up keeps what it negotiated, never a position inside a "
            "cycle); driver README (state: schema 1, phase, PDU length, TPDU size, next PDU reference)")


def state_payload(phase, pdu, tpdu, next_ref, schema=1):
    return h(struct.pack("<IBHHH", schema, phase, pdu, tpdu, next_ref))


def state_vectors():
    cfg = config("DB1.DBW0", "MB4")
    req = lambda ref: h(read_req(ref, [Pt("DB1.DBW0").item(), Pt("MB4").item()]))
    rsp = lambda ref, v: h(read_rsp(ref, [(0xFF, 4, struct.pack(">H", v)), (0xFF, 4, b"\x01")]))
    cycle = lambda ref, v: [{"call": "poll", "expect_hex": req(ref)},
                            {"call": "frame", "hex": rsp(ref, v), "expect": [rec(0, "u64", v), rec(1, "u64", 1)]},
                            {"call": "poll", "expect_hex": ""}]
    return [
        vector("the negotiated PDU survives a hot swap: the next cycle reads on, PDU references continue",
               SWAP_SRC, cfg,
               connect() + cycle(2, 10)
               + [{"call": "save_state", "expect_hex": state_payload(2, 240, 1024, 3)},
                  {"call": "reopen_with_state"}]
               + cycle(3, 11)
               + [{"call": "save_state", "expect_hex": state_payload(2, 240, 1024, 4)}]),
        vector("a swap between COTP connect and setup goes on with the setup",
               SWAP_SRC, cfg,
               [{"call": "link_up"}, {"call": "poll", "expect_hex": h(cr(1))},
                {"call": "frame", "hex": h(cc(1, tpdu_code=0x09)), "expect": []},
                {"call": "save_state", "expect_hex": state_payload(1, 0, 512, 1)},
                {"call": "reopen_with_state"},
                {"call": "poll", "expect_hex": h(setup_req(1))},
                {"call": "frame", "hex": h(setup_rsp(1, 960)), "expect": [status()]},
                {"call": "save_state", "expect_hex": state_payload(2, 960, 512, 2)}]),
        vector("a foreign payload is E_SCHEMA and the device starts cold (the host reconnects)",
               SWAP_SRC + "; ABI.md §7.7 (a driver that cannot read a payload returns E_SCHEMA and starts cold)", cfg,
               connect()
               + [{"call": "reopen_with_state", "hex": state_payload(2, 240, 1024, 3, schema=2), "expect_error": "E_SCHEMA",
                   "expect_last_error": "state schema 2 with 7 payload bytes; this driver reads schema 1 with 7"},
                  {"call": "link_up"},
                  {"call": "poll", "expect_hex": h(cr(1))}]),
        vector("payloads that are no state of this device are E_SCHEMA",
               SWAP_SRC, cfg,
               [{"call": "reopen_with_state", "hex": state_payload(2, 10, 1024, 3), "expect_error": "E_SCHEMA",
                 "expect_last_error": "state phase 2 with PDU length 10 is not a state of this device (PDU 32..960)"},
                {"call": "reopen_with_state", "hex": state_payload(2, 240, 100, 3), "expect_error": "E_SCHEMA",
                 "expect_last_error": "state TPDU size 100 is not 128, 256, 512 or 1024"},
                {"call": "reopen_with_state", "hex": state_payload(7, 240, 1024, 3), "expect_error": "E_SCHEMA",
                 "expect_last_error": "state phase 7"},
                {"call": "reopen_with_state", "hex": h(struct.pack("<IB", 1, 2)), "expect_error": "E_SCHEMA",
                 "expect_last_error": "state schema 1 with 1 payload bytes"},
                {"call": "reopen_with_state", "hex": "0100", "expect_error": "E_SCHEMA",
                 "expect_last_error": "state payload of 2 bytes has no 4-byte schema"},
                {"call": "link_up"},
                {"call": "poll", "expect_hex": h(cr(1))}]),
    ]


# ---------------------------------------------------------------- refused configs
def config_error(name, cfg, message, steps=()):
    v = {"name": name, "source": "driver README (configuration); ABI.md §5", "config": cfg, "host_abi": "1.1",
         "expect_open_error": "E_CONFIG", "expect_last_error": message, "steps": list(steps)}
    return v


KNOWN_DEVICE = "rack, slot, connection, local_tsap, remote_tsap, pdu, max_items, timeout_ms, setup_timeout_ms"


def config_error_vectors():
    ex = "(expected STEP 7 syntax such as DB1.DBX0.1, DB1.DBB3, DB1.DBW2, DB1.DBD4, MW200, M0.0, IB2, QW4, T5, C3)"
    return [
        config_error("unknown point key", DEV + "\npoint 0 adress=MW0\n",
                     'point 0: unknown key "adress" (known keys: address, type)'),
        config_error("unknown device key", dev("unit=1") + "\n",
                     'device: unknown key "unit" (known keys: %s)' % KNOWN_DEVICE),
        config_error("missing address", DEV + "\npoint 0 type=INT\n", 'point 0: missing key "address"'),
        config_error("an area letter that is no S7 area", DEV + "\npoint 0 address=X10\n",
                     'point 0: address "X10" does not start with DB, M, I, Q, T or C ' + ex),
        config_error("DB0", DEV + "\npoint 0 address=DB0.DBW2\n",
                     'point 0: address "DB0.DBW2" names data block 0 or one above 65535 (DB1..DB65535) ' + ex),
        config_error("a bit address without a bit", DEV + "\npoint 0 address=DB1.DBX4\n",
                     'point 0: address "DB1.DBX4" needs a bit number 0..7 after the byte offset (byte.bit) ' + ex),
        config_error("bit 8", DEV + "\npoint 0 address=M0.8\n",
                     'point 0: address "M0.8" needs a bit number 0..7 after the byte offset (byte.bit) ' + ex),
        config_error("a byte offset beyond the S7 address range", DEV + "\npoint 0 address=MB2097152\n",
                     'point 0: address "MB2097152" has a byte offset above 2097151 (the largest an S7 address carries) ' + ex),
        config_error("a value that runs past the address range", DEV + "\npoint 0 address=MB2097150:LREAL\n",
                     "point 0: LREAL at MB2097150 runs past byte 2097151"),
        config_error("a type that does not fit the address's width", DEV + "\npoint 0 address=DB1.DBW2:REAL\n",
                     'point 0: type REAL does not fit address "DB1.DBW2" (the address spans 2 byte(s), REAL takes 4: use DB1.DBD2:REAL)'),
        config_error("the same with the type key", DEV + "\npoint 0 address=DB1.DBW2 type=dint\n",
                     'point 0: type DINT does not fit address "DB1.DBW2" (the address spans 2 byte(s), DINT takes 4: use DB1.DBD2:DINT)'),
        config_error("BOOL on a byte", DEV + "\npoint 0 address=MB0:BOOL\n",
                     'point 0: type BOOL does not fit address "MB0" (a BOOL needs a bit address such as DB1.DBX0.1 or M0.0)'),
        config_error("the type given twice", DEV + "\npoint 0 address=MW0:INT type=INT\n",
                     "point 0: the type is given twice, in address=MW0:INT and type=: give it once"),
        config_error("an unknown type", DEV + "\npoint 0 address=MD0 type=FLOAT\n",
                     'point 0: type=FLOAT: unknown type "FLOAT" (expected BOOL, BYTE, CHAR, SINT, USINT, WORD, INT, UINT, '
                     'DWORD, DINT, UDINT, REAL, LREAL, STRING or STRING[n])'),
        config_error("STRING[0]", DEV + "\npoint 0 address=DB1.DBB0:STRING[0]\n",
                     'point 0: STRING length "0" is not 1..254'),
        config_error("rack 8", dev("rack=8") + "\n", "device: rack=8 is out of range 0..7"),
        config_error("slot 32", dev("slot=32") + "\n", "device: slot=32 is out of range 0..31"),
        config_error("an unknown connection type", dev("connection=hmi") + "\n",
                     "device: connection=hmi is not pg, op or basic (the TSAP's first byte 1, 2, 3)"),
        config_error("rack with remote_tsap", dev("rack=0 remote_tsap=0102") + "\n",
                     "device: rack and remote_tsap both given: remote_tsap replaces connection, rack and slot"),
        config_error("a TSAP that is not two hex bytes", dev("remote_tsap=102") + "\n",
                     "device: remote_tsap=102 is not a TSAP of two hex bytes, e.g. 0100 or 01.02"),
        config_error("pdu out of range", dev("pdu=2000") + "\n", "device: pdu=2000 is out of range 64..960"),
        config_error("max_items 0", dev("max_items=0") + "\n", "device: max_items=0 is out of range 1..255"),
        config_error("timeout above the host's cap", dev("timeout_ms=60001") + "\n",
                     "device: timeout_ms=60001 is out of range 0..60000"),
        config_error("setup timeout above the host's cap", dev("setup_timeout_ms=70000") + "\n",
                     "device: setup_timeout_ms=70000 is out of range 0..60000"),
        config_error("a misspelt key is reported before another line's value errors",
                     DEV + "\npoint 0 address=DB0.DBW0\npoint 1 adress=MW0\n",
                     'point 1: unknown key "adress" (known keys: address, type)'),
        config_error("a failed open leaves the handle closed", DEV + "\npoint 0 address=T70000\n",
                     'point 0: address "T70000" needs a number 0..65535 after T or C ' + ex,
                     [{"call": "link_up", "expect_error": "E_NODEV"},
                      {"call": "poll", "expect_error": "E_NODEV", "expect_last_error": "T70000"},
                      {"call": "write", "point": 0, "type": "u64", "value": 1, "expect_error": "E_NODEV"}]),
    ]


# ---------------------------------------------------------------- framing and correlation keys
def framing_vectors():
    rsp = read_rsp(2, [(0xFF, 4, b"\x01\xf4")])
    cfg = config("DB1.DBW2")
    return [
        vector("TPKT framing: need more until the length is in, then the whole frame",
               "RFC 1006 §6 (TPKT: version 3, reserved, length of the packet); ABI.md §7.2", cfg,
               [{"call": "frame_len", "hex": "", "expect_len": 0, "expect_need": 0},
                {"call": "frame_len", "hex": "03", "expect_len": 0, "expect_need": 0},
                {"call": "frame_len", "hex": "030000", "expect_len": 0, "expect_need": 0},
                {"call": "frame_len", "hex": h(rsp[:4]), "expect_len": 0, "expect_need": len(rsp)},
                {"call": "frame_len", "hex": h(rsp[:-1]), "expect_len": 0, "expect_need": len(rsp)},
                {"call": "frame_len", "hex": h(rsp), "expect_len": len(rsp), "expect_corr": CORR_S7 | 2},
                {"call": "frame_len", "hex": h(rsp + rsp[:5]), "expect_len": len(rsp), "expect_corr": CORR_S7 | 2}]),
        vector("bytes that start no TPKT are dropped one at a time",
               "RFC 1006 §6; ABI.md §7.2 (E_RESYNC, meta.skip)", cfg,
               [{"call": "frame_len", "hex": "ff" + h(rsp), "expect_error": "E_RESYNC", "expect_skip": 1},
                {"call": "frame_len", "hex": "0301" + h(rsp[2:]), "expect_error": "E_RESYNC", "expect_skip": 1},
                {"call": "frame_len", "hex": "0300000602f080", "expect_error": "E_RESYNC", "expect_skip": 1},
                {"call": "frame_len", "hex": "03001001", "expect_error": "E_RESYNC", "expect_skip": 1},
                {"call": "frame_len", "hex": "0300ffff", "expect_error": "E_RESYNC", "expect_skip": 1}]),
        vector("correlation keys: the PDU reference, the COTP reference; 0 where the bytes carry none",
               "ABI.md §7.12 (S7comm: 0x10000 | PDU reference)", cfg,
               [{"call": "frame_len", "hex": h(cc(0x1234)), "expect_len": 22, "expect_corr": CORR_COTP | 0x1234},
                {"call": "frame_len", "hex": h(dr(0x0007, 0x80)), "expect_len": 11, "expect_corr": CORR_COTP | 7},
                {"call": "frame_len", "hex": h(dt(ack_data(0xfffe, setup_param(240)))), "expect_len": 27,
                 "expect_corr": CORR_S7 | 0xfffe},
                {"call": "frame_len", "hex": h(dt(b"\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09")), "expect_len": 17,
                 "expect_corr": 0},
                {"call": "frame_len", "hex": "0300000702c000", "expect_len": 7, "expect_corr": 0}]),
    ]


# ---------------------------------------------------------------- corpus (tshark truth)
TSNAME = {0x01: "BIT", 0x02: "BYTE", 0x03: "CHAR", 0x04: "WORD", 0x05: "INT", 0x06: "DWORD", 0x07: "DINT",
          0x08: "REAL", 0x09: "DATE", 0x0A: "TOD", 0x0B: "TIME", 0x0C: "S5TIME", 0x0F: "DATE_AND_TIME",
          0x13: "WCHAR", 0x1C: "COUNTER", 0x1D: "TIMER", 0x1E: "IEC_COUNTER", 0x1F: "IEC_TIMER", 0x20: "HS_COUNTER"}
ELEM = {0x02: 1, 0x03: 1, 0x04: 2, 0x05: 2, 0x09: 2, 0x0C: 2, 0x13: 2, 0x1C: 2, 0x1D: 2,
        0x06: 4, 0x07: 4, 0x08: 4, 0x0A: 4, 0x0B: 4, 0x0F: 8}
PREFIX = {0x80: "P", 0x81: "I", 0x82: "Q", 0x83: "M", 0x86: "L", 0x87: "V", 0x1C: "C", 0x1D: "T"}


def prefix(area, db):
    if area == 0x84:
        return "DB%d.DB" % db
    if area == 0x85:
        return "DI%d.DI" % db
    return PREFIX.get(area, "AREA0x%02x " % area)


def step7_name(area, db, tsize, count, address):
    """The driver README's naming of a recorded item: an address for one element of 1, 2 or 4 bytes
    (or one bit, or one timer/counter), else an ANY pointer."""
    p = prefix(area, db)
    tname = TSNAME.get(tsize, "0x%02x" % tsize)
    if area in (0x1C, 0x1D):
        return "%s%d" % (p, address) if count == 1 else "P#%s%d %s %d" % (p, address, tname, count)
    byte, bit = divmod(address, 8)
    bitname = ("%sX%d.%d" if area in (0x84, 0x85) else "%s%d.%d") % (p, byte, bit)
    if count == 1 and bit == 0 and ELEM.get(tsize) in (1, 2, 4):
        return "%s%s%d" % (p, {1: "B", 2: "W", 4: "D"}[ELEM[tsize]], byte)
    if count == 1 and tsize == 0x01:
        return bitname
    return "P#%s %s %d" % (bitname, tname, count)


def parse_request_items(pdu):
    """The S7ANY items of a Job's parameter part, decoded here from the bytes (area, db, tsize,
    count, address)."""
    plen = struct.unpack(">H", pdu[6:8])[0]
    param = pdu[10:10 + plen]
    items, at = [], 2
    for _ in range(param[1]):
        spec, length, syntax = param[at], param[at + 1], param[at + 2]
        assert spec == 0x12 and length == 10 and syntax == 0x10, param.hex()
        tsize, count, db, area = struct.unpack(">BHHB", param[at + 3:at + 9])
        items.append((area, db, tsize, count, int.from_bytes(param[at + 9:at + 12], "big")))
        at += 12
    return items


def capture_name(rel):
    base = os.path.join(CORPUS, "s7comm", rel.replace(".truth.jsonl", ""))
    for ext in (".pcap", ".pcapng"):
        if os.path.exists(base + ext):
            return rel.replace(".truth.jsonl", ext)
    raise SystemExit("error: no capture next to %s" % rel)


def typed_point(area, db, tsize, count, address, data):
    """A point reading what a recorded item returned, and the value it must give; None where the
    item's type has no point type."""
    p = prefix(area, db)
    if area in (0x1C, 0x1D):
        w = struct.unpack(">H", data[:2])[0]
        digits = [(w >> 8) & 15, (w >> 4) & 15, w & 15]
        if max(digits) > 9:
            return None
        n = digits[0] * 100 + digits[1] * 10 + digits[2]
        if area == 0x1D:
            return "%s%d" % (p, address), ("f64", n * [0.01, 0.1, 1.0, 10.0][(w >> 12) & 3])
        return "%s%d" % (p, address), ("u64", n)
    byte, bit = divmod(address, 8)
    if tsize == 0x01:
        return ("%sX%d.%d" if area in (0x84, 0x85) else "%s%d.%d") % (p, byte, bit), ("bool", data[0] & 1 == 1)
    if bit:
        return None
    kinds = {0x02: ("B", "", "u64", ">B"), 0x03: ("B", ":CHAR", "str", None), 0x04: ("W", "", "u64", ">H"),
             0x05: ("W", ":INT", "i64", ">h"), 0x06: ("D", "", "u64", ">I"), 0x07: ("D", ":DINT", "i64", ">i"),
             0x08: ("D", ":REAL", "f64", ">f")}
    if tsize not in kinds:
        return None
    letter, suffix, typ, fmt = kinds[tsize]
    value = data[:1].decode("latin-1") if fmt is None else struct.unpack(fmt, data[:struct.calcsize(fmt)])[0]
    return "%s%s%d%s" % (p, letter, byte, suffix), (typ, value)


def corpus_vectors():
    base = os.path.join(CORPUS, "s7comm")
    vs = []
    for rel in sorted(os.path.relpath(os.path.join(d, f), base)
                      for d, _, files in os.walk(base) for f in files if f.endswith(".truth.jsonl")):
        rows = [json.loads(l) for l in open(os.path.join(base, rel)) if l.strip()]
        cap = capture_name(rel)
        typed_shapes = set()
        for t in rows:
            if t["kind"] != "pair":
                continue
            req, rsp = bytes.fromhex(t["request_tcp_payload_hex"]), bytes.fromhex(t["response_tcp_payload_hex"])
            assert struct.unpack(">H", req[2:4])[0] == len(req) and struct.unpack(">H", rsp[2:4])[0] == len(rsp)
            ref = t["pdu_ref"]
            items = parse_request_items(req[7:])
            assert len(items) == len(t["items"])
            for (area, db, tsize, count, address), it in zip(items, t["items"]):
                assert (area, db, tsize, count) == (it["area"], it["db"], it["transport_size"], it["length"]), (rel, t["request_frame"])
                if area not in (0x1C, 0x1D):
                    assert (address // 8, address % 8) == (it["byte_address"], it["bit_address"])
            frames = "frames %d-%d" % (t["request_frame"], t["response_frame"])
            src = "corpus s7comm/%s %s (tshark)" % (cap, frames)
            label = "%s %s: %s of %d items, PDU reference %d" % (
                rel.replace(".truth.jsonl", ""), frames, "Read Var" if t["function"] == "read_var" else "Write Var",
                len(items), ref)
            steps = [{"call": "observe", "hex": h(req), "expect_corr": CORR_S7 | ref},
                     {"call": "frame_len", "hex": h(rsp), "expect_len": len(rsp), "expect_corr": CORR_S7 | ref}]
            if t["function"] == "read_var":
                expect, errors = [], []
                for (area, db, tsize, count, address), it in zip(items, t["items"]):
                    name = step7_name(area, db, tsize, count, address)
                    if it["return_code"] == 0xFF:
                        # data_hex: parsed from the raw PDU by s7_truth.py and equal to tshark's
                        # s7comm.resp.data (selfcheck_ok).
                        assert it["selfcheck_ok"], (rel, t["request_frame"])
                        expect.append(named(name, "str", it["data_hex"]))
                    else:
                        rc = it["return_code"]
                        expect.append(named(name, "u64", rc, "BAD_DEVICE"))
                        errors.append("%s: item return code 0x%02x (%s)" % (name, rc, RC_NAMES[rc]))
                step = {"call": "frame", "hex": h(rsp), "expect": expect}
                if errors:
                    step["expect_last_error"] = "; ".join(errors)
                vs.append(vector(label + " (discovery)", src, DISC, steps + [step]))
                # With a point map of one typed point per item: the first three item shapes of each capture.
                shape = tuple((a, d, ts, c) for a, d, ts, c, _ in items)
                if len(typed_shapes) < 3 and shape not in typed_shapes:
                    pts, recs, texts = [], [], []
                    for (area, db, tsize, count, address), it in zip(items, t["items"]):
                        data = bytes.fromhex(it["data_hex"]) if it["return_code"] == 0xFF else None
                        tp = typed_point(area, db, tsize, count, address, data if data else b"\x00" * 8)
                        if tp is None or tp[0] in pts:
                            continue
                        pts.append(tp[0])
                        if data is None:
                            recs.append(rec(len(recs), "u64", it["return_code"], "BAD_DEVICE"))
                            texts.append(it["return_code"])
                        else:
                            recs.append(rec(len(recs), tp[1][0], tp[1][1]))
                    if pts:
                        typed_shapes.add(shape)
                        vs.append(vector(label + " (point map)", src + "; values decoded from tshark's data with "
                                         "Python's struct (STEP 7 types by the request's transport size)",
                                         config(*pts), steps[:1] + [{"call": "frame", "hex": h(rsp), "expect": recs}]))
            else:
                # Discovery: checked, no records (the SDK has no named write results). With a point map
                # of one point per written item: write results with the written values.
                vs.append(vector(label + " (discovery)", src, DISC, steps + [{"call": "frame", "hex": h(rsp), "expect": []}]))
                written = parse_write_data(req[7:], len(items))
                pts, recs, errors = [], [], []
                for (area, db, tsize, count, address), it, data in zip(items, t["items"], written):
                    assert data.hex() == it["write_data_hex"], (rel, t["request_frame"])
                    if area in (0x1C, 0x1D):
                        tp = ("%s%d" % (prefix(area, db), address), None)
                    else:
                        byte, bit = divmod(address, 8)
                        size = ELEM.get(tsize, 0) * count
                        if tsize == 0x01:
                            tp = typed_point(area, db, tsize, count, address, data)
                        elif tsize == 0x08 and count == 1:
                            tp = typed_point(area, db, tsize, count, address, data)
                        elif size in (1, 2, 4):
                            tp = typed_point(area, db, {1: 0x02, 2: 0x04, 4: 0x06}[size], 1, address, data)
                        else:
                            tp = typed_point(area, db, 0x02, 1, address, data)
                    if tp is None or tp[0] in pts:
                        continue
                    pts.append(tp[0])
                    i = len(recs)
                    if it["return_code"] == 0xFF:
                        recs.append(wres(i, tp[1][0], tp[1][1]))
                    else:
                        recs.append(wres(i, "u64", it["return_code"], "BAD_DEVICE"))
                        errors.append("point %d (%s): write refused with item return code 0x%02x (%s)" % (
                            i, tp[0], it["return_code"], RC_NAMES[it["return_code"]]))
                step = {"call": "frame", "hex": h(rsp), "expect": recs}
                if errors:
                    step["expect_last_error"] = "; ".join(errors)
                vs.append(vector(label + " (point map)", src + "; written values decoded from tshark's data with "
                                 "Python's struct", config(*pts), steps[:1] + [step]))
    return vs


def parse_write_data(pdu, n):
    """The data items of a Write Var Job (Wireshark's rules, as data_items() writes them)."""
    plen, dlen = struct.unpack(">HH", pdu[6:10])
    data = pdu[10 + plen:10 + plen + dlen]
    out, at = [], 0
    for i in range(n):
        ts, length = data[at + 1], struct.unpack(">H", data[at + 2:at + 4])[0]
        size = (length + 7) // 8 if ts in (3, 4, 5) else length
        out.append(data[at + 4:at + 4 + size])
        at += 4 + size + (1 if size % 2 and i + 1 < n else 0)
    assert at == len(data)
    return out


# ---------------------------------------------------------------- files
def write_file(out, topic, vectors):
    """One vector per block, one step per line."""
    names = [v["name"] for v in vectors]
    assert len(names) == len(set(names)), "%s: duplicate vector names" % topic
    lines = ['{', '  "driver": "s7",', '  "vectors": [']
    for i, v in enumerate(vectors):
        lines.append('    {')
        keys = [k for k in v if k != "steps"]
        for k in keys:
            lines.append('      %s: %s,' % (json.dumps(k), json.dumps(v[k], ensure_ascii=False)))
        lines.append('      "steps": [')
        for j, s in enumerate(v["steps"]):
            lines.append('        ' + json.dumps(s, ensure_ascii=False) + (',' if j + 1 < len(v["steps"]) else ''))
        lines.append('      ]')
        lines.append('    }' + (',' if i + 1 < len(vectors) else ''))
    lines += ['  ]', '}', '']
    with open(os.path.join(out, topic + ".json"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    return len(vectors)


FILES = {
    "connection": connection_vectors,
    "reads": read_vectors,
    "plan": plan_vectors,
    "strings": string_vectors,
    "writes": write_vectors,
    "errors": error_vectors,
    "observe": observe_vectors,
    "state": state_vectors,
    "config_errors": config_error_vectors,
    "framing": framing_vectors,
    "corpus": corpus_vectors,
}


def generate(out, verbose):
    for topic, build in FILES.items():
        n = write_file(out, topic, build())
        if verbose:
            print("%s.json: %d vectors" % (topic, n))


def check():
    """Regenerates into a temporary directory and compares with vectors/ byte for byte. Returns the
    problems found, one line per file."""
    problems = []
    with tempfile.TemporaryDirectory(prefix="s7-vectors-") as tmp:
        generate(tmp, verbose=False)
        generated = sorted(os.listdir(tmp))
        for name in generated:
            committed = os.path.join(VECTORS, name)
            if not os.path.exists(committed):
                problems.append("%s: generated but missing from vectors/" % name)
            elif not filecmp.cmp(os.path.join(tmp, name), committed, shallow=False):
                problems.append("%s: differs from what gen_vectors.py generates" % name)
        for name in sorted(os.listdir(VECTORS)):
            if name.endswith(".json") and name not in generated:
                problems.append("%s: in vectors/ but not generated by gen_vectors.py" % name)
    return problems


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Generates drivers/s7/vectors/*.json.")
    parser.add_argument("--check", action="store_true",
                        help="compare a fresh generation with vectors/ instead of writing it; exit 1 on any difference")
    parser.add_argument("corpus", nargs="?", default=DEFAULT_CORPUS,
                        help="corpus directory holding s7comm/ (default: %(default)s)")
    args = parser.parse_args()
    CORPUS = args.corpus
    if not os.path.isdir(os.path.join(CORPUS, "s7comm")):
        sys.exit("error: corpus directory %s has no s7comm/ (corpus.json is made from its *.truth.jsonl files; "
                 "pass the corpus directory as the argument)" % CORPUS)
    if args.check:
        problems = check()
        for p in problems:
            print(p, file=sys.stderr)
        if problems:
            sys.exit("error: %d file(s) in %s differ from the generator; run python3 drivers/s7/tools/gen_vectors.py "
                     "and review the diff" % (len(problems), os.path.normpath(VECTORS)))
        print("vectors/: all %d files match gen_vectors.py" % len(FILES))
    else:
        os.makedirs(VECTORS, exist_ok=True)
        generate(VECTORS, verbose=True)
