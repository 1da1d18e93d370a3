//! The environment of expressions: what an expression reads while the engine handles one
//! contact (its stored state, the event, the journey instance's bindings, the clock).

use journey_ir::eval::{Env, Evaluator, Value};
use journey_ir::filters::FilterBits;
use journey_ir::{BindingId, EventId, ExprId, HistoryId, JourneyId, ProfileSlot, Program, ScoreId};

use crate::engine::Handler;
use crate::store::Contacts;

impl<'p> Handler<'_, 'p> {
    // ---- expressions ----------------------------------------------------------------------------

    /// What an expression reads for contact `c` at `now`, outside any journey and event.
    pub(crate) fn scope(&self, c: usize, now: i64) -> Scope<'_> {
        Scope {
            program: self.t.program,
            evaluator: self.t.evaluator,
            contacts: &self.state.contacts,
            contact: c,
            journey: None,
            event: None,
            binding: None,
            now,
        }
    }

    /// Evaluates `expr` for contact `c` inside journey `j`.
    pub(crate) fn eval(&self, c: usize, j: JourneyId, expr: ExprId, now: i64) -> Value {
        self.t
            .evaluator
            .eval(expr, &self.scope(c, now).with_journey(j))
    }

    /// Whether an optional filter holds for contact `c` (no filter holds).
    pub(crate) fn holds(&self, c: usize, filter: Option<ExprId>, now: i64) -> bool {
        filter.is_none_or(|f| self.t.evaluator.eval_bool(f, &self.scope(c, now)))
    }

    /// (evaluated up front), else evaluated over `scope`.
    pub(crate) fn passes(
        &self,
        filter: Option<ExprId>,
        matched: &FilterBits,
        scope: &Scope<'_>,
    ) -> bool {
        filter.is_none_or(|f| match self.t.program.filters.bit(f) {
            Some(bit) => matched.get(bit),
            None => self.t.evaluator.eval_bool(f, scope),
        })
    }
}

/// What an expression reads while the engine handles one contact.
#[derive(Clone, Copy)]
pub(crate) struct Scope<'a> {
    program: &'a Program,
    evaluator: &'a dyn Evaluator,
    contacts: &'a Contacts,
    /// The contact's number.
    contact: usize,
    journey: Option<JourneyId>,
    event: Option<(EventId, &'a [Value])>,
    /// A binding whose record is the event being handled (not yet stored in the instance).
    binding: Option<(BindingId, &'a [Value])>,
    now: i64,
}

impl<'a> Scope<'a> {
    /// The scope with the event being handled.
    pub(crate) fn with_event(mut self, event: EventId, record: &'a [Value]) -> Self {
        self.event = Some((event, record));
        self
    }

    /// The scope inside a journey (its instance's bindings readable).
    pub(crate) fn with_journey(mut self, journey: JourneyId) -> Self {
        self.journey = Some(journey);
        self
    }

    /// The scope with a binding that holds the event being handled.
    pub(crate) fn with_binding(mut self, binding: Option<BindingId>, record: &'a [Value]) -> Self {
        self.binding = binding.map(|b| (b, record));
        self
    }
}

impl Env for Scope<'_> {
    fn event_field(&self, event: EventId, slot: u32) -> Value {
        match self.event {
            Some((current, record)) if current == event => {
                record.get(slot as usize).cloned().unwrap_or(Value::Missing)
            }
            _ => Value::Missing,
        }
    }

    fn binding_field(&self, binding: BindingId, _event: EventId, slot: u32) -> Value {
        match self.binding {
            Some((current, record)) if current == binding => {
                record.get(slot as usize).cloned().unwrap_or(Value::Missing)
            }
            _ => self.journey.map_or(Value::Missing, |j| {
                self.contacts
                    .binding_field(self.contact, j, binding.index(), slot)
            }),
        }
    }

    fn binding_record(&self, binding: BindingId) -> Option<&[Value]> {
        // A stored binding is bytes, not a record of values: compiled code asks
        // `binding_field` for it, which decodes just the field read.
        match self.binding {
            Some((current, record)) if current == binding => Some(record),
            _ => None,
        }
    }

    fn profile(&self, slot: ProfileSlot) -> Value {
        self.contacts.profile_value(self.contact, slot)
    }

    fn profile_is_set(&self, slot: ProfileSlot) -> bool {
        self.contacts.profile_is_set(self.contact, slot)
    }

    fn score_points(&self, score: ScoreId) -> i64 {
        self.contacts.score(self.contact, score).points
    }

    fn history(&self, history: HistoryId) -> Value {
        let Some(definition) = self.program.histories.get(history.index()) else {
            return Value::Missing;
        };
        let field_ty = definition.field.and_then(|slot| {
            self.program.events[definition.event.index()]
                .fields
                .get(slot as usize)
                .map(|f| &f.ty)
        });
        // A keyed aggregate's filter is asked per group of kept events, as if each group's
        // key were the event being matched, with this scope's bindings.
        let mut holds = |key: &[Value]| {
            definition.filter.is_none_or(|filter| {
                let scope = Scope {
                    event: Some((definition.event, key)),
                    ..*self
                };
                self.evaluator.eval_bool(filter, &scope)
            })
        };
        self.contacts.read_history(
            self.contact,
            history,
            definition,
            self.now,
            field_ty,
            &mut holds,
        )
    }

    fn now(&self) -> i64 {
        self.now
    }

    fn event_record(&self) -> Option<(EventId, &[Value])> {
        self.event
    }

    fn contact_row(&self) -> Option<&[u8]> {
        Some(self.contacts.row(self.contact))
    }
}

/// The environment of constants (profile defaults, test values): reads nothing.
pub struct EmptyEnv;

impl Env for EmptyEnv {
    fn event_field(&self, _: EventId, _: u32) -> Value {
        Value::Missing
    }
    fn binding_field(&self, _: BindingId, _: EventId, _: u32) -> Value {
        Value::Missing
    }
    fn profile(&self, _: ProfileSlot) -> Value {
        Value::Missing
    }
    fn score_points(&self, _: ScoreId) -> i64 {
        0
    }
    fn history(&self, _: HistoryId) -> Value {
        Value::Missing
    }
    fn now(&self) -> i64 {
        0
    }
}
