#!/usr/bin/env python3
"""Generates every file of drivers/inovance/vectors/ (format: driver-abi/VECTORS.md).

This script is the only source of those files: running it must reproduce the committed JSON byte
for byte, and `--check` proves it does (see the driver README, "Vectors").

Expected bytes and values are computed here, independently of the AssemblyScript driver: element
addresses from this file's own copy of the Inovance tables (TABLES below, transcribed from the
sources the README names), frames with Python's struct module from the layouts of the Modbus
Application Protocol v1.1b3 (AP) and the Modbus Messaging on TCP/IP Implementation Guide v1.0b
(MBAP). There are no Inovance captures in ../shared/corpus, so every frame is built from the
tables; tools/check_tshark.py decodes them with Wireshark's Modbus/TCP dissector. Error texts
(`expect_last_error`) are the driver's wording, written out literally.

Usage: python3 tools/gen_vectors.py [--check]
  --check  generate into a temporary directory, compare with vectors/, exit 1 listing every file
           that differs, is missing or is not generated; vectors/ is left untouched
"""
import argparse
import filecmp
import json
import os
import struct
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.path.join(HERE, "..", "vectors")

# ------------------------------------------------------------------------------- the tables
# Sources (the README, "Element tables", gives document, version, page and table):
SRC_H3U_BITS = "Inovance H3U Series PLC Programming Manual §9.8.3 coil addressing table (printed p. 654)"
SRC_H3U_WORDS = ("H3U register table of HslCommunication InovanceHelper.PraseInovanceH3UAddress / "
                 "InovanceSerial.cs (the manual's register table is not in the corpus)")
SRC_SMALL = "EMQX Neuron docs, Inovance Modbus TCP, small-PLC table (Easy series, H5U)"
SRC_AM = "EMQX Neuron docs, Inovance Modbus TCP, medium-PLC table (AM series); HslCommunication PraseInovanceAMAddress (IX by FC2)"
AP = {1: "Modbus Application Protocol v1.1b3 §6.1 (FC1 read coils)",
      2: "Modbus Application Protocol v1.1b3 §6.2 (FC2 read discrete inputs)",
      3: "Modbus Application Protocol v1.1b3 §6.3 (FC3 read holding registers)",
      5: "Modbus Application Protocol v1.1b3 §6.5 (FC5 write single coil)",
      6: "Modbus Application Protocol v1.1b3 §6.6 (FC6 write single register)",
      15: "Modbus Application Protocol v1.1b3 §6.11 (FC15 write multiple coils)",
      16: "Modbus Application Protocol v1.1b3 §6.12 (FC16 write multiple registers)"}
AP_EXC = "Modbus Application Protocol v1.1b3 §7 (exception responses)"
MBAP = "Modbus Messaging on TCP/IP Implementation Guide v1.0b §3.1.3 (MBAP header)"

COIL, DISC, HOLD = 1, 2, 3
# (prefix, read function code, first element, last element, Modbus address of the first element,
#  numbering "dec" | "oct" | "byte.bit", registers per element)
TABLES = {
    "h3u": [
        ("M", COIL, 0, 7679, 0x0000, "dec", 1),
        ("M", COIL, 8000, 8511, 0x1F40, "dec", 1),
        ("SM", COIL, 0, 1023, 0x2400, "dec", 1),
        ("S", COIL, 0, 4095, 0xE000, "dec", 1),
        ("T", COIL, 0, 511, 0xF000, "dec", 1),
        ("C", COIL, 0, 255, 0xF400, "dec", 1),
        ("X", COIL, 0, 0o377, 0xF800, "oct", 1),
        ("Y", COIL, 0, 0o377, 0xFC00, "oct", 1),
        ("D", HOLD, 0, 8511, 0x0000, "dec", 1),
        ("SD", HOLD, 0, 1023, 0x2400, "dec", 1),
        ("R", HOLD, 0, 32767, 0x3000, "dec", 1),
        ("T", HOLD, 0, 511, 0xF000, "dec", 1),
        ("C", HOLD, 0, 199, 0xF400, "dec", 1),
        ("C", HOLD, 200, 255, 0xF700, "dec", 2),
    ],
    "h5u": [
        ("M", COIL, 0, 7999, 0x0000, "dec", 1),
        ("B", COIL, 0, 32767, 0x3000, "dec", 1),
        ("S", COIL, 0, 4095, 0xE000, "dec", 1),
        ("X", COIL, 0, 0o1777, 0xF800, "oct", 1),
        ("Y", COIL, 0, 0o1777, 0xFC00, "oct", 1),
        ("D", HOLD, 0, 7999, 0x0000, "dec", 1),
        ("R", HOLD, 0, 32767, 0x3000, "dec", 1),
    ],
    "am": [
        ("QX", COIL, 0, 65535, 0x0000, "byte.bit", 1),
        ("IX", DISC, 0, 65535, 0x0000, "byte.bit", 1),
        ("MW", HOLD, 0, 65535, 0x0000, "dec", 1),
    ],
}
TABLES["easy"] = TABLES["h5u"]


def address(series, element, bits):
    """The Modbus (function code, address) of an element such as "X17", "QX3.2", "C201", read as
    a bit (coil/discrete) or as a register. Written against TABLES only."""
    prefix = "".join(c for c in element if c.isalpha())
    number = element[len(prefix):]
    if series == "am" and prefix == "MD":
        return HOLD, 2 * int(number)
    if series == "am" and prefix == "MX":
        byte = int(number.split(".")[0])
        return HOLD, byte // 2
    for p, fc, first, last, base, numbering, regs in TABLES[series]:
        if p != prefix or (fc != HOLD) != bits:
            continue
        if numbering == "oct":
            n = int(number, 8)
        elif numbering == "byte.bit":
            byte, bit = number.split(".")
            n = int(byte) * 8 + int(bit)
        else:
            n = int(number.split(".")[0])
        if first <= n <= last:
            return fc, base + (n - first) * regs
    raise ValueError("%s: no %s element %s" % (series, "bit" if bits else "register", element))


# ------------------------------------------------------------------------------- frames
def mbap(tid, unit, pdu):
    """MBAP §3.1.3: transaction id, protocol id 0, length (unit id + PDU), unit id, then the PDU."""
    return struct.pack(">HHHB", tid, 0, len(pdu) + 1, unit) + pdu


def h(b):
    return b.hex()


def read_req(tid, unit, fc, start, qty):
    return h(mbap(tid, unit, struct.pack(">BHH", fc, start, qty)))


def regs_rsp(tid, unit, data, fc=3):
    """AP §6.3: function code, byte count, the registers (big-endian, AP §4.2)."""
    return h(mbap(tid, unit, bytes([fc, len(data)]) + data))


