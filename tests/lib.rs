//! Helpers shared by the data-driven tests of the journey compiler: reading `//~` annotations,
//! comparing them with the checker's diagnostics, and rendering diagnostics for reports; and, in
//! [`runs`], what the runtime corpora share.

pub mod runs;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use journey_check::{Code, Diagnostic};
use journey_syntax::{SourceFile, SourceMap};

/// One expected diagnostic: a code whose primary span starts on a line.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Expectation {
    /// One-based line on which the diagnostic's primary span starts.
    pub line: u32,
    /// The code, as printed (`E0101`).
    pub code: String,
    /// One-based line of the `//~` comment that states it.
    pub written_on: u32,
}

/// Reads the `//~ CODE...` annotations of a file.
///
/// `//~ E0101` names the line it is on, `//~^ E0101` the line above, `//~^^` two lines above and
/// so on; one annotation may list several codes. Malformed annotations (no code, a word that is
/// not a known code, a caret pointing above the first line) are returned as errors, one per line.
pub fn parse_annotations(text: &str) -> Result<Vec<Expectation>, Vec<String>> {
    let known: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
    let mut expectations = Vec::new();
    let mut errors = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let written_on = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let Some(at) = line.find("//~") else { continue };
        let rest = &line[at + 3..];
        let carets = rest.chars().take_while(|&c| c == '^').count();
        let codes: Vec<&str> = rest[carets..].split_whitespace().collect();
        let Some(target) = written_on
            .checked_sub(u32::try_from(carets).unwrap_or(u32::MAX))
            .filter(|&l| l >= 1)
        else {
            errors.push(format!(
                "line {written_on}: `//~{}` points above the first line",
                "^".repeat(carets)
            ));
            continue;
        };
        if codes.is_empty() {
            errors.push(format!("line {written_on}: `//~` without any code"));
        }
        for code in codes {
            if known.contains(&code) {
                expectations.push(Expectation {
                    line: target,
                    code: code.to_string(),
                    written_on,
                });
            } else {
                errors.push(format!("line {written_on}: `{code}` in a `//~` annotation is not a code of `Code::ALL`"));
            }
        }
    }
    if errors.is_empty() {
        Ok(expectations)
    } else {
        Err(errors)
    }
}

/// A diagnostic placed on a line, for comparison with the annotations.
#[derive(Clone, Debug)]
pub struct Actual<'a> {
    /// One-based line of the primary span's start.
    pub line: u32,
    /// One-based column of the primary span's start.
    pub column: u32,
    /// The diagnostic itself.
    pub diagnostic: &'a Diagnostic,
}

/// Where a file's diagnostics and its annotations disagree.
#[derive(Debug, Default)]
pub struct Mismatch<'a> {
    /// Annotated but not reported.
    pub missing: Vec<Expectation>,
    /// Reported but not annotated.
    pub unexpected: Vec<Actual<'a>>,
}

impl Mismatch<'_> {
    /// Whether the diagnostics and the annotations agree exactly.
    pub fn is_empty(&self) -> bool {
        self.missing.is_empty() && self.unexpected.is_empty()
    }
}

/// Places diagnostics on lines of `file`.
pub fn locate<'a>(file: &SourceFile, diagnostics: &'a [Diagnostic]) -> Vec<Actual<'a>> {
    diagnostics
        .iter()
        .map(|diagnostic| {
            let position = file.line_col(diagnostic.span().start);
            Actual {
                line: position.line,
                column: position.column,
                diagnostic,
            }
        })
        .collect()
}

/// Compares the (line, code) multisets of the annotations and of the diagnostics.
pub fn compare<'a>(expected: &[Expectation], actual: &[Actual<'a>]) -> Mismatch<'a> {
    let mut unmatched: Vec<Option<&Actual<'a>>> = actual.iter().map(Some).collect();
    let mut mismatch = Mismatch::default();
    for expectation in expected {
        let found = unmatched.iter_mut().find(|slot| {
            slot.is_some_and(|a| {
                a.line == expectation.line && a.diagnostic.code.as_str() == expectation.code
            })
        });
        match found {
            Some(slot) => *slot = None,
            None => mismatch.missing.push(expectation.clone()),
        }
    }
    mismatch.unexpected = unmatched.into_iter().flatten().cloned().collect();
    mismatch
}

