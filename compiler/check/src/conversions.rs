//! `conversion NAME on EVENT [where COND] [value FIELD] [within D]` (an extension): the event
//! must exist; the `where` is a condition over that event's fields and constants only (a report
//! evaluates it from the event alone, E0311); `value` names a numeric field of the event;
//! `within` is longer than zero; names are unique among conversions (E0105).

use std::collections::HashMap;

use journey_syntax::ast::ConversionDecl;
use journey_syntax::Span;

use crate::checker::{Checker, Scope};
use crate::messages;
use crate::program::Symbol;
use crate::suggest::did_you_mean;

impl Checker<'_> {
    /// Checks one conversion; `seen` holds the conversions' names checked so far.
    pub fn conversion(&mut self, conversion: &ConversionDecl, seen: &mut HashMap<String, Span>) {
        let name = &conversion.name;
        if let Some(first) = seen.get(&name.name) {
            self.diagnostics.push(messages::duplicate_conversion(
                &name.name, name.span, *first,
            ));
        } else {
            seen.insert(name.name.clone(), name.span);
        }
        if let Some(within) = &conversion.within {
            if within.value.amount == 0 {
                self.diagnostics.push(messages::zero_window(within.span));
            }
        }
        let global = Scope::default();
        let Some(event) = self.resolve_event(&conversion.event, &global) else {
            return;
        };
        if let Some(filter) = &conversion.filter {
            let before = self.program.references.len();
            let scope = global.with_event(&event);
            self.condition(filter, &scope);
            let reads_state = self.program.references[before..]
                .iter()
                .find(|r| !matches!(&r.symbol, Symbol::EventField(e, _) if *e == event))
                .map(|r| r.span);
            if let Some(span) = reads_state {
                self.diagnostics
                    .push(messages::conversion_reads_state(span, &event));
            }
        }
        if let Some(field) = &conversion.value {
            let Some(info) = self.program.events.get(&event) else {
                return;
            };
            match info.fields.iter().find(|f| f.name == field.name) {
                Some(found) if found.ty.unwrap_optional().is_numeric() => {
                    let symbol = Symbol::EventField(event.clone(), field.name.clone());
                    self.reference(symbol, field.span, &global);
                }
                Some(found) => {
                    let ty = self.show(&found.ty);
                    self.diagnostics
                        .push(messages::conversion_value_not_numeric(field.span, &ty));
                }
                None => {
                    let names = info.fields.iter().map(|f| f.name.as_str());
                    let suggestion = did_you_mean(&field.name, names);
                    self.diagnostics
                        .push(messages::unknown_field(field, &event, suggestion));
                }
            }
        }
    }
}
