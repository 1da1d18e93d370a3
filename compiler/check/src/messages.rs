//! Every word the compiler says to its users, in one place.
//!
//! Rules, after Cedar and rustc: a message is one lowercase line with no trailing period, user
//! text in backticks, never a Rust type name; explanation goes into labels and help.

use journey_syntax::{Expected, LiteralKind, SyntaxError, SyntaxErrorKind, TokenClass};

use journey_syntax::ast::{Duration, Ident, TypeExpr};
use journey_syntax::Span;

use crate::diagnostic::{Code, Diagnostic};
use crate::program::GlobalKind;

/// The diagnostic for a syntax error.
pub fn syntax_error(error: &SyntaxError) -> Diagnostic {
    let span = error.span;
    match &error.kind {
        SyntaxErrorKind::Unexpected { expected, found } => {
            unexpected_token(span, expected, found.as_deref())
        }
        SyntaxErrorKind::UnterminatedString => Diagnostic::new(
            Code::E0002,
            "unterminated string literal",
            span,
            "this string has no closing `\"`",
        )
        .with_help("strings end on the line they start; write a line break as `\\n`"),
        SyntaxErrorKind::UnterminatedComment => Diagnostic::new(
            Code::E0003,
            "unterminated block comment",
            span,
            "this comment is never closed",
        )
        .with_help("close it with `*/`"),
        SyntaxErrorKind::InvalidEscape(escape) => Diagnostic::new(
            Code::E0004,
            format!("unknown escape `{escape}`"),
            span,
            "not a valid escape",
        )
        .with_help("valid escapes are `\\\"`, `\\\\`, `\\n`, `\\t` and `\\u{...}`"),
        SyntaxErrorKind::TooDeep(limit) => Diagnostic::new(
            Code::E0008,
            format!("this nests more than {limit} levels deep"),
            span,
            "too deep",
        )
        .with_help(
            "split the expression into segments, or remove redundant parentheses and operators",
        ),
        SyntaxErrorKind::ChainedComparison => Diagnostic::new(
            Code::E0006,
            "comparison operators cannot be chained",
            span,
            "second comparison",
        )
        .with_help("split it with `and`: `a < b and b < c`"),
        SyntaxErrorKind::InvalidLiteral { what, text } => {
            let what = match what {
                LiteralKind::Int => "integer",
                LiteralKind::Duration => "duration",
                LiteralKind::TimeOfDay => "time of day",
                LiteralKind::Date => "date",
                LiteralKind::Instant => "instant",
                LiteralKind::Percent => "percentage",
            };
            Diagnostic::new(
                Code::E0007,
                format!("invalid {what} `{text}`"),
                span,
                format!("not a valid {what}"),
            )
        }
    }
}

const STEP_WORDS: [&str; 11] = [
    "send", "notify", "wait", "if", "split", "set", "score", "tag", "untag", "goal", "exit",
];
const CLAUSE_WORDS: [&str; 4] = ["enter", "reenter", "goal", "exit"];
const CONTINUATIONS: [&str; 19] = [
    "*",
    "+",
    "-",
    "/",
    ".",
    "and",
    "or",
    "is",
    "??",
    "<",
    ">",
    "==",
    "!=",
    "<=",
    ">=",
    "in",
    "contains",
    "starts_with",
    "ends_with",
];
const EXPRESSION_STARTS: [&str; 16] = [
    "(", "[", "-", "not", "avg", "count", "false", "last", "max", "min", "now", "profile", "since",
    "sum", "true", "\"",
];

