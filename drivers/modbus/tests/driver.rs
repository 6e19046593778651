//! Behaviour beyond the vector format: config errors, batching plans, hot-swap state, many
//! devices per instance — all through the SDK's host simulation (regions and dispatcher).

use std::fmt::Write as _;

use modbus::map::{self, Area};
use modbus::Modbus;
use weir_sdk::abi;
use weir_sdk::testing::{BytesDecoded, FrameEnding, Framing, Host, RecordValue};
use weir_sdk::Config;

const NOW: i64 = 1_700_000_000_000_000;

fn open_error(config: &str) -> String {
    let mut host = Host::<Modbus>::new().unwrap();
    let f = host.open(0, config, NOW).expect_err(config);
    assert_eq!(f.code, abi::E_CONFIG, "{f}");
    f.last_error
}

#[test]
fn config_errors_name_line_and_key() {
    assert_eq!(
        open_error("device\npoint 0 area=holding address=1 type=f33\n"),
        "point 0: unknown type \"f33\" (expected bool, u16, i16, u32, i32, f32, u64, i64 or f64)"
    );
    assert_eq!(
        open_error("device\npoint 0 area=holding address=1\npoint 1 area=holding address=2 adress=3\n"),
        "point 1: unknown key \"adress\" (known keys: area, address, type, order, bit, scale, offset)"
    );
    // A misspelt required key is reported as unknown, not as missing.
    assert_eq!(
        open_error("device\npoint 0 area=holding adress=100\n"),
        "point 0: unknown key \"adress\" (known keys: area, address, type, order, bit, scale, offset)"
    );
    assert_eq!(
        open_error("device\npoint 0 area=register address=1\n"),
        "point 0: unknown area \"register\" (expected coil, discrete, holding or input)"
    );
    assert_eq!(open_error("device\npoint 0 area=holding\n"), "point 0: missing key \"address\"");
    assert_eq!(
        open_error("device\npoint 0 area=holding address=65536\n"),
        "point 0: address=65536 is out of range 0..65535"
    );
    assert_eq!(
        open_error("device\npoint 0 area=holding address=65535 type=f32\n"),
        "point 0: type f32 at address 65535 runs past register 65535"
    );
    assert_eq!(open_error("device unit=256\n"), "device: unit=256 is out of range 0..255");
    assert_eq!(open_error("device max_registers=126\n"), "device: max_registers=126 is out of range 1..125");
    assert_eq!(open_error("device max_bits=2001\n"), "device: max_bits=2001 is out of range 1..2000");
    assert_eq!(
        open_error("device\npoint 0 area=coil address=1 type=u16\n"),
        "point 0: type \"u16\" in area coil: coils and discrete inputs are single bits, use type=bool"
    );
    assert_eq!(
        open_error("device\npoint 0 area=coil address=1 scale=2\n"),
        "point 0: key \"scale\" does not apply to a bit in area coil"
    );
    assert_eq!(
        open_error("device\npoint 0 area=holding address=1 type=bool\n"),
        "point 0: type bool in area holding needs bit=0..15 (which bit of the register)"
    );
    assert_eq!(
        open_error("device\npoint 0 area=holding address=1 type=bool bit=16\n"),
        "point 0: bit=16 is out of range 0..15"
    );
    assert_eq!(
        open_error("device\npoint 0 area=holding address=1 bit=2\n"),
        "point 0: key \"bit\" applies only to type=bool"
    );
    assert_eq!(
        open_error("device\npoint 0 area=holding address=1 type=u32 order=ADCB\n"),
        "point 0: unknown byte order \"ADCB\" (expected ABCD, CDAB, BADC or DCBA)"
    );
    assert_eq!(
        open_error("device\npoint 0 area=holding address=1 scale=x\n"),
        "point 0: invalid value \"x\" for key \"scale\": invalid float literal"
    );
    assert_eq!(
        open_error("device\npoint 0 area=holding address=1 scale=inf\n"),
        "point 0: scale must be a finite number"
    );
    assert_eq!(
        open_error("device max_registers=3\npoint 0 area=holding address=1 type=f64\n"),
        "point 0: type f64 needs 4 registers, more than max_registers=3"
    );
    assert_eq!(
        open_error("device unti=1\n"),
        "device: unknown key \"unti\" (known keys: unit, max_registers, max_bits, max_gap, timeout_ms)"
    );
    let crowded: String = (0..2049).map(|i| format!("point {i} area=coil address=0\n")).collect();
    assert_eq!(
        open_error(&format!("device\n{crowded}")),
        "FC1 request at 0 serves 2049 points, more than the 2048 records one response may give"
    );
}

