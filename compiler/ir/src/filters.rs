//! Event filters: the `where` clauses that read nothing but the event they filter.
//!
//! Handling an event (reference §6) runs its phases in order, and the phases change state
//! between them: scores are awarded before goal and exit filters run, steps run before `enter
//! on` filters. A filter that reads only its event's fields, constants and `now` sees none of
//! that, so its answer is the same whenever in the handling it is asked. Such filters are
//! evaluated together, once per event, before the first phase
//! ([`crate::eval::Evaluator::eval_event_filters`]), and the engine reads their answers from
//! [`FilterBits`] instead of calling the evaluator once for each; a compiled backend does all of
//! an event type's in one native function.
//!
//! A filter written more than once (the same tree: `path starts_with "/pricing"` for a history
//! and for a score rule) is evaluated once; every copy reads its bit.
//!
//! [`EventFilters`] is derived from the program, the same on every side that derives it (the
//! runtime's plan and each backend), so that bit `i` means the same filter everywhere.

use crate::ir::*;

/// For each event type, its distinct event filters in a fixed order: filter `i` is bit `i`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventFilters {
    /// The filters of each event type, by [`EventId`].
    of_event: Vec<Vec<ExprId>>,
    /// Each expression's bit, by [`ExprId`] (`u32::MAX`: not an event filter).
    bit: Vec<u32>,
}

impl EventFilters {
    /// The event filters of a program: in each event type's order, the filters of its history
    /// aggregates, score rules, goal and exit rules, `wait for` steps and `enter on` entries
    /// that read only that event; a copy of one met before (the same tree) shares its bit.
    pub fn new(program: &Program) -> EventFilters {
        let mut filters = EventFilters {
            of_event: vec![Vec::new(); program.events.len()],
            bit: vec![u32::MAX; program.exprs.len()],
        };
        let history = program.histories.iter().map(|h| (h.event, h.filter));
        let scores = program
            .scores
            .iter()
            .flat_map(|s| &s.on_rules)
            .map(|r| (r.event, r.filter));
        let journeys = program.journeys.iter().flat_map(|journey| {
            let rules = journey
                .goal_rules
                .iter()
                .chain(&journey.exit_rules)
                .map(|r| (r.event, r.filter));
            let waits = journey.steps.iter().filter_map(|step| match step {
                Step::WaitFor { event, filter, .. } => Some((*event, *filter)),
                _ => None,
            });
            let entry = match &journey.entry {
                Entry::On { event, filter, .. } => Some((*event, *filter)),
                _ => None,
            };
            rules.chain(waits).chain(entry)
        });
        for (event, filter) in history.chain(scores).chain(journeys) {
            let Some(filter) = filter else { continue };
            let (Some(list), Some(bit)) = (
                filters.of_event.get_mut(event.index()),
                filters.bit.get_mut(filter.index()),
            ) else {
                continue;
            };
            if *bit != u32::MAX || !reads_only_event(program, filter, event) {
                continue;
            }
            *bit = match list
                .iter()
                .position(|&seen| same_tree(&program.exprs, seen, filter))
            {
                Some(copy_of) => copy_of as u32,
                None => {
                    list.push(filter);
                    (list.len() - 1) as u32
                }
            };
        }
        filters
    }

    /// The distinct event filters of an event type, in bit order.
    pub fn of(&self, event: EventId) -> &[ExprId] {
        self.of_event.get(event.index()).map_or(&[], Vec::as_slice)
    }

    /// The event types with their filters, by [`EventId`].
    pub fn iter(&self) -> impl Iterator<Item = (EventId, &[ExprId])> {
        self.of_event
            .iter()
            .enumerate()
            .map(|(e, filters)| (EventId(e as u32), filters.as_slice()))
    }

    /// The bit of an expression that is an event filter (a copy's is the first one's).
    pub fn bit(&self, filter: ExprId) -> Option<usize> {
        self.bit
            .get(filter.index())
            .filter(|&&bit| bit != u32::MAX)
            .map(|&bit| bit as usize)
    }
}

/// Whether an expression reads nothing but constants, `now` and fields of `event`.
fn reads_only_event(program: &Program, root: ExprId, event: EventId) -> bool {
    let mut pending = vec![root];
    while let Some(id) = pending.pop() {
        let Some(expr) = program.exprs.get(id.index()) else {
            return false;
        };
        match &expr.kind {
            ExprKind::Const(_) | ExprKind::Now => {}
            ExprKind::EventField(e, _) if *e == event => {}
            ExprKind::EventField(..)
            | ExprKind::BindingField(..)
            | ExprKind::Profile(_)
            | ExprKind::Score(_)
            | ExprKind::Segment(_)
            | ExprKind::History(_) => return false,
            kind => pending.extend(kind.children()),
        }
    }
    true
}

/// The slots of `event` that a history filter reads, when the filter also reads a binding: such a
/// filter can only be evaluated when its aggregate is read (the binding is made later than most
/// of the events it is compared with), so the runtime keeps the events grouped by these slots
/// and evaluates the filter once per group then. `None` for a filter that reads no binding
/// (evaluated when each event arrives). The checker (E0310) sees to it that such a filter reads
/// nothing of the contact's state, which would have to be taken at arrival.
pub fn read_time_key(program: &Program, filter: ExprId, event: EventId) -> Option<Vec<u32>> {
    let mut pending = vec![filter];
    let mut slots = Vec::new();
    let mut reads_binding = false;
    while let Some(id) = pending.pop() {
        let expr = program.exprs.get(id.index())?;
        match &expr.kind {
            ExprKind::EventField(e, slot) if *e == event => slots.push(*slot),
            ExprKind::BindingField(..) => reads_binding = true,
            kind => pending.extend(kind.children()),
        }
    }
    slots.sort_unstable();
    slots.dedup();
    reads_binding.then_some(slots)
}

/// Which event filters held: bit `i` for filter `i` of the event's [`EventFilters`]. A buffer
/// kept between events, so that asking costs no allocation.
#[derive(Clone, Debug, Default)]
pub struct FilterBits {
    words: Vec<u64>,
}

impl FilterBits {
    /// Clears the bits, with room for `count`.
    pub fn reset(&mut self, count: usize) {
        self.words.clear();
        self.words.resize(count.div_ceil(64), 0);
    }

    /// Sets bit `i` (within the room `reset` made).
    pub fn set(&mut self, i: usize) {
        if let Some(word) = self.words.get_mut(i / 64) {
            *word |= 1 << (i % 64);
        }
    }

    /// ORs a whole word in: bits `64 * word ..`.
    pub fn set_word(&mut self, word: usize, bits: u64) {
        if let Some(w) = self.words.get_mut(word) {
            *w |= bits;
        }
    }

    /// Whether bit `i` is set.
    pub fn get(&self, i: usize) -> bool {
        self.words
            .get(i / 64)
            .is_some_and(|word| word & (1 << (i % 64)) != 0)
    }
}
