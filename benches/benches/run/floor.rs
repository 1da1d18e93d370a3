//! The floor: decoding every line with `serde_json` into plain `#[derive(Deserialize)]` structs
//! whose strings borrow from the line (`Cow`, copied only when a string has escapes), and
//! nothing else. The limit decodes the same structs, so no engine reading this input can go
//! faster than this pass.

use std::borrow::Cow;
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use serde::Deserialize;

use super::input::Lines;

/// A JSON string, borrowed from the line unless it has escapes. (`Option<Cow<str>>` alone
/// would always copy: serde borrows only a field that is a `Cow` itself.)
#[derive(Debug, Default, Deserialize)]
#[serde(transparent)]
pub(super) struct Str<'a>(#[serde(borrow)] pub(super) Cow<'a, str>);

impl Str<'_> {
    pub(super) fn as_str(&self) -> &str {
        &self.0
    }
}

/// A Segment message, as a hand-written consumer would declare it (decoded whole for the floor,
/// read in part by the limit).
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
pub(super) struct Message<'a> {
    #[serde(rename = "type", borrow)]
    pub(super) kind: Str<'a>,
    #[serde(borrow)]
    pub(super) event: Option<Str<'a>>,
    #[serde(rename = "userId", borrow)]
    pub(super) user_id: Option<Str<'a>>,
    #[serde(rename = "anonymousId", borrow)]
    pub(super) anonymous_id: Option<Str<'a>>,
    #[serde(borrow)]
    pub(super) timestamp: Str<'a>,
    #[serde(borrow)]
    pub(super) properties: Option<Properties<'a>>,
    #[serde(borrow)]
    pub(super) traits: Option<Traits<'a>>,
}

/// The properties of every event of `examples/schema.journey`, flattened.
#[allow(dead_code)]
#[derive(Debug, Default, Deserialize)]
pub(super) struct Properties<'a> {
    #[serde(borrow)]
    pub(super) campaign: Option<Str<'a>>,
    #[serde(borrow)]
    pub(super) url: Option<Str<'a>>,
    #[serde(borrow)]
    pub(super) path: Option<Str<'a>>,
    #[serde(borrow)]
    pub(super) referrer: Option<Str<'a>>,
    #[serde(borrow)]
    pub(super) form: Option<Str<'a>>,
    pub(super) company_size: Option<i64>,
    #[serde(borrow)]
    pub(super) cart: Option<Str<'a>>,
    pub(super) value: Option<f64>,
    pub(super) items: Option<i64>,
    #[serde(borrow)]
    pub(super) order: Option<Str<'a>>,
    #[serde(borrow)]
    pub(super) coupon: Option<Str<'a>>,
    #[serde(borrow)]
    pub(super) plan: Option<Str<'a>>,
    #[serde(borrow)]
    pub(super) previous_plan: Option<Str<'a>>,
    #[serde(borrow)]
    pub(super) webinar: Option<Str<'a>>,
    #[serde(borrow)]
    pub(super) title: Option<Str<'a>>,
    #[serde(borrow)]
    pub(super) starts_at: Option<Str<'a>>,
    #[serde(borrow)]
    pub(super) join_url: Option<Str<'a>>,
    pub(super) minutes: Option<i64>,
}

/// The profile traits of `examples/schema.journey`.
#[allow(dead_code)]
#[derive(Debug, Default, Deserialize)]
pub(super) struct Traits<'a> {
    #[serde(borrow)]
    pub(super) email: Option<Str<'a>>,
    #[serde(borrow)]
    pub(super) phone: Option<Str<'a>>,
    #[serde(borrow)]
    pub(super) push_token: Option<Str<'a>>,
    #[serde(borrow)]
    pub(super) first_name: Option<Str<'a>>,
    #[serde(borrow)]
    pub(super) company: Option<Str<'a>>,
    pub(super) company_size: Option<i64>,
    #[serde(borrow)]
    pub(super) plan: Option<Str<'a>>,
    #[serde(borrow)]
    pub(super) timezone: Option<Str<'a>>,
    #[serde(borrow)]
    pub(super) birthday: Option<Str<'a>>,
    pub(super) consent_email: Option<bool>,
    pub(super) consent_sms: Option<bool>,
    #[serde(borrow)]
    pub(super) lifecycle: Option<Str<'a>>,
    #[serde(borrow)]
    pub(super) tags: Option<Vec<Str<'a>>>,
}

pub(super) struct Floor {
    pub(super) time: Duration,
    pub(super) lines: u64,
    pub(super) failed: u64,
    /// Contact ids copied rather than borrowed (they had escapes): 0 on the generated stream.
    pub(super) copied: u64,
}

pub(super) fn floor(path: &Path) -> Floor {
    let started = Instant::now();
    let mut lines = Lines::open(path);
    let (mut failed, mut copied) = (0, 0);
    while let Some((_, line)) = lines.next_line() {
        match serde_json::from_slice::<Message<'_>>(line) {
            Ok(message) => {
                // One branch a line: whether the id was borrowed, as a check that borrowing
                // works (a copied id means every string is likely copied).
                let id = message.user_id.as_ref().or(message.anonymous_id.as_ref());
                if matches!(id, Some(Str(Cow::Owned(_)))) {
                    copied += 1;
                }
                black_box(message);
            }
            Err(_) => failed += 1,
        }
    }
    Floor {
        time: started.elapsed(),
        lines: lines.count(),
        failed,
        copied,
    }
}
