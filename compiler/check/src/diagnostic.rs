//! The one diagnostic type of the compiler, and the table of stable codes.
//!
//! A [`Diagnostic`] is plain data: a code, a one-line message, labelled spans, help and an
//! optional machine-applicable fix. Its wording is made in [`crate::messages`]; renderers (the
//! CLI's human, JSON, SARIF and GitHub formats, the language server) only lay it out.

use journey_syntax::Span;
use serde::Serialize;

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The program is rejected.
    Error,
    /// The program is accepted but probably wrong.
    Warning,
}

/// A span with a message under it.
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What to say there (may be empty).
    pub message: String,
    /// The primary label is the diagnostic's location; others add context.
    pub primary: bool,
}

/// A replacement that fixes the problem, offered as a code action by the language server.
#[derive(Clone, Debug, PartialEq)]
pub struct Fix {
    /// What the fix does, for the editor's menu.
    pub title: String,
    /// The text to replace.
    pub span: Span,
    /// The new text.
    pub replacement: String,
}

/// A compiler diagnostic.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// Stable code.
    pub code: Code,
    /// Error or warning.
    pub severity: Severity,
    /// One line, lowercase, no trailing period; user text in backticks.
    pub message: String,
    /// The first label is primary.
    pub labels: Vec<Label>,
    /// Extra advice, one line each.
    pub help: Vec<String>,
    /// Machine-applicable fixes.
    pub fixes: Vec<Fix>,
}

impl Diagnostic {
    /// A diagnostic with a primary label; its severity is the code's.
    pub fn new(
        code: Code,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) -> Self {
        Diagnostic {
            code,
            severity: code.severity(),
            message: message.into(),
            labels: vec![Label {
                span,
                message: label.into(),
                primary: true,
            }],
            help: Vec::new(),
            fixes: Vec::new(),
        }
    }

    /// Adds a secondary label.
    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
            primary: false,
        });
        self
    }

    /// Adds a line of help.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help.push(help.into());
        self
    }

    /// Adds a fix.
    pub fn with_fix(
        mut self,
        title: impl Into<String>,
        span: Span,
        replacement: impl Into<String>,
    ) -> Self {
        self.fixes.push(Fix {
            title: title.into(),
            span,
            replacement: replacement.into(),
        });
        self
    }

    /// The primary span.
    pub fn span(&self) -> Span {
        self.labels
            .iter()
            .find(|l| l.primary)
            .or(self.labels.first())
            .map(|l| l.span)
            .unwrap_or_default()
    }
}

macro_rules! codes {
    ($( $(#[$doc:meta])* $variant:ident = $code:literal, $severity:ident, $name:literal; )*) => {
        /// Every diagnostic code. Codes are stable: a code, once published, keeps its meaning.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $( $(#[$doc])* $variant, )*
        }

        impl Code {
            /// Every code, in order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The code as printed: `E0101`.
            pub fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $code, )* }
            }

            /// The default severity.
            pub fn severity(self) -> Severity {
                match self { $( Code::$variant => Severity::$severity, )* }
            }

            /// A short kebab-case name, used as the SARIF rule name.
            pub fn name(self) -> &'static str {
                match self { $( Code::$variant => $name, )* }
            }
        }
    };
}

