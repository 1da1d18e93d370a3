//! Evaluator time of the predicates of the program in `examples/`, per backend: every `where`
//! filter (score rules, `enter on`, goals and exits, `wait for`, history aggregates, scheduled
//! entries), every score's `while` condition, every segment's condition, every `enter when`
//! condition and every consent condition, each evaluated over a realistic contact (a profile with
//! the schema's fields set) and, for a filter, a record of its event (`page.viewed`,
//! `form.submitted` and `cart.updated` with the values the examples' tests use; other events
//! with plausible values). Strings equal to a literal of the program are the literal's `Arc`, as
//! the runtime's decoder makes them.
//!
//! Run with `cargo bench -p journey-jit --bench predicates`. Columns, in ns per call (the median
//! of `JOURNEY_BENCH_RUNS` runs, 7 by default, of `JOURNEY_BENCH_CALLS` calls each, 100,000 by
//! default):
//! - `interp`: the reference interpreter;
//! - `jit, env`: the JIT over an environment that hands out no records (every read is a call
//!   back into `Env`);
//! - `jit`: the JIT over the same environment handing out its records, as the runtime's does
//!   (compiled code reads the slots directly);
//! - `×`: `interp / jit`.
//!
//! `JOURNEY_BENCH_FILTER=text` keeps only the predicates whose name contains `text` (or the one
//! of expression `N` for `#N`), and
//! `JOURNEY_BENCH_ONLY=interp` (or `env`, `jit`) times one column only, to profile it. The last
//! lines sum every predicate's time (one call each) per backend and give the geometric
//! mean of the ratios. No assertion: this measures, the tests check.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use journey_ir::eval::{Env, Evaluator, Interpreter, Value};
use journey_ir::Type;
use journey_ir::{
    BindingId, Entry, EventId, ExprId, ExprKind, HistoryId, ProfileSlot, Program, ScoreId, Step,
};

/// A contact of the examples, and the event being matched.
struct Contact {
    /// The record of every event type, by [`EventId`].
    records: Vec<Vec<Value>>,
    /// The event being matched.
    event: EventId,
    profile: Vec<Value>,
    histories: Vec<Value>,
    now: i64,
    /// The event of each binding of the journey of the predicate being timed (binding ids are
    /// a journey's own), found from its binding fields.
    bindings: Vec<Option<EventId>>,
    /// Whether `event_record`, `profile_record` and `binding_record` answer.
    hands_out: bool,
}

impl Env for Contact {
    fn event_field(&self, event: EventId, slot: u32) -> Value {
        if event != self.event {
            return Value::Missing;
        }
        self.records[event.index()]
            .get(slot as usize)
            .cloned()
            .unwrap_or(Value::Missing)
    }
    fn binding_field(&self, _binding: BindingId, event: EventId, slot: u32) -> Value {
        self.records
            .get(event.index())
            .and_then(|r| r.get(slot as usize))
            .cloned()
            .unwrap_or(Value::Missing)
    }
    fn profile(&self, slot: ProfileSlot) -> Value {
        self.profile
            .get(slot.index())
            .cloned()
            .unwrap_or(Value::Missing)
    }
    fn score_points(&self, _score: ScoreId) -> i64 {
        64
    }
    fn history(&self, history: HistoryId) -> Value {
        self.histories
            .get(history.index())
            .cloned()
            .unwrap_or(Value::Missing)
    }
    fn now(&self) -> i64 {
        self.now
    }
    fn event_record(&self) -> Option<(EventId, &[Value])> {
        self.hands_out
            .then(|| (self.event, &self.records[self.event.index()][..]))
    }
    fn profile_record(&self) -> Option<&[Value]> {
        self.hands_out.then_some(&self.profile[..])
    }
    fn binding_record(&self, binding: BindingId) -> Option<&[Value]> {
        let event = (*self.bindings.get(binding.index())?)?;
        self.hands_out
            .then(|| self.records.get(event.index()).map(|r| &r[..]))
            .flatten()
    }
}

/// The event of each binding an expression reads (by binding id).
fn bindings_of(program: &Program, expr: ExprId) -> Vec<Option<EventId>> {
    let mut found: Vec<Option<EventId>> = Vec::new();
    let mut stack = vec![expr];
    while let Some(id) = stack.pop() {
        let kind = &program.expr(id).kind;
        if let ExprKind::BindingField(binding, event, _) = kind {
            if found.len() <= binding.index() {
                found.resize(binding.index() + 1, None);
            }
            found[binding.index()] = Some(*event);
        }
        stack.extend(kind.children());
    }
    found
}

/// 2026-05-04T09:20:00Z.
const NOW: i64 = 1_777_886_400;

