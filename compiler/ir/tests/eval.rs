//! The reference interpreter over a table of expressions (`tests/ir/eval.cases`): each line an
//! expression and the value it must evaluate to. Adding a case means adding a line.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::sync::Arc;

use journey_ir::eval::{Env, Evaluator, Interpreter, Value};
use journey_ir::{BindingId, EventId, HistoryId, ProfileSlot, ScoreId, SegmentId, Step};
use journey_syntax::SourceMap;

const PRELUDE: &str = r#"
event t.e { n: int  x: float  s: string  o: string? }
profile {
  plan: string?
  size: int? = 3
  tags: list<string> = []
}
policy { consent email when true or true }
"#;

/// A contact with fixed values, as the cases' header describes.
struct FixedEnv;

impl Env for FixedEnv {
    fn event_field(&self, _event: EventId, slot: u32) -> Value {
        match slot {
            0 => Value::Int(7),
            1 => Value::Float(2.5),
            2 => Value::Str(Arc::from("hello")),
            _ => Value::Missing,
        }
    }
    fn binding_field(&self, binding: BindingId, event: EventId, slot: u32) -> Value {
        let _ = binding;
        self.event_field(event, slot)
    }
    fn profile(&self, slot: ProfileSlot) -> Value {
        match slot.0 {
            1 => Value::Int(3),
            2 => Value::List(Arc::from(vec![
                Value::Str(Arc::from("vip")),
                Value::Str(Arc::from("beta")),
            ])),
            _ => Value::Missing,
        }
    }
    fn score(&self, _score: ScoreId) -> i64 {
        0
    }
    fn segment(&self, _segment: SegmentId) -> bool {
        false
    }
    fn history(&self, _history: HistoryId) -> Value {
        Value::Missing
    }
    fn now(&self) -> i64 {
        1_767_225_600
    }
}

#[test]
fn interpreter_agrees_with_the_table() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/ir/eval.cases");
    let cases = std::fs::read_to_string(&path).unwrap();
    let mut failures = Vec::new();
    let mut count = 0;
    for (line_number, line) in cases.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (expression, expected) = line
            .rsplit_once("=>")
            .unwrap_or_else(|| panic!("line {}: no `=>`", line_number + 1));
        let (expression, expected) = (expression.trim(), expected.trim());
        count += 1;
        // Inside `where` the event's fields are bare; the payload reads them through the binding.
        let source = format!(
            "{PRELUDE}\njourney j {{\n  enter on t.e as ev where ({expression}) == ({expression})\n  send email \"t\" with {{ v: 0 }}\n}}\n"
        );
        let mut sources = SourceMap::new();
        sources.add("case.journey", source);
        let analysis = journey_check::check(&sources);
        if analysis.has_errors() {
            let messages: Vec<String> = analysis
                .diagnostics
                .iter()
                .map(|d| d.message.clone())
                .collect();
            failures.push(format!(
                "line {}: `{expression}` does not check: {messages:?}",
                line_number + 1
            ));
            continue;
        }
        let program = journey_ir::lower(&analysis).unwrap();
        // The entry filter is `(e) == (e)`; evaluate its left side.
        let journey_ir::Entry::On {
            filter: Some(filter),
            ..
        } = &program.journeys[0].entry
        else {
            panic!("no entry filter");
        };
        let journey_ir::ExprKind::Compare(_, left, _) = &program.expr(*filter).kind else {
            panic!("entry filter is not a comparison");
        };
        let value = Interpreter::new(&program).eval(*left, &FixedEnv);
        if value.to_string() != expected {
            failures.push(format!(
                "line {}: `{expression}` gave {value}, expected {expected}",
                line_number + 1
            ));
        }
        assert!(matches!(program.journeys[0].steps[0], Step::Send(_)));
    }
    assert!(count >= 40, "only {count} cases");
    assert!(
        failures.is_empty(),
        "{} of {count} cases fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
