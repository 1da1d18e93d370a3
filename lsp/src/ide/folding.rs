//! Folding ranges: every brace pair that spans lines (declarations, blocks, payloads), block
//! comments, and runs of line comments. Found from tokens, so they hold in a file that does not
//! parse.

use journey_syntax::FileId;

use super::lexer::{lex, TokenKind};
use super::Db;

/// A range of lines that can be folded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fold {
    /// Zero-based first line (stays visible).
    pub start_line: u32,
    /// Zero-based last line folded away.
    pub end_line: u32,
    /// Whether this is a comment.
    pub comment: bool,
}

/// The folding ranges of `file`, sorted by first line.
pub fn folding_ranges(db: &Db, file: FileId) -> Vec<Fold> {
    let Some(source) = db.file(file) else {
        return Vec::new();
    };
    let text = source.text.as_str();
    let line = |offset: u32| source.line_col(offset).line.saturating_sub(1);
    let tokens = lex(text);
    let mut folds = Vec::new();
    let mut open: Vec<u32> = Vec::new();
    let mut comment_run: Option<(u32, u32)> = None;
    for token in &tokens {
        let (start, end) = (line(token.start), line(token.end.saturating_sub(1)));
        let line_comment = token.is_comment()
            && token.text(text).starts_with("//")
            && is_alone_on_line(text, token.start);
        match comment_run {
            Some((first, last)) if line_comment && start == last + 1 => {
                comment_run = Some((first, start));
                continue;
            }
            Some((first, last)) => {
                if last > first {
                    folds.push(Fold {
                        start_line: first,
                        end_line: last,
                        comment: true,
                    });
                }
                comment_run = None;
            }
            None => {}
        }
        if line_comment {
            comment_run = Some((start, start));
            continue;
        }
        if token.is_comment() && end > start {
            folds.push(Fold {
                start_line: start,
                end_line: end,
                comment: true,
            });
        }
        match token.text(text) {
            "{" if token.kind == TokenKind::Punct => open.push(start),
            "}" if token.kind == TokenKind::Punct => {
                if let Some(first) = open.pop() {
                    // Keep the closing brace visible when it starts its line.
                    let last = if is_alone_on_line(text, token.start) {
                        start.saturating_sub(1)
                    } else {
                        start
                    };
                    if last > first {
                        folds.push(Fold {
                            start_line: first,
                            end_line: last,
                            comment: false,
                        });
                    }
                }
            }
            _ => {}
        }
    }
    if let Some((first, last)) = comment_run {
        if last > first {
            folds.push(Fold {
                start_line: first,
                end_line: last,
                comment: true,
            });
        }
    }
    folds.sort_by_key(|f| (f.start_line, f.end_line));
    folds
}

/// Whether only whitespace precedes `offset` on its line.
fn is_alone_on_line(text: &str, offset: u32) -> bool {
    let before = text.get(..offset as usize).unwrap_or("");
    before
        .rsplit('\n')
        .next()
        .is_some_and(|line| line.chars().all(char::is_whitespace))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use journey_syntax::SourceMap;

    #[test]
    fn braces_and_comments_fold() {
        let mut sources = SourceMap::new();
        let file = sources.add(
            "a.journey",
            "// one\n// two\nevent a { x: int }\njourney j {\n  enter on a\n  if true {\n    exit\n  }\n}\n/* a\n b */\n",
        );
        let db = Db::new(sources);
        let folds: Vec<(u32, u32, bool)> = folding_ranges(&db, file)
            .into_iter()
            .map(|f| (f.start_line, f.end_line, f.comment))
            .collect();
        assert_eq!(
            folds,
            vec![(0, 1, true), (3, 7, false), (5, 6, false), (9, 10, true)]
        );
    }
}