#[test]
fn plans_are_deterministic_and_within_limits() {
    let mut text = String::from("device max_gap=3\n");
    // Reverse order of addresses and mixed areas: the plan sorts them.
    for i in 0..300u32 {
        let (area, address) = match i % 3 {
            0 => ("holding", 1000 - i),
            1 => ("coil", 5000 - i),
            _ => ("input", 2 * i),
        };
        writeln!(text, "point {i} area={area} address={address}").unwrap();
    }
    let config = Config::parse(&text).unwrap();
    let (device, points) = map::parse(&config).unwrap();
    let plans = map::plan(&device, &points);
    assert_eq!(plans, map::plan(&device, &points));
    let mut covered = vec![false; points.len()];
    let mut last_area = Area::Coil;
    for p in &plans {
        assert!(p.area >= last_area, "areas in FC order");
        last_area = p.area;
        let max = if p.area.is_bits() { 2000 } else { 125 };
        assert!(p.quantity >= 1 && p.quantity <= max, "{p:?}");
        for &i in &p.points {
            let pt = &points[i as usize];
            assert_eq!(pt.area, p.area);
            assert!(pt.address >= p.start && pt.end() <= p.start as u32 + p.quantity as u32);
            assert!(!covered[i as usize], "point {i} in two requests");
            covered[i as usize] = true;
        }
    }
    assert!(covered.iter().all(|&c| c));
    // coils 4702..=4999 every 3rd (holes of 2 <= max_gap) span 298 bits: one request; holding
    // 703..=1000 every 3rd span 298 registers: three requests of at most 125; input 0, 6, 12 …
    // (holes of 5 > max_gap 3): one request per point.
    assert_eq!(plans.iter().filter(|p| p.area == Area::Coil).count(), 1);
    assert_eq!(plans.iter().filter(|p| p.area == Area::Holding).count(), 3);
    assert_eq!(plans.iter().filter(|p| p.area == Area::Input).count(), 100);
}

#[test]
fn hot_swap_keeps_transaction_ids_monotonic() {
    let cfg = "device\npoint 0 area=holding address=0\n";
    let mut old = Host::<Modbus>::new().unwrap();
    old.open(0, cfg, NOW).unwrap();
    for tid in 1..=3u16 {
        let sent = old.poll(0, NOW).unwrap().unwrap();
        assert_eq!(&sent.bytes[0..2], &tid.to_be_bytes());
        old.on_timeout(0, NOW).unwrap();
        assert!(old.poll(0, NOW).unwrap().is_none());
    }
    let state = old.save_state(0).unwrap();
    assert_eq!(state, vec![1, 0, 0, 0, 4, 0], "schema 1, next transaction 4");
    assert!(old.describe().unwrap().contains("\"state_schema\":1"));

    let mut new = Host::<Modbus>::new().unwrap();
    new.open(0, cfg, NOW).unwrap();
    new.load_state(0, &state).unwrap();
    assert_eq!(&new.poll(0, NOW).unwrap().unwrap().bytes[0..2], &[0, 4]);

    let f = new.load_state(0, &[2, 0, 0, 0, 4, 0]).unwrap_err();
    assert_eq!(f.code, abi::E_SCHEMA);
    assert!(f.last_error.contains("state schema 2"), "{}", f.last_error);
    assert_eq!(new.load_state(0, &[1, 0]).unwrap_err().code, abi::E_SCHEMA);
}

#[test]
fn transaction_ids_wrap_after_65535() {
    let cfg = "device\npoint 0 area=holding address=0\n";
    let mut host = Host::<Modbus>::new().unwrap();
    host.open(0, cfg, NOW).unwrap();
    host.load_state(0, &[1, 0, 0, 0, 0xff, 0xff]).unwrap();
    assert_eq!(&host.poll(0, NOW).unwrap().unwrap().bytes[0..2], &[0xff, 0xff]);
    host.on_timeout(0, NOW).unwrap();
    host.poll(0, NOW).unwrap();
    assert_eq!(&host.poll(0, NOW).unwrap().unwrap().bytes[0..2], &[0, 0]);
}

