//! The `engine` fuzz target: see `fuzz/src/engine.rs` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(violation) = journey_fuzz::engine::check(data) {
        panic!("property violated: {violation}");
    }
});
