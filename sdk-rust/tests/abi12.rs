//! ABI v1.2 in the dispatcher: the agreed version, `meta.req_flags` (ABI.md §7.1), `weir_on_bytes`
//! (§7.13) and its `meta.need`, and the device table that every call of a cycle searches.

use weir_sdk::abi;
use weir_sdk::testing::{BytesDecoded, Host, RecordValue};
use weir_sdk::{
    Config, Direction, Driver, Error, FrameLen, Manifest, Out, Quality, Request, Transport, Tx, Value,
};

/// Frames are `[len, tag, ...]` (len counts the whole frame); a tag of `0xEE` is malformed. A
/// cycle is two requests, the second marked last when the agreed version allows it.
struct Twelve {
    next: u8,
    ends_cycles: bool,
}

impl Twelve {
    fn poll_cycle(&mut self, tx: &mut Tx) -> Result<Option<Request>, Error> {
        if self.next == 2 {
            // Only reached with an older host, which ends the cycle with this call.
            self.next = 0;
            return Ok(None);
        }
        tx.put(&[2, self.next])?;
        self.next += 1;
        let req = Request::expecting_response();
        if self.next == 2 && self.ends_cycles {
            self.next = 0;
            return Ok(Some(req.last_of_cycle()));
        }
        Ok(Some(req))
    }
}

impl Driver for Twelve {
    const MANIFEST: Manifest = Manifest {
        name: "twelve",
        version: "1.2.0",
        protocol: "twelve",
        transport: Transport::Tcp,
        passive: false,
        state_schema: None,
    };
    const NEWEST_ABI_MINOR: u16 = 2;

    fn open(config: &Config, _now_us: i64) -> Result<Self, Error> {
        config.finish()?;
        Ok(Twelve { next: 0, ends_cycles: config.abi_minor() >= 2 })
    }

    fn poll(&mut self, tx: &mut Tx, _now_us: i64) -> Result<Option<Request>, Error> {
        self.poll_cycle(tx)
    }

    fn frame_len(&mut self, rx: &[u8], rx_cap: usize) -> FrameLen {
        match rx.first() {
            None => FrameLen::NeedMore(0),
            Some(0) => FrameLen::Resync(1),
            Some(&n) if n as usize > rx_cap => FrameLen::Resync(1),
            Some(&n) if (n as usize) <= rx.len() => FrameLen::Complete(n as usize),
            Some(&n) => FrameLen::NeedMore(n as usize),
        }
    }

    fn correlation_key(&self, frame: &[u8], _direction: Direction) -> u32 {
        0x100 | u32::from(frame.get(1).copied().unwrap_or(0))
    }

    fn on_frame(&mut self, frame: &[u8], out: &mut Out, _now_us: i64) -> Result<(), Error> {
        if frame.get(1) == Some(&0xEE) {
            return Err(Error::Proto("tag 0xee is malformed".into()));
        }
        for (i, b) in frame.iter().enumerate().skip(2) {
            out.record(i as u32 - 2, Value::U64(u64::from(*b)), Quality::GOOD)?;
        }
        Ok(())
    }
}

/// The same driver at the SDK's default, v1.1.
struct Eleven(Twelve);

impl Driver for Eleven {
    const MANIFEST: Manifest = Manifest {
        name: "eleven",
        version: "1.1.0",
        protocol: "twelve",
        transport: Transport::Tcp,
        passive: false,
        state_schema: None,
    };

    fn open(config: &Config, now_us: i64) -> Result<Self, Error> {
        Twelve::open(config, now_us).map(Eleven)
    }

    fn poll(&mut self, tx: &mut Tx, now_us: i64) -> Result<Option<Request>, Error> {
        self.0.poll(tx, now_us)
    }

    fn frame_len(&mut self, rx: &[u8], rx_cap: usize) -> FrameLen {
        self.0.frame_len(rx, rx_cap)
    }

    fn on_frame(&mut self, frame: &[u8], out: &mut Out, now_us: i64) -> Result<(), Error> {
        self.0.on_frame(frame, out, now_us)
    }
}

const NOW: i64 = 1_000;
const V1_1: i32 = 0x0001_0001;
const V1_2: i32 = 0x0001_0002;

fn host<D: Driver>(host_version: i32, device_line: &str) -> Host<D> {
    let mut h = Host::<D>::new().expect("layout is valid");
    assert!(h.host_abi(host_version) > 0);
    h.open(0, device_line, NOW).unwrap();
    h
}

#[test]
fn the_agreed_version_is_the_older_of_host_and_driver() {
    assert_eq!(Host::<Twelve>::new().unwrap().host_abi(V1_2), V1_2);
    assert_eq!(Host::<Twelve>::new().unwrap().host_abi(V1_1), V1_1);
    // A later host still agrees on what the driver knows.
    assert_eq!(Host::<Twelve>::new().unwrap().host_abi(0x0001_0007), V1_2);
    assert_eq!(Host::<Eleven>::new().unwrap().host_abi(V1_2), V1_1);
    // It still runs on a v1.0 host: 1.2 is nothing a driver needs.
    assert_eq!(Host::<Twelve>::new().unwrap().abi_version(), 0x0001_0000);
}

#[test]
fn last_is_written_with_every_request_of_a_v12_cycle() {
    let mut h = host::<Twelve>(V1_2, "device weir.transport=tcp\n");
    for _ in 0..3 {
        let first = h.poll(0, NOW).unwrap().expect("first request");
        assert_eq!(first.bytes, [2, 0]);
        assert_eq!(h.req_flags(), 0);
        let second = h.poll(0, NOW).unwrap().expect("second request");
        assert_eq!(second.bytes, [2, 1]);
        assert_eq!(h.req_flags(), abi::REQ_LAST);
        // No closing poll: the next poll starts the next cycle, and clears the flag.
    }
}