/// A per-file report of a mismatch, meant for whoever fixes the checker: every line where
/// annotations and diagnostics disagree, with its source text, the codes annotated there but not
/// reported, and the diagnostics reported there but not annotated (with their messages). A
/// missing code that was reported on another line instead is pointed out (a wrong span?).
pub fn describe_mismatch(file: &SourceFile, mismatch: &Mismatch<'_>) -> String {
    let mut lines: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for expectation in &mismatch.missing {
        let elsewhere: Vec<String> = mismatch
            .unexpected
            .iter()
            .filter(|a| a.diagnostic.code.as_str() == expectation.code)
            .map(|a| a.line.to_string())
            .collect();
        let hint = if elsewhere.is_empty() {
            String::new()
        } else {
            format!(
                " (reported on line {} instead: wrong span?)",
                elsewhere.join(", ")
            )
        };
        lines
            .entry(expectation.line)
            .or_default()
            .push(format!("missing     {}{hint}", expectation.code));
    }
    for unexpected in &mismatch.unexpected {
        let d = unexpected.diagnostic;
        lines.entry(unexpected.line).or_default().push(format!(
            "unexpected  {} at {}:{}: {}",
            d.code.as_str(),
            unexpected.line,
            unexpected.column,
            d.message
        ));
    }
    let mut out = format!(
        "── {} ── {} missing, {} unexpected\n",
        file.name,
        mismatch.missing.len(),
        mismatch.unexpected.len()
    );
    for (line, problems) in lines {
        let _ = writeln!(out, "  {line:>4} | {}", line_text(file, line));
        for problem in problems {
            let _ = writeln!(out, "       = {problem}");
        }
    }
    out
}

/// The text of a one-based line, trimmed.
fn line_text(file: &SourceFile, line: u32) -> &str {
    file.line_starts()
        .get((line as usize).saturating_sub(1))
        .and_then(|&start| file.text.get(start as usize..))
        .and_then(|rest| rest.lines().next())
        .unwrap_or("")
        .trim()
}

/// Renders diagnostics the way `journey check` prints them (no colour).
pub fn render(sources: &SourceMap, diagnostics: &[Diagnostic]) -> String {
    journey_cli::report::render_human(sources, diagnostics, false)
}

/// Counts, per code, how often it appears in a list of codes: for summaries.
pub fn tally<'a>(codes: impl IntoIterator<Item = &'a str>) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for code in codes {
        *counts.entry(code).or_default() += 1;
    }
    counts
        .iter()
        .map(|(code, n)| {
            if *n == 1 {
                (*code).to_string()
            } else {
                format!("{code}×{n}")
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    fn pairs(text: &str) -> Vec<(u32, String)> {
        parse_annotations(text)
            .unwrap()
            .into_iter()
            .map(|e| (e.line, e.code))
            .collect()
    }

    #[test]
    fn annotations_name_their_line_or_lines_above() {
        let text = "a //~ E0101\nb\n//~^ W0002 E0201\n//~^^^ E0001\n";
        assert_eq!(
            pairs(text),
            vec![
                (1, "E0101".to_string()),
                (2, "W0002".to_string()),
                (2, "E0201".to_string()),
                (1, "E0001".to_string()),
            ]
        );
    }

    #[test]
    fn malformed_annotations_are_errors() {
        let errors = parse_annotations("//~^ E0101\nx //~\ny //~ E9999 nonsense\n").unwrap_err();
        assert_eq!(errors.len(), 4, "{errors:?}");
    }

    #[test]
    fn comparison_is_by_multiset() {
        let mut sources = SourceMap::new();
        let id = sources.add("t", "a\nb\n");
        let span = |start: usize| journey_syntax::Span::new(id, start, start + 1);
        let diagnostics = vec![
            Diagnostic::new(Code::E0101, "m", span(0), ""),
            Diagnostic::new(Code::E0101, "m", span(0), ""),
            Diagnostic::new(Code::W0002, "m", span(2), ""),
        ];
        let expected = parse_annotations("//~ E0101\n//~ E0201\n").unwrap();
        let actual = locate(&sources.files()[0], &diagnostics);
        let mismatch = compare(&expected, &actual);
        assert_eq!(mismatch.missing.len(), 1);
        assert_eq!(mismatch.missing[0].code, "E0201");
        let unexpected: Vec<(u32, &str)> = mismatch
            .unexpected
            .iter()
            .map(|a| (a.line, a.diagnostic.code.as_str()))
            .collect();
        assert_eq!(unexpected, vec![(1, "E0101"), (2, "W0002")]);
        let report = describe_mismatch(&sources.files()[0], &mismatch);
        assert!(report.contains("missing     E0201"), "{report}");
        assert!(report.contains("unexpected  W0002 at 2:1: m"), "{report}");
    }
}