#[test]
fn many_devices_share_one_instance() {
    let mut host = Host::<Modbus>::new().unwrap();
    for dev in 0..50 {
        host.open(dev, &format!("device unit={}\npoint 0 area=input address={dev}\n", dev + 1), NOW).unwrap();
    }
    assert_eq!(host.instance().open_devices(), 50);
    // Interleaved cycles keep per-device transaction ids and units apart.
    for dev in (0..50).rev() {
        let sent = host.poll(dev, NOW).unwrap().unwrap();
        assert_eq!(sent.bytes[6], dev as u8 + 1);
        assert!(sent.expect);
        let rsp = [0, 1, 0, 0, 0, 5, dev as u8 + 1, 4, 2, 0, dev as u8];
        let records = host.on_frame(dev, &rsp, NOW).unwrap();
        assert_eq!(records[0].value, RecordValue::U64(dev as u64));
    }
    assert_eq!(host.poll(77, NOW).unwrap_err().code, abi::E_NODEV);
    assert!(host.last_error(77).is_none());
    host.close(3).unwrap();
    assert_eq!(host.poll(3, NOW).unwrap_err().code, abi::E_NODEV);
    assert_eq!(host.close(3).unwrap_err().code, abi::E_NODEV);
    assert_eq!(host.instance().open_devices(), 49);
}

#[test]
fn failed_open_keeps_its_reason_and_the_device_closed() {
    let mut host = Host::<Modbus>::new().unwrap();
    host.open(4, "device\npoint 0 area=holding address=0\n", NOW).unwrap();
    assert!(host.open(4, "device\npoint 0 area=x address=0\n", NOW).is_err());
    assert_eq!(host.poll(4, NOW).unwrap_err().code, abi::E_NODEV);
    assert!(host.last_error(4).unwrap().contains("unknown area \"x\""));
}

#[test]
fn framing_refuses_frames_beyond_rx_capacity_and_reports_need() {
    let mut host = Host::<Modbus>::new().unwrap();
    host.open(0, "device\n", NOW).unwrap();
    assert_eq!(host.frame_len(0, &[0, 1, 0, 0, 0, 5, 1]).unwrap(), Framing::NeedMore { need: 11 });
    assert_eq!(host.frame_len(0, &[0, 1]).unwrap(), Framing::NeedMore { need: 0 });
    assert_eq!(host.frame_len(0, &[0, 1, 0, 7]).unwrap(), Framing::Resync { skip: 1 });
    // The MBAP length limit (254) keeps every frame below this SDK's rx capacity; the driver
    // still honours a smaller one.
    assert_eq!(modbus::mbap::frame_len(&[0, 1, 0, 0, 0, 254], 100), weir_sdk::FrameLen::Resync(1));
}

#[test]
fn manifest_is_the_abi_example() {
    // ABI.md §3.4's v1.1 example, with this driver's state schema.
    assert_eq!(
        weir_sdk::dispatch::manifest_json::<Modbus>().unwrap(),
        "{\"name\":\"modbus\",\"version\":\"0.2.0\",\"protocol\":\"modbus\",\"transport\":\"tcp\",\"state_schema\":1,\"transports\":[\"tcp\",\"serial\"],\"max_devices\":64}"
    );
    // A v1.0 host reads only the v1.0 fields: the Modbus TCP driver it always was.
    assert_eq!(weir_sdk::dispatch::abi_version::<Modbus>(), 0x0001_0000);
}

/// CRC-16/MODBUS written out here, apart from the driver's (Serial Line §6.2.2).
fn crc(bytes: &[u8]) -> [u8; 2] {
    let mut c: u16 = 0xFFFF;
    for &b in bytes {
        c ^= b as u16;
        for _ in 0..8 {
            c = if c & 1 != 0 { (c >> 1) ^ 0xA001 } else { c >> 1 };
        }
    }
    c.to_le_bytes()
}

