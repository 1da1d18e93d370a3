//! IR expressions printed back in the language's surface syntax (`value >= 20.0`,
//! `count(email.opened since enter) == 0`), for what people read: graph labels and
//! explanations.
//!
//! The IR's own printer (`journey ir`) shows prefix forms over slots; this one restores names
//! (bare event fields inside `where`, `binding.field`, `profile.field`, score and segment names),
//! history calls, duration and instant literals, and puts parentheses only where the
//! language's precedence needs them.

use journey_ir::{
    ArithOp, ClockTime, ClockZone, Const, EventId, ExprId, ExprKind, History, HistoryFunction,
    HistoryId, HistoryWindow, Journey, JourneyId, Program, TimeSpec, Type,
};
use journey_runtime::output::{format_date, format_instant};

/// An expression in surface syntax; binding fields are named after `journey`'s bindings.
pub fn expr(program: &Program, journey: Option<JourneyId>, id: ExprId) -> String {
    let journey = journey.and_then(|j| program.journeys.get(j.index()));
    Surface::new(program, journey).expr(id)
}

/// A history aggregate in surface syntax (`count(email.opened within 7d)`).
pub fn history(program: &Program, journey: Option<JourneyId>, id: HistoryId) -> String {
    let journey = journey.and_then(|j| program.journeys.get(j.index()));
    program.histories.get(id.index()).map_or_else(
        || "?".to_owned(),
        |h| Surface::new(program, journey).history(h),
    )
}

/// Prints expressions of one journey (its bindings name `as` events).
pub(crate) struct Surface<'a> {
    program: &'a Program,
    journey: Option<&'a Journey>,
}

// Precedence levels, loosest first (reference §4).
const OR: u8 = 1;
const AND: u8 = 2;
const NOT: u8 = 3;
const COMPARE: u8 = 4;
const COALESCE: u8 = 5;
const ADD: u8 = 6;
const MUL: u8 = 7;
const NEG: u8 = 8;
const ATOM: u8 = 10;

impl<'a> Surface<'a> {
    /// A printer for the expressions of `journey`.
    pub(crate) fn new(program: &'a Program, journey: Option<&'a Journey>) -> Self {
        Surface { program, journey }
    }

    /// The expression as it would be written.
    pub(crate) fn expr(&self, id: ExprId) -> String {
        self.at(id, 0)
    }

    /// ` where COND`, or nothing.
    pub(crate) fn filter(&self, filter: Option<ExprId>) -> String {
        filter.map_or(String::new(), |f| format!(" where {}", self.expr(f)))
    }