fn unexpected_token(span: Span, expected: &[Expected], found: Option<&str>) -> Diagnostic {
    let tokens: Vec<&str> = expected
        .iter()
        .filter_map(|e| match e {
            Expected::Token(t) => Some(*t),
            Expected::Class(_) => None,
        })
        .collect();
    // What could only continue the expression before the error is noise once something else
    // was possible too: "expected a step" beats "expected `*`, `+`, `and`, ...".
    let is_continuation = |e: &Expected| match e {
        Expected::Token(t) => CONTINUATIONS.contains(t),
        Expected::Class(c) => matches!(c, TokenClass::Operator | TokenClass::Duration),
    };
    let mut shown: Vec<Expected> = expected.to_vec();
    if shown.iter().any(|e| !is_continuation(e)) {
        shown.retain(|e| !is_continuation(e));
    }
    if shown.contains(&Expected::Class(TokenClass::Expression)) {
        shown.retain(|e| match e {
            Expected::Token(t) => !EXPRESSION_STARTS.contains(t),
            Expected::Class(c) => !matches!(
                c,
                TokenClass::String | TokenClass::Number | TokenClass::Integer
            ),
        });
    }
    let count = |words: &[&str]| tokens.iter().filter(|t| words.contains(t)).count();
    if count(&journey_syntax::DECLARATION_KEYWORDS) >= 5 {
        shown.retain(|e| !matches!(e, Expected::Token(t) if journey_syntax::DECLARATION_KEYWORDS.contains(t)));
        shown.push(Expected::Class(TokenClass::Declaration));
    } else if count(&STEP_WORDS) >= 5 {
        let with_clauses = count(&CLAUSE_WORDS) >= 3;
        shown.retain(|e| !matches!(e, Expected::Token(t) if STEP_WORDS.contains(t) || CLAUSE_WORDS.contains(t)));
        shown.push(Expected::Class(if with_clauses {
            TokenClass::JourneyItem
        } else {
            TokenClass::Step
        }));
    }
    shown.sort();
    shown.dedup();
    let found_text = found.map_or("end of file".to_string(), |f| format!("`{f}`"));
    let expected_text = describe_expected(&shown);
    let mut d = Diagnostic::new(
        Code::E0001,
        format!("expected {expected_text}, found {found_text}"),
        span,
        format!("expected {expected_text}"),
    );
    let word = found.filter(|f| f.chars().next().is_some_and(|c| c.is_ascii_alphabetic()));
    if let Some(word) = word {
        let candidates = tokens
            .iter()
            .copied()
            .filter(|t| t.chars().all(|c| c.is_ascii_alphabetic() || c == '_'));
        if let Some(keyword) = crate::suggest::did_you_mean(word, candidates) {
            d = d.with_help(format!("did you mean `{keyword}`?")).with_fix(
                format!("replace with `{keyword}`"),
                span,
                keyword,
            );
        } else if journey_syntax::KEYWORDS.contains(&word)
            && shown.iter().any(|e| {
                matches!(
                    e,
                    Expected::Class(TokenClass::Name | TokenClass::Expression)
                )
            })
        {
            d = d.with_help(format!(
                "`{word}` is a reserved word and cannot be used as a name"
            ));
        }
    }
    d
}

fn describe_expected(expected: &[Expected]) -> String {
    let words: Vec<String> = expected
        .iter()
        .map(|e| match e {
            Expected::Token(t) => format!("`{t}`"),
            Expected::Class(c) => class_name(*c).to_string(),
        })
        .collect();
    match words.as_slice() {
        [] => "something else".to_string(),
        [one] => one.clone(),
        [first, second] => format!("{first} or {second}"),
        [init @ .., last] => format!("one of {}, or {last}", init.join(", ")),
    }
}

fn class_name(class: TokenClass) -> &'static str {
    match class {
        TokenClass::Declaration => "a declaration",
        TokenClass::Name => "a name",
        TokenClass::EventName => "an event name",
        TokenClass::Type => "a type",
        TokenClass::Expression => "an expression",
        TokenClass::Step => "a step",
        TokenClass::JourneyItem => "a clause or step",
        TokenClass::Integer => "an integer",
        TokenClass::Number => "a number",
        TokenClass::String => "a string",
        TokenClass::Duration => "a duration",
        TokenClass::Percent => "a percentage",
        TokenClass::TimeOfDay => "a time of day",
        TokenClass::Instant => "an instant",
        TokenClass::Points => "points such as `+10`",
        TokenClass::Operator => "an operator",
        TokenClass::ScoreRule => "a score rule",
        TokenClass::PolicyRule => "a policy rule",
        TokenClass::TestItem => "`given`, `at` or `expect`",
    }
}

// ---- names ------------------------------------------------------------------------------------

fn kind_name(kind: GlobalKind) -> &'static str {
    match kind {
        GlobalKind::Event => "an event",
        GlobalKind::Segment => "a segment",
        GlobalKind::Score => "a score",
        GlobalKind::Journey => "a journey",
    }
}

fn suggest(diagnostic: Diagnostic, span: Span, suggestion: Option<&str>) -> Diagnostic {
    match suggestion {
        Some(s) => diagnostic
            .with_help(format!("did you mean `{s}`?"))
            .with_fix(format!("replace with `{s}`"), span, s),
        None => diagnostic,
    }
}