#[test]
fn tcp_and_serial_devices_share_an_instance_each_with_its_framing() {
    let mut host = Host::<Modbus>::new().unwrap();
    assert_eq!(host.host_abi(0x0001_0001), 0x0001_0001);
    // Even devices on TCP, odd ones on serial lines: one instance, two framings side by side.
    for dev in 0..20 {
        let transport = if dev % 2 == 0 { "tcp" } else { "serial" };
        let config = format!(
            "device unit={} weir.transport={transport}\npoint 0 area=holding address={dev} type=u16\n",
            dev + 1
        );
        host.open(dev, &config, NOW).unwrap();
    }
    for dev in (0..20).rev() {
        let unit = dev as u8 + 1;
        let sent = host.poll(dev, NOW).unwrap().unwrap();
        let pdu = [3, 0, dev as u8, 0, 1];
        let rsp_pdu = [3, 2, 0x12, unit];
        let rsp = if dev % 2 == 0 {
            assert_eq!(sent.bytes, [&[0, 1, 0, 0, 0, 6, unit][..], &pdu].concat());
            [&[0, 1, 0, 0, 0, 5, unit][..], &rsp_pdu].concat()
        } else {
            let req = [&[unit][..], &pdu].concat();
            assert_eq!(sent.bytes, [&req[..], &crc(&req)].concat());
            let rsp = [&[unit][..], &rsp_pdu].concat();
            [&rsp[..], &crc(&rsp)].concat()
        };
        assert_eq!(host.frame_len(dev, &rsp).unwrap(), Framing::Complete(rsp.len()));
        let key = if dev % 2 == 0 { 1 << 16 | (unit as u32) << 8 | 3 } else { (unit as u32) << 8 | 3 };
        assert_eq!(host.corr(), key);
        let records = host.on_frame(dev, &rsp, NOW).unwrap();
        assert_eq!(records[0].value, RecordValue::U64(0x1200 | unit as u64));
    }
}

#[test]
fn rtu_framing_finds_the_response_behind_line_noise() {
    // Noise glued to the front of a response, one byte of it a "byte count" that asks for more
    // than ever comes: the host drops what the framer refuses (E_RESYNC) and, when the line falls
    // silent with bytes pending, calls frame_end, which gives up one byte at a time so that the
    // response behind the noise is still found.
    let mut host = Host::<Modbus>::new().unwrap();
    host.host_abi(0x0001_0001);
    host.open(0, "device unit=1 weir.transport=serial\npoint 0 area=holding address=0\n", NOW).unwrap();
    host.poll(0, NOW).unwrap().unwrap();
    let frame = {
        let f = vec![1, 3, 2, 0, 42];
        [&f[..], &crc(&f)].concat()
    };
    let mut rx = [&[0x00, 0xff, 0x01, 0x03, 0x7f][..], &frame].concat();
    let mut dropped = 0;
    let n = loop {
        let skip = match host.frame_len(0, &rx).unwrap() {
            Framing::Resync { skip } => skip,
            Framing::Complete(n) => break n,
            // The rest of the bytes never come: the line falls silent.
            Framing::NeedMore { .. } => match host.frame_end(0, &rx).unwrap() {
                FrameEnding::Resync { skip } => skip,
                FrameEnding::Frame(n) => break n,
                other => panic!("frame_end gave {other:?} for {rx:02x?}"),
            },
        };
        dropped += skip;
        rx.drain(..skip);
    };
    assert_eq!(&rx[..n], &frame[..]);
    assert_eq!(dropped, 5);
    assert_eq!(host.on_frame(0, &frame, NOW).unwrap()[0].value, RecordValue::U64(42));
}

