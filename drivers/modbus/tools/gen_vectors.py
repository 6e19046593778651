#!/usr/bin/env python3
"""Generates every file of drivers/modbus/vectors/ (format: driver-abi/VECTORS.md).

This script is the only source of those files: running it must reproduce the committed JSON byte
for byte, and `--check` proves it does (see the driver README, "Vectors").

Expected values are computed here with Python's struct module, independently of the Rust driver,
from the byte layouts of Modbus AP v1.1b3 and the byte-order names of the driver README. Corpus
vectors take request/response bytes and values from the tshark-decoded truth files in
../shared/corpus/modbus_tcp/*/*.truth.jsonl (frame numbers in `source`). Error texts
(`expect_last_error`) are the driver's wording, written out literally.

Usage: python3 tools/gen_vectors.py [--check] [CORPUS_DIR]   (default: ../../../shared/corpus from here)
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
DEFAULT_CORPUS = os.path.join(HERE, "..", "..", "..", "..", "shared", "corpus")
CORPUS = DEFAULT_CORPUS  # set from the command line before corpus_vectors() runs

AREA_FC = {"coil": 1, "discrete": 2, "holding": 3, "input": 4}
EXC = {1: "illegal function", 2: "illegal data address", 3: "illegal data value",
       4: "server device failure", 5: "acknowledge", 6: "server device busy",
       8: "memory parity error", 10: "gateway path unavailable",
       11: "gateway target device failed to respond"}


def mbap(tid, unit, pdu):
    return struct.pack(">HHHB", tid, 0, len(pdu) + 1, unit) + pdu


def h(b):
    return b.hex()


def read_req(tid, unit, fc, start, qty):
    return h(mbap(tid, unit, struct.pack(">BHH", fc, start, qty)))


def regs_rsp(tid, unit, fc, data):
    """data: raw register bytes (big-endian registers as on the wire)."""
    return h(mbap(tid, unit, bytes([fc, len(data)]) + data))


def bits_rsp(tid, unit, fc, bits):
    data = bytearray((len(bits) + 7) // 8)
    for i, b in enumerate(bits):
        if b:
            data[i // 8] |= 1 << (i % 8)  # AP §6.1: LSB of the first byte = first bit
    return h(mbap(tid, unit, bytes([fc, len(data)]) + bytes(data)))


def exc_rsp(tid, unit, fc, code):
    return h(mbap(tid, unit, bytes([fc | 0x80, code])))


def arrange(be, order):
    """Wire bytes of a big-endian value `be` (4 or 8 bytes) in the named order."""
    words = [be[i:i + 2] for i in range(0, len(be), 2)]
    if order in ("CDAB", "DCBA"):
        words = words[::-1]
    if order in ("BADC", "DCBA"):
        words = [w[::-1] for w in words]
    return b"".join(words)


TYPES = {  # type: (struct format, registers, JSON type without scale)
    "u16": (">H", 1, "u64"), "i16": (">h", 1, "i64"),
    "u32": (">I", 2, "u64"), "i32": (">i", 2, "i64"), "f32": (">f", 2, "f64"),
    "u64": (">Q", 4, "u64"), "i64": (">q", 4, "i64"), "f64": (">d", 4, "f64"),
}
SAMPLES = {"u16": 51234, "i16": -1234, "u32": 4000000000, "i32": -2000000000, "f32": 123.456,
           "u64": 0x0102030405060708, "i64": -1234567890123, "f64": -9876.54321}

NOW = "1700000000000000"


def rec(point, typ, value, quality="GOOD"):
    return {"point": point, "type": typ, "value": value, "quality": quality}


def named(name, typ, value, quality="GOOD"):
    return {"name": name, "type": typ, "value": value, "quality": quality}


def vector(name, source, config, steps):
    return {"name": name, "source": source, "config": config, "steps": steps}


def check_names(topic, vectors):
    names = [v["name"] for v in vectors]
    assert len(names) == len(set(names)), "%s: duplicate vector names" % topic


def write_file(out, topic, vectors):
    """One vector per block, one step per line (the layout of the original generated files)."""
    check_names(topic, vectors)
    lines = ['{', '  "driver": "modbus",', '  "vectors": [']
    for i, v in enumerate(vectors):
        lines.append('    {')
        lines.append('      "name": %s,' % json.dumps(v["name"]))
        lines.append('      "source": %s,' % json.dumps(v["source"]))
        lines.append('      "config": %s,' % json.dumps(v["config"]))
        for k, val in v.items():
            if k not in ("name", "source", "config", "steps"):
                lines.append('      %s: %s,' % (json.dumps(k), json.dumps(val)))
        lines.append('      "steps": [')
        for j, s in enumerate(v["steps"]):
            lines.append('        ' + json.dumps(s) + (',' if j + 1 < len(v["steps"]) else ''))
        lines.append('      ]')
        lines.append('    }' + (',' if i + 1 < len(vectors) else ''))
    lines += ['  ]', '}', '']
    with open(os.path.join(out, topic + ".json"), "w") as f:
        f.write("\n".join(lines))
    return len(vectors)


def write_file_indented(out, topic, vectors):
    """Fully indented JSON (json.dumps indent=2): the layout config_errors.json and state.json were
    committed in, kept so that regenerating them changes no byte."""
    check_names(topic, vectors)
    with open(os.path.join(out, topic + ".json"), "w") as f:
        f.write(json.dumps({"driver": "modbus", "vectors": vectors}, indent=2) + "\n")
    return len(vectors)


def f32(v):
    return struct.unpack(">f", struct.pack(">f", v))[0]


# ---------------------------------------------------------------- requests and responses per FC
def bit_read_example(name, source, fc, area, address, count, status):
    """An FC1/FC2 example of the specification: one point per bit of `count` bits from 0-based
    `address`, read in one request and answered with the `status` bytes (AP §6.1: the first bit
    is the LSB of the first byte; the padding bits of the last byte are ignored)."""
    bits = [(byte >> i) & 1 for byte in status for i in range(8)][:count]
    cfg = "device\n" + "".join("point %d area=%s address=%d\n" % (i, area, address + i)
                               for i in range(count))
    return vector(
        name, source, cfg,
        [{"call": "poll", "expect_hex": read_req(1, 1, fc, address, count)},
         {"call": "frame", "hex": h(mbap(1, 1, bytes([fc, len(status)] + list(status)))),
          "expect": [rec(i, "bool", bool(b)) for i, b in enumerate(bits)]}])


def requests_vectors():
    vs = []
    cfg = ("device unit=17\n"
           "point 0 area=coil address=5 type=bool\n"
           "point 1 area=discrete address=5\n"
           "point 2 area=holding address=100 type=u16\n"
           "point 3 area=input address=100 type=i16\n")
    vs.append(vector(
        "one cycle reads FC1, FC2, FC3, FC4 in area order with increasing transaction ids",
        "Modbus AP v1.1b3 §6.1-6.4 (request and response PDUs); Messaging guide §3.1.3 (MBAP)",
        cfg,
        [{"call": "poll", "expect_hex": read_req(1, 17, 1, 5, 1), "expect_timeout_ms": 0},
         {"call": "frame_len", "hex": bits_rsp(1, 17, 1, [1]), "expect_len": 10},
         {"call": "frame", "hex": bits_rsp(1, 17, 1, [1]), "expect": [rec(0, "bool", True)]},
         {"call": "poll", "expect_hex": read_req(2, 17, 2, 5, 1)},
         {"call": "frame", "hex": bits_rsp(2, 17, 2, [0]), "expect": [rec(1, "bool", False)]},
         {"call": "poll", "expect_hex": read_req(3, 17, 3, 100, 1)},
         {"call": "frame", "hex": regs_rsp(3, 17, 3, struct.pack(">H", 0xABCD)), "expect": [rec(2, "u64", 0xABCD)]},
         {"call": "poll", "expect_hex": read_req(4, 17, 4, 100, 1)},
         {"call": "frame", "hex": regs_rsp(4, 17, 4, struct.pack(">h", -2)), "expect": [rec(3, "i64", -2)]},
         {"call": "poll", "expect_hex": ""},
         {"call": "poll", "expect_hex": read_req(5, 17, 1, 5, 1)}]))
    vs.append(vector(
        "device timeout_ms goes to meta.timeout_ms",
        "ABI.md §7.1 (meta.timeout_ms)",
        "device unit=1 timeout_ms=250\npoint 0 area=holding address=0\n",
        [{"call": "poll", "expect_hex": read_req(1, 1, 3, 0, 1), "expect_timeout_ms": 250}]))
    # FC1 with 19 coils: AP §6.1 example (coils 20-38, status CD 6B 05).
    vs.append(bit_read_example(
        "FC1 read 19 coils, the specification's example (padding bits ignored)",
        "Modbus AP v1.1b3 §6.1 example: coils 20-38, response bytes CD 6B 05",
        1, "coil", 19, 19, (0xCD, 0x6B, 0x05)))
    # FC3 AP §6.3 example: registers 108-110 = 555, 0, 100 (0x022B 0x0000 0x0064).
    vs.append(vector(
        "FC3 read three holding registers, the specification's example",
        "Modbus AP v1.1b3 §6.3 example: registers 108-110",
        "device\npoint 0 area=holding address=107\npoint 1 area=holding address=108\npoint 2 area=holding address=109\n",
        [{"call": "poll", "expect_hex": read_req(1, 1, 3, 107, 3)},
         {"call": "frame", "hex": h(mbap(1, 1, bytes.fromhex("0306022b00000064"))),
          "expect": [rec(0, "u64", 555), rec(1, "u64", 0), rec(2, "u64", 100)]}]))
    # FC2 AP §6.2 example: inputs 197-218, status AC DB 35.
    vs.append(bit_read_example(
        "FC2 read 22 discrete inputs, the specification's example",
        "Modbus AP v1.1b3 §6.2 example: inputs 197-218, response bytes AC DB 35",
        2, "discrete", 196, 22, (0xAC, 0xDB, 0x35)))
    # FC4 AP §6.4 example: input register 9 = 0x000A.
    vs.append(vector(
        "FC4 read one input register, the specification's example",
        "Modbus AP v1.1b3 §6.4 example: input register 9 = 10",
        "device\npoint 0 area=input address=8\n",
        [{"call": "poll", "expect_hex": read_req(1, 1, 4, 8, 1)},
         {"call": "frame", "hex": h(mbap(1, 1, bytes.fromhex("0402000a"))), "expect": [rec(0, "u64", 10)]}]))
    return vs


# ---------------------------------------------------------------- types and byte orders
def types_vectors():
    vs = []
    for order in ("ABCD", "CDAB", "BADC", "DCBA"):
        cfg = "device\n"
        data = b""
        expect = []
        addr = 0
        for i, (t, (fmt, n, jt)) in enumerate(TYPES.items()):
            cfg += "point %d area=holding address=%d type=%s order=%s\n" % (i, addr, t, order)
            be = struct.pack(fmt, SAMPLES[t])
            wire = arrange(be, order) if n > 1 else (be[::-1] if order in ("BADC", "DCBA") else be)
            data += wire
            v = struct.unpack(fmt, be)[0]
            expect.append(rec(i, jt, v))
            addr += n
        vs.append(vector(
            "every register type in order %s" % order,
            "byte orders as in the driver README (A = most significant byte, letters in wire order); values by Python struct",
            cfg,
            [{"call": "poll", "expect_hex": read_req(1, 1, 3, 0, addr)},
             {"call": "frame", "hex": regs_rsp(1, 1, 3, data), "expect": expect}]))
    # f32 123.456 = 0x42F6E979 in each order, one point per order, from input registers.
    wires = {"ABCD": "42f6e979", "CDAB": "e97942f6", "BADC": "f64279e9", "DCBA": "79e9f642"}
    cfg = "device\n" + "".join("point %d area=input address=%d type=f32 order=%s\n" % (i, 2 * i, o)
                               for i, o in enumerate(wires))
    vs.append(vector(
        "f32 123.456 (0x42F6E979) in all four orders",
        "IEEE 754 binary32 of 123.456 is 42 F6 E9 79 (A B C D)",
        cfg,
        [{"call": "poll", "expect_hex": read_req(1, 1, 4, 0, 8)},
         {"call": "frame", "hex": regs_rsp(1, 1, 4, bytes.fromhex("".join(wires.values()))),
          "expect": [rec(i, "f64", f32(123.456)) for i in range(4)]}]))
    # scale and offset: value = raw * scale + offset as F64.
    cfg = ("device\n"
           "point 0 area=holding address=0 type=i16 scale=0.1\n"
           "point 1 area=holding address=1 type=u16 offset=-40\n"
           "point 2 area=holding address=2 type=u32 order=CDAB scale=0.01 offset=5\n"
           "point 3 area=holding address=4 type=f32 scale=2\n")
    data = struct.pack(">h", -215) + struct.pack(">H", 65) + arrange(struct.pack(">I", 123456), "CDAB") + struct.pack(">f", 1.5)
    vs.append(vector(
        "scale and offset give F64 raw*scale+offset",
        "driver README (scale, offset); raw values by Python struct",
        cfg,
        [{"call": "poll", "expect_hex": read_req(1, 1, 3, 0, 6)},
         {"call": "frame", "hex": regs_rsp(1, 1, 3, data),
          "expect": [rec(0, "f64", -215 * 0.1), rec(1, "f64", 65 - 40.0),
                     rec(2, "f64", 123456 * 0.01 + 5), rec(3, "f64", 3.0)]}]))
    # bits of a holding register.
    cfg = ("device\npoint 0 area=holding address=3 type=bool bit=0\n"
           "point 1 area=holding address=3 type=bool bit=15\npoint 2 area=holding address=3 type=bool bit=1\n"
           "point 3 area=holding address=3 type=u16\n")
    vs.append(vector(
        "bool bits of a holding register (bit 0 = least significant)",
        "driver README (bit=N); register 0x8001",
        cfg,
        [{"call": "poll", "expect_hex": read_req(1, 1, 3, 3, 1)},
         {"call": "frame", "hex": regs_rsp(1, 1, 3, bytes.fromhex("8001")),
          "expect": [rec(0, "bool", True), rec(1, "bool", True), rec(2, "bool", False), rec(3, "u64", 0x8001)]}]))
    vs.append(vector(
        "u16 and i16 with byte-swapping orders",
        "driver README: BADC and DCBA swap the two bytes of a 16-bit value",
        "device\npoint 0 area=holding address=0 type=u16 order=BADC\npoint 1 area=holding address=1 type=i16 order=DCBA\npoint 2 area=holding address=2 type=u16 order=CDAB\n",
        [{"call": "poll", "expect_hex": read_req(1, 1, 3, 0, 3)},
         {"call": "frame", "hex": regs_rsp(1, 1, 3, bytes.fromhex("3412feff1234")),
          "expect": [rec(0, "u64", 0x1234), rec(1, "i64", -2), rec(2, "u64", 0x1234)]}]))
    return vs


# ---------------------------------------------------------------- batching
def batching_vectors():
    vs = []
    vs.append(vector(
        "adjacent points of one area merge into one request",
        "ABI.md §7.1 (batching); Modbus AP v1.1b3 §6.3",
        "device\npoint 0 area=holding address=10 type=u16\npoint 1 area=holding address=11 type=f32\npoint 2 area=holding address=13 type=i16\n",
        [{"call": "poll", "expect_hex": read_req(1, 1, 3, 10, 4)},
         {"call": "frame", "hex": regs_rsp(1, 1, 3, struct.pack(">Hfh", 7, 2.5, -7)),
          "expect": [rec(0, "u64", 7), rec(1, "f64", 2.5), rec(2, "i64", -7)]},
         {"call": "poll", "expect_hex": ""}]))
    vs.append(vector(
        "a hole with max_gap=0 splits the request",
        "driver README (max_gap default 0)",
        "device\npoint 0 area=holding address=0\npoint 1 area=holding address=5\n",
        [{"call": "poll", "expect_hex": read_req(1, 1, 3, 0, 1)},
         {"call": "frame", "hex": regs_rsp(1, 1, 3, struct.pack(">H", 1)), "expect": [rec(0, "u64", 1)]},
         {"call": "poll", "expect_hex": read_req(2, 1, 3, 5, 1)},
         {"call": "frame", "hex": regs_rsp(2, 1, 3, struct.pack(">H", 2)), "expect": [rec(1, "u64", 2)]},
         {"call": "poll", "expect_hex": ""}]))
    vs.append(vector(
        "max_gap=4 reads and discards a hole of four registers",
        "driver README (max_gap)",
        "device max_gap=4\npoint 0 area=holding address=0\npoint 1 area=holding address=5\n",
        [{"call": "poll", "expect_hex": read_req(1, 1, 3, 0, 6)},
         {"call": "frame", "hex": regs_rsp(1, 1, 3, struct.pack(">6H", 1, 9, 9, 9, 9, 2)),
          "expect": [rec(0, "u64", 1), rec(1, "u64", 2)]},
         {"call": "poll", "expect_hex": ""}]))
    vs.append(vector(
        "max_gap=3 does not bridge a hole of four registers",
        "driver README (max_gap)",
        "device max_gap=3\npoint 0 area=holding address=0\npoint 1 area=holding address=5\n",
        [{"call": "poll", "expect_hex": read_req(1, 1, 3, 0, 1)},
         {"call": "timeout", "expect": [rec(0, "null", None, "BAD_COMM")]},
         {"call": "poll", "expect_hex": read_req(2, 1, 3, 5, 1)}]))
    cfg = "device\n" + "".join("point %d area=input address=%d\n" % (i, i) for i in range(130))
    vs.append(vector(
        "130 adjacent registers split into 125 + 5 (FC4 quantity at most 125)",
        "Modbus AP v1.1b3 §6.4: quantity of input registers 1 to 125 (0x7D)",
        cfg,
        [{"call": "poll", "expect_hex": read_req(1, 1, 4, 0, 125)},
         {"call": "poll", "expect_hex": read_req(2, 1, 4, 125, 5)},
         {"call": "frame", "hex": regs_rsp(2, 1, 4, struct.pack(">5H", 125, 126, 127, 128, 129)),
          "expect": [rec(125 + i, "u64", 125 + i) for i in range(5)]},
         {"call": "poll", "expect_hex": ""}]))
    vs.append(vector(
        "a f64 that would cross the 125-register limit starts a new request",
        "Modbus AP v1.1b3 §6.3: quantity of registers 1 to 125",
        "device max_gap=200\npoint 0 area=holding address=0\npoint 1 area=holding address=122 type=f64\n",
        [{"call": "poll", "expect_hex": read_req(1, 1, 3, 0, 1)},
         {"call": "poll", "expect_hex": read_req(2, 1, 3, 122, 4)},
         {"call": "frame", "hex": regs_rsp(2, 1, 3, struct.pack(">d", 6.25)), "expect": [rec(1, "f64", 6.25)]}]))
    vs.append(vector(
        "max_registers=2 limits each request",
        "driver README (max_registers)",
        "device max_registers=2\npoint 0 area=holding address=0\npoint 1 area=holding address=1\npoint 2 area=holding address=2\n",
        [{"call": "poll", "expect_hex": read_req(1, 1, 3, 0, 2)},
         {"call": "poll", "expect_hex": read_req(2, 1, 3, 2, 1)},
         {"call": "poll", "expect_hex": ""}]))
    vs.append(vector(
        "coils 0 and 1999 fit one FC1 request of 2000 bits, 2000 starts another",
        "Modbus AP v1.1b3 §6.1: quantity of outputs 1 to 2000 (0x7D0)",
        "device max_gap=2000\npoint 0 area=coil address=0\npoint 1 area=coil address=1999\npoint 2 area=coil address=2000\n",
        [{"call": "poll", "expect_hex": read_req(1, 1, 1, 0, 2000)},
         {"call": "frame", "hex": bits_rsp(1, 1, 1, [1] + [0] * 1998 + [1]),
          "expect": [rec(0, "bool", True), rec(1, "bool", True)]},
         {"call": "poll", "expect_hex": read_req(2, 1, 1, 2000, 1)}]))
    vs.append(vector(
        "requests run FC1, FC2, FC3, FC4 whatever the point order; records by point index",
        "ABI.md §7.1 (same sequence every cycle)",
        "device\npoint 0 area=input address=1\npoint 1 area=holding address=1\npoint 2 area=coil address=1\n"
        "point 3 area=holding address=0\npoint 4 area=discrete address=1\n",
        [{"call": "poll", "expect_hex": read_req(1, 1, 1, 1, 1)},
         {"call": "poll", "expect_hex": read_req(2, 1, 2, 1, 1)},
         {"call": "poll", "expect_hex": read_req(3, 1, 3, 0, 2)},
         {"call": "frame", "hex": regs_rsp(3, 1, 3, struct.pack(">2H", 30, 31)),
          "expect": [rec(1, "u64", 31), rec(3, "u64", 30)]},
         {"call": "poll", "expect_hex": read_req(4, 1, 4, 1, 1)},
         {"call": "poll", "expect_hex": ""}]))
    vs.append(vector(
        "overlapping points share registers",
        "driver README (points may overlap)",
        "device\npoint 0 area=holding address=10 type=u32\npoint 1 area=holding address=11 type=u16\npoint 2 area=holding address=10 type=bool bit=0\n",
        [{"call": "poll", "expect_hex": read_req(1, 1, 3, 10, 2)},
         {"call": "frame", "hex": regs_rsp(1, 1, 3, bytes.fromhex("00010002")),
          "expect": [rec(0, "u64", 0x00010002), rec(1, "u64", 2), rec(2, "bool", True)]}]))
    return vs


# ---------------------------------------------------------------- exceptions and protocol errors
def exception_vectors():
    vs = []
    cfg = "device unit=3\npoint 0 area=holding address=100 type=f32\npoint 1 area=holding address=102\n"
    for code in (1, 2, 3, 4, 10, 11):
        vs.append(vector(
            "FC3 exception %d (%s) gives BAD_DEVICE for every point of the request" % (code, EXC[code]),
            "Modbus AP v1.1b3 §7 (exception codes), §6.3 (error response 0x83)",
            cfg,
            [{"call": "poll", "expect_hex": read_req(1, 3, 3, 100, 3)},
             {"call": "frame_len", "hex": exc_rsp(1, 3, 3, code), "expect_len": 9},
             {"call": "frame", "hex": exc_rsp(1, 3, 3, code),
              "expect": [rec(0, "u64", code, "BAD_DEVICE"), rec(1, "u64", code, "BAD_DEVICE")],
              "expect_last_error": "exception %d (%s)" % (code, EXC[code])},
             {"call": "frame", "hex": exc_rsp(1, 3, 3, code), "expect_error": "E_ORDER"}]))
    vs.append(vector(
        "FC1 exception 2 (illegal data address)",
        "Modbus AP v1.1b3 §6.1 (error response 0x81)",
        "device\npoint 0 area=coil address=9\n",
        [{"call": "poll", "expect_hex": read_req(1, 1, 1, 9, 1)},
         {"call": "frame", "hex": exc_rsp(1, 1, 1, 2), "expect": [rec(0, "u64", 2, "BAD_DEVICE")],
          "expect_last_error": "exception 2 (illegal data address) to FC1 read coils at 9, quantity 1"}]))
    cfg = "device unit=1\npoint 0 area=holding address=0\npoint 1 area=holding address=1\n"
    good = regs_rsp(1, 1, 3, struct.pack(">2H", 5, 6))
    vs.append(vector(
        "a wrong transaction id is E_PROTO and the request stays outstanding",
        "Messaging guide §3.1.3 (transaction identifier pairs request and response); ABI.md §7.3",
        cfg,
        [{"call": "poll", "expect_hex": read_req(1, 1, 3, 0, 2)},
         {"call": "frame", "hex": regs_rsp(7, 1, 3, struct.pack(">2H", 5, 6)), "expect_error": "E_PROTO",
          "expect_last_error": "transaction id 7 does not match the outstanding request's 1"},
         {"call": "frame", "hex": good, "expect": [rec(0, "u64", 5), rec(1, "u64", 6)]},
         {"call": "poll", "expect_hex": ""},
         {"call": "poll", "expect_hex": read_req(2, 1, 3, 0, 2)}]))
    vs.append(vector(
        "a wrong unit id is E_PROTO",
        "Messaging guide §3.1.3 (unit identifier)",
        cfg,
        [{"call": "poll", "expect_hex": read_req(1, 1, 3, 0, 2)},
         {"call": "frame", "hex": regs_rsp(1, 2, 3, struct.pack(">2H", 5, 6)), "expect_error": "E_PROTO",
          "expect_last_error": "unit id 2 does not match the outstanding request's unit 1"},
         {"call": "frame", "hex": good, "expect": [rec(0, "u64", 5), rec(1, "u64", 6)]}]))
    vs.append(vector(
        "a wrong function code is E_PROTO",
        "Modbus AP v1.1b3 §6.3 (response function code 0x03)",
        cfg,
        [{"call": "poll", "expect_hex": read_req(1, 1, 3, 0, 2)},
         {"call": "frame", "hex": regs_rsp(1, 1, 4, struct.pack(">2H", 5, 6)), "expect_error": "E_PROTO",
          "expect_last_error": "function code 4 does not answer the outstanding FC3"},
         {"call": "frame", "hex": exc_rsp(1, 1, 4, 2), "expect_error": "E_PROTO"}]))
    vs.append(vector(
        "a byte count that does not match the quantity is E_PROTO",
        "Modbus AP v1.1b3 §6.3 (byte count = 2 x N)",
        cfg,
        [{"call": "poll", "expect_hex": read_req(1, 1, 3, 0, 2)},
         {"call": "frame", "hex": regs_rsp(1, 1, 3, struct.pack(">H", 5)), "expect_error": "E_PROTO",
          "expect_last_error": "byte count 2 does not match quantity 2 of the request (expected 4)"},
         {"call": "frame", "hex": h(mbap(1, 1, bytes.fromhex("0304000500"))), "expect_error": "E_PROTO",
          "expect_last_error": "byte count 4 but the PDU carries 3 data bytes"}]))
    vs.append(vector(
        "an MBAP length that disagrees with the frame is E_PROTO",
        "Messaging guide §3.1.3 (length field)",
        cfg,
        [{"call": "poll", "expect_hex": read_req(1, 1, 3, 0, 2)},
         {"call": "frame", "hex": "00010000000901030400050006", "expect_error": "E_PROTO",
          "expect_last_error": "MBAP length field says 9 bytes follow, the frame has 7"}]))
    vs.append(vector(
        "a frame with no request outstanding is E_ORDER",
        "ABI.md §8 (E_ORDER)",
        cfg,
        [{"call": "frame", "hex": good, "expect_error": "E_ORDER"}]))
    vs.append(vector(
        "a timeout gives BAD_COMM for every point of the outstanding request",
        "ABI.md §7.4",
        cfg,
        [{"call": "poll", "expect_hex": read_req(1, 1, 3, 0, 2)},
         {"call": "timeout", "expect": [rec(0, "null", None, "BAD_COMM"), rec(1, "null", None, "BAD_COMM")],
          "expect_last_error": "no response to FC3 read holding registers at 0, quantity 2 (transaction 1, unit 1)"},
         {"call": "frame", "hex": good, "expect_error": "E_ORDER"},
         {"call": "poll", "expect_hex": ""},
         {"call": "poll", "expect_hex": read_req(2, 1, 3, 0, 2)}]))
    return vs


def mbap_size(hexstr):
    """Size of the whole frame an MBAP header announces: the 6 bytes up to and including the
    length field, plus the length (unit id + PDU, Messaging guide §3.1.3)."""
    (length,) = struct.unpack(">H", bytes.fromhex(hexstr)[4:6])
    return 6 + length


def framing_vectors():
    rsp = regs_rsp(1, 1, 3, struct.pack(">2H", 5, 6))
    cfg = "device\npoint 0 area=holding address=0 type=u32\n"
    return [
        vector("need more bytes for the header, then the body, then complete",
               "Messaging guide §3.1.3 (MBAP length field)", cfg,
               [{"call": "frame_len", "hex": "", "expect_len": 0},
                {"call": "frame_len", "hex": rsp[:6], "expect_len": 0},
                {"call": "frame_len", "hex": rsp[:14], "expect_len": 0},
                {"call": "frame_len", "hex": rsp[:-2], "expect_len": 0},
                {"call": "frame_len", "hex": rsp, "expect_len": 13},
                {"call": "frame_len", "hex": rsp + rsp[:10], "expect_len": 13}]),
        vector("a protocol id other than 0 is garbage: resync byte by byte",
               "Messaging guide §3.1.3: protocol identifier 0 = MODBUS", cfg,
               [{"call": "frame_len", "hex": "00010001000501030200", "expect_error": "E_RESYNC", "expect_skip": 1},
                {"call": "frame_len", "hex": "ff000100", "expect_error": "E_RESYNC", "expect_skip": 1}]),
        vector("a length field outside 2..254 is garbage",
               "Messaging guide §3.1.3; Modbus AP v1.1b3 §4.1 (PDU at most 253 bytes)", cfg,
               [{"call": "frame_len", "hex": "000100000000", "expect_error": "E_RESYNC", "expect_skip": 1},
                {"call": "frame_len", "hex": "00010000000101", "expect_error": "E_RESYNC", "expect_skip": 1},
                {"call": "frame_len", "hex": "0001000000ff01", "expect_error": "E_RESYNC", "expect_skip": 1},
                {"call": "frame_len", "hex": "000100000100", "expect_error": "E_RESYNC", "expect_skip": 1},
                {"call": "frame_len", "hex": "0001000000fe01", "expect_len": 0},
                {"call": "frame_len", "hex": "00010000000201", "expect_len": 0},
                {"call": "frame_len", "hex": "0001000000020181", "expect_len": 8}]),
        vector("truncated frame given to on_frame is E_PROTO",
               "Messaging guide §3.1.3", cfg,
               [{"call": "poll", "expect_hex": read_req(1, 1, 3, 0, 2)},
                {"call": "frame", "hex": "00010000", "expect_error": "E_PROTO",
                 "expect_last_error": "shorter than an MBAP header"},
                {"call": "frame", "hex": rsp, "expect": [rec(0, "u64", 0x00050006)]}]),
        vector("meta.need: unknown before the length field, then the whole frame size",
               "Messaging guide §3.1.3 (MBAP: the length field counts the unit id and the PDU); ABI.md §7.2 (meta.need)",
               cfg,
               [{"call": "frame_len", "hex": "", "expect_len": 0, "expect_need": 0},
                {"call": "frame_len", "hex": rsp[:10], "expect_len": 0, "expect_need": 0},
                {"call": "frame_len", "hex": rsp[:12], "expect_len": 0, "expect_need": mbap_size(rsp)},
                {"call": "frame_len", "hex": rsp[:24], "expect_len": 0, "expect_need": mbap_size(rsp)},
                {"call": "frame_len", "hex": rsp, "expect_len": mbap_size(rsp)},
                {"call": "frame_len", "hex": "0001000000fe01", "expect_len": 0, "expect_need": mbap_size("0001000000fe01")},
                {"call": "frame_len", "hex": "00010000000201", "expect_len": 0, "expect_need": mbap_size("00010000000201")},
                {"call": "frame_len", "hex": "0001000000020181", "expect_len": mbap_size("0001000000020181")}]),
    ]


def observe_vectors():
    vs = []
    vs.append(vector(
        "discovery: FC1 response names each coil the request asked for, not the padding bits",
        "Modbus AP v1.1b3 §6.1 example bytes CD 6B 05 for 19 coils from address 19",
        "device\n",
        [{"call": "poll", "expect_hex": ""},
         {"call": "observe", "hex": read_req(9, 1, 1, 19, 19)},
         {"call": "frame", "hex": h(mbap(9, 1, bytes([1, 3, 0xCD, 0x6B, 0x05]))),
          "expect": [named("coil/%d" % (19 + i), "bool", bool((b >> j) & 1))
                     for i, (b, j) in enumerate([(x, j) for x in (0xCD, 0x6B, 0x05) for j in range(8)][:19])]}]))
    vs.append(vector(
        "discovery: FC2, FC4 and FC3 responses name discrete/N, input/N, holding/N",
        "Modbus AP v1.1b3 §6.2-6.4",
        "device unit=1\n",
        [{"call": "observe", "hex": read_req(1, 4, 2, 5, 3)},
         {"call": "frame", "hex": bits_rsp(1, 4, 2, [1, 0, 1]),
          "expect": [named("discrete/5", "bool", True), named("discrete/6", "bool", False), named("discrete/7", "bool", True)]},
         {"call": "observe", "hex": read_req(2, 4, 4, 65534, 2)},
         {"call": "frame", "hex": regs_rsp(2, 4, 4, struct.pack(">2H", 65535, 0)),
          "expect": [named("input/65534", "u64", 65535), named("input/65535", "u64", 0)]},
         {"call": "observe", "hex": read_req(3, 4, 3, 100, 1)},
         {"call": "frame", "hex": exc_rsp(3, 4, 3, 2), "expect": [named("holding/100", "u64", 2, "BAD_DEVICE")],
          "expect_last_error": "exception 2 (illegal data address)"}]))
    vs.append(vector(
        "observe with a point map decodes the configured points inside the request",
        "ABI.md §7.5",
        "device\npoint 0 area=holding address=10 type=i32 order=CDAB\npoint 1 area=holding address=40\n",
        [{"call": "observe", "hex": read_req(77, 1, 3, 8, 6)},
         {"call": "frame", "hex": regs_rsp(77, 1, 3, struct.pack(">2H", 0, 0) + arrange(struct.pack(">i", -100000), "CDAB") + struct.pack(">2H", 0, 0)),
          "expect": [rec(0, "i64", -100000)]},
         {"call": "observe", "hex": read_req(78, 1, 4, 10, 2), "expect_error": "E_UNSUPPORTED",
          "expect_last_error": "covers no configured point"}]))
    for fc, pdu in ((15, "0f000000030100"), (16, "1000000001020001"), (5, "050001ff00"), (6, "0600040009"),
                    (8, "08000400 00".replace(" ", "")), (43, "2b0e0100"), (23, "170000000100000001020000")):
        name = {5: "write single coil", 6: "write single register", 8: "diagnostics", 15: "write multiple coils",
                16: "write multiple registers", 23: "read/write multiple registers",
                43: "encapsulated interface transport"}[fc]
        vs.append(vector(
            "observe refuses FC%d (%s): not a read" % (fc, name),
            "Modbus AP v1.1b3 §5.1 (public function codes); ABI.md §7.5",
            "device\n",
            [{"call": "observe", "hex": h(mbap(1, 1, bytes.fromhex(pdu))), "expect_error": "E_UNSUPPORTED",
              "expect_last_error": "function code %d (%s) is not a read" % (fc, name)}]))
    vs.append(vector(
        "observe refuses malformed requests with E_PROTO",
        "Modbus AP v1.1b3 §6.3 (request PDU is 5 bytes)",
        "device\n",
        [{"call": "observe", "hex": "000100000005010300000001", "expect_error": "E_PROTO",
          "expect_last_error": "MBAP length field says 5 bytes follow, the frame has 6"},
         {"call": "observe", "hex": h(mbap(1, 1, bytes.fromhex("03000000"))), "expect_error": "E_PROTO",
          "expect_last_error": "recorded FC3 request has 4 bytes of PDU, expected 5"},
         {"call": "observe", "hex": h(mbap(1, 1, bytes.fromhex("8302"))), "expect_error": "E_PROTO"},
         {"call": "observe", "hex": read_req(1, 1, 3, 65535, 2), "expect_error": "E_PROTO",
          "expect_last_error": "past address 65535"}]))
    vs.append(vector(
        "discovery timeout gives one BAD_COMM named record for the request",
        "ABI.md §7.4, §6.2",
        "device\n",
        [{"call": "observe", "hex": read_req(1, 1, 4, 30, 10)},
         {"call": "timeout", "expect": [named("input/30", "null", None, "BAD_COMM")]}]))
    return vs


def write_vectors():
    cfg = ("device unit=2\n"
           "point 0 area=coil address=7\n"
           "point 1 area=holding address=20 type=u16\n"
           "point 2 area=holding address=21 type=f32 order=CDAB\n"
           "point 3 area=holding address=30 type=i16 scale=0.1\n"
           "point 4 area=input address=0\n"
           "point 5 area=holding address=40 type=i64\n"
           "point 6 area=holding address=50 type=bool bit=3\n")
    def wr(tid, pdu):
        return h(mbap(tid, 2, pdu))
    f32w = arrange(struct.pack(">f", 21.5), "CDAB")
    return [
        vector("FC5 writes a coil on and off; the echo completes the write with no records",
               "Modbus AP v1.1b3 §6.5 (0xFF00 = ON)", cfg,
               [{"call": "write", "point": 0, "type": "bool", "value": True, "expect_hex": wr(1, bytes.fromhex("050007ff00"))},
                {"call": "frame", "hex": wr(1, bytes.fromhex("050007ff00")), "expect": []},
                {"call": "write", "point": 0, "type": "bool", "value": False, "expect_hex": wr(2, bytes.fromhex("0500070000"))},
                {"call": "frame", "hex": wr(2, bytes.fromhex("0500070001")), "expect_error": "E_PROTO",
                 "expect_last_error": "does not echo the request"}]),
        vector("FC6 writes a u16 register; FC16 writes an f32 in CDAB order",
               "Modbus AP v1.1b3 §6.6, §6.12", cfg,
               [{"call": "write", "point": 1, "type": "u64", "value": 4660, "expect_hex": wr(1, bytes.fromhex("0600141234"))},
                {"call": "frame", "hex": wr(1, bytes.fromhex("0600141234")), "expect": []},
                {"call": "write", "point": 2, "type": "f64", "value": 21.5,
                 "expect_hex": wr(2, bytes.fromhex("1000150002 04".replace(" ", "")) + f32w)},
                {"call": "frame", "hex": wr(2, bytes.fromhex("1000150002")), "expect": []}]),
        vector("a scaled write sends (value - offset) / scale; i64 uses FC16 with four registers",
               "driver README (writes invert scale and offset)", cfg,
               [{"call": "write", "point": 3, "type": "f64", "value": -12.3, "expect_hex": wr(1, bytes.fromhex("06001e") + struct.pack(">h", -123))},
                {"call": "write", "point": 5, "type": "i64", "value": -2,
                 "expect_hex": wr(2, bytes.fromhex("1000280004 08".replace(" ", "")) + struct.pack(">q", -2))}]),
        vector("a write exception gives BAD_DEVICE for the point",
               "Modbus AP v1.1b3 §6.6 (error 0x86), §7", cfg,
               [{"call": "write", "point": 1, "type": "i64", "value": 7, "expect_hex": wr(1, bytes.fromhex("0600140007"))},
                {"call": "frame", "hex": h(mbap(1, 2, bytes.fromhex("8604"))), "expect": [rec(1, "u64", 4, "BAD_DEVICE")],
                 "expect_last_error": "exception 4 (server device failure) to FC6 write single register at 20"}]),
        vector("read-only areas, register bits and out-of-range values are refused",
               "ABI.md §7.6 (E_UNSUPPORTED, E_INVAL)", cfg,
               [{"call": "write", "point": 4, "type": "i64", "value": 1, "expect_error": "E_UNSUPPORTED",
                 "expect_last_error": "point 4: area input is read-only"},
                {"call": "write", "point": 6, "type": "bool", "value": True, "expect_error": "E_UNSUPPORTED"},
                {"call": "write", "point": 1, "type": "i64", "value": 65536, "expect_error": "E_INVAL",
                 "expect_last_error": "outside the range of u16 (0..65535)"},
                {"call": "write", "point": 0, "type": "i64", "value": 2, "expect_error": "E_INVAL",
                 "expect_last_error": "point 0 (coil 7) takes a bool, got the integer 2"},
                {"call": "write", "point": 9, "type": "i64", "value": 1, "expect_error": "E_INVAL",
                 "expect_last_error": "point 9 is not in the point map"}]),
        vector("str and bytes values reach the driver through cfg and are refused with the value named",
               "ABI.md §7.6 (STR/BYTES write values in cfg as offset | length << 32; E_INVAL)", cfg,
               [{"call": "write", "point": 0, "type": "str", "value": "on", "expect_error": "E_INVAL",
                 "expect_last_error": 'point 0 (coil 7) takes a bool, got the text "on"'},
                {"call": "write", "point": 1, "type": "bytes", "value": "01ff", "expect_error": "E_INVAL",
                 "expect_last_error": "point 1 (holding 20, type u16) takes a number, got the bytes 01 ff"},
                {"call": "write", "point": 2, "type": "str", "value": "", "expect_error": "E_INVAL",
                 "expect_last_error": 'point 2 (holding 21, type f32) takes a number, got the text ""'},
                # The refused writes sent nothing, so this one still has transaction id 1.
                {"call": "write", "point": 1, "type": "u64", "value": 7, "expect_hex": wr(1, struct.pack(">BHH", 6, 20, 7))}]),
    ]


# ---------------------------------------------------------------- refused configs
CONFIG_KEYS = ("Modbus driver config keys (drivers/modbus/README.md); ABI.md §5: a config the driver "
               "does not understand is E_CONFIG, explained by line and key")
ADDRESS_RANGE = "Modbus AP v1.1b3 §4.3 (addresses 0..65535); ABI.md §5"
POINT_ORDER = "ABI.md §5: point lines follow with indexes 0, 1, 2 … in order"


def config_error(name, source, config, message, steps=()):
    """A config weir_open refuses with E_CONFIG and `message` in weir_last_error (the driver's
    wording; the runners compare it as a substring)."""
    return {"name": name, "source": source, "config": config, "expect_open_error": "E_CONFIG",
            "expect_last_error": message, "steps": list(steps)}


def config_error_vectors():
    u16_at_100 = "point 0 area=holding address=100 type=u16\n"
    known_point = "known keys: area, address, type, order, bit, scale, offset"
    known_device = "known keys: unit, max_registers, max_bits, max_gap, timeout_ms"
    return [
        config_error("unknown area", CONFIG_KEYS,
                     "device unit=1\npoint 0 area=holdings address=100 type=u16\n",
                     'point 0: unknown area "holdings" (expected coil, discrete, holding or input)'),
        config_error("bool on a holding register without bit", CONFIG_KEYS,
                     "device unit=1\npoint 0 area=holding address=100 type=bool\n",
                     "point 0: type bool in area holding needs bit=0..15 (which bit of the register)"),
        config_error("a register type on a coil", CONFIG_KEYS,
                     "device unit=1\npoint 0 area=coil address=5 type=u16\n",
                     'point 0: type "u16" in area coil: coils and discrete inputs are single bits, use type=bool'),
        config_error("address above 65535", ADDRESS_RANGE,
                     "device unit=1\npoint 0 area=holding address=65536 type=u16\n",
                     "point 0: address=65536 is out of range 0..65535"),
        config_error("a 32-bit type at the last register runs past 65535", ADDRESS_RANGE,
                     "device unit=1\npoint 0 area=holding address=65535 type=u32\n",
                     "point 0: type u32 at address 65535 runs past register 65535"),
        config_error("unknown type", CONFIG_KEYS,
                     "device unit=1\npoint 0 area=holding address=100 type=f33\n",
                     'point 0: unknown type "f33" (expected bool, u16, i16, u32, i32, f32, u64, i64 or f64)'),
        config_error("unknown word order", CONFIG_KEYS,
                     "device unit=1\npoint 0 area=holding address=100 type=f32 order=ACBD\n",
                     'point 0: unknown byte order "ACBD" (expected ABCD, CDAB, BADC or DCBA)'),
        config_error("unit above 255", "Messaging guide §3.1.3 (unit identifier is one byte); ABI.md §5",
                     "device unit=256\n" + u16_at_100,
                     "device: unit=256 is out of range 0..255"),
        config_error("unit that is not a number", CONFIG_KEYS,
                     "device unit=one\n" + u16_at_100,
                     'device: invalid value "one" for key "unit"'),
        config_error("duplicate point index", POINT_ORDER,
                     "device unit=1\n" + u16_at_100 + "point 0 area=holding address=101 type=u16\n",
                     'line 3: point index "0" where 1 was expected (indexes run 0, 1, 2 … in order)'),
        config_error("point indexes out of order", POINT_ORDER,
                     "device unit=1\npoint 1 area=holding address=100 type=u16\n",
                     'line 2: point index "1" where 0 was expected'),
        config_error("unknown point key (typo)", CONFIG_KEYS,
                     "device unit=1\npoint 0 area=holding adress=100 type=u16\n",
                     'point 0: unknown key "adress" (%s)' % known_point),
        # unit=300 is out of range, but unknown keys are checked on every line before any value.
        config_error("a misspelt key is reported before the other lines' value errors", CONFIG_KEYS,
                     "device unit=300\npoint 0 area=holding address=1\npoint 1 area=holding adress=2\n",
                     'point 1: unknown key "adress" (%s)' % known_point),
        config_error("unknown point key", CONFIG_KEYS,
                     "device unit=1\npoint 0 area=holding address=100 type=u16 sacle=0.1\n",
                     'point 0: unknown key "sacle"'),
        config_error("unknown device key", CONFIG_KEYS,
                     "device unit=1 timeout=250\n" + u16_at_100,
                     'device: unknown key "timeout" (%s)' % known_device),
        config_error("missing area", CONFIG_KEYS,
                     "device unit=1\npoint 0 address=100 type=u16\n",
                     'point 0: missing key "area"'),
        config_error("scale on a coil", CONFIG_KEYS,
                     "device unit=1\npoint 0 area=coil address=5 scale=2\n",
                     'point 0: key "scale" does not apply to a bit in area coil'),
        config_error("a type wider than max_registers",
                     "Modbus AP v1.1b3 §6.3 (quantity of registers 1..125); ABI.md §5",
                     "device unit=1 max_registers=2\npoint 0 area=holding address=0 type=u64\n",
                     "point 0: type u64 needs %d registers, more than max_registers=2"
                     % (struct.calcsize(">Q") // 2)),
        config_error("a failed open leaves the handle closed",
                     "ABI.md §2.6: calls naming a handle that is not open return E_NODEV; "
                     "weir_last_error keeps the reason",
                     "device unit=1\npoint 0 area=input address=0 type=f16\n",
                     'point 0: unknown type "f16"',
                     [{"call": "poll", "expect_error": "E_NODEV", "expect_last_error": 'point 0: unknown type "f16"'},
                      {"call": "frame_len", "hex": regs_rsp(1, 1, 3, b"\xab\xcd"), "expect_error": "E_NODEV"},
                      {"call": "frame", "hex": regs_rsp(1, 1, 3, b"\xab\xcd"), "expect_error": "E_NODEV"},
                      {"call": "timeout", "expect_error": "E_NODEV"},
                      {"call": "write", "point": 0, "type": "u64", "value": 1, "expect_error": "E_NODEV"},
                      {"call": "save_state", "expect_error": "E_NODEV"}]),
    ]


# ---------------------------------------------------------------- hot-swap state
HOT_SWAP = ("ABI.md §7.7 (hot swap: save_state on the old instance, open and load_state on the new); "
            "Messaging guide §4.4.1.2 (the client gives each request a new transaction id)")


def state_payload(schema, next_tid):
    """The driver README's state: schema as u32 LE, then the next transaction id as u16 LE."""
    return h(struct.pack("<IH", schema, next_tid))


