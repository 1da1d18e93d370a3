//! The helpers compiled code calls (`extern "C"`, each body under `catch_unwind` through
//! [`guard`]): leaf reads the lent slices cannot serve, string and list operations, and the
//! fixed table of them ([`HELPERS`]) that code generation declares.

use super::*;

/// Runs a helper's body, catching a panic: it is parked in the context (the first one wins)
/// and `fallback` is returned instead.
pub(super) fn guard<R>(ctx: &mut Ctx<'_>, fallback: R, body: impl FnOnce(&mut Ctx<'_>) -> R) -> R {
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

pub(super) const MISSING: u32 = tag::MISSING as u32;
/// The answer of a boolean helper that met a missing operand (or operands of the wrong kind).
pub(super) const NO_ANSWER: u32 = 2;

// ---- leaf reads ---------------------------------------------------------------------------------

pub(super) extern "C" fn jit_event_field(
    ctx: &mut Ctx<'_>,
    event: u32,
    slot: u32,
    expect: u32,
) -> u32 {
    guard(ctx, MISSING, |ctx| {
        let value = ctx.env.event_field(EventId(event), slot);
        ctx.give(value, expect)
    })
}

pub(super) extern "C" fn jit_binding_field(
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

pub(super) extern "C" fn jit_profile(ctx: &mut Ctx<'_>, slot: u32, expect: u32) -> u32 {
    guard(ctx, MISSING, |ctx| {
        let value = ctx.env.profile(ProfileSlot(slot));
        ctx.give(value, expect)
    })
}

/// Whether a profile field has a value: 0 or 1 (0 when the environment panicked).
pub(super) extern "C" fn jit_profile_is_set(ctx: &mut Ctx<'_>, slot: u32) -> u32 {
    guard(ctx, 0, |ctx| {
        u32::from(ctx.env.profile_is_set(ProfileSlot(slot)))
    })
}

pub(super) extern "C" fn jit_history(ctx: &mut Ctx<'_>, history: u32, expect: u32) -> u32 {
    guard(ctx, MISSING, |ctx| {
        let value = ctx.env.history(HistoryId(history));
        ctx.give(value, expect)
    })
}

pub(super) extern "C" fn jit_score_points(ctx: &mut Ctx<'_>, score: u32) -> i64 {
    guard(ctx, 0, |ctx| ctx.env.score_points(ScoreId(score)))
}

pub(super) extern "C" fn jit_now(ctx: &mut Ctx<'_>) -> i64 {
    guard(ctx, 0, |ctx| ctx.env.now())
}

// ---- strings and lists --------------------------------------------------------------------------

/// Two strings are equal: the same allocation (an input string the decoder interned against a
/// literal, say), or the same length and bytes.
pub(super) fn same_str(x: &str, y: &str) -> bool {
    x.len() == y.len()
        && (std::ptr::eq(x.as_ptr(), y.as_ptr()) || same_bytes(x.as_bytes(), y.as_bytes()))
}

/// Two byte strings of the same length are equal. Up to 16 bytes, by two overlapping loads of
/// 8 (or 4) bytes from each end, without a call to `memcmp`, whose setup costs more than such a
/// comparison (most strings compared in filters are short).
#[inline]
pub(super) fn same_bytes(x: &[u8], y: &[u8]) -> bool {
    let n = x.len();
    if y.len() != n {
        return false;
    }
    let word = |s: &[u8], at: usize| {
        s.get(at..at + 8)
            .and_then(|b| <[u8; 8]>::try_from(b).ok())
            .map(u64::from_ne_bytes)
    };
    let half = |s: &[u8], at: usize| {
        s.get(at..at + 4)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map(u32::from_ne_bytes)
    };
    match n {
        8..=16 => word(x, 0) == word(y, 0) && word(x, n - 8) == word(y, n - 8),
        4..=7 => half(x, 0) == half(y, 0) && half(x, n - 4) == half(y, n - 4),
        0..=3 => x.iter().zip(y).all(|(a, b)| a == b),
        _ => x == y,
    }
}

/// `s starts_with p` (bytes, as `str::starts_with`), compared by [`same_bytes`].
pub(super) fn starts_with(s: &str, p: &str) -> bool {
    let (s, p) = (s.as_bytes(), p.as_bytes());
    s.get(..p.len()).is_some_and(|head| same_bytes(head, p))
}

/// `s ends_with p` (bytes, as `str::ends_with`), compared by [`same_bytes`].
pub(super) fn ends_with(s: &str, p: &str) -> bool {
    let (s, p) = (s.as_bytes(), p.as_bytes());
    s.len()
        .checked_sub(p.len())
        .and_then(|start| s.get(start..))
        .is_some_and(|tail| same_bytes(tail, p))
}

/// Whether a value is a deferred read (see [`BINDING_BASE`]).
#[inline]
pub(super) fn deferred(tag: u32, bits: u64) -> bool {
    (tag == u32::from(tag::STR) || tag == u32::from(tag::LIST)) && bits >> 32 == BINDING_BASE >> 32
}

/// `f` of both operands' strings, if both are strings. Strings are borrowed where their
/// handles point (returned in registers, nothing copied); a deferred read is made first.
#[inline]
pub(super) fn with_strings<R>(
    ctx: &Ctx<'_>,
    (ta, a): (u32, u64),
    (tb, b): (u32, u64),
    f: impl FnOnce(Option<(&str, &str)>) -> R,
) -> R {
    if deferred(ta, a) || deferred(tb, b) {
        // Each read is kept where the environment writes it and only borrowed (a copy of a
        // value just written stalls on store-to-load forwarding).
        let first = match deferred(ta, a) {
            true => ctx.read(a),
            false => Value::Missing,
        };
        let second = match deferred(tb, b) {
            true => ctx.read(b),
            false => Value::Missing,
        };
        let x = match deferred(ta, a) {
            true => ctx.deferred_string(a, &first),
            false => ctx.string(ta, a),
        };
        let y = match deferred(tb, b) {
            true => ctx.deferred_string(b, &second),
            false => ctx.string(tb, b),
        };
        return f(x.zip(y));
    }
    f(ctx.string(ta, a).zip(ctx.string(tb, b)))
}

/// `a == b` for operands that may be strings or lists: 0 or 1.
pub(super) extern "C" fn jit_equal(ctx: &mut Ctx<'_>, ta: u32, a: u64, tb: u32, b: u64) -> u32 {
    guard(ctx, 0, |ctx| {
        let strings = with_strings(ctx, (ta, a), (tb, b), |s| s.map(|(x, y)| same_str(x, y)));
        u32::from(match strings {
            Some(same) => same,
            None => equal(&ctx.operand(ta, a), &ctx.operand(tb, b)),
        })
    })
}

/// The order of two strings: -1, 0 or 1, or 2 when they are not both strings.
pub(super) extern "C" fn jit_str_order(ctx: &mut Ctx<'_>, ta: u32, a: u64, tb: u32, b: u64) -> i32 {
    guard(ctx, 2, |ctx| {
        with_strings(ctx, (ta, a), (tb, b), |s| match s {
            Some((x, y)) => x.cmp(y) as i32,
            None => 2,
        })
    })
}

/// `a + b` on two strings: the tag (string, or missing) with the handle in `ret`.
pub(super) extern "C" fn jit_concat(ctx: &mut Ctx<'_>, ta: u32, a: u64, tb: u32, b: u64) -> u32 {
    guard(ctx, MISSING, |ctx| {
        let joined = with_strings(ctx, (ta, a), (tb, b), |s| match s {
            Some((x, y)) => {
                let mut joined = String::with_capacity(x.len() + y.len());
                joined.push_str(x);
                joined.push_str(y);
                Value::Str(Arc::from(joined))
            }
            None => Value::Missing,
        });
        ctx.give(joined, Tags::ALL.0)
    })
}

/// Whether a list holds a value.
pub(super) fn any_equal(items: &[Value], needle: &Value) -> u32 {
    u32::from(items.iter().any(|item| equal(item, needle)))
}

/// `a in b`: 0, 1, or 2 for missing.
pub(super) extern "C" fn jit_in(ctx: &mut Ctx<'_>, ta: u32, a: u64, tb: u32, b: u64) -> u32 {
    guard(ctx, NO_ANSWER, |ctx| {
        match (&*ctx.operand(ta, a), &*ctx.operand(tb, b)) {
            (Value::Missing, _) | (_, Value::Missing) => NO_ANSWER,
            (needle, Value::List(items)) => any_equal(items, needle),
            _ => NO_ANSWER,
        }
    })
}

/// `a contains b` on strings or a list: 0, 1, or 2 for missing.
pub(super) extern "C" fn jit_contains(ctx: &mut Ctx<'_>, ta: u32, a: u64, tb: u32, b: u64) -> u32 {
    guard(ctx, NO_ANSWER, |ctx| {
        let strings = with_strings(ctx, (ta, a), (tb, b), |s| {
            s.map(|(hay, needle)| u32::from(hay.contains(needle)))
        });
        if let Some(answer) = strings {
            return answer;
        }
        match (&*ctx.operand(ta, a), &*ctx.operand(tb, b)) {
            (Value::List(items), needle) if !needle.is_missing() => any_equal(items, needle),
            _ => NO_ANSWER,
        }
    })
}

/// `a starts_with b`: 0, 1, or 2 for missing.
pub(super) extern "C" fn jit_starts_with(
    ctx: &mut Ctx<'_>,
    ta: u32,
    a: u64,
    tb: u32,
    b: u64,
) -> u32 {
    guard(ctx, NO_ANSWER, |ctx| {
        with_strings(ctx, (ta, a), (tb, b), |s| match s {
            Some((s, p)) => u32::from(starts_with(s, p)),
            None => NO_ANSWER,
        })
    })
}

/// `a ends_with b`: 0, 1, or 2 for missing.
pub(super) extern "C" fn jit_ends_with(ctx: &mut Ctx<'_>, ta: u32, a: u64, tb: u32, b: u64) -> u32 {
    guard(ctx, NO_ANSWER, |ctx| {
        with_strings(ctx, (ta, a), (tb, b), |s| match s {
            Some((s, p)) => u32::from(ends_with(s, p)),
            None => NO_ANSWER,
        })
    })
}

/// Pushes the next item of a list literal.
pub(super) extern "C" fn jit_list_push(ctx: &mut Ctx<'_>, tag: u32, bits: u64) {
    guard(ctx, (), |ctx| {
        let item = ctx.value(tag, bits);
        ctx.space().building.push(item);
    })
}

/// Ends a list literal of `count` items pushed last: the tag (list, or missing) with the handle
/// in `ret`.
pub(super) extern "C" fn jit_list_finish(ctx: &mut Ctx<'_>, count: u64) -> u32 {
    guard(ctx, MISSING, |ctx| {
        let count = usize::try_from(count).unwrap_or(usize::MAX);
        let building = &mut ctx.space().building;
        let start = building.len().saturating_sub(count);
        let items: Arc<[Value]> = building.drain(start..).collect();
        ctx.give(Value::List(items), Tags::ALL.0)
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
    ProfileIsSet,
    History,
    ScorePoints,
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

pub(super) const BINARY: &[Ty] = &[Ptr, I32, I64, I32, I64];

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
        name: "jit_profile_is_set",
        address: || jit_profile_is_set as *const u8,
        params: &[Ptr, I32],
        result: Some(I32),
    },
    HelperInfo {
        name: "jit_history",
        address: || jit_history as *const u8,
        params: &[Ptr, I32, I32],
        result: Some(I32),
    },
    HelperInfo {
        name: "jit_score_points",
        address: || jit_score_points as *const u8,
        params: &[Ptr, I32],
        result: Some(I64),
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
        result: Some(I32),
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
            (Helper::ProfileIsSet, "jit_profile_is_set"),
            (Helper::History, "jit_history"),
            (Helper::ScorePoints, "jit_score_points"),
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
    fn short_comparisons_agree_with_str() {
        let words = [
            "",
            "a",
            "ab",
            "abc",
            "abcd",
            "abcde",
            "abcdefg",
            "abcdefgh",
            "abcdefghi",
            "abcdefghijklmnop",
            "abcdefghijklmnopq",
            "abcdefghijklmnoq",
            "bbcdefghijklmnop",
            "é",
            "éa",
            "aé",
            "/pricing",
            "/pricing/teams",
            "/pricinh",
            "abcdefghijkl",
            "abcdefXhijkl",
            "abcXefg",
            "abXd",
        ];
        for x in words {
            for y in words {
                assert_eq!(same_str(x, y), x == y, "{x:?} == {y:?}");
                assert_eq!(
                    starts_with(x, y),
                    x.starts_with(y),
                    "{x:?} starts_with {y:?}"
                );
                assert_eq!(ends_with(x, y), x.ends_with(y), "{x:?} ends_with {y:?}");
            }
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
