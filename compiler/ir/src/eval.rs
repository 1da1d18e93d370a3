//! The evaluator interface and the reference interpreter, which defines what every expression
//! means. A compiled backend implements [`Evaluator`] too and must agree with [`Interpreter`] on
//! every expression and every input.
//!
//! Semantics decided here (and written in `docs/reference.md` §8):
//! - a missing value (`T?` without a value) equals only another missing value; every other
//!   operator that meets a missing operand cannot happen in a checked program, and yields
//!   missing if a backend is handed one anyway;
//! - `int` arithmetic saturates at the 64-bit limits, and `int / 0` is `0`; `float` follows IEEE
//!   754; `int` widens to `float` when the other operand is a `float`;
//! - `and` and `or` short-circuit;
//! - string comparison is by Unicode scalar values (byte order of UTF-8).

use std::cmp::Ordering;
use std::sync::Arc;

use crate::filters::FilterBits;
use crate::ir::*;

/// A runtime value.
///
/// The layout is fixed (`repr(C, u8)`): a one-byte tag at offset 0, in the order of the
/// variants below (so `Missing` is 0 and `List` is 9), and the payload at offset 8
/// ([`VALUE_PAYLOAD_OFFSET`]). Compiled code reads scalars out of the runtime's slots through
/// this layout instead of calling back into Rust.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[repr(C, u8)]
pub enum Value {
    /// A `T?` without a value.
    Missing,
    /// `bool`
    Bool(bool),
    /// `int`
    Int(i64),
    /// `float`
    Float(f64),
    /// `string`
    Str(Arc<str>),
    /// `duration`, in seconds.
    Duration(i64),
    /// `time`, seconds since the Unix epoch (UTC).
    Time(i64),
    /// `date`, days since 1970-01-01.
    Date(i32),
    /// An enum value: the variant's index.
    Enum(u32),
    /// `list<T>`
    List(Arc<[Value]>),
}

/// The size of a [`Value`] in bytes: the stride of a slice of slots.
pub const VALUE_SIZE: usize = std::mem::size_of::<Value>();

/// Where a [`Value`]'s payload starts (the tag is the byte at offset 0).
pub const VALUE_PAYLOAD_OFFSET: usize = 8;

// The layout compiled code relies on; a change here must be a change there.
const _: () = assert!(VALUE_SIZE == 24);
const _: () = assert!(std::mem::align_of::<Value>() == 8);

impl Value {
    /// The boolean, treating anything else (a missing value included) as `false`.
    pub fn truthy(&self) -> bool {
        matches!(self, Value::Bool(true))
    }

    /// Whether this is a missing value.
    pub fn is_missing(&self) -> bool {
        matches!(self, Value::Missing)
    }
}

impl From<&Const> for Value {
    fn from(c: &Const) -> Value {
        match c {
            Const::Bool(b) => Value::Bool(*b),
            Const::Int(v) => Value::Int(*v),
            Const::Float(v) => Value::Float(*v),
            Const::String(s) => Value::Str(Arc::clone(s)),
            Const::Duration(s) => Value::Duration(*s),
            Const::Time(t) => Value::Time(*t),
            Const::Date(d) => Value::Date(*d),
            Const::Enum(v) => Value::Enum(*v),
        }
    }
}

/// What an expression can read: the slots the runtime keeps for one contact and one event.
pub trait Env {
    /// A field of the event being matched.
    fn event_field(&self, event: EventId, slot: u32) -> Value;
    /// A field of the event held by a binding of the current journey instance.
    fn binding_field(&self, binding: BindingId, event: EventId, slot: u32) -> Value;
    /// A profile field.
    fn profile(&self, slot: ProfileSlot) -> Value;
    /// A score's event points (its `on` rules and `score +=` steps, after decay). The
    /// evaluator adds the points of the `while` rules that hold, and evaluates segments
    /// itself: both are expressions of the program, so a compiled backend compiles them.
    fn score_points(&self, score: ScoreId) -> i64;
    /// A history aggregate's current value.
    fn history(&self, history: HistoryId) -> Value;
    /// The current event time, seconds since the epoch.
    fn now(&self) -> i64;

    /// The event being matched and its record in slot order, when the environment holds one:
    /// lets a compiled backend read fields without calling [`Env::event_field`]. An
    /// environment that returns `Some` must agree with `event_field` on every slot.
    fn event_record(&self) -> Option<(EventId, &[Value])> {
        None
    }

    /// Whether a profile field has a value (what `profile.f is set` asks), without reading
    /// the value: an environment that keeps strings as bytes answers without making one.
    fn profile_is_set(&self, slot: ProfileSlot) -> bool {
        !self.profile(slot).is_missing()
    }

    /// The profile in slot order, when the environment holds it (the same contract as
    /// [`Env::event_record`], against [`Env::profile`]).
    fn profile_record(&self) -> Option<&[Value]> {
        None
    }

