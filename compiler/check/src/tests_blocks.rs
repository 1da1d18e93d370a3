//! Checking `test` blocks: givens and events against the declarations, expectations against
//! what the journeys can produce, and the order of time.

use std::collections::HashSet;

use journey_syntax::ast::{Expectation, ExprKind, FieldInit, Literal, TestDecl, TestItemKind};
use journey_syntax::Span;

use crate::checker::{Checker, Scope};
use crate::journeys::Outputs;
use crate::messages;
use crate::program::Symbol;
use crate::suggest::did_you_mean;

impl Checker<'_> {
    /// Checks one test block.
    pub fn test_block(&mut self, test: &TestDecl, outputs: &Outputs) {
        let scope = Scope {
            in_test: true,
            ..Scope::default()
        };
        let mut last_instant: Option<(i64, Span)> = None;
        for item in &test.items {
            let instant = match &item.kind {
                TestItemKind::Given { fields, .. } => {
                    self.profile_record(fields, &scope);
                    None
                }
                TestItemKind::Identify { at, fields, .. } => {
                    self.profile_record(fields, &scope);
                    Some(at)
                }
                TestItemKind::Event {
                    at, event, fields, ..
                } => {
                    self.event_record(event, fields, &scope);
                    Some(at)
                }
                TestItemKind::Expect {
                    at, expectation, ..
                } => {
                    self.expectation(expectation, outputs);
                    Some(at)
                }
            };
            if let Some(at) = instant {
                let seconds = at.value.epoch_seconds;
                if let Some((previous, previous_span)) = last_instant {
                    if seconds < previous {
                        self.diagnostics
                            .push(messages::test_out_of_order(at.span, previous_span));
                    }
                }
                if last_instant.is_none_or(|(previous, _)| seconds >= previous) {
                    last_instant = Some((seconds, at.span));
                }
            }
        }
    }

    fn profile_record(&mut self, fields: &[FieldInit], scope: &Scope) {
        let mut seen: HashSet<&str> = HashSet::new();
        for field in fields {
            if !seen.insert(&field.name.name) {
                self.diagnostics
                    .push(messages::duplicate_field(&field.name.name, field.name.span));
                continue;
            }
            let ty = self.profile_field(&field.name, scope);
            if ty.is_unknown() {
                continue;
            }
            self.expect_type(&field.value, scope, &ty);
            if field.name.name == "timezone" {
                if let ExprKind::Literal(Literal::String(zone)) = &field.value.kind {
                    self.check_zone(zone, field.value.span);
                }
            }
        }
    }

    fn event_record(
        &mut self,
        event: &journey_syntax::ast::Ident,
        fields: &[FieldInit],
        scope: &Scope,
    ) {
        let Some(event_name) = self.resolve_event(event, scope) else {
            return;
        };
        let mut seen: HashSet<&str> = HashSet::new();
        for field in fields {
            if !seen.insert(&field.name.name) {
                self.diagnostics
                    .push(messages::duplicate_field(&field.name.name, field.name.span));
                continue;
            }
            let ty = self.event_field(&event_name, &field.name, scope);
            if !ty.is_unknown() {
                self.expect_type(&field.value, scope, &ty);
            }
        }
        let missing: Vec<String> = self
            .program
            .events
            .get(&event_name)
            .map(|info| {
                info.fields
                    .iter()
                    .filter(|f| {
                        !f.implicit && !f.ty.is_optional() && !seen.contains(f.name.as_str())
                    })
                    .map(|f| f.name.clone())
                    .collect()
            })
            .unwrap_or_default();
        if !missing.is_empty() {
            self.diagnostics
                .push(messages::missing_properties(event, &missing));
        }
        self.program.references.push(crate::program::Reference {
            symbol: Symbol::Event(event_name),
            span: event.span,
            in_test: true,
        });
    }

    fn expectation(&mut self, expectation: &Expectation, outputs: &Outputs) {
        match expectation {
            Expectation::Send { channel, template }
            | Expectation::Suppressed {
                channel, template, ..
            } => {
                if !self.channel(channel) {
                    return;
                }
                let key = (channel.name.clone(), template.value.clone());
                if !outputs.sends.contains(&key) {
                    let mut templates: Vec<&str> = outputs
                        .sends
                        .iter()
                        .filter(|(c, _)| *c == channel.name)
                        .map(|(_, t)| t.as_str())
                        .collect();
                    templates.sort_unstable();
                    let suggestion = did_you_mean(&template.value, templates).map(str::to_string);
                    self.diagnostics.push(messages::unknown_template(
                        template.span,
                        &channel.name,
                        &template.value,
                        suggestion.as_deref(),
                    ));
                }
                if let Expectation::Suppressed { reason, .. } = expectation {
                    if !["consent", "cap"].contains(&reason.name.as_str()) {
                        let suggestion = did_you_mean(&reason.name, ["consent", "cap"]);
                        self.diagnostics
                            .push(messages::unknown_reason(reason, suggestion));
                    }
                }
            }
            Expectation::Notify { team, template } => {
                let key = (team.name.clone(), template.value.clone());
                if !outputs.notifies.contains(&key) {
                    let mut pairs: Vec<String> = outputs
                        .notifies
                        .iter()
                        .map(|(t, n)| format!("{t} \"{n}\""))
                        .collect();
                    pairs.sort_unstable();
                    let wanted = format!("{} \"{}\"", team.name, template.value);
                    let suggestion =
                        did_you_mean(&wanted, pairs.iter().map(String::as_str)).map(str::to_string);
                    self.diagnostics.push(messages::unknown_notify(
                        team.span.to(template.span),
                        &wanted,
                        suggestion.as_deref(),
                    ));
                }
            }
            Expectation::Goal(name) => {
                if !outputs.goals.contains(&name.name) {
                    let mut goals: Vec<&str> = outputs.goals.iter().map(String::as_str).collect();
                    goals.sort_unstable();
                    let suggestion = did_you_mean(&name.name, goals).map(str::to_string);
                    self.diagnostics
                        .push(messages::unknown_goal(name, suggestion.as_deref()));
                }
            }
        }
    }
}
