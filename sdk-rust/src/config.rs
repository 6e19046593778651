//! Parser of the device configuration text, ABI.md §5.
//!
//! ```text
//! device unit=1
//! point 0 area=holding address=100 type=f32 order=CDAB scale=0.1
//! point 1 area=coil address=5 type=bool
//! ```
//!
//! A driver first declares the keys it knows with [`Config::known_keys`], which rejects any other
//! key before a required key is looked up: a typo (`adress=100`) is then reported as
//! `point 0: unknown key "adress" (known keys: ...)`, not as `missing key "address"`. Every key a
//! driver reads is marked as used; [`Config::finish`] rejects the first key no one read.

use crate::abi;
use crate::driver::Transport;
use crate::error::Error;
use std::cell::Cell;
use std::fmt::Display;
use std::str::FromStr;

/// One `device` or `point` line: its `key=value` pairs.
#[derive(Debug)]
pub struct Params {
    what: String,
    pairs: Vec<(String, String, Cell<bool>)>,
}

impl Params {
    /// `device` or `point N`, the prefix of every error about this line.
    pub fn what(&self) -> &str {
        &self.what
    }

    /// The raw value of `key`, marking it used.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs.iter().find(|(k, _, _)| k == key).map(|(_, v, used)| {
            used.set(true);
            v.as_str()
        })
    }

    /// The value of `key` parsed as `T`, or `None` if absent.
    pub fn parse<T: FromStr>(&self, key: &str) -> Result<Option<T>, Error>
    where
        T::Err: Display,
    {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v.parse::<T>().map(Some).map_err(|e| {
                Error::Config(format!("{}: invalid value \"{v}\" for key \"{key}\": {e}", self.what))
            }),
        }
    }

    /// The value of `key` parsed as `T`, or `default` if absent.
    pub fn parse_or<T: FromStr>(&self, key: &str, default: T) -> Result<T, Error>
    where
        T::Err: Display,
    {
        Ok(self.parse(key)?.unwrap_or(default))
    }

    /// The value of `key` parsed as `T`; absent is an error.
    pub fn require<T: FromStr>(&self, key: &str) -> Result<T, Error>
    where
        T::Err: Display,
    {
        self.parse(key)?.ok_or_else(|| Error::Config(format!("{}: missing key \"{key}\"", self.what)))
    }

    /// An integer key that must lie in `min..max`, both ends included (the message says `min..max`
    /// as the other SDKs' drivers do).
    pub fn int_in(&self, key: &str, default: Option<i64>, min: i64, max: i64) -> Result<i64, Error> {
        let v = match (self.parse::<i64>(key)?, default) {
            (Some(v), _) => v,
            (None, Some(d)) => return Ok(d),
            (None, None) => return Err(Error::Config(format!("{}: missing key \"{key}\"", self.what))),
        };
        if v < min || v > max {
            return Err(Error::Config(format!("{}: {key}={v} is out of range {min}..{max}", self.what)));
        }
        Ok(v)
    }

    /// An error about this line, prefixed with `device` / `point N`.
    pub fn error(&self, message: impl Display) -> Error {
        Error::Config(format!("{}: {message}", self.what))
    }

    /// Fails with `E_CONFIG` naming the first key of this line that is not in `known`, and listing
    /// the known ones.
    pub fn known_keys(&self, known: &[&str]) -> Result<(), Error> {
        match self.pairs.iter().find(|(k, _, _)| !known.contains(&k.as_str())) {
            None => Ok(()),
            Some((key, _, _)) => {
                Err(self.error(format!("unknown key \"{key}\" (known keys: {})", known.join(", "))))
            }
        }
    }

    fn unused(&self) -> Option<&str> {
        self.pairs.iter().find(|(_, _, used)| !used.get()).map(|(k, _, _)| k.as_str())
    }
}

/// A parsed config: the device line and the point lines, in index order, plus what the host told
/// the driver: the agreed ABI version and its host keys (ABI.md §5.1), which are not among the
/// device line's pairs.
#[derive(Debug)]
pub struct Config {
    pub device: Params,
    pub points: Vec<Params>,
    host_keys: Vec<(String, String)>,
    transport: Option<Transport>,
    abi_minor: u16,
}

