//! The interpreter's table of expressions (`tests/ir/eval.cases`, read by the same code as
//! `compiler/ir/tests/eval.rs`): the JIT must give every case the value written there, and the
//! same value as the interpreter, for the expression and for the filter that holds it, over the
//! table's contact as it is (answering through `Env`'s methods only) and handing out its records
//! (which compiled code reads directly).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "../../../tests/ir/eval_table.rs"]
mod eval_table;

use eval_table::FixedEnv;
use journey_ir::eval::{Env, Evaluator, Interpreter, Value};
use journey_ir::{BindingId, EventId, HistoryId, ProfileSlot, Program, ScoreId};

/// The table's contact, handing out its records (event 0's and the profile), built from its
/// answers so that they agree.
struct WithRecords {
    event: Vec<Value>,
    profile: Vec<Value>,
}

impl WithRecords {
    fn new(program: &Program) -> WithRecords {
        let fields = program.events.first().map_or(0, |e| e.fields.len());
        WithRecords {
            event: (0..fields as u32)
                .map(|slot| FixedEnv.event_field(EventId(0), slot))
                .collect(),
            profile: (0..program.profile.len() as u32)
                .map(|slot| FixedEnv.profile(ProfileSlot(slot)))
                .collect(),
        }
    }
}

impl Env for WithRecords {
    fn event_field(&self, event: EventId, slot: u32) -> Value {
        FixedEnv.event_field(event, slot)
    }
    fn binding_field(&self, binding: BindingId, event: EventId, slot: u32) -> Value {
        FixedEnv.binding_field(binding, event, slot)
    }
    fn profile(&self, slot: ProfileSlot) -> Value {
        FixedEnv.profile(slot)
    }
    fn score_points(&self, score: ScoreId) -> i64 {
        FixedEnv.score_points(score)
    }
    fn history(&self, history: HistoryId) -> Value {
        FixedEnv.history(history)
    }
    fn now(&self) -> i64 {
        FixedEnv.now()
    }
    fn event_record(&self) -> Option<(EventId, &[Value])> {
        Some((EventId(0), &self.event))
    }
    fn profile_record(&self) -> Option<&[Value]> {
        Some(&self.profile)
    }
}

#[test]
fn jit_agrees_with_the_table_and_the_interpreter() {
    eval_table::check_every_case(|case| {
        let jit = match journey_jit::compile(&case.program) {
            Ok(jit) => jit,
            Err(e) => return vec![format!("line {}: `{}`: {e}", case.line, case.expression)],
        };
        let interpreter = Interpreter::new(&case.program);
        let records = WithRecords::new(&case.program);
        let envs: [(&str, &dyn Env); 2] = [("", &FixedEnv), (" with records", &records)];
        let mut failures = Vec::new();
        for (how, env) in envs {
            let native = jit.eval(case.expr, env);
            let reference = interpreter.eval(case.expr, &FixedEnv);
            if native.to_string() != case.expected || !common::same(&native, &reference) {
                failures.push(format!(
                    "line {}: `{}`{how}: the JIT gave {native}, the interpreter {reference}, the \
                     table says {}",
                    case.line, case.expression, case.expected
                ));
            }
            let native = jit.eval(case.filter, env);
            let reference = interpreter.eval(case.filter, &FixedEnv);
            if !common::same(&native, &reference) {
                failures.push(format!(
                    "line {}: the filter of `{}`{how}: the JIT gave {native}, the interpreter \
                     {reference}",
                    case.line, case.expression
                ));
            }
        }
        failures
    });
}
