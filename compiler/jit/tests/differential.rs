//! Differential test of the two backends: proptest generates random well-typed expression trees
//! (depth at most 5) over a small fixed program, and random contacts (every slot a random value
//! of its type or missing: extreme `int`s, NaN, infinities and -0.0, an `int` where a `float` is
//! declared, empty strings and strings that are prefixes of each other); every node of every tree
//! (the root inlined, the inner nodes as calls) must evaluate to the same value on [`Interpreter`]
//! and on the JIT over 8 contacts (NaNs count as equal, other floats are compared bit for bit).
//!
//! Budget: 512 cases from a fixed seed, a few seconds in a debug build on 2 cores. Override with
//! `PROPTEST_CASES=N` (more cases) and `PROPTEST_RNG_SEED=S` (another seed), e.g.
//! `PROPTEST_CASES=20000 PROPTEST_RNG_SEED=7 cargo test -p journey-jit --test differential`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;
use std::time::Instant;

use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::{BoxedStrategy, Union};
use proptest::test_runner::{Config, RngSeed, TestRunner};

use journey_check::types::Type;
use journey_ir::eval::{Env, Evaluator, Interpreter, Value};
use journey_ir::{
    ArithOp, BindingId, CompareOp, Const, EventId, Expr, ExprId, ExprKind, HistoryId, ProfileSlot,
    Program, ScoreId, SegmentId,
};

/// Cases when `PROPTEST_CASES` does not say.
const CASES: u32 = 512;
/// The seed when `PROPTEST_RNG_SEED` does not say.
const SEED: u64 = 0x6a69_745f_6469_6666;
/// The deepest tree.
const DEPTH: u32 = 5;
/// Random contacts each compiled tree is evaluated over (compiling costs far more).
const CONTACTS: usize = 8;

/// The fixed program: its tables give the leaves; its expressions are replaced by each case's.
const PROGRAM: &str = r#"
event t.e {
  n: int
  x: float
  s: string
  o: string?
  m: int?
  y: float?
  d: duration?
  w: time?
  day: date?
  flag: bool?
  kind: enum { red, green, blue }
}
event t.f { v: int  r: float  label: string }

profile {
  plan: string?
  size: int? = 3
  ratio: float = 0
  tags: list<string> = []
  born: date?
  vip: bool = false
  tier: enum { gold, silver } = gold
}

policy { consent email when true }

segment big = (profile.size ?? 0) > 10

score lead {
  on t.e where n > 3 => +5
}

journey j {
  enter on t.e as ev
  send email "x" with {
    a: count(t.f within 7d),
    b: sum(t.f.v within 7d),
    c: sum(t.f.r within 7d),
    e: min(t.f.v within 30d),
    f: max(t.f.r within 30d),
    g: avg(t.f.v within 30d),
    h: last(t.f).label,
    i: since(t.f),
    k: lead,
    l: big,
    p: ev.n,
  }
}
"#;

/// The kinds of value the generator builds trees of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum T {
    Bool,
    Int,
    Float,
    Str,
    Dur,
    Time,
    Date,
    Enum,
    ListStr,
    ListInt,
}

const ALL: [T; 10] = [
    T::Bool,
    T::Int,
    T::Float,
    T::Str,
    T::Dur,
    T::Time,
    T::Date,
    T::Enum,
    T::ListStr,
    T::ListInt,
];

impl T {
    fn of(ty: &Type) -> Option<T> {
        Some(match ty.unwrap_optional() {
            Type::Bool => T::Bool,
            Type::Int => T::Int,
            Type::Float => T::Float,
            Type::String => T::Str,
            Type::Duration => T::Dur,
            Type::Time => T::Time,
            Type::Date => T::Date,
            Type::Enum(_) => T::Enum,
            Type::List(inner) if **inner == Type::String => T::ListStr,
            Type::List(inner) if **inner == Type::Int => T::ListInt,
            _ => return None,
        })
    }

