//! The language server of the journey language, run as `journey lsp` over stdio.
//!
//! This is the only crate that knows LSP (through `lsp-server` and `lsp-types`, as
//! rust-analyzer and Gleam do). Its layers:
//! - [`ide`]: the editor features as pure functions over a checked program, in byte offsets and
//!   the compiler's own types;
//! - [`convert`]: offsets to UTF-16 positions and our types to `lsp_types`;
//! - `handlers`: one function per request, over a snapshot of the workspace;
//! - `workspace`: the files (disk under the workspace folders, open documents over them);
//! - `main_loop`: the handshake, the message loop and debounced diagnostics.

pub mod convert;
pub mod handlers;
pub mod ide;
pub mod main_loop;
pub mod workspace;

pub use main_loop::{run, run_stdio};
