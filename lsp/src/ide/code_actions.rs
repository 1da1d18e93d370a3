//! Quick fixes: the checker's machine-applicable fixes (did-you-mean replacements, `?? default`
//! insertions, ...) of the diagnostics under the cursor or selection.

use journey_check::Diagnostic;
use journey_syntax::{FileId, Span};

use super::Db;

/// One fix, ready to apply.
#[derive(Clone, Debug, PartialEq)]
pub struct QuickFix {
    /// The menu entry.
    pub title: String,
    /// Replacements.
    pub edits: Vec<(Span, String)>,
    /// The diagnostic it fixes.
    pub diagnostic: Diagnostic,
    /// Whether it is the only fix of its diagnostic (editors may apply it directly).
    pub preferred: bool,
}

/// The fixes of every diagnostic whose primary span touches `start..end` of `file`.
pub fn quick_fixes(db: &Db, file: FileId, start: u32, end: u32) -> Vec<QuickFix> {
    db.analysis
        .diagnostics
        .iter()
        .filter(|d| !d.fixes.is_empty())
        .filter(|d| {
            let span = d.span();
            span.file == file && span.start <= end && start <= span.end
        })
        .flat_map(|d| {
            let preferred = d.fixes.len() == 1;
            d.fixes.iter().map(move |fix| QuickFix {
                title: fix.title.clone(),
                edits: vec![(fix.span, fix.replacement.clone())],
                diagnostic: d.clone(),
                preferred,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use journey_syntax::SourceMap;

    #[test]
    fn did_you_mean_and_default_fixes() {
        let text = "event email.opened { campaign: string }\nprofile {\n  size: int?\n}\nsegment big = profile.size > 3\njourney j {\n  enter on email.opend\n}\n";
        let mut sources = SourceMap::new();
        let file = sources.add("a.journey", text);
        let db = Db::new(sources);
        let typo = text.find("email.opend").unwrap() as u32;
        let fixes = quick_fixes(&db, file, typo + 2, typo + 2);
        assert_eq!(fixes.len(), 1);
        assert_eq!(fixes[0].title, "replace with `email.opened`");
        assert_eq!(fixes[0].edits[0].1, "email.opened");
        let size = text.find("profile.size").unwrap() as u32;
        let fixes = quick_fixes(&db, file, size, size);
        assert!(
            fixes.iter().any(|f| f.edits[0].1 == " ?? 0"),
            "{:?}",
            fixes.iter().map(|f| &f.title).collect::<Vec<_>>()
        );
    }
}
