//! The JIT's contract beyond values: errors are reported (never a panic, never a fallback),
//! panics in the environment reach the caller, evaluation may re-enter, and compiled programs
//! can be made and dropped at will.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use journey_check::types::Type;
use journey_ir::eval::{Env, Evaluator, Interpreter, Value};
use journey_ir::{
    BindingId, CompareOp, Const, EventId, Expr, ExprId, ExprKind, HistoryId, ProfileSlot, Program,
    ScoreId, SegmentId,
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
    fn score(&self, _score: ScoreId) -> i64 {
        42
    }
    fn segment(&self, _segment: SegmentId) -> bool {
        true
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

/// An environment whose segment is itself an expression of the same compiled program.
struct Nested<'a> {
    jit: &'a journey_jit::JitProgram,
    segment: ExprId,
}

impl Env for Nested<'_> {
    fn event_field(&self, _event: EventId, _slot: u32) -> Value {
        Value::Str(Arc::from("outer"))
    }
    fn binding_field(&self, _binding: BindingId, _event: EventId, _slot: u32) -> Value {
        Value::Missing
    }
    fn profile(&self, _slot: ProfileSlot) -> Value {
        Value::Missing
    }
    fn score(&self, _score: ScoreId) -> i64 {
        0
    }
    fn segment(&self, _segment: SegmentId) -> bool {
        self.jit.eval_bool(self.segment, &Fixed { panic: false })
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
    // The segment: `profile.x == "pro"` (true in `Fixed`).
    let profile = push(
        &mut program,
        Type::String,
        ExprKind::Profile(ProfileSlot(0)),
    );
    let pro = push(
        &mut program,
        Type::String,
        ExprKind::Const(Const::String("pro".into())),
    );
    let segment = push(
        &mut program,
        Type::Bool,
        ExprKind::Compare(CompareOp::Eq, profile, pro),
    );
    // The outer expression reads a string, then the segment, then the string again.
    let field = push(
        &mut program,
        Type::String,
        ExprKind::EventField(EventId(0), 0),
    );
    let seg = push(&mut program, Type::Bool, ExprKind::Segment(SegmentId(0)));
    let items = push(
        &mut program,
        Type::List(Box::new(Type::String)),
        ExprKind::List(vec![field, pro]),
    );
    let both = push(&mut program, Type::Bool, ExprKind::And(seg, seg));
    let inside = push(&mut program, Type::Bool, ExprKind::In(field, items));
    let all = push(&mut program, Type::Bool, ExprKind::And(both, inside));
    let jit = journey_jit::compile(&program).unwrap();
    let env = Nested { jit: &jit, segment };
    for _ in 0..3 {
        assert_eq!(jit.eval(all, &env), Value::Bool(true));
        assert_eq!(
            jit.eval(items, &env),
            Value::List(Arc::from(vec![
                Value::Str(Arc::from("outer")),
                Value::Str(Arc::from("pro")),
            ]))
        );
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
