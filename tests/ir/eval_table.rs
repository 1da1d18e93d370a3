//! The table of expressions in `tests/ir/eval.cases`, shared by the interpreter's test
//! (`compiler/ir/tests/eval.rs`) and the JIT's (`compiler/jit/tests/eval_cases.rs`), which
//! include this file with `#[path]`: the program each case is compiled in, the fixed contact the
//! table's header describes, and the reading of the cases.

// Each including test uses a part of it.
#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;

use journey_ir::eval::{Env, Value};
use journey_ir::{BindingId, EventId, ExprId, HistoryId, ProfileSlot, Program, ScoreId};
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
pub struct FixedEnv;

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
    fn score_points(&self, _score: ScoreId) -> i64 {
        0
    }
    fn history(&self, _history: HistoryId) -> Value {
        Value::Missing
    }
    fn now(&self) -> i64 {
        1_767_225_600
    }
}

/// One line of the table, compiled.
pub struct Case {
    /// Its line in `eval.cases`, from 1.
    pub line: usize,
    /// The expression as written.
    pub expression: String,
    /// The value it must have, as `Value`'s `Display` writes it.
    pub expected: String,
    /// The program the expression was compiled in.
    pub program: Program,
    /// The expression in `program`.
    pub expr: ExprId,
    /// The entry filter `(e) == (e)` that holds it (a root, as the runtime evaluates it).
    pub filter: ExprId,
}

/// Runs `check` on every case (it returns what failed, one line each) and fails with all of them
/// at once; a case that does not compile is a failure too, and so is a table of fewer than 40.
pub fn check_every_case(mut check: impl FnMut(&Case) -> Vec<String>) {
    let cases = cases();
    let failures: Vec<String> = cases
        .iter()
        .flat_map(|case| match case {
            Ok(case) => check(case),
            Err(error) => vec![error.clone()],
        })
        .collect();
    assert!(cases.len() >= 40, "only {} cases", cases.len());
    assert!(
        failures.is_empty(),
        "{} failures in {} cases:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// Every case of the table; one that does not check or lower is an error naming its line.
pub fn cases() -> Vec<Result<Case, String>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/ir/eval.cases");
    let text = std::fs::read_to_string(&path).expect("tests/ir/eval.cases is readable");
    text.lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'))
        .map(|(line, text)| compile(line, text))
        .collect()
}

fn compile(line: usize, text: &str) -> Result<Case, String> {
    let (expression, expected) = text
        .rsplit_once("=>")
        .ok_or_else(|| format!("line {line}: no `=>`"))?;
    let (expression, expected) = (expression.trim(), expected.trim());
    // Inside `where` the event's fields are bare; the payload reads them through the binding.
    let source = format!(
        "{PRELUDE}\njourney j {{\n  enter on t.e as ev where ({expression}) == ({expression})\n  send email \"t\" with {{ v: 0 }}\n}}\n"
    );
    let mut sources = SourceMap::new();
    sources.add("case.journey", source);
    let analysis = journey_check::check(&sources);
    if analysis.has_errors() {
        let messages: Vec<&str> = analysis
            .diagnostics
            .iter()
            .map(|d| d.message.as_str())
            .collect();
        return Err(format!(
            "line {line}: `{expression}` does not check: {messages:?}"
        ));
    }
    let program =
        journey_ir::lower(&analysis).map_err(|e| format!("line {line}: `{expression}`: {e}"))?;
    let journey_ir::Entry::On {
        filter: Some(filter),
        ..
    } = &program.journeys[0].entry
    else {
        return Err(format!("line {line}: no entry filter"));
    };
    let journey_ir::ExprKind::Compare(_, left, _) = &program.expr(*filter).kind else {
        return Err(format!("line {line}: the entry filter is not a comparison"));
    };
    Ok(Case {
        line,
        expression: expression.to_string(),
        expected: expected.to_string(),
        expr: *left,
        filter: *filter,
        program,
    })
}
