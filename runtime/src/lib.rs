//! The journey runtime.

pub mod clock;
