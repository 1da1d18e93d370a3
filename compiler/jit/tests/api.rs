//! The JIT's contract beyond values: errors are reported (never a panic, never a fallback),
//! panics in the environment reach the caller, evaluation may re-enter, and compiled programs
//! can be made and dropped at will.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

mod common;

use journey_ir::eval::{Env, Evaluator, Interpreter, Value};
use journey_ir::filters::{EventFilters, FilterBits};
use journey_ir::Type;
use journey_ir::{
    BindingId, CompareOp, Const, EventId, Expr, ExprId, ExprKind, HistoryId, ProfileSlot, Program,
    ScoreId, ScoreWhile, Segment, SegmentId,
};

/// An environment with a few fixed values; `profile` panics when asked to.
struct Fixed {
    panic: bool,
}

impl Env for Fixed {
    fn event_field(&self, _event: EventId, slot: u32) -> Value {
        Value::Int(i64::from(slot))
    }
    fn binding_field(&self, _binding: BindingId, _event: EventId, _slot: u32) -> Value {
        Value::Str(Arc::from("bound"))
    }
    fn profile(&self, _slot: ProfileSlot) -> Value {
        if self.panic {
            panic!("the environment failed");
        }
        Value::Str(Arc::from("pro"))
    }
    fn score_points(&self, _score: ScoreId) -> i64 {
        42
    }
    fn history(&self, _history: HistoryId) -> Value {
        Value::Missing
    }
    fn now(&self) -> i64 {
        1_000
    }
}

fn push(program: &mut Program, ty: Type, kind: ExprKind) -> ExprId {
    program.exprs.push(Expr { ty, kind });
    ExprId((program.exprs.len() - 1) as u32)
}

/// `not not ... true`, `depth` times.
fn chain(depth: usize) -> (Program, ExprId) {
    let mut program = Program::default();
    let mut id = push(&mut program, Type::Bool, ExprKind::Const(Const::Bool(true)));
    for _ in 0..depth {
        id = push(&mut program, Type::Bool, ExprKind::Not(id));
    }
    (program, id)
}

#[test]
fn deep_expressions_compile_and_too_deep_ones_are_reported() {
    let (program, top) = chain(510);
    let jit = journey_jit::compile(&program).unwrap();
    let env = Fixed { panic: false };
    assert_eq!(
        jit.eval(top, &env),
        Interpreter::new(&program).eval(top, &env)
    );

    // As deep with branches: `((true or x) or x) ...` and `x ?? (x ?? ...)`.
    let mut program = Program::default();
    let x = push(&mut program, Type::Bool, ExprKind::Segment(SegmentId(0)));
    let mut or = push(&mut program, Type::Bool, ExprKind::Const(Const::Bool(true)));
    let mut coalesce = x;
    for _ in 0..500 {
        or = push(&mut program, Type::Bool, ExprKind::Or(or, x));
        coalesce = push(&mut program, Type::Bool, ExprKind::Coalesce(x, coalesce));
    }
    let jit = journey_jit::compile(&program).unwrap();
    let interpreter = Interpreter::new(&program);
    for id in [or, coalesce] {
        assert_eq!(jit.eval(id, &env), interpreter.eval(id, &env));
    }

    let (program, _) = chain(2_000);
    let error = journey_jit::compile(&program).err().expect("too deep");
    assert!(error.expr.is_some(), "{error}");
    let text = error.to_string();
    assert!(
        text.starts_with("cannot compile expression ") && text.contains("nested deeper"),
        "{text}"
    );
}

#[test]
fn an_expression_that_does_not_exist_is_missing() {
    let (program, _) = chain(1);
    let jit = journey_jit::compile(&program).unwrap();
    let env = Fixed { panic: false };
    assert_eq!(jit.eval(ExprId(99), &env), Value::Missing);
    assert_eq!(jit.expressions(), program.exprs.len());
    // A child that does not exist reads as missing, as in the interpreter.
    let mut program = Program::default();
    let id = push(&mut program, Type::Bool, ExprKind::IsSet(ExprId(7), false));
    let jit = journey_jit::compile(&program).unwrap();
    assert_eq!(jit.eval(id, &env), Value::Bool(false));
    assert_eq!(
        Interpreter::new(&program).eval(id, &env),
        Value::Bool(false)
    );
}

#[test]
fn a_panic_in_the_environment_reaches_the_caller() {
    let mut program = Program::default();
    let plan = push(
        &mut program,
        Type::String,
        ExprKind::Profile(ProfileSlot(0)),
    );
    let set = push(&mut program, Type::Bool, ExprKind::IsSet(plan, false));
    let jit = journey_jit::compile(&program).unwrap();
    let outcome = catch_unwind(AssertUnwindSafe(|| jit.eval(set, &Fixed { panic: true })));
    let payload = outcome.expect_err("the panic is resumed");
    assert_eq!(
        payload.downcast_ref::<&str>().copied(),
        Some("the environment failed")
    );
    // The program is still usable afterwards.
    assert_eq!(jit.eval(set, &Fixed { panic: false }), Value::Bool(true));
    assert_eq!(
        jit.eval(plan, &Fixed { panic: false }),
        Value::Str(Arc::from("pro"))
    );
}

/// An environment whose binding field is itself an expression of the same compiled program,
/// evaluated while the outer call holds the scratch vector.
struct Nested<'a> {
    jit: &'a journey_jit::JitProgram,
    inner: ExprId,
}

impl Env for Nested<'_> {
    fn event_field(&self, _event: EventId, _slot: u32) -> Value {
        Value::Str(Arc::from("outer"))
    }
    fn binding_field(&self, _binding: BindingId, _event: EventId, _slot: u32) -> Value {
        self.jit.eval(self.inner, &Fixed { panic: false })
    }
    fn profile(&self, _slot: ProfileSlot) -> Value {
        Value::Missing
    }
    fn score_points(&self, _score: ScoreId) -> i64 {
        0
    }
    fn history(&self, _history: HistoryId) -> Value {
        Value::Missing
    }
    fn now(&self) -> i64 {
        0
    }
}

#[test]
fn evaluation_may_re_enter() {
    let mut program = Program::default();
    // The inner expression: `profile.x + "!"` ("pro!" in `Fixed`), which makes a string.
    let profile = push(
        &mut program,
        Type::String,
        ExprKind::Profile(ProfileSlot(0)),
    );
    let bang = push(
        &mut program,
        Type::String,
        ExprKind::Const(Const::String("!".into())),
    );
    let inner = push(
        &mut program,
        Type::String,
        ExprKind::Arith(journey_ir::ArithOp::Add, profile, bang),
    );
    // The outer expression makes strings, reads the binding (the inner expression, evaluated
    // by a nested call), then uses its own strings again.
    let field = push(
        &mut program,
        Type::String,
        ExprKind::EventField(EventId(0), 0),
    );
    let made = push(
        &mut program,
        Type::String,
        ExprKind::Arith(journey_ir::ArithOp::Add, field, bang),
    );
    let bound = push(
        &mut program,
        Type::String,
        ExprKind::BindingField(BindingId(0), EventId(0), 0),
    );
    let pro = push(
        &mut program,
        Type::String,
        ExprKind::Const(Const::String("pro!".into())),
    );
    let items = push(
        &mut program,
        Type::List(Box::new(Type::String)),
        ExprKind::List(vec![made, bound, field]),
    );
    let first = push(&mut program, Type::Bool, ExprKind::In(pro, items));
    let second = push(&mut program, Type::Bool, ExprKind::Contains(items, made));
    let all = push(&mut program, Type::Bool, ExprKind::And(first, second));
    let jit = journey_jit::compile(&program).unwrap();
    let env = Nested { jit: &jit, inner };
    for _ in 0..3 {
        assert_eq!(jit.eval(all, &env), Value::Bool(true));
        assert!(jit.eval_bool(all, &env));
        assert_eq!(
            jit.eval(items, &env),
            Value::List(Arc::from(vec![
                Value::Str(Arc::from("outer!")),
                Value::Str(Arc::from("pro!")),
                Value::Str(Arc::from("outer")),
            ]))
        );
    }
}

