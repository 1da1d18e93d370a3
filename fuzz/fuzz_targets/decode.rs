//! The `decode` fuzz target: see `fuzz/src/decode.rs` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(violation) = journey_fuzz::decode::check(data) {
        panic!("property violated: {violation}");
    }
});
