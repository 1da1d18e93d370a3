//! `engine`: a generated, grammar-aware program over a fixed schema × a generated event stream,
//! run on both backends.
//!
//! The input bytes drive `arbitrary::Unstructured` choices: a program (segments, scores, a
//! policy, journeys with `enter on`/`enter when`, waits, `wait for`, `if`/`else`, `split`,
//! sends, notifies, `set`, tags, goals and exits, histories with filters and bindings) and a
//! Segment NDJSON stream over three contacts with (mostly) increasing timestamps. Programs the
//! checker rejects are skipped and counted ([`skipped`]). Properties:
//!
//! - checking, lowering, JIT compilation and both runs do not panic;
//! - the interpreter and the JIT produce byte-identical actions and rejects, also when the JIT's
//!   run is saved halfway and resumed from the serialised state;
//! - the actions come out in non-decreasing `at` order and their ids are unique.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

use arbitrary::{Result as ArbResult, Unstructured};
use journey_ir::eval::{Evaluator, Interpreter};
use journey_ir::Program;
use journey_runtime::output::Action;
use journey_runtime::RunState;
use journey_runtime::{Engine, Options, Reject, Sink};
use journey_syntax::SourceMap;

static GENERATED: AtomicU64 = AtomicU64::new(0);
static SKIPPED: AtomicU64 = AtomicU64::new(0);

/// How many programs were generated and how many of them the checker rejected (skipped).
pub fn skipped() -> (u64, u64) {
    (
        GENERATED.load(Ordering::Relaxed),
        SKIPPED.load(Ordering::Relaxed),
    )
}

/// The fixed schema every generated program starts with.
const SCHEMA: &str = "\
event cart.updated { cart: string  value: float  items: int }
event order.completed { order: string  value: float  coupon: string? }
event email.opened { campaign: string }
event page.viewed { path: string }
event form.submitted { form: string }

profile {
  plan: string?
  seats: int = 1
  vip: bool = false
  lifecycle: enum { subscriber, lead, customer } = subscriber
  tags: list<string> = []
  consent_email: bool = true
  consent_sms: bool = true
}
";

/// The events of [`SCHEMA`].
const EVENTS: &[&str] = &[
    "cart.updated",
    "order.completed",
    "email.opened",
    "page.viewed",
    "form.submitted",
];

/// Conditions on one event's own fields (bare names), per event of [`EVENTS`].
fn field_condition(u: &mut Unstructured<'_>, event: usize) -> ArbResult<String> {
    let options: &[&str] = match event {
        0 => &[
            "value > 10.5",
            "items >= 2",
            "cart == \"k1\"",
            "value * 2.0 < 100.0 and items < 3",
        ],
        1 => &[
            "value >= 20.5",
            "(coupon ?? \"none\") == \"SAVE\"",
            "order != \"o2\"",
            "value < 200.0 or order == \"o1\"",
        ],
        2 => &["campaign == \"a\"", "campaign != \"b\""],
        3 => &["path starts_with \"/pricing\"", "path == \"/home\""],
        _ => &["form == \"demo\"", "form != \"newsletter\""],
    };
    Ok(u.choose(options)?.to_string())
}

/// A field of event `event` with its type, for bindings.
fn event_fields(event: usize) -> &'static [(&'static str, &'static str)] {
    match event {
        0 => &[("cart", "string"), ("value", "float"), ("items", "int")],
        1 => &[("order", "string"), ("value", "float")],
        2 => &[("campaign", "string")],
        3 => &[("path", "string")],
        _ => &[("form", "string")],
    }
}

