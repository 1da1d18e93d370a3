//! Short explanations of every keyword and contextual word, from `docs/reference.md`, for hover
//! and for the documentation of keyword completions.

/// The declaration keywords, which start a top-level declaration in the first column (the
/// parser's own list, where it resumes after an error).
pub use journey_syntax::DECLARATION_KEYWORDS as DECLARATIONS;

/// Journey header clauses.
pub const CLAUSES: [&str; 4] = ["enter", "reenter", "goal", "exit"];

/// Journey steps.
pub const STEPS: [&str; 11] = [
    "send", "notify", "wait", "if", "split", "set", "score", "tag", "untag", "goal", "exit",
];

/// What may follow `enter`.
pub const ENTRY_KINDS: [&str; 7] = ["on", "when", "daily", "weekly", "monthly", "yearly", "once"];

/// The built-in type names and type constructors.
pub const TYPES: [&str; 9] = [
    "bool", "int", "float", "string", "duration", "time", "date", "enum", "list",
];

/// The history functions.
pub const HISTORY: [&str; 7] = ["count", "sum", "min", "max", "avg", "last", "since"];

/// Help for one keyword, if it is one.
pub fn help(word: &str) -> Option<&'static str> {
    HELP.iter().find(|(k, _)| *k == word).map(|(_, h)| *h)
}

