//! The boundary between compiled code and Rust: value tags, the per-call context and the fixed
//! table of `extern "C"` helpers that compiled code may call.
//!
//! Every helper is a safe Rust function: its arguments are plain integers and a `&mut Ctx`, so
//! the only obligation lies with the caller (compiled code), which passes on the context pointer
//! it was itself given (see the crate documentation). Each helper runs its body under
//! [`std::panic::catch_unwind`]: a panic (from the runtime's [`Env`], say) never unwinds through
//! compiled frames; it is parked in the context and resumed once the compiled function returned.

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use journey_check::types::Type;
use journey_ir::eval::{equal, Env, Value};
use journey_ir::{BindingId, EventId, HistoryId, ProfileSlot, ScoreId, SegmentId};

/// The tags of values in compiled code (the `u8` half of a value; the `u64` half is its bits).
pub(crate) mod tag {
    /// A missing value; its bits are always 0.
    pub const MISSING: u8 = 0;
    /// `bool`: bits 0 or 1.
    pub const BOOL: u8 = 1;
    /// `int`: the two's complement bits.
    pub const INT: u8 = 2;
    /// `float`: the IEEE 754 bits.
    pub const FLOAT: u8 = 3;
    /// `string`: a handle (see [`super::CONST_BASE`]).
    pub const STR: u8 = 4;
    /// `duration`: seconds.
    pub const DURATION: u8 = 5;
    /// `time`: seconds since the epoch.
    pub const TIME: u8 = 6;
    /// `date`: days since 1970-01-01, sign-extended.
    pub const DATE: u8 = 7;
    /// An enum value: the variant's index, zero-extended.
    pub const ENUM: u8 = 8;
    /// `list<T>`: a handle.
    pub const LIST: u8 = 9;
}

/// Handles at or above this refer to the program's constant table (`handle - CONST_BASE`);
/// below it, to the per-call scratch values.
pub(crate) const CONST_BASE: u64 = 1 << 32;

/// A set of tags (bit `t` for tag `t`): the values an expression can have besides missing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Tags(pub u32);

impl Tags {
    /// Every tag.
    pub const ALL: Tags = Tags(0x3fe);

    /// The set with one tag.
    pub const fn one(tag: u8) -> Tags {
        Tags(1 << tag)
    }

    /// Whether the set holds this tag.
    pub fn has(self, tag: u8) -> bool {
        self.0 & (1 << tag) != 0
    }

    /// Both sets.
    pub fn union(self, other: Tags) -> Tags {
        Tags(self.0 | other.0)
    }

    /// The values an expression of this static type can have. `float` includes `int`: an `int`
    /// may be stored where a `float` is expected (a default, a `set`, `??`), and the interpreter
    /// keeps it an `int`.
    pub fn of_type(ty: &Type) -> Tags {
        match ty {
            Type::Bool => Tags::one(tag::BOOL),
            Type::Int | Type::TimeOfDay => Tags::one(tag::INT),
            Type::Float => Tags::one(tag::INT).union(Tags::one(tag::FLOAT)),
            Type::String => Tags::one(tag::STR),
            Type::Duration => Tags::one(tag::DURATION),
            Type::Time => Tags::one(tag::TIME),
            Type::Date => Tags::one(tag::DATE),
            Type::Enum(_) => Tags::one(tag::ENUM),
            Type::List(_) => Tags::one(tag::LIST),
            Type::Optional(inner) => Tags::of_type(inner),
            Type::Unknown | Type::Error => Tags::ALL,
        }
    }
}

/// The tag of a value.
pub(crate) fn tag_of(value: &Value) -> u8 {
    match value {
        Value::Missing => tag::MISSING,
        Value::Bool(_) => tag::BOOL,
        Value::Int(_) => tag::INT,
        Value::Float(_) => tag::FLOAT,
        Value::Str(_) => tag::STR,
        Value::Duration(_) => tag::DURATION,
        Value::Time(_) => tag::TIME,
        Value::Date(_) => tag::DATE,
        Value::Enum(_) => tag::ENUM,
        Value::List(_) => tag::LIST,
    }
}

