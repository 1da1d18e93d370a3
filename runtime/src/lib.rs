//! The journey runtime.

pub mod clock;
pub mod decode;

pub use decode::{Decoder, Input, Reject, RejectReason};
