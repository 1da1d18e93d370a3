//! The interpreter's table of expressions (`tests/ir/eval.cases`, read by the same code as
//! `compiler/ir/tests/eval.rs`): the JIT must give every case the value written there, and the
//! same value as the interpreter, for the expression and for the filter that holds it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "../../../tests/ir/eval_table.rs"]
mod eval_table;

use eval_table::FixedEnv;
use journey_ir::eval::{Evaluator, Interpreter};

#[test]
fn jit_agrees_with_the_table_and_the_interpreter() {
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
        let jit = match journey_jit::compile(&case.program) {
            Ok(jit) => jit,
            Err(e) => {
                failures.push(format!("line {}: `{}`: {e}", case.line, case.expression));
                continue;
            }
        };
        let interpreter = Interpreter::new(&case.program);
        let native = jit.eval(case.expr, &FixedEnv);
        let reference = interpreter.eval(case.expr, &FixedEnv);
        if native.to_string() != case.expected || !common::same(&native, &reference) {
            failures.push(format!(
                "line {}: `{}`: the JIT gave {native}, the interpreter {reference}, the table \
                 says {}",
                case.line, case.expression, case.expected
            ));
        }
        let native = jit.eval(case.filter, &FixedEnv);
        let reference = interpreter.eval(case.filter, &FixedEnv);
        if !common::same(&native, &reference) {
            failures.push(format!(
                "line {}: the filter of `{}`: the JIT gave {native}, the interpreter {reference}",
                case.line, case.expression
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