    /// The contact's row, laid out by [`ContactLayout::of`](crate::layout::ContactLayout::of)
    /// for the program being evaluated, when the environment keeps one: lets a compiled backend
    /// load a score's points (and other fixed-size state) at their offsets instead of calling
    /// [`Env::score_points`]. An environment that returns `Some` must agree with
    /// `score_points` on every score.
    fn contact_row(&self) -> Option<&[u8]> {
        None
    }

    /// The record a binding holds, when the environment holds one (the same contract as
    /// [`Env::event_record`], against [`Env::binding_field`]). `None` means "ask
    /// `binding_field`", not "unbound": an environment may always answer `None`.
    fn binding_record(&self, _binding: BindingId) -> Option<&[Value]> {
        None
    }
}

/// Evaluates the expressions of one program.
pub trait Evaluator {
    /// The value of an expression.
    fn eval(&self, expr: ExprId, env: &dyn Env) -> Value;

    /// The value of a condition (a missing value is `false`).
    fn eval_bool(&self, expr: ExprId, env: &dyn Env) -> bool {
        self.eval(expr, env).truthy()
    }

    /// Evaluates every event filter of `event` (its list in the program's [`EventFilters`])
    /// over `env`, which holds that event: afterwards bit `i` of `matched` is whether filter
    /// `i` holds.
    fn eval_event_filters(&self, event: EventId, env: &dyn Env, matched: &mut FilterBits);
}

/// The reference interpreter: a tree walk over the program's expression arena.
pub struct Interpreter<'p> {
    program: &'p Program,
}

impl<'p> Interpreter<'p> {
    /// An interpreter for a program.
    pub fn new(program: &'p Program) -> Self {
        Interpreter { program }
    }
}

impl Interpreter<'_> {
    /// A score's value: its event points plus the `while` rules that hold.
    fn score(&self, score: ScoreId, env: &dyn Env) -> i64 {
        let points = env.score_points(score);
        self.program
            .scores
            .get(score.index())
            .map_or(points, |definition| {
                definition
                    .while_rules
                    .iter()
                    .filter(|rule| self.eval_bool(rule.condition, env))
                    .fold(points, |total, rule| total.saturating_add(rule.points))
            })
    }
}

impl Evaluator for Interpreter<'_> {
    fn eval_event_filters(&self, event: EventId, env: &dyn Env, matched: &mut FilterBits) {
        let filters = self.program.filters.of(event);
        matched.reset(filters.len());
        for (i, filter) in filters.iter().enumerate() {
            if self.eval_bool(*filter, env) {
                matched.set(i);
            }
        }
    }

    fn eval(&self, id: ExprId, env: &dyn Env) -> Value {
        let Some(expr) = self.program.exprs.get(id.index()) else {
            return Value::Missing;
        };
        let eval = |id: ExprId| self.eval(id, env);
        match &expr.kind {
            ExprKind::Const(c) => Value::from(c),
            ExprKind::EventField(event, slot) => env.event_field(*event, *slot),
            ExprKind::BindingField(binding, event, slot) => {
                env.binding_field(*binding, *event, *slot)
            }
            ExprKind::Profile(slot) => env.profile(*slot),
            ExprKind::Score(score) => Value::Int(self.score(*score, env)),
            ExprKind::Segment(segment) => Value::Bool(
                self.program
                    .segments
                    .get(segment.index())
                    .is_some_and(|s| self.eval_bool(s.condition, env)),
            ),
            ExprKind::History(history) => env.history(*history),
            ExprKind::Now => Value::Time(env.now()),
            ExprKind::Not(x) => match eval(*x) {
                Value::Bool(b) => Value::Bool(!b),
                _ => Value::Missing,
            },
            ExprKind::Neg(x) => match eval(*x) {
                Value::Int(v) => Value::Int(v.saturating_neg()),
                Value::Float(v) => Value::Float(-v),
                Value::Duration(v) => Value::Duration(v.saturating_neg()),
                _ => Value::Missing,
            },
            ExprKind::And(a, b) => Value::Bool(eval(*a).truthy() && eval(*b).truthy()),
            ExprKind::Or(a, b) => Value::Bool(eval(*a).truthy() || eval(*b).truthy()),
            ExprKind::Compare(op, a, b) => compare(*op, &eval(*a), &eval(*b)),
            ExprKind::Arith(op, a, b) => arith(*op, &eval(*a), &eval(*b)),
            ExprKind::Coalesce(a, b) => match eval(*a) {
                Value::Missing => eval(*b),
                present => present,
            },
            ExprKind::IsSet(x, negated) => {
                let set = match self.program.exprs.get(x.index()).map(|e| &e.kind) {
                    Some(ExprKind::Profile(slot)) => env.profile_is_set(*slot),
                    _ => !eval(*x).is_missing(),
                };
                Value::Bool(set != *negated)
            }
            ExprKind::In(a, b) => match (eval(*a), eval(*b)) {
                (Value::Missing, _) | (_, Value::Missing) => Value::Missing,
                (needle, Value::List(items)) => {
                    Value::Bool(items.iter().any(|i| equal(i, &needle)))
                }
                _ => Value::Missing,
            },
            ExprKind::Contains(a, b) => match (eval(*a), eval(*b)) {
                (Value::Str(hay), Value::Str(needle)) => Value::Bool(hay.contains(&*needle)),
                (Value::List(items), needle) if !needle.is_missing() => {
                    Value::Bool(items.iter().any(|i| equal(i, &needle)))
                }
                _ => Value::Missing,
            },
            ExprKind::StartsWith(a, b) => match (eval(*a), eval(*b)) {
                (Value::Str(s), Value::Str(p)) => Value::Bool(s.starts_with(&*p)),
                _ => Value::Missing,
            },
            ExprKind::EndsWith(a, b) => match (eval(*a), eval(*b)) {
                (Value::Str(s), Value::Str(p)) => Value::Bool(s.ends_with(&*p)),
                _ => Value::Missing,
            },
            ExprKind::List(items) => Value::List(items.iter().map(|i| eval(*i)).collect()),
        }
    }
}

