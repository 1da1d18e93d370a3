//! What the JIT's tests share: loading programs, comparing values, and a deterministic random
//! environment shaped by a program's slot types.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use journey_ir::eval::{Env, Value};
use journey_ir::Type;
use journey_ir::{BindingId, EventId, ExprKind, HistoryId, ProfileSlot, Program, ScoreId};
use journey_syntax::SourceMap;

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// Checks and lowers a program of these `(name, text)` files; panics with the diagnostics when
/// it does not check.
pub fn load(files: &[(String, String)]) -> Program {
    let mut sources = SourceMap::new();
    for (name, text) in files {
        sources.add(name.clone(), text.clone());
    }
    let analysis = journey_check::check(&sources);
    if analysis.has_errors() {
        let messages: Vec<String> = analysis
            .diagnostics
            .iter()
            .map(|d| format!("{:?}: {}", d.code, d.message))
            .collect();
        panic!("the program does not check: {messages:#?}");
    }
    journey_ir::lower(&analysis).unwrap_or_else(|e| panic!("lowering failed: {e}"))
}

/// Every `.journey` file under a path (a file or a folder, recursively), sorted.
pub fn journey_files(path: &Path) -> Vec<PathBuf> {
    if path.is_file() {
        return vec![path.to_path_buf()];
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(journey_files(&path));
        } else if path.extension().is_some_and(|e| e == "journey") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// Reads files for [`load`].
pub fn read(paths: &[PathBuf]) -> Vec<(String, String)> {
    paths
        .iter()
        .map(|p| (p.display().to_string(), std::fs::read_to_string(p).unwrap()))
        .collect()
}

/// Whether two values are the same: floats bit for bit except that every NaN is the same
/// (the sign and payload of a NaN are not specified by IEEE 754 arithmetic).
pub fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Float(x), Value::Float(y)) => {
            (x.is_nan() && y.is_nan()) || x.to_bits() == y.to_bits()
        }
        (Value::List(xs), Value::List(ys)) => {
            xs.len() == ys.len() && xs.iter().zip(ys.iter()).all(|(x, y)| same(x, y))
        }
        (x, y) => x == y,
    }
}

