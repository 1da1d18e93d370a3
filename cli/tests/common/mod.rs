//! Helpers shared by the CLI's test files.

use std::path::{Path, PathBuf};

/// The workspace root, where `tests/cli` and `examples` live.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs the `journey` binary with `args`, logging warnings only.
pub fn journey(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_journey"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

/// Bytes as text, for messages.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Where this crate's snapshots live, relative to the test files (as insta wants it).
pub const SNAPSHOT_PATH: &str = "../../tests/cli/snapshots";

/// Checks a SARIF log against the official SARIF 2.1.0 JSON schema, with formats validated.
///
/// `tests/cli/sarif-schema-2.1.0.json` is vendored verbatim from the crates.io package
/// `serde-sarif` 0.8.0 (its `src/schema.json`, the OASIS `sarif-schema-2.1.0.json` whose `$id` is
/// the sarif-spec repository's `Schemata/sarif-schema-2.1.0.json`); sha256
/// af47e7b67f24efe74076621fd3a5fbe7398add9e84fe820c971219a385895cea.
pub fn assert_valid_sarif(text: &str) {
    let schema_path = workspace_root().join("tests/cli/sarif-schema-2.1.0.json");
    let mut schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    // The official schema's `language` pattern (on `run` and `toolComponent`),
    // `^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$`, has a stray `]` that jsonschema's check of the
    // schema itself (format `regex`, ECMA-262) rejects. The file stays verbatim; the pattern is
    // mended here to what it evidently means. Our logs never set `language`, so this changes
    // nothing that they are checked against.
    for pointer in [
        "/definitions/run/properties/language/pattern",
        "/definitions/toolComponent/properties/language/pattern",
    ] {
        let pattern = schema.pointer_mut(pointer).unwrap();
        assert_eq!(
            pattern, "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$",
            "the vendored schema changed at {pointer}"
        );
        *pattern = serde_json::Value::from("^[a-zA-Z]{2}(-[a-zA-Z]{2})?$");
    }
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let instance: serde_json::Value = serde_json::from_str(text).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF log does not match the 2.1.0 schema:\n{}\n{text}",
        errors.join("\n")
    );
}