/// ABI v1.2 (§7.1, §7.13): with a v1.2 host the last request of a cycle is marked `LAST` and the
/// next `poll` starts the next cycle; `weir_on_bytes` frames and decodes a response that arrived
/// whole in one call, for TCP (MBAP) and serial (RTU) devices alike.
#[test]
fn a_v12_host_ends_cycles_on_last_and_decodes_in_one_call() {
    let mut host = Host::<Modbus>::new().unwrap();
    assert_eq!(host.host_abi(0x0001_0002), 0x0001_0002);
    // Two reads a cycle: holding 0..1 and input 10.
    let points = "point 0 area=holding address=0 type=u16\npoint 1 area=holding address=1 type=i16\n\
                  point 2 area=input address=10 type=u16\n";
    host.open(0, &format!("device unit=1 weir.transport=tcp\n{points}"), NOW).unwrap();
    host.open(1, &format!("device unit=2 weir.transport=serial\n{points}"), NOW).unwrap();
    for cycle in 0..3u16 {
        for dev in [0, 1] {
            let unit = dev as u8 + 1;
            for (i, (pdu, data)) in
                [([3u8, 0, 0, 0, 2], vec![3u8, 4, 0, 7, 0xff, 0xfe]), ([4, 0, 10, 0, 1], vec![4, 2, 0, 9])]
                    .iter()
                    .enumerate()
            {
                let sent = host.poll(dev, NOW).unwrap().expect("a request");
                let last = i == 1;
                assert_eq!(
                    host.req_flags(),
                    if last { abi::REQ_LAST } else { 0 },
                    "cycle {cycle} dev {dev} req {i}"
                );
                let rsp = if dev == 0 {
                    let t = (2 * cycle + i as u16 + 1).to_be_bytes();
                    assert_eq!(sent.bytes, [&[t[0], t[1], 0, 0, 0, 6, unit][..], &pdu[..]].concat());
                    [&[t[0], t[1], 0, 0, 0, data.len() as u8 + 1, unit][..], &data[..]].concat()
                } else {
                    let req = [&[unit][..], &pdu[..]].concat();
                    assert_eq!(sent.bytes, [&req[..], &crc(&req)].concat());
                    let rsp = [&[unit][..], &data[..]].concat();
                    [&rsp[..], &crc(&rsp)].concat()
                };
                // The response and the first bytes of whatever follows: one frame is decoded.
                let rx = [&rsp[..], &[0, 0][..]].concat();
                let (len, records) = match host.on_bytes(dev, &rx, NOW).unwrap() {
                    BytesDecoded::Decoded { len, records } => (len, records),
                    other => panic!("{other:?}"),
                };
                assert_eq!(len, rsp.len());
                let values: Vec<_> = records.iter().map(|r| (r.point, r.value.clone())).collect();
                if last {
                    assert_eq!(values, [(Some(2), RecordValue::U64(9))]);
                } else {
                    assert_eq!(values, [(Some(0), RecordValue::U64(7)), (Some(1), RecordValue::I64(-2))]);
                }
                // A response cut short: E_PARTIAL, with the size when the header tells it.
                let partial = host.on_bytes(dev, &rsp[..3], NOW).unwrap();
                let need = if dev == 0 { 0 } else { rsp.len() };
                assert_eq!(partial, BytesDecoded::Partial { need }, "dev {dev}");
            }
        }
    }
    // A stray answer (another transaction id) is refused with its length, and the request stays
    // outstanding for the right one.
    host.poll(0, NOW).unwrap().unwrap();
    let stray = [0, 99, 0, 0, 0, 7, 1, 3, 4, 0, 1, 0, 2];
    let f = host.on_bytes(0, &stray, NOW).unwrap_err();
    assert_eq!(f.code, abi::E_PROTO, "{f}");
    let right = [0, 7, 0, 0, 0, 7, 1, 3, 4, 0, 1, 0, 2];
    assert!(matches!(host.on_bytes(0, &right, NOW).unwrap(), BytesDecoded::Decoded { len: 13, .. }));
}

/// With a v1.1 host the driver is what it was: no `LAST`, and the closing `poll` ends the cycle.
#[test]
fn a_v11_host_ends_cycles_with_poll() {
    let mut host = Host::<Modbus>::new().unwrap();
    assert_eq!(host.host_abi(0x0001_0001), 0x0001_0001);
    host.open(0, "device unit=1 weir.transport=tcp\npoint 0 area=holding address=0\n", NOW).unwrap();
    for _ in 0..3 {
        let sent = host.poll(0, NOW).unwrap().expect("a request");
        assert_eq!(host.req_flags(), 0);
        let rsp = [sent.bytes[0], sent.bytes[1], 0, 0, 0, 5, 1, 3, 2, 0, 1];
        assert_eq!(host.on_frame(0, &rsp, NOW).unwrap().len(), 1);
        assert!(host.poll(0, NOW).unwrap().is_none(), "the closing poll ends the cycle");
    }
    assert_eq!(host.on_bytes(0, &[0, 1], NOW).unwrap_err().code, abi::E_ORDER);
}