fn duration(u: &mut Unstructured<'_>) -> ArbResult<&'static str> {
    u.choose(&["30m", "1h", "6h", "1d", "2d", "7d", "30d"])
        .copied()
}

/// The names and bindings in scope where an expression is generated.
struct Scope<'a> {
    segments: &'a [String],
    scores: &'a [String],
    /// The `as` binding of the journey's entry event: its name and event index.
    binding: Option<(&'a str, usize)>,
}

struct Generator<'u, 'd> {
    u: &'u mut Unstructured<'d>,
    out: String,
    names: usize,
}

impl Generator<'_, '_> {
    fn fresh(&mut self, prefix: &str) -> String {
        self.names += 1;
        format!("{prefix}{}", self.names)
    }

    /// A history aggregate, possibly filtered by a binding (`count(cart.updated where cart ==
    /// a.cart within 1d)`).
    fn history(&mut self, scope: &Scope<'_>) -> ArbResult<String> {
        let event = self.u.choose_index(EVENTS.len())?;
        let name = EVENTS[event];
        let mut filter = String::new();
        match self.u.int_in_range(0..=3u8)? {
            0 => {}
            1 => filter = format!(" where {}", field_condition(self.u, event)?),
            _ => {
                if let Some((binding, bound)) = scope.binding {
                    let fields = event_fields(event);
                    let (field, ty) = *self.u.choose(fields)?;
                    if let Some((other, _)) = event_fields(bound).iter().find(|(_, t)| *t == ty) {
                        filter = format!(" where {field} == {binding}.{other}");
                    }
                }
            }
        }
        let window = format!(" within {}", duration(self.u)?);
        Ok(match self.u.int_in_range(0..=3u8)? {
            0 | 1 => format!(
                "count({name}{filter}{window}) >= {}",
                self.u.int_in_range(1..=3u8)?
            ),
            2 if event <= 1 => format!("sum({name}.value{filter}{window}) > 50.5"),
            _ => format!("count({name}{filter}{window}) == 0"),
        })
    }

    /// A boolean expression readable anywhere (profile, segments, scores, histories, binding).
    fn condition(&mut self, scope: &Scope<'_>, depth: u8) -> ArbResult<String> {
        let choice = self.u.int_in_range(0..=11u8)?;
        Ok(match choice {
            0 => "profile.vip".into(),
            1 => format!("profile.seats > {}", self.u.int_in_range(0..=4u8)?),
            2 => "profile.plan == \"pro\"".into(),
            3 => "profile.lifecycle == customer".into(),
            4 | 5 => self.history(scope)?,
            6 if !scope.scores.is_empty() => format!(
                "{} >= {}",
                self.u.choose(scope.scores)?,
                self.u.int_in_range(0..=30u8)?
            ),
            7 if !scope.segments.is_empty() => self.u.choose(scope.segments)?.clone(),
            8 if depth > 0 => format!("not ({})", self.condition(scope, depth - 1)?),
            9 if depth > 0 => format!(
                "{} and {}",
                self.condition(scope, depth - 1)?,
                self.condition(scope, depth - 1)?
            ),
            10 if depth > 0 => format!(
                "({} or {})",
                self.condition(scope, depth - 1)?,
                self.condition(scope, depth - 1)?
            ),
            11 => match scope.binding {
                Some((binding, 0)) => format!("{binding}.items >= 2"),
                Some((binding, 1)) => format!("{binding}.value > 20.5"),
                _ => "profile.seats >= 1".into(),
            },
            _ => "true".into(),
        })
    }

    fn payload(&mut self, scope: &Scope<'_>) -> ArbResult<String> {
        let mut entries = Vec::new();
        for index in 0..self.u.int_in_range(0..=3u8)? {
            let value = match self.u.int_in_range(0..=5u8)? {
                0 => "profile.seats".to_string(),
                1 => "profile.plan ?? \"free\"".to_string(),
                2 => format!("count({} within 7d)", self.u.choose(EVENTS)?),
                3 if !scope.scores.is_empty() => self.u.choose(scope.scores)?.clone(),
                4 => match scope.binding {
                    Some((binding, event)) => {
                        let (field, _) = *self.u.choose(event_fields(event))?;
                        format!("{binding}.{field}")
                    }
                    None => "now".to_string(),
                },
                _ => "profile.tags".to_string(),
            };
            entries.push(format!("k{index}: {value}"));
        }
        Ok(if entries.is_empty() {
            String::new()
        } else {
            format!(" with {{ {} }}", entries.join(", "))
        })
    }

    fn line(&mut self, indent: usize, text: &str) {
        let _ = writeln!(self.out, "{:indent$}{text}", "", indent = indent * 2);
    }

    fn steps(&mut self, scope: &Scope<'_>, indent: usize, depth: u8) -> ArbResult<()> {
        let count = self.u.int_in_range(1..=4u8)?;
        for _ in 0..count {
            self.step(scope, indent, depth)?;
        }
        Ok(())
    }

    fn step(&mut self, scope: &Scope<'_>, indent: usize, depth: u8) -> ArbResult<()> {
        let choice = self.u.int_in_range(0..=15u8)?;
        match choice {
            0 | 1 => {
                let channel = self.u.choose(&["email", "sms"])?;
                let template = self.fresh("t");
                let payload = self.payload(scope)?;
                self.line(indent, &format!("send {channel} \"{template}\"{payload}"));
            }
            2 => {
                let template = self.fresh("n");
                let payload = self.payload(scope)?;
                self.line(indent, &format!("notify sales \"{template}\"{payload}"));
            }
            3 | 4 => {
                let d = duration(self.u)?;
                self.line(indent, &format!("wait {d}"));
            }
            5 if depth > 0 => {
                let event = self.u.choose_index(EVENTS.len())?;
                let mut head = format!("wait for {}", EVENTS[event]);
                if self.u.arbitrary()? {
                    let _ = write!(head, " where {}", field_condition(self.u, event)?);
                }
                let _ = write!(head, " within {} {{", duration(self.u)?);
                self.line(indent, &head);
                self.steps(scope, indent + 1, depth - 1)?;
                if self.u.arbitrary()? {
                    self.line(indent, "} else {");
                    self.steps(scope, indent + 1, depth - 1)?;
                }
                self.line(indent, "}");
            }
            6 | 7 if depth > 0 => {
                let condition = self.condition(scope, 2)?;
                self.line(indent, &format!("if {condition} {{"));
                self.steps(scope, indent + 1, depth - 1)?;
                if self.u.arbitrary()? {
                    let condition = self.condition(scope, 1)?;
                    self.line(indent, &format!("}} else if {condition} {{"));
                    self.steps(scope, indent + 1, depth - 1)?;
                }
                if self.u.arbitrary()? {
                    self.line(indent, "} else {");
                    self.steps(scope, indent + 1, depth - 1)?;
                }
                self.line(indent, "}");
            }
            8 if depth > 0 => {
                let shares: &[u8] = self.u.choose(&[&[50, 50][..], &[30, 70], &[20, 30, 50]])?;
                self.line(indent, "split {");
                for share in shares {
                    let arm = self.fresh("arm");
                    self.line(indent + 1, &format!("{share}% {arm} {{"));
                    self.steps(scope, indent + 2, depth - 1)?;
                    self.line(indent + 1, "}");
                }
                self.line(indent, "}");
            }
            9 => {
                let set = self.u.choose(&[
                    "set profile.seats = profile.seats + 1",
                    "set profile.vip = true",
                    "set profile.vip = not profile.vip",
                    "set profile.plan = \"pro\"",
                    "set profile.lifecycle = customer",
                ])?;
                self.line(indent, set);
            }
            10 => {
                let tag = self
                    .u
                    .choose(&["tag \"vip\"", "untag \"vip\"", "tag \"hot\""])?;
                self.line(indent, tag);
            }
            11 if !scope.scores.is_empty() => {
                let score = self.u.choose(scope.scores)?.clone();
                let op = self.u.choose(&["+=", "-="])?;
                self.line(indent, &format!("score {score} {op} 5"));
            }
            12 => {
                let goal = self.fresh("g");
                self.line(indent, &format!("goal {goal}"));
            }
            13 => self.line(indent, "exit"),
            _ => {
                let template = self.fresh("t");
                self.line(indent, &format!("send email \"{template}\""));
            }
        }
        Ok(())
    }

    fn journey(&mut self, segments: &[String], scores: &[String]) -> ArbResult<()> {
        let name = self.fresh("j");
        self.line(0, &format!("journey {name} {{"));
        let mut binding = None;
        let mut scope = Scope {
            segments,
            scores,
            binding: None,
        };
        match self.u.int_in_range(0..=5u8)? {
            0..=2 => {
                let event = self.u.choose_index(EVENTS.len())?;
                let mut head = format!("enter on {}", EVENTS[event]);
                if self.u.arbitrary()? {
                    head.push_str(" as a");
                    binding = Some(("a", event));
                }
                if self.u.arbitrary()? {
                    let _ = write!(head, " where {}", field_condition(self.u, event)?);
                }
                self.line(1, &head);
            }
            3 | 4 => {
                let condition = self.condition(&scope, 1)?;
                self.line(1, &format!("enter when {condition}"));
            }
            _ => {
                let d = duration(self.u)?;
                self.line(1, &format!("enter when inactive {d}"));
            }
        }
        let reenter =
            self.u
                .choose(&["", "reenter always", "reenter never", "reenter after 1d"])?;
        if !reenter.is_empty() {
            self.line(1, reenter);
        }
        for kind in ["goal", "exit"] {
            if self.u.ratio(1, 3)? {
                let event = self.u.choose_index(EVENTS.len())?;
                let condition = field_condition(self.u, event)?;
                let goal = if kind == "goal" {
                    self.fresh("g") + " "
                } else {
                    String::new()
                };
                self.line(
                    1,
                    &format!("{kind} {goal}on {} where {condition}", EVENTS[event]),
                );
            }
        }
        scope.binding = binding;
        self.steps(&scope, 1, 3)?;
        self.line(0, "}");
        Ok(())
    }

    fn program(&mut self) -> ArbResult<()> {
        self.out.push_str(SCHEMA);
        self.out.push_str("\npolicy {\n  consent email when profile.consent_email\n  consent sms when profile.consent_sms\n");
        if self.u.ratio(1, 3)? {
            self.line(1, "cap email 3 per 7d");
        }
        if self.u.ratio(1, 4)? {
            self.line(1, "quiet hours 21:00 to 08:00 local");
        }
        self.out.push_str("}\n\n");
        let mut segments = Vec::new();
        for _ in 0..self.u.int_in_range(0..=2u8)? {
            let scope = Scope {
                segments: &segments,
                scores: &[],
                binding: None,
            };
            let condition = self.condition(&scope, 1)?;
            let name = self.fresh("seg");
            self.line(0, &format!("segment {name} = {condition}"));
            segments.push(name);
        }
        let mut scores = Vec::new();
        for _ in 0..self.u.int_in_range(0..=2u8)? {
            let name = self.fresh("sc");
            self.line(0, &format!("score {name} {{"));
            for _ in 0..self.u.int_in_range(1..=3u8)? {
                let event = self.u.choose_index(EVENTS.len())?;
                let points = self.u.int_in_range(1..=20u8)?;
                let sign = if self.u.ratio(1, 4)? { "-" } else { "+" };
                let filter = if self.u.arbitrary()? {
                    format!(" where {}", field_condition(self.u, event)?)
                } else {
                    String::new()
                };
                self.line(
                    1,
                    &format!("on {}{filter} => {sign}{points}", EVENTS[event]),
                );
            }
            if self.u.ratio(1, 3)? {
                let scope = Scope {
                    segments: &segments,
                    scores: &[],
                    binding: None,
                };
                let condition = self.condition(&scope, 0)?;
                self.line(1, &format!("while {condition} => +7"));
            }
            if self.u.ratio(1, 3)? {
                self.line(1, "decay 50% every 10d");
            }
            self.line(0, "}");
            scores.push(name);
        }
        self.out.push('\n');
        for _ in 0..self.u.int_in_range(1..=3u8)? {
            self.journey(&segments, &scores)?;
        }
        Ok(())
    }
}

/// Generates a program's text from the choices in `u`.
pub fn program(u: &mut Unstructured<'_>) -> ArbResult<String> {
    let mut generator = Generator {
        u,
        out: String::new(),
        names: 0,
    };
    generator.program()?;
    Ok(generator.out)
}

/// `YYYY-MM-DDTHH:MM:SSZ` of epoch seconds (days to civil date after Howard Hinnant).
fn rfc3339(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let secs = seconds.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// 2026-01-05T10:00:00Z.
const START: i64 = 1_767_607_200;

/// Generates a stream of Segment NDJSON lines; returns it and the time of its last line.
pub fn stream(u: &mut Unstructured<'_>) -> ArbResult<(String, i64)> {
    let mut out = String::new();
    let mut at = START;
    for _ in 0..u.int_in_range(1..=40u8)? {
        let step: i64 = *u.choose(&[0, 60, 3_600, 6 * 3_600, 86_400, 3 * 86_400, -3_600])?;
        at += step;
        let contact = u.choose(&["c1", "c2", "c3"])?;
        let time = rfc3339(at);
        if u.ratio(1, 6)? {
            let trait_ = u.choose(&[
                "\"vip\":true",
                "\"vip\":false",
                "\"seats\":3",
                "\"plan\":\"pro\"",
                "\"plan\":null",
                "\"lifecycle\":\"customer\"",
                "\"consent_email\":false",
                "\"timezone\":\"Europe/Paris\"",
            ])?;
            let _ = writeln!(
                out,
                "{{\"type\":\"identify\",\"userId\":\"{contact}\",\"timestamp\":\"{time}\",\"traits\":{{{trait_}}}}}"
            );
            continue;
        }
        let event = u.choose_index(EVENTS.len())?;
        let properties = match event {
            0 => format!(
                "\"cart\":\"{}\",\"value\":{},\"items\":{}",
                u.choose(&["k1", "k2"])?,
                u.choose(&["5.0", "15.5", "60.0", "250.0"])?,
                u.int_in_range(1..=4u8)?
            ),
            1 => format!(
                "\"order\":\"{}\",\"value\":{}{}",
                u.choose(&["o1", "o2"])?,
                u.choose(&["5.0", "25.5", "120.0", "600.0"])?,
                u.choose(&["", ",\"coupon\":null", ",\"coupon\":\"SAVE\""])?
            ),
            2 => format!("\"campaign\":\"{}\"", u.choose(&["a", "b"])?),
            3 => format!(
                "\"path\":\"{}\"",
                u.choose(&["/pricing", "/home", "/pricing/x"])?
            ),
            _ => format!(
                "\"form\":\"{}\"",
                u.choose(&["demo", "trial", "newsletter"])?
            ),
        };
        let _ = writeln!(
            out,
            "{{\"type\":\"track\",\"event\":\"{}\",\"userId\":\"{contact}\",\"timestamp\":\"{time}\",\"properties\":{{{properties}}}}}",
            EVENTS[event]
        );
    }
    Ok((out, at))
}

#[derive(Default)]
struct Collect {
    actions: String,
    /// `at` and `id` of each action, in order.
    keys: Vec<(i64, u128)>,
    rejects: Vec<String>,
}

impl Sink for Collect {
    fn action(&mut self, program: &Program, action: &Action<'_>) {
        self.actions.push_str(&action.to_json(program));
        self.actions.push('\n');
        self.keys.push((action.at, action.id));
    }

    fn reject(&mut self, reject: &Reject) {
        self.rejects.push(reject.to_json());
    }
}

fn run(
    program: &Program,
    evaluator: &dyn Evaluator,
    events: &str,
    until: i64,
    pause_at: Option<usize>,
) -> Result<Collect, String> {
    let options = Options::default();
    let mut engine = Engine::new(program, evaluator, options);
    let mut sink = Collect::default();
    for (i, line) in events.lines().enumerate() {
        if Some(i) == pause_at {
            let saved = serde_json::to_string(engine.state())
                .map_err(|e| format!("the state does not serialise: {e}"))?;
            let state: RunState = serde_json::from_str(&saved)
                .map_err(|e| format!("the state does not deserialise: {e}"))?;
            engine = Engine::from_state(program, evaluator, options, state)
                .map_err(|e| format!("the saved state does not fit: {e}"))?;
        }
        engine.handle_line(i as u64 + 1, line.as_bytes(), &mut sink);
    }
    engine.finish(Some(until), &mut sink);
    Ok(sink)
}

/// Checks one input.
pub fn check(data: &[u8]) -> Result<(), String> {
    let mut u = Unstructured::new(data);
    let Ok(text) = program(&mut u) else {
        return Ok(());
    };
    let Ok((events, last)) = stream(&mut u) else {
        return Ok(());
    };
    check_case(&text, &events, last + 40 * 86_400)
}

/// Checks one program and stream: see the module's documentation.
pub fn check_case(text: &str, events: &str, until: i64) -> Result<(), String> {
    GENERATED.fetch_add(1, Ordering::Relaxed);
    let mut sources = SourceMap::new();
    sources.add("generated.journey", text.to_string());
    let analysis = journey_check::check(&sources);
    if analysis.has_errors() {
        SKIPPED.fetch_add(1, Ordering::Relaxed);
        return Ok(());
    }
    let context = || format!("\n--- program ---\n{text}--- events ---\n{events}");
    let program = journey_ir::lower(&analysis)
        .map_err(|e| format!("a checked program does not lower: {e}{}", context()))?;
    let jit = journey_jit::compile(&program)
        .map_err(|e| format!("the JIT cannot compile it: {}{}", e.reason, context()))?;
    let interpreter = Interpreter::new(&program);
    let first = run(&program, &interpreter, events, until, None)?;
    let half = events.lines().count() / 2;
    let second = run(&program, &jit, events, until, Some(half))?;
    if first.actions != second.actions || first.rejects != second.rejects {
        return Err(format!(
            "the backends differ\n--- interpreter ---\n{}{:?}\n--- jit (resumed after {half} lines) ---\n{}{:?}{}",
            first.actions,
            first.rejects,
            second.actions,
            second.rejects,
            context()
        ));
    }
    let mut ids = HashSet::new();
    for pair in first.keys.windows(2) {
        if pair[1].0 < pair[0].0 {
            return Err(format!(
                "actions out of order: {} after {}\n{}{}",
                pair[1].0,
                pair[0].0,
                first.actions,
                context()
            ));
        }
    }
    for (_, id) in &first.keys {
        if !ids.insert(*id) {
            return Err(format!(
                "action id {id:032x} twice\n{}{}",
                first.actions,
                context()
            ));
        }
    }
    Ok(())
}
