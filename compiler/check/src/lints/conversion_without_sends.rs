//! W0008 `conversion-without-sends`.
//!
//! **What it does.** Flags a `conversion` in a program none of whose journeys sends a message
//! (`send` on any channel; `notify` is internal and is not credited).
//!
//! **Why it matters.** A campaign report credits each conversion to the sends before it, within
//! its window. Without any send, every conversion is credited to nothing and the attribution
//! tables stay empty, which reads like a broken report rather than a missing journey.
//!
//! **Example.**
//! ```text
//! conversion purchase on order.completed value value within 7d   // warning[W0008]
//! journey vip { enter on order.completed  notify sales "big_order" }
//! ```

use journey_syntax::ast::{DeclKind, Module};
use journey_syntax::Span;

use crate::diagnostic::Diagnostic;
use crate::messages;

/// Runs the lint; `sent_channels` are the channels the journeys' `send` steps use.
pub fn check(
    modules: &[Module],
    sent_channels: &[(String, Span)],
    diagnostics: &mut Vec<Diagnostic>,
) {
    if !sent_channels.is_empty() {
        return;
    }
    for decl in modules.iter().flat_map(|m| &m.decls) {
        if let DeclKind::Conversion(conversion) = &decl.kind {
            diagnostics.push(messages::conversion_without_sends(&conversion.name));
        }
    }
}