def bits_rsp(tid, unit, fc, bits):
    """AP §6.1/§6.2: the first bit is the LSB of the first data byte; padding bits are 0."""
    data = bytearray((len(bits) + 7) // 8)
    for i, b in enumerate(bits):
        if b:
            data[i // 8] |= 1 << (i % 8)
    return h(mbap(tid, unit, bytes([fc, len(data)]) + bytes(data)))


def exc_rsp(tid, unit, fc, code):
    return h(mbap(tid, unit, bytes([fc | 0x80, code])))


def arrange(be, order):
    """Wire bytes of a big-endian value `be` (2 or 4 bytes) in the named order (README, "Word
    order"): CDAB swaps the words, BADC the bytes of each word, DCBA both."""
    if len(be) == 2:
        return be[::-1] if order in ("BADC", "DCBA") else be
    words = [be[0:2], be[2:4]]
    if order in ("CDAB", "DCBA"):
        words = words[::-1]
    if order in ("BADC", "DCBA"):
        words = [w[::-1] for w in words]
    return b"".join(words)


FMT = {"u16": ">H", "i16": ">h", "u32": ">I", "i32": ">i", "f32": ">f"}
JSON_TYPE = {"u16": "u64", "i16": "i64", "u32": "u64", "i32": "i64", "f32": "f64", "bool": "bool"}


def wire(t, value, order="CDAB"):
    return arrange(struct.pack(FMT[t], value), order)


def f32(v):
    return struct.unpack(">f", struct.pack(">f", v))[0]


def write_coil(tid, unit, addr, on):
    return h(mbap(tid, unit, struct.pack(">BHH", 5, addr, 0xFF00 if on else 0)))


def write_reg(tid, unit, addr, data):
    return h(mbap(tid, unit, struct.pack(">BH", 6, addr) + data))


def write_regs(tid, unit, addr, data):
    return h(mbap(tid, unit, struct.pack(">BHHB", 16, addr, len(data) // 2, len(data)) + data))


def write_coils(tid, unit, addr, on):
    return h(mbap(tid, unit, struct.pack(">BHHBB", 15, addr, 1, 1, 1 if on else 0)))


def multi_echo(tid, unit, fc, addr, qty):
    """AP §6.11/§6.12: the response is the function code, starting address and quantity."""
    return h(mbap(tid, unit, struct.pack(">BHH", fc, addr, qty)))


# ------------------------------------------------------------------------------- vectors
EXC = {1: "illegal function", 2: "illegal data address", 3: "illegal data value",
       4: "server device failure", 6: "server device busy", 11: "gateway target device failed to respond"}


def rec(point, typ, value, quality="GOOD", write_result=False):
    r = {"point": point, "type": typ, "value": value, "quality": quality}
    if write_result:
        r["write_result"] = True
    return r


def vector(name, source, config, steps, **extra):
    v = {"name": name, "source": source, "config": config, "steps": steps}
    v.update(extra)
    return v


def v11(config):
    """VECTORS.md: with agreed version 1.1 the device line ends with the host keys (ABI §5.1)."""
    first, rest = config.split("\n", 1)
    return first + " weir.transport=tcp\n" + rest


def cfg(series, points, device_extra=""):
    text = "device series=%s%s\n" % (series, device_extra)
    for i, p in enumerate(points):
        text += "point %d element=%s\n" % (i, p)
    return text


def check_names(topic, vectors):
    names = [v["name"] for v in vectors]
    assert len(names) == len(set(names)), "%s: duplicate vector names" % topic


def write_file(out, topic, vectors):
    """One vector per block, one step per line."""
    check_names(topic, vectors)
    lines = ['{', '  "driver": "inovance",', '  "vectors": [']
    for i, v in enumerate(vectors):
        lines.append('    {')
        keys = list(v.keys())
        for k in keys:
            if k == "steps":
                continue
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


def one_by_one(series, elements, values, source, name, kind, device_extra=""):
    """A vector whose points each get their own request (none adjacent), in table order: the
    request is checked against TABLES and the response decoded with the value given."""
    steps = []
    config = cfg(series, elements, device_extra)
    order = sorted(range(len(elements)), key=lambda i: address(series, elements[i].split(" ")[0], kind[i] == "bool"))
    for tid, i in enumerate(order, start=1):
        element = elements[i].split(" ")[0]
        t = kind[i]
        fc, addr = address(series, element, t == "bool")
        if t == "bool":
            steps.append({"call": "poll", "expect_hex": read_req(tid, 1, fc, addr, 1)})
            steps.append({"call": "frame", "hex": bits_rsp(tid, 1, fc, [values[i]]),
                          "expect": [rec(i, "bool", values[i])]})
        else:
            width = 2 if t in ("u32", "i32", "f32") else 1
            steps.append({"call": "poll", "expect_hex": read_req(tid, 1, fc, addr, width)})
            steps.append({"call": "frame", "hex": regs_rsp(tid, 1, wire(t, values[i])),
                          "expect": [rec(i, JSON_TYPE[t], f32(values[i]) if t == "f32" else values[i])]})
    steps.append({"call": "poll", "expect_hex": ""})
    return vector(name, source, config, steps)


def h3u_vectors():
    vs = []
    bits = ["M0", "M7679", "M8000", "M8511", "SM0", "SM1023", "S0", "S4095", "T0 type=bool", "T511 type=bool",
            "C0 type=bool", "C255 type=bool", "X0", "X377", "Y0", "Y377"]
    vs.append(one_by_one("h3u", bits, [i % 2 == 0 for i in range(len(bits))],
                         SRC_H3U_BITS + "; " + AP[1],
                         "every H3U bit element row: first and last element at its coil address (FC1)",
                         ["bool"] * len(bits)))
    words = ["D0", "D8511", "SD0", "SD1023", "R0", "R32767", "T0", "T511", "C0", "C199", "C200", "C255 type=u32"]
    kinds = ["u16", "u16", "u16", "u16", "u16", "u16", "u16", "u16", "u16", "u16", "i32", "u32"]
    values = [1234, 65535, 7, 8, 0, 32768, 100, 5, 3, 199, -100000, 4000000000]
    vs.append(one_by_one("h3u", words, values, SRC_H3U_WORDS + "; " + AP[3],
                         "every H3U register element row: first and last element at its holding address (FC3); C200-C255 are 32-bit, two registers, low word first",
                         kinds))
    # X and Y are octal: X17 is input 15, X20 input 16; they are adjacent.
    vs.append(vector(
        "X and Y are numbered in octal: X17 and X20 are adjacent coils 0xF80F, 0xF810",
        SRC_H3U_BITS + " (X0-X377 at 0xF800, Y0-Y377 at 0xFC00, octal); " + AP[1],
        cfg("h3u", ["X17", "X20", "Y7", "Y10"]),
        [{"call": "poll", "expect_hex": read_req(1, 1, 1, 0xF80F, 2)},
         {"call": "frame", "hex": bits_rsp(1, 1, 1, [True, False]), "expect": [rec(0, "bool", True), rec(1, "bool", False)]},
         {"call": "poll", "expect_hex": read_req(2, 1, 1, 0xFC07, 2)},
         {"call": "frame", "hex": bits_rsp(2, 1, 1, [False, True]), "expect": [rec(2, "bool", False), rec(3, "bool", True)]},
         {"call": "poll", "expect_hex": ""}]))
    vs.append(vector(
        "T and C: type bool reads the contact (coil), another type the current value (register)",
        SRC_H3U_BITS + " (T 0xF000, C 0xF400); " + SRC_H3U_WORDS + "; " + AP[1] + "; " + AP[3],
        "device series=h3u\npoint 0 element=T5 type=bool\npoint 1 element=T5\npoint 2 element=C3 type=bool\n"
        "point 3 element=C3 type=i16\npoint 4 element=C201\n",
        [{"call": "poll", "expect_hex": read_req(1, 1, 1, 0xF005, 1)},
         {"call": "frame", "hex": bits_rsp(1, 1, 1, [True]), "expect": [rec(0, "bool", True)]},
         {"call": "poll", "expect_hex": read_req(2, 1, 1, 0xF403, 1)},
         {"call": "frame", "hex": bits_rsp(2, 1, 1, [False]), "expect": [rec(2, "bool", False)]},
         {"call": "poll", "expect_hex": read_req(3, 1, 3, 0xF005, 1)},
         {"call": "frame", "hex": regs_rsp(3, 1, wire("u16", 50)), "expect": [rec(1, "u64", 50)]},
         {"call": "poll", "expect_hex": read_req(4, 1, 3, 0xF403, 1)},
         {"call": "frame", "hex": regs_rsp(4, 1, wire("i16", -3)), "expect": [rec(3, "i64", -3)]},
         {"call": "poll", "expect_hex": read_req(5, 1, 3, 0xF702, 2)},
         {"call": "frame", "hex": regs_rsp(5, 1, wire("i32", 70000)), "expect": [rec(4, "i64", 70000)]},
         {"call": "poll", "expect_hex": ""}]))
    vs.append(vector(
        "lower-case element names and unit id 255",
        SRC_H3U_BITS + "; " + MBAP,
        "device series=h3u unit=255\npoint 0 element=d100\npoint 1 element=m8000\npoint 2 element=x10\n",
        [{"call": "poll", "expect_hex": read_req(1, 255, 1, 0x1F40, 1)},
         {"call": "frame", "hex": bits_rsp(1, 255, 1, [True]), "expect": [rec(1, "bool", True)]},
         {"call": "poll", "expect_hex": read_req(2, 255, 1, 0xF808, 1)},
         {"call": "frame", "hex": bits_rsp(2, 255, 1, [True]), "expect": [rec(2, "bool", True)]},
         {"call": "poll", "expect_hex": read_req(3, 255, 3, 100, 1)},
         {"call": "frame", "hex": regs_rsp(3, 255, wire("u16", 9)), "expect": [rec(0, "u64", 9)]}]))
    return vs


def small_vectors():
    vs = []
    for series in ("h5u", "easy"):
        bits = ["M0", "M7999", "B0", "B32767", "S0", "S4095", "X0", "X1777", "Y0", "Y1777"]
        vs.append(one_by_one(series, bits, [i % 3 == 0 for i in range(len(bits))], SRC_SMALL + "; " + AP[1],
                             "every %s bit element row: first and last element at its coil address (FC1)" % series,
                             ["bool"] * len(bits)))
        words = ["D0", "D7999", "R0", "R32767"]
        vs.append(one_by_one(series, words, [1, 2, 3, 4], SRC_SMALL + "; " + AP[3],
                             "every %s register element row: first and last element at its holding address (FC3)" % series,
                             ["u16"] * 4))
    vs.append(vector(
        "h5u: an f32 and an i32 in D registers, low word first (CDAB, the default)",
        SRC_SMALL + "; README (word order); " + AP[3],
        "device series=h5u\npoint 0 element=D100 type=f32\npoint 1 element=D102 type=i32\npoint 2 element=R10 type=u32\n",
        [{"call": "poll", "expect_hex": read_req(1, 1, 3, 100, 4)},
         {"call": "frame", "hex": regs_rsp(1, 1, wire("f32", 123.456) + wire("i32", -2)),
          "expect": [rec(0, "f64", f32(123.456)), rec(1, "i64", -2)]},
         {"call": "poll", "expect_hex": read_req(2, 1, 3, 0x3000 + 10, 2)},
         {"call": "frame", "hex": regs_rsp(2, 1, wire("u32", 0x12345678)), "expect": [rec(2, "u64", 0x12345678)]},
         {"call": "poll", "expect_hex": ""}]))
    return vs


def am_vectors():
    vs = []
    vs.append(vector(
        "am: QX coils by byte.bit (byte × 8 + bit), read with FC1",
        SRC_AM + "; " + AP[1],
        "device series=am\npoint 0 element=QX0.0\npoint 1 element=QX3.2\npoint 2 element=QX8191.7\n",
        [{"call": "poll", "expect_hex": read_req(1, 1, 1, 0, 1)},
         {"call": "frame", "hex": bits_rsp(1, 1, 1, [True]), "expect": [rec(0, "bool", True)]},
         {"call": "poll", "expect_hex": read_req(2, 1, 1, 26, 1)},
         {"call": "frame", "hex": bits_rsp(2, 1, 1, [False]), "expect": [rec(1, "bool", False)]},
         {"call": "poll", "expect_hex": read_req(3, 1, 1, 65535, 1)},
         {"call": "frame", "hex": bits_rsp(3, 1, 1, [True]), "expect": [rec(2, "bool", True)]},
         {"call": "poll", "expect_hex": ""}]))
    vs.append(vector(
        "am: IX discrete inputs by byte.bit, read with FC2; IX1.0-IX1.7 in one request",
        SRC_AM + "; " + AP[2],
        "device series=am\n" + "".join("point %d element=IX1.%d\n" % (i, i) for i in range(8)) +
        "point 8 element=IX8191.7\n",
        [{"call": "poll", "expect_hex": read_req(1, 1, 2, 8, 8)},
         {"call": "frame", "hex": bits_rsp(1, 1, 2, [True, False, True, True, False, False, False, True]),
          "expect": [rec(i, "bool", v) for i, v in enumerate([True, False, True, True, False, False, False, True])]},
         {"call": "poll", "expect_hex": read_req(2, 1, 2, 65535, 1)},
         {"call": "frame", "hex": bits_rsp(2, 1, 2, [False]), "expect": [rec(8, "bool", False)]},
         {"call": "poll", "expect_hex": ""}]))
    vs.append(vector(
        "am: MW registers, MD double words (MW 2n, 2n+1) and MX bits (byte b is a half of MW b/2)",
        SRC_AM + " (MX1.1 = bit 10 from 1 of the first register, MD1 = the third register); " + AP[3],
        "device series=am\npoint 0 element=MW0\npoint 1 element=MX1.1\npoint 2 element=MD1 type=f32\n"
        "point 3 element=MX0.0\npoint 4 element=MW65535 type=i16\npoint 5 element=MD2\n",
        [{"call": "poll", "expect_hex": read_req(1, 1, 3, 0, 1)},
         {"call": "frame", "hex": regs_rsp(1, 1, struct.pack(">H", 0x0201)),
          "expect": [rec(0, "u64", 0x0201), rec(1, "bool", True), rec(3, "bool", True)]},
         {"call": "poll", "expect_hex": read_req(2, 1, 3, 2, 4)},
         {"call": "frame", "hex": regs_rsp(2, 1, wire("f32", -1.5) + wire("i32", -70000)),
          "expect": [rec(2, "f64", -1.5), rec(5, "i64", -70000)]},
         {"call": "poll", "expect_hex": read_req(3, 1, 3, 65535, 1)},
         {"call": "frame", "hex": regs_rsp(3, 1, wire("i16", -1)), "expect": [rec(4, "i64", -1)]},
         {"call": "poll", "expect_hex": ""}]))
    vs.append(vector(
        "am: requests go coils (FC1), discrete inputs (FC2), holding registers (FC3)",
        SRC_AM + "; " + AP[1] + "; " + AP[2] + "; " + AP[3],
        "device series=am unit=3\npoint 0 element=MW10\npoint 1 element=IX0.1\npoint 2 element=QX0.1\n",
        [{"call": "poll", "expect_hex": read_req(1, 3, 1, 1, 1)},
         {"call": "frame", "hex": bits_rsp(1, 3, 1, [True]), "expect": [rec(2, "bool", True)]},
         {"call": "poll", "expect_hex": read_req(2, 3, 2, 1, 1)},
         {"call": "frame", "hex": bits_rsp(2, 3, 2, [True]), "expect": [rec(1, "bool", True)]},
         {"call": "poll", "expect_hex": read_req(3, 3, 3, 10, 1)},
         {"call": "frame", "hex": regs_rsp(3, 3, wire("u16", 42)), "expect": [rec(0, "u64", 42)]},
         {"call": "poll", "expect_hex": ""}]))
    return vs


def types_vectors():
    vs = []
    samples = {"u16": 51234, "i16": -1234, "u32": 4000000000, "i32": -2000000000, "f32": 123.456}
    for order in ("CDAB", "ABCD", "BADC", "DCBA"):
        config = "device series=h3u\n"
        data = b""
        expect = []
        reg = 100
        for i, t in enumerate(samples):
            config += "point %d element=D%d type=%s order=%s\n" % (i, reg, t, order)
            data += wire(t, samples[t], order)
            expect.append(rec(i, JSON_TYPE[t], f32(samples[t]) if t == "f32" else samples[t]))
            reg += 2 if t in ("u32", "i32", "f32") else 1
        vs.append(vector(
            "every type in order %s" % order,
            "README (word order: the letters are the bytes of the big-endian value in wire order); " + AP[3],
            config,
            [{"call": "poll", "expect_hex": read_req(1, 1, 3, 100, reg - 100)},
             {"call": "frame", "hex": regs_rsp(1, 1, data), "expect": expect}]))
    vs.append(vector(
        "f32 123.456 (IEEE 754: 42 F6 E9 79) is E979 42F6 on the wire in the default order CDAB",
        "README (word order CDAB: the element's own register holds the low word); " + AP[3],
        "device series=h3u\npoint 0 element=D0 type=f32\n",
        [{"call": "poll", "expect_hex": read_req(1, 1, 3, 0, 2)},
         {"call": "frame", "hex": regs_rsp(1, 1, bytes.fromhex("e97942f6")), "expect": [rec(0, "f64", f32(123.456))]}]))
    vs.append(vector(
        "scale and offset give F64 raw * scale + offset",
        "README (scale, offset); " + AP[3],
        "device series=h3u\npoint 0 element=D0 type=i16 scale=0.1\npoint 1 element=D1 offset=-40\n"
        "point 2 element=D2 type=u32 scale=0.01 offset=5\npoint 3 element=D4 type=f32 scale=2\n",
        [{"call": "poll", "expect_hex": read_req(1, 1, 3, 0, 6)},
         {"call": "frame", "hex": regs_rsp(1, 1, wire("i16", -215) + wire("u16", 65) + wire("u32", 123456) + wire("f32", 1.5)),
          "expect": [rec(0, "f64", -215 * 0.1), rec(1, "f64", 65 - 40.0), rec(2, "f64", 123456 * 0.01 + 5),
                     rec(3, "f64", 3.0)]}]))
    vs.append(vector(
        "bits of a register: D100.0, D100.15, D100.1 (bit 0 = least significant) beside D100 itself",
        "README (element.bit); register 0x8001; " + AP[3],
        "device series=h3u\npoint 0 element=D100.0\npoint 1 element=D100.15\npoint 2 element=D100.1\npoint 3 element=D100\n",
        [{"call": "poll", "expect_hex": read_req(1, 1, 3, 100, 1)},
         {"call": "frame", "hex": regs_rsp(1, 1, bytes.fromhex("8001")),
          "expect": [rec(0, "bool", True), rec(1, "bool", True), rec(2, "bool", False), rec(3, "u64", 0x8001)]}]))
    return vs


def batching_vectors():
    vs = []
    vs.append(vector(
        "adjacent D registers share one FC3 request; records come in point order",
        "ABI.md §7.1 (batching); " + SRC_H3U_WORDS + "; " + AP[3],
        "device series=h3u\npoint 0 element=D102 type=i16\npoint 1 element=D100\npoint 2 element=D101\n",
        [{"call": "poll", "expect_hex": read_req(1, 1, 3, 100, 3)},
         {"call": "frame", "hex": regs_rsp(1, 1, struct.pack(">HHh", 1, 2, -3)),
          "expect": [rec(0, "i64", -3), rec(1, "u64", 1), rec(2, "u64", 2)]},
         {"call": "poll", "expect_hex": ""}]))
    vs.append(vector(
        "max_gap=3 bridges a hole of three registers, not of four",
        "README (max_gap); " + AP[3],
        "device series=h3u max_gap=3\npoint 0 element=D0\npoint 1 element=D4\npoint 2 element=D9\n",
        [{"call": "poll", "expect_hex": read_req(1, 1, 3, 0, 5)},
         {"call": "frame", "hex": regs_rsp(1, 1, struct.pack(">5H", 1, 9, 9, 9, 2)),
          "expect": [rec(0, "u64", 1), rec(1, "u64", 2)]},
         {"call": "poll", "expect_hex": read_req(2, 1, 3, 9, 1)},
         {"call": "frame", "hex": regs_rsp(2, 1, struct.pack(">H", 3)), "expect": [rec(2, "u64", 3)]},
         {"call": "poll", "expect_hex": ""}]))
    vs.append(vector(
        "a request never spans two table rows: M7679 and M8000 stay apart even with max_gap=2000",
        SRC_H3U_BITS + " (M0-M7679 at 0, M8000-M8511 at 0x1F40: the addresses between are no elements); " + AP[1],
        "device series=h3u max_gap=2000\npoint 0 element=M7679\npoint 1 element=M8000\n",
        [{"call": "poll", "expect_hex": read_req(1, 1, 1, 7679, 1)},
         {"call": "frame", "hex": bits_rsp(1, 1, 1, [True]), "expect": [rec(0, "bool", True)]},
         {"call": "poll", "expect_hex": read_req(2, 1, 1, 8000, 1)},
         {"call": "frame", "hex": bits_rsp(2, 1, 1, [True]), "expect": [rec(1, "bool", True)]},
         {"call": "poll", "expect_hex": ""}]))
    vs.append(vector(
        "D7999 and D8000 are one row on h3u (D0-D8511): one request",
        SRC_H3U_WORDS + "; " + AP[3],
        "device series=h3u\npoint 0 element=D7999\npoint 1 element=D8000\n",
        [{"call": "poll", "expect_hex": read_req(1, 1, 3, 7999, 2)},
         {"call": "frame", "hex": regs_rsp(1, 1, struct.pack(">HH", 5, 6)), "expect": [rec(0, "u64", 5), rec(1, "u64", 6)]},
         {"call": "poll", "expect_hex": ""}]))
    config = "device series=h5u\n" + "".join("point %d element=R%d\n" % (i, i) for i in range(130))
    vs.append(vector(
        "130 adjacent registers split into 125 + 5 (FC3 reads at most 125)",
        AP[3] + ": quantity of registers 1 to 125; " + SRC_SMALL,
        config,
        [{"call": "poll", "expect_hex": read_req(1, 1, 3, 0x3000, 125)},
         {"call": "poll", "expect_hex": read_req(2, 1, 3, 0x3000 + 125, 5)},
         {"call": "frame", "hex": regs_rsp(2, 1, struct.pack(">5H", 125, 126, 127, 128, 129)),
          "expect": [rec(125 + i, "u64", 125 + i) for i in range(5)]},
         {"call": "poll", "expect_hex": ""}]))
    vs.append(vector(
        "an i32 that would cross max_registers starts a new request",
        "README (max_registers); " + AP[3],
        "device series=h3u max_registers=4 max_gap=10\npoint 0 element=D0\npoint 1 element=D3 type=i32\n",
        [{"call": "poll", "expect_hex": read_req(1, 1, 3, 0, 1)},
         {"call": "poll", "expect_hex": read_req(2, 1, 3, 3, 2)},
         {"call": "frame", "hex": regs_rsp(2, 1, wire("i32", 65536)), "expect": [rec(1, "i64", 65536)]}]))
    vs.append(vector(
        "max_bits=16: Y0-Y17 (16 outputs, octal) in one request, Y20 in the next",
        "README (max_bits); " + SRC_H3U_BITS + "; " + AP[1],
        "device series=h3u max_bits=16\n" + "".join("point %d element=Y%o\n" % (i, i) for i in range(17)),
        [{"call": "poll", "expect_hex": read_req(1, 1, 1, 0xFC00, 16)},
         {"call": "frame", "hex": bits_rsp(1, 1, 1, [i % 5 == 0 for i in range(16)]),
          "expect": [rec(i, "bool", i % 5 == 0) for i in range(16)]},
         {"call": "poll", "expect_hex": read_req(2, 1, 1, 0xFC10, 1)},
         {"call": "frame", "hex": bits_rsp(2, 1, 1, [True]), "expect": [rec(16, "bool", True)]}]))
    vs.append(vector(
        "2000 coils in one request (FC1 reads at most 2000), the 2001st in the next",
        AP[1] + ": quantity of coils 1 to 2000; " + SRC_SMALL,
        "device series=h5u max_gap=2000\npoint 0 element=B0\npoint 1 element=B1999\npoint 2 element=B2000\n",
        [{"call": "poll", "expect_hex": read_req(1, 1, 1, 0x3000, 2000)},
         {"call": "frame", "hex": bits_rsp(1, 1, 1, [i in (0, 1999) for i in range(2000)]),
          "expect": [rec(0, "bool", True), rec(1, "bool", True)]},
         {"call": "poll", "expect_hex": read_req(2, 1, 1, 0x3000 + 2000, 1)}]))
    vs.append(vector(
        "overlapping points: D10 as u32, D10.3 and D11 share the two registers",
        "README (batching); " + AP[3],
        "device series=h3u\npoint 0 element=D10 type=u32\npoint 1 element=D10.3\npoint 2 element=D11\n",
        [{"call": "poll", "expect_hex": read_req(1, 1, 3, 10, 2)},
         {"call": "frame", "hex": regs_rsp(1, 1, wire("u32", 0x00020008)),
          "expect": [rec(0, "u64", 0x00020008), rec(1, "bool", True), rec(2, "u64", 2)]}]))
    vs.append(vector(
        "no point lines: nothing to poll",
        "ABI.md §5 (an empty point map); §7.1",
        "device series=h3u\n",
        [{"call": "poll", "expect_hex": ""}, {"call": "poll", "expect_hex": ""}]))
    return vs


def exception_vectors():
    vs = []
    base = "device series=h3u\npoint 0 element=D100\npoint 1 element=D101 type=i16\npoint 2 element=Y0\n"
    for code in (1, 2, 3, 4, 6, 11):
        vs.append(vector(
            "exception %d (%s) to an FC3 read gives BAD_DEVICE for each point of the request" % (code, EXC[code]),
            AP_EXC + "; ABI.md §6.1 (BAD_DEVICE carries the exception code)",
            base,
            [{"call": "poll", "expect_hex": read_req(1, 1, 1, 0xFC00, 1)},
             {"call": "frame", "hex": bits_rsp(1, 1, 1, [True]), "expect": [rec(2, "bool", True)]},
             {"call": "poll", "expect_hex": read_req(2, 1, 3, 100, 2)},
             {"call": "frame", "hex": exc_rsp(2, 1, 3, code),
              "expect": [rec(0, "u64", code, "BAD_DEVICE"), rec(1, "u64", code, "BAD_DEVICE")],
              "expect_last_error": "exception %d (%s) to FC3 read D100-D101 (holding registers at 100, quantity 2; transaction 2, unit 1)" % (code, EXC[code])},
             {"call": "poll", "expect_hex": ""}]))
    vs.append(vector(
        "exception 2 to an FC1 read of X names the octal elements",
        AP_EXC + "; " + SRC_H3U_BITS,
        "device series=h3u\npoint 0 element=X0\npoint 1 element=X17\n",
        [{"call": "poll", "expect_hex": read_req(1, 1, 1, 0xF800, 1)},
         {"call": "frame", "hex": exc_rsp(1, 1, 1, 2), "expect": [rec(0, "u64", 2, "BAD_DEVICE")],
          "expect_last_error": "exception 2 (illegal data address) to FC1 read X0 (coils at 63488, quantity 1; transaction 1, unit 1)"},
         {"call": "poll", "expect_hex": read_req(2, 1, 1, 0xF80F, 1)}]))
    vs.append(vector(
        "a response with another transaction id is E_PROTO; the request stays outstanding",
        MBAP + " (transaction identifier); ABI.md §7.3",
        base,
        [{"call": "poll", "expect_hex": read_req(1, 1, 1, 0xFC00, 1)},
         {"call": "frame", "hex": bits_rsp(7, 1, 1, [True]), "expect_error": "E_PROTO",
          "expect_last_error": "transaction id 7 does not match the outstanding request's 1"},
         {"call": "frame", "hex": bits_rsp(1, 1, 1, [False]), "expect": [rec(2, "bool", False)]}]))
    vs.append(vector(
        "another unit id, another function code, a wrong byte count, a wrong MBAP length: E_PROTO each",
        MBAP + "; " + AP[3] + "; ABI.md §7.3",
        base,
        [{"call": "poll", "expect_hex": read_req(1, 1, 1, 0xFC00, 1)},
         {"call": "frame", "hex": bits_rsp(1, 1, 1, [True]), "expect": [rec(2, "bool", True)]},
         {"call": "poll", "expect_hex": read_req(2, 1, 3, 100, 2)},
         {"call": "frame", "hex": regs_rsp(2, 9, struct.pack(">HH", 1, 2)), "expect_error": "E_PROTO",
          "expect_last_error": "unit id 9 does not match the outstanding request's unit 1"},
         {"call": "frame", "hex": regs_rsp(2, 1, struct.pack(">HH", 1, 2), fc=4), "expect_error": "E_PROTO",
          "expect_last_error": "function code 4 does not answer FC3 read D100-D101 (holding registers at 100, quantity 2; transaction 2, unit 1)"},
         {"call": "frame", "hex": regs_rsp(2, 1, struct.pack(">H", 1)), "expect_error": "E_PROTO",
          "expect_last_error": "byte count 2 in a 11-byte frame does not answer FC3 read D100-D101 (holding registers at 100, quantity 2; transaction 2, unit 1) (expected 4)"},
         {"call": "frame", "hex": "00020000000801030400010002", "expect_error": "E_PROTO",
          "expect_last_error": "malformed MBAP header: protocol id 0, length 8 for a 13-byte frame"},
         {"call": "frame", "hex": regs_rsp(2, 1, struct.pack(">HH", 1, 2)),
          "expect": [rec(0, "u64", 1), rec(1, "i64", 2)]}]))
    vs.append(vector(
        "an exception response with a trailing byte is E_PROTO",
        AP_EXC + ": an exception PDU is 2 bytes",
        base,
        [{"call": "poll", "expect_hex": read_req(1, 1, 1, 0xFC00, 1)},
         {"call": "frame", "hex": h(mbap(1, 1, bytes([0x81, 2, 0]))), "expect_error": "E_PROTO",
          "expect_last_error": "exception response to FC1 has 3 bytes of PDU, expected 2"}]))
    vs.append(vector(
        "a frame with nothing outstanding is E_ORDER",
        "ABI.md §7.3, §8 (E_ORDER)",
        base,
        [{"call": "frame", "hex": bits_rsp(1, 1, 1, [True]), "expect_error": "E_ORDER",
          "expect_last_error": "a response arrived but no request is outstanding"}]))
    vs.append(vector(
        "a timeout gives BAD_COMM for each point of the request; a second timeout is E_ORDER",
        "ABI.md §7.4",
        base,
        [{"call": "poll", "expect_hex": read_req(1, 1, 1, 0xFC00, 1)},
         {"call": "frame", "hex": bits_rsp(1, 1, 1, [True]), "expect": [rec(2, "bool", True)]},
         {"call": "poll", "expect_hex": read_req(2, 1, 3, 100, 2)},
         {"call": "timeout", "expect": [rec(0, "null", None, "BAD_COMM"), rec(1, "null", None, "BAD_COMM")],
          "expect_last_error": "no response to FC3 read D100-D101 (holding registers at 100, quantity 2; transaction 2, unit 1)"},
         {"call": "timeout", "expect_error": "E_ORDER"},
         {"call": "poll", "expect_hex": ""}]))
    vs.append(vector(
        "a timeout of an FC16 write reports the point BAD_COMM (agreed ABI 1.0)",
        "ABI.md §7.4, §7.6",
        "device series=h5u\npoint 0 element=D0 type=f32\n",
        [{"call": "write", "point": 0, "type": "f64", "value": 1.5,
          "expect_hex": write_regs(1, 1, 0, wire("f32", 1.5))},
         {"call": "timeout", "expect": [rec(0, "null", None, "BAD_COMM")],
          "expect_last_error": "no response to FC16 write D0 (holding registers at 0, quantity 2; transaction 1, unit 1)"}]))
    return vs


def framing_vectors():
    vs = []
    config = "device series=h3u\npoint 0 element=D100\npoint 1 element=D101\n"
    frame = regs_rsp(1, 1, struct.pack(">HH", 1, 2))
    vs.append(vector(
        "frame_len waits for the MBAP header, then for the whole frame",
        MBAP + ": the length field counts the unit id and the PDU; ABI.md §7.2 (meta.need)",
        config,
        [{"call": "poll", "expect_hex": read_req(1, 1, 3, 100, 2)},
         {"call": "frame_len", "hex": frame[:4], "expect_len": 0, "expect_need": 0},
         {"call": "frame_len", "hex": frame[:10], "expect_len": 0, "expect_need": 0},
         {"call": "frame_len", "hex": frame[:12], "expect_len": 0, "expect_need": 13},
         {"call": "frame_len", "hex": frame[:24], "expect_len": 0, "expect_need": 13},
         {"call": "frame_len", "hex": frame, "expect_len": 13},
         {"call": "frame_len", "hex": frame + "0002", "expect_len": 13},
         {"call": "frame", "hex": frame, "expect": [rec(0, "u64", 1), rec(1, "u64", 2)]}]))
    vs.append(vector(
        "a protocol id other than 0 or a length outside 2..254 resyncs one byte at a time",
        MBAP + ": protocol identifier 0, PDU at most 253 bytes (AP §4.1); ABI.md §7.2 (E_RESYNC)",
        config,
        [{"call": "poll", "expect_hex": read_req(1, 1, 3, 100, 2)},
         {"call": "frame_len", "hex": "ff" + frame, "expect_error": "E_RESYNC", "expect_skip": 1},
         {"call": "frame_len", "hex": "000100010007", "expect_error": "E_RESYNC", "expect_skip": 1},
         {"call": "frame_len", "hex": "000100000001", "expect_error": "E_RESYNC", "expect_skip": 1},
         {"call": "frame_len", "hex": "0001000000ff", "expect_error": "E_RESYNC", "expect_skip": 1},
         {"call": "frame_len", "hex": frame, "expect_len": 13}]))
    return vs


def write_steps_11(config, write, frame_hex, expect, source, name):
    return vector(name, source, v11(config),
                  [dict(write, call="write"), {"call": "frame", "hex": frame_hex, "expect": expect}],
                  host_abi="1.1", expect_agreed="1.1")


def write_vectors():
    vs = []
    y = "device series=h3u\npoint 0 element=Y17\npoint 1 element=D100\npoint 2 element=D200 type=f32\npoint 3 element=C200\n"
    # --- agreed 1.0: no record means the device confirmed the write (ABI §7.6)
    vs.append(vector(
        "FC5 turns Y17 (coil 0xFC0F) on and off; the echo confirms with no record (ABI 1.0)",
        AP[5] + ": 0xFF00 = ON, 0x0000 = OFF, the response echoes the request; " + SRC_H3U_BITS,
        y,
        [{"call": "write", "point": 0, "type": "bool", "value": True, "expect_hex": write_coil(1, 1, 0xFC0F, True),
          "expect_response": True},
         {"call": "frame", "hex": write_coil(1, 1, 0xFC0F, True), "expect": []},
         {"call": "write", "point": 0, "type": "i64", "value": 0, "expect_hex": write_coil(2, 1, 0xFC0F, False)},
         {"call": "frame", "hex": write_coil(2, 1, 0xFC0F, False), "expect": []}]))
    vs.append(vector(
        "FC6 writes D100; reads and writes share the transaction counter",
        AP[6] + "; " + SRC_H3U_WORDS,
        y,
        [{"call": "poll", "expect_hex": read_req(1, 1, 1, 0xFC0F, 1)},
         {"call": "frame", "hex": bits_rsp(1, 1, 1, [True]), "expect": [rec(0, "bool", True)]},
         {"call": "write", "point": 1, "type": "u64", "value": 1234, "expect_hex": write_reg(2, 1, 100, wire("u16", 1234))},
         {"call": "frame", "hex": write_reg(2, 1, 100, wire("u16", 1234)), "expect": []},
         {"call": "poll", "expect_hex": read_req(3, 1, 3, 100, 1)}]))
    vs.append(vector(
        "FC16 writes an f32 to D200-D201 low word first, and an i32 to the 32-bit counter C200",
        AP[16] + "; README (word order CDAB); " + SRC_H3U_WORDS,
        y,
        [{"call": "write", "point": 2, "type": "f64", "value": 123.456, "expect_hex": write_regs(1, 1, 200, wire("f32", 123.456))},
         {"call": "frame", "hex": multi_echo(1, 1, 16, 200, 2), "expect": []},
         {"call": "write", "point": 3, "type": "i64", "value": -100000, "expect_hex": write_regs(2, 1, 0xF700, wire("i32", -100000))},
         {"call": "frame", "hex": multi_echo(2, 1, 16, 0xF700, 2), "expect": []}]))
    vs.append(vector(
        "writes=multiple: FC15 for a coil, FC16 for a 16-bit register",
        AP[15] + "; " + AP[16] + "; " + SRC_SMALL,
        "device series=h5u writes=multiple\npoint 0 element=M8\npoint 1 element=D10 type=i16\n",
        [{"call": "write", "point": 0, "type": "bool", "value": True, "expect_hex": write_coils(1, 1, 8, True)},
         {"call": "frame", "hex": multi_echo(1, 1, 15, 8, 1), "expect": []},
         {"call": "write", "point": 0, "type": "bool", "value": False, "expect_hex": write_coils(2, 1, 8, False)},
         {"call": "frame", "hex": multi_echo(2, 1, 15, 8, 1), "expect": []},
         {"call": "write", "point": 1, "type": "i64", "value": -2, "expect_hex": write_regs(3, 1, 10, wire("i16", -2))},
         {"call": "frame", "hex": multi_echo(3, 1, 16, 10, 1), "expect": []}]))
    vs.append(vector(
        "AM: FC5 to a QX coil, FC16 to an MD double word (MW 4-5), FC6 to MW",
        AP[5] + "; " + AP[6] + "; " + AP[16] + "; " + SRC_AM,
        "device series=am\npoint 0 element=QX2.5\npoint 1 element=MD2 type=u32\npoint 2 element=MW7\n",
        [{"call": "write", "point": 0, "type": "bool", "value": True, "expect_hex": write_coil(1, 1, 21, True)},
         {"call": "frame", "hex": write_coil(1, 1, 21, True), "expect": []},
         {"call": "write", "point": 1, "type": "u64", "value": 4000000000, "expect_hex": write_regs(2, 1, 4, wire("u32", 4000000000))},
         {"call": "frame", "hex": multi_echo(2, 1, 16, 4, 2), "expect": []},
         {"call": "write", "point": 2, "type": "f64", "value": 65535.0, "expect_hex": write_reg(3, 1, 7, wire("u16", 65535))},
         {"call": "frame", "hex": write_reg(3, 1, 7, wire("u16", 65535)), "expect": []}]))
    vs.append(vector(
        "scale and offset are inverted for a write, integers round half away from zero",
        "README (scale, offset, rounding); " + AP[6],
        "device series=h3u\npoint 0 element=D10 scale=0.1 offset=-40\npoint 1 element=D11 type=i16\n",
        [{"call": "write", "point": 0, "type": "f64", "value": 25.0, "expect_hex": write_reg(1, 1, 10, wire("u16", 650))},
         {"call": "frame", "hex": write_reg(1, 1, 10, wire("u16", 650)), "expect": []},
         {"call": "write", "point": 1, "type": "f64", "value": 2.5, "expect_hex": write_reg(2, 1, 11, wire("i16", 3))},
         {"call": "frame", "hex": write_reg(2, 1, 11, wire("i16", 3)), "expect": []},
         {"call": "write", "point": 1, "type": "f64", "value": -2.5, "expect_hex": write_reg(3, 1, 11, wire("i16", -3))},
         {"call": "frame", "hex": write_reg(3, 1, 11, wire("i16", -3)), "expect": []}]))
    vs.append(vector(
        "an exception to a write gives BAD_DEVICE for the point",
        AP_EXC + "; ABI.md §7.6",
        y,
        [{"call": "write", "point": 1, "type": "u64", "value": 7, "expect_hex": write_reg(1, 1, 100, wire("u16", 7))},
         {"call": "frame", "hex": exc_rsp(1, 1, 6, 2), "expect": [rec(1, "u64", 2, "BAD_DEVICE")],
          "expect_last_error": "exception 2 (illegal data address) to FC6 write D100 (holding register 100; transaction 1, unit 1)"}]))
    vs.append(vector(
        "a write response that does not echo the request is E_PROTO; the echo is then taken",
        AP[6] + ": the normal response is an echo of the request",
        y,
        [{"call": "write", "point": 1, "type": "u64", "value": 7, "expect_hex": write_reg(1, 1, 100, wire("u16", 7))},
         {"call": "frame", "hex": write_reg(1, 1, 100, wire("u16", 8)), "expect_error": "E_PROTO",
          "expect_last_error": "response 0600640008 does not echo FC6 write D100 (holding register 100; transaction 1, unit 1) (expected 0600640007)"},
         {"call": "frame", "hex": write_reg(1, 1, 100, wire("u16", 7)), "expect": []}]))
    # refused writes
    refused = [
        ("h3u", "X0", "bool", True, "E_UNSUPPORTED",
         "point 0 (X0) is read-only: X is an input: the PLC refreshes X0 from its terminal every scan, so a write would not stay"),
        ("am", "IX0.3", "bool", True, "E_UNSUPPORTED",
         "point 0 (IX0.3) is read-only: IX is an input: the PLC refreshes IX0.3 from its terminal every scan, so a write would not stay"),
        ("h3u", "D100.3", "bool", True, "E_UNSUPPORTED",
         "point 0 (D100.3) is read-only: writing one bit of register D100 would need a read-modify-write of the whole register, which is not atomic"),
        ("am", "MX3.1", "bool", False, "E_UNSUPPORTED",
         "point 0 (MX3.1) is read-only: writing one bit of register MW1 would need a read-modify-write of the whole register, which is not atomic"),
        ("h3u", "D100", "u64", 70000, "E_INVAL",
         "point 0 (D100, type u16): value 70000 is outside the range of u16 (0..65535)"),
        ("h3u", "D100 type=i16", "i64", -40000, "E_INVAL",
         "point 0 (D100, type i16): value -40000 is outside the range of i16 (-32768..32767)"),
        ("h3u", "D100", "i64", -1, "E_INVAL",
         "point 0 (D100, type u16): value -1 is outside the range of u16 (0..65535)"),
        ("h3u", "C200 type=u32", "f64", -1.0, "E_INVAL",
         "point 0 (C200, type u32): value -1.0 is outside the range of u32 (0..4294967295)"),
        ("h3u", "D0 type=f32", "f64", 1e39, "E_INVAL",
         "point 0 (D0, type f32): value 1e+39 is outside the range of f32 (largest finite f32 ±3.4028234663852886e+38)"),
        ("h3u", "D0 scale=0.1", "f64", 7000.0, "E_INVAL",
         "point 0 (D0, type u16): value 7000.0 (raw 70000.0) is outside the range of u16 (0..65535)"),
        ("h3u", "D100", "str", "12", "E_INVAL", "point 0 (D100, type u16) takes a number, got str"),
        ("h3u", "Y0", "i64", 5, "E_INVAL", "point 0 (Y0, type bool) takes a bool, got i64 5"),
        ("h3u", "Y0", "f64", 1.0, "E_INVAL", "point 0 (Y0, type bool) takes a bool, got f64 1.0"),
    ]
    for series, element, vt, value, error, message in refused:
        vs.append(vector(
            "refused write: %s %s = %s %s" % (series, element, vt, json.dumps(value)),
            "ABI.md §7.6 (a read-only point gives E_UNSUPPORTED, an out-of-range value E_INVAL); README (writes)",
            "device series=%s\npoint 0 element=%s\n" % (series, element),
            [{"call": "write", "point": 0, "type": vt, "value": value, "expect_error": error, "expect_last_error": message},
             {"call": "poll", "expect_hex": read_req(1, 1, *address_of(series, element))}]))
    vs.append(vector(
        "a write to a point outside the point map is E_INVAL",
        "ABI.md §7.6, §8",
        y,
        [{"call": "write", "point": 4, "type": "u64", "value": 1, "expect_error": "E_INVAL",
          "expect_last_error": "point 4 is not in the point map (4 points)"}]))
    # --- agreed 1.1: the write's outcome is a WRITE_RESULT record (ABI §6.3)
    vs.append(write_steps_11(
        y, {"point": 0, "type": "bool", "value": True, "expect_hex": write_coil(1, 1, 0xFC0F, True)},
        write_coil(1, 1, 0xFC0F, True), [rec(0, "bool", True, write_result=True)],
        AP[5] + "; ABI.md §6.3 (a good write result carries the confirmed value)",
        "ABI 1.1: the FC5 echo is a write result with the confirmed value"))
    vs.append(write_steps_11(
        "device series=h3u\npoint 0 element=D10 type=i16 scale=0.5\n",
        {"point": 0, "type": "f64", "value": -3.0, "expect_hex": write_reg(1, 1, 10, wire("i16", -6))},
        write_reg(1, 1, 10, wire("i16", -6)), [rec(0, "f64", -3.0, write_result=True)],
        AP[6] + "; ABI.md §6.3",
        "ABI 1.1: the FC6 echo is a write result, decoded and scaled as a reading"))
    vs.append(write_steps_11(
        y, {"point": 2, "type": "f64", "value": 2.5, "expect_hex": write_regs(1, 1, 200, wire("f32", 2.5))},
        multi_echo(1, 1, 16, 200, 2), [rec(2, "null", None, write_result=True)],
        AP[16] + ": the response carries no value; ABI.md §6.3 (NULL when the response carries none)",
        "ABI 1.1: the FC16 response is a write result with no value"))
    vs.append(write_steps_11(
        y, {"point": 1, "type": "u64", "value": 7, "expect_hex": write_reg(1, 1, 100, wire("u16", 7))},
        exc_rsp(1, 1, 6, 3), [rec(1, "u64", 3, "BAD_DEVICE", write_result=True)],
        AP_EXC + "; ABI.md §6.3",
        "ABI 1.1: an exception to a write is a BAD_DEVICE write result"))
    vs.append(vector(
        "ABI 1.1: a write timeout is a BAD_COMM write result; readings stay readings",
        "ABI.md §6.3, §7.4",
        v11(y),
        [{"call": "poll", "expect_hex": read_req(1, 1, 1, 0xFC0F, 1)},
         {"call": "frame", "hex": bits_rsp(1, 1, 1, [False]), "expect": [rec(0, "bool", False)]},
         {"call": "write", "point": 1, "type": "u64", "value": 7, "expect_hex": write_reg(2, 1, 100, wire("u16", 7))},
         {"call": "timeout", "expect": [rec(1, "null", None, "BAD_COMM", write_result=True)]},
         {"call": "poll", "expect_hex": read_req(3, 1, 3, 100, 1)},
         {"call": "frame_len", "hex": regs_rsp(3, 1, wire("u16", 7)), "expect_len": 11,
          "expect_corr": (3 << 16) | (1 << 8) | 3},
         {"call": "frame", "hex": regs_rsp(3, 1, wire("u16", 7)), "expect": [rec(1, "u64", 7)]}],
        host_abi="1.1", expect_agreed="1.1"))
    return vs


def address_of(series, element):
    """(fc, address, quantity) of the first poll of a one-point config."""
    parts = element.split(" ")
    name = parts[0]
    t = parts[1].split("=")[1] if len(parts) > 1 else None
    if "." in name and series != "am" or name.startswith("MX"):
        fc, a = address(series, name, False)
        return fc, a, 1
    bits = t == "bool" or (t is None and any(p == "".join(c for c in name if c.isalpha()) and fc != HOLD
                                             for p, fc, *_ in TABLES[series]))
    fc, a = address(series, name, bits)
    if bits:
        return fc, a, 1
    width = 2 if t in ("u32", "i32", "f32") or (series == "h3u" and name.startswith("C") and int(name[1:]) >= 200) else 1
    return fc, a, width


def config_error(name, config, message, source="ABI.md §5 (E_CONFIG names the line and key); README (configuration)"):
    return vector(name, source, config, [{"call": "poll", "expect_error": "E_NODEV"}],
                  expect_open_error="E_CONFIG", expect_last_error=message)


def config_error_vectors():
    e = config_error
    return [
        e("series is required", "device\npoint 0 element=D0\n",
          "device: missing key \"series\" (expected h3u, h5u, easy or am)"),
        e("unknown series", "device series=h4u\n", "device: unknown series \"h4u\" (expected h3u, h5u, easy or am)"),
        e("unknown device key", "device series=h3u unti=1\n",
          "device: unknown key \"unti\" (known keys: series, unit, max_registers, max_bits, max_gap, timeout_ms, writes)"),
        e("unknown point key before a missing element", "device series=h3u\npoint 0 elemnt=D0\n",
          "point 0: unknown key \"elemnt\" (known keys: element, type, order, scale, offset)"),
        e("unit out of range", "device series=h3u unit=256\n", "device: unit 256 is out of range 0..255"),
        e("max_registers above 125", "device series=h3u max_registers=126\n", "device: max_registers 126 is out of range 1..125"),
        e("max_bits above 2000", "device series=h3u max_bits=2001\n", "device: max_bits 2001 is out of range 1..2000"),
        e("unknown writes", "device series=h3u writes=both\n", "device: unknown writes \"both\" (expected single or multiple)"),
        e("missing element", "device series=h3u\npoint 0 type=u16\n",
          "point 0: missing key \"element\" (an element such as D100, M8 or X17)"),
        e("element without a number", "device series=h3u\npoint 0 element=D\n", "point 0: element \"D\" has no number (e.g. D0)"),
        e("element that is no name", "device series=h3u\npoint 0 element=100\n",
          "point 0: element \"100\" does not start with an element name (M, SM, S, T, C, X, Y, D, SD, R on h3u)"),
        e("an element the series does not have (B on h3u)", "device series=h3u\npoint 0 element=B5\n",
          "point 0: element \"B5\": no element B on h3u (elements: M, SM, S, T, C, X, Y, D, SD, R)", SRC_H3U_BITS),
        e("SD is not in the H5U table", "device series=h5u\npoint 0 element=SD10\n",
          "point 0: element \"SD10\": no element SD on h5u (elements: M, B, S, X, Y, D, R)", SRC_SMALL),
        e("M7680-M7999 do not exist on h3u", "device series=h3u\npoint 0 element=M7700\n",
          "point 0: element \"M7700\" does not exist on h3u (M0-M7679, M8000-M8511)", SRC_H3U_BITS),
        e("D8512 does not exist on h3u", "device series=h3u\npoint 0 element=D8512\n",
          "point 0: element \"D8512\" does not exist on h3u (D0-D8511)", SRC_H3U_WORDS),
        e("D8000 does not exist on h5u", "device series=h5u\npoint 0 element=D8000\n",
          "point 0: element \"D8000\" does not exist on h5u (D0-D7999)", SRC_SMALL),
        e("X is octal", "device series=h3u\npoint 0 element=X8\n",
          "point 0: element \"X8\": X is numbered in octal on h3u (digits 0-7)", SRC_H3U_BITS),
        e("X400 is past X377 on h3u", "device series=h3u\npoint 0 element=X400\n",
          "point 0: element \"X400\" does not exist on h3u (X0-X377)", SRC_H3U_BITS),
        e("X2000 is past X1777 on h5u", "device series=h5u\npoint 0 element=Y2000\n",
          "point 0: element \"Y2000\" does not exist on h5u (Y0-Y1777)", SRC_SMALL),
        e("a bit element with a register type", "device series=h3u\npoint 0 element=M8 type=u16\n",
          "point 0: element \"M8\": M is a bit element on h3u: type must be bool, not u16"),
        e("bool on a register needs .bit", "device series=h3u\npoint 0 element=D8 type=bool\n",
          "point 0: element \"D8\": D is a register element; type bool needs a bit: D8.0 … D8.15"),
        e("register bit out of range", "device series=h3u\npoint 0 element=D8.16\n",
          "point 0: element \"D8.16\": bit \"16\" is out of range 0..15"),
        e("a bit element takes no .bit", "device series=h3u\npoint 0 element=M8.1\n",
          "point 0: element \"M8.1\": M is a bit element; only register elements take .bit (e.g. D100.3)"),
        e("unknown type", "device series=h3u\npoint 0 element=D0 type=f33\n",
          "point 0: unknown type \"f33\" (expected bool, u16, i16, u32, i32 or f32)"),
        e("a 32-bit counter takes i32 or u32", "device series=h3u\npoint 0 element=C200 type=u16\n",
          "point 0: type u16 does not fit C200, a 32-bit counter (expected i32 or u32)", SRC_H3U_WORDS),
        e("a timer value is 16-bit", "device series=h3u\npoint 0 element=T5 type=i32\n",
          "point 0: type i32 does not fit T5, a 16-bit timer value (expected u16 or i16)", SRC_H3U_WORDS),
        e("a 32-bit value past the end of the row", "device series=h3u\npoint 0 element=D8511 type=f32\n",
          "point 0: element \"D8511\": type f32 takes D8511 and D8512, but D8512 does not exist on h3u (D0-D8511)",
          SRC_H3U_WORDS),
        e("QX needs byte.bit", "device series=am\npoint 0 element=QX3\n",
          "point 0: element \"QX3\": QX is addressed as byte.bit (QX3.0 … QX3.7)", SRC_AM),
        e("QX bit 8", "device series=am\npoint 0 element=QX3.8\n", "point 0: element \"QX3.8\": bit \"8\" is out of range 0..7", SRC_AM),
        e("QX8192.0 does not exist", "device series=am\npoint 0 element=QX8192.0\n",
          "point 0: element \"QX8192.0\" does not exist on am (QX0.0-QX8191.7)", SRC_AM),
        e("MD is a double word", "device series=am\npoint 0 element=MD4 type=i16\n",
          "point 0: type i16 does not fit MD4, a double word (expected i32, u32 or f32)", SRC_AM),
        e("scale on a bool", "device series=h3u\npoint 0 element=Y0 scale=2\n", "point 0: scale applies to register values; Y0 is a bool"),
        e("order on a bool", "device series=h3u\npoint 0 element=D0.1 order=ABCD\n",
          "point 0: order applies to register values; D0.1 is a bool"),
        e("unknown order", "device series=h3u\npoint 0 element=D0 type=u32 order=ACBD\n",
          "point 0: unknown byte order \"ACBD\" (expected ABCD, CDAB, BADC or DCBA)"),
        e("scale=0", "device series=h3u\npoint 0 element=D0 scale=0\n",
          "point 0: scale=0 makes every value the offset (and a write impossible to invert)"),
        e("scale not a number", "device series=h3u\npoint 0 element=D0 scale=x\n", "point 0: scale \"x\" is not a number"),
        e("the first bad point line is named", "device series=h3u\npoint 0 element=D0\npoint 1 element=D1\npoint 2 element=Q1\n",
          "point 2: element \"Q1\": no element Q on h3u (elements: M, SM, S, T, C, X, Y, D, SD, R)"),
    ]


def state_vectors():
    config = "device series=h3u\npoint 0 element=D0\n"
    return [
        vector(
            "transaction ids continue across a hot swap",
            "ABI.md §7.7 (save_state / load_state: schema 1, then the next transaction id, u16 LE)",
            config,
            [{"call": "poll", "expect_hex": read_req(1, 1, 3, 0, 1)},
             {"call": "frame", "hex": regs_rsp(1, 1, wire("u16", 42)), "expect": [rec(0, "u64", 42)]},
             {"call": "save_state", "expect_hex": "010000000200"},
             {"call": "reopen_with_state"},
             {"call": "poll", "expect_hex": read_req(2, 1, 3, 0, 1)},
             {"call": "frame", "hex": regs_rsp(2, 1, wire("u16", 43)), "expect": [rec(0, "u64", 43)]}]),
        vector(
            "the id 65535 wraps to 0",
            "ABI.md §7.7; " + MBAP + " (a 16-bit transaction identifier)",
            config,
            [{"call": "reopen_with_state", "hex": "01000000ffff"},
             {"call": "poll", "expect_hex": read_req(65535, 1, 3, 0, 1)},
             {"call": "poll", "expect_hex": ""},
             {"call": "poll", "expect_hex": read_req(0, 1, 3, 0, 1)}]),
        vector(
            "another schema or a short payload starts cold (E_SCHEMA)",
            "ABI.md §7.7 (E_SCHEMA: the driver starts cold)",
            config,
            [{"call": "reopen_with_state", "hex": "020000000900", "expect_error": "E_SCHEMA",
              "expect_last_error": "load_state: state schema 2, this driver reads schema 1; starting cold"},
             {"call": "poll", "expect_hex": read_req(1, 1, 3, 0, 1)},
             {"call": "reopen_with_state", "hex": "0100000009", "expect_error": "E_SCHEMA",
              "expect_last_error": "state payload of 1 bytes after the schema; this driver reads schema 1 with 2 (the next transaction id)"},
             {"call": "poll", "expect_hex": read_req(1, 1, 3, 0, 1)}]),
        vector(
            "a second open starts afresh: new config, transaction ids from 1",
            "ABI.md §2.6 (weir_open of an open handle discards the device and opens it afresh)",
            config,
            [{"call": "poll", "expect_hex": read_req(1, 1, 3, 0, 1)},
             {"call": "frame", "hex": regs_rsp(1, 1, wire("u16", 1)), "expect": [rec(0, "u64", 1)]},
             {"call": "poll", "expect_hex": ""},
             {"call": "open", "config": "device series=h5u unit=2\npoint 0 element=Y10\n"},
             {"call": "poll", "expect_hex": read_req(1, 2, 1, 0xFC08, 1)},
             {"call": "frame", "hex": bits_rsp(1, 2, 1, [True]), "expect": [rec(0, "bool", True)]},
             {"call": "open", "config": "device series=h5u\npoint 0 element=Y8\n", "expect_error": "E_CONFIG",
              "expect_last_error": "point 0: element \"Y8\": Y is numbered in octal on h5u (digits 0-7)"}]),
    ]


FILES = {
    "h3u": h3u_vectors,
    "h5u_easy": small_vectors,
    "am": am_vectors,
    "types": types_vectors,
    "batching": batching_vectors,
    "exceptions": exception_vectors,
    "framing": framing_vectors,
    "writes": write_vectors,
    "config_errors": config_error_vectors,
    "state": state_vectors,
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
    with tempfile.TemporaryDirectory(prefix="inovance-vectors-") as tmp:
        generate(tmp, verbose=False)
        generated = sorted(os.listdir(tmp))
        for name in generated:
            committed = os.path.join(VECTORS, name)
            if not os.path.exists(committed):
                problems.append("%s: generated but missing from vectors/" % name)
            elif not filecmp.cmp(os.path.join(tmp, name), committed, shallow=False):
                problems.append("%s: differs from what gen_vectors.py generates" % name)
        if os.path.isdir(VECTORS):
            for name in sorted(os.listdir(VECTORS)):
                if name.endswith(".json") and name not in generated:
                    problems.append("%s: in vectors/ but not generated by gen_vectors.py" % name)
    return problems


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Generates drivers/inovance/vectors/*.json.")
    parser.add_argument("--check", action="store_true",
                        help="compare a fresh generation with vectors/ instead of writing it; exit 1 on any difference")
    args = parser.parse_args()
    if args.check:
        problems = check()
        for p in problems:
            print(p, file=sys.stderr)
        if problems:
            sys.exit("error: %d file(s) in %s differ from the generator; run "
                     "python3 drivers/inovance/tools/gen_vectors.py and review the diff"
                     % (len(problems), os.path.normpath(VECTORS)))
        print("vectors/: all %d files match gen_vectors.py" % len(FILES))
    else:
        os.makedirs(VECTORS, exist_ok=True)
        generate(VECTORS, verbose=True)
