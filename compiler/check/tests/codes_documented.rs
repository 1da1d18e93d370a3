//! Every diagnostic code has an entry in `docs/diagnostics.md` under its stable name.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use journey_check::Code;

#[test]
fn every_code_is_documented_with_its_name() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/diagnostics.md");
    let docs = std::fs::read_to_string(path).expect("docs/diagnostics.md is readable");
    let missing: Vec<String> = Code::ALL
        .iter()
        .map(|code| format!("### {} `{}`", code.as_str(), code.name()))
        .filter(|heading| !docs.lines().any(|line| line == heading))
        .collect();
    assert!(
        missing.is_empty(),
        "missing from docs/diagnostics.md: {missing:#?}"
    );
}

#[test]
fn codes_are_unique_and_prefixed_by_severity() {
    let mut seen = std::collections::HashSet::new();
    for code in Code::ALL {
        assert!(seen.insert(code.as_str()), "{} listed twice", code.as_str());
        let prefix = match code.severity() {
            journey_check::Severity::Error => 'E',
            journey_check::Severity::Warning => 'W',
        };
        assert!(
            code.as_str().starts_with(prefix),
            "{} has the wrong prefix",
            code.as_str()
        );
    }
}