    fn ty(self) -> Type {
        match self {
            T::Bool => Type::Bool,
            T::Int => Type::Int,
            T::Float => Type::Float,
            T::Str => Type::String,
            T::Dur => Type::Duration,
            T::Time => Type::Time,
            T::Date => Type::Date,
            T::Enum => Type::Enum(journey_check::types::EnumId(0)),
            T::ListStr => Type::List(Box::new(Type::String)),
            T::ListInt => Type::List(Box::new(Type::Int)),
        }
    }
}

/// An operator node of a generated tree.
#[derive(Clone, Debug)]
enum Node {
    Leaf(ExprKind),
    Not,
    Neg,
    And,
    Or,
    Compare(CompareOp),
    Arith(ArithOp),
    Coalesce,
    IsSet(bool),
    In,
    Contains,
    StartsWith,
    EndsWith,
    List,
}

/// A generated expression tree.
#[derive(Clone, Debug)]
struct Tree {
    ty: Type,
    node: Node,
    kids: Vec<Tree>,
}

impl Tree {
    /// Adds the tree to an arena, children first; its id.
    fn flatten(&self, exprs: &mut Vec<Expr>) -> ExprId {
        let kids: Vec<ExprId> = self.kids.iter().map(|k| k.flatten(exprs)).collect();
        let k = |i: usize| kids[i];
        let kind = match &self.node {
            Node::Leaf(kind) => kind.clone(),
            Node::Not => ExprKind::Not(k(0)),
            Node::Neg => ExprKind::Neg(k(0)),
            Node::And => ExprKind::And(k(0), k(1)),
            Node::Or => ExprKind::Or(k(0), k(1)),
            Node::Compare(op) => ExprKind::Compare(*op, k(0), k(1)),
            Node::Arith(op) => ExprKind::Arith(*op, k(0), k(1)),
            Node::Coalesce => ExprKind::Coalesce(k(0), k(1)),
            Node::IsSet(negated) => ExprKind::IsSet(k(0), *negated),
            Node::In => ExprKind::In(k(0), k(1)),
            Node::Contains => ExprKind::Contains(k(0), k(1)),
            Node::StartsWith => ExprKind::StartsWith(k(0), k(1)),
            Node::EndsWith => ExprKind::EndsWith(k(0), k(1)),
            Node::List => ExprKind::List(kids.clone()),
        };
        exprs.push(Expr {
            ty: self.ty.clone(),
            kind,
        });
        ExprId((exprs.len() - 1) as u32)
    }
}

/// The slots of the fixed program, by kind of value.
struct Leaves {
    by_kind: Vec<(T, ExprKind, Type)>,
}

impl Leaves {
    fn of(program: &Program) -> Leaves {
        let mut by_kind = Vec::new();
        let mut add = |kind: ExprKind, ty: &Type| {
            if let Some(t) = T::of(ty) {
                by_kind.push((t, kind, ty.clone()));
            }
        };
        for (slot, field) in program.events[0].fields.iter().enumerate() {
            add(ExprKind::EventField(EventId(0), slot as u32), &field.ty);
            add(
                ExprKind::BindingField(BindingId(0), EventId(0), slot as u32),
                &field.ty,
            );
        }
        for (slot, field) in program.profile.iter().enumerate() {
            add(ExprKind::Profile(ProfileSlot(slot as u32)), &field.ty);
        }
        for expr in &program.exprs {
            if let ExprKind::History(_) = expr.kind {
                add(expr.kind.clone(), &expr.ty);
            }
        }
        add(ExprKind::Score(ScoreId(0)), &Type::Int);
        add(ExprKind::Segment(SegmentId(0)), &Type::Bool);
        add(ExprKind::Now, &Type::Time);
        Leaves { by_kind }
    }

    fn of_kind(&self, t: T) -> Vec<(ExprKind, Type)> {
        self.by_kind
            .iter()
            .filter(|(k, _, _)| *k == t)
            .map(|(_, kind, ty)| (kind.clone(), ty.clone()))
            .collect()
    }
}

fn int() -> BoxedStrategy<i64> {
    prop_oneof![
        3 => select(common::INTS.to_vec()),
        1 => any::<i64>(),
        1 => -100i64..100,
    ]
    .boxed()
}

