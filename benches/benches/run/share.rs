//! The evaluator's share of end to end: a pass with the backend wrapped in an `Evaluator` that
//! times its outermost calls, less the clock's own cost.

use std::cell::Cell;
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use journey_ir::eval::{Env, Evaluator, Value};
use journey_ir::filters::FilterBits;
use journey_ir::{EventId, ExprId, Program};
use journey_runtime::Engine;

use super::e2e::JsonSink;
use super::input::Lines;

/// Times the outermost calls into another evaluator (calls made from inside an evaluation, as
/// a segment read from an expression, are part of their caller's time).
struct Timed<'a> {
    inner: &'a dyn Evaluator,
    depth: Cell<u32>,
    calls: Cell<u64>,
    nanos: Cell<u64>,
}

impl Timed<'_> {
    fn time<T>(&self, f: impl FnOnce() -> T) -> T {
        let depth = self.depth.get();
        if depth > 0 {
            return f();
        }
        self.depth.set(1);
        let start = Instant::now();
        let value = f();
        let spent = start.elapsed().as_nanos() as u64;
        self.depth.set(0);
        self.calls.set(self.calls.get() + 1);
        self.nanos.set(self.nanos.get() + spent);
        value
    }
}

impl Evaluator for Timed<'_> {
    fn eval(&self, expr: ExprId, env: &dyn Env) -> Value {
        self.time(|| self.inner.eval(expr, env))
    }

    fn eval_bool(&self, expr: ExprId, env: &dyn Env) -> bool {
        self.time(|| self.inner.eval_bool(expr, env))
    }

    fn eval_event_filters(&self, event: EventId, env: &dyn Env, matched: &mut FilterBits) {
        self.time(|| self.inner.eval_event_filters(event, env, matched))
    }
}

pub(super) struct Share {
    pub(super) calls: u64,
    /// Time inside the evaluator, the clock's cost subtracted.
    pub(super) eval: Duration,
    pub(super) per_call_ns: f64,
    /// The whole pass, wrapper included.
    pub(super) pass: Duration,
    /// The clock's cost over the pass (estimated).
    pub(super) clock: Duration,
}

pub(super) fn evaluator_share(program: &Program, evaluator: &dyn Evaluator, path: &Path) -> Share {
    let timed = Timed {
        inner: evaluator,
        depth: Cell::new(0),
        calls: Cell::new(0),
        nanos: Cell::new(0),
    };
    let started = Instant::now();
    let mut engine = Engine::new(program, &timed, super::run_options());
    let mut sink = JsonSink::default();
    let mut lines = Lines::open(path);
    while let Some((number, line)) = lines.next_line() {
        engine.handle_line(number, line, &mut sink);
    }
    engine.finish(None, &mut sink);
    let pass = started.elapsed();
    drop(engine);
    let calls = timed.calls.get();
    let (bias, pair) = clock_cost_ns();
    let eval_ns = (timed.nanos.get() as f64 - bias * calls as f64).max(0.0);
    Share {
        calls,
        eval: Duration::from_nanos(eval_ns as u64),
        per_call_ns: eval_ns / calls.max(1) as f64,
        pass,
        clock: Duration::from_nanos((pair * calls as f64) as u64),
    }
}

/// The clock's cost in ns: what `Instant::now()` … `elapsed()` measures around nothing, and
/// what the pair costs in all (medians of 5 rounds).
fn clock_cost_ns() -> (f64, f64) {
    const N: u32 = 200_000;
    let mut measured = Vec::new();
    let mut spent = Vec::new();
    for _ in 0..5 {
        let round = Instant::now();
        let mut total = 0u64;
        for _ in 0..N {
            let start = Instant::now();
            black_box(());
            total += start.elapsed().as_nanos() as u64;
        }
        spent.push(round.elapsed().as_nanos() as f64 / f64::from(N));
        measured.push(total as f64 / f64::from(N));
    }
    measured.sort_by(f64::total_cmp);
    spent.sort_by(f64::total_cmp);
    (measured[2], spent[2])
}
