//! The `source` fuzz target: see `fuzz/src/source.rs` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(violation) = journey_fuzz::source::check(data) {
        panic!("property violated: {violation}");
    }
});