/// `==` on values: missing equals only missing; `int` and `float` compare numerically.
pub fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Int(x), Value::Float(y)) | (Value::Float(y), Value::Int(x)) => (*x as f64) == *y,
        (x, y) => x == y,
    }
}

fn order(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Some(x.cmp(y)),
        (Value::Int(x), Value::Float(y)) => (*x as f64).partial_cmp(y),
        (Value::Float(x), Value::Int(y)) => x.partial_cmp(&(*y as f64)),
        (Value::Float(x), Value::Float(y)) => x.partial_cmp(y),
        (Value::Duration(x), Value::Duration(y)) | (Value::Time(x), Value::Time(y)) => {
            Some(x.cmp(y))
        }
        (Value::Date(x), Value::Date(y)) => Some(x.cmp(y)),
        (Value::Str(x), Value::Str(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

fn compare(op: CompareOp, a: &Value, b: &Value) -> Value {
    match op {
        CompareOp::Eq => Value::Bool(equal(a, b)),
        CompareOp::Ne => Value::Bool(!equal(a, b)),
        _ => match order(a, b) {
            // NaN compares false with everything, as in IEEE 754.
            None => Value::Bool(false),
            Some(ordering) => Value::Bool(match op {
                CompareOp::Lt => ordering == Ordering::Less,
                CompareOp::Le => ordering != Ordering::Greater,
                CompareOp::Gt => ordering == Ordering::Greater,
                _ => ordering != Ordering::Less,
            }),
        },
    }
}

fn arith(op: ArithOp, a: &Value, b: &Value) -> Value {
    use Value::*;
    match (op, a, b) {
        (_, Int(x), Int(y)) => Int(match op {
            ArithOp::Add => x.saturating_add(*y),
            ArithOp::Sub => x.saturating_sub(*y),
            ArithOp::Mul => x.saturating_mul(*y),
            ArithOp::Div => divide(*x, *y),
        }),
        (_, Int(_) | Float(_), Int(_) | Float(_)) => {
            let (x, y) = (as_float(a), as_float(b));
            Float(match op {
                ArithOp::Add => x + y,
                ArithOp::Sub => x - y,
                ArithOp::Mul => x * y,
                ArithOp::Div => x / y,
            })
        }
        (ArithOp::Add, Duration(x), Duration(y)) => Duration(x.saturating_add(*y)),
        (ArithOp::Sub, Duration(x), Duration(y)) => Duration(x.saturating_sub(*y)),
        (ArithOp::Add, Time(t), Duration(d)) | (ArithOp::Add, Duration(d), Time(t)) => {
            Time(t.saturating_add(*d))
        }
        (ArithOp::Sub, Time(t), Duration(d)) => Time(t.saturating_sub(*d)),
        (ArithOp::Sub, Time(x), Time(y)) => Duration(x.saturating_sub(*y)),
        (ArithOp::Mul, Duration(d), Int(n)) | (ArithOp::Mul, Int(n), Duration(d)) => {
            Duration(d.saturating_mul(*n))
        }
        (ArithOp::Div, Duration(d), Int(n)) => Duration(divide(*d, *n)),
        (ArithOp::Add, Str(x), Str(y)) => Str(Arc::from(format!("{x}{y}").as_str())),
        _ => Missing,
    }
}

/// `x / y` truncating toward zero: `0` when `y` is zero, saturating for `i64::MIN / -1`.
fn divide(x: i64, y: i64) -> i64 {
    if y == 0 {
        0
    } else {
        x.saturating_div(y)
    }
}

fn as_float(v: &Value) -> f64 {
    match v {
        Value::Int(x) => *x as f64,
        Value::Float(x) => *x,
        _ => f64::NAN,
    }
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Missing => f.write_str("missing"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(v) => write!(f, "{v}"),
            Value::Float(v) => write!(f, "{v:?}"),
            Value::Str(s) => write!(f, "{s:?}"),
            Value::Duration(s) => write!(f, "{s}s"),
            Value::Time(t) => write!(f, "@{t}"),
            Value::Date(d) => write!(f, "day{d}"),
            Value::Enum(v) => write!(f, "variant{v}"),
            Value::List(items) => {
                let items: Vec<String> = items.iter().map(ToString::to_string).collect();
                write!(f, "[{}]", items.join(", "))
            }
        }
    }
}