/// An environment that hands out records; its methods answer differently (`event_field` for
/// another event, `profile` past the record), so that a test sees which one was used.
struct Records {
    event: Vec<Value>,
    profile: Vec<Value>,
    calls: std::cell::Cell<u32>,
}

impl Env for Records {
    fn event_field(&self, event: EventId, slot: u32) -> Value {
        self.calls.set(self.calls.get() + 1);
        match event {
            EventId(0) => self
                .event
                .get(slot as usize)
                .cloned()
                .unwrap_or(Value::Missing),
            _ => Value::Int(1_000 + i64::from(slot)),
        }
    }
    fn binding_field(&self, _binding: BindingId, _event: EventId, _slot: u32) -> Value {
        Value::Missing
    }
    fn profile(&self, slot: ProfileSlot) -> Value {
        self.calls.set(self.calls.get() + 1);
        self.profile
            .get(slot.index())
            .cloned()
            .unwrap_or(Value::Missing)
    }
    fn score_points(&self, _score: ScoreId) -> i64 {
        0
    }
    fn history(&self, _history: HistoryId) -> Value {
        Value::Missing
    }
    fn now(&self) -> i64 {
        0
    }
    fn event_record(&self) -> Option<(EventId, &[Value])> {
        Some((EventId(0), &self.event))
    }
    fn profile_record(&self) -> Option<&[Value]> {
        Some(&self.profile)
    }
}

#[test]
fn records_are_read_directly_and_the_environment_answers_the_rest() {
    let literal: Arc<str> = Arc::from("lit");
    let env = Records {
        event: vec![
            Value::Int(-5),
            Value::Str(Arc::clone(&literal)),
            Value::Missing,
            Value::Str(Arc::from("lit")),
            // A value of another kind than the slot's type reads as missing, as from `Env`.
            Value::Bool(true),
            Value::Date(-3),
            Value::Enum(2),
            Value::Float(-0.5),
            Value::List(Arc::from(vec![Value::Int(1), Value::Missing])),
        ],
        profile: vec![Value::Bool(true), Value::Str(Arc::from("p"))],
        calls: std::cell::Cell::new(0),
    };
    let mut program = Program::default();
    let reads = [
        (
            Type::Int,
            ExprKind::EventField(EventId(0), 0),
            Value::Int(-5),
        ),
        (
            Type::String,
            ExprKind::EventField(EventId(0), 1),
            Value::Str(Arc::from("lit")),
        ),
        (
            Type::Int,
            ExprKind::EventField(EventId(0), 2),
            Value::Missing,
        ),
        (
            Type::String,
            ExprKind::EventField(EventId(0), 3),
            Value::Str(Arc::from("lit")),
        ),
        (
            Type::Int,
            ExprKind::EventField(EventId(0), 4),
            Value::Missing,
        ),
        (
            Type::Date,
            ExprKind::EventField(EventId(0), 5),
            Value::Date(-3),
        ),
        (
            Type::Enum(journey_ir::EnumId(0)),
            ExprKind::EventField(EventId(0), 6),
            Value::Enum(2),
        ),
        (
            Type::Float,
            ExprKind::EventField(EventId(0), 7),
            Value::Float(-0.5),
        ),
        (
            Type::List(Box::new(Type::Int)),
            ExprKind::EventField(EventId(0), 8),
            Value::List(Arc::from(vec![Value::Int(1), Value::Missing])),
        ),
        (
            Type::Unknown,
            ExprKind::EventField(EventId(0), 5),
            Value::Date(-3),
        ),
        (
            Type::Unknown,
            ExprKind::EventField(EventId(0), 4),
            Value::Bool(true),
        ),
        // Past the end of the record: asked of the environment (missing).
        (
            Type::Int,
            ExprKind::EventField(EventId(0), 9),
            Value::Missing,
        ),
        // Another event than the record's: asked of the environment.
        (
            Type::Int,
            ExprKind::EventField(EventId(3), 2),
            Value::Int(1_002),
        ),
        (
            Type::Bool,
            ExprKind::Profile(ProfileSlot(0)),
            Value::Bool(true),
        ),
        (
            Type::String,
            ExprKind::Profile(ProfileSlot(1)),
            Value::Str(Arc::from("p")),
        ),
        (
            Type::Bool,
            ExprKind::Profile(ProfileSlot(2)),
            Value::Missing,
        ),
    ];
    let ids: Vec<ExprId> = reads
        .iter()
        .map(|(ty, kind, _)| push(&mut program, ty.clone(), kind.clone()))
        .collect();
    // `==` against a literal: the same `Arc` (no call), an equal copy, another string.
    let constant = push(
        &mut program,
        Type::String,
        ExprKind::Const(Const::String(Arc::clone(&literal))),
    );
    let other = push(
        &mut program,
        Type::String,
        ExprKind::Const(Const::String("lot".into())),
    );
    let mut comparisons = Vec::new();
    for (slot, against, expected) in [
        (ids[1], constant, true),
        (ids[3], constant, true),
        (ids[1], other, false),
        (ids[2], constant, false),
        (ids[14], constant, false),
        (ids[1], ids[3], true),
    ] {
        let eq = push(
            &mut program,
            Type::Bool,
            ExprKind::Compare(CompareOp::Eq, slot, against),
        );
        let ne = push(
            &mut program,
            Type::Bool,
            ExprKind::Compare(CompareOp::Ne, against, slot),
        );
        comparisons.push((eq, Value::Bool(expected)));
        comparisons.push((ne, Value::Bool(!expected)));
    }
    let jit = journey_jit::compile(&program).unwrap();
    let interpreter = Interpreter::new(&program);
    for ((_, kind, expected), id) in reads.iter().zip(&ids) {
        assert_eq!(&jit.eval(*id, &env), expected, "{kind:?}");
    }
    for (id, expected) in &comparisons {
        assert_eq!(
            &jit.eval(*id, &env),
            expected,
            "{:?}",
            program.expr(*id).kind
        );
        assert_eq!(&interpreter.eval(*id, &env), expected);
    }
    // Only the reads the records cannot answer called the environment.
    env.calls.set(0);
    for id in &ids[..11] {
        jit.eval(*id, &env);
    }
    jit.eval(ids[13], &env);
    jit.eval(ids[14], &env);
    assert_eq!(env.calls.get(), 0);
    jit.eval(ids[11], &env);
    jit.eval(ids[12], &env);
    jit.eval(ids[15], &env);
    assert_eq!(env.calls.get(), 3);
}