/// E0105
pub fn duplicate_declaration(name: &str, span: Span, first: Span) -> Diagnostic {
    Diagnostic::new(
        Code::E0105,
        format!("the name `{name}` is declared more than once"),
        span,
        "declared again here",
    )
    .with_label(first, "first declared here")
    .with_help("events, segments, scores and journeys share one namespace; rename one of them")
}

/// E0105 for two conversions of one name.
pub fn duplicate_conversion(name: &str, span: Span, first: Span) -> Diagnostic {
    Diagnostic::new(
        Code::E0105,
        format!("the conversion `{name}` is declared more than once"),
        span,
        "declared again here",
    )
    .with_label(first, "first declared here")
    .with_help("reports count each conversion by name; rename one of them")
}

/// E0311
pub fn conversion_reads_state(span: Span, event: &str) -> Diagnostic {
    Diagnostic::new(
        Code::E0311,
        format!("a conversion's `where` may read only the fields of `{event}`"),
        span,
        "not a field of the event",
    )
    .with_help(
        "a conversion is judged from its event alone; compare the event's fields with constants",
    )
}

/// E0201 for a conversion's `value` field.
pub fn conversion_value_not_numeric(span: Span, found: &str) -> Diagnostic {
    Diagnostic::new(
        Code::E0201,
        format!("a conversion's value must be an `int` or `float` field, found `{found}`"),
        span,
        format!("this is `{found}`"),
    )
}

/// E0112
pub fn duplicate_block(kind: &str, span: Span, first: Span) -> Diagnostic {
    Diagnostic::new(
        Code::E0112,
        format!("a program has at most one `{kind}` block"),
        span,
        format!("second `{kind}` block"),
    )
    .with_label(first, "the first one is here")
    .with_help(format!("merge the two `{kind}` blocks into one"))
}

/// E0106
pub fn duplicate_field(name: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::E0106,
        format!("`{name}` is given more than once"),
        span,
        "given again here",
    )
    .with_help("remove or rename one of them")
}

/// E0106 for an implicit event field.
pub fn implicit_field_redeclared(name: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::E0106,
        format!("every event already has the field `{name}`"),
        span,
        "declared again here",
    )
    .with_help("`at`, `contact` and `account` are implicit fields of every event; rename this one")
}

/// E0206
pub fn profile_field_needs_default(name: &str, span: Span, ty: &TypeExpr) -> Diagnostic {
    Diagnostic::new(
        Code::E0206,
        format!("profile field `{name}` has no default and is not optional"),
        span,
        "starts out missing",
    )
    .with_help("make it optional with `?`, or give it a default with `= value`")
    .with_fix("make it optional", ty.span.shrink_to_end(), "?")
}

/// E0109
pub fn unknown_type(name: &str, span: Span, suggestion: Option<&str>) -> Diagnostic {
    let d = Diagnostic::new(
        Code::E0109,
        format!("unknown type `{name}`"),
        span,
        "not a type",
    )
    .with_help(
        "types are `bool int float string duration time date`, `enum { ... }` and `list<T>`",
    );
    suggest(d, span, suggestion)
}

/// E0109 for `list<T?>`.
pub fn optional_list_element(span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::E0109,
        "list elements cannot be optional",
        span,
        "optional element type",
    )
    .with_help("remove the `?`: a list simply leaves missing values out")
}

/// E0101
pub fn unknown_event(
    ident: &Ident,
    suggestion: Option<&str>,
    other_kind: Option<GlobalKind>,
) -> Diagnostic {
    let mut d = Diagnostic::new(
        Code::E0101,
        format!("unknown event `{}`", ident.name),
        ident.span,
        "no `event` declares this",
    );
    if let Some(kind) = other_kind {
        d = d.with_help(format!(
            "`{}` is {}, not an event",
            ident.name,
            kind_name(kind)
        ));
    }
    if suggestion.is_none() {
        d = d.with_help(format!("declare it: `event {} {{ ... }}`", ident.name));
    }
    suggest(d, ident.span, suggestion)
}

/// E0102
pub fn unknown_field(field: &Ident, event: &str, suggestion: Option<&str>) -> Diagnostic {
    let d = Diagnostic::new(
        Code::E0102,
        format!("event `{event}` has no field `{}`", field.name),
        field.span,
        "unknown field",
    );
    suggest(d, field.span, suggestion)
}

/// E0102 for a field of a value that has none.
pub fn no_fields(field: &Ident, ty: &str) -> Diagnostic {
    Diagnostic::new(
        Code::E0102,
        format!("a value of type `{ty}` has no field `{}`", field.name),
        field.span,
        "no such field",
    )
}