    /// An event type's name.
    pub(crate) fn event(&self, id: EventId) -> &'a str {
        self.program
            .events
            .get(id.index())
            .map_or("?", |e| e.name.as_str())
    }

    /// The name of binding `index` of the journey.
    pub(crate) fn binding(&self, index: usize) -> &'a str {
        self.journey
            .and_then(|j| j.bindings.get(index))
            .map_or("?", |b| b.name.as_str())
    }

    /// A profile field's name.
    pub(crate) fn profile(&self, slot: usize) -> &'a str {
        self.program
            .profile
            .get(slot)
            .map_or("?", |f| f.name.as_str())
    }

    /// A score's name.
    pub(crate) fn score(&self, index: usize) -> &'a str {
        self.program
            .scores
            .get(index)
            .map_or("?", |s| s.name.as_str())
    }

    /// `09:00 local`, `best_time`, or an instant expression.
    pub(crate) fn timespec(&self, spec: &TimeSpec) -> String {
        match spec {
            TimeSpec::Clock(c) => clock(*c),
            TimeSpec::BestTime => "best_time".into(),
            TimeSpec::Instant(x) => self.expr(*x),
        }
    }

    fn field(&self, event: EventId, slot: u32) -> &'a str {
        self.program
            .events
            .get(event.index())
            .and_then(|e| e.fields.get(slot as usize))
            .map_or("?", |f| f.name.as_str())
    }

    /// The expression, in parentheses when its own level is looser than `min`.
    fn at(&self, id: ExprId, min: u8) -> String {
        let (text, level) = self.node(id);
        if level < min {
            format!("({text})")
        } else {
            text
        }
    }

    /// `a op b` at `level`, each operand in parentheses below its minimum level.
    fn binary(&self, a: ExprId, op: &str, b: ExprId, level: u8, left: u8) -> (String, u8) {
        // Operands of comparisons that are `??` get parentheses although the precedence does
        // not need them: `(since(x) ?? 365d) <= 90d` reads better.
        let right = if level == COMPARE {
            COALESCE + 1
        } else {
            level + 1
        };
        (
            format!("{} {op} {}", self.at(a, left), self.at(b, right)),
            level,
        )
    }

    fn node(&self, id: ExprId) -> (String, u8) {
        let Some(expr) = self.program.exprs.get(id.index()) else {
            return ("?".into(), ATOM);
        };
        match &expr.kind {
            ExprKind::Const(c) => (self.constant(c, &expr.ty), ATOM),
            ExprKind::EventField(event, slot) => (self.field(*event, *slot).to_string(), ATOM),
            ExprKind::BindingField(b, event, slot) => (
                format!("{}.{}", self.binding(b.index()), self.field(*event, *slot)),
                ATOM,
            ),
            ExprKind::Profile(slot) => (format!("profile.{}", self.profile(slot.index())), ATOM),
            ExprKind::Score(s) => (
                self.program
                    .scores
                    .get(s.index())
                    .map_or("?", |s| s.name.as_str())
                    .to_string(),
                ATOM,
            ),
            ExprKind::Segment(s) => (
                self.program
                    .segments
                    .get(s.index())
                    .map_or("?", |s| s.name.as_str())
                    .to_string(),
                ATOM,
            ),
            ExprKind::History(h) => (
                self.program
                    .histories
                    .get(h.index())
                    .map_or("?".to_string(), |h| self.history(h)),
                ATOM,
            ),
            ExprKind::Now => ("now".into(), ATOM),
            ExprKind::Not(x) => (format!("not {}", self.at(*x, NOT)), NOT),
            ExprKind::Neg(x) => (format!("-{}", self.at(*x, NEG)), NEG),
            ExprKind::And(a, b) => self.binary(*a, "and", *b, AND, AND),
            ExprKind::Or(a, b) => self.binary(*a, "or", *b, OR, OR),
            ExprKind::Compare(op, a, b) => {
                let op = op.symbol();
                self.binary(*a, op, *b, COMPARE, COALESCE + 1)
            }
            ExprKind::Arith(op, a, b) => {
                let (op, level) = match op {
                    ArithOp::Add => ("+", ADD),
                    ArithOp::Sub => ("-", ADD),
                    ArithOp::Mul => ("*", MUL),
                    ArithOp::Div => ("/", MUL),
                };
                self.binary(*a, op, *b, level, level)
            }
            ExprKind::Coalesce(a, b) => self.binary(*a, "??", *b, COALESCE, COALESCE + 1),
            ExprKind::IsSet(x, negated) => {
                let what = if *negated { "is not set" } else { "is set" };
                (format!("{} {what}", self.at(*x, COALESCE + 1)), COMPARE)
            }
            ExprKind::In(a, b) => self.binary(*a, "in", *b, COMPARE, COALESCE + 1),
            ExprKind::Contains(a, b) => self.binary(*a, "contains", *b, COMPARE, COALESCE + 1),
            ExprKind::StartsWith(a, b) => self.binary(*a, "starts_with", *b, COMPARE, COALESCE + 1),
            ExprKind::EndsWith(a, b) => self.binary(*a, "ends_with", *b, COMPARE, COALESCE + 1),
            ExprKind::List(items) => {
                let items: Vec<String> = items.iter().map(|i| self.expr(*i)).collect();
                (format!("[{}]", items.join(", ")), ATOM)
            }
        }
    }

    fn constant(&self, c: &Const, ty: &Type) -> String {
        match c {
            Const::Bool(b) => b.to_string(),
            Const::Int(v) => v.to_string(),
            Const::Float(v) => format!("{v:?}"),
            Const::String(s) => string_literal(s),
            Const::Duration(s) => duration(*s),
            Const::Time(t) => instant(*t),
            Const::Date(d) => date(*d),
            Const::Enum(v) => match ty.unwrap_optional() {
                Type::Enum(id) => self
                    .program
                    .enums
                    .get(id.0 as usize)
                    .and_then(|vs| vs.get(*v as usize))
                    .cloned()
                    .unwrap_or_else(|| format!("variant{v}")),
                _ => format!("variant{v}"),
            },
        }
    }

    /// `count(EVENT [where C] within D)`, `sum(EVENT.field ...)`, `last(EVENT).field`, ...
    pub(crate) fn history(&self, h: &History) -> String {
        let event = self.event(h.event);
        let filter = self.filter(h.filter);
        let window = match h.window {
            HistoryWindow::Within(seconds) => format!(" within {}", duration(seconds)),
            HistoryWindow::SinceEnter(_) => " since enter".to_string(),
            HistoryWindow::All => String::new(),
        };
        let field = h.field.map(|slot| self.field(h.event, slot));
        let function = match h.function {
            HistoryFunction::Count => "count",
            HistoryFunction::Sum => "sum",
            HistoryFunction::Min => "min",
            HistoryFunction::Max => "max",
            HistoryFunction::Avg => "avg",
            HistoryFunction::Last => {
                let field = field.map_or(String::new(), |f| format!(".{f}"));
                return format!("last({event}{filter}){field}");
            }
            HistoryFunction::Since => return format!("since({event}{filter})"),
        };
        let field = field.map_or(String::new(), |f| format!(".{f}"));
        format!("{function}({event}{field}{filter}{window})")
    }
}

/// `09:00 local`
pub(crate) fn clock(c: ClockTime) -> String {
    let zone = match c.zone {
        ClockZone::Local => "local",
        ClockZone::Utc => "utc",
    };
    format!("{:02}:{:02} {zone}", c.hour, c.minute)
}

/// A string literal with the language's escapes.
fn string_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Seconds as a duration literal (`90s`, `15m`, `36h`, `7d`): a literal has digits and one unit,
/// so the largest unit up to days that divides it (weeks are rarer in programs than `7d`).
pub(crate) fn duration(seconds: i64) -> String {
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60)] {
        if seconds != 0 && seconds % size == 0 {
            return format!("{}{unit}", seconds / size);
        }
    }
    format!("{seconds}s")
}

/// Days since 1970-01-01 as a date literal, `2026-04-07`.
pub(crate) fn date(days: i32) -> String {
    format_date(days)
}

/// Seconds since the epoch as an instant literal, `2026-12-01T09:00:00Z`.
pub(crate) fn instant(seconds: i64) -> String {
    format_instant(seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_print_as_written() {
        assert_eq!(duration(3_600), "1h");
        assert_eq!(duration(129_600), "36h");
        assert_eq!(duration(90), "90s");
        assert_eq!(duration(-86_400), "-1d");
        assert_eq!(duration(1_209_600), "14d");
        assert_eq!(instant(1_796_115_600), "2026-12-01T09:00:00Z");
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(-1), "1969-12-31");
        assert_eq!(string_literal("a \"b\""), "\"a \\\"b\\\"\"");
    }
}
