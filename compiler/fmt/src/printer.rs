//! The printer: a list of output lines that the AST walker fills token by token, and that places
//! every comment of the file on the way.
//!
//! Comments are not in the AST. The walker calls [`Printer::flush_until`] with the position of
//! each node it is about to print; every comment that starts before that position is printed
//! first. Where it goes depends on where it sat in the source: a comment with code before it on
//! its line stays at the end of the current line ("trailing"), any other comment gets a line of
//! its own. Both classifications survive formatting, which keeps the formatter idempotent.

use journey_syntax::ast::Comment;

use crate::render::{render, Line};
use crate::source::Source;

/// Spaces per level of nesting.
const INDENT: usize = 2;
/// Extra indentation of the lines of a statement that a comment broke in two.
const CONTINUATION: usize = 4;

/// Builds the output lines.
pub(crate) struct Printer<'a> {
    source: Source<'a>,
    comments: &'a [Comment],
    next_comment: usize,
    lines: Vec<Line>,
    level: usize,
    /// The next text starts a new line.
    at_line_start: bool,
    /// A comment broke the current statement: its next lines are indented further.
    continuation: bool,
    pending_space: bool,
    pending_blank: bool,
    /// Nothing was printed yet since the last `{` (or the start of the file).
    block_start: bool,
    /// Blank lines of the source are not kept (between a doc comment and its declaration).
    no_blank: bool,
    /// The comment last attached at the end of the last line, while no line followed it.
    last_attached: Option<usize>,
    /// Where, in the current line's text, the comments written since its last code begin.
    inline_comments_from: Option<usize>,
}

