//! The driver's error type, one variant per ABI error code (ABI.md §8).

use crate::abi;
use std::fmt;

/// A failed driver call. The message ends up in `weir_last_error`, so it says what was wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// `E_INVAL`: an argument is out of range.
    Inval(String),
    /// `E_NOSPACE`: a region is too small for the output.
    NoSpace(String),
    /// `E_NODEV`: the device handle is not open.
    NoDev(String),
    /// `E_ORDER`: call out of order.
    Order(String),
    /// `E_PROTO`: malformed frame, or a frame that does not answer the request.
    Proto(String),
    /// `E_UNSUPPORTED`: the driver does not implement this call or request.
    Unsupported(String),
    /// `E_CONFIG`: the config text is invalid.
    Config(String),
    /// `E_SCHEMA`: the state payload is of an unknown schema.
    Schema(String),
    /// `E_INTERNAL`: any other driver failure.
    Internal(String),
}

impl Error {
    /// The ABI error code (negative).
    pub fn code(&self) -> i32 {
        match self {
            Error::Inval(_) => abi::E_INVAL,
            Error::NoSpace(_) => abi::E_NOSPACE,
            Error::NoDev(_) => abi::E_NODEV,
            Error::Order(_) => abi::E_ORDER,
            Error::Proto(_) => abi::E_PROTO,
            Error::Unsupported(_) => abi::E_UNSUPPORTED,
            Error::Config(_) => abi::E_CONFIG,
            Error::Schema(_) => abi::E_SCHEMA,
            Error::Internal(_) => abi::E_INTERNAL,
        }
    }

    /// The explanation given to `weir_last_error`.
    pub fn message(&self) -> &str {
        match self {
            Error::Inval(m)
            | Error::NoSpace(m)
            | Error::NoDev(m)
            | Error::Order(m)
            | Error::Proto(m)
            | Error::Unsupported(m)
            | Error::Config(m)
            | Error::Schema(m)
            | Error::Internal(m) => m,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", abi::error_name(self.code()), self.message())
    }
}

impl std::error::Error for Error {}
