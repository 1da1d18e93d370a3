//! `journey serve` then `journey state show` and `journey state forget` on the state it left:
//! a contact as the state holds it, and its erasure from the state, the database file and every
//! later restart, with one audit line.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[allow(dead_code)] // the helpers the other test binaries use
mod common;

use std::path::{Path, PathBuf};

use common::{journey, text, workspace_root};

/// A state made by serving the abandoned-cart example stream to its end.
fn served(case: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("state-cases")
        .join(case);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    serve_to_end(&dir);
    dir
}

/// `journey serve` over the abandoned-cart example stream, with its state and output in `dir`.
fn serve_to_end(dir: &Path) {
    let root = workspace_root();
    let stream = root.join("examples/streams/abandoned_cart.ndjson");
    let out = journey(&[
        "serve",
        root.join("examples").to_str().unwrap(),
        "--source",
        &format!("file:{}", stream.display()),
        "--sink",
        &format!("file:{}", dir.join("out.ndjson").display()),
        "--state",
        dir.join("state").to_str().unwrap(),
        "--clock",
        "event",
        "--stop-at-end",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn show_prints_a_contact_as_the_state_holds_it() {
    let dir = served("show");
    let state = dir.join("state");
    let out = journey(&[
        "state",
        "show",
        "--state",
        state.to_str().unwrap(),
        "a1",
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let view: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(view["contact"], "a1");
    assert_eq!(view["profile"]["email"], "anke@example.de");
    assert_eq!(view["profile"]["timezone"], "Europe/Berlin");
    let cart = view["journeys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["journey"] == "abandoned_cart")
        .unwrap();
    assert_eq!(cart["inside"], true);
    assert_eq!(cart["entries"], 1);
    assert!(view["pending"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["journey"] == "abandoned_cart"));

    let table = journey(&["state", "show", "--state", state.to_str().unwrap(), "a1"]);
    assert!(text(&table.stdout).contains("abandoned_cart     inside at step"));

    let unknown = journey(&[
        "state",
        "show",
        "--state",
        state.to_str().unwrap(),
        "nobody",
    ]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(text(&unknown.stderr).contains("no contact `nobody`"));
}

#[test]
fn forget_erases_a_contact_everywhere_a_restore_reads_and_audits_it() {
    let dir = served("forget");
    let state = dir.join("state");
    let db = state.join("state.redb");
    let holds_email = |path: &Path| {
        let bytes = std::fs::read(path).unwrap();
        bytes.windows(15).any(|w| w == b"anke@example.de")
    };
    assert!(holds_email(&db), "the state held the contact before");

    let out = journey(&[
        "state",
        "forget",
        "--state",
        state.to_str().unwrap(),
        "a1",
        "nobody",
    ]);
    assert_eq!(out.status.code(), Some(1), "an unknown id is a problem");
    assert!(text(&out.stderr).contains("erased 1 contact"));
    assert!(text(&out.stderr).contains("no contact `nobody`"));
    assert!(
        !holds_email(&db),
        "the database file no longer holds the contact's bytes"
    );

    let audit = std::fs::read_to_string(state.join("erasures.ndjson")).unwrap();
    assert_eq!(audit.lines().count(), 1);
    // SHA-256 of "a1".
    assert!(audit.contains("f55ff16f66f43360266b95db6f8fec01d76031054306ae4a4b380598f6cfd114"));
    assert!(!audit.contains("\"a1\""));

    let gone = journey(&["state", "show", "--state", state.to_str().unwrap(), "a1"]);
    assert_eq!(gone.status.code(), Some(2));
    let kept = journey(&["state", "show", "--state", state.to_str().unwrap(), "a3"]);
    assert!(kept.status.success());

    // A restart reads the state without the contact and writes nothing more.
    let before = std::fs::read(dir.join("out.ndjson")).unwrap();
    serve_to_end(&dir);
    assert_eq!(std::fs::read(dir.join("out.ndjson")).unwrap(), before);
    let still_gone = journey(&["state", "show", "--state", state.to_str().unwrap(), "a1"]);
    assert_eq!(still_gone.status.code(), Some(2));
}