/// What one call of compiled code works with. Compiled code receives a pointer to it as its
/// first argument and hands that pointer to the helpers; it reads and writes `ret` itself.
#[repr(C)]
pub(crate) struct Ctx<'a> {
    /// The bits of the value a helper (or the compiled function) returns; its tag is the
    /// return value. Kept first, at offset 0 ([`RET_OFFSET`]).
    pub ret: u64,
    /// What the expression reads.
    env: &'a dyn Env,
    /// The program's constants (strings, constant lists).
    consts: &'a [Value],
    /// Strings and lists made during this call; a handle below [`CONST_BASE`] indexes it.
    scratch: &'a mut Vec<Value>,
    /// The items of list literals being built (a stack: nested literals are balanced).
    building: Vec<Value>,
    /// A panic caught in a helper, resumed when the compiled function has returned.
    pub panic: Option<Box<dyn Any + Send>>,
}

/// The offset of [`Ctx::ret`].
pub(crate) const RET_OFFSET: i32 = std::mem::offset_of!(Ctx<'static>, ret) as i32;

impl<'a> Ctx<'a> {
    /// A context over an environment, with a scratch vector (emptied first).
    pub fn new(env: &'a dyn Env, consts: &'a [Value], scratch: &'a mut Vec<Value>) -> Ctx<'a> {
        if !scratch.is_empty() {
            // Left over by a call that panicked.
            scratch.clear();
        }
        Ctx {
            ret: 0,
            env,
            consts,
            scratch,
            building: Vec::new(),
            panic: None,
        }
    }

    /// Empties the scratch vector (its strings and lists are no longer needed).
    pub fn clear(&mut self) {
        self.scratch.clear();
    }

    /// The value a handle refers to.
    fn handle(&self, handle: u64) -> Option<&Value> {
        match handle.checked_sub(CONST_BASE) {
            Some(index) => self.consts.get(usize::try_from(index).ok()?),
            None => self.scratch.get(usize::try_from(handle).ok()?),
        }
    }

    /// The value with this tag and these bits (a handle is resolved; an unknown tag or a bad
    /// handle, which compiled code never produces, reads as missing).
    pub fn value(&self, tag: u32, bits: u64) -> Value {
        let Ok(tag) = u8::try_from(tag) else {
            return Value::Missing;
        };
        match tag {
            tag::BOOL => Value::Bool(bits != 0),
            tag::INT => Value::Int(bits as i64),
            tag::FLOAT => Value::Float(f64::from_bits(bits)),
            tag::DURATION => Value::Duration(bits as i64),
            tag::TIME => Value::Time(bits as i64),
            tag::DATE => Value::Date(bits as i64 as i32),
            tag::ENUM => Value::Enum(bits as u32),
            tag::STR | tag::LIST => match self.handle(bits) {
                Some(value) if tag_of(value) == tag => value.clone(),
                _ => Value::Missing,
            },
            _ => Value::Missing,
        }
    }

    /// The value with this tag and these bits, moved out of the scratch vector if it is there
    /// (for the result of a call, which nothing reads afterwards).
    pub fn take_value(&mut self, tag: u32, bits: u64) -> Value {
        if tag == u32::from(tag::STR) || tag == u32::from(tag::LIST) {
            if let Some(slot) = usize::try_from(bits)
                .ok()
                .and_then(|i| self.scratch.get_mut(i))
            {
                if u32::from(tag_of(slot)) == tag {
                    return std::mem::replace(slot, Value::Missing);
                }
            }
        }
        self.value(tag, bits)
    }

    /// The string with this tag and handle, if it is one.
    fn string(&self, tag: u32, bits: u64) -> Option<&str> {
        if tag != u32::from(tag::STR) {
            return None;
        }
        match self.handle(bits) {
            Some(Value::Str(s)) => Some(s),
            _ => None,
        }
    }

    /// Returns a value to compiled code: its tag, with its bits in `ret`. A value outside
    /// `expect` (the tags its static type allows) is returned as missing.
    fn give(&mut self, value: Value, expect: u32) -> u32 {
        let (tag, bits) = match &value {
            Value::Missing => (tag::MISSING, 0),
            Value::Bool(b) => (tag::BOOL, u64::from(*b)),
            Value::Int(v) => (tag::INT, *v as u64),
            Value::Float(v) => (tag::FLOAT, v.to_bits()),
            Value::Duration(v) => (tag::DURATION, *v as u64),
            Value::Time(v) => (tag::TIME, *v as u64),
            Value::Date(d) => (tag::DATE, i64::from(*d) as u64),
            Value::Enum(v) => (tag::ENUM, u64::from(*v)),
            Value::Str(_) => (tag::STR, self.scratch.len() as u64),
            Value::List(_) => (tag::LIST, self.scratch.len() as u64),
        };
        if tag == tag::MISSING || expect & (1 << tag) == 0 {
            self.ret = 0;
            return u32::from(tag::MISSING);
        }
        if tag == tag::STR || tag == tag::LIST {
            self.scratch.push(value);
        }
        self.ret = bits;
        u32::from(tag)
    }
}

/// Runs a helper's body, catching a panic: it is parked in the context (the first one wins)
/// and `fallback` is returned instead.
fn guard<R>(ctx: &mut Ctx<'_>, fallback: R, body: impl FnOnce(&mut Ctx<'_>) -> R) -> R {
    match catch_unwind(AssertUnwindSafe(|| body(&mut *ctx))) {
        Ok(result) => result,
        Err(payload) => {
            if ctx.panic.is_none() {
                ctx.panic = Some(payload);
            }
            ctx.ret = 0;
            fallback
        }
    }
}

const MISSING: u32 = tag::MISSING as u32;
/// The answer of a boolean helper that met a missing operand (or operands of the wrong kind).
const NO_ANSWER: u32 = 2;

// ---- leaf reads ---------------------------------------------------------------------------------

extern "C" fn jit_event_field(ctx: &mut Ctx<'_>, event: u32, slot: u32, expect: u32) -> u32 {
    guard(ctx, MISSING, |ctx| {
        let value = ctx.env.event_field(EventId(event), slot);
        ctx.give(value, expect)
    })
}

extern "C" fn jit_binding_field(
    ctx: &mut Ctx<'_>,
    binding: u32,
    event: u32,
    slot: u32,
    expect: u32,
) -> u32 {
    guard(ctx, MISSING, |ctx| {
        let value = ctx
            .env
            .binding_field(BindingId(binding), EventId(event), slot);
        ctx.give(value, expect)
    })
}

extern "C" fn jit_profile(ctx: &mut Ctx<'_>, slot: u32, expect: u32) -> u32 {
    guard(ctx, MISSING, |ctx| {
        let value = ctx.env.profile(ProfileSlot(slot));
        ctx.give(value, expect)
    })
}

extern "C" fn jit_history(ctx: &mut Ctx<'_>, history: u32, expect: u32) -> u32 {
    guard(ctx, MISSING, |ctx| {
        let value = ctx.env.history(HistoryId(history));
        ctx.give(value, expect)
    })
}

extern "C" fn jit_score(ctx: &mut Ctx<'_>, score: u32) -> i64 {
    guard(ctx, 0, |ctx| ctx.env.score(ScoreId(score)))
}

extern "C" fn jit_segment(ctx: &mut Ctx<'_>, segment: u32) -> u32 {
    guard(ctx, 0, |ctx| u32::from(ctx.env.segment(SegmentId(segment))))
}

extern "C" fn jit_now(ctx: &mut Ctx<'_>) -> i64 {
    guard(ctx, 0, |ctx| ctx.env.now())
}

// ---- strings and lists --------------------------------------------------------------------------

/// `a == b` for operands that may be strings or lists: 0 or 1.
extern "C" fn jit_equal(ctx: &mut Ctx<'_>, ta: u32, a: u64, tb: u32, b: u64) -> u32 {
    guard(ctx, 0, |ctx| {
        if let (Some(x), Some(y)) = (ctx.string(ta, a), ctx.string(tb, b)) {
            return u32::from(x == y);
        }
        u32::from(equal(&ctx.value(ta, a), &ctx.value(tb, b)))
    })
}

/// The order of two strings: -1, 0 or 1, or 2 when they are not both strings.
extern "C" fn jit_str_order(ctx: &mut Ctx<'_>, ta: u32, a: u64, tb: u32, b: u64) -> i32 {
    guard(ctx, 2, |ctx| match (ctx.string(ta, a), ctx.string(tb, b)) {
        (Some(x), Some(y)) => x.cmp(y) as i32,
        _ => 2,
    })
}

/// `a + b` on two strings: the tag (string, or missing) with the handle in `ret`.
extern "C" fn jit_concat(ctx: &mut Ctx<'_>, ta: u32, a: u64, tb: u32, b: u64) -> u32 {
    guard(ctx, MISSING, |ctx| {
        let joined = match (ctx.string(ta, a), ctx.string(tb, b)) {
            (Some(x), Some(y)) => {
                let mut joined = String::with_capacity(x.len() + y.len());
                joined.push_str(x);
                joined.push_str(y);
                Value::Str(Arc::from(joined))
            }
            _ => Value::Missing,
        };
        ctx.give(joined, Tags::ALL.0)
    })
}

/// Whether a list holds a value.
fn any_equal(items: &[Value], needle: &Value) -> u32 {
    u32::from(items.iter().any(|item| equal(item, needle)))
}

/// `a in b`: 0, 1, or 2 for missing.
extern "C" fn jit_in(ctx: &mut Ctx<'_>, ta: u32, a: u64, tb: u32, b: u64) -> u32 {
    guard(ctx, NO_ANSWER, |ctx| {
        let needle = ctx.value(ta, a);
        match (needle, ctx.value(tb, b)) {
            (Value::Missing, _) | (_, Value::Missing) => NO_ANSWER,
            (needle, Value::List(items)) => any_equal(&items, &needle),
            _ => NO_ANSWER,
        }
    })
}

/// `a contains b` on strings or a list: 0, 1, or 2 for missing.
extern "C" fn jit_contains(ctx: &mut Ctx<'_>, ta: u32, a: u64, tb: u32, b: u64) -> u32 {
    guard(ctx, NO_ANSWER, |ctx| {
        if let (Some(hay), Some(needle)) = (ctx.string(ta, a), ctx.string(tb, b)) {
            return u32::from(hay.contains(needle));
        }
        match (ctx.value(ta, a), ctx.value(tb, b)) {
            (Value::List(items), needle) if !needle.is_missing() => any_equal(&items, &needle),
            _ => NO_ANSWER,
        }
    })
}

/// `a starts_with b`: 0, 1, or 2 for missing.
extern "C" fn jit_starts_with(ctx: &mut Ctx<'_>, ta: u32, a: u64, tb: u32, b: u64) -> u32 {
    guard(ctx, NO_ANSWER, |ctx| {
        match (ctx.string(ta, a), ctx.string(tb, b)) {
            (Some(s), Some(p)) => u32::from(s.starts_with(p)),
            _ => NO_ANSWER,
        }
    })
}

/// `a ends_with b`: 0, 1, or 2 for missing.
extern "C" fn jit_ends_with(ctx: &mut Ctx<'_>, ta: u32, a: u64, tb: u32, b: u64) -> u32 {
    guard(ctx, NO_ANSWER, |ctx| {
        match (ctx.string(ta, a), ctx.string(tb, b)) {
            (Some(s), Some(p)) => u32::from(s.ends_with(p)),
            _ => NO_ANSWER,
        }
    })
}

/// Pushes the next item of a list literal.
extern "C" fn jit_list_push(ctx: &mut Ctx<'_>, tag: u32, bits: u64) {
    guard(ctx, (), |ctx| {
        let item = ctx.value(tag, bits);
        ctx.building.push(item);
    })
}

/// Ends a list literal of `count` items pushed last: the handle of the list.
extern "C" fn jit_list_finish(ctx: &mut Ctx<'_>, count: u64) -> u64 {
    guard(ctx, 0, |ctx| {
        let count = usize::try_from(count).unwrap_or(usize::MAX);
        let start = ctx.building.len().saturating_sub(count);
        let items: Arc<[Value]> = ctx.building.drain(start..).collect();
        ctx.scratch.push(Value::List(items));
        (ctx.scratch.len() - 1) as u64
    })
}

// ---- the table ----------------------------------------------------------------------------------

/// The machine types of helpers' parameters and results.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Ty {
    /// The context pointer.
    Ptr,
    /// `u32`/`i32`.
    I32,
    /// `u64`/`i64`.
    I64,
}