fn float() -> BoxedStrategy<f64> {
    prop_oneof![
        3 => select(common::FLOATS.to_vec()),
        1 => any::<f64>(),
        1 => (-100i64..100).prop_map(|v| v as f64 / 4.0),
    ]
    .boxed()
}

fn string() -> BoxedStrategy<Arc<str>> {
    select(common::STRINGS.to_vec()).prop_map(Arc::from).boxed()
}

fn constant(t: T) -> BoxedStrategy<Tree> {
    let c = |t: T, s: BoxedStrategy<Const>| {
        s.prop_map(move |c| Tree {
            ty: t.ty(),
            node: Node::Leaf(ExprKind::Const(c)),
            kids: Vec::new(),
        })
        .boxed()
    };
    match t {
        T::Bool => c(t, any::<bool>().prop_map(Const::Bool).boxed()),
        T::Int => c(t, int().prop_map(Const::Int).boxed()),
        T::Float => c(t, float().prop_map(Const::Float).boxed()),
        T::Str => c(
            t,
            string().prop_map(|s| Const::String(s.to_string())).boxed(),
        ),
        T::Dur => c(t, int().prop_map(Const::Duration).boxed()),
        T::Time => c(t, int().prop_map(Const::Time).boxed()),
        T::Date => c(
            t,
            prop_oneof![any::<i32>(), -1000i32..1000]
                .prop_map(Const::Date)
                .boxed(),
        ),
        T::Enum => c(t, (0u32..3).prop_map(Const::Enum).boxed()),
        T::ListStr | T::ListInt => Just(Tree {
            ty: Type::List(Box::new(Type::Unknown)),
            node: Node::List,
            kids: Vec::new(),
        })
        .boxed(),
    }
}

fn leaf(t: T, leaves: &Leaves) -> BoxedStrategy<Tree> {
    let slots = leaves.of_kind(t);
    if slots.is_empty() {
        return constant(t);
    }
    let slot = select(slots)
        .prop_map(|(kind, ty)| Tree {
            ty,
            node: Node::Leaf(kind),
            kids: Vec::new(),
        })
        .boxed();
    prop_oneof![constant(t), slot].boxed()
}

/// A tree of kind `t`, built only when a value is drawn (so that the strategies of deep trees
/// are not all made up front).
fn lazy(t: T, depth: u32, leaves: Arc<Leaves>) -> BoxedStrategy<Tree> {
    Just(())
        .prop_flat_map(move |()| tree(t, depth, leaves.clone()))
        .boxed()
}

/// The result type of arithmetic, as the checker gives it (`Error` when it has none).
fn arith_type(op: ArithOp, a: &Type, b: &Type) -> Type {
    use Type::*;
    match (op, a.unwrap_optional(), b.unwrap_optional()) {
        (_, Int, Int) => Int,
        (_, Int | Float, Int | Float) => Float,
        (ArithOp::Add | ArithOp::Sub, Duration, Duration) => Duration,
        (ArithOp::Add | ArithOp::Sub, Time, Duration) | (ArithOp::Add, Duration, Time) => Time,
        (ArithOp::Sub, Time, Time) => Duration,
        (ArithOp::Mul, Duration, Int) | (ArithOp::Mul, Int, Duration) => Duration,
        (ArithOp::Div, Duration, Int) => Duration,
        (ArithOp::Add, String, String) => String,
        _ => Error,
    }
}

fn node(node: Node, ty: Type, kids: Vec<Tree>) -> Tree {
    Tree { ty, node, kids }
}