def state_vectors():
    cfg = "device unit=1\npoint 0 area=holding address=0 type=u16\n"

    def cycle(tid, value):
        """One poll cycle of the single point: request, response with `value`, end of cycle."""
        return [{"call": "poll", "expect_hex": read_req(tid, 1, 3, 0, 1)},
                {"call": "frame", "hex": regs_rsp(tid, 1, 3, struct.pack(">H", value)),
                 "expect": [rec(0, "u64", value)]},
                {"call": "poll", "expect_hex": ""}]

    reopen = {"call": "reopen_with_state"}
    return [
        vector("transaction ids continue across a hot swap", HOT_SWAP, cfg,
               cycle(1, 42) + cycle(2, 43)
               + [{"call": "save_state", "expect_hex": state_payload(1, 3), "expect_len": struct.calcsize("<IH")},
                  reopen]
               + cycle(3, 44)
               + [{"call": "save_state", "expect_hex": state_payload(1, 4)}, reopen,
                  {"call": "poll", "expect_hex": read_req(4, 1, 3, 0, 1)}]),
        vector("a response carrying the old transaction id is refused after the swap",
               HOT_SWAP + "; ABI.md §7.3 (a different transaction id is E_PROTO)", cfg,
               cycle(1, 42)
               + [{"call": "save_state", "expect_hex": state_payload(1, 2)}, reopen,
                  {"call": "poll", "expect_hex": read_req(2, 1, 3, 0, 1)},
                  {"call": "frame", "hex": regs_rsp(1, 1, 3, struct.pack(">H", 42)), "expect_error": "E_PROTO",
                   "expect_last_error": "transaction"},
                  {"call": "frame", "hex": regs_rsp(2, 1, 3, struct.pack(">H", 43)),
                   "expect": [rec(0, "u64", 43)]}]),
        vector("transaction ids wrap from 65535 to 0 after a loaded state",
               HOT_SWAP + "; the transaction id is a u16", cfg,
               [{"call": "reopen_with_state", "hex": state_payload(1, 0xFFFF)}]
               + cycle(0xFFFF, 42)
               + [{"call": "poll", "expect_hex": read_req(0, 1, 3, 0, 1)},
                  {"call": "save_state", "expect_hex": state_payload(1, 1)}]),
        vector("a payload of another schema is E_SCHEMA and the device starts cold",
               "ABI.md §7.7: a driver that cannot read a payload returns E_SCHEMA and starts cold", cfg,
               cycle(1, 42)
               + [{"call": "reopen_with_state", "hex": state_payload(2, 9), "expect_error": "E_SCHEMA",
                   "expect_last_error": "state schema 2 with 2 payload bytes; this driver reads schema 1 with 2"},
                  {"call": "poll", "expect_hex": read_req(1, 1, 3, 0, 1)}]),
        vector("a schema-1 payload of the wrong length is E_SCHEMA", "ABI.md §7.7", cfg,
               [{"call": "reopen_with_state", "hex": h(struct.pack("<IB", 1, 9)), "expect_error": "E_SCHEMA",
                 "expect_last_error": "state schema 1 with 1 payload bytes"},
                {"call": "poll", "expect_hex": read_req(1, 1, 3, 0, 1)}]),
        vector("a payload shorter than its schema is E_SCHEMA",
               "ABI.md §7.7: the first 4 bytes of the payload are the u32 state_schema", cfg,
               [{"call": "reopen_with_state", "hex": h(struct.pack("<H", 1)), "expect_error": "E_SCHEMA",
                 "expect_last_error": "state payload of 2 bytes has no 4-byte schema"},
                {"call": "poll", "expect_hex": read_req(1, 1, 3, 0, 1)}]),
    ]