/// A plausible value of a field, by its name and type; strings equal to a literal are the
/// literal's `Arc`.
fn plausible(name: &str, ty: &Type, literals: &[Arc<str>], enums: &[Vec<String>]) -> Value {
    let text = |s: &str| {
        Value::Str(
            literals
                .iter()
                .find(|l| &***l == s)
                .cloned()
                .unwrap_or_else(|| Arc::from(s)),
        )
    };
    let named = match name {
        "path" => Some(text("/pricing/teams")),
        "referrer" => Some(text("https://news.example")),
        "form" => Some(text("demo_request")),
        "company_size" => Some(Value::Int(800)),
        "cart" => Some(text("k-100")),
        "value" => Some(Value::Float(180.0)),
        "items" => Some(Value::Int(3)),
        "minutes" => Some(Value::Int(42)),
        "campaign" => Some(text("spring_sale")),
        "url" => Some(text("https://shop.example/cart/k-100")),
        "plan" => Some(text("team")),
        "email" => Some(text("dana@northwind.example")),
        "phone" => Some(text("+15551230001")),
        "first_name" => Some(text("Dana")),
        "company" => Some(text("Northwind")),
        "timezone" => Some(text("Europe/Berlin")),
        "consent_email" | "consent_sms" => Some(Value::Bool(true)),
        "tags" => Some(Value::List(Arc::from(vec![text("beta"), text("vip")]))),
        "account" => Some(Value::Missing),
        _ => None,
    };
    if let Some(value) = named {
        return value;
    }
    match ty.unwrap_optional() {
        Type::Bool => Value::Bool(false),
        Type::Int | Type::TimeOfDay => Value::Int(7),
        Type::Float => Value::Float(12.5),
        Type::String => text(&format!("{name}-1")),
        Type::Duration => Value::Duration(3_600),
        Type::Time => Value::Time(NOW - 3_600),
        Type::Date => Value::Date(20_000),
        Type::Enum(id) => Value::Enum(u32::from(
            enums.get(id.0 as usize).is_some_and(|v| v.len() > 1),
        )),
        Type::List(_) => Value::List(Arc::from(Vec::new())),
        Type::Optional(_) | Type::Unknown => Value::Missing,
    }
}

fn contact(program: &Program) -> Contact {
    let literals: Vec<Arc<str>> = program.string_literals().cloned().collect();
    let records = program
        .events
        .iter()
        .map(|event| {
            event
                .fields
                .iter()
                .map(|f| plausible(&f.name, &f.ty, &literals, &program.enums))
                .collect()
        })
        .collect();
    let profile = program
        .profile
        .iter()
        .map(|f| plausible(&f.name, &f.ty, &literals, &program.enums))
        .collect();
    let mut histories = vec![Value::Missing; program.histories.len()];
    for expr in &program.exprs {
        if let journey_ir::ExprKind::History(id) = expr.kind {
            histories[id.index()] = match expr.ty.unwrap_optional() {
                Type::Int => Value::Int(2),
                Type::Float => Value::Float(250.0),
                Type::Duration => Value::Duration(7_200),
                ty => plausible("history", ty, &literals, &program.enums),
            };
        }
    }
    Contact {
        records,
        event: program.event_named("page.viewed").unwrap_or(EventId(0)),
        profile,
        histories,
        now: NOW,
        bindings: Vec::new(),
        hands_out: true,
    }
}

/// One predicate: what it is, the expression, and the event being matched when it runs.
struct Predicate {
    name: String,
    expr: ExprId,
    event: Option<EventId>,
}