/// The helpers compiled code may call, by index into [`HELPERS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Helper {
    EventField,
    BindingField,
    Profile,
    History,
    Score,
    Segment,
    Now,
    Equal,
    StrOrder,
    Concat,
    In,
    Contains,
    StartsWith,
    EndsWith,
    ListPush,
    ListFinish,
}

/// One helper: its symbol, address and signature.
pub(crate) struct HelperInfo {
    /// The symbol compiled code imports.
    pub name: &'static str,
    /// The address the JIT links it to.
    pub address: fn() -> *const u8,
    /// Parameter types.
    pub params: &'static [Ty],
    /// Result type.
    pub result: Option<Ty>,
}

use Ty::{Ptr, I32, I64};

const BINARY: &[Ty] = &[Ptr, I32, I64, I32, I64];

/// The fixed table of helpers, in the order of [`Helper`].
pub(crate) const HELPERS: [HelperInfo; 16] = [
    HelperInfo {
        name: "jit_event_field",
        address: || jit_event_field as *const u8,
        params: &[Ptr, I32, I32, I32],
        result: Some(I32),
    },
    HelperInfo {
        name: "jit_binding_field",
        address: || jit_binding_field as *const u8,
        params: &[Ptr, I32, I32, I32, I32],
        result: Some(I32),
    },
    HelperInfo {
        name: "jit_profile",
        address: || jit_profile as *const u8,
        params: &[Ptr, I32, I32],
        result: Some(I32),
    },
    HelperInfo {
        name: "jit_history",
        address: || jit_history as *const u8,
        params: &[Ptr, I32, I32],
        result: Some(I32),
    },
    HelperInfo {
        name: "jit_score",
        address: || jit_score as *const u8,
        params: &[Ptr, I32],
        result: Some(I64),
    },
    HelperInfo {
        name: "jit_segment",
        address: || jit_segment as *const u8,
        params: &[Ptr, I32],
        result: Some(I32),
    },
    HelperInfo {
        name: "jit_now",
        address: || jit_now as *const u8,
        params: &[Ptr],
        result: Some(I64),
    },
    HelperInfo {
        name: "jit_equal",
        address: || jit_equal as *const u8,
        params: BINARY,
        result: Some(I32),
    },
    HelperInfo {
        name: "jit_str_order",
        address: || jit_str_order as *const u8,
        params: BINARY,
        result: Some(I32),
    },
    HelperInfo {
        name: "jit_concat",
        address: || jit_concat as *const u8,
        params: BINARY,
        result: Some(I32),
    },
    HelperInfo {
        name: "jit_in",
        address: || jit_in as *const u8,
        params: BINARY,
        result: Some(I32),
    },
    HelperInfo {
        name: "jit_contains",
        address: || jit_contains as *const u8,
        params: BINARY,
        result: Some(I32),
    },
    HelperInfo {
        name: "jit_starts_with",
        address: || jit_starts_with as *const u8,
        params: BINARY,
        result: Some(I32),
    },
    HelperInfo {
        name: "jit_ends_with",
        address: || jit_ends_with as *const u8,
        params: BINARY,
        result: Some(I32),
    },
    HelperInfo {
        name: "jit_list_push",
        address: || jit_list_push as *const u8,
        params: &[Ptr, I32, I64],
        result: None,
    },
    HelperInfo {
        name: "jit_list_finish",
        address: || jit_list_finish as *const u8,
        params: &[Ptr, I64],
        result: Some(I64),
    },
];