# ---------------------------------------------------------------- corpus (tshark truth)
def corpus_vectors():
    base = os.path.join(CORPUS, "modbus_tcp")
    vs = []

    def load(rel):
        with open(os.path.join(base, rel)) as f:
            return [json.loads(l) for l in f if l.strip()]

    def pair_vector(rel, t, note=""):
        fc = t["function_code"]
        area = {1: "coil", 2: "discrete", 3: "holding", 4: "input"}[fc]
        start = t["start_register"]
        steps = [{"call": "observe", "hex": t["request_hex"]},
                 {"call": "frame_len", "hex": t["response_hex"], "expect_len": len(t["response_hex"]) // 2}]
        if t.get("exception_code") is not None:
            e = t["exception_code"]
            steps.append({"call": "frame", "hex": t["response_hex"],
                          "expect": [named("%s/%d" % (area, start), "u64", e, "BAD_DEVICE")],
                          "expect_last_error": "exception %d (%s)" % (e, EXC[e])})
        elif fc in (1, 2):
            bits = t["bit_values"][:t["quantity"]]
            steps.append({"call": "frame", "hex": t["response_hex"],
                          "expect": [named("%s/%d" % (area, start + i), "bool", bool(b)) for i, b in enumerate(bits)]})
        else:
            steps.append({"call": "frame", "hex": t["response_hex"],
                          "expect": [named("%s/%d" % (area, start + i), "u64", v) for i, v in enumerate(t["register_values"])]})
        src = "corpus modbus_tcp/%s frames %d-%d (tshark)" % (
            rel.replace(".truth.jsonl", ".pcap" if "plc4x" not in rel else ".pcapng"),
            t["request"]["frame"], t["response"]["frame"])
        return vector("%s frames %d-%d: FC%d unit %d tid %d %s%s" % (
                          rel.replace(".truth.jsonl", ""), t["request"]["frame"], t["response"]["frame"],
                          fc, t["unit_id"], t["transaction_id"],
                                                       "exception %d" % t["exception_code"] if t.get("exception_code") is not None
                                                       else "%d items from %d" % (t["quantity"], start), note),
                      src, "device\n", steps)

    def pick(rel, pred, n):
        out = []
        seen = set()
        for t in load(rel):
            if t["kind"] != "pair" or not t.get("selfcheck_ok", True) or not pred(t):
                continue
            key = (t["function_code"], t.get("quantity"), t.get("start_register"), t["unit_id"], t.get("exception_code"))
            if key in seen:
                continue
            seen.add(key)
            out.append(pair_vector(rel, t))
            if len(out) == n:
                break
        return out

    def reads(t):
        return t["function_code"] in (1, 2, 3, 4)

    vs += pick("ntop-ndpi/modbus.truth.jsonl", lambda t: reads(t) and t["exception_code"] is None, 3)
    vs += pick("apache-plc4x/manual-test-capture.truth.jsonl", lambda t: reads(t) and t["exception_code"] is None, 4)
    vs += pick("iti-ics-security-tools/modbus_test.truth.jsonl", lambda t: reads(t) and t["exception_code"] is None, 3)
    vs += pick("iti-ics-security-tools/modbus_test_2.truth.jsonl", lambda t: reads(t) and t["exception_code"] is None, 3)
    vs += pick("iti-ics-security-tools/modbus_test_2.truth.jsonl", lambda t: t["function_code"] == 3, 1)

    # ntop-ndpi frames 95/96: the client sent transaction id 0 and the server answered with 1.
    rows = load("ntop-ndpi/modbus.truth.jsonl")
    req = next(t for t in rows if t["kind"] == "request_only" and t["request"]["frame"] == 95)
    rsp = next(t for t in rows if t["kind"] == "response_only" and t["response"]["frame"] == 96)
    vs.append(vector(
        "ntop-ndpi/modbus frames 95-96: response transaction id 1 does not answer request 0",
        "corpus modbus_tcp/ntop-ndpi/modbus.pcap frames 95 (request, tid 0) and 96 (response, tid 1) (tshark: unpaired)",
        "device\n",
        [{"call": "observe", "hex": req["request_hex"]},
         {"call": "frame_len", "hex": rsp["response_hex"], "expect_len": len(rsp["response_hex"]) // 2},
         {"call": "frame", "hex": rsp["response_hex"], "expect_error": "E_PROTO",
          "expect_last_error": "transaction id 1 does not match the outstanding request's 0"},
         {"call": "timeout", "expect": [named("holding/0", "null", None, "BAD_COMM")]}]))
    vs += pick("zeek/modbusSmall.truth.jsonl", lambda t: reads(t) and t["exception_code"] is None, 2)
    vs += pick("digitalbond-quickdraw/modbus_test_data_part1.truth.jsonl", lambda t: reads(t) and t["exception_code"] is None, 2)
    vs += pick("digitalbond-quickdraw/modbus_test_data_part2.truth.jsonl", lambda t: reads(t) and t["exception_code"] is None, 4)
    vs += pick("digitalbond-quickdraw/modbus_test_data_part2.truth.jsonl", lambda t: reads(t) and t["exception_code"] is not None, 6)

    # Exceptions to function codes that are not reads: observe refuses the request; the response
    # bytes still frame (tshark's exception code is in the last byte).
    for rel, fc in (("zeek/4SICS-GeekLounge-151022-min.truth.jsonl", 23), ("zeek/modbus-eit.truth.jsonl", 43),
                    ("digitalbond-quickdraw/modbus_test_data_part1.truth.jsonl", 8)):
        for t in load(rel):
            if t["function_code"] == fc and t.get("exception_code") is not None and t["kind"] == "pair":
                name = {23: "read/write multiple registers", 43: "encapsulated interface transport", 8: "diagnostics"}[fc]
                vs.append(vector(
                    "%s: FC%d exception %d is not a read" % (rel.split("/")[0], fc, t["exception_code"]),
                    "corpus modbus_tcp/%s frames %d-%d (tshark)" % (rel.replace(".truth.jsonl", ".pcap"),
                                                                    t["request"]["frame"], t["response"]["frame"]),
                    "device\n",
                    [{"call": "observe", "hex": t["request_hex"], "expect_error": "E_UNSUPPORTED",
                      "expect_last_error": "function code %d (%s) is not a read" % (fc, name)},
                     {"call": "frame_len", "hex": t["response_hex"], "expect_len": len(t["response_hex"]) // 2},
                     {"call": "frame", "hex": t["response_hex"], "expect_error": "E_ORDER"}]))
                break
    return vs


# ---------------------------------------------------------------- Modbus RTU (weir.transport=serial)
def crc16(data):
    """CRC-16/MODBUS (Serial Line v1.02 §6.2.2): reflected polynomial 0xA001, initial 0xFFFF."""
    crc = 0xFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def rtu(slave, pdu):
    """An RTU frame: slave address, PDU, CRC low byte first (Serial Line §2.5.1)."""
    adu = bytes([slave]) + pdu
    return adu + struct.pack("<H", crc16(adu))


def rtu_read(slave, fc, start, qty):
    return h(rtu(slave, struct.pack(">BHH", fc, start, qty)))


def rtu_regs(slave, fc, data):
    return h(rtu(slave, bytes([fc, len(data)]) + data))


def rtu_bits(slave, fc, bits):
    data = bytearray((len(bits) + 7) // 8)
    for i, b in enumerate(bits):
        if b:
            data[i // 8] |= 1 << (i % 8)
    return h(rtu(slave, bytes([fc, len(data)]) + bytes(data)))


def rtu_exc(slave, fc, code):
    return h(rtu(slave, bytes([fc | 0x80, code])))


def corr(slave, fc):
    """The driver's RTU correlation key (README "Correlation keys"): slave << 8 | function & 0x7F."""
    return (slave << 8) | (fc & 0x7F)


def serial(device_line, points=""):
    """A config as a v1.1 host passes it for a serial link (ABI §5.1: host keys end the device line)."""
    return device_line + " weir.transport=serial\n" + points


def rtu_vector(name, source, config, steps):
    v = vector(name, source, config, steps)
    v["host_abi"] = "1.1"
    return v


SL = "Modbus over Serial Line v1.02"


def rtu_vectors():
    vs = []
    pts = ("point 0 area=coil address=5 type=bool\n"
           "point 1 area=discrete address=5\n"
           "point 2 area=holding address=100 type=u16\n"
           "point 3 area=input address=100 type=i16\n")
    vs.append(rtu_vector(
        "RTU cycle reads FC1, FC2, FC3, FC4: slave address, PDU, CRC; no transaction id",
        SL + " §2.5.1 (RTU frame), §6.2.2 (CRC); Modbus AP v1.1b3 §6.1-6.4",
        serial("device unit=17", pts),
        [{"call": "poll", "expect_hex": rtu_read(17, 1, 5, 1), "expect_response": True},
         {"call": "frame_len", "hex": rtu_bits(17, 1, [1]), "expect_len": 6, "expect_corr": corr(17, 1)},
         {"call": "frame", "hex": rtu_bits(17, 1, [1]), "expect": [rec(0, "bool", True)], "expect_frame_flags": []},
         {"call": "poll", "expect_hex": rtu_read(17, 2, 5, 1)},
         {"call": "frame_len", "hex": rtu_bits(17, 2, [0]), "expect_len": 6, "expect_corr": corr(17, 2)},
         {"call": "frame", "hex": rtu_bits(17, 2, [0]), "expect": [rec(1, "bool", False)]},
         {"call": "poll", "expect_hex": rtu_read(17, 3, 100, 1)},
         {"call": "frame_len", "hex": rtu_regs(17, 3, struct.pack(">H", 0xABCD)), "expect_len": 7,
          "expect_corr": corr(17, 3)},
         {"call": "frame", "hex": rtu_regs(17, 3, struct.pack(">H", 0xABCD)), "expect": [rec(2, "u64", 0xABCD)]},
         {"call": "poll", "expect_hex": rtu_read(17, 4, 100, 1)},
         {"call": "frame", "hex": rtu_regs(17, 4, struct.pack(">h", -2)), "expect": [rec(3, "i64", -2)]},
         {"call": "poll", "expect_hex": ""},
         {"call": "poll", "expect_hex": rtu_read(17, 1, 5, 1)}]))
    # The AP §6.3 example as an RTU frame: registers 108-110 = 555, 0, 100, batched with f32.
    vs.append(rtu_vector(
        "RTU FC3 of the specification's example, with an f32 in CDAB order",
        "Modbus AP v1.1b3 §6.3 example (registers 108-110); " + SL + " §2.5.1",
        serial("device unit=1", "point 0 area=holding address=107\npoint 1 area=holding address=108 type=f32 order=CDAB\n"),
        [{"call": "poll", "expect_hex": rtu_read(1, 3, 107, 3)},
         {"call": "frame", "hex": rtu_regs(1, 3, bytes.fromhex("022b00000064")),
          "expect": [rec(0, "u64", 555), rec(1, "f64", f32(struct.unpack(">f", bytes.fromhex("00640000"))[0]))]}]))
    rsp = bytes.fromhex(rtu_regs(1, 3, bytes.fromhex("00070008")))
    vs.append(rtu_vector(
        "RTU response split across deliveries: need-more until the byte count's length is in",
        SL + " §2.5.1; ABI.md §7.2 (meta.need)",
        serial("device unit=1", "point 0 area=holding address=0 type=u32\n"),
        [{"call": "poll", "expect_hex": rtu_read(1, 3, 0, 2)},
         {"call": "frame_len", "hex": h(rsp[:1]), "expect_len": 0, "expect_need": 0},
         {"call": "frame_len", "hex": h(rsp[:2]), "expect_len": 0, "expect_need": 0},
         {"call": "frame_len", "hex": h(rsp[:3]), "expect_len": 0, "expect_need": 9},
         {"call": "frame_len", "hex": h(rsp[:8]), "expect_len": 0, "expect_need": 9},
         {"call": "frame_len", "hex": h(rsp), "expect_len": 9, "expect_corr": corr(1, 3)},
         {"call": "frame_len", "hex": h(rsp + rsp[:3]), "expect_len": 9, "expect_corr": corr(1, 3)},
         {"call": "frame", "hex": h(rsp), "expect": [rec(0, "u64", 0x00070008)]}]))
    vs.append(rtu_vector(
        "rtu+tcp link: RTU frames over TCP frame by length, a response in two segments",
        "host/tcp TcpTransport: rtu+tcp://host:port has weir.transport=serial and reports no silence; " + SL + " §2.5.1",
        serial("device unit=9", "point 0 area=input address=30000 type=i32\n"),
        [{"call": "poll", "expect_hex": rtu_read(9, 4, 30000, 2)},
         {"call": "frame_len", "hex": rtu_regs(9, 4, struct.pack(">i", -70000))[:10], "expect_len": 0, "expect_need": 9},
         {"call": "frame_len", "hex": rtu_regs(9, 4, struct.pack(">i", -70000)), "expect_len": 9, "expect_corr": corr(9, 4)},
         {"call": "frame", "hex": rtu_regs(9, 4, struct.pack(">i", -70000)), "expect": [rec(0, "i64", -70000)]}]))
    good = rtu_regs(1, 3, struct.pack(">H", 42))
    bad = good[:-2] + "%02x" % (int(good[-2:], 16) ^ 0xFF)
    computed = crc16(bytes.fromhex(good)[:-2])
    carried = struct.unpack("<H", bytes.fromhex(bad)[-2:])[0]
    vs.append(rtu_vector(
        "RTU bad CRC: garbage for the framer (resync byte by byte), E_PROTO if decoded, never a point",
        SL + " §2.5.1.2 (CRC checking), §6.2.2; ABI.md §7.2",
        serial("device unit=1", "point 0 area=holding address=0\n"),
        [{"call": "poll", "expect_hex": rtu_read(1, 3, 0, 1)},
         {"call": "frame_len", "hex": bad, "expect_error": "E_RESYNC", "expect_skip": 1},
         {"call": "frame", "hex": bad, "expect_error": "E_PROTO",
          "expect_last_error": "CRC %#06x in the frame, %#06x computed over its bytes" % (carried, computed)},
         {"call": "frame_len", "hex": good, "expect_len": 7},
         {"call": "frame", "hex": good, "expect": [rec(0, "u64", 42)]}]))
    vs.append(rtu_vector(
        "RTU framing: address 0, reserved addresses, function code 0 and lengths past 256 bytes start no frame",
        SL + " §2.2 (addresses 0 broadcast, 248-255 reserved), §2.5.1 (at most 256 bytes); ABI.md §7.2",
        serial("device unit=1", "point 0 area=holding address=0\n"),
        [{"call": "frame_len", "hex": "00", "expect_error": "E_RESYNC", "expect_skip": 1},
         {"call": "frame_len", "hex": "f8030200", "expect_error": "E_RESYNC", "expect_skip": 1},
         {"call": "frame_len", "hex": "ff", "expect_error": "E_RESYNC", "expect_skip": 1},
         {"call": "frame_len", "hex": "0100", "expect_error": "E_RESYNC", "expect_skip": 1},
         {"call": "frame_len", "hex": "0180", "expect_error": "E_RESYNC", "expect_skip": 1},
         {"call": "frame_len", "hex": "0103fc", "expect_error": "E_RESYNC", "expect_skip": 1},
         {"call": "frame_len", "hex": "0103fb", "expect_len": 0, "expect_need": 256},
         {"call": "frame_len", "hex": "f7", "expect_len": 0, "expect_need": 0}]))
    # Lengths the function code gives (AP §6 response PDUs) for codes the driver does not send.
    fixed = [
        ("FC7 read exception status: 1 data byte", rtu(1, bytes([7, 0x6D]))),
        ("FC11 get comm event counter: 4 data bytes", rtu(1, bytes.fromhex("0bffff0108"))),
        ("FC12 get comm event log: byte count", rtu(1, bytes.fromhex("0c080000010801212000"))),
        ("FC17 report server id: byte count", rtu(1, bytes.fromhex("1103aaff00"))),
        ("FC22 mask write register: 6 data bytes", rtu(1, bytes.fromhex("16000400f20025"))),
        ("FC23 read/write multiple registers: byte count", rtu(1, bytes.fromhex("170c00fe0acd00010003000d00ff"))),
        ("FC24 read FIFO queue: two-byte byte count", rtu(1, bytes.fromhex("1800060002 01b8 1284".replace(" ", "")))),
    ]
    vs.append(rtu_vector(
        "RTU frame lengths from the function code for FC7, 11, 12, 17, 22, 23, 24 responses",
        "Modbus AP v1.1b3 §6.7, §6.9, §6.10, §6.13, §6.16, §6.17, §6.18 (response PDUs and their examples)",
        serial("device unit=1", "point 0 area=holding address=0\n"),
        [{"call": "frame_len", "hex": h(f), "expect_len": len(f), "expect_corr": corr(1, f[1])} for _, f in fixed]
        + [{"call": "frame_len", "hex": h(f[:-1]), "expect_len": 0, "expect_need": len(f)} for _, f in fixed]))
    diag = rtu(1, bytes.fromhex("0800000000a537"))
    mei = rtu(1, bytes.fromhex("2b0e01010000030006") + b"Weir" + bytes([1, 2]) + b"RT" + bytes([2, 1]) + b"1")
    noisy = bytes.fromhex("01037f") + bytes.fromhex(rtu_regs(1, 3, struct.pack(">H", 7)))
    vs.append(rtu_vector(
        "RTU frame_end: FC8 and FC43 responses end at line silence; cut frames and noise are given up byte by byte",
        SL + " §2.5.1.1 (3.5 character times end a frame); ABI.md §7.10; Modbus AP v1.1b3 §6.8, §6.21",
        serial("device unit=1", "point 0 area=holding address=0\n"),
        [{"call": "frame_len", "hex": h(diag), "expect_len": 0, "expect_need": 0},
         {"call": "frame_end", "hex": h(diag), "expect_len": len(diag), "expect_corr": corr(1, 8)},
         {"call": "frame_len", "hex": h(mei), "expect_len": 0, "expect_need": 0},
         {"call": "frame_end", "hex": h(mei), "expect_len": len(mei), "expect_corr": corr(1, 43)},
         # A wrong CRC, a frame cut short: no frame starts at the first byte.
         {"call": "frame_end", "hex": h(diag[:-1] + bytes([diag[-1] ^ 1])), "expect_error": "E_RESYNC",
          "expect_skip": 1},
         {"call": "frame_end", "hex": rtu_regs(1, 3, struct.pack(">HH", 1, 2))[:12], "expect_error": "E_RESYNC",
          "expect_skip": 1},
         # Fewer bytes than the smallest frame: no frame at all.
         {"call": "frame_end", "hex": "010304", "expect_len": 0},
         {"call": "frame_end", "hex": "00" + rtu_regs(1, 3, struct.pack(">H", 7)), "expect_error": "E_RESYNC",
          "expect_skip": 1},
         {"call": "frame_end", "hex": "fe010203", "expect_error": "E_RESYNC", "expect_skip": 1},
         # Noise whose "byte count" (0x7f) asks for more than ever comes, glued to a response: the
         # host gives up one byte at a time and frames the response behind it.
         {"call": "frame_len", "hex": h(noisy), "expect_len": 0, "expect_need": 3 + 0x7f + 2},
         {"call": "frame_end", "hex": h(noisy), "expect_error": "E_RESYNC", "expect_skip": 1},
         {"call": "frame_len", "hex": h(noisy[1:]), "expect_len": 0, "expect_need": 0},
         {"call": "frame_end", "hex": h(noisy[1:]), "expect_error": "E_RESYNC", "expect_skip": 1},
         {"call": "frame_len", "hex": h(noisy[2:]), "expect_error": "E_RESYNC", "expect_skip": 1},
         {"call": "frame_len", "hex": h(noisy[3:]), "expect_len": 7, "expect_corr": corr(1, 3)}]))
    vs.append(rtu_vector(
        "MBAP has no line silence: frame_end on a tcp device is E_UNSUPPORTED",
        "ABI.md §7.10 (E_UNSUPPORTED: the driver does not frame by silence)",
        "device unit=1 weir.transport=tcp\npoint 0 area=holding address=0\n",
        [{"call": "frame_end", "hex": "0001000000", "expect_error": "E_UNSUPPORTED",
          "expect_last_error": "MBAP frames carry their length"}]))
    for fc, area, excode in ((3, "holding", 2), (1, "coil", 1), (4, "input", 4), (2, "discrete", 6)):
        vs.append(rtu_vector(
            "RTU exception %d (%s) to FC%d: five bytes, BAD_DEVICE for the request's points" % (excode, EXC[excode], fc),
            "Modbus AP v1.1b3 §7 (exception responses); " + SL + " §2.5.1",
            serial("device unit=3", "point 0 area=%s address=100\npoint 1 area=%s address=101\n" % (area, area)),
            [{"call": "poll", "expect_hex": rtu_read(3, fc, 100, 2)},
             {"call": "frame_len", "hex": rtu_exc(3, fc, excode), "expect_len": 5, "expect_corr": corr(3, fc)},
             {"call": "frame", "hex": rtu_exc(3, fc, excode),
              "expect": [rec(0, "u64", excode, "BAD_DEVICE"), rec(1, "u64", excode, "BAD_DEVICE")],
              "expect_last_error": "exception %d (%s) to FC%d %s at 100, quantity 2 (slave 3)" % (
                  excode, EXC[excode], fc,
                  {1: "read coils", 2: "read discrete inputs", 3: "read holding registers", 4: "read input registers"}[fc])}]))
    vs.append(rtu_vector(
        "RTU response from another slave or to another function is E_PROTO; the request stays outstanding",
        SL + " §2.1 (the addressed slave answers with its own address); ABI.md §7.3",
        serial("device unit=1", "point 0 area=holding address=0\n"),
        [{"call": "poll", "expect_hex": rtu_read(1, 3, 0, 1)},
         {"call": "frame_len", "hex": rtu_regs(2, 3, struct.pack(">H", 5)), "expect_len": 7, "expect_corr": corr(2, 3)},
         {"call": "frame", "hex": rtu_regs(2, 3, struct.pack(">H", 5)), "expect_error": "E_PROTO",
          "expect_last_error": "slave id 2 does not match the outstanding request's slave 1"},
         {"call": "frame", "hex": rtu_regs(1, 4, struct.pack(">H", 5)), "expect_error": "E_PROTO",
          "expect_last_error": "function code 4 does not answer the outstanding FC3 (read holding registers)"},
         {"call": "frame", "hex": rtu_exc(1, 4, 2), "expect_error": "E_PROTO",
          "expect_last_error": "function code 132 does not answer the outstanding FC3 (read holding registers)"},
         {"call": "frame", "hex": rtu_regs(1, 3, struct.pack(">HH", 5, 6)), "expect_error": "E_PROTO",
          "expect_last_error": "byte count 4 does not match quantity 1 of the request (expected 2)"},
         {"call": "frame", "hex": h(rtu(1, bytes([0x83, 2, 0]))), "expect_error": "E_PROTO",
          "expect_last_error": "exception response to FC3 has 3 bytes of PDU, expected 2"},
         {"call": "frame", "hex": rtu_regs(1, 3, struct.pack(">H", 5)), "expect": [rec(0, "u64", 5)]},
         {"call": "frame", "hex": rtu_regs(1, 3, struct.pack(">H", 5)), "expect_error": "E_ORDER"}]))
    vs.append(rtu_vector(
        "RTU timeout: BAD_COMM for the request's points, named by slave",
        "ABI.md §7.4",
        serial("device unit=247", "point 0 area=holding address=9 type=f32\n"),
        [{"call": "poll", "expect_hex": rtu_read(247, 3, 9, 2)},
         {"call": "timeout", "expect": [rec(0, "null", None, "BAD_COMM")],
          "expect_last_error": "no response to FC3 read holding registers at 9, quantity 2 (slave 247)"},
         {"call": "poll", "expect_hex": ""}]))
    wpts = ("point 0 area=coil address=3\n"
            "point 1 area=holding address=1\n"
            "point 2 area=holding address=6 type=f32\n"
            "point 3 area=holding address=20 type=i16 scale=0.1\n")
    fc16 = rtu(5, struct.pack(">BHHB", 16, 6, 2, 4) + struct.pack(">f", 15.0))
    vs.append(rtu_vector(
        "RTU writes: FC5 on and off, FC6, FC16 f32, scaled FC6; echoes confirm, no records",
        "Modbus AP v1.1b3 §6.5, §6.6, §6.12; " + SL + " §2.5.1",
        serial("device unit=5", wpts),
        [{"call": "write", "point": 0, "type": "bool", "value": True,
          "expect_hex": h(rtu(5, bytes.fromhex("050003ff00"))), "expect_response": True},
         {"call": "frame_len", "hex": h(rtu(5, bytes.fromhex("050003ff00"))), "expect_len": 8, "expect_corr": corr(5, 5)},
         {"call": "frame", "hex": h(rtu(5, bytes.fromhex("050003ff00"))), "expect": []},
         {"call": "write", "point": 0, "type": "bool", "value": False, "expect_hex": h(rtu(5, bytes.fromhex("0500030000")))},
         {"call": "frame", "hex": h(rtu(5, bytes.fromhex("0500030000"))), "expect": []},
         {"call": "write", "point": 1, "type": "u64", "value": 85, "expect_hex": h(rtu(5, bytes.fromhex("0600010055")))},
         {"call": "frame_len", "hex": h(rtu(5, bytes.fromhex("0600010055"))), "expect_len": 8},
         {"call": "frame", "hex": h(rtu(5, bytes.fromhex("0600010055"))), "expect": []},
         {"call": "write", "point": 2, "type": "f64", "value": 15.0, "expect_hex": h(fc16)},
         {"call": "frame_len", "hex": h(rtu(5, bytes.fromhex("1000060002"))), "expect_len": 8, "expect_corr": corr(5, 16)},
         {"call": "frame", "hex": h(rtu(5, bytes.fromhex("1000060002"))), "expect": []},
         {"call": "write", "point": 3, "type": "f64", "value": -12.3,
          "expect_hex": h(rtu(5, struct.pack(">BHh", 6, 20, -123)))},
         {"call": "frame", "hex": h(rtu(5, struct.pack(">BHh", 6, 20, -123))), "expect": []}]))
    vs.append(rtu_vector(
        "RTU write refused by the slave (exception 3) and an echo that does not match",
        "Modbus AP v1.1b3 §6.6, §7; ABI.md §6.3 (WRITE_RESULT)",
        serial("device unit=5", wpts),
        [{"call": "write", "point": 1, "type": "u64", "value": 7, "expect_hex": h(rtu(5, bytes.fromhex("0600010007")))},
         {"call": "frame", "hex": h(rtu(5, bytes.fromhex("0600010008"))), "expect_error": "E_PROTO",
          "expect_last_error": "FC6 response 0600010008 does not echo the request 0600010007"},
         {"call": "frame_len", "hex": rtu_exc(5, 6, 3), "expect_len": 5},
         {"call": "frame", "hex": rtu_exc(5, 6, 3),
          "expect": [dict(rec(1, "u64", 3, "BAD_DEVICE"), write_result=True)],
          "expect_last_error": "exception 3 (illegal data value) to FC6 write single register at 1 (slave 5)"}]))
    vs.append(rtu_vector(
        "RTU broadcast: unit 0 polls nothing and writes without expecting a response",
        SL + " §2.1 (broadcast: no response is returned), §2.2 (address 0)",
        serial("device unit=0", wpts),
        [{"call": "poll", "expect_hex": ""},
         {"call": "write", "point": 1, "type": "u64", "value": 1000,
          "expect_hex": h(rtu(0, struct.pack(">BHH", 6, 1, 1000))), "expect_response": False},
         {"call": "write", "point": 0, "type": "bool", "value": True,
          "expect_hex": h(rtu(0, bytes.fromhex("050003ff00"))), "expect_response": False},
         {"call": "poll", "expect_hex": ""}]))
    vs.append(rtu_vector(
        "RTU unit 248 is reserved on a serial line",
        SL + " §2.2 (248-255 reserved)",
        serial("device unit=248", "point 0 area=holding address=0\n"),
        []))
    vs[-1]["expect_open_error"] = "E_CONFIG"
    vs[-1]["expect_last_error"] = "device: unit=248 is a reserved address on a serial line (slaves are 1..247, 0 broadcasts writes; Serial Line §2.2)"
    vs.append(rtu_vector(
        "unit 255 stays valid on TCP (MBAP unit identifier 0..255)",
        "Messaging guide §4.4.2 (unit identifier)",
        "device unit=255 weir.transport=tcp\npoint 0 area=holding address=0\n",
        [{"call": "poll", "expect_hex": read_req(1, 255, 3, 0, 1)},
         {"call": "frame_len", "hex": regs_rsp(1, 255, 3, struct.pack(">H", 1)), "expect_len": 11,
          "expect_corr": (1 << 16) | (255 << 8) | 3},
         {"call": "frame", "hex": regs_rsp(1, 255, 3, struct.pack(">H", 1)), "expect": [rec(0, "u64", 1)]}]))
    vs.append(rtu_vector(
        "weir.transport=can is not one of the driver's transports",
        "ABI.md §3.4 (transports), §5.1 (weir.transport)",
        "device unit=1 weir.transport=can\n",
        []))
    vs[-1]["expect_open_error"] = "E_CONFIG"
    vs[-1]["expect_last_error"] = "weir.transport=can is not one of this driver's transports (tcp, serial)"
    v = vector(
        "on a v1.0 host the driver is the Modbus TCP driver (MBAP, no host keys)",
        "ABI.md §3.3 (agreed version 1.0), §3.4 (transports ignored by a v1.0 host)",
        "device unit=1\npoint 0 area=holding address=0\n",
        [{"call": "poll", "expect_hex": read_req(1, 1, 3, 0, 1)},
         {"call": "frame", "hex": regs_rsp(1, 1, 3, struct.pack(">H", 9)), "expect": [rec(0, "u64", 9)]}])
    v["host_abi"] = "1.0"
    v["expect_abi_version"] = "1.0"
    vs.append(v)
    v = rtu_vector(
        "a v1.1 host agrees on 1.1; the driver still reports 1.0 as the oldest it runs on",
        "ABI.md §3.3 (weir_abi_version, weir_host_abi)",
        serial("device unit=1"), [{"call": "poll", "expect_hex": ""}])
    v["expect_abi_version"] = "1.0"
    v["expect_agreed"] = "1.1"
    vs.append(v)
    vs.append(rtu_vector(
        "RTU observe: a recorded FC3 request gives its correlation key; discovery names the registers",
        "ABI.md §7.5, §7.12; " + SL + " §2.5.1",
        serial("device unit=1"),
        [{"call": "observe", "hex": rtu_read(7, 3, 100, 2), "expect_corr": corr(7, 3)},
         {"call": "frame", "hex": rtu_regs(7, 3, struct.pack(">HH", 1, 65535)),
          "expect": [named("holding/100", "u64", 1), named("holding/101", "u64", 65535)]},
         {"call": "observe", "hex": rtu_read(7, 1, 0, 10), "expect_corr": corr(7, 1)},
         {"call": "frame", "hex": rtu_exc(7, 1, 2), "expect": [named("coil/0", "u64", 2, "BAD_DEVICE")],
          "expect_last_error": "exception 2 (illegal data address) to FC1 read coils at 0, quantity 10 (slave 7)"},
         {"call": "observe", "hex": rtu_read(7, 3, 0, 1)[:-2] + "00", "expect_error": "E_PROTO",
          "expect_last_error": "recorded request: CRC"},
         {"call": "observe", "hex": rtu_read(0, 3, 0, 1), "expect_error": "E_PROTO",
          "expect_last_error": "recorded FC3 request is addressed to 0, the broadcast address, which no slave answers"},
         {"call": "observe", "hex": "0103", "expect_error": "E_PROTO",
          "expect_last_error": "recorded request: RTU frame of 2 bytes is shorter than address, function code and CRC (4)"},
         {"call": "observe", "hex": h(rtu(7, bytes.fromhex("050003ff00"))), "expect_error": "E_UNSUPPORTED",
          "expect_last_error": "function code 5 (write single coil) is not a read"}]))
    return vs


def frames_lines(path):
    """start sample → (1-based line number, direction, hex) of a sigrok-derived *.frames.txt."""
    out = {}
    with open(path) as f:
        for i, line in enumerate(f, 1):
            if line.startswith("#") or not line.strip():
                continue
            cols = line.split()
            out[int(cols[0])] = (i, cols[4], cols[6])
    return out


RTU_CORPUS = [  # (truth file under modbus_rtu/sigrok-dumps, distinct pairs to take at most)
    ("brainchild_io_16do/brainchild-io-16do", 8),
    ("flowmeter/flowmeter_graph_tool", 4),
    ("flowmeter/flowmeter_target_0liter_per_min", 12),
    ("flowmeter/flowmeter_target_15liter_per_min", 6),
    ("flowmeter/flowmeter_target0_val0", 4),
    ("wizmodbus/wizmodbus", 10),
]
WRITE_NAMES = {5: "write single coil", 6: "write single register", 15: "write multiple coils",
               16: "write multiple registers"}


def rtu_corpus_vectors():
    vs = []
    base = os.path.join(CORPUS, "modbus_rtu", "sigrok-dumps")
    for rel, limit in RTU_CORPUS:
        lines = frames_lines(os.path.join(base, rel + ".frames.txt"))
        seen = set()
        taken = 0
        with open(os.path.join(base, rel + ".truth.jsonl")) as f:
            rows = [json.loads(l) for l in f if l.strip()]
        for t in rows:
            if t["kind"] != "pair" or taken >= limit:
                continue
            key = (t["request_hex"], t["response_hex"])
            if key in seen:
                continue
            seen.add(key)
            taken += 1
            rq_line, rq_dir, rq_hex = lines[t["request_start_sample"]]
            rs_line, rs_dir, rs_hex = lines[t["response_start_sample"]]
            assert (rq_dir, rq_hex, rs_dir, rs_hex) == ("req", t["request_hex"], "resp", t["response_hex"]), rel
            fc, slave = t["function_code"], t["slave_id"]
            source = "corpus modbus_rtu/sigrok-dumps/%s.frames.txt lines %d-%d (sigrok UART decode, CRC checked; %s.truth.jsonl)" % (
                rel, rq_line, rs_line, rel.split("/")[1])
            n = len(t["response_hex"]) // 2
            framed = {"call": "frame_len", "hex": t["response_hex"], "expect_len": n, "expect_corr": corr(slave, fc)}
            if fc in (1, 2, 3, 4):
                area = {1: "coil", 2: "discrete", 3: "holding", 4: "input"}[fc]
                start = t["start_address"]
                if fc in (1, 2):
                    expect = [named("%s/%d" % (area, start + i), "bool", bool(b)) for i, b in enumerate(t["bit_values"])]
                else:
                    expect = [named("%s/%d" % (area, start + i), "u64", r) for i, r in enumerate(t["register_values"])]
                name = "%s line %d: FC%d slave %d, %d items at %d" % (
                    os.path.basename(rel), rs_line, fc, slave, len(expect), start)
                vs.append(rtu_vector(name, source, serial("device"), [
                    {"call": "observe", "hex": t["request_hex"], "expect_corr": corr(slave, fc)},
                    framed,
                    {"call": "frame", "hex": t["response_hex"], "expect": expect}]))
            else:
                name = "%s line %d: FC%d slave %d write, refused by observe, framed by length" % (
                    os.path.basename(rel), rs_line, fc, slave)
                vs.append(rtu_vector(name, source, serial("device"), [
                    {"call": "observe", "hex": t["request_hex"], "expect_error": "E_UNSUPPORTED",
                     "expect_last_error": "function code %d (%s) is not a read" % (fc, WRITE_NAMES[fc])},
                    framed,
                    {"call": "frame", "hex": t["response_hex"], "expect_error": "E_ORDER"}]))
    return vs


def rtu_poll_corpus_vectors():
    """The driver's own requests and writes are byte for byte what the masters in the corpus sent."""
    base = os.path.join(CORPUS, "modbus_rtu", "sigrok-dumps")
    vs = []
    bc = "brainchild_io_16do/brainchild-io-16do"
    rows = [json.loads(l) for l in open(os.path.join(base, bc + ".truth.jsonl")) if l.strip()]
    lines = frames_lines(os.path.join(base, bc + ".frames.txt"))
    by_fc = {}
    for t in rows:
        by_fc.setdefault(t["function_code"], t)
    steps = []
    for fc, point in ((1, 0), (2, 1), (3, 2), (4, 3)):
        t = by_fc[fc]
        steps.append({"call": "poll", "expect_hex": t["request_hex"]})
        steps.append({"call": "frame_len", "hex": t["response_hex"], "expect_len": len(t["response_hex"]) // 2})
        value = t.get("bit_values", t.get("register_values"))[0]
        steps.append({"call": "frame", "hex": t["response_hex"],
                      "expect": [rec(point, "bool", bool(value)) if fc < 3 else rec(point, "u64", value)]})
    steps.append({"call": "poll", "expect_hex": ""})
    # A point at holding 1 would join the polls; the writes run on a device opened afresh with it.
    steps.append({"call": "open", "config": serial("device unit=1", "point 0 area=coil address=3\npoint 1 area=holding address=1\n")})
    for fc, point, typ, value in ((5, 0, "bool", True), (6, 1, "u64", 0x55)):
        t = by_fc[fc]
        steps.append({"call": "write", "point": point, "type": typ, "value": value, "expect_hex": t["request_hex"]})
        steps.append({"call": "frame_len", "hex": t["response_hex"], "expect_len": 8})
        steps.append({"call": "frame", "hex": t["response_hex"], "expect": []})
    span = lambda fc: lines[by_fc[fc]["request_start_sample"]][0]
    vs.append(rtu_vector(
        "brainchild IO-16DO: the driver's FC1-FC4 polls and FC5/FC6 writes are the recorded master's bytes",
        "corpus modbus_rtu/sigrok-dumps/%s.frames.txt lines %d-%d (minimalmodbus master; sigrok UART decode)" % (
            bc, span(1), span(6) + 1),
        serial("device unit=1", "point 0 area=coil address=3\npoint 1 area=discrete address=0\n"
               "point 2 area=holding address=99\npoint 3 area=input address=120\n"),
        steps))
    fm = "flowmeter/flowmeter_target_0liter_per_min"
    rows = [json.loads(l) for l in open(os.path.join(base, fm + ".truth.jsonl")) if l.strip()]
    lines = frames_lines(os.path.join(base, fm + ".frames.txt"))
    t = next(r for r in rows if r["request_hex"] == "f7030000000f1158")
    regs = t["register_values"]
    raw = struct.pack(">15H", *regs)
    layout = [(0, "u32"), (2, "f32"), (4, "f32"), (6, "f32"), (8, "f32"), (10, "u32"), (12, "u16"), (13, "u16"), (14, "u16")]
    cfg = "".join("point %d area=holding address=%d type=%s\n" % (i, a, ty) for i, (a, ty) in enumerate(layout))
    expect = []
    for i, (a, ty) in enumerate(layout):
        fmt, n, js = TYPES[ty]
        v = struct.unpack(fmt, raw[2 * a:2 * a + 2 * n])[0]
        expect.append(rec(i, js, f32(v) if ty == "f32" else v))
    # Point 9, the write's target, lies inside the read too (registers 6-7).
    expect.append(rec(9, "f64", f32(struct.unpack(">f", raw[12:16])[0])))
    w = next(r for r in rows if r["function_code"] == 16)
    wv = struct.unpack(">f", struct.pack(">HH", *w["request"]["values"]))[0]
    vs.append(rtu_vector(
        "flow meter slave 247: the driver's FC3 of 15 registers is the recorded poll; floats decoded; FC16 f32 write",
        "corpus modbus_rtu/sigrok-dumps/%s.frames.txt lines %d-%d and %d-%d (sigrok UART decode)" % (
            fm, lines[t["request_start_sample"]][0], lines[t["response_start_sample"]][0],
            lines[w["request_start_sample"]][0], lines[w["response_start_sample"]][0]),
        serial("device unit=247", cfg + "point 9 area=holding address=6 type=f32\n"),
        [{"call": "poll", "expect_hex": t["request_hex"]},
         {"call": "frame_len", "hex": t["response_hex"], "expect_len": len(t["response_hex"]) // 2},
         {"call": "frame", "hex": t["response_hex"], "expect": expect},
         {"call": "write", "point": 9, "type": "f64", "value": wv, "expect_hex": w["request_hex"]},
         {"call": "frame_len", "hex": w["response_hex"], "expect_len": 8},
         {"call": "frame", "hex": w["response_hex"], "expect": []}]))
    return vs


def rtu_corpus_all():
    return rtu_poll_corpus_vectors() + rtu_corpus_vectors()


# topic → (vector builder, file layout)
FILES = {
    "requests": (requests_vectors, write_file),
    "types": (types_vectors, write_file),
    "batching": (batching_vectors, write_file),
    "exceptions": (exception_vectors, write_file),
    "framing": (framing_vectors, write_file),
    "observe": (observe_vectors, write_file),
    "writes": (write_vectors, write_file),
    "corpus": (corpus_vectors, write_file),
    "config_errors": (config_error_vectors, write_file_indented),
    "state": (state_vectors, write_file_indented),
    "rtu": (rtu_vectors, write_file),
    "rtu_corpus": (rtu_corpus_all, write_file),
}


def generate(out, verbose):
    for topic, (build, write) in FILES.items():
        n = write(out, topic, build())
        if verbose:
            print("%s.json: %d vectors" % (topic, n))


def check():
    """Regenerates into a temporary directory and compares with vectors/ byte for byte. Returns the
    problems found, one line per file."""
    problems = []
    with tempfile.TemporaryDirectory(prefix="modbus-vectors-") as tmp:
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
    parser = argparse.ArgumentParser(description="Generates drivers/modbus/vectors/*.json.")
    parser.add_argument("--check", action="store_true",
                        help="compare a fresh generation with vectors/ instead of writing it; exit 1 on any difference")
    parser.add_argument("corpus", nargs="?", default=DEFAULT_CORPUS,
                        help="corpus directory holding modbus_tcp/ (default: %(default)s)")
    args = parser.parse_args()
    CORPUS = args.corpus
    if not os.path.isdir(os.path.join(CORPUS, "modbus_tcp")) or not os.path.isdir(os.path.join(CORPUS, "modbus_rtu")):
        sys.exit("error: corpus directory %s lacks modbus_tcp/ or modbus_rtu/ (corpus.json and "
                 "rtu_corpus.json are made from their *.truth.jsonl files; pass the corpus directory "
                 "as the argument)" % CORPUS)
    if args.check:
        problems = check()
        for p in problems:
            print(p, file=sys.stderr)
        if problems:
            sys.exit("error: %d file(s) in %s differ from the generator; run "
                     "python3 drivers/modbus/tools/gen_vectors.py and review the diff"
                     % (len(problems), os.path.normpath(VECTORS)))
        print("vectors/: all %d files match gen_vectors.py" % len(FILES))
    else:
        os.makedirs(VECTORS, exist_ok=True)
        generate(VECTORS, verbose=True)