#[test]
fn segments_and_scores_are_compiled_in_place() {
    let mut program = Program::default();
    // segment 0: `profile.x is set` (true in `Fixed`); segment 1: `segment 0 and score 0 > 40`.
    let plan = push(
        &mut program,
        Type::String,
        ExprKind::Profile(ProfileSlot(0)),
    );
    let set = push(&mut program, Type::Bool, ExprKind::IsSet(plan, false));
    let seg0 = push(&mut program, Type::Bool, ExprKind::Segment(SegmentId(0)));
    let score = push(&mut program, Type::Int, ExprKind::Score(ScoreId(0)));
    let forty = push(&mut program, Type::Int, ExprKind::Const(Const::Int(40)));
    let high = push(
        &mut program,
        Type::Bool,
        ExprKind::Compare(CompareOp::Gt, score, forty),
    );
    let both = push(&mut program, Type::Bool, ExprKind::And(seg0, high));
    let unset = push(&mut program, Type::Bool, ExprKind::Not(set));
    program.segments = vec![
        Segment {
            name: "a".into(),
            condition: set,
        },
        Segment {
            name: "b".into(),
            condition: both,
        },
    ];
    // score 0: 42 event points, +i64::MAX while segment 0 (saturates), -7 while not, -1 while
    // segment 0 again (from the saturated sum).
    let rule = |condition, points| ScoreWhile { condition, points };
    program.scores = vec![journey_ir::Score {
        name: "s".into(),
        on_rules: Vec::new(),
        while_rules: vec![rule(seg0, i64::MAX), rule(unset, -7), rule(seg0, -1)],
        decay: None,
    }];
    let seg1 = push(&mut program, Type::Bool, ExprKind::Segment(SegmentId(1)));
    let missing = push(&mut program, Type::Bool, ExprKind::Segment(SegmentId(9)));
    let no_score = push(&mut program, Type::Int, ExprKind::Score(ScoreId(9)));
    let jit = journey_jit::compile(&program).unwrap();
    let interpreter = Interpreter::new(&program);
    let env = Fixed { panic: false };
    for (id, expected) in [
        (score, Value::Int(i64::MAX - 1)),
        (seg0, Value::Bool(true)),
        (seg1, Value::Bool(true)),
        (missing, Value::Bool(false)),
        (no_score, Value::Int(42)),
    ] {
        assert_eq!(jit.eval(id, &env), expected, "{:?}", program.expr(id).kind);
        assert_eq!(interpreter.eval(id, &env), expected);
    }
    // A panic in the environment while a segment is evaluated in place reaches the caller.
    let outcome = catch_unwind(AssertUnwindSafe(|| jit.eval(seg1, &Fixed { panic: true })));
    assert!(outcome.is_err());
    assert_eq!(jit.eval(seg1, &env), Value::Bool(true));

    // A segment or score defined in terms of itself (which the checker rejects) is refused.
    let mut cyclic = program.clone();
    cyclic.segments[0].condition = seg1;
    let error = journey_jit::compile(&cyclic).err().expect("a cycle");
    assert!(error.to_string().contains("contains itself"), "{error}");
    let mut cyclic = program.clone();
    cyclic.scores[0].while_rules.push(rule(high, 1));
    let error = journey_jit::compile(&cyclic).err().expect("a cycle");
    assert!(error.to_string().contains("contains itself"), "{error}");
}

/// An environment whose binding fields all hold this value, whatever the field's type.
struct Bound(Value);

impl Env for Bound {
    fn event_field(&self, _event: EventId, _slot: u32) -> Value {
        Value::Missing
    }
    fn binding_field(&self, _binding: BindingId, _event: EventId, _slot: u32) -> Value {
        self.0.clone()
    }
    fn profile(&self, _slot: ProfileSlot) -> Value {
        Value::Missing
    }
    fn score_points(&self, _score: ScoreId) -> i64 {
        0
    }
    fn history(&self, _history: HistoryId) -> Value {
        Value::Missing
    }
    fn now(&self) -> i64 {
        0
    }
}

#[test]
fn a_binding_field_read_by_a_helper_is_read_as_elsewhere() {
    // A field the environment answers with a value outside its type reads as missing, whether
    // compiled code reads it (`is set`) or a helper does (`contains`, `==`, `in`).
    let x = Value::Str(Arc::from("x"));
    let list = Value::List(Arc::from(vec![x.clone()]));
    let list_type = Type::List(Box::new(Type::String));
    for (ty, answer, conforming) in [
        (Type::String, list.clone(), x.clone()),
        (list_type.clone(), x.clone(), list.clone()),
    ] {
        let mut program = Program::default();
        let field = push(
            &mut program,
            ty.clone(),
            ExprKind::BindingField(BindingId(0), EventId(0), 0),
        );
        let c = push(
            &mut program,
            Type::String,
            ExprKind::Const(Const::String("x".into())),
        );
        let items = push(&mut program, list_type.clone(), ExprKind::List(vec![c]));
        let set = push(&mut program, Type::Bool, ExprKind::IsSet(field, false));
        let contains = push(&mut program, Type::Bool, ExprKind::Contains(field, c));
        let inside = push(&mut program, Type::Bool, ExprKind::In(field, items));
        let equal = push(
            &mut program,
            Type::Bool,
            ExprKind::Compare(CompareOp::Eq, field, c),
        );
        let same = push(
            &mut program,
            Type::Bool,
            ExprKind::Compare(CompareOp::Eq, field, field),
        );
        let jit = journey_jit::compile(&program).unwrap();
        let odd = Bound(answer);
        assert_eq!(jit.eval(set, &odd), Value::Bool(false), "{ty:?}");
        assert_eq!(jit.eval(contains, &odd), Value::Missing, "{ty:?}");
        assert_eq!(jit.eval(inside, &odd), Value::Missing, "{ty:?}");
        assert_eq!(jit.eval(equal, &odd), Value::Bool(false), "{ty:?}");
        assert_eq!(jit.eval(same, &odd), Value::Bool(true), "{ty:?}");
        // A conforming environment: the interpreter's answers.
        let interpreter = Interpreter::new(&program);
        let env = Bound(conforming);
        for id in [set, contains, inside, equal, same] {
            assert_eq!(jit.eval(id, &env), interpreter.eval(id, &env), "{ty:?}");
        }
    }
}

#[test]
fn programs_are_made_and_dropped_many_times() {
    let mut program = Program::default();
    let a = push(
        &mut program,
        Type::String,
        ExprKind::BindingField(BindingId(0), EventId(0), 1),
    );
    let b = push(
        &mut program,
        Type::String,
        ExprKind::Const(Const::String("!".into())),
    );
    let joined = push(
        &mut program,
        Type::String,
        ExprKind::Arith(journey_ir::ArithOp::Add, a, b),
    );
    let env = Fixed { panic: false };
    for _ in 0..100 {
        let jit = journey_jit::compile(&program).unwrap();
        assert_eq!(jit.eval(joined, &env), Value::Str(Arc::from("bound!")));
    }
}