impl<'a> Printer<'a> {
    /// A printer for `source`, whose comments are `comments` (in source order).
    pub(crate) fn new(source: Source<'a>, comments: &'a [Comment]) -> Printer<'a> {
        Printer {
            source,
            comments,
            next_comment: 0,
            lines: Vec::new(),
            level: 0,
            at_line_start: true,
            continuation: false,
            pending_space: false,
            pending_blank: false,
            block_start: true,
            no_blank: false,
            last_attached: None,
            inline_comments_from: None,
        }
    }

    /// The finished text.
    pub(crate) fn finish(mut self) -> String {
        self.flush_all();
        render(&self.lines)
    }

    /// The width of the widest line printed so far, in characters.
    pub(crate) fn widest_line(&self) -> usize {
        self.lines
            .iter()
            .map(|l| l.indent + l.text.chars().count())
            .max()
            .unwrap_or(0)
    }

    /// The indentation a new statement gets here.
    pub(crate) fn indent_width(&self) -> usize {
        self.level * INDENT
    }

    /// Writes `text`, after a space if one is pending.
    pub(crate) fn text(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        if self.at_line_start {
            self.start_line();
        } else if self.pending_space {
            self.current().text.push(' ');
        }
        self.pending_space = false;
        self.inline_comments_from = None;
        self.current().text.push_str(text);
    }

    /// Asks for one space before the next text on this line.
    pub(crate) fn space(&mut self) {
        if !self.at_line_start {
            self.pending_space = true;
        }
    }

    /// Ends the current statement: the next text starts a new line.
    pub(crate) fn newline(&mut self) {
        self.at_line_start = true;
        self.continuation = false;
        self.pending_space = false;
    }

    /// Asks for an empty line before the next line.
    pub(crate) fn force_blank(&mut self) {
        self.pending_blank = true;
    }

    /// Turns off (or back on) keeping the source's blank lines.
    pub(crate) fn set_no_blank(&mut self, no_blank: bool) {
        self.no_blank = no_blank;
    }

    /// Starts an item of a block (a step, a field, a rule, a declaration) that begins at `pos`:
    /// a new line, the comments before it, and an empty line if the source had one.
    pub(crate) fn begin_item(&mut self, pos: u32) {
        self.newline();
        self.flush_until(pos);
        self.keep_blank(pos);
    }

    /// Writes `{` and starts the lines of a block.
    pub(crate) fn open_block(&mut self) {
        self.text("{");
        self.level += 1;
        self.newline();
        self.block_start = true;
    }

    /// Ends a block whose `}` is at `close`: the comments before it stay inside.
    pub(crate) fn close_block(&mut self, close: u32) {
        self.newline();
        self.flush_until(close);
        self.level = self.level.saturating_sub(1);
        self.newline();
        self.text("}");
    }

    /// Prints every comment that starts before `pos`.
    pub(crate) fn flush_until(&mut self, pos: u32) {
        while let Some(comment) = self.comments.get(self.next_comment) {
            if comment.span.start >= pos {
                break;
            }
            self.place(self.next_comment);
            self.next_comment += 1;
        }
    }

    /// Prints every comment left.
    pub(crate) fn flush_all(&mut self) {
        self.flush_until(u32::MAX);
    }

    /// Whether a comment starts strictly between `from` and `to`.
    pub(crate) fn has_comment_between(&self, from: u32, to: u32) -> bool {
        let first = self.comments.partition_point(|c| c.span.start <= from);
        self.comments.get(first).is_some_and(|c| c.span.start < to)
    }

    fn keep_blank(&mut self, pos: u32) {
        if !self.block_start
            && !self.no_blank
            && !self.continuation
            && self.source.blank_line_before(pos)
        {
            self.pending_blank = true;
        }
    }

    fn current(&mut self) -> &mut Line {
        if self.lines.is_empty() {
            self.start_line();
        }
        let last = self.lines.len() - 1;
        &mut self.lines[last]
    }

    fn start_line(&mut self) {
        let extra = if self.continuation { CONTINUATION } else { 0 };
        self.lines.push(Line {
            indent: self.level * INDENT + extra,
            text: String::new(),
            trailing: None,
            ends_in_line_comment: false,
            blank_before: self.pending_blank && !self.lines.is_empty(),
            continues_comment: false,
        });
        self.pending_blank = false;
        self.block_start = false;
        self.at_line_start = false;
        self.pending_space = false;
        self.last_attached = None;
        self.inline_comments_from = None;
    }

    fn place(&mut self, index: usize) {
        let Some(comment) = self.comments.get(index) else {
            return;
        };
        let is_line_comment = comment.text.starts_with("//");
        if self.source.code_before_on_line(comment.span.start) {
            if !self.at_line_start {
                if !is_line_comment && self.source.code_after_on_line(comment.span.end) {
                    // A comment between two tokens of one line stays between them.
                    let from = self
                        .inline_comments_from
                        .unwrap_or(self.current().text.len());
                    self.space();
                    self.text(&comment.text);
                    self.pending_space = true;
                    self.inline_comments_from = Some(from);
                } else {
                    self.trail_inline_comments();
                    self.attach(index);
                    // Nothing may follow a trailing comment on its line.
                    self.at_line_start = true;
                    self.continuation = true;
                    self.pending_space = false;
                }
            } else if self.can_attach() {
                self.attach(index);
            } else {
                self.own_line(index);
            }
        } else {
            if !self.at_line_start {
                self.trail_inline_comments();
                self.at_line_start = true;
                self.continuation = true;
                self.pending_space = false;
            }
            self.own_line(index);
        }
    }

    /// Before a comment breaks the current line: comments written inline at its end become its
    /// trailing comments, which is what they are when the output is formatted again.
    fn trail_inline_comments(&mut self) {
        let Some(from) = self.inline_comments_from.take() else {
            return;
        };
        let line = self.current();
        let moved = line.text.split_off(from);
        line.text.truncate(line.text.trim_end().len());
        line.trailing = Some(moved.trim().to_string());
    }

    /// Whether another comment may still go at the end of the last line.
    fn can_attach(&self) -> bool {
        self.lines
            .last()
            .is_some_and(|line| !line.ends_in_line_comment)
    }

    fn attach(&mut self, index: usize) {
        let Some(comment) = self.comments.get(index) else {
            return;
        };
        let line = self.current();
        match &mut line.trailing {
            Some(trailing) => {
                trailing.push(' ');
                trailing.push_str(&comment.text);
            }
            None => line.trailing = Some(comment.text.clone()),
        }
        line.ends_in_line_comment = comment.text.starts_with("//");
        self.last_attached = Some(index);
    }

    fn own_line(&mut self, index: usize) {
        let Some(comment) = self.comments.get(index) else {
            return;
        };
        let continues = self.continues_trailing_comment(comment);
        if !continues {
            self.keep_blank(comment.span.start);
        }
        self.start_line();
        let line = self.current();
        if continues {
            line.trailing = Some(comment.text.clone());
            line.continues_comment = true;
        } else {
            line.text.push_str(&comment.text);
        }
        line.ends_in_line_comment = comment.text.starts_with("//");
        self.at_line_start = true;
        if continues {
            self.last_attached = Some(index);
        }
    }

    /// Whether `comment`, alone on its line, sits right under the trailing comment of the line
    /// above, in the same column: the two read as one comment and are kept aligned.
    fn continues_trailing_comment(&self, comment: &Comment) -> bool {
        if self.continuation || self.pending_blank || comment.text.contains('\n') {
            return false;
        }
        let (Some(previous), Some(line)) = (
            self.last_attached.and_then(|i| self.comments.get(i)),
            self.lines.last(),
        ) else {
            return false;
        };
        let source = self.source;
        previous.text.starts_with("//")
            && line.trailing.as_deref() == Some(previous.text.as_str())
            && !line.text.contains('\n')
            && source.line_breaks_between(previous.span.start, comment.span.start) == 1
            && source.column(comment.span.start) == source.column(previous.span.start)
    }
}
