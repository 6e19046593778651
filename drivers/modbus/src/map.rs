//! The point map (config keys, ABI.md §5) and the batching of points into read requests.

use weir_sdk::{Config, Error, Params, WordOrder};

/// The four Modbus data areas (Modbus AP v1.1b3 §4.3) and the function code that reads each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Area {
    Coil,
    Discrete,
    Holding,
    Input,
}

impl Area {
    pub const ALL: [Area; 4] = [Area::Coil, Area::Discrete, Area::Holding, Area::Input];

    pub fn name(self) -> &'static str {
        match self {
            Area::Coil => "coil",
            Area::Discrete => "discrete",
            Area::Holding => "holding",
            Area::Input => "input",
        }
    }

    /// FC1 read coils, FC2 read discrete inputs, FC3 read holding registers, FC4 read input
    /// registers.
    pub fn read_function(self) -> u8 {
        match self {
            Area::Coil => 1,
            Area::Discrete => 2,
            Area::Holding => 3,
            Area::Input => 4,
        }
    }

    pub fn of_read_function(code: u8) -> Option<Area> {
        Area::ALL.iter().copied().find(|a| a.read_function() == code)
    }

    /// Coils and discrete inputs are single bits; the others 16-bit registers.
    pub fn is_bits(self) -> bool {
        matches!(self, Area::Coil | Area::Discrete)
    }

    fn parse(p: &Params) -> Result<Area, Error> {
        let v: String = p.require("area")?;
        Area::ALL.iter().copied().find(|a| a.name() == v).ok_or_else(|| {
            p.error(format!("unknown area \"{v}\" (expected coil, discrete, holding or input)"))
        })
    }
}

/// The type of a point's value in the device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PointType {
    Bool,
    U16,
    I16,
    U32,
    I32,
    F32,
    U64,
    I64,
    F64,
}

impl PointType {
    const NAMES: [(&'static str, PointType); 9] = [
        ("bool", PointType::Bool),
        ("u16", PointType::U16),
        ("i16", PointType::I16),
        ("u32", PointType::U32),
        ("i32", PointType::I32),
        ("f32", PointType::F32),
        ("u64", PointType::U64),
        ("i64", PointType::I64),
        ("f64", PointType::F64),
    ];

    pub fn name(self) -> &'static str {
        PointType::NAMES.iter().find(|(_, t)| *t == self).map(|(n, _)| *n).unwrap_or("?")
    }

    /// Registers occupied in a register area.
    pub fn registers(self) -> u16 {
        match self {
            PointType::Bool | PointType::U16 | PointType::I16 => 1,
            PointType::U32 | PointType::I32 | PointType::F32 => 2,
            PointType::U64 | PointType::I64 | PointType::F64 => 4,
        }
    }
}

/// One configured point.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    pub index: u32,
    pub area: Area,
    /// 0-based PDU address (Modbus AP v1.1b3 §4.4: "data is addressed from 0 to 65535").
    pub address: u16,
    pub ty: PointType,
    pub order: WordOrder,
    /// For `bool` in a register area: which bit, 0 = least significant.
    pub bit: Option<u8>,
    /// value = raw × scale + offset, as F64, when either is given.
    pub scale: Option<f64>,
    pub offset: Option<f64>,
}

impl Point {
    /// Registers or bits this point occupies.
    pub fn width(&self) -> u16 {
        if self.area.is_bits() {
            1
        } else {
            self.ty.registers()
        }
    }

    /// One past the last address, as u32 so that 65535 + 1 does not overflow.
    pub fn end(&self) -> u32 {
        self.address as u32 + self.width() as u32
    }

    fn parse(index: u32, p: &Params) -> Result<Point, Error> {
        let area = Area::parse(p)?;
        let address = p.int_in("address", None, 0, 65535)? as u16;
        let default_type = if area.is_bits() { "bool" } else { "u16" };
        let ty_name = p.get("type").unwrap_or(default_type).to_string();
        let ty = PointType::NAMES.iter().find(|(n, _)| *n == ty_name).map(|(_, t)| *t).ok_or_else(|| {
            p.error(format!(
                "unknown type \"{ty_name}\" (expected bool, u16, i16, u32, i32, f32, u64, i64 or f64)"
            ))
        })?;
        let order = match p.get("order") {
            None => WordOrder::ABCD,
            Some(o) => o.parse::<WordOrder>().map_err(|e| p.error(e))?,
        };
        let bit = match p.get("bit") {
            None => None,
            Some(_) => Some(p.int_in("bit", None, 0, 15)? as u8),
        };
        let finite = |key: &str| -> Result<Option<f64>, Error> {
            match p.parse::<f64>(key)? {
                Some(v) if !v.is_finite() => Err(p.error(format!("{key} must be a finite number"))),
                v => Ok(v),
            }
        };
        let scale = finite("scale")?;
        let offset = finite("offset")?;
        if area.is_bits() {
            if ty != PointType::Bool {
                return Err(p.error(format!(
                    "type \"{}\" in area {}: coils and discrete inputs are single bits, use type=bool",
                    ty.name(),
                    area.name()
                )));
            }
            for key in ["order", "bit", "scale", "offset"] {
                if p.get(key).is_some() {
                    return Err(
                        p.error(format!("key \"{key}\" does not apply to a bit in area {}", area.name()))
                    );
                }
            }
        } else if ty == PointType::Bool {
            if bit.is_none() {
                return Err(p.error(format!(
                    "type bool in area {} needs bit=0..15 (which bit of the register)",
                    area.name()
                )));
            }
            for key in ["order", "scale", "offset"] {
                if p.get(key).is_some() {
                    return Err(p.error(format!("key \"{key}\" does not apply to a register bit")));
                }
            }
        } else if bit.is_some() {
            return Err(p.error("key \"bit\" applies only to type=bool"));
        }
        let point = Point { index, area, address, ty, order, bit, scale, offset };
        if point.end() > 65536 {
            return Err(p.error(format!("type {} at address {address} runs past register 65535", ty.name())));
        }
        Ok(point)
    }
}