impl Config {
    /// Parses config text; every syntax error names its line.
    pub fn parse(text: &str) -> Result<Config, Error> {
        let mut device: Option<Params> = None;
        let mut points = Vec::new();
        for (n, line) in text.split('\n').enumerate() {
            let line_no = n + 1;
            let line = line.strip_suffix('\r').unwrap_or(line);
            if line.is_empty() {
                continue;
            }
            let mut words = line.split(' ');
            let kind = words.next().unwrap_or("");
            let what = match kind {
                "device" => {
                    if device.is_some() {
                        return Err(Error::Config(format!(
                            "line {line_no}: a second \"device\" line (exactly one is allowed)"
                        )));
                    }
                    "device".to_string()
                }
                "point" => {
                    if device.is_none() {
                        return Err(Error::Config(format!(
                            "line {line_no}: \"point\" before the \"device\" line"
                        )));
                    }
                    let index = words.next().unwrap_or("");
                    let expected = points.len();
                    match index.parse::<usize>() {
                        Ok(i) if i == expected && index.bytes().all(|b| b.is_ascii_digit()) => {}
                        _ => {
                            return Err(Error::Config(format!(
                                "line {line_no}: point index \"{index}\" where {expected} was expected (indexes run 0, 1, 2 … in order)"
                            )))
                        }
                    }
                    format!("point {expected}")
                }
                _ => {
                    return Err(Error::Config(format!(
                        "line {line_no}: unknown line kind \"{kind}\" (expected \"device\" or \"point\")"
                    )))
                }
            };
            let mut pairs: Vec<(String, String, Cell<bool>)> = Vec::new();
            for word in words {
                let (key, value) = match word.split_once('=') {
                    Some((k, v)) => (k, v),
                    None => return Err(Error::Config(format!("{what}: \"{word}\" is not a key=value pair"))),
                };
                let key_ok =
                    !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b));
                if !key_ok {
                    return Err(Error::Config(format!("{what}: invalid key \"{key}\"")));
                }
                let value_ok =
                    !value.is_empty() && value.bytes().all(|b| (0x21..=0x7e).contains(&b) && b != b'=');
                if !value_ok {
                    return Err(Error::Config(format!(
                        "{what}: invalid value \"{value}\" for key \"{key}\" (printable ASCII, no spaces or '=')"
                    )));
                }
                if pairs.iter().any(|(k, _, _)| k == key) {
                    return Err(Error::Config(format!("{what}: key \"{key}\" given twice")));
                }
                pairs.push((key.to_string(), value.to_string(), Cell::new(false)));
            }
            let params = Params { what, pairs };
            if kind == "device" {
                device = Some(params);
            } else {
                points.push(params);
            }
        }
        let device = device.ok_or_else(|| {
            Error::Config("no \"device\" line (the config must start with one)".to_string())
        })?;
        Ok(Config { device, points, host_keys: Vec::new(), transport: None, abi_minor: 0 })
    }

    /// Parses the text as the host passed it to a driver with agreed minor version `abi_minor`.
    /// With 1.1 the host keys (`weir.*`, ABI.md §5.1) leave the device line: `weir.transport`
    /// must name one of `transports`, other host keys are kept but not checked (a later minor may
    /// add some), and a host key on a point line is refused. With 1.0 there are no host keys.
    #[inline(never)]
    pub fn parse_from_host(text: &str, abi_minor: u16, transports: &[Transport]) -> Result<Config, Error> {
        let mut c = Config::parse(text)?;
        c.abi_minor = abi_minor;
        if abi_minor < 1 {
            return Ok(c);
        }
        for p in &c.points {
            if let Some((k, _, _)) = p.pairs.iter().find(|(k, _, _)| k.starts_with(abi::HOST_KEY_PREFIX)) {
                return Err(p.error(format!(
                    "host key \"{k}\" on a point line (ABI §5.1: the host adds host keys to the device line only)"
                )));
            }
        }
        let (host, own): (Vec<_>, Vec<_>) =
            c.device.pairs.drain(..).partition(|(k, _, _)| k.starts_with(abi::HOST_KEY_PREFIX));
        c.device.pairs = own;
        c.host_keys = host.into_iter().map(|(k, v, _)| (k, v)).collect();
        let names = || transports.iter().map(|t| t.name()).collect::<Vec<_>>().join(", ");
        match c.host_key(abi::HOST_KEY_TRANSPORT) {
            None => {
                return Err(c.device.error(format!(
                    "host key {} is missing (a v1.1 host always adds it, ABI §5.1)",
                    abi::HOST_KEY_TRANSPORT
                )))
            }
            Some(name) => match Transport::from_name(name) {
                Some(t) if transports.contains(&t) => c.transport = Some(t),
                _ => {
                    return Err(c.device.error(format!(
                        "{}={name} is not one of this driver's transports ({})",
                        abi::HOST_KEY_TRANSPORT,
                        names()
                    )))
                }
            },
        }
        Ok(c)
    }

    /// The agreed minor ABI version (ABI.md §3.3): 0 until the host said it speaks 1.1. Use a v1.1
    /// feature (`NOT_ANSWER`, requests from a passive driver …) only when this is at least 1.
    pub fn abi_minor(&self) -> u16 {
        self.abi_minor
    }

    /// The transport of this device's link: the host key `weir.transport` (ABI.md §5.1), or, with
    /// agreed version 1.0, `None` (the host then uses the manifest's primary `transport`).
    pub fn transport(&self) -> Option<Transport> {
        self.transport
    }

    /// A host key of the device line (`weir.transport` …), with agreed version 1.1.
    pub fn host_key(&self, key: &str) -> Option<&str> {
        self.host_keys.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// True when there are no point lines: the driver names values itself (ABI.md §5).
    pub fn discovery(&self) -> bool {
        self.points.is_empty()
    }

    /// Checks every line against the keys the driver knows ([`Params::known_keys`]): the device
    /// line, then the point lines in order. Call it before reading any key.
    pub fn known_keys(&self, device: &[&str], point: &[&str]) -> Result<(), Error> {
        self.device.known_keys(device)?;
        for p in &self.points {
            p.known_keys(point)?;
        }
        Ok(())
    }

    /// Fails with `E_CONFIG` naming the first key that no one read, e.g.
    /// `point 3: unknown key "adress"`.
    pub fn finish(&self) -> Result<(), Error> {
        for p in std::iter::once(&self.device).chain(self.points.iter()) {
            if let Some(key) = p.unused() {
                return Err(Error::Config(format!("{}: unknown key \"{key}\"", p.what)));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        Config::parse(text).unwrap_err().message().to_string()
    }

    #[test]
    fn parses_the_abi_example() {
        let c = Config::parse(
            "device unit=1\npoint 0 area=holding address=100 type=f32 order=CDAB scale=0.1\npoint 1 area=coil address=5 type=bool\n",
        )
        .unwrap();
        assert_eq!(c.device.get("unit"), Some("1"));
        assert_eq!(c.points.len(), 2);
        assert_eq!(c.points[0].parse::<f64>("scale").unwrap(), Some(0.1));
        assert_eq!(c.points[1].get("area"), Some("coil"));
        assert!(!c.discovery());
    }

    #[test]
    fn unknown_key_names_point_and_key() {
        let c = Config::parse("device\npoint 0 a=1\npoint 1 a=1 adress=3\n").unwrap();
        for p in &c.points {
            p.get("a");
        }
        assert_eq!(c.finish().unwrap_err().message(), "point 1: unknown key \"adress\"");
    }

    #[test]
    fn a_misspelt_key_is_unknown_before_a_required_key_is_missing() {
        let c = Config::parse("device unit=1\npoint 0 area=holding adress=100\n").unwrap();
        c.device.known_keys(&["unit"]).unwrap();
        assert_eq!(
            c.known_keys(&["unit"], &["area", "address"]).unwrap_err().message(),
            "point 0: unknown key \"adress\" (known keys: area, address)"
        );
        assert_eq!(
            c.known_keys(&["id"], &["area", "address"]).unwrap_err().message(),
            "device: unknown key \"unit\" (known keys: id)"
        );
    }

    #[test]
    fn syntax_errors_name_the_line() {
        assert!(err("").contains("no \"device\" line"));
        assert!(err("device\npoint 1 a=1\n").contains("line 2: point index \"1\" where 0"));
        assert!(err("device\ndevice\n").contains("line 2: a second"));
        assert!(err("device x\n").contains("\"x\" is not a key=value pair"));
        assert!(err("dev\n").contains("unknown line kind \"dev\""));
        assert!(err("device a=1 a=2\n").contains("key \"a\" given twice"));
    }

    #[test]
    fn host_keys_leave_the_device_line_with_agreed_1_1() {
        let both = [Transport::Tcp, Transport::Serial];
        let text = "device unit=1 weir.transport=serial weir.later=x\npoint 0 a=1\n";
        let c = Config::parse_from_host(text, 1, &both).unwrap();
        assert_eq!(c.transport(), Some(Transport::Serial));
        assert_eq!(c.host_key("weir.later"), Some("x"));
        assert_eq!(c.abi_minor(), 1);
        c.device.known_keys(&["unit"]).unwrap();
        // With agreed 1.0 a weir. key is an ordinary (unknown) key.
        let old = Config::parse_from_host(text, 0, &both).unwrap();
        assert_eq!(old.transport(), None);
        assert!(old.device.known_keys(&["unit"]).unwrap_err().message().contains("\"weir.transport\""));
        let e = |t: &str| Config::parse_from_host(t, 1, &both).unwrap_err().message().to_string();
        assert_eq!(
            e("device\n"),
            "device: host key weir.transport is missing (a v1.1 host always adds it, ABI §5.1)"
        );
        assert_eq!(
            e("device weir.transport=can\n"),
            "device: weir.transport=can is not one of this driver's transports (tcp, serial)"
        );
        assert!(e("device weir.transport=tcp\npoint 0 weir.x=1\n")
            .starts_with("point 0: host key \"weir.x\" on a point line"));
    }

    #[test]
    fn value_errors_name_key_and_range() {
        let c = Config::parse("device unit=300 t=x\n").unwrap();
        assert_eq!(
            c.device.int_in("unit", Some(1), 0, 255).unwrap_err().message(),
            "device: unit=300 is out of range 0..255"
        );
        assert!(c
            .device
            .parse::<u8>("t")
            .unwrap_err()
            .message()
            .contains("invalid value \"x\" for key \"t\""));
    }
}
