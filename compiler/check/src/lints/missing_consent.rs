//! W0003 `missing-consent`.
//!
//! **What it does.** Flags a `send` on a channel for which the `policy` block has no
//! `consent CHANNEL when ...` rule.
//!
//! **Why it matters.** Without a consent rule every contact is treated as consenting, which
//! for email and SMS is against the law in many places (GDPR, TCPA, CAN-SPAM). Say who agreed.
//!
//! **Example.**
//! ```text
//! policy { consent email when profile.consent_email }
//! journey j { enter on a.b  send sms "hi" }   // warning[W0003]: no consent rule for `sms`
//! ```

use std::collections::HashSet;

use journey_syntax::ast::{DeclKind, Module, PolicyRuleKind};
use journey_syntax::Span;

use crate::diagnostic::Diagnostic;
use crate::messages;

/// Runs the lint over the channels that journeys send on.
pub fn check(modules: &[Module], sent: &[(String, Span)], diagnostics: &mut Vec<Diagnostic>) {
    let consented: HashSet<&str> = modules
        .iter()
        .flat_map(|m| &m.decls)
        .filter_map(|d| match &d.kind {
            DeclKind::Policy(p) => Some(&p.rules),
            _ => None,
        })
        .flatten()
        .filter_map(|rule| match &rule.kind {
            PolicyRuleKind::Consent { channel, .. } => Some(channel.name.as_str()),
            _ => None,
        })
        .collect();
    for (channel, span) in sent {
        if !consented.contains(channel.as_str()) {
            diagnostics.push(messages::missing_consent(channel, *span));
        }
    }
}