#[test]
fn malformed_arenas_are_refused_or_bounded() {
    let env = Fixed { panic: false };
    // An expression that contains itself.
    let mut program = Program::default();
    let a = push(&mut program, Type::Bool, ExprKind::Not(ExprId(1)));
    push(&mut program, Type::Bool, ExprKind::Not(a));
    let error = journey_jit::compile(&program).err().expect("a cycle");
    assert!(error.to_string().contains("contains itself"), "{error}");

    // A long chain whose parents come first in the arena.
    let mut program = Program::default();
    for i in 0..5_000u32 {
        push(&mut program, Type::Bool, ExprKind::Not(ExprId(i + 1)));
    }
    push(&mut program, Type::Bool, ExprKind::Const(Const::Bool(true)));
    let error = journey_jit::compile(&program).err().expect("too deep");
    assert!(error.to_string().contains("nested deeper"), "{error}");

    // Shared subexpressions: `x1 = x0 + x0`, `x2 = x1 + x1`, ... (2^16 nodes as a tree): the
    // code stays small (evaluation takes as long as in the interpreter).
    let mut program = Program::default();
    let mut x = push(&mut program, Type::Int, ExprKind::Score(ScoreId(0)));
    for _ in 0..16 {
        x = push(
            &mut program,
            Type::Int,
            ExprKind::Arith(journey_ir::ArithOp::Add, x, x),
        );
    }
    let jit = journey_jit::compile(&program).unwrap();
    assert_eq!(jit.eval(x, &env), Value::Int(42 << 16));
    assert_eq!(
        Interpreter::new(&program).eval(x, &env),
        Value::Int(42 << 16)
    );
}

/// An environment that hands out the records of some bindings (by id; `None`: no record).
/// `binding_field` answers a slot of a record as the record does, and any other slot with a
/// value that names it (`1000 * (binding + 1) + slot`: an `int` below slot 10, a string from
/// there), so that a test sees which was used.
struct BindingRecords {
    records: Vec<Option<Vec<Value>>>,
    calls: std::cell::Cell<u32>,
}

impl Env for BindingRecords {
    fn event_field(&self, _event: EventId, _slot: u32) -> Value {
        Value::Missing
    }
    fn binding_field(&self, binding: BindingId, _event: EventId, slot: u32) -> Value {
        self.calls.set(self.calls.get() + 1);
        match self.binding_record(binding) {
            Some(record) if (slot as usize) < record.len() => record[slot as usize].clone(),
            _ => {
                let name = 1_000 * (i64::from(binding.0) + 1) + i64::from(slot);
                match slot {
                    0..10 => Value::Int(name),
                    _ => Value::Str(Arc::from(name.to_string())),
                }
            }
        }
    }
    fn profile(&self, _slot: ProfileSlot) -> Value {
        Value::Missing
    }
    fn score_points(&self, _score: ScoreId) -> i64 {
        0
    }
    fn history(&self, _history: HistoryId) -> Value {
        Value::Missing
    }
    fn now(&self) -> i64 {
        0
    }
    fn binding_record(&self, binding: BindingId) -> Option<&[Value]> {
        self.records.get(binding.index())?.as_deref()
    }
}

#[test]
fn binding_records_are_read_directly_and_the_environment_answers_the_rest() {
    let literal: Arc<str> = Arc::from("lit");
    let list = Value::List(Arc::from(vec![Value::Str(Arc::clone(&literal))]));
    let full = vec![
        Value::Int(-5),
        Value::Str(Arc::clone(&literal)),
        Value::Missing,
        list.clone(),
        // A value of another kind than the slot's type reads as missing, as from `Env`.
        Value::Bool(true),
        Value::Date(-3),
    ];
    let mut records = vec![None; 6];
    records[0] = Some(full.clone());
    // Binding 1 has no record; binding 2 a truncated one; 3 (the last with a place in the
    // context) a whole one; 5 one the JIT does not ask for (past its records).
    records[2] = Some(full[..2].to_vec());
    records[3] = Some(full.clone());
    records[5] = Some(full.clone());
    let env = BindingRecords {
        records,
        calls: std::cell::Cell::new(0),
    };
    let field = |b: u32, slot: u32| ExprKind::BindingField(BindingId(b), EventId(0), slot);
    let list_type = Type::List(Box::new(Type::String));
    let mut program = Program::default();
    // (type, read, expected, whether the environment is called); the interpreter agrees but on
    // values outside the slot's type (the fifth), which compiled code reads as missing.
    let reads = [
        (Type::Int, field(0, 0), Value::Int(-5), false),
        (
            Type::String,
            field(0, 1),
            Value::Str(literal.clone()),
            false,
        ),
        (Type::Int, field(0, 2), Value::Missing, false),
        (list_type.clone(), field(0, 3), list.clone(), false),
        (Type::Int, field(0, 4), Value::Missing, false),
        (Type::Date, field(0, 5), Value::Date(-3), false),
        (Type::Unknown, field(0, 4), Value::Bool(true), false),
        // Past the end of the record.
        (Type::Int, field(0, 6), Value::Int(1_006), true),
        // No record.
        (Type::Int, field(1, 0), Value::Int(2_000), true),
        // A truncated record: in it, then past its end.
        (
            Type::String,
            field(2, 1),
            Value::Str(literal.clone()),
            false,
        ),
        (Type::Int, field(2, 2), Value::Int(3_002), true),
        (Type::Int, field(3, 0), Value::Int(-5), false),
        (Type::Date, field(3, 5), Value::Date(-3), false),
        // A binding past the context's records.
        (Type::Int, field(5, 0), Value::Int(-5), true),
    ];
    let ids: Vec<ExprId> = reads
        .iter()
        .map(|(ty, kind, _, _)| push(&mut program, ty.clone(), kind.clone()))
        .collect();
    let constant = push(
        &mut program,
        Type::String,
        ExprKind::Const(Const::String(Arc::clone(&literal))),
    );
    let other = push(
        &mut program,
        Type::String,
        ExprKind::Const(Const::String("lot".into())),
    );
    // Operators over binding fields (strings and lists read in place and handed to helpers).
    let string = ids[1];
    let items = ids[3];
    let truncated = ids[9];
    let past = push(&mut program, Type::String, field(2, 10));
    let unbound = push(&mut program, Type::String, field(1, 10));
    let mut ops = Vec::new();
    for (ty, kind, expected, calls) in [
        (
            Type::Bool,
            ExprKind::Compare(CompareOp::Eq, string, constant),
            true,
            0,
        ),
        (
            Type::Bool,
            ExprKind::Compare(CompareOp::Ne, constant, string),
            false,
            0,
        ),
        (
            Type::Bool,
            ExprKind::Compare(CompareOp::Eq, string, other),
            false,
            0,
        ),
        (
            Type::Bool,
            ExprKind::Compare(CompareOp::Eq, string, truncated),
            true,
            0,
        ),
        (Type::Bool, ExprKind::In(constant, items), true, 0),
        (Type::Bool, ExprKind::Contains(items, string), true, 0),
        (Type::Bool, ExprKind::StartsWith(string, other), false, 0),
        (
            Type::Bool,
            ExprKind::Compare(CompareOp::Lt, string, other),
            true,
            0,
        ),
        // Past the record or without one: the environment answers.
        (
            Type::Bool,
            ExprKind::Compare(CompareOp::Eq, past, constant),
            false,
            1,
        ),
        (
            Type::Bool,
            ExprKind::Compare(CompareOp::Eq, unbound, past),
            false,
            2,
        ),
        (
            Type::Bool,
            ExprKind::Compare(CompareOp::Eq, past, past),
            true,
            2,
        ),
        (Type::Bool, ExprKind::EndsWith(unbound, past), false, 2),
        (
            Type::Bool,
            ExprKind::Compare(CompareOp::Eq, string, unbound),
            false,
            1,
        ),
    ] {
        ops.push((push(&mut program, ty, kind), Value::Bool(expected), calls));
    }
    let jit = journey_jit::compile(&program).unwrap();
    let interpreter = Interpreter::new(&program);
    for (i, ((_, kind, expected, calls), id)) in reads.iter().zip(&ids).enumerate() {
        env.calls.set(0);
        assert_eq!(&jit.eval(*id, &env), expected, "{kind:?}");
        assert_eq!(env.calls.get(), u32::from(*calls), "calls for {kind:?}");
        if i != 4 {
            assert_eq!(&interpreter.eval(*id, &env), expected, "{kind:?}");
        }
    }
    for (id, expected, calls) in &ops {
        let kind = &program.expr(*id).kind;
        env.calls.set(0);
        assert_eq!(&jit.eval(*id, &env), expected, "{kind:?}");
        assert_eq!(env.calls.get(), *calls, "calls for {kind:?}");
        assert_eq!(&interpreter.eval(*id, &env), expected, "{kind:?}");
    }
    // Without records, every read asks the environment, with the same answers.
    let without = common::WithoutRecords(&env);
    for (id, expected) in ids
        .iter()
        .zip(reads.iter().map(|(_, _, expected, _)| expected))
        .chain(ops.iter().map(|(id, expected, _)| (id, expected)))
    {
        assert_eq!(
            &jit.eval(*id, &without),
            expected,
            "{:?}",
            program.expr(*id).kind
        );
    }
}

