//! The `lsp` fuzz target: see `fuzz/src/lsp.rs` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(violation) = journey_fuzz::lsp::check(data) {
        panic!("property violated: {violation}");
    }
});