/// E0103
pub fn unknown_profile_field(field: &Ident, suggestion: Option<&str>) -> Diagnostic {
    let d = Diagnostic::new(
        Code::E0103,
        format!("the profile has no field `{}`", field.name),
        field.span,
        "unknown profile field",
    );
    let d = if suggestion.is_none() {
        d.with_help(format!(
            "declare it in the `profile` block: `{}: string?`",
            field.name
        ))
    } else {
        d
    };
    suggest(d, field.span, suggestion)
}

/// E0103 for a bare `profile`.
pub fn profile_without_field(span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::E0103,
        "`profile` needs a field",
        span,
        "not a value on its own",
    )
    .with_help("write `profile.FIELD`, e.g. `profile.email`")
}

/// E0103 for `tag` and `untag` without a `tags` list in the profile.
pub fn tags_field_missing(span: Span, wrong_type: bool) -> Diagnostic {
    if wrong_type {
        Diagnostic::new(
            Code::E0201,
            "`tag` and `untag` need `profile.tags` to be a `list<string>`",
            span,
            "edits `profile.tags`",
        )
        .with_help("declare it as `tags: list<string> = []`")
    } else {
        Diagnostic::new(
            Code::E0103,
            "the profile has no field `tags`",
            span,
            "`tag` and `untag` edit `profile.tags`",
        )
        .with_help("declare it in the `profile` block: `tags: list<string> = []`")
    }
}

/// E0102 for a bare name inside `where` that is no field of the matched event.
pub fn unknown_bare_field(ident: &Ident, event: &str, suggestion: Option<&str>) -> Diagnostic {
    let d = Diagnostic::new(
        Code::E0102,
        format!("event `{event}` has no field `{}`", ident.name),
        ident.span,
        "not a field, score or segment",
    )
    .with_help(format!(
        "inside `where`, bare names are fields of `{event}`, scores and segments"
    ));
    suggest(d, ident.span, suggestion)
}

/// E0104
pub fn unknown_name(ident: &Ident, suggestion: Option<&str>) -> Diagnostic {
    let d = Diagnostic::new(Code::E0104, format!("cannot find `{}` in this scope", ident.name), ident.span, "not found")
        .with_help("a bare name is a field of the matched event (inside `where`), a score, a segment or an enum value");
    suggest(d, ident.span, suggestion)
}