#[test]
fn an_event_type_with_more_than_64_filters_gets_every_bit() {
    // 130 filters: three batch functions, the last with two.
    let rules: String = (0..130)
        .map(|k| format!("  on t.e where n == {k} => +1\n"))
        .collect();
    let source = format!(
        "event t.e {{ n: int }}\nprofile {{ c: bool = false }}\n\
         policy {{ consent email when profile.c }}\nscore s {{\n{rules}}}\n\
         journey j {{ enter on t.e where s > 0\n send email \"x\" }}\n"
    );
    let program = common::load(&[("many.journey".to_string(), source)]);
    let filters = EventFilters::new(&program);
    assert_eq!(filters.of(EventId(0)).len(), 130);
    let slot = program.events[0]
        .fields
        .iter()
        .position(|f| f.name == "n")
        .unwrap();
    let jit = journey_jit::compile(&program).unwrap();
    let interpreter = Interpreter::new(&program);
    for n in [0, 1, 63, 64, 65, 127, 128, 129, 130, -1] {
        let mut record = vec![Value::Missing; program.events[0].fields.len()];
        record[slot] = Value::Int(n);
        let env = Records {
            event: record,
            profile: Vec::new(),
            calls: std::cell::Cell::new(0),
        };
        let (mut native, mut reference) = (FilterBits::default(), FilterBits::default());
        jit.eval_event_filters(EventId(0), &env, &mut native);
        // The batch functions read the record itself, never the environment.
        assert_eq!(env.calls.get(), 0, "n = {n}");
        interpreter.eval_event_filters(EventId(0), &env, &mut reference);
        for bit in 0..130 {
            let expected = i64::from(bit as u32) == n;
            assert_eq!(native.get(bit), expected, "n = {n}, bit {bit} (JIT)");
            assert_eq!(
                reference.get(bit),
                expected,
                "n = {n}, bit {bit} (interpreter)"
            );
        }
    }
    // An event type without filters sets no bit and leaves no stale one.
    let mut bits = FilterBits::default();
    bits.reset(64);
    bits.set(3);
    let empty = Records {
        event: Vec::new(),
        profile: Vec::new(),
        calls: std::cell::Cell::new(0),
    };
    jit.eval_event_filters(EventId(7), &empty, &mut bits);
    assert!(!bits.get(3));
}

/// An environment that lends a contact row (or none) and answers `score_points` with `asked`.
struct Row {
    row: Option<Vec<u8>>,
    asked: i64,
}

impl Env for Row {
    fn event_field(&self, _event: EventId, _slot: u32) -> Value {
        Value::Missing
    }
    fn binding_field(&self, _binding: BindingId, _event: EventId, _slot: u32) -> Value {
        Value::Missing
    }
    fn profile(&self, _slot: ProfileSlot) -> Value {
        Value::Missing
    }
    fn score_points(&self, _score: ScoreId) -> i64 {
        self.asked
    }
    fn history(&self, _history: HistoryId) -> Value {
        Value::Missing
    }
    fn now(&self) -> i64 {
        0
    }
    fn contact_row(&self) -> Option<&[u8]> {
        self.row.as_deref()
    }
}

#[test]
fn scores_are_loaded_from_the_contact_row_when_the_environment_lends_one() {
    let mut program = Program::default();
    let score = |name: &str| journey_ir::Score {
        name: name.into(),
        on_rules: Vec::new(),
        while_rules: Vec::new(),
        decay: None,
    };
    program.scores = vec![score("a"), score("b")];
    let a = push(&mut program, Type::Int, ExprKind::Score(ScoreId(0)));
    let b = push(&mut program, Type::Int, ExprKind::Score(ScoreId(1)));
    let layout = journey_ir::layout::ContactLayout::of(&program);
    let mut row = vec![0u8; layout.size as usize];
    for (s, points) in [(0usize, -5i64), (1, 1 << 40)] {
        let at = layout.scores[s].points as usize;
        row[at..at + 8].copy_from_slice(&points.to_le_bytes());
    }
    let jit = journey_jit::compile(&program).unwrap();
    // The row's points, not the environment's answer: the load is at the layout's offset.
    let lent = Row {
        row: Some(row.clone()),
        asked: 99,
    };
    assert_eq!(jit.eval(a, &lent), Value::Int(-5));
    assert_eq!(jit.eval(b, &lent), Value::Int(1 << 40));
    // No row, or one too short to hold the score: the environment is asked.
    for row in [
        None,
        Some(Vec::new()),
        Some(row[..layout.scores[1].points as usize].to_vec()),
    ] {
        let env = Row { row, asked: 99 };
        assert_eq!(jit.eval(b, &env), Value::Int(99));
    }
}

/// An environment that lends a contact row holding profile fields (or none) and may hand out a
/// profile record, while `profile` and `profile_is_set` answer from `asked` (and count their
/// calls), so that a test sees which of them a read used.
struct ProfileRow {
    row: Option<Vec<u8>>,
    record: Option<Vec<Value>>,
    asked: Vec<Value>,
    calls: std::cell::Cell<u32>,
}

impl ProfileRow {
    fn new(row: Option<Vec<u8>>, record: Option<Vec<Value>>, asked: Vec<Value>) -> ProfileRow {
        ProfileRow {
            row,
            record,
            asked,
            calls: std::cell::Cell::new(0),
        }
    }
}

