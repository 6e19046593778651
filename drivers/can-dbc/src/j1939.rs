//! SAE J1939-21: parameter groups in 29-bit identifiers, and the transport protocol (TP.CM,
//! TP.DT) that carries messages of 9 to 1785 bytes, broadcast (BAM) or connection mode
//! (RTS/CTS).

/// TP.CM, connection management (PGN 60416, 0xEC00).
pub const PGN_TP_CM: u32 = 0xEC00;
/// TP.DT, data transfer (PGN 60160, 0xEB00).
pub const PGN_TP_DT: u32 = 0xEB00;
/// The global destination address.
pub const GLOBAL: u8 = 0xFF;

/// TP.CM control bytes.
pub const CM_RTS: u8 = 16;
pub const CM_CTS: u8 = 17;
pub const CM_END_OF_MSG_ACK: u8 = 19;
pub const CM_BAM: u8 = 32;
pub const CM_ABORT: u8 = 255;

/// The largest message TP carries: 255 packets of 7 bytes.
pub const MAX_SIZE: usize = 1785;

/// J1939-21 §5.10.2.4 timeouts, in µs: T1 between data packets, T2 after a CTS for the first
/// data packet, T4 after a CTS of 0 packets (hold the connection open).
pub const T1_US: i64 = 750_000;
pub const T2_US: i64 = 1_250_000;
pub const T4_US: i64 = 1_050_000;

/// J1939-21 Table 7 (connection abort reasons) used here.
pub const ABORT_RESOURCES: u8 = 2;
pub const ABORT_TIMEOUT: u8 = 3;
pub const ABORT_BAD_SEQUENCE: u8 = 7;
pub const ABORT_DUPLICATE_SEQUENCE: u8 = 8;
pub const ABORT_TOO_LARGE: u8 = 9;

/// Words for an abort reason (J1939-21 Table 7).
pub fn abort_reason(reason: u8) -> &'static str {
    match reason {
        1 => "already in one or more connection-managed sessions",
        2 => "system resources were needed for another task",
        3 => "a timeout occurred",
        4 => "CTS received while a data transfer was in progress",
        5 => "maximum retransmit request limit reached",
        6 => "unexpected data transfer packet",
        7 => "bad sequence number",
        8 => "duplicate sequence number",
        9 => "total message size is greater than 1785 bytes",
        _ => "reason not defined by J1939-21",
    }
}

/// The parts of a 29-bit identifier: priority (3 bits), PGN (18 bits: EDP, DP, PF and, for PDU2
/// formats, PS), destination (PS of a PDU1 format, else global) and source address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct J1939Id {
    pub priority: u8,
    pub pgn: u32,
    pub da: u8,
    pub sa: u8,
}

impl J1939Id {
    pub fn parse(id: u32) -> J1939Id {
        let pf = (id >> 16) & 0xFF;
        let ps = ((id >> 8) & 0xFF) as u8;
        let (pgn, da) = if pf < 240 { ((id >> 8) & 0x3FF00, ps) } else { ((id >> 8) & 0x3FFFF, GLOBAL) };
        J1939Id { priority: ((id >> 26) & 7) as u8, pgn, da, sa: (id & 0xFF) as u8 }
    }

    /// The 29-bit identifier of a PDU1 group sent from `sa` to `da`.
    pub fn pdu1(priority: u8, pgn: u32, da: u8, sa: u8) -> u32 {
        u32::from(priority & 7) << 26 | (pgn & 0x3FF00) << 8 | u32::from(da) << 8 | u32::from(sa)
    }
}

/// The PGN in bytes 5-7 of a TP.CM frame.
pub fn cm_pgn(data: &[u8]) -> u32 {
    u32::from_le_bytes([data[5], data[6], data[7], 0])
}

/// Which side of a transport session this driver is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// A broadcast (TP.CM BAM): nothing is answered.
    Bam,
    /// An RTS addressed to this driver's own address: it answers CTS and EndOfMsgAck.
    Responder,
    /// An RTS/CTS session between two other nodes, followed by listening.
    Overheard,
}

/// One transport session being reassembled.
#[derive(Clone, Debug)]
pub struct Session {
    pub sa: u8,
    pub da: u8,
    pub pgn: u32,
    pub size: usize,
    pub packets: u8,
    /// The sequence number the next TP.DT must carry.
    pub next: u8,
    /// The last sequence number of the packets the current CTS allowed.
    pub window_end: u8,
    /// Packets the originator allows per CTS (RTS byte 5; 0xFF = no limit).
    pub max_per_cts: u8,
    pub data: Vec<u8>,
    pub role: Role,
    pub deadline_us: i64,
    /// Which J1939-21 timer runs: "T1", "T2" or "T4".
    pub timer: &'static str,
}

impl Session {
    pub fn describe(&self) -> String {
        let kind = match self.role {
            Role::Bam => "BAM",
            Role::Responder | Role::Overheard => "RTS/CTS",
        };
        format!(
            "J1939 TP {kind} from {:#04x} to {:#04x} for PGN {} ({} bytes, {} of {} packets received)",
            self.sa,
            self.da,
            self.pgn,
            self.size,
            self.next.saturating_sub(1),
            self.packets
        )
    }

    /// Packets the next CTS allows: what is left, capped by the originator's and our limits.
    pub fn window(&self, ours: u8) -> u8 {
        let left = self.packets - (self.next - 1);
        left.min(self.max_per_cts).min(ours)
    }
}

/// The number of 7-byte packets `size` bytes take.
pub fn packets_for(size: usize) -> usize {
    (size + 6) / 7
}

#[cfg(test)]
mod tests {
    use super::*;

    // cantools test_database.py: frame-id and PGN vectors for j1939.dbc.
    #[test]
    fn identifiers() {
        let eec1 = J1939Id::parse(0x0CF0_0400);
        assert_eq!((eec1.priority, eec1.pgn, eec1.da, eec1.sa), (3, 61444, GLOBAL, 0));
        let id = J1939Id::parse(0x1412_3456);
        assert_eq!((id.priority, id.pgn, id.da, id.sa), (5, 0x1200, 0x34, 0x56));
        assert_eq!(J1939Id::parse(0x1FFF_FFFF).pgn, 0x3FFFF);
        assert_eq!(J1939Id::parse(0x18EC_FF00).pgn, PGN_TP_CM);
        assert_eq!(J1939Id::pdu1(7, PGN_TP_CM, 0x00, 0xF9), 0x1CEC_00F9);
        assert_eq!(packets_for(9), 2);
        assert_eq!(packets_for(1785), 255);
    }
}