/// Device keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceConfig {
    pub unit: u8,
    /// Modbus AP v1.1b3 §6.3/§6.4: quantity of registers 1 to 125 (0x7D).
    pub max_registers: u16,
    /// Modbus AP v1.1b3 §6.1/§6.2: quantity of coils/inputs 1 to 2000 (0x7D0).
    pub max_bits: u16,
    /// Unconfigured registers/bits that may be read and discarded to merge two ranges.
    pub max_gap: u16,
    /// meta.timeout_ms of every request; 0 = host default.
    pub timeout_ms: u32,
}

/// A planned read request: one contiguous range of one area and the points it serves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadPlan {
    pub area: Area,
    pub start: u16,
    pub quantity: u16,
    /// Indexes into the point map, ascending.
    pub points: Vec<u32>,
}

/// The keys of the device line.
pub const DEVICE_KEYS: [&str; 5] = ["unit", "max_registers", "max_bits", "max_gap", "timeout_ms"];

/// The keys of a point line.
pub const POINT_KEYS: [&str; 7] = ["area", "address", "type", "order", "bit", "scale", "offset"];

/// Parses the device line and the point lines.
#[inline(never)]
pub fn parse(config: &Config) -> Result<(DeviceConfig, Vec<Point>), Error> {
    // Unknown keys first: a typo (adress=) must not show up as a missing key.
    config.known_keys(&DEVICE_KEYS, &POINT_KEYS)?;
    let d = &config.device;
    let device = DeviceConfig {
        unit: d.int_in("unit", Some(1), 0, 255)? as u8,
        max_registers: d.int_in("max_registers", Some(125), 1, 125)? as u16,
        max_bits: d.int_in("max_bits", Some(2000), 1, 2000)? as u16,
        max_gap: d.int_in("max_gap", Some(0), 0, 2000)? as u16,
        timeout_ms: d.int_in("timeout_ms", Some(0), 0, 3_600_000)? as u32,
    };
    let mut points = Vec::with_capacity(config.points.len());
    for (i, p) in config.points.iter().enumerate() {
        let point = Point::parse(i as u32, p)?;
        if !point.area.is_bits() && point.width() > device.max_registers {
            return Err(p.error(format!(
                "type {} needs {} registers, more than max_registers={}",
                point.ty.name(),
                point.width(),
                device.max_registers
            )));
        }
        points.push(point);
    }
    config.finish()?;
    Ok((device, points))
}

/// Batches points into as few requests as the protocol allows: per area (FC1, FC2, FC3, FC4 in
/// that order), by ascending address, a point joins the current request if the request then
/// spans at most `max_registers`/`max_bits` and the hole before it is at most `max_gap`.
#[inline(never)]
pub fn plan(device: &DeviceConfig, points: &[Point]) -> Vec<ReadPlan> {
    let mut plans = Vec::new();
    for area in Area::ALL {
        let mut sorted: Vec<&Point> = points.iter().filter(|p| p.area == area).collect();
        sorted.sort_by_key(|p| (p.address, p.index));
        let max = if area.is_bits() { device.max_bits } else { device.max_registers } as u32;
        let mut open: Option<(u32, u32, Vec<u32>)> = None; // (start, end, points)
        for p in sorted {
            let (start, end) = (p.address as u32, p.end());
            match open.as_mut() {
                Some((s, e, members)) if start <= *e + device.max_gap as u32 && end.max(*e) - *s <= max => {
                    *e = end.max(*e);
                    members.push(p.index);
                }
                _ => {
                    if let Some(done) = open.replace((start, end, vec![p.index])) {
                        plans.push((area, done));
                    }
                }
            }
        }
        if let Some(done) = open {
            plans.push((area, done));
        }
    }
    plans
        .into_iter()
        .map(|(area, (s, e, mut members))| {
            members.sort_unstable();
            ReadPlan { area, start: s as u16, quantity: (e - s) as u16, points: members }
        })
        .collect()
}