impl Env for ProfileRow {
    fn event_field(&self, _event: EventId, _slot: u32) -> Value {
        Value::Missing
    }
    fn binding_field(&self, _binding: BindingId, _event: EventId, _slot: u32) -> Value {
        Value::Missing
    }
    fn profile(&self, slot: ProfileSlot) -> Value {
        self.calls.set(self.calls.get() + 1);
        self.asked
            .get(slot.index())
            .cloned()
            .unwrap_or(Value::Missing)
    }
    fn profile_is_set(&self, slot: ProfileSlot) -> bool {
        self.calls.set(self.calls.get() + 1);
        self.asked
            .get(slot.index())
            .is_some_and(|value| !value.is_missing())
    }
    fn score_points(&self, _score: ScoreId) -> i64 {
        0
    }
    fn history(&self, _history: HistoryId) -> Value {
        Value::Missing
    }
    fn now(&self) -> i64 {
        0
    }
    fn profile_record(&self) -> Option<&[Value]> {
        self.record.as_deref()
    }
    fn contact_row(&self) -> Option<&[u8]> {
        self.row.as_deref()
    }
}

#[test]
fn profile_fields_are_loaded_from_the_contact_row_when_the_environment_lends_one() {
    use journey_ir::layout::{Codec, ContactLayout, ProfileValue};
    let types = [
        Type::Int,
        Type::Float,
        Type::Duration,
        Type::Time,
        Type::Date,
        Type::Enum(journey_ir::EnumId(0)),
        Type::Bool,
        Type::String,
        Type::List(Box::new(Type::String)),
    ];
    let optional = |ty: &Type| Type::Optional(Box::new(ty.clone()));
    let mut program = Program {
        enums: vec![vec!["a".into(), "b".into()]],
        profile: types
            .iter()
            .enumerate()
            .map(|(i, ty)| journey_ir::ProfileField {
                name: format!("f{i}"),
                ty: optional(ty),
                default: None,
            })
            .collect(),
        ..Program::default()
    };
    // The slots of the fields used by name (0 to 2 are the `int`, `float` and `duration`).
    let [time, date, variant, flag, name, list] = [3, 4, 5, 6, 7, 8];
    // In the row: every field present but `time`, whose value bytes are not 0 all the same.
    let row_values = [
        Value::Int(-5),
        Value::Float(-0.5),
        Value::Duration(3_600),
        Value::Time(77),
        Value::Date(-3),
        Value::Enum(u32::MAX),
        Value::Bool(true),
    ];
    let layout = ContactLayout::of(&program);
    let mut row = vec![0u8; layout.size as usize];
    let mut ends = Vec::new();
    for (slot, place) in layout.profile.iter().enumerate() {
        row[place.present as usize] = u8::from(slot != time);
        let mut end = place.present as usize + 1;
        if let ProfileValue::Row { at, codec } = place.value {
            let at = at as usize;
            let bytes = match (codec, &row_values[slot]) {
                (Codec::Int, Value::Int(v))
                | (Codec::Duration, Value::Duration(v))
                | (Codec::Time, Value::Time(v)) => v.to_le_bytes().to_vec(),
                (Codec::Float, Value::Float(v)) => v.to_bits().to_le_bytes().to_vec(),
                (Codec::Date, Value::Date(v)) => v.to_le_bytes().to_vec(),
                (Codec::Enum, Value::Enum(v)) => v.to_le_bytes().to_vec(),
                (Codec::Bool, Value::Bool(v)) => vec![u8::from(*v)],
                other => panic!("slot {slot}: {other:?}"),
            };
            row[at..at + bytes.len()].copy_from_slice(&bytes);
            end = end.max(at + bytes.len());
        } else {
            assert!(
                slot == name || slot == list,
                "slot {slot} is not in the row"
            );
        }
        ends.push(end);
    }
    let reads: Vec<ExprId> = (0..types.len())
        .map(|slot| {
            push(
                &mut program,
                optional(&types[slot]),
                ExprKind::Profile(ProfileSlot(slot as u32)),
            )
        })
        .collect();
    let is_set: Vec<[ExprId; 2]> = reads
        .iter()
        .map(|read| {
            [false, true]
                .map(|negated| push(&mut program, Type::Bool, ExprKind::IsSet(*read, negated)))
        })
        .collect();
    // Compared with constants, which compare bits: a date's days are sign-extended and an
    // enum's variant zero-extended, as in a record's value.
    let compare = |program: &mut Program, op: CompareOp, slot: usize, c: Const| {
        let ty = match c {
            Const::Date(_) => Type::Date,
            Const::Enum(_) => types[variant].clone(),
            _ => Type::Bool,
        };
        let c = push(program, ty, ExprKind::Const(c));
        push(program, Type::Bool, ExprKind::Compare(op, reads[slot], c))
    };
    let comparisons = [
        compare(&mut program, CompareOp::Eq, date, Const::Date(-3)),
        compare(&mut program, CompareOp::Lt, date, Const::Date(0)),
        compare(&mut program, CompareOp::Eq, variant, Const::Enum(u32::MAX)),
        compare(&mut program, CompareOp::Eq, flag, Const::Bool(true)),
    ];
    let not_flag = push(&mut program, Type::Bool, ExprKind::Not(reads[flag]));
    let jit = journey_jit::compile(&program).unwrap();

    // The environment's answers differ from the row's: every field missing but the strings.
    let mut asked = vec![Value::Missing; types.len()];
    asked[name] = Value::Str(Arc::from("asked"));
    asked[list] = Value::List(Arc::from(vec![Value::Str(Arc::from("asked"))]));
    let lent = ProfileRow::new(Some(row.clone()), None, asked.clone());
    for (slot, expected) in row_values.iter().enumerate() {
        let expected = if slot == time {
            Value::Missing
        } else {
            expected.clone()
        };
        assert_eq!(jit.eval(reads[slot], &lent), expected, "slot {slot}");
        assert_eq!(jit.eval(is_set[slot][0], &lent), Value::Bool(slot != time));
        assert_eq!(jit.eval(is_set[slot][1], &lent), Value::Bool(slot == time));
    }
    for comparison in comparisons {
        assert!(jit.eval_bool(comparison, &lent));
    }
    assert_eq!(jit.eval(not_flag, &lent), Value::Bool(false));
    // `is set` of a string or a list is its present byte too: the environment is not asked.
    for slot in [name, list] {
        assert!(jit.eval_bool(is_set[slot][0], &lent));
        assert!(!jit.eval_bool(is_set[slot][1], &lent));
    }
    assert_eq!(lent.calls.get(), 0, "the environment was asked");
    // Their values are not in the row: the environment answers.
    assert_eq!(jit.eval(reads[name], &lent), asked[name]);
    assert_eq!(jit.eval(reads[list], &lent), asked[list]);
    assert_eq!(lent.calls.get(), 2);
    // A string missing in the row is not set, whatever the environment says.
    let mut unset = row.clone();
    unset[layout.profile[name].present as usize] = 0;
    let env = ProfileRow::new(Some(unset), None, asked.clone());
    assert!(!jit.eval_bool(is_set[name][0], &env));
    assert!(jit.eval_bool(is_set[name][1], &env));
    assert_eq!(env.calls.get(), 0);

    // A row one byte too short to hold a field (its present byte or its value): the field is
    // read as before, `profile_is_set` answering `is set` (the profile record when there is
    // one); long enough: from the row.
    for slot in 0..types.len() {
        let present = layout.profile[slot].present as usize;
        for (len, from_row) in [(ends[slot], true), (ends[slot] - 1, false)] {
            let env = ProfileRow::new(Some(row[..len].to_vec()), None, asked.clone());
            let value = jit.eval(reads[slot], &env);
            if slot != name && slot != list {
                let expected = match (from_row, slot == time) {
                    (true, false) => row_values[slot].clone(),
                    _ => Value::Missing,
                };
                assert_eq!(value, expected, "slot {slot}, a row of {len} bytes");
            }
            let set = jit.eval_bool(is_set[slot][0], &env);
            let expected = if len > present {
                slot != time
            } else {
                !asked[slot].is_missing()
            };
            assert_eq!(set, expected, "slot {slot} is set, a row of {len} bytes");
        }
    }

    // No row: the profile record answers when there is one, else the environment.
    let record: Vec<Value> = vec![
        Value::Int(7),
        Value::Missing,
        Value::Duration(1),
        Value::Time(2),
        Value::Date(3),
        Value::Enum(1),
        Value::Bool(false),
        Value::Str(Arc::from("record")),
        Value::Missing,
    ];
    let present: Vec<Value> = vec![
        Value::Int(99),
        Value::Float(2.5),
        Value::Missing,
        Value::Time(9),
        Value::Date(-9),
        Value::Missing,
        Value::Bool(true),
        Value::Missing,
        Value::List(Arc::from(Vec::new())),
    ];
    for env in [
        ProfileRow::new(None, Some(record.clone()), present.clone()),
        ProfileRow::new(Some(Vec::new()), Some(record.clone()), present.clone()),
    ] {
        for slot in 0..types.len() {
            assert_eq!(jit.eval(reads[slot], &env), record[slot], "slot {slot}");
            let set = !record[slot].is_missing();
            assert_eq!(jit.eval_bool(is_set[slot][0], &env), set, "slot {slot}");
            assert_eq!(jit.eval_bool(is_set[slot][1], &env), !set, "slot {slot}");
        }
        assert_eq!(env.calls.get(), 0, "the environment was asked");
    }
    let env = ProfileRow::new(None, None, present.clone());
    for slot in 0..types.len() {
        assert_eq!(jit.eval(reads[slot], &env), present[slot], "slot {slot}");
        let calls = env.calls.get();
        let set = !present[slot].is_missing();
        assert_eq!(jit.eval_bool(is_set[slot][0], &env), set, "slot {slot}");
        assert_eq!(jit.eval_bool(is_set[slot][1], &env), !set, "slot {slot}");
        // One question each, of `profile_is_set`: no value made.
        assert_eq!(env.calls.get(), calls + 2, "slot {slot}");
    }
    // The interpreter agrees with each environment that agrees with itself.
    let interpreter = Interpreter::new(&program);
    let env = ProfileRow::new(None, None, present);
    for index in 0..program.exprs.len() {
        let id = ExprId(index as u32);
        assert_eq!(
            jit.eval(id, &env),
            interpreter.eval(id, &env),
            "expr {index}"
        );
    }
}

