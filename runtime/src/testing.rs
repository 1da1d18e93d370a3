//! `test` blocks: each runs on a fresh engine, and its `send`, `notify`, `goal` and `suppressed`
//! records are compared with the `expect` lines as multisets.

use std::sync::Arc;

use journey_ir::eval::{Evaluator, Value};
use journey_ir::{Expected, ExpectedRecord, Program, TestCase, TestInput, TestInputKind};

use crate::engine::{Engine, Options, Sink};
use crate::input::{Input, Reject};
use crate::output::{format_instant, Action, ActionKind};
use crate::scope::EmptyEnv;

/// What one test produced against what it expected.
#[derive(Clone, Debug, PartialEq)]
pub struct TestOutcome {
    /// Expected records that were not produced, in time order.
    pub missing: Vec<Expected>,
    /// Produced records that were not expected, in time order.
    pub unexpected: Vec<Expected>,
    /// Input lines the engine refused (a test's own mistake, such as going back in time).
    pub rejected: Vec<String>,
}

impl TestOutcome {
    /// Whether the test passed.
    pub fn passed(&self) -> bool {
        self.missing.is_empty() && self.unexpected.is_empty() && self.rejected.is_empty()
    }
}

/// Runs one test of `program`.
pub fn run_test(program: &Program, evaluator: &dyn Evaluator, test: &TestCase) -> TestOutcome {
    let mut engine = Engine::new(program, evaluator, Options::default());
    let mut sink = Collect::default();
    for input in &test.inputs {
        let decoded = to_input(program, evaluator, input);
        if let Err(reason) = engine.handle(decoded, &mut sink) {
            sink.rejected.push(format!(
                "{} {}: {reason}",
                format_instant(input.at),
                input.contact
            ));
        }
    }
    engine.finish(Some(test.until), &mut sink);
    let mut unexpected = sink.produced;
    let mut missing = Vec::new();
    for expected in &test.expected {
        match unexpected.iter().position(|p| p == expected) {
            Some(found) => {
                unexpected.remove(found);
            }
            None => missing.push(expected.clone()),
        }
    }
    TestOutcome {
        missing,
        unexpected,
        rejected: sink.rejected,
    }
}

/// A test line as the decoder would have produced it from NDJSON.
fn to_input(program: &Program, evaluator: &dyn Evaluator, input: &TestInput) -> Input {
    let contact: Arc<str> = Arc::from(input.contact.as_str());
    match &input.kind {
        TestInputKind::Track { event, fields } => {
            let layout = &program.events[event.index()];
            let mut record = vec![Value::Missing; layout.fields.len()];
            let mut put = |name: &str, value: Value| {
                if let Some(slot) = layout.slot(name) {
                    record[slot as usize] = value;
                }
            };
            put("at", Value::Time(input.at));
            put("contact", Value::Str(contact.clone()));
            for (slot, expr) in fields {
                if let Some(place) = record.get_mut(*slot as usize) {
                    *place = evaluator.eval(*expr, &EmptyEnv);
                }
            }
            Input::Track {
                event: *event,
                contact,
                at: input.at,
                record,
                message: None,
            }
        }
        TestInputKind::Identify(traits) => Input::Identify {
            contact,
            at: input.at,
            traits: traits
                .iter()
                .map(|(slot, expr)| (*slot, evaluator.eval(*expr, &EmptyEnv)))
                .collect(),
            message: None,
        },
    }
}

/// Keeps the records a test can expect.
#[derive(Default)]
struct Collect {
    produced: Vec<Expected>,
    rejected: Vec<String>,
}

impl Sink for Collect {
    fn action(&mut self, _: &Program, action: &Action<'_>) {
        let record = match &action.kind {
            ActionKind::Send {
                channel, template, ..
            } => ExpectedRecord::Send {
                channel: *channel,
                template: template.to_string(),
            },
            ActionKind::Suppressed {
                channel,
                template,
                reason,
                ..
            } => ExpectedRecord::Suppressed {
                channel: *channel,
                template: template.to_string(),
                reason: reason.as_str().to_string(),
            },
            ActionKind::Notify { team, template, .. } => ExpectedRecord::Notify {
                team: team.to_string(),
                template: template.to_string(),
            },
            ActionKind::Goal { goal } => ExpectedRecord::Goal(goal.to_string()),
            ActionKind::Set { .. } | ActionKind::Tag { .. } => return,
        };
        self.produced.push(Expected {
            at: action.at,
            contact: action.contact.to_string(),
            record,
        });
    }

    fn reject(&mut self, reject: &Reject) {
        self.rejected.push(reject.reason.to_string());
    }
}

/// One record as a test line would write it: `2026-01-05T11:00:00Z c1 send email "x"`.
pub fn describe(expected: &Expected) -> String {
    let what = &expected.record;
    let contact = &expected.contact;
    let plain = contact.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && contact
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        format!("{} {contact} {what}", format_instant(expected.at))
    } else {
        format!("{} {contact:?} {what}", format_instant(expected.at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use journey_ir::Channel;

    #[test]
    fn records_read_like_the_test_lines_that_expect_them() {
        let record = |contact: &str| Expected {
            at: 1_767_607_200,
            contact: contact.to_string(),
            record: ExpectedRecord::Send {
                channel: Channel::Email,
                template: "welcome_1".to_string(),
            },
        };
        assert_eq!(
            describe(&record("c1")),
            "2026-01-05T10:00:00Z c1 send email \"welcome_1\""
        );
        assert_eq!(
            describe(&record("ada@example.com")),
            "2026-01-05T10:00:00Z \"ada@example.com\" send email \"welcome_1\""
        );
    }
}