codes! {
    /// A token the grammar does not allow here.
    E0001 = "E0001", Error, "syntax-error";
    /// A string literal without its closing quote.
    E0002 = "E0002", Error, "unterminated-string";
    /// A block comment without its closing `*/`.
    E0003 = "E0003", Error, "unterminated-comment";
    /// An escape sequence the language does not define.
    E0004 = "E0004", Error, "invalid-escape";
    /// A duration written with two units (`1d 12h`).
    E0005 = "E0005", Error, "compound-duration";
    /// Comparisons chained without parentheses (`a < b < c`).
    E0006 = "E0006", Error, "chained-comparison";
    /// A literal whose value does not exist (`25:00`, `2026-02-30`, an overflowing number).
    E0007 = "E0007", Error, "invalid-literal";
    /// Brackets or prefix operators nested deeper than the compiler allows.
    E0008 = "E0008", Error, "nesting-too-deep";

    /// An event name that no `event` declares.
    E0101 = "E0101", Error, "unknown-event";
    /// A field that the event does not declare.
    E0102 = "E0102", Error, "unknown-field";
    /// A field that the profile does not declare.
    E0103 = "E0103", Error, "unknown-profile-field";
    /// A name that is neither a field in scope, a binding, a score, a segment nor an enum value.
    E0104 = "E0104", Error, "unknown-name";
    /// Two declarations share a name.
    E0105 = "E0105", Error, "duplicate-declaration";
    /// A field, key, arm or binding given twice.
    E0106 = "E0106", Error, "duplicate-field";
    /// A bare name that is both a field of the matched event and a binding.
    E0107 = "E0107", Error, "ambiguous-name";
    /// A channel that is not one of `email sms push in_app webhook mail`.
    E0108 = "E0108", Error, "unknown-channel";
    /// A type name that does not exist.
    E0109 = "E0109", Error, "unknown-type";
    /// `score NAME += N` on a name that is not a score.
    E0110 = "E0110", Error, "unknown-score";
    /// A weekday name that is not a weekday.
    E0111 = "E0111", Error, "unknown-weekday";
    /// A second `profile` or `policy` block.
    E0112 = "E0112", Error, "duplicate-block";
    /// Segments or scores defined in terms of themselves.
    E0113 = "E0113", Error, "cyclic-definition";
    /// A binding used as a value instead of through one of its fields.
    E0114 = "E0114", Error, "binding-as-value";
    /// A goal, template or reason in a test that no journey can produce.
    E0115 = "E0115", Error, "unknown-test-target";

    /// A value of the wrong type.
    E0201 = "E0201", Error, "type-mismatch";
    /// An optional value used where a present one is needed.
    E0202 = "E0202", Error, "optional-misuse";
    /// An operator applied to operands it does not accept.
    E0203 = "E0203", Error, "invalid-operands";
    /// A history function over a field it cannot aggregate.
    E0204 = "E0204", Error, "invalid-history";
    /// A time-zone name that is not in the time-zone database.
    E0205 = "E0205", Error, "unknown-time-zone";
    /// A profile field with neither a default nor an optional type.
    E0206 = "E0206", Error, "profile-field-needs-default";

    /// A journey without an `enter` clause.
    E0301 = "E0301", Error, "missing-enter";
    /// A journey with more than one `enter` clause.
    E0302 = "E0302", Error, "duplicate-enter";
    /// A header clause after the first step.
    E0303 = "E0303", Error, "clause-after-step";
    /// Split percentages that do not add up to 100.
    E0304 = "E0304", Error, "split-total";
    /// `since enter` outside a journey.
    E0305 = "E0305", Error, "since-enter-outside-journey";
    /// A second `reenter` clause.
    E0306 = "E0306", Error, "duplicate-reenter";
    /// A number out of its allowed range (day of month, percentage, zero window).
    E0307 = "E0307", Error, "out-of-range";
    /// Event fields used where no event is being matched.
    E0308 = "E0308", Error, "no-event-in-scope";
    /// A second policy rule of the same kind for the same channel.
    E0309 = "E0309", Error, "duplicate-policy-rule";
    /// A history filter that reads a binding and the contact's state.
    E0310 = "E0310", Error, "history-filter-mixes-binding";
    /// A conversion's `where` that reads more than its event's fields.
    E0311 = "E0311", Error, "conversion-reads-state";

    /// A test event without a property that its declaration requires.
    E0401 = "E0401", Error, "missing-property";
    /// Test lines out of time order.
    E0402 = "E0402", Error, "test-out-of-order";

    /// A step that can never run because an `exit` comes before it.
    W0001 = "W0001", Warning, "unreachable-step";
    /// A declaration that nothing uses.
    W0002 = "W0002", Warning, "unused-declaration";
    /// A send on a channel that has no `consent` rule.
    W0003 = "W0003", Warning, "missing-consent";
    /// A condition whose value never changes.
    W0004 = "W0004", Warning, "constant-condition";
    /// A `wait for` that can never succeed.
    W0005 = "W0005", Warning, "wait-never-succeeds";
    /// A score threshold that no combination of rules can reach.
    W0006 = "W0006", Warning, "unreachable-threshold";
    /// `??` or `is set` on a value that is never missing.
    W0007 = "W0007", Warning, "needless-optional-check";
    /// A conversion in a program that sends nothing it could be credited to.
    W0008 = "W0008", Warning, "conversion-without-sends";
}
