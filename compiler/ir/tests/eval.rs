//! The reference interpreter over a table of expressions (`tests/ir/eval.cases`): each line an
//! expression and the value it must evaluate to. Adding a case means adding a line.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../../tests/ir/eval_table.rs"]
mod eval_table;

use eval_table::FixedEnv;
use journey_ir::eval::{Evaluator, Interpreter};

#[test]
fn interpreter_agrees_with_the_table() {
    let cases = eval_table::cases();
    let mut failures = Vec::new();
    for case in &cases {
        let case = match case {
            Ok(case) => case,
            Err(error) => {
                failures.push(error.clone());
                continue;
            }
        };
        let value = Interpreter::new(&case.program).eval(case.expr, &FixedEnv);
        if value.to_string() != case.expected {
            failures.push(format!(
                "line {}: `{}` gave {value}, expected {}",
                case.line, case.expression, case.expected
            ));
        }
    }
    assert!(cases.len() >= 40, "only {} cases", cases.len());
    assert!(
        failures.is_empty(),
        "{} of {} cases fail:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