/// An environment that lends a contact row holding history aggregates (or none), while
/// `history` answers from `asked` (and counts its calls), so that a test sees which of them a
/// read used.
struct HistoryRow {
    row: Option<Vec<u8>>,
    asked: Vec<Value>,
    now: i64,
    calls: std::cell::Cell<u32>,
}

impl HistoryRow {
    fn new(row: Option<Vec<u8>>, asked: Vec<Value>, now: i64) -> HistoryRow {
        HistoryRow {
            row,
            asked,
            now,
            calls: std::cell::Cell::new(0),
        }
    }
}

impl Env for HistoryRow {
    fn event_field(&self, _event: EventId, _slot: u32) -> Value {
        Value::Missing
    }
    fn binding_field(&self, _binding: BindingId, _event: EventId, _slot: u32) -> Value {
        Value::Missing
    }
    fn profile(&self, _slot: ProfileSlot) -> Value {
        Value::Missing
    }
    fn score_points(&self, _score: ScoreId) -> i64 {
        0
    }
    fn history(&self, history: HistoryId) -> Value {
        self.calls.set(self.calls.get() + 1);
        self.asked
            .get(history.index())
            .cloned()
            .unwrap_or(Value::Missing)
    }
    fn now(&self) -> i64 {
        self.now
    }
    fn contact_row(&self) -> Option<&[u8]> {
        self.row.as_deref()
    }
}