fn tree(t: T, depth: u32, leaves: Arc<Leaves>) -> BoxedStrategy<Tree> {
    let leaf = leaf(t, &leaves);
    if depth == 0 {
        return leaf;
    }
    let sub = |t: T| lazy(t, depth - 1, leaves.clone());
    let unary = |n: Node, a: T| {
        sub(a)
            .prop_map(move |a| {
                let ty = match n {
                    Node::Neg => a.ty.clone(),
                    _ => Type::Bool,
                };
                node(n.clone(), ty, vec![a])
            })
            .boxed()
    };
    let binary = |n: Node, a: T, b: T| {
        (sub(a), sub(b))
            .prop_map(move |(a, b)| {
                let ty = match &n {
                    Node::Arith(op) => arith_type(*op, &a.ty, &b.ty),
                    Node::Coalesce => match (a.ty.unwrap_optional(), b.ty.unwrap_optional()) {
                        (Type::Int, Type::Float) | (Type::Float, Type::Int) => Type::Float,
                        (inner, _) => inner.clone(),
                    },
                    _ => Type::Bool,
                };
                node(n.clone(), ty, vec![a, b])
            })
            .boxed()
    };
    let arith = |a: T, b: T| {
        (
            select(vec![ArithOp::Add, ArithOp::Sub, ArithOp::Mul, ArithOp::Div]),
            sub(a),
            sub(b),
        )
            .prop_map(|(op, a, b)| node(Node::Arith(op), arith_type(op, &a.ty, &b.ty), vec![a, b]))
            .boxed()
    };
    let compare = |ops: Vec<CompareOp>, a: T, b: T| {
        (select(ops), sub(a), sub(b))
            .prop_map(|(op, a, b)| node(Node::Compare(op), Type::Bool, vec![a, b]))
            .boxed()
    };
    let list = |item: T| {
        proptest::collection::vec(sub(item), 0..4)
            .prop_map(move |items| node(Node::List, Type::List(Box::new(item.ty())), items))
            .boxed()
    };
    let coalesce = binary(Node::Coalesce, t, t);
    let all_ops = vec![
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Lt,
        CompareOp::Le,
        CompareOp::Gt,
        CompareOp::Ge,
    ];
    let eq_ops = vec![CompareOp::Eq, CompareOp::Ne];
    // Leaves are rarer near the root, so that trees are bushy rather than mostly leaves.
    let leaf_weight = if depth + 1 >= DEPTH { 1 } else { 5 };
    let mut ops: Vec<(u32, BoxedStrategy<Tree>)> = vec![(leaf_weight, leaf), (1, coalesce)];
    match t {
        T::Bool => {
            ops.push((2, unary(Node::Not, T::Bool)));
            ops.push((2, binary(Node::And, T::Bool, T::Bool)));
            ops.push((2, binary(Node::Or, T::Bool, T::Bool)));
            for (a, b) in [
                (T::Int, T::Int),
                (T::Float, T::Float),
                (T::Int, T::Float),
                (T::Str, T::Str),
                (T::Dur, T::Dur),
                (T::Time, T::Time),
                (T::Date, T::Date),
            ] {
                ops.push((3, compare(all_ops.clone(), a, b)));
            }
            for (a, b) in [
                (T::Bool, T::Bool),
                (T::Enum, T::Enum),
                (T::ListStr, T::ListStr),
                (T::ListInt, T::ListInt),
            ] {
                ops.push((1, compare(eq_ops.clone(), a, b)));
            }
            // Operands of any kinds: the interpreter defines every pair.
            let any_kind = select(ALL.to_vec());
            let l = leaves.clone();
            ops.push((
                1,
                (select(all_ops.clone()), any_kind.clone(), any_kind)
                    .prop_flat_map(move |(op, a, b)| {
                        (lazy(a, depth - 1, l.clone()), lazy(b, depth - 1, l.clone()))
                            .prop_map(move |(a, b)| node(Node::Compare(op), Type::Bool, vec![a, b]))
                    })
                    .boxed(),
            ));
            let l = leaves.clone();
            ops.push((
                2,
                (select(ALL.to_vec()), any::<bool>())
                    .prop_flat_map(move |(a, negated)| {
                        lazy(a, depth - 1, l.clone())
                            .prop_map(move |a| node(Node::IsSet(negated), Type::Bool, vec![a]))
                    })
                    .boxed(),
            ));
            ops.push((1, binary(Node::In, T::Str, T::ListStr)));
            ops.push((1, binary(Node::In, T::Int, T::ListInt)));
            ops.push((1, binary(Node::In, T::Float, T::ListInt)));
            ops.push((1, binary(Node::Contains, T::ListStr, T::Str)));
            ops.push((1, binary(Node::Contains, T::ListInt, T::Int)));
            ops.push((1, binary(Node::Contains, T::Str, T::Str)));
            ops.push((1, binary(Node::StartsWith, T::Str, T::Str)));
            ops.push((1, binary(Node::EndsWith, T::Str, T::Str)));
        }
        T::Int => {
            ops.push((1, unary(Node::Neg, T::Int)));
            ops.push((3, arith(T::Int, T::Int)));
            // Arithmetic on operands of any kinds (mostly missing, as in the interpreter).
            let l = leaves.clone();
            ops.push((
                1,
                (
                    select(vec![ArithOp::Add, ArithOp::Sub, ArithOp::Mul, ArithOp::Div]),
                    select(ALL.to_vec()),
                    select(ALL.to_vec()),
                )
                    .prop_flat_map(move |(op, a, b)| {
                        (lazy(a, depth - 1, l.clone()), lazy(b, depth - 1, l.clone())).prop_map(
                            move |(a, b)| {
                                node(Node::Arith(op), arith_type(op, &a.ty, &b.ty), vec![a, b])
                            },
                        )
                    })
                    .boxed(),
            ));
        }
        T::Float => {
            ops.push((1, unary(Node::Neg, T::Float)));
            ops.push((3, arith(T::Float, T::Float)));
            ops.push((1, arith(T::Int, T::Float)));
            // An `int` where a `float` is expected.
            ops.push((2, sub(T::Int)));
        }
        T::Str => {
            ops.push((
                2,
                (sub(T::Str), sub(T::Str))
                    .prop_map(|(a, b)| node(Node::Arith(ArithOp::Add), Type::String, vec![a, b]))
                    .boxed(),
            ));
        }
        T::Dur => {
            ops.push((1, unary(Node::Neg, T::Dur)));
            for (a, b) in [
                (T::Dur, T::Dur),
                (T::Time, T::Time),
                (T::Dur, T::Int),
                (T::Int, T::Dur),
            ] {
                ops.push((1, arith(a, b)));
            }
        }
        T::Time => {
            for (a, b) in [(T::Time, T::Dur), (T::Dur, T::Time)] {
                ops.push((2, arith(a, b)));
            }
        }
        T::Date | T::Enum => {}
        T::ListStr => ops.push((3, list(T::Str))),
        T::ListInt => ops.push((3, list(T::Int))),
    }
    Union::new_weighted(ops).boxed()
}

