//! Differential test of the two backends: proptest generates random well-typed expression trees
//! (depth at most 5) over a small fixed program, whose segments and scores' `while` rules are
//! generated trees too (each may read the segments and scores defined before it), and random
//! contacts (every slot a random value of its type or missing: extreme `int`s, NaN, infinities
//! and -0.0, an `int` where a `float` is declared, empty strings and strings that are prefixes of
//! each other, strings that are the program's literal `Arc`s and equal copies of them); every
//! node of every tree (the root inlined, the inner nodes as calls) must evaluate to the same
//! value on [`Interpreter`] and on the JIT over 8 contacts (NaNs count as equal, other floats
//! are compared bit for bit), with `eval` and `eval_bool`. Each contact is evaluated twice by
//! the JIT: handing out its records (the event being matched, sometimes shorter than its type or
//! of the other event type, the profile, and the records of some bindings, whole or a prefix of
//! their fields, while other bindings have none or an id past the JIT's records), which compiled
//! code reads directly, and without them, through `Env`'s methods only. Every other contact
//! lends, instead of a profile record, a contact row laid out by the program's `ContactLayout`
//! (whole, or sometimes only its first bytes), holding its scores' points and its profile
//! fields (the present byte of each, the value of each scalar): the profile has a field of every
//! kind, optional and not, so that compiled code loads each codec from the row, reads `is set`
//! from the present byte, and asks `profile` and `profile_is_set` for the rest, while the
//! interpreter asks them for everything. The row also holds the history aggregates the layout
//! puts there (running `count`s, `since`, `last` of a scalar field of every codec), written as
//! the runtime would (an instant none, kept aside, or near the contact's `now`; a present byte;
//! a value), with `history` answering what the runtime reads from it: compiled code loads them
//! (asking `history` for an instant kept aside, a `last` of a string, and aggregates kept
//! elsewhere), while the interpreter asks `history` for all.
//!
//! The root is also the filter of the journey's `enter on`, and each case adds generated
//! filters over the event's own fields as score rules: both backends' `eval_event_filters` for
//! the event must set exactly the bits of the filters the interpreter's `eval_bool` says hold.
//!
//! Budget: 512 cases from a fixed seed, about 25 s in a debug build on 2 cores (mostly Cranelift,
//! itself a debug build, compiling each case: five trees and their segments). Override with
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

use journey_ir::eval::{Env, Evaluator, Interpreter, Value};
use journey_ir::filters::{EventFilters, FilterBits};
use journey_ir::layout::{Codec, ContactLayout, HistoryRow, ProfileValue};
use journey_ir::layout::{INSTANT_ASIDE, INSTANT_BASE};
use journey_ir::Type;
use journey_ir::{
    ArithOp, BindingId, CompareOp, Const, Entry, EventId, Expr, ExprId, ExprKind, HistoryId,
    ProfileSlot, Program, ScoreId, ScoreOn, ScoreWhile, SegmentId,
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
  names: list<string>
  counts: list<int>?
}
event t.f { v: int  r: float  label: string }

// Every kind of field, optional and not: the scalars are kept in the contact's row, the strings
// and lists elsewhere (see `Contact::with_row`).
profile {
  plan: string?
  nick: string = "vi"
  size: int? = 3
  visits: int = 0
  ratio: float = 0
  weight: float?
  tags: list<string> = []
  born: date?
  joined: date = 2020-02-29
  vip: bool = false
  opted: bool?
  tier: enum { gold, silver } = gold
  band: enum { low, mid, high }?
  lag: duration?
  grace: duration = 3d
  seen: time?
  signup: time = 2026-01-01T00:00:00Z
}

policy { consent email when true }

// The conditions of these segments and `while` rules are replaced by generated trees, in this
// order: each may read the ones before it.
segment big = (profile.size ?? 0) > 10

score lead {
  on t.e where n > 3 => +5
  while big => +2
}

segment fans = big and lead > 3