#[test]
fn an_older_host_ends_the_cycle_with_poll_and_never_sees_req_flags() {
    fn cycle<D: Driver>(mut h: Host<D>) {
        assert!(h.poll(0, NOW).unwrap().is_some());
        assert!(h.poll(0, NOW).unwrap().is_some());
        assert_eq!(h.req_flags(), 0, "meta.req_flags is not written below 1.2");
        assert!(h.poll(0, NOW).unwrap().is_none(), "the closing poll ends the cycle");
    }
    cycle(host::<Twelve>(V1_1, "device weir.transport=tcp\n"));
    cycle(host::<Eleven>(V1_2, "device weir.transport=tcp\n"));
}

#[test]
fn on_bytes_decodes_a_whole_frame_and_writes_its_length() {
    let mut h = host::<Twelve>(V1_2, "device weir.transport=tcp\n");
    // A frame of 4 bytes and the first byte of the next one.
    match h.on_bytes(0, &[4, 7, 10, 11, 9], NOW).unwrap() {
        BytesDecoded::Decoded { len, records } => {
            assert_eq!(len, 4);
            let values: Vec<_> = records.iter().map(|r| (r.point, r.value.clone())).collect();
            assert_eq!(values, [(Some(0), RecordValue::U64(10)), (Some(1), RecordValue::U64(11))]);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(h.corr(), 0x107);
    // A frame that decodes to no records is a count of 0, not "more bytes needed".
    assert_eq!(h.on_bytes(0, &[2, 1], NOW).unwrap(), BytesDecoded::Decoded { len: 2, records: vec![] });
    assert_eq!(h.on_bytes(0, &[9, 1, 2], NOW).unwrap(), BytesDecoded::Partial { need: 9 });
    assert_eq!(h.on_bytes(0, &[0, 4, 1, 2], NOW).unwrap(), BytesDecoded::Resync { skip: 1 });
    assert_eq!(h.on_bytes(0, &[255], NOW).unwrap(), BytesDecoded::Partial { need: 255 });
}

#[test]
fn on_bytes_reports_a_decoding_error_with_the_frame_length() {
    let mut h = host::<Twelve>(V1_2, "device weir.transport=tcp\n");
    let f = h.on_bytes(0, &[3, 0xEE, 1, 3], NOW).unwrap_err();
    assert_eq!(f.code, abi::E_PROTO);
    assert!(f.last_error.contains("malformed"), "{}", f.last_error);
    let mut inst = h;
    // meta.need is the frame's length, so the host can drop the frame and keep the rest.
    assert_eq!(raw_need(&mut inst), 3);
}

fn raw_need<D: Driver>(h: &mut Host<D>) -> i32 {
    let inst = h.instance();
    let meta = inst.layout() as usize + abi::LAYOUT_SIZE;
    let mem = inst.memory();
    i32::from_le_bytes(mem[meta + abi::META_NEED..meta + abi::META_NEED + 4].try_into().unwrap())
}

#[test]
fn on_bytes_without_a_frame_writes_need_zero() {
    let mut h = host::<Twelve>(V1_2, "device weir.transport=tcp\n");
    assert_eq!(h.on_bytes(0, &[9, 1], NOW).unwrap(), BytesDecoded::Partial { need: 9 });
    // Unknown device: an error with need 0 (no frame found), whatever need said before.
    let f = h.on_bytes(3, &[2, 1], NOW).unwrap_err();
    assert_eq!(f.code, abi::E_NODEV);
    assert_eq!(raw_need(&mut h), 0);
    let inst = h.instance();
    assert_eq!(inst.on_bytes(0, -1, NOW), abi::E_INVAL);
}

#[test]
fn on_bytes_is_refused_below_12() {
    let mut h = host::<Twelve>(V1_1, "device weir.transport=tcp\n");
    let f = h.on_bytes(0, &[2, 1], NOW).unwrap_err();
    assert_eq!(f.code, abi::E_ORDER);
    assert!(f.last_error.contains("v1.2 call"), "{}", f.last_error);
    assert_eq!(raw_need(&mut h), 0);
}

#[test]
fn devices_are_found_by_small_and_large_handles() {
    let mut h = Host::<Twelve>::new().unwrap();
    assert_eq!(h.host_abi(V1_2), V1_2);
    for dev in [0, 5, 1023, 1024, 70_000, i32::MAX] {
        h.open(dev, "device weir.transport=tcp\n", NOW).unwrap();
    }
    assert_eq!(h.instance().open_devices(), 6);
    for dev in [0, 5, 1023, 1024, 70_000, i32::MAX] {
        assert_eq!(h.poll(dev, NOW).unwrap().unwrap().bytes, [2, 0], "dev {dev}");
    }
    for dev in [1, 4, 6, 1022, 1025, 69_999] {
        assert_eq!(h.poll(dev, NOW).unwrap_err().code, abi::E_NODEV, "dev {dev}");
    }
    h.close(5).unwrap();
    h.close(70_000).unwrap();
    assert_eq!(h.poll(5, NOW).unwrap_err().code, abi::E_NODEV);
    assert_eq!(h.poll(70_000, NOW).unwrap_err().code, abi::E_NODEV);
    assert_eq!(h.close(5).unwrap_err().code, abi::E_NODEV);
    assert_eq!(h.instance().open_devices(), 4);
    // weir_host_abi comes before any open (§3.3): refused while devices are open, large or small.
    assert_eq!(h.host_abi(V1_2), abi::E_ORDER);
    for dev in [0, 1023, 1024, i32::MAX] {
        h.close(dev).unwrap();
    }
    assert_eq!(h.instance().open_devices(), 0);
    assert_eq!(h.host_abi(V1_2), V1_2);
}
