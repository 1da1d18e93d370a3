//! The IR of the journey language and the lowering to it.
//!
//! The hand-off between the compiler and everything that runs programs: the runtime and the
//! evaluator backends depend on this crate and never on the AST.

pub mod eval;
pub mod filters;
pub mod ir;
pub mod layout;
mod lower;
pub mod print;
pub mod structure;
pub mod types;

pub use ir::*;
pub use lower::{lower, LowerError};
pub use types::{EnumId, Type, TypeDisplay};
