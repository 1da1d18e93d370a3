//! The printable form of the IR (`journey ir PATH`), for tests and debugging.
//!
//! Expressions print as prefix forms over slots: `e.path` is a field of the event being matched,
//! `%0.cart` a field of binding 0, `p.plan` a profile field, `h3` history aggregate 3, `score.lead`
//! and `segment.engaged` the values of scores and segments. A filter that reads only its event
//! prints its bit among the event's filters (`where[bit 2]`, see [`crate::filters`]).

use std::fmt::Write as _;

use crate::ir::*;
use crate::layout::ContactLayout;
use crate::types::Type;

/// Prints a whole program.
pub fn print(program: &Program) -> String {
    let mut out = String::new();
    let p = Printer::new(program);
    for (i, event) in program.events.iter().enumerate() {
        let fields: Vec<String> = event
            .fields
            .iter()
            .enumerate()
            .map(|(slot, f)| format!("{slot}:{} {}", f.name, p.ty(&f.ty)))
            .collect();
        let _ = writeln!(out, "event #{i} {} {{ {} }}", event.name, fields.join(", "));
    }
    for (slot, field) in program.profile.iter().enumerate() {
        let default = field.default.map_or("missing".to_string(), |d| p.expr(d));
        let _ = writeln!(
            out,
            "profile {slot}:{} {} = {default}",
            field.name,
            p.ty(&field.ty)
        );
    }
    for (i, history) in program.histories.iter().enumerate() {
        let _ = writeln!(out, "history h{i} = {}", p.history(history));
    }
    for (i, segment) in program.segments.iter().enumerate() {
        let _ = writeln!(
            out,
            "segment #{i} {} = {}",
            segment.name,
            p.expr(segment.condition)
        );
    }
    for (i, score) in program.scores.iter().enumerate() {
        let _ = writeln!(out, "score #{i} {}", score.name);
        for rule in &score.on_rules {
            let _ = writeln!(out, "  {}", p.score_rule(rule));
        }
        for rule in &score.while_rules {
            let _ = writeln!(
                out,
                "  while {} => {:+}",
                p.expr(rule.condition),
                rule.points
            );
        }
        if let Some(decay) = score.decay {
            let _ = writeln!(out, "  decay {}% every {}s", decay.percent, decay.every);
        }
    }
    let policy = &program.policy;
    if let Some(q) = policy.quiet_hours {
        let _ = writeln!(
            out,
            "policy quiet hours {:02}:{:02} to {:02}:{:02} {}",
            q.from / 60,
            q.from % 60,
            q.to / 60,
            q.to % 60,
            zone(q.zone)
        );
    }
    for (channel, limit, per) in &policy.caps {
        let _ = writeln!(out, "policy cap {} {limit} per {per}s", channel.as_str());
    }
    for (channel, condition) in &policy.consent {
        let _ = writeln!(
            out,
            "policy consent {} when {}",
            channel.as_str(),
            p.expr(*condition)
        );
    }
    for (i, journey) in program.journeys.iter().enumerate() {
        p.journey(&mut out, i, journey);
    }
    for (i, conversion) in program.conversions.iter().enumerate() {
        let value = conversion.value.map_or(String::new(), |slot| {
            let field = program
                .events
                .get(conversion.event.index())
                .and_then(|e| e.fields.get(slot as usize))
                .map_or("?", |f| f.name.as_str());
            format!(" value {slot}:{field}")
        });
        let _ = writeln!(
            out,
            "conversion #{i} {} on {}{}{value} within {}s",
            conversion.name,
            p.event(conversion.event),
            p.filter(conversion.filter),
            conversion.within
        );
    }
    for (i, test) in program.tests.iter().enumerate() {
        p.test(&mut out, i, test);
    }
    let layout = ContactLayout::of(program);
    let _ = writeln!(
        out,
        "contact row {} bytes, {} aggregates aside, {} profile fields in text",
        layout.size,
        layout.side_histories(),
        layout.texts
    );
    for field in &layout.fields {
        let _ = writeln!(out, "  @{} {}B {}", field.offset, field.width, field.name);
    }
    out
}

