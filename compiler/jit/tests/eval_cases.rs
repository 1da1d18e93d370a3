//! The interpreter's table of expressions (`tests/ir/eval.cases`, read as
//! `compiler/ir/tests/eval.rs` reads it): the JIT must give every case the value written there,
//! and the same value as the interpreter.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;

use journey_ir::eval::{Env, Evaluator, Interpreter, Value};
use journey_ir::{BindingId, EventId, HistoryId, ProfileSlot, ScoreId, SegmentId};

const PRELUDE: &str = r#"
event t.e { n: int  x: float  s: string  o: string? }
profile {
  plan: string?
  size: int? = 3
  tags: list<string> = []
}
policy { consent email when true or true }
"#;

/// The contact the cases' header describes.
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
    fn binding_field(&self, _binding: BindingId, event: EventId, slot: u32) -> Value {
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
fn jit_agrees_with_the_table_and_the_interpreter() {
    let path = common::root().join("tests/ir/eval.cases");
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
        let source = format!(
            "{PRELUDE}\njourney j {{\n  enter on t.e as ev where ({expression}) == ({expression})\n  send email \"t\" with {{ v: 0 }}\n}}\n"
        );
        let program = common::load(&[("case.journey".to_string(), source)]);
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
        let jit = match journey_jit::compile(&program) {
            Ok(jit) => jit,
            Err(e) => {
                failures.push(format!("line {}: `{expression}`: {e}", line_number + 1));
                continue;
            }
        };
        let native = jit.eval(*left, &FixedEnv);
        let reference = Interpreter::new(&program).eval(*left, &FixedEnv);
        if native.to_string() != expected || !common::same(&native, &reference) {
            failures.push(format!(
                "line {}: `{expression}`: the JIT gave {native}, the interpreter {reference}, \
                 the table says {expected}",
                line_number + 1
            ));
        }
        // The whole filter too (a root, as the runtime evaluates it).
        let native = jit.eval(*filter, &FixedEnv);
        let reference = Interpreter::new(&program).eval(*filter, &FixedEnv);
        if !common::same(&native, &reference) {
            failures.push(format!(
                "line {}: `({expression}) == ({expression})`: the JIT gave {native}, the \
                 interpreter {reference}",
                line_number + 1
            ));
        }
    }
    assert!(count >= 40, "only {count} cases");
    assert!(
        failures.is_empty(),
        "{} of {count} cases fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
    println!("{count} cases agree");
}