/// E0104 for a bare name that is not a variant of the expected enum.
pub fn unknown_enum_value(
    ident: &Ident,
    variants: &[String],
    suggestion: Option<&str>,
) -> Diagnostic {
    let d = Diagnostic::new(
        Code::E0104,
        format!("`{}` is not a value of this enum", ident.name),
        ident.span,
        "not a variant",
    )
    .with_help(format!(
        "the values are {}",
        variants
            .iter()
            .map(|v| format!("`{v}`"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    suggest(d, ident.span, suggestion)
}

/// E0104 for an event name used as a value.
pub fn event_as_value(name: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::E0104,
        format!("the event `{name}` is not a value"),
        span,
        "an event type",
    )
    .with_help(format!(
        "use a history function such as `count({name} within 7d)` or `last({name}).FIELD`"
    ))
}

/// E0107
pub fn ambiguous_name(ident: &Ident, event: &str, binding: Span) -> Diagnostic {
    Diagnostic::new(
        Code::E0107,
        format!(
            "`{}` is both a field of `{event}` and a binding",
            ident.name
        ),
        ident.span,
        "ambiguous",
    )
    .with_label(binding, "the binding is introduced here")
    .with_help(format!(
        "rename the binding, e.g. `as {}_event`",
        ident.name
    ))
}

/// E0114
pub fn binding_as_value(ident: &Ident) -> Diagnostic {
    Diagnostic::new(
        Code::E0114,
        format!(
            "the binding `{}` stands for an event and is not a value",
            ident.name
        ),
        ident.span,
        "an event binding",
    )
    .with_help(format!("use one of its fields, e.g. `{}.at`", ident.name))
}

/// E0106 for a binding that shadows another.
pub fn duplicate_binding(ident: &Ident) -> Diagnostic {
    Diagnostic::new(
        Code::E0106,
        format!("the binding `{}` is already in scope", ident.name),
        ident.span,
        "bound again here",
    )
    .with_help("give this binding another name")
}

/// E0308
pub fn field_without_event(ident: &Ident) -> Diagnostic {
    Diagnostic::new(Code::E0308, format!("`{}` is an event field, but no event is matched here", ident.name), ident.span, "no event in scope")
        .with_help("event fields are in scope bare only inside `where`; bind the event with `as NAME` and write `NAME.FIELD`, or use `last(EVENT).FIELD`")
}

/// E0108
pub fn unknown_channel(ident: &Ident, suggestion: Option<&str>) -> Diagnostic {
    let d = Diagnostic::new(
        Code::E0108,
        format!("unknown channel `{}`", ident.name),
        ident.span,
        "not a channel",
    )
    .with_help("channels are `email`, `sms`, `push`, `in_app`, `webhook` and `mail`");
    suggest(d, ident.span, suggestion)
}

/// E0110
pub fn unknown_score(ident: &Ident, suggestion: Option<&str>) -> Diagnostic {
    let d = Diagnostic::new(
        Code::E0110,
        format!("unknown score `{}`", ident.name),
        ident.span,
        "no `score` declares this",
    );
    suggest(d, ident.span, suggestion)
}

/// E0111
pub fn unknown_weekday(ident: &Ident, suggestion: Option<&str>) -> Diagnostic {
    let d = Diagnostic::new(
        Code::E0111,
        format!("`{}` is not a weekday", ident.name),
        ident.span,
        "expected `monday` … `sunday`",
    );
    suggest(d, ident.span, suggestion)
}

/// E0113
pub fn cyclic_definition(cycle: &[(String, Span)]) -> Diagnostic {
    let Some((first, span)) = cycle.first() else {
        return Diagnostic::new(Code::E0113, "cyclic definition", Span::default(), "");
    };
    let path: Vec<String> = cycle
        .iter()
        .map(|(n, _)| format!("`{n}`"))
        .chain(std::iter::once(format!("`{first}`")))
        .collect();
    let mut d = Diagnostic::new(
        Code::E0113,
        format!("`{first}` is defined in terms of itself"),
        *span,
        "cycle starts here",
    )
    .with_help(format!(
        "the cycle is {}; break it so each value can be computed",
        path.join(" → ")
    ));
    for (name, use_span) in cycle.iter().skip(1) {
        d = d.with_label(*use_span, format!("`{name}` is part of the cycle"));
    }
    d
}

// ---- types -----------------------------------------------------------------------------------

/// E0201
pub fn type_mismatch(span: Span, expected: &str, found: &str) -> Diagnostic {
    Diagnostic::new(
        Code::E0201,
        format!("mismatched types: expected `{expected}`, found `{found}`"),
        span,
        format!("this is `{found}`"),
    )
}

/// E0201 for a condition that is not a `bool`.
pub fn condition_not_bool(span: Span, found: &str) -> Diagnostic {
    Diagnostic::new(
        Code::E0201,
        format!("a condition must be `bool`, found `{found}`"),
        span,
        format!("this is `{found}`"),
    )
    .with_help("compare it with something, e.g. `x > 0` or `x == \"value\"`")
}

/// E0202
pub fn optional_misuse(span: Span, found: &str, needed: &str) -> Diagnostic {
    let default = match needed.trim_end_matches('?') {
        "int" => "0",
        "float" => "0.0",
        "string" => "\"\"",
        "bool" => "false",
        "duration" => "0s",
        "time" => "now",
        t if t.starts_with("list<") => "[]",
        _ => "DEFAULT",
    };
    Diagnostic::new(
        Code::E0202,
        format!(
            "`{found}` may be missing where {} `{needed}` is needed",
            article(needed)
        ),
        span,
        "this value may be missing",
    )
    .with_help(format!(
        "give a default with `?? {default}`, or test it first with `is set`"
    ))
    .with_fix(
        format!("add `?? {default}`"),
        span.shrink_to_end(),
        format!(" ?? {default}"),
    )
}

/// E0203
pub fn invalid_operands(span: Span, op: &str, left: &str, right: &str) -> Diagnostic {
    Diagnostic::new(
        Code::E0203,
        format!("`{op}` cannot be applied to `{left}` and `{right}`"),
        span,
        "invalid operands",
    )
    .with_help(operator_help(op))
}

fn operator_help(op: &str) -> &'static str {
    match op {
        "+" | "-" => {
            "`+` and `-` take numbers, durations, a time and a duration, or (for `+`) two strings"
        }
        "*" | "/" => "`*` and `/` take numbers, or a duration and an `int`",
        "starts_with" | "ends_with" => "both sides must be strings",
        "contains" => "`contains` takes two strings, or a list and an element",
        "in" => "the right side of `in` must be a list",
        _ => "both sides must be numbers, durations, times, dates or strings of the same kind",
    }
}

/// E0203 for a unary operator.
pub fn invalid_unary(span: Span, op: &str, ty: &str) -> Diagnostic {
    Diagnostic::new(
        Code::E0203,
        format!("`{op}` cannot be applied to `{ty}`"),
        span,
        "invalid operand",
    )
    .with_help("negation takes an `int`, a `float` or a `duration`")
}

/// E0204
pub fn last_without_field(span: Span, event: &str) -> Diagnostic {
    Diagnostic::new(
        Code::E0204,
        format!("`last({event})` needs a field"),
        span,
        "an event, not a value",
    )
    .with_help(format!("write `last({event}).FIELD`"))
}

/// E0204
pub fn aggregate_needs_field(span: Span, function: &str, event: &str) -> Diagnostic {
    Diagnostic::new(
        Code::E0204,
        format!("`{function}` needs a field to aggregate"),
        span,
        "no field given",
    )
    .with_help(format!("write `{function}({event}.FIELD within 30d)`"))
}

/// E0204
pub fn aggregate_not_numeric(span: Span, function: &str, field: &str, ty: &str) -> Diagnostic {
    Diagnostic::new(Code::E0204, format!("`{function}` needs a number, but `{field}` is `{ty}`"), span, "not a number")
        .with_help("`sum`, `min`, `max` and `avg` aggregate `int` and `float` fields; use `count` to count events")
}

/// E0205
pub fn unknown_time_zone(zone: &str, span: Span, suggestion: Option<&str>) -> Diagnostic {
    let d = Diagnostic::new(
        Code::E0205,
        format!("unknown time zone `{zone}`"),
        span,
        "not in the time-zone database",
    )
    .with_help("use an IANA name such as `Europe/Paris` or `America/New_York`");
    match suggestion {
        Some(s) => d.with_help(format!("did you mean `{s}`?")).with_fix(
            format!("replace with `{s}`"),
            span,
            format!("\"{s}\""),
        ),
        None => d,
    }
}

/// E0005
pub fn compound_duration(span: Span, parts: &[Duration]) -> Diagnostic {
    let total: i64 = parts.iter().map(|d| d.seconds()).sum();
    let suggestion = [
        (604_800, 'w'),
        (86_400, 'd'),
        (3_600, 'h'),
        (60, 'm'),
        (1, 's'),
    ]
    .iter()
    .find(|(unit, _)| total % unit == 0)
    .map(|(unit, suffix)| format!("{}{suffix}", total / unit))
    .unwrap_or_default();
    Diagnostic::new(
        Code::E0005,
        "a duration has exactly one unit",
        span,
        "two durations in a row",
    )
    .with_help(format!("write it in one unit: `{suggestion}`"))
    .with_fix(
        format!("replace with `{suggestion}`"),
        span,
        suggestion.clone(),
    )
}

// ---- structure -------------------------------------------------------------------------------

/// E0301
pub fn missing_enter(name: &Ident) -> Diagnostic {
    Diagnostic::new(
        Code::E0301,
        format!("journey `{}` has no `enter` clause", name.name),
        name.span,
        "no way in",
    )
    .with_help("add one, e.g. `enter on form.submitted`")
}

/// E0302
pub fn duplicate_enter(span: Span, first: Span) -> Diagnostic {
    Diagnostic::new(
        Code::E0302,
        "a journey has exactly one `enter` clause",
        span,
        "second `enter`",
    )
    .with_label(first, "first `enter` here")
    .with_help("split it into two journeys, or combine the conditions into one `enter when ...`")
}

/// E0306
pub fn duplicate_reenter(span: Span, first: Span) -> Diagnostic {
    Diagnostic::new(
        Code::E0306,
        "a journey has at most one `reenter` clause",
        span,
        "second `reenter`",
    )
    .with_label(first, "first `reenter` here")
}

/// E0303
pub fn clause_after_step(span: Span, first_step: Span) -> Diagnostic {
    Diagnostic::new(
        Code::E0303,
        "header clauses come before the first step",
        span,
        "clause after a step",
    )
    .with_label(first_step, "the first step is here")
    .with_help("move `enter`, `reenter`, `goal ... on` and `exit on` to the top of the journey")
}

/// E0304
pub fn split_total(span: Span, total: f64, arms: &[(Span, String)]) -> Diagnostic {
    let mut d = Diagnostic::new(
        Code::E0304,
        format!(
            "split percentages add up to {}%, not 100%",
            format_number(total)
        ),
        span,
        "does not total 100%",
    )
    .with_help("adjust the arms so they add up to exactly 100%");
    for (arm_span, text) in arms {
        d = d.with_label(*arm_span, format!("{text}%"));
    }
    d
}

fn format_number(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value}")
    }
}