score heat {
  on t.f => +1
  while fans => -4
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
    // Kept in the contact's row (see `Contact::with_row`): running counts, `since`, and `last`
    // of a scalar field of every codec.
    q: count(t.f since enter),
    r: count(t.e since enter),
    s: since(t.e),
    t: last(t.f).v,
    u: last(t.f).r,
    v: last(t.e).x,
    w: last(t.e).m,
    x: last(t.e).d,
    y: last(t.e).w,
    z: last(t.e).day,
    aa: last(t.e).flag,
    ab: last(t.e).kind,
    k: lead,
    l: big,
    m: heat,
    n: fans,
    p: ev.n,
  }
}
"#;

/// The bindings trees read, and their events: some with a place for their record in the JIT's
/// context (ids below 4), one without (id 6, always asked of `binding_field`).
const BINDINGS: [(BindingId, EventId); 4] = [
    (BindingId(0), EventId(0)),
    (BindingId(1), EventId(1)),
    (BindingId(3), EventId(0)),
    (BindingId(6), EventId(1)),
];

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
            T::Enum => Type::Enum(journey_ir::EnumId(0)),
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
    /// The profile fields, of every kind.
    profile: Vec<(ExprKind, Type)>,
}

impl Leaves {
    /// The slots of the program, and these segments and scores.
    fn of(program: &Program, segments: &[SegmentId], scores: &[ScoreId]) -> Leaves {
        let mut by_kind = Vec::new();
        let mut add = |kind: ExprKind, ty: &Type| {
            if let Some(t) = T::of(ty) {
                by_kind.push((t, kind, ty.clone()));
            }
        };
        for (event, definition) in program.events.iter().enumerate() {
            for (slot, field) in definition.fields.iter().enumerate() {
                add(
                    ExprKind::EventField(EventId(event as u32), slot as u32),
                    &field.ty,
                );
            }
        }
        for (binding, event) in BINDINGS {
            for (slot, field) in program.events[event.index()].fields.iter().enumerate() {
                add(
                    ExprKind::BindingField(binding, event, slot as u32),
                    &field.ty,
                );
            }
        }
        let mut profile = Vec::new();
        for (slot, field) in program.profile.iter().enumerate() {
            let kind = ExprKind::Profile(ProfileSlot(slot as u32));
            add(kind.clone(), &field.ty);
            profile.push((kind, field.ty.clone()));
        }
        for expr in &program.exprs {
            if let ExprKind::History(_) = expr.kind {
                add(expr.kind.clone(), &expr.ty);
            }
        }
        for score in scores {
            add(ExprKind::Score(*score), &Type::Int);
        }
        for segment in segments {
            add(ExprKind::Segment(*segment), &Type::Bool);
        }
        add(ExprKind::Now, &Type::Time);
        Leaves { by_kind, profile }
    }