const HELP: &[(&str, &str)] = &[
    ("event", "Declares an event type that the runtime accepts and its typed properties: `event email.opened { campaign: string }`. Every event also has the implicit fields `at: time`, `contact: string` and `account: string?`."),
    ("profile", "`profile { ... }` declares the contact's attributes (at most one block); `profile.FIELD` reads one in an expression."),
    ("policy", "Delivery rules that hold across all journeys: `quiet hours`, `cap` and `consent` (at most one block)."),
    ("segment", "`segment NAME = COND`: a named boolean over the profile, scores and history, used as a condition or an entry trigger."),
    ("score", "`score NAME { rules }`: a named integer per contact, starting at 0. In a journey, `score NAME += N` / `-= N` adjusts its event points."),
    ("journey", "`journey NAME { ... }`: an entry trigger, optional header clauses, then steps that a contact runs through."),
    ("test", "`test \"name\" { ... }`: events given to the program and the records they must produce."),
    ("enter", "The journey's entry trigger (exactly one): `enter on EVENT`, `enter when COND`, `enter when inactive D`, or a schedule (`daily`, `weekly`, `monthly`, `yearly`, `once`)."),
    ("reenter", "`reenter never` (default) / `always` / `after DURATION`: may a contact enter again once it has left."),
    ("exit", "`exit on EVENT [where COND]` (header): leave the journey without a goal when the event arrives. As a step, `exit` leaves the journey now."),
    ("goal", "`goal NAME on EVENT [where COND]` (header): record the goal and leave when the event arrives. As a step, `goal NAME` records a goal and stays."),
    ("on", "Names the event of a trigger or rule: `enter on EVENT`, `goal NAME on EVENT`, `exit on EVENT`, `on EVENT => +N` in a score; or the day of a weekly, monthly or yearly schedule."),
    ("when", "`enter when COND` enters when COND turns from false to true; `consent CHANNEL when COND` in a policy."),
    ("where", "Filters a matching event; inside `where` the event's fields are in scope bare: `where path starts_with \"/pricing\"`."),
    ("as", "`as NAME` binds the matched event, whose fields are then read as `NAME.field`."),
    ("within", "`within DURATION`: the deadline of `wait for`, or the window (now - D, now] of a history function."),
    ("since", "`since(EVENT)`: the time since the last such event (`duration?`); `count(EVENT since enter)` counts events since the journey's entry."),
    ("send", "`send CHANNEL \"template\" [with { k: EXPR }] [at TIMESPEC]`; CHANNEL is one of `email sms push in_app webhook mail` or `best_channel(...)`."),
    ("notify", "`notify TEAM \"template\" [with { ... }]`: an internal notification; no consent or cap applies."),
    ("wait", "`wait DURATION`, `wait until TIMESPEC`, or `wait for EVENT [as NAME] [where COND] within D { ... } [else { ... }]`."),
    ("until", "`wait until TIMESPEC`: the next occurrence of a local time, or an instant expression."),
    ("for", "`wait for EVENT ... within D { ... } [else { ... }]`: the first block runs if the event comes in time, the `else` block if not."),
    ("if", "`if COND { ... } [else if COND { ... }]* [else { ... }]`."),
    ("else", "The block that runs when no `if` condition held, or when a `wait for` deadline passed."),
    ("split", "`split { 50% a { ... } 50% b { ... } }`: a deterministic per-contact split; percentages must add up to 100."),
    ("set", "`set profile.FIELD = EXPR` changes a profile field; `x is set` tests that an optional value is present."),
    ("tag", "`tag \"vip\"` adds a tag to `profile.tags`."),
    ("untag", "`untag \"vip\"` removes a tag from `profile.tags`."),
    ("and", "Logical and (binds tighter than `or`)."),
    ("or", "Logical or (the loosest operator)."),
    ("not", "Logical negation; `x is not set` tests that an optional value is missing."),
    ("is", "`x is set` / `x is not set`: whether an optional value is present."),
    ("local", "A time of day in the contact's zone (`profile.timezone`): `09:00 local`."),
    ("utc", "A time of day in UTC: `09:00 utc`."),
    ("every", "`decay P% every D`: the period of a score's decay."),
    ("daily", "`enter daily at 09:00 local [where COND]`: every known contact for which COND holds, each day."),
    ("weekly", "`enter weekly on monday at 10:00 local [where COND]`."),
    ("monthly", "`enter monthly on day 1 at 10:00 local [where COND]` (days past a month's end: its last day)."),
    ("yearly", "`enter yearly on profile.FIELD at 09:00 local`: each year on that date field (birthdays)."),
    ("once", "`enter once at 2026-12-01T09:00:00Z [where COND]`: a one-off entry for everyone matching."),
    ("at", "A time: `send ... at TIMESPEC`, `enter daily at 09:00 local`; in tests, `at INSTANT CONTACT EVENT { ... }`."),
    ("true", "The boolean true."),
    ("false", "The boolean false."),
    ("cap", "`cap CHANNEL N per D` in a policy (sends over it are suppressed); `cap N per D` on a score rule bounds its points per window."),
    ("per", "The window of a `cap`."),
    ("decay", "`decay P% every D`: at every full period, a score's event points are multiplied by (1 - P)."),
    ("while", "`while COND => +N`: points that hold while COND is true, counted once."),
    ("inactive", "`enter when inactive DURATION`: enters when no input at all has arrived for that long."),
    ("best_time", "The hour of day, in the contact's zone, at which the contact has opened or clicked most; no history gives 10:00 local."),
    ("best_channel", "`best_channel(a, b, ...)`: among the listed channels allowed by consent, the one with the most clicks and opens per send."),
    ("count", "`count(EVENT [where COND] within D)` or `count(EVENT ... since enter)`: `int`, the number of such events."),
    ("sum", "`sum(EVENT.field [where COND] within D)`: the sum of a numeric field (`int` or `float`)."),
    ("min", "`min(EVENT.field [where COND] within D)`: the smallest value, optional."),
    ("max", "`max(EVENT.field [where COND] within D)`: the largest value, optional."),
    ("avg", "`avg(EVENT.field [where COND] within D)`: the average, `float?`."),
    ("last", "`last(EVENT).field`: the field of the latest such event, optional."),
    ("now", "The current event time (`time`)."),
    ("conversion", "`conversion NAME on EVENT [where COND] [value FIELD] [within D]`: an event that `journey report` credits to the sends in the window before it (default 7d), with the numeric field `value` as its value. It changes no action."),
    ("quiet", "`quiet hours 21:00 to 08:00 local`: a send due inside is delayed to the window's end."),
    ("hours", "`quiet hours FROM to TO ZONE` in a policy."),
    ("to", "`quiet hours FROM to TO ZONE`: the end of the window (exclusive)."),
    ("consent", "`consent CHANNEL when COND`: a send without consent is suppressed."),
    ("day", "`enter monthly on day N at ...`: the day of the month."),
    ("never", "`reenter never` (the default): a contact enters at most once."),
    ("always", "`reenter always`: a contact may enter again whenever it has left."),
    ("after", "`reenter after DURATION`: counted from the contact's last entry."),
    ("with", "`with { key: EXPR, ... }`: the payload of a send or notify."),
    ("enum", "`enum { a, b, c }`: a type whose values are written bare where it is expected."),
    ("list", "`list<T>`: a list type, for example `tags: list<string> = []`."),
    ("given", "`given CONTACT { trait: value }` in a test: an identify before the first event."),
    ("expect", "`expect INSTANT CONTACT (send CHANNEL \"t\" | notify TEAM \"t\" | goal NAME | suppressed CHANNEL \"t\" REASON)`."),
    ("identify", "`at INSTANT CONTACT identify { ... }` in a test: a profile update."),
    ("value", "`value FIELD` in a `conversion`: the event's numeric field that carries the conversion's value."),
    ("suppressed", "`expect ... suppressed CHANNEL \"template\" consent|cap`: a send that was not delivered."),
    ("in", "`x in LIST`: list membership."),
    ("contains", "`LIST contains x`, or `string contains string`."),
    ("starts_with", "`string starts_with string`."),
    ("ends_with", "`string ends_with string`."),
];

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn every_keyword_and_contextual_word_has_help() {
        for word in journey_syntax::KEYWORDS
            .iter()
            .chain(journey_syntax::CONTEXTUAL_WORDS.iter())
        {
            assert!(help(word).is_some(), "no help for `{word}`");
        }
    }
}