#[test]
fn history_aggregates_are_loaded_from_the_contact_row_when_the_environment_lends_one() {
    use journey_ir::layout::{self, Codec, ContactLayout, HistoryRow as Place};
    use journey_ir::{EventType, Field, History, HistoryFunction, HistoryWindow};
    // `last` of a field of every scalar kind, strings included.
    let types = [
        Type::Int,
        Type::Float,
        Type::Duration,
        Type::Time,
        Type::Date,
        Type::Enum(journey_ir::EnumId(0)),
        Type::Bool,
        Type::String,
    ];
    let optional = |ty: &Type| Type::Optional(Box::new(ty.clone()));
    let history = |function, field, window| History {
        function,
        event: EventId(0),
        filter: None,
        field,
        window,
        key: None,
    };
    let mut histories = vec![
        history(HistoryFunction::Count, None, HistoryWindow::All),
        history(HistoryFunction::Since, None, HistoryWindow::All),
        // Kept in side storage: always asked.
        history(HistoryFunction::Count, None, HistoryWindow::Within(60)),
    ];
    let [count, since, windowed] = [0usize, 1, 2];
    let first_last = histories.len();
    for slot in 0..types.len() {
        histories.push(history(
            HistoryFunction::Last,
            Some(slot as u32),
            HistoryWindow::All,
        ));
    }
    let last = |slot: usize| first_last + slot;
    let string = last(7);
    let mut program = Program {
        enums: vec![vec!["a".into(), "b".into()]],
        events: vec![EventType {
            name: "t.e".into(),
            fields: types
                .iter()
                .enumerate()
                .map(|(i, ty)| Field {
                    name: format!("f{i}"),
                    ty: optional(ty),
                })
                .collect(),
        }],
        histories,
        ..Program::default()
    };
    let mut history_types = vec![Type::Int, optional(&Type::Duration), Type::Int];
    history_types.extend(types.iter().map(optional));
    let reads: Vec<ExprId> = history_types
        .iter()
        .enumerate()
        .map(|(h, ty)| {
            push(
                &mut program,
                ty.clone(),
                ExprKind::History(HistoryId(h as u32)),
            )
        })
        .collect();
    // Reads whose static type does not allow the row's value: missing, as from the helper.
    let mistyped = [
        push(
            &mut program,
            Type::Bool,
            ExprKind::History(HistoryId(count as u32)),
        ),
        push(
            &mut program,
            Type::Int,
            ExprKind::History(HistoryId(since as u32)),
        ),
        push(
            &mut program,
            Type::Date,
            ExprKind::History(HistoryId(last(0) as u32)),
        ),
    ];
    let layout = ContactLayout::of(&program);

    // The row: every aggregate's state, and the length a row needs to hold each read's bytes.
    let now = layout::INSTANT_BASE + 10_000;
    let row_values = [
        Value::Int(-5),
        Value::Float(-0.5),
        Value::Duration(3_600),
        Value::Time(77),
        Value::Date(-3),
        Value::Enum(u32::MAX),
        Value::Bool(true),
    ];
    let mut row = vec![0u8; layout.size as usize];
    let put = |row: &mut Vec<u8>, at: u32, bytes: &[u8]| {
        row[at as usize..at as usize + bytes.len()].copy_from_slice(bytes);
    };
    let instant = |o: i32| o.to_le_bytes();
    let mut ends = vec![0usize; program.histories.len()];
    for (h, place) in layout.histories.iter().enumerate() {
        match *place {
            Place::Count { count: at } => {
                assert_eq!(h, count);
                put(&mut row, at, &(1i64 << 40).to_le_bytes());
                ends[h] = at as usize + 8;
            }
            Place::Since { at } => {
                assert_eq!(h, since);
                // 2500 s before now.
                put(&mut row, at, &instant(7_500));
                ends[h] = at as usize + 4;
            }
            Place::Last {
                at,
                present,
                value,
                codec,
            } => {
                let slot = h - first_last;
                put(&mut row, at, &instant(-1_000_000));
                row[present as usize] = 1;
                let bytes = match (codec, row_values.get(slot)) {
                    (Codec::Int, Some(Value::Int(v)))
                    | (Codec::Duration, Some(Value::Duration(v)))
                    | (Codec::Time, Some(Value::Time(v))) => v.to_le_bytes().to_vec(),
                    (Codec::Float, Some(Value::Float(v))) => v.to_bits().to_le_bytes().to_vec(),
                    (Codec::Date, Some(Value::Date(v))) => v.to_le_bytes().to_vec(),
                    (Codec::Enum, Some(Value::Enum(v))) => v.to_le_bytes().to_vec(),
                    (Codec::Bool, Some(Value::Bool(v))) => vec![u8::from(*v)],
                    // A number in the runtime's table of strings.
                    (Codec::Str, None) => 0u32.to_le_bytes().to_vec(),
                    other => panic!("aggregate {h}: {other:?}"),
                };
                put(&mut row, value, &bytes);
                ends[h] = (at as usize + 4)
                    .max(present as usize + 1)
                    .max(value as usize + bytes.len());
            }
            Place::Side { .. } => assert_eq!(h, windowed),
        }
    }
    let from_row = |h: usize| h != windowed && h != string;
    let jit = journey_jit::compile(&program).unwrap();

    // The environment's answers differ from the row's.
    let asked: Vec<Value> = (0..program.histories.len())
        .map(|h| match h {
            h if h == windowed => Value::Int(3),
            h if h == string => Value::Str(Arc::from("asked")),
            h if h == since => Value::Duration(-1),
            _ => Value::Missing,
        })
        .collect();
    let mut expected = vec![
        Value::Int(1 << 40),
        Value::Duration(2_500),
        asked[windowed].clone(),
    ];
    expected.extend(row_values.iter().cloned());
    expected.push(asked[string].clone());
    let lent = HistoryRow::new(Some(row.clone()), asked.clone(), now);
    for (h, read) in reads.iter().enumerate() {
        let calls = lent.calls.get();
        assert_eq!(jit.eval(*read, &lent), expected[h], "aggregate {h}");
        let asked_now = lent.calls.get() - calls;
        assert_eq!(asked_now, u32::from(!from_row(h)), "aggregate {h}: asked");
    }
    assert!(jit.eval_bool(reads[last(6)], &lent));
    for read in mistyped {
        assert_eq!(jit.eval(read, &lent), Value::Missing);
    }

    // `since` saturates, as `i64::saturating_sub`.
    let early = HistoryRow::new(Some(row.clone()), asked.clone(), i64::MIN + 5);
    assert_eq!(jit.eval(reads[since], &early), Value::Duration(i64::MIN));
    let late = HistoryRow::new(Some(row.clone()), asked.clone(), i64::MAX);
    assert_eq!(
        jit.eval(reads[since], &late),
        Value::Duration(i64::MAX - (layout::INSTANT_BASE + 7_500))
    );

    // No event (the instant `i32::MIN`): missing, whatever the other bytes say; the event
    // lacked the field (present byte 0): missing; a `last` whose instant is kept aside has
    // still seen an event: its value is read from the row. A `since` kept aside is not in the
    // row: the environment answers.
    let place = |h: usize| layout.histories[h];
    let Place::Since { at: since_at } = place(since) else {
        unreachable!()
    };
    for (h, o, present, expected) in [
        (since, i32::MIN, None, Value::Missing),
        (last(0), i32::MIN, None, Value::Missing),
        (last(6), i32::MIN, None, Value::Missing),
        (last(0), 5, Some(0u8), Value::Missing),
        (last(4), 5, Some(0), Value::Missing),
        (last(6), 5, Some(0), Value::Missing),
        (last(0), layout::INSTANT_ASIDE, None, row_values[0].clone()),
        (last(5), layout::INSTANT_ASIDE, None, row_values[5].clone()),
        (last(3), i32::MAX, Some(2), row_values[3].clone()),
    ] {
        let mut changed = row.clone();
        let at = match place(h) {
            Place::Since { at } => at,
            Place::Last { at, present: p, .. } => {
                if let Some(byte) = present {
                    changed[p as usize] = byte;
                }
                at
            }
            other => panic!("{other:?}"),
        };
        put(&mut changed, at, &instant(o));
        let env = HistoryRow::new(Some(changed), asked.clone(), now);
        assert_eq!(
            jit.eval(reads[h], &env),
            expected,
            "aggregate {h}, instant {o}"
        );
        assert_eq!(env.calls.get(), 0, "aggregate {h}, instant {o}: asked");
    }
    let mut aside = row.clone();
    put(&mut aside, since_at, &instant(layout::INSTANT_ASIDE));
    let env = HistoryRow::new(Some(aside), asked.clone(), now);
    assert_eq!(jit.eval(reads[since], &env), Value::Duration(-1));
    assert_eq!(env.calls.get(), 1);
    // An instant one past `INSTANT_ASIDE` is in the row.
    let mut earliest = row.clone();
    put(&mut earliest, since_at, &instant(layout::INSTANT_ASIDE + 1));
    let env = HistoryRow::new(Some(earliest), asked.clone(), 0);
    assert_eq!(
        jit.eval(reads[since], &env),
        Value::Duration(-(layout::INSTANT_BASE + i64::from(layout::INSTANT_ASIDE) + 1))
    );
    assert_eq!(env.calls.get(), 0);

    // A row one byte too short to hold a read's bytes: the environment answers; long enough:
    // the row. No row: the environment.
    for (h, read) in reads.iter().enumerate() {
        if !from_row(h) {
            continue;
        }
        for (len, from_row) in [(ends[h], true), (ends[h] - 1, false), (0, false)] {
            let env = HistoryRow::new(Some(row[..len].to_vec()), asked.clone(), now);
            let want = if from_row {
                expected[h].clone()
            } else {
                asked[h].clone()
            };
            assert_eq!(
                jit.eval(*read, &env),
                want,
                "aggregate {h}, a row of {len} bytes"
            );
            assert_eq!(
                env.calls.get(),
                u32::from(!from_row),
                "aggregate {h}, {len} bytes"
            );
        }
        let env = HistoryRow::new(None, asked.clone(), now);
        assert_eq!(jit.eval(*read, &env), asked[h], "aggregate {h}, no row");
    }

    // The interpreter, asking `history`, agrees with an environment whose answers are the
    // row's.
    let interpreter = Interpreter::new(&program);
    let env = HistoryRow::new(Some(row.clone()), expected.clone(), now);
    for read in &reads {
        assert_eq!(jit.eval(*read, &env), interpreter.eval(*read, &env));
    }
}