impl Helper {
    /// Its entry in [`HELPERS`].
    pub fn info(self) -> &'static HelperInfo {
        &HELPERS[self as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_follows_the_enum() {
        let order = [
            (Helper::EventField, "jit_event_field"),
            (Helper::BindingField, "jit_binding_field"),
            (Helper::Profile, "jit_profile"),
            (Helper::History, "jit_history"),
            (Helper::Score, "jit_score"),
            (Helper::Segment, "jit_segment"),
            (Helper::Now, "jit_now"),
            (Helper::Equal, "jit_equal"),
            (Helper::StrOrder, "jit_str_order"),
            (Helper::Concat, "jit_concat"),
            (Helper::In, "jit_in"),
            (Helper::Contains, "jit_contains"),
            (Helper::StartsWith, "jit_starts_with"),
            (Helper::EndsWith, "jit_ends_with"),
            (Helper::ListPush, "jit_list_push"),
            (Helper::ListFinish, "jit_list_finish"),
        ];
        assert_eq!(order.len(), HELPERS.len());
        for (helper, name) in order {
            assert_eq!(helper.info().name, name);
        }
    }

    #[test]
    fn every_type_allows_its_own_values() {
        let cases = [
            (Type::Bool, Value::Bool(true)),
            (Type::Int, Value::Int(1)),
            (Type::Float, Value::Float(1.0)),
            (Type::Float, Value::Int(1)),
            (Type::String, Value::Str("a".into())),
            (Type::Duration, Value::Duration(1)),
            (Type::Time, Value::Time(1)),
            (Type::Date, Value::Date(-1)),
            (
                Type::List(Box::new(Type::Int)),
                Value::List(Vec::new().into()),
            ),
            (Type::Optional(Box::new(Type::Int)), Value::Int(1)),
            (Type::Unknown, Value::Str("a".into())),
        ];
        for (ty, value) in cases {
            assert!(Tags::of_type(&ty).has(tag_of(&value)), "{ty:?} {value:?}");
        }
        assert!(!Tags::of_type(&Type::Int).has(tag::FLOAT));
        assert!(!Tags::ALL.has(tag::MISSING));
    }
}