fn zone(zone: ClockZone) -> &'static str {
    match zone {
        ClockZone::Local => "local",
        ClockZone::Utc => "utc",
    }
}

/// Prints parts of a program; in *structural* form (see [`crate::structure`]) without the
/// numbers that depend on the rest of the program.
pub(crate) struct Printer<'a> {
    program: &'a Program,
    /// Histories printed whole instead of `h3`, filters without their bit, bound and keyed
    /// events with their fields, journeys without their number.
    structural: bool,
}

impl<'a> Printer<'a> {
    /// The printer of `journey ir`.
    pub(crate) fn new(program: &'a Program) -> Printer<'a> {
        Printer {
            program,
            structural: false,
        }
    }

    /// The printer of structural descriptions.
    pub(crate) fn structural(program: &'a Program) -> Printer<'a> {
        Printer {
            program,
            structural: true,
        }
    }

    pub(crate) fn ty(&self, ty: &Type) -> String {
        ty.display(&self.program.enums).to_string()
    }

    pub(crate) fn event(&self, id: EventId) -> &str {
        self.program
            .events
            .get(id.index())
            .map_or("?", |e| e.name.as_str())
    }

    pub(crate) fn filter(&self, filter: Option<ExprId>) -> String {
        // An event filter shows its bit: it is evaluated with the event's others, up front.
        filter.map_or(String::new(), |f| match self.program.filters.bit(f) {
            Some(bit) if !self.structural => format!(" where[bit {bit}] {}", self.expr(f)),
            _ => format!(" where {}", self.expr(f)),
        })
    }

    /// A score's `on` rule: `on EVENT [where F] => +N [cap L per Ws]`.
    pub(crate) fn score_rule(&self, rule: &ScoreOn) -> String {
        let cap = rule.cap.map_or(String::new(), |(limit, per)| {
            format!(" cap {limit} per {per}s")
        });
        format!(
            "on {}{} => {:+}{cap}",
            self.event(rule.event),
            self.filter(rule.filter),
            rule.points
        )
    }

    /// An event's name with its fields and their types (`cart.updated { cart string, ... }`).
    pub(crate) fn event_with_fields(&self, id: EventId) -> String {
        let Some(event) = self.program.events.get(id.index()) else {
            return "?".into();
        };
        let fields: Vec<String> = event
            .fields
            .iter()
            .map(|f| format!("{} {}", f.name, self.ty(&f.ty)))
            .collect();
        format!("{} {{ {} }}", event.name, fields.join(", "))
    }

    fn field(&self, event: EventId, slot: u32) -> &str {
        self.program
            .events
            .get(event.index())
            .and_then(|e| e.fields.get(slot as usize))
            .map_or("?", |f| f.name.as_str())
    }

    pub(crate) fn history(&self, h: &History) -> String {
        let function = match h.function {
            HistoryFunction::Count => "count",
            HistoryFunction::Sum => "sum",
            HistoryFunction::Min => "min",
            HistoryFunction::Max => "max",
            HistoryFunction::Avg => "avg",
            HistoryFunction::Last => "last",
            HistoryFunction::Since => "since",
        };
        let field = h.field.map_or(String::new(), |slot| {
            let name = self.field(h.event, slot);
            // The stored value's form follows the field's type.
            match self.program.events.get(h.event.index()) {
                Some(event) if self.structural => event
                    .fields
                    .get(slot as usize)
                    .map_or(format!(".{name}"), |f| {
                        format!(".{name}: {}", self.ty(&f.ty))
                    }),
                _ => format!(".{name}"),
            }
        });
        let window = match h.window {
            HistoryWindow::Within(seconds) => format!(" within {seconds}s"),
            HistoryWindow::SinceEnter(j) => {
                format!(
                    " since enter of {}",
                    self.program
                        .journeys
                        .get(j.index())
                        .map_or("#?", |j| j.name.as_str())
                )
            }
            HistoryWindow::All => String::new(),
        };
        // A filter evaluated when the aggregate is read says so, with the slots it groups by.
        let key = h.key.as_ref().map_or(String::new(), |slots| {
            let names: Vec<&str> = slots.iter().map(|&s| self.field(h.event, s)).collect();
            format!(" read-time by ({})", names.join(", "))
        });
        // A keyed aggregate stores records in the event's slot order.
        let event = match (&h.key, self.structural) {
            (Some(_), true) => self.event_with_fields(h.event),
            _ => self.event(h.event).to_owned(),
        };
        format!(
            "{function} {event}{field}{}{window}{key}",
            self.filter(h.filter)
        )
    }

    pub(crate) fn expr(&self, id: ExprId) -> String {
        let Some(expr) = self.program.exprs.get(id.index()) else {
            return "?".into();
        };
        let e = |id: &ExprId| self.expr(*id);
        match &expr.kind {
            ExprKind::Const(c) => match c {
                Const::Bool(b) => b.to_string(),
                Const::Int(v) => v.to_string(),
                Const::Float(v) => format!("{v:?}"),
                Const::String(s) => format!("{s:?}"),
                Const::Duration(s) => format!("{s}s"),
                Const::Time(t) => format!("@{t}"),
                Const::Date(d) => format!("day{d}"),
                Const::Enum(v) => match &expr.ty.unwrap_optional() {
                    Type::Enum(id) => self
                        .program
                        .enums
                        .get(id.index())
                        .and_then(|vs| vs.get(*v as usize))
                        .cloned()
                        .unwrap_or_else(|| format!("variant{v}")),
                    _ => format!("variant{v}"),
                },
            },
            ExprKind::EventField(event, slot) => format!("e.{}", self.field(*event, *slot)),
            ExprKind::BindingField(b, event, slot) => {
                format!("%{}.{}", b.0, self.field(*event, *slot))
            }
            ExprKind::Profile(slot) => {
                format!(
                    "p.{}",
                    self.program
                        .profile
                        .get(slot.index())
                        .map_or("?", |f| f.name.as_str())
                )
            }
            ExprKind::Score(s) => {
                format!(
                    "score.{}",
                    self.program
                        .scores
                        .get(s.index())
                        .map_or("?", |s| s.name.as_str())
                )
            }
            ExprKind::Segment(s) => {
                format!(
                    "segment.{}",
                    self.program
                        .segments
                        .get(s.index())
                        .map_or("?", |s| s.name.as_str())
                )
            }
            ExprKind::History(h) => match self.program.histories.get(h.index()) {
                Some(history) if self.structural => format!("{{{}}}", self.history(history)),
                _ => format!("h{}", h.0),
            },
            ExprKind::Now => "now".into(),
            ExprKind::Not(x) => format!("(not {})", e(x)),
            ExprKind::Neg(x) => format!("(- {})", e(x)),
            ExprKind::And(a, b) => format!("(and {} {})", e(a), e(b)),
            ExprKind::Or(a, b) => format!("(or {} {})", e(a), e(b)),
            ExprKind::Compare(op, a, b) => {
                let op = op.symbol();
                format!("({op} {} {})", e(a), e(b))
            }
            ExprKind::Arith(op, a, b) => {
                let op = op.symbol();
                format!("({op}:{} {} {})", self.ty(&expr.ty), e(a), e(b))
            }
            ExprKind::Coalesce(a, b) => format!("(?? {} {})", e(a), e(b)),
            ExprKind::IsSet(x, false) => format!("(is-set {})", e(x)),
            ExprKind::IsSet(x, true) => format!("(is-not-set {})", e(x)),
            ExprKind::In(a, b) => format!("(in {} {})", e(a), e(b)),
            ExprKind::Contains(a, b) => format!("(contains {} {})", e(a), e(b)),
            ExprKind::StartsWith(a, b) => format!("(starts_with {} {})", e(a), e(b)),
            ExprKind::EndsWith(a, b) => format!("(ends_with {} {})", e(a), e(b)),
            ExprKind::List(items) => {
                format!("[{}]", items.iter().map(e).collect::<Vec<_>>().join(", "))
            }
        }
    }

    fn clock(&self, c: ClockTime) -> String {
        format!("{:02}:{:02} {}", c.hour, c.minute, zone(c.zone))
    }

    fn timespec(&self, spec: &TimeSpec) -> String {
        match spec {
            TimeSpec::Clock(c) => self.clock(*c),
            TimeSpec::BestTime => "best_time".into(),
            TimeSpec::Instant(x) => self.expr(*x),
        }
    }

    fn payload(&self, payload: &[(String, ExprId)]) -> String {
        if payload.is_empty() {
            return String::new();
        }
        let fields: Vec<String> = payload
            .iter()
            .map(|(k, v)| format!("{k}: {}", self.expr(*v)))
            .collect();
        format!(" {{ {} }}", fields.join(", "))
    }

    /// A test: its inputs and expectations, times in epoch seconds.
    fn test(&self, out: &mut String, index: usize, test: &TestCase) {
        let _ = writeln!(out, "test #{index} {:?} until {}", test.name, test.until);
        for input in &test.inputs {
            let (what, fields): (&str, Vec<String>) = match &input.kind {
                TestInputKind::Track { event, fields } => (
                    self.event(*event),
                    fields
                        .iter()
                        .map(|(slot, value)| {
                            format!("{}={}", self.field(*event, *slot), self.expr(*value))
                        })
                        .collect(),
                ),
                TestInputKind::Identify(fields) => (
                    "identify",
                    fields
                        .iter()
                        .map(|(slot, value)| {
                            let name = self
                                .program
                                .profile
                                .get(slot.index())
                                .map_or("?", |f| f.name.as_str());
                            format!("{name}={}", self.expr(*value))
                        })
                        .collect(),
                ),
            };
            let _ = writeln!(
                out,
                "  at {} {:?} {what} {{ {} }}",
                input.at,
                input.contact,
                fields.join(", ")
            );
        }
        for expected in &test.expected {
            let _ = writeln!(
                out,
                "  expect {} {:?} {}",
                expected.at, expected.contact, expected.record
            );
        }
    }

    /// A binding: its name and event (in structural form with the event's fields, as a bound
    /// record is stored in its event's slot order).
    pub(crate) fn binding(&self, b: &Binding) -> String {
        let event = match self.structural {
            true => self.event_with_fields(b.event),
            false => self.event(b.event).to_owned(),
        };
        format!("{}: {event}", b.name)
    }

    /// A journey's entry, after `enter`.
    pub(crate) fn entry(&self, journey: &Journey) -> String {
        match &journey.entry {
            Entry::On {
                event,
                binding,
                filter,
            } => {
                let binding = binding.map_or(String::new(), |b| format!(" as %{}", b.0));
                format!("on {}{binding}{}", self.event(*event), self.filter(*filter))
            }
            Entry::When(c) => format!("when {}", self.expr(*c)),
            Entry::Inactive(s) => format!("when inactive {s}s"),
            Entry::Schedule {
                calendar,
                at,
                filter,
            } => {
                let calendar = match calendar {
                    Calendar::Daily => "daily".to_string(),
                    Calendar::Weekly(d) => format!("weekly on weekday {d}"),
                    Calendar::Monthly(d) => format!("monthly on day {d}"),
                    Calendar::Yearly(slot) => format!(
                        "yearly on p.{}",
                        self.program
                            .profile
                            .get(slot.index())
                            .map_or("?", |f| f.name.as_str())
                    ),
                };
                format!("{calendar} at {}{}", self.clock(*at), self.filter(*filter))
            }
            Entry::Once { at, filter } => format!("once at @{at}{}", self.filter(*filter)),
        }
    }

    pub(crate) fn journey(&self, out: &mut String, index: usize, journey: &Journey) {
        if self.structural {
            let _ = writeln!(out, "journey {}", journey.name);
        } else {
            let _ = writeln!(out, "journey #{index} {}", journey.name);
        }
        for (i, b) in journey.bindings.iter().enumerate() {
            let _ = writeln!(out, "  binding %{i} {}", self.binding(b));
        }
        let entry = self.entry(journey);
        let _ = writeln!(out, "  enter {entry}");
        let reenter = match journey.reenter {
            Reenter::Never => "never".to_string(),
            Reenter::Always => "always".to_string(),
            Reenter::After(s) => format!("after {s}s"),
        };
        let _ = writeln!(out, "  reenter {reenter}");
        for rule in &journey.goal_rules {
            let binding = rule
                .binding
                .map_or(String::new(), |b| format!(" as %{}", b.0));
            let _ = writeln!(
                out,
                "  goal {} on {}{binding}{}",
                rule.name,
                self.event(rule.event),
                self.filter(rule.filter)
            );
        }
        for rule in &journey.exit_rules {
            let _ = writeln!(
                out,
                "  exit on {}{}",
                self.event(rule.event),
                self.filter(rule.filter)
            );
        }
        let _ = writeln!(out, "  start s{}", journey.start.0);
        for (i, step) in journey.steps.iter().enumerate() {
            let line = match step {
                Step::Send(send) => {
                    let channel = if send.best_channel {
                        let names: Vec<&str> = send.channels.iter().map(|c| c.as_str()).collect();
                        format!("best_channel({})", names.join(", "))
                    } else {
                        send.channels
                            .first()
                            .map_or("?", |c| c.as_str())
                            .to_string()
                    };
                    let at = send
                        .at
                        .as_ref()
                        .map_or(String::new(), |t| format!(" at {}", self.timespec(t)));
                    format!(
                        "send {channel} {:?}{}{at} -> s{}",
                        send.template,
                        self.payload(&send.payload),
                        send.next.0
                    )
                }
                Step::Notify {
                    team,
                    template,
                    payload,
                    next,
                } => {
                    format!(
                        "notify {team} {template:?}{} -> s{}",
                        self.payload(payload),
                        next.0
                    )
                }
                Step::Wait { duration, next } => {
                    format!("wait {} -> s{}", self.expr(*duration), next.0)
                }
                Step::WaitUntil { until, next } => {
                    format!("wait until {} -> s{}", self.timespec(until), next.0)
                }
                Step::WaitFor {
                    event,
                    binding,
                    filter,
                    within,
                    then,
                    otherwise,
                } => {
                    let binding = binding.map_or(String::new(), |b| format!(" as %{}", b.0));
                    format!(
                        "wait for {}{binding}{} within {within}s -> s{} else s{}",
                        self.event(*event),
                        self.filter(*filter),
                        then.0,
                        otherwise.0
                    )
                }
                Step::Branch {
                    condition,
                    then,
                    otherwise,
                } => {
                    format!(
                        "if {} -> s{} else s{}",
                        self.expr(*condition),
                        then.0,
                        otherwise.0
                    )
                }
                Step::Split { arms } => {
                    let arms: Vec<String> = arms
                        .iter()
                        .map(|(pct, name, s)| format!("{pct}% {name} -> s{}", s.0))
                        .collect();
                    format!("split {}", arms.join(", "))
                }
                Step::Set { slot, value, next } => format!(
                    "set p.{} = {} -> s{}",
                    self.program
                        .profile
                        .get(slot.index())
                        .map_or("?", |f| f.name.as_str()),
                    self.expr(*value),
                    next.0
                ),
                Step::AdjustScore { score, delta, next } => format!(
                    "score {} {:+} -> s{}",
                    self.program
                        .scores
                        .get(score.index())
                        .map_or("?", |s| s.name.as_str()),
                    delta,
                    next.0
                ),
                Step::Tag { tag, add, next } => {
                    format!(
                        "{} {tag:?} -> s{}",
                        if *add { "tag" } else { "untag" },
                        next.0
                    )
                }
                Step::Goal { name, next } => format!("goal {name} -> s{}", next.0),
                Step::Exit => "exit".to_string(),
            };
            let _ = writeln!(out, "  s{i}: {line}");
        }
    }
}