/// E0305
pub fn since_enter_outside_journey(span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::E0305,
        "`since enter` is only meaningful inside a journey",
        span,
        "no journey entry here",
    )
    .with_help("use a fixed window such as `within 30d`")
}

/// E0310
pub fn history_filter_mixes_binding(binding: Span, state: Span, what: &str) -> Diagnostic {
    Diagnostic::new(
        Code::E0310,
        format!("this history filter reads both a binding and {what}"),
        binding,
        "read when the aggregate is read",
    )
    .with_label(state, "read when each event arrives")
    .with_help(
        "a filter that reads a binding is evaluated over the kept events when the aggregate is \
         read, so it may read only the event's fields, bindings and constants; test the rest \
         outside the aggregate, as in `profile.plan == \"pro\" and count(...)`, and let the \
         window bound the time instead of `now`",
    )
}

/// E0307
pub fn zero_window(span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::E0307,
        "this duration must be longer than zero",
        span,
        "zero",
    )
}

/// E0307
pub fn non_positive(span: Span, what: &str) -> Diagnostic {
    Diagnostic::new(
        Code::E0307,
        format!("{what} must be at least 1"),
        span,
        "too small",
    )
}

/// E0307
pub fn percent_out_of_range(span: Span, text: &str) -> Diagnostic {
    Diagnostic::new(
        Code::E0307,
        format!("`{text}%` is out of range"),
        span,
        "must be more than 0% and at most 100%",
    )
}