/// One random contact: a value for every slot the trees can read.
#[derive(Clone, Debug)]
struct Contact {
    event: Vec<Value>,
    binding: Vec<Value>,
    profile: Vec<Value>,
    histories: Vec<Value>,
    score: i64,
    segment: bool,
    now: i64,
}

impl Env for Contact {
    fn event_field(&self, _event: EventId, slot: u32) -> Value {
        self.event
            .get(slot as usize)
            .cloned()
            .unwrap_or(Value::Missing)
    }
    fn binding_field(&self, _binding: BindingId, _event: EventId, slot: u32) -> Value {
        self.binding
            .get(slot as usize)
            .cloned()
            .unwrap_or(Value::Missing)
    }
    fn profile(&self, slot: ProfileSlot) -> Value {
        self.profile
            .get(slot.index())
            .cloned()
            .unwrap_or(Value::Missing)
    }
    fn score(&self, _score: ScoreId) -> i64 {
        self.score
    }
    fn segment(&self, _segment: SegmentId) -> bool {
        self.segment
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
}

/// A value of a type, or missing (one time in five, whatever the type).
fn value(ty: &Type) -> BoxedStrategy<Value> {
    let present: BoxedStrategy<Value> = match ty.unwrap_optional() {
        Type::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        Type::Int => int().prop_map(Value::Int).boxed(),
        // An `int` may sit where a `float` is declared (a default, a `set`).
        Type::Float => prop_oneof![
            3 => float().prop_map(Value::Float),
            1 => int().prop_map(Value::Int),
        ]
        .boxed(),
        Type::String => string().prop_map(Value::Str).boxed(),
        Type::Duration => int().prop_map(Value::Duration).boxed(),
        Type::Time => int().prop_map(Value::Time).boxed(),
        Type::Date => any::<i32>().prop_map(Value::Date).boxed(),
        Type::Enum(_) => (0u32..3).prop_map(Value::Enum).boxed(),
        Type::List(inner) => proptest::collection::vec(value(inner), 0..4)
            .prop_map(|items| Value::List(items.into()))
            .boxed(),
        _ => Just(Value::Missing).boxed(),
    };
    prop_oneof![1 => Just(Value::Missing), 4 => present].boxed()
}

fn contact(program: &Program) -> BoxedStrategy<Contact> {
    let record: Vec<BoxedStrategy<Value>> = program.events[0]
        .fields
        .iter()
        .map(|f| value(&f.ty))
        .collect();
    let profile: Vec<BoxedStrategy<Value>> = program.profile.iter().map(|f| value(&f.ty)).collect();
    let mut history_types = vec![Type::Unknown; program.histories.len()];
    for expr in &program.exprs {
        if let ExprKind::History(id) = expr.kind {
            history_types[id.index()] = expr.ty.clone();
        }
    }
    let histories: Vec<BoxedStrategy<Value>> = history_types.iter().map(value).collect();
    (
        record.clone(),
        record,
        profile,
        histories,
        int(),
        any::<bool>(),
        int(),
    )
        .prop_map(
            |(event, binding, profile, histories, score, segment, now)| Contact {
                event,
                binding,
                profile,
                histories,
                score,
                segment,
                now,
            },
        )
        .boxed()
}

fn config() -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(CASES);
    let seed = std::env::var("PROPTEST_RNG_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(SEED);
    Config {
        cases,
        rng_seed: RngSeed::Fixed(seed),
        failure_persistence: None,
        // A failure is shrunk for at most this long (milliseconds).
        max_shrink_time: 30_000,
        ..Config::default()
    }
}

#[test]
fn jit_and_interpreter_agree_on_random_expressions() {
    let base = common::load(&[("fixed.journey".to_string(), PROGRAM.to_string())]);
    let leaves = Arc::new(Leaves::of(&base));
    for t in [
        T::Bool,
        T::Int,
        T::Float,
        T::Str,
        T::Dur,
        T::Time,
        T::Date,
        T::Enum,
    ] {
        assert!(!leaves.of_kind(t).is_empty(), "no slot of kind {t:?}");
    }
    let roots: Vec<(u32, BoxedStrategy<Tree>)> = ALL
        .iter()
        .map(|t| {
            let weight = if *t == T::Bool { 6 } else { 1 };
            (weight, tree(*t, DEPTH, leaves.clone()))
        })
        .collect();
    let contacts = proptest::collection::vec(contact(&base), CONTACTS);
    let strategy = (Union::new_weighted(roots), contacts);

    let config = config();
    let cases = config.cases;
    let mut runner = TestRunner::new(config);
    let start = Instant::now();
    let nodes = std::cell::Cell::new(0usize);
    let result = runner.run(&strategy, |(tree, contacts)| {
        let mut program = base.clone();
        program.exprs.clear();
        tree.flatten(&mut program.exprs);
        nodes.set(nodes.get() + program.exprs.len());
        let jit = journey_jit::compile(&program)
            .map_err(|e| TestCaseError::fail(format!("does not compile: {e}")))?;
        let interpreter = Interpreter::new(&program);
        for (c, contact) in contacts.iter().enumerate() {
            for index in 0..program.exprs.len() {
                let id = ExprId(index as u32);
                let native = jit.eval(id, contact);
                let reference = interpreter.eval(id, contact);
                prop_assert!(
                    common::same(&native, &reference),
                    "expression {index} ({:?}), contact {c}: the JIT gave {native}, the \
                     interpreter {reference}\narena: {:#?}",
                    program.expr(id).kind,
                    program.exprs
                );
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    println!(
        "{cases} cases, {} expressions, all agree, in {:.1} s",
        nodes.get(),
        start.elapsed().as_secs_f64()
    );
}