/// A small deterministic generator (SplitMix64).
#[derive(Clone)]
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number below `n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// One of these.
    pub fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize].clone()
    }
}

/// Interesting `int`s.
pub const INTS: [i64; 10] = [
    0,
    1,
    -1,
    2,
    7,
    -7,
    i64::MAX,
    i64::MIN,
    i64::MAX - 1,
    i64::MIN + 1,
];
/// Interesting `float`s.
pub const FLOATS: [f64; 11] = [
    0.0,
    -0.0,
    1.5,
    -2.5,
    7.0,
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::MAX,
    f64::MIN_POSITIVE,
    9.223_372_036_854_776e18,
];
/// Strings, some prefixes of others.
pub const STRINGS: [&str; 9] = ["", "a", "ab", "abc", "b", "ba", "vip", "vi", "é"];

/// A random value of a type, missing one time in five (whatever the type).
pub fn random_value(ty: &Type, rng: &mut Rng, enums: &[Vec<String>]) -> Value {
    if rng.below(5) == 0 {
        return Value::Missing;
    }
    present_value(ty.unwrap_optional(), rng, enums)
}

fn int(rng: &mut Rng) -> i64 {
    if rng.below(2) == 0 {
        rng.pick(&INTS)
    } else {
        rng.next() as i64 >> rng.below(64)
    }
}

fn present_value(ty: &Type, rng: &mut Rng, enums: &[Vec<String>]) -> Value {
    match ty {
        Type::Bool => Value::Bool(rng.below(2) == 0),
        Type::Int | Type::TimeOfDay => Value::Int(int(rng)),
        // An `int` may sit where a `float` is expected.
        Type::Float => match rng.below(3) {
            0 => Value::Int(int(rng)),
            1 => Value::Float(rng.pick(&FLOATS)),
            _ => Value::Float(int(rng) as f64 / 8.0),
        },
        Type::String => Value::Str(Arc::from(rng.pick(&STRINGS))),
        Type::Duration => Value::Duration(int(rng)),
        Type::Time => Value::Time(int(rng)),
        Type::Date => Value::Date(int(rng) as i32),
        Type::Enum(id) => {
            let n = enums.get(id.0 as usize).map_or(1, Vec::len) as u64;
            Value::Enum(rng.below(n) as u32)
        }
        Type::List(inner) => {
            let len = rng.below(4);
            let items: Vec<Value> = (0..len).map(|_| random_value(inner, rng, enums)).collect();
            Value::List(items.into())
        }
        Type::Optional(inner) => present_value(inner, rng, enums),
        Type::Unknown => Value::Missing,
    }
}

/// An environment whose every slot holds a random value of its declared type, the same value
/// each time it is read (derived from the seed and the slot). Made with [`RandomEnv::with_records`],
/// it also hands out the event record of one event (sometimes missing its last slot) and the
/// profile record, as the runtime does, and some of its strings are the program's literals
/// (the same `Arc`, or an equal copy).
pub struct RandomEnv<'p> {
    /// The program whose slots these are.
    pub program: &'p Program,
    /// The seed.
    pub seed: u64,
    /// The declared type of each history aggregate (from the expressions that read them).
    history_types: Vec<Type>,
    /// The records handed out, if any.
    records: Option<Records>,
}

/// The records of a [`RandomEnv`].
struct Records {
    event: EventId,
    fields: Vec<Value>,
    profile: Vec<Value>,
}

impl<'p> RandomEnv<'p> {
    /// An environment for a program.
    pub fn new(program: &'p Program, seed: u64) -> Self {
        let mut history_types = vec![Type::Unknown; program.histories.len()];
        for expr in &program.exprs {
            if let ExprKind::History(id) = expr.kind {
                history_types[id.index()] = expr.ty.clone();
            }
        }
        RandomEnv {
            program,
            seed,
            history_types,
            records: None,
        }
    }

    /// An environment for a program that also hands out records (see the type's documentation).
    pub fn with_records(program: &'p Program, seed: u64) -> Self {
        let mut env = RandomEnv::new(program, seed);
        let literals: Vec<Arc<str>> = program.string_literals().cloned().collect();
        let mut rng = env.rng(8, 0, 0, 0);
        let event = EventId(rng.below(program.events.len() as u64) as u32);
        let count = program
            .events
            .get(event.index())
            .map_or(0, |e| e.fields.len());
        let count = count.saturating_sub(rng.below(2) as usize);
        let fields = (0..count as u32)
            .map(|slot| literal(env.field(1, 0, event, slot), &literals, &mut rng))
            .collect();
        let profile = (0..program.profile.len() as u32)
            .map(|slot| literal(env.profile(ProfileSlot(slot)), &literals, &mut rng))
            .collect();
        env.records = Some(Records {
            event,
            fields,
            profile,
        });
        env
    }

    fn rng(&self, kind: u64, a: u64, b: u64, c: u64) -> Rng {
        let mut rng = Rng(self.seed ^ kind.wrapping_mul(0x1000_0001));
        rng.0 ^= rng.next() ^ a;
        rng.0 ^= rng.next() ^ b;
        rng.0 ^= rng.next() ^ c;
        rng
    }

    fn field(&self, kind: u64, binding: u64, event: EventId, slot: u32) -> Value {
        let Some(field) = self
            .program
            .events
            .get(event.index())
            .and_then(|e| e.fields.get(slot as usize))
        else {
            return Value::Missing;
        };
        let mut rng = self.rng(kind, binding, u64::from(event.0), u64::from(slot));
        random_value(&field.ty, &mut rng, &self.program.enums)
    }
}

/// A string made one of the program's literals half of the time: the literal's own `Arc` or an
/// equal copy (so that both the pointer and the byte comparison are taken); lists item by item.
pub fn literal(value: Value, literals: &[Arc<str>], rng: &mut Rng) -> Value {
    match value {
        Value::Str(_) if !literals.is_empty() && rng.below(2) == 0 => {
            let chosen = rng.pick(literals);
            if rng.below(2) == 0 {
                Value::Str(chosen)
            } else {
                Value::Str(Arc::from(&*chosen))
            }
        }
        Value::List(items) => Value::List(
            items
                .iter()
                .map(|item| literal(item.clone(), literals, rng))
                .collect(),
        ),
        other => other,
    }
}

impl Env for RandomEnv<'_> {
    fn event_field(&self, event: EventId, slot: u32) -> Value {
        match &self.records {
            // An environment with records agrees with them, and reads a slot past the end of
            // the record as missing; other events' fields are still answered.
            Some(records) if records.event == event => records
                .fields
                .get(slot as usize)
                .cloned()
                .unwrap_or(Value::Missing),
            _ => self.field(1, 0, event, slot),
        }
    }
    fn binding_field(&self, binding: BindingId, event: EventId, slot: u32) -> Value {
        self.field(2, u64::from(binding.0), event, slot)
    }
    fn profile(&self, slot: ProfileSlot) -> Value {
        if let Some(records) = &self.records {
            return records
                .profile
                .get(slot.index())
                .cloned()
                .unwrap_or(Value::Missing);
        }
        let Some(field) = self.program.profile.get(slot.index()) else {
            return Value::Missing;
        };
        let mut rng = self.rng(3, u64::from(slot.0), 0, 0);
        random_value(&field.ty, &mut rng, &self.program.enums)
    }
    fn score_points(&self, score: ScoreId) -> i64 {
        int(&mut self.rng(4, u64::from(score.0), 0, 0))
    }
    fn history(&self, history: HistoryId) -> Value {
        let ty = self
            .history_types
            .get(history.index())
            .cloned()
            .unwrap_or(Type::Unknown);
        let mut rng = self.rng(6, u64::from(history.0), 0, 0);
        random_value(&ty, &mut rng, &self.program.enums)
    }
    fn now(&self) -> i64 {
        int(&mut self.rng(7, 0, 0, 0))
    }
    fn event_record(&self) -> Option<(EventId, &[Value])> {
        self.records.as_ref().map(|r| (r.event, &r.fields[..]))
    }
    fn profile_record(&self) -> Option<&[Value]> {
        self.records.as_ref().map(|r| &r.profile[..])
    }
}

/// Another environment seen only through `Env`'s methods: it hands out no records, so compiled
/// code calls back for every read (the fallback path).
pub struct WithoutRecords<'e>(pub &'e dyn Env);

impl Env for WithoutRecords<'_> {
    fn event_field(&self, event: EventId, slot: u32) -> Value {
        self.0.event_field(event, slot)
    }
    fn binding_field(&self, binding: BindingId, event: EventId, slot: u32) -> Value {
        self.0.binding_field(binding, event, slot)
    }
    fn profile(&self, slot: ProfileSlot) -> Value {
        self.0.profile(slot)
    }
    fn profile_is_set(&self, slot: ProfileSlot) -> bool {
        self.0.profile_is_set(slot)
    }
    fn score_points(&self, score: ScoreId) -> i64 {
        self.0.score_points(score)
    }
    fn history(&self, history: HistoryId) -> Value {
        self.0.history(history)
    }
    fn now(&self) -> i64 {
        self.0.now()
    }
}