/// E0307
pub fn day_of_month_out_of_range(span: Span, value: i64) -> Diagnostic {
    Diagnostic::new(
        Code::E0307,
        format!("day `{value}` is not a day of the month"),
        span,
        "must be 1 to 31",
    )
    .with_help(
        "days past a month's end mean its last day, so `day 31` is the last day of every month",
    )
}

/// E0307
pub fn empty_quiet_hours(span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::E0307,
        "quiet hours start and end at the same time",
        span,
        "empty window",
    )
    .with_help("quiet hours are the window [start, end); give two different times")
}

/// E0201 for `enter yearly on` a field that is not a date.
pub fn yearly_needs_date(field: &Ident, ty: &str) -> Diagnostic {
    Diagnostic::new(
        Code::E0201,
        format!(
            "`enter yearly on` needs a `date` field, but `profile.{}` is `{ty}`",
            field.name
        ),
        field.span,
        "not a date",
    )
}

/// E0309
pub fn duplicate_policy_rule(span: Span, first: Span, what: &str) -> Diagnostic {
    Diagnostic::new(
        Code::E0309,
        format!("more than one {what}"),
        span,
        "given again here",
    )
    .with_label(first, "first given here")
    .with_help("keep one rule; combine conditions with `and` / `or`")
}

// ---- tests -----------------------------------------------------------------------------------

/// E0401
pub fn missing_properties(event: &Ident, missing: &[String]) -> Diagnostic {
    let list = missing
        .iter()
        .map(|m| format!("`{m}`"))
        .collect::<Vec<_>>()
        .join(", ");
    Diagnostic::new(
        Code::E0401,
        format!("event `{}` is missing {list}", event.name),
        event.span,
        "missing properties",
    )
    .with_help("give every property that is not optional")
}

/// E0402
pub fn test_out_of_order(span: Span, previous: Span) -> Diagnostic {
    Diagnostic::new(
        Code::E0402,
        "test lines must be in time order",
        span,
        "goes back in time",
    )
    .with_label(previous, "an earlier line is already at this instant")
    .with_help("order the `at` and `expect` lines by their instants")
}

/// E0115
pub fn unknown_template(
    span: Span,
    channel: &str,
    template: &str,
    suggestion: Option<&str>,
) -> Diagnostic {
    let d = Diagnostic::new(
        Code::E0115,
        format!("no journey sends `{template}` on `{channel}`"),
        span,
        "this can never be produced",
    );
    match suggestion {
        Some(s) => d.with_help(format!("did you mean `{s}`?")).with_fix(
            format!("replace with `{s}`"),
            span,
            format!("\"{s}\""),
        ),
        None => d,
    }
}