    /// The fields of one event type, and `now`: what an event filter reads.
    fn of_event(program: &Program, event: EventId) -> Leaves {
        let mut by_kind = Vec::new();
        for (slot, field) in program.events[event.index()].fields.iter().enumerate() {
            if let Some(t) = T::of(&field.ty) {
                by_kind.push((
                    t,
                    ExprKind::EventField(event, slot as u32),
                    field.ty.clone(),
                ));
            }
        }
        by_kind.push((T::Time, ExprKind::Now, Type::Time));
        Leaves {
            by_kind,
            profile: Vec::new(),
        }
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
        T::Str => c(t, string().prop_map(Const::String).boxed()),
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

/// The result type of arithmetic, as lowering gives it (`Unknown` when the checker has none).
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
        _ => Unknown,
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
            // `profile.f is set` of a field of any kind: its present byte in a row, or asked.
            if !leaves.profile.is_empty() {
                ops.push((
                    1,
                    (select(leaves.profile.clone()), any::<bool>())
                        .prop_map(|((kind, ty), negated)| {
                            let field = Tree {
                                ty,
                                node: Node::Leaf(kind),
                                kids: Vec::new(),
                            };
                            node(Node::IsSet(negated), Type::Bool, vec![field])
                        })
                        .boxed(),
                ));
            }
            // A slot against a literal or another slot, as filters mostly are: the strings'
            // `Arc`s compared in compiled code (same allocation, lengths) before any call.
            let strings = || crate::leaf(T::Str, &leaves);
            ops.push((
                3,
                (select(eq_ops.clone()), strings(), strings())
                    .prop_map(|(op, a, b)| node(Node::Compare(op), Type::Bool, vec![a, b]))
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

/// A binding's fields, and the record handed out for it (see [`Contact::bindings`]).
type BindingFields = (Vec<Value>, Option<Vec<Value>>);

/// One random contact: a value for every slot the trees can read.
#[derive(Clone, Debug)]
struct Contact {
    /// The fields of each event type (`t.e`, `t.f`).
    events: [Vec<Value>; 2],
    /// The event being matched (0 or 1): its record is handed out, which may be shorter than
    /// its type (the missing slots read as missing through `event_field` too).
    current: usize,
    /// The fields of each of [`BINDINGS`], and the record `binding_record` hands out (`None`:
    /// none), a copy of all of the fields or of their first ones (in an allocation of its own,
    /// so that a read past its end would not find the next field). The slots past a shorter
    /// record are answered by `binding_field`, which compiled code must then ask.
    bindings: Vec<BindingFields>,
    /// The profile, handed out as the profile record when the contact lends no row; it may be
    /// shorter than the profile (the missing slots read as missing through `profile` too).
    profile: Vec<Value>,
    /// Each history aggregate's value, as `history` answers it.
    histories: Vec<Value>,
    /// For each history aggregate the row holds the instant of (`since`, `last`), the offset
    /// its row holds: `i32::MIN` (no event), `INSTANT_ASIDE` (kept outside the row), or an
    /// instant (see [`Contact::with_row`]).
    instants: Vec<i32>,
    /// Each score's event points.
    points: [i64; 2],
    /// The contact's row lent to compiled code (`None`: none), holding `points` and the profile
    /// fields at the offsets of the program's layout (see [`Contact::with_row`]).
    row: Option<Vec<u8>>,
    /// How many bytes of its row a contact that lends one lends (at most the layout's size): a
    /// shorter row holds only the fields before its end, the others are asked.
    row_len: u32,
    now: i64,
    /// Whether its strings equal to a literal of the program are that literal's `Arc` (as the
    /// runtime's decoder makes them), or copies.
    interned: bool,
}

impl Contact {
    /// The contact with its strings (in lists too) made the program's literals' `Arc`s where
    /// equal, if it is an interned one.
    fn intern(&self, literals: &[Arc<str>]) -> Contact {
        if !self.interned {
            return self.clone();
        }
        fn one(value: &Value, literals: &[Arc<str>]) -> Value {
            match value {
                Value::Str(s) => literals
                    .iter()
                    .find(|l| **l == *s)
                    .map_or_else(|| value.clone(), |l| Value::Str(Arc::clone(l))),
                Value::List(items) => Value::List(items.iter().map(|i| one(i, literals)).collect()),
                other => other.clone(),
            }
        }
        let all = |values: &[Value]| values.iter().map(|v| one(v, literals)).collect();
        Contact {
            events: [all(&self.events[0]), all(&self.events[1])],
            bindings: self
                .bindings
                .iter()
                .map(|(fields, record)| (all(fields), record.as_deref().map(all)))
                .collect(),
            profile: all(&self.profile),
            histories: all(&self.histories),
            ..self.clone()
        }
    }
}

impl Contact {
    /// The contact lending a row (its first `row_len` bytes) that holds its scores' points and
    /// its profile fields where `layout` puts them: each field's present byte, and a scalar's
    /// value as its codec says. It then gives no profile record, so that compiled code reads
    /// the row, or asks `profile` and `profile_is_set` (which answer from the same values). An
    /// `int` in a `float` field is stored, as the runtime stores it, as a `float`: it is made
    /// one in the profile too. The row holds the history aggregates the layout puts there too,
    /// `history` answering as the runtime reads them (see [`Contact::write_histories`]).
    fn with_row(mut self, layout: &ContactLayout) -> Contact {
        let mut row = vec![0u8; layout.size as usize];
        for (at, points) in layout.scores.iter().zip(self.points) {
            let at = at.points as usize;
            row[at..at + 8].copy_from_slice(&points.to_le_bytes());
        }
        for (slot, place) in layout.profile.iter().enumerate() {
            let value = match self.profile.get_mut(slot) {
                Some(value) => value,
                None => continue,
            };
            if value.is_missing() {
                continue;
            }
            row[place.present as usize] = 1;
            let ProfileValue::Row { at, codec } = place.value else {
                continue;
            };
            if let (Codec::Float, Value::Int(v)) = (codec, &*value) {
                *value = Value::Float(*v as f64);
            }
            let bytes = scalar_bytes(codec, value).unwrap_or_else(|| {
                panic!("profile slot {slot}: a value of another codec: {codec:?}, {value:?}")
            });
            let at = at as usize;
            row[at..at + bytes.len()].copy_from_slice(&bytes);
        }
        self.write_histories(layout, &mut row);
        row.truncate(self.row_len as usize);
        self.row = Some(row);
        self
    }
}

impl Contact {
    /// Writes into `row` the history aggregates `layout` keeps there, and makes the values
    /// `history` answers for them those the runtime reads from such a row: a running count is
    /// its `int` (0 for a generated missing one); `since` is missing when its instant (from
    /// `instants`) is none, the saturating `now - instant` when it is in the row, and the
    /// generated value when it is kept aside (which compiled code must ask for); `last` is
    /// missing when its instant is none, else its present byte and value (an `int` in a
    /// `float` field made a `float`, as for the profile). A `last` of a string that saw an
    /// event keeps its generated value (the row holds a number in the runtime's table of
    /// strings, which compiled code does not read: it asks).
    fn write_histories(&mut self, layout: &ContactLayout, row: &mut [u8]) {
        let put = |row: &mut [u8], at: u32, bytes: &[u8]| {
            row[at as usize..at as usize + bytes.len()].copy_from_slice(bytes);
        };
        for (h, place) in layout.histories.iter().enumerate() {
            let Some(value) = self.histories.get_mut(h) else {
                continue;
            };
            let o = self.instants.get(h).copied().unwrap_or(i32::MIN);
            match *place {
                HistoryRow::Count { count } => {
                    let v = match value {
                        Value::Int(v) => *v,
                        _ => 0,
                    };
                    *value = Value::Int(v);
                    put(row, count, &v.to_le_bytes());
                }
                HistoryRow::Since { at } => {
                    put(row, at, &o.to_le_bytes());
                    match o {
                        i32::MIN => *value = Value::Missing,
                        INSTANT_ASIDE => {}
                        o => {
                            let instant = INSTANT_BASE + i64::from(o);
                            *value = Value::Duration(self.now.saturating_sub(instant));
                        }
                    }
                }
                HistoryRow::Last {
                    at,
                    present,
                    value: value_at,
                    codec,
                } => {
                    // An `int` in a `float` field is stored as a `float`.
                    if let (Codec::Float, Value::Int(v)) = (codec, &*value) {
                        *value = Value::Float(*v as f64);
                    }
                    put(row, at, &o.to_le_bytes());
                    row[present as usize] = u8::from(!value.is_missing());
                    if !value.is_missing() {
                        let bytes = match (codec, &*value) {
                            (Codec::Str, Value::Str(_)) => 0u32.to_le_bytes().to_vec(),
                            (codec, value) => scalar_bytes(codec, value)
                                .unwrap_or_else(|| panic!("aggregate {h}: {codec:?}, {value:?}")),
                        };
                        put(row, value_at, &bytes);
                    }
                    // With no event, the present byte and value are written all the same: the
                    // instant alone says the aggregate is missing.
                    if o == i32::MIN {
                        *value = Value::Missing;
                    }
                }
                HistoryRow::Side { .. } => {}
            }
        }
    }
}

/// The bytes a row stores a scalar value in, as `codec` says (none for a value of another kind
/// and for a string, which the row keeps as a number in the runtime's table).
fn scalar_bytes(codec: Codec, value: &Value) -> Option<Vec<u8>> {
    Some(match (codec, value) {
        (Codec::Int, Value::Int(v))
        | (Codec::Duration, Value::Duration(v))
        | (Codec::Time, Value::Time(v)) => v.to_le_bytes().to_vec(),
        (Codec::Float, Value::Float(v)) => v.to_bits().to_le_bytes().to_vec(),
        (Codec::Date, Value::Date(v)) => v.to_le_bytes().to_vec(),
        (Codec::Enum, Value::Enum(v)) => v.to_le_bytes().to_vec(),
        (Codec::Bool, Value::Bool(v)) => vec![u8::from(*v)],
        _ => return None,
    })
}

impl Env for Contact {
    fn event_field(&self, event: EventId, slot: u32) -> Value {
        self.events
            .get(event.index())
            .and_then(|fields| fields.get(slot as usize))
            .cloned()
            .unwrap_or(Value::Missing)
    }
    fn binding_field(&self, binding: BindingId, _event: EventId, slot: u32) -> Value {
        self.binding(binding)
            .and_then(|(fields, _)| fields.get(slot as usize))
            .cloned()
            .unwrap_or(Value::Missing)
    }
    fn profile(&self, slot: ProfileSlot) -> Value {
        self.profile
            .get(slot.index())
            .cloned()
            .unwrap_or(Value::Missing)
    }
    fn score_points(&self, score: ScoreId) -> i64 {
        self.points.get(score.index()).copied().unwrap_or(0)
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
        Some((EventId(self.current as u32), &self.events[self.current]))
    }
    fn profile_record(&self) -> Option<&[Value]> {
        // A contact that keeps its profile in a row has no record of `Value`s.
        self.row.is_none().then_some(&self.profile[..])
    }
    fn binding_record(&self, binding: BindingId) -> Option<&[Value]> {
        self.binding(binding)?.1.as_deref()
    }
    fn contact_row(&self) -> Option<&[u8]> {
        self.row.as_deref()
    }
}

impl Contact {
    /// The fields of a binding and how many are handed out as its record.
    fn binding(&self, binding: BindingId) -> Option<&BindingFields> {
        let index = BINDINGS.iter().position(|(b, _)| *b == binding)?;
        self.bindings.get(index)
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

/// The values of a record of fields of these types, sometimes without its last slots.
fn record(types: Vec<Type>) -> BoxedStrategy<Vec<Value>> {
    let values: Vec<BoxedStrategy<Value>> = types.iter().map(value).collect();
    let len = types.len();
    (values, prop_oneof![3 => Just(len), 1 => 0..=len])
        .prop_map(|(mut values, len)| {
            values.truncate(len);
            values
        })
        .boxed()
}

/// The time of an input: any `int`, or one an instant of the row can be near.
fn now() -> BoxedStrategy<i64> {
    prop_oneof![
        3 => int(),
        2 => (-200_000i64..200_000).prop_map(|d| INSTANT_BASE + d),
    ]
    .boxed()
}

/// The 4 bytes of an instant in a row, as an offset from `INSTANT_BASE`: none, kept aside, the
/// earliest, any, or one near `INSTANT_BASE` (and so near some generated `now`s).
fn instant() -> BoxedStrategy<i32> {
    prop_oneof![
        1 => Just(i32::MIN),
        1 => Just(INSTANT_ASIDE),
        1 => Just(INSTANT_ASIDE + 1),
        1 => any::<i32>(),
        3 => -100_000i32..100_000,
    ]
    .boxed()
}

fn contact(program: &Program) -> BoxedStrategy<Contact> {
    // Each binding's fields, and its record: none, all of them, or a prefix.
    let bindings: Vec<BoxedStrategy<BindingFields>> = BINDINGS
        .iter()
        .map(|(_, event)| {
            let fields: Vec<BoxedStrategy<Value>> = program.events[event.index()]
                .fields
                .iter()
                .map(|f| value(&f.ty))
                .collect();
            let len = fields.len();
            let record = prop_oneof![
                1 => Just(None),
                2 => Just(Some(len)),
                1 => (0..=len).prop_map(Some),
            ];
            (fields, record)
                .prop_map(|(fields, record): (Vec<Value>, Option<usize>)| {
                    let record = record.map(|n| fields[..n].to_vec());
                    (fields, record)
                })
                .boxed()
        })
        .collect();
    let types = |fields: &[journey_ir::Field]| fields.iter().map(|f| f.ty.clone()).collect();
    let profile: Vec<Type> = program.profile.iter().map(|f| f.ty.clone()).collect();
    let mut history_types = vec![Type::Unknown; program.histories.len()];
    for expr in &program.exprs {
        if let ExprKind::History(id) = expr.kind {
            history_types[id.index()] = expr.ty.clone();
        }
    }
    let histories: Vec<BoxedStrategy<Value>> = history_types.iter().map(value).collect();
    (
        (
            record(types(&program.events[0].fields)),
            record(types(&program.events[1].fields)),
            prop_oneof![3 => Just(0usize), 1 => Just(1usize)],
        ),
        bindings,
        record(profile),
        histories,
        (int(), int()),
        (now(), prop_oneof![2 => Just(u32::MAX), 1 => 0u32..256]),
        any::<bool>(),
        proptest::collection::vec(instant(), program.histories.len()),
    )
        .prop_map(
            |(
                (e, f, current),
                bindings,
                profile,
                histories,
                (p0, p1),
                (now, row_len),
                interned,
                instants,
            )| Contact {
                events: [e, f],
                current,
                bindings,
                profile,
                histories,
                instants,
                points: [p0, p1],
                row: None,
                row_len,
                now,
                interned,
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

/// The depth of the trees of segments and `while` rules.
const RULE_DEPTH: u32 = 3;

/// Generated `while` rules: conditions and points (extremes included, so that sums saturate).
fn rules(leaves: Arc<Leaves>) -> BoxedStrategy<Vec<(Tree, i64)>> {
    let points = prop_oneof![
        3 => -5i64..6,
        1 => select(vec![i64::MAX, i64::MIN, i64::MAX - 1]),
    ];
    proptest::collection::vec((tree(T::Bool, RULE_DEPTH, leaves), points), 0..3).boxed()
}

/// A generated case: the root tree, and the trees of the program's segments and scores.
#[derive(Clone, Debug)]
struct Case {
    root: Tree,
    big: Tree,
    lead: Vec<(Tree, i64)>,
    fans: Tree,
    heat: Vec<(Tree, i64)>,
    /// Filters over the event `t.e`'s fields, added as score rules.
    filters: Vec<Tree>,
    /// Whether equal string literals share one `Arc`, as lowering makes them.
    shared: bool,
}

/// Equal string constants made to share the first one's `Arc`.
fn share_literals(exprs: &mut [Expr]) {
    let mut seen: Vec<Arc<str>> = Vec::new();
    for expr in exprs {
        if let ExprKind::Const(Const::String(s)) = &mut expr.kind {
            match seen.iter().find(|l| **l == *s) {
                Some(first) => *s = Arc::clone(first),
                None => seen.push(Arc::clone(s)),
            }
        }
    }
}

#[test]
fn jit_and_interpreter_agree_on_random_expressions() {
    let base = common::load(&[("fixed.journey".to_string(), PROGRAM.to_string())]);
    let segment =
        |name: &str| SegmentId(base.segments.iter().position(|s| s.name == name).unwrap() as u32);
    let score =
        |name: &str| ScoreId(base.scores.iter().position(|s| s.name == name).unwrap() as u32);
    let (big, fans) = (segment("big"), segment("fans"));
    let (lead, heat) = (score("lead"), score("heat"));
    // Each tree reads the segments and scores defined before it, so that none contains itself.
    let leaves =
        |segments: &[SegmentId], scores: &[ScoreId]| Arc::new(Leaves::of(&base, segments, scores));
    let all = leaves(&[big, fans], &[lead, heat]);
    for t in ALL
        .into_iter()
        .filter(|t| !matches!(t, T::ListStr | T::ListInt))
    {
        assert!(!all.of_kind(t).is_empty(), "no slot of kind {t:?}");
    }
    let roots: Vec<(u32, BoxedStrategy<Tree>)> = ALL
        .iter()
        .map(|t| {
            let weight = if *t == T::Bool { 6 } else { 1 };
            (weight, tree(*t, DEPTH, all.clone()))
        })
        .collect();
    let case = (
        Union::new_weighted(roots),
        tree(T::Bool, RULE_DEPTH, leaves(&[], &[])),
        rules(leaves(&[big], &[])),
        tree(T::Bool, RULE_DEPTH, leaves(&[big], &[lead])),
        rules(leaves(&[big, fans], &[lead])),
        proptest::collection::vec(
            tree(
                T::Bool,
                RULE_DEPTH,
                Arc::new(Leaves::of_event(&base, EventId(0))),
            ),
            0..4,
        ),
        any::<bool>(),
    )
        .prop_map(|(root, big, lead, fans, heat, filters, shared)| Case {
            root,
            big,
            lead,
            fans,
            heat,
            filters,
            shared,
        });
    let contacts = proptest::collection::vec(contact(&base), CONTACTS);
    let strategy = (case, contacts);

    let config = config();
    let cases = config.cases;
    let mut runner = TestRunner::new(config);
    let start = Instant::now();
    let nodes = std::cell::Cell::new(0usize);
    let batches = std::cell::Cell::new(0usize);
    let direct = std::cell::Cell::new(0usize);
    let (whole, partial) = (std::cell::Cell::new(0usize), std::cell::Cell::new(0usize));
    let row_reads = std::cell::Cell::new(0usize);
    let history_reads = std::cell::Cell::new(0usize);
    let result = runner.run(&strategy, |(case, contacts)| {
        let mut program = base.clone();
        program.exprs.clear();
        let exprs = &mut program.exprs;
        let rules = |rules: &[(Tree, i64)], exprs: &mut Vec<Expr>| -> Vec<ScoreWhile> {
            rules
                .iter()
                .map(|(tree, points)| ScoreWhile {
                    condition: tree.flatten(exprs),
                    points: *points,
                })
                .collect()
        };
        program.segments[big.index()].condition = case.big.flatten(exprs);
        program.scores[lead.index()].while_rules = rules(&case.lead, exprs);
        program.segments[fans.index()].condition = case.fans.flatten(exprs);
        program.scores[heat.index()].while_rules = rules(&case.heat, exprs);
        let root = case.root.flatten(exprs);
        let filters: Vec<ExprId> = case.filters.iter().map(|f| f.flatten(exprs)).collect();
        for filter in &filters {
            program.scores[heat.index()].on_rules.push(ScoreOn {
                event: EventId(0),
                filter: Some(*filter),
                points: 1,
                cap: None,
            });
        }
        if let Entry::On { event, filter, .. } = &mut program.journeys[0].entry {
            *event = EventId(0);
            *filter = Some(root);
        }
        // As lowering does: the table every backend reads.
        program.filters = EventFilters::new(&program);
        let event_filters = program.filters.clone();
        let batched = event_filters.of(EventId(0)).to_vec();
        for filter in &filters {
            prop_assert!(
                event_filters.bit(*filter).is_some(),
                "filter {filter:?} is not batched"
            );
        }
        batches.set(batches.get() + batched.len());
        if case.shared {
            share_literals(&mut program.exprs);
        }
        nodes.set(nodes.get() + program.exprs.len());
        let literals: Vec<Arc<str>> = program.string_literals().cloned().collect();
        let jit = journey_jit::compile(&program)
            .map_err(|e| TestCaseError::fail(format!("does not compile: {e}")))?;
        let interpreter = Interpreter::new(&program);
        let layout = ContactLayout::of(&program);
        for (c, contact) in contacts.iter().enumerate() {
            // Every other contact lends its row, so that both ways of reading a score or a
            // profile field agree.
            let contact = match c % 2 {
                0 => contact.intern(&literals).with_row(&layout),
                _ => contact.intern(&literals),
            };
            if let Some(row) = &contact.row {
                // The profile reads and `is set`s whose present byte the row holds.
                let profile_slot = |id: ExprId| match program.exprs[id.index()].kind {
                    ExprKind::Profile(slot) => Some(slot),
                    _ => None,
                };
                let held = program
                    .exprs
                    .iter()
                    .filter_map(|expr| match expr.kind {
                        ExprKind::Profile(slot) => Some(slot),
                        ExprKind::IsSet(x, _) => profile_slot(x),
                        _ => None,
                    })
                    .filter(|slot| (layout.profile[slot.index()].present as usize) < row.len())
                    .count();
                row_reads.set(row_reads.get() + held);
                // The history reads of an aggregate the row holds (whole or partly).
                let held = program
                    .exprs
                    .iter()
                    .filter_map(|expr| match expr.kind {
                        ExprKind::History(h) => Some(layout.histories[h.index()]),
                        _ => None,
                    })
                    .filter(|place| match *place {
                        HistoryRow::Count { count: at }
                        | HistoryRow::Since { at }
                        | HistoryRow::Last { at, .. } => (at as usize) < row.len(),
                        HistoryRow::Side { .. } => false,
                    })
                    .count();
                history_reads.set(history_reads.get() + held);
            }
            if contact.current == 0 && contact.events[0].len() == base.events[0].fields.len() {
                direct.set(direct.get() + 1);
            }
            for (fields, record) in &contact.bindings {
                match record {
                    Some(r) if r.len() == fields.len() => whole.set(whole.get() + 1),
                    Some(_) => partial.set(partial.get() + 1),
                    None => {}
                }
            }
            let mut reference_bits = FilterBits::default();
            interpreter.eval_event_filters(EventId(0), &contact, &mut reference_bits);
            // Every filter, copies of one another included, reads its own answer.
            for filter in batched.iter().chain(&filters) {
                let bit = event_filters.bit(*filter).unwrap();
                prop_assert_eq!(
                    reference_bits.get(bit),
                    interpreter.eval_bool(*filter, &contact),
                    "the interpreter's bit {} (filter {:?})",
                    bit,
                    filter
                );
            }
            for (how, env) in [
                ("with records", &contact as &dyn Env),
                ("without records", &common::WithoutRecords(&contact)),
            ] {
                let mut bits = FilterBits::default();
                jit.eval_event_filters(EventId(0), env, &mut bits);
                for (bit, filter) in batched.iter().enumerate() {
                    prop_assert_eq!(
                        bits.get(bit),
                        reference_bits.get(bit),
                        "the JIT's bit {} (filter {:?}) {}\narena: {:#?}\ncontact: {:?}",
                        bit,
                        filter,
                        how,
                        program.exprs,
                        contact
                    );
                }
            }
            for index in 0..program.exprs.len() {
                let id = ExprId(index as u32);
                let reference = interpreter.eval(id, &contact);
                let truth = interpreter.eval_bool(id, &contact);
                let envs: [(&str, &dyn Env); 2] = [
                    ("with records", &contact),
                    ("without records", &common::WithoutRecords(&contact)),
                ];
                for (how, env) in envs {
                    let native = jit.eval(id, env);
                    prop_assert!(
                        common::same(&native, &reference),
                        "expression {index} ({:?}), contact {c} {how}: the JIT gave {native}, \
                         the interpreter {reference}\narena: {:#?}\nsegments: {:?}\nscores: \
                         {:?}\ncontact: {contact:?}",
                        program.expr(id).kind,
                        program.exprs,
                        program.segments,
                        program.scores,
                    );
                    prop_assert_eq!(
                        jit.eval_bool(id, env),
                        truth,
                        "eval_bool of expression {} {}",
                        index,
                        how
                    );
                }
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    println!(
        "{cases} cases, {} expressions, {} event filters, all agree, {} contacts with a whole \
         record of the trees' main event, {} whole and {} partial binding records, {} profile \
         reads and `is set`s over a row that holds the field, {} history reads over a row that \
         holds the aggregate (or part of it), in {:.1} s",
        nodes.get(),
        batches.get(),
        direct.get(),
        whole.get(),
        partial.get(),
        row_reads.get(),
        history_reads.get(),
        start.elapsed().as_secs_f64()
    );
}