fn predicates(program: &Program) -> Vec<Predicate> {
    let mut all = Vec::new();
    let event_name = |e: EventId| program.events[e.index()].name.clone();
    let mut add = |name: String, expr: Option<ExprId>, event: Option<EventId>| {
        if let Some(expr) = expr {
            all.push(Predicate { name, expr, event });
        }
    };
    for score in &program.scores {
        for rule in &score.on_rules {
            let name = format!("score {} on {} where", score.name, event_name(rule.event));
            add(name, rule.filter, Some(rule.event));
        }
        for (i, rule) in score.while_rules.iter().enumerate() {
            add(
                format!("score {} while #{i}", score.name),
                Some(rule.condition),
                None,
            );
        }
    }
    for segment in &program.segments {
        add(
            format!("segment {}", segment.name),
            Some(segment.condition),
            None,
        );
    }
    for history in &program.histories {
        let name = format!("history over {} where", event_name(history.event));
        add(name, history.filter, Some(history.event));
    }
    for (channel, condition) in &program.policy.consent {
        add(
            format!("consent {}", channel.as_str()),
            Some(*condition),
            None,
        );
    }
    for journey in &program.journeys {
        let j = &journey.name;
        match &journey.entry {
            Entry::On { event, filter, .. } => {
                add(
                    format!("{j}: enter on {} where", event_name(*event)),
                    *filter,
                    Some(*event),
                );
            }
            Entry::When(condition) => add(format!("{j}: enter when"), Some(*condition), None),
            Entry::Schedule { filter, .. } | Entry::Once { filter, .. } => {
                add(format!("{j}: scheduled entry where"), *filter, None);
            }
            Entry::Inactive(_) => {}
        }
        for rule in &journey.goal_rules {
            let name = format!(
                "{j}: goal {} on {} where",
                rule.name,
                event_name(rule.event)
            );
            add(name, rule.filter, Some(rule.event));
        }
        for rule in &journey.exit_rules {
            let name = format!("{j}: exit on {} where", event_name(rule.event));
            add(name, rule.filter, Some(rule.event));
        }
        for step in &journey.steps {
            if let Step::WaitFor { event, filter, .. } = step {
                let name = format!("{j}: wait for {} where", event_name(*event));
                add(name, *filter, Some(*event));
            }
        }
    }
    all
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One run: ns per call of `expr` on `evaluator` over `env`.
fn run(evaluator: &dyn Evaluator, expr: ExprId, env: &dyn Env, calls: usize) -> f64 {
    let start = Instant::now();
    for _ in 0..calls {
        black_box(evaluator.eval_bool(black_box(expr), black_box(env)));
    }
    start.elapsed().as_secs_f64() * 1e9 / calls as f64
}

/// The median ns per call of `expr` on each `(evaluator, env)`, the runs of the columns
/// interleaved (so that a change in the machine's load affects them alike); NaN for a column
/// left out.
fn time(
    columns: &[(bool, &dyn Evaluator, &dyn Env)],
    expr: ExprId,
    runs: usize,
    calls: usize,
) -> Vec<f64> {
    for &(on, evaluator, env) in columns {
        if on {
            run(evaluator, expr, env, calls / 10);
        }
    }
    let mut samples = vec![Vec::with_capacity(runs); columns.len()];
    for _ in 0..runs {
        for (i, &(on, evaluator, env)) in columns.iter().enumerate() {
            if on {
                samples[i].push(run(evaluator, expr, env, calls));
            }
        }
    }
    samples
        .into_iter()
        .map(|mut s| {
            s.sort_by(f64::total_cmp);
            s.get(s.len() / 2).copied().unwrap_or(f64::NAN)
        })
        .collect()
}

fn main() {
    let files = common::journey_files(&common::root().join("examples"));
    let program = common::load(&common::read(&files));
    // The fastest of a few compilations (the first also probes the layout of strings).
    let mut compile = std::time::Duration::MAX;
    for _ in 0..5 {
        let start = Instant::now();
        drop(journey_jit::compile(&program).expect("the examples compile"));
        compile = compile.min(start.elapsed());
    }
    let jit = journey_jit::compile(&program).expect("the examples compile");
    let interpreter = Interpreter::new(&program);
    let runs = env_number("JOURNEY_BENCH_RUNS", 7).max(1);
    // `JOURNEY_BENCH_ONLY=interp|env|jit` times one column only (to profile it).
    let only = std::env::var("JOURNEY_BENCH_ONLY").unwrap_or_default();
    let calls = env_number("JOURNEY_BENCH_CALLS", 100_000).max(1);

    let mut with = contact(&program);
    let mut without = contact(&program);
    without.hands_out = false;
    let default_event = with.event;
    // `JOURNEY_BENCH_FILTER=text` keeps the predicates whose name contains `text` (`#N`: the
    // one of expression `N`).
    let filter = std::env::var("JOURNEY_BENCH_FILTER").unwrap_or_default();
    let mut predicates = predicates(&program);
    predicates.retain(|p| p.name.contains(&filter) || filter == format!("#{}", p.expr.0));
    println!(
        "examples/: {} expressions compiled in {:.1} ms; {} predicates; median of {runs} runs of \
         {calls} calls\n",
        program.exprs.len(),
        compile.as_secs_f64() * 1e3,
        predicates.len()
    );
    println!("| predicate | interp ns | jit, env ns | jit ns | × |");
    println!("|---|---:|---:|---:|---:|");
    let (mut total_interp, mut total_env, mut total_jit, mut log_ratio) = (0.0, 0.0, 0.0, 0.0);
    for predicate in &predicates {
        with.event = predicate.event.unwrap_or(default_event);
        without.event = with.event;
        with.bindings = bindings_of(&program, predicate.expr);
        without.bindings = with.bindings.clone();
        let reference = interpreter.eval(predicate.expr, &with);
        assert!(
            common::same(&jit.eval(predicate.expr, &with), &reference),
            "{}: the backends disagree",
            predicate.name
        );
        assert!(
            common::same(&jit.eval(predicate.expr, &without), &reference),
            "{}: the backends disagree",
            predicate.name
        );
        let on = |name: &str| only.is_empty() || only == name;
        let columns: [(bool, &dyn Evaluator, &dyn Env); 3] = [
            (on("interp"), &interpreter, &with),
            (on("env"), &jit, &without),
            (on("jit"), &jit, &with),
        ];
        let times = time(&columns, predicate.expr, runs, calls);
        let (interp, env, direct) = (times[0], times[1], times[2]);
        total_interp += interp;
        total_env += env;
        total_jit += direct;
        log_ratio += (interp / direct).ln();
        println!(
            "| {} (expression {}, = {reference}) | {interp:.1} | {env:.1} | {direct:.1} | {:.1} |",
            predicate.name,
            predicate.expr.0,
            interp / direct
        );
    }
    println!(
        "| **all {} predicates, one call each** | {total_interp:.0} | {total_env:.0} | \
         {total_jit:.0} | {:.1} |",
        predicates.len(),
        total_interp / total_jit
    );
    println!(
        "\ngeometric mean of interp / jit: {:.1}×",
        (log_ratio / predicates.len() as f64).exp()
    );
}
