//! The reference interpreter over a table of expressions (`tests/ir/eval.cases`): each line an
//! expression and the value it must evaluate to. Adding a case means adding a line.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../../tests/ir/eval_table.rs"]
mod eval_table;

use eval_table::FixedEnv;
use journey_ir::eval::{Evaluator, Interpreter};

#[test]
fn interpreter_agrees_with_the_table() {
    eval_table::check_every_case(|case| {
        let value = Interpreter::new(&case.program).eval(case.expr, &FixedEnv);
        if value.to_string() == case.expected {
            Vec::new()
        } else {
            vec![format!(
                "line {}: `{}` gave {value}, expected {}",
                case.line, case.expression, case.expected
            )]
        }
    });
}