/// E0115
pub fn unknown_notify(span: Span, wanted: &str, suggestion: Option<&str>) -> Diagnostic {
    let d = Diagnostic::new(
        Code::E0115,
        format!("no journey notifies `{wanted}`"),
        span,
        "this can never be produced",
    );
    match suggestion {
        Some(s) => d.with_help(format!("did you mean `{s}`?")),
        None => d,
    }
}

/// E0115
pub fn unknown_goal(name: &Ident, suggestion: Option<&str>) -> Diagnostic {
    let d = Diagnostic::new(
        Code::E0115,
        format!("no journey has the goal `{}`", name.name),
        name.span,
        "unknown goal",
    );
    suggest(d, name.span, suggestion)
}

/// E0115
pub fn unknown_reason(reason: &Ident, suggestion: Option<&str>) -> Diagnostic {
    let d = Diagnostic::new(
        Code::E0115,
        format!("`{}` is not a reason for suppression", reason.name),
        reason.span,
        "expected `consent` or `cap`",
    );
    suggest(d, reason.span, suggestion)
}

// ---- lints -----------------------------------------------------------------------------------

/// W0001
pub fn unreachable_step(span: Span, exit: Span) -> Diagnostic {
    Diagnostic::new(
        Code::W0001,
        "this step is never reached",
        span,
        "unreachable",
    )
    .with_label(exit, "the journey exits here")
    .with_help("remove the steps after `exit`, or move `exit` after them")
}

/// W0002
pub fn unused_declaration(kind: &str, name: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::W0002,
        format!("{kind} `{name}` is never used"),
        span,
        "declared here",
    )
    .with_help("use it in a journey, score or segment, or remove it")
}

/// W0003
pub fn missing_consent(channel: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::W0003,
        format!("no consent rule for `{channel}`"),
        span,
        "sent without a consent check",
    )
    .with_help(format!(
        "add `consent {channel} when ...` to the `policy` block"
    ))
}

/// W0004
pub fn constant_condition(span: Span, value: Option<bool>) -> Diagnostic {
    let message = match value {
        Some(true) => "this condition is always true".to_string(),
        Some(false) => "this condition is always false".to_string(),
        None => "this condition never changes".to_string(),
    };
    Diagnostic::new(Code::W0004, message, span, "made of literals only")
        .with_help("a condition should depend on the event, the profile, scores or history")
}

/// W0005
pub fn wait_never_succeeds(event: &Ident, ender: Span, what: &str) -> Diagnostic {
    Diagnostic::new(Code::W0005, format!("this wait for `{}` can never succeed", event.name), event.span, "never matched")
        .with_label(ender, format!("`{}` always ends the journey first ({what})", event.name))
        .with_help("goal and exit rules are handled before waiting steps; add a `where` to the rule or wait for another event")
}

/// W0006
pub fn unreachable_threshold(
    span: Span,
    score: &str,
    op: &str,
    value: i64,
    min: Option<i64>,
    max: Option<i64>,
) -> Diagnostic {
    let range = match (min, max) {
        (Some(lo), Some(hi)) => format!("its rules keep it between {lo} and {hi}"),
        (None, Some(hi)) => format!("its rules never take it above {hi}"),
        (Some(lo), None) => format!("its rules never take it below {lo}"),
        (None, None) => "its rules do not bound it".to_string(),
    };
    Diagnostic::new(
        Code::W0006,
        format!("`{score}` can never be {op} {value}"),
        span,
        "never true",
    )
    .with_help(range)
}

/// W0008
pub fn conversion_without_sends(name: &Ident) -> Diagnostic {
    Diagnostic::new(
        Code::W0008,
        format!("conversion `{}` has no send to be credited to", name.name),
        name.span,
        "no journey of the program sends a message",
    )
    .with_help(
        "a report credits a conversion to the sends before it; add a journey that sends, or \
         remove the conversion",
    )
}

/// W0007 for `??`.
pub fn needless_default(span: Span, left: Span, ty: &str) -> Diagnostic {
    Diagnostic::new(
        Code::W0007,
        "the left side of `??` is never missing",
        span,
        "the default is never used",
    )
    .with_label(left, format!("this is `{ty}`, not optional"))
    .with_help("remove `?? ...`")
}

/// W0007 for `is set`.
pub fn needless_is_set(span: Span, ty: &str) -> Diagnostic {
    Diagnostic::new(
        Code::W0007,
        format!("a `{ty}` is always set"),
        span,
        "always true",
    )
    .with_help("`is set` tests optional values (`T?`)")
}

/// "a" or "an" before a word, by its first letter.
fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}
