//! The audit trail of erasures (`journey state forget` and the admin endpoint): one JSON line
//! per erased contact with the time and the SHA-256 of its id — enough to prove that a request
//! was carried out, without keeping the id it was about.

use std::fs::OpenOptions;
use std::io::{self, Write};
use std::path::Path;

use sha2::{Digest, Sha256};

/// The audit file's name in a state directory, unless `--audit` names another.
pub const AUDIT_FILE: &str = "erasures.ndjson";

/// The audit line of erasing `id` at `at` (seconds since the epoch).
pub fn audit_line(id: &str, at: i64) -> String {
    let digest = Sha256::digest(id.as_bytes());
    let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
    let when = jiff::Timestamp::from_second(at).map_or_else(|_| at.to_string(), |t| t.to_string());
    format!("{{\"erased_at\":\"{when}\",\"contact_sha256\":\"{hex}\"}}\n")
}

/// Appends the audit lines of `ids`, erased now, to `path`, and makes them durable.
pub fn record(path: &Path, ids: &[String]) -> io::Result<()> {
    let now = crate::wall_clock();
    let text: String = ids.iter().map(|id| audit_line(id, now)).collect();
    let mut file = OpenOptions::new().create(true).append(true).open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_data()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_audit_line_holds_the_ids_hash_not_the_id() {
        let line = audit_line("ada@example.com", 1_767_600_000);
        assert!(line.starts_with(r#"{"erased_at":"2026-01-05T08:00:00Z","contact_sha256":""#));
        assert!(!line.contains("ada"));
        // sha256("abc"), from FIPS 180-2.
        assert!(audit_line("abc", 0)
            .contains("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    }
}
