#![no_main]
//! Fuzz target: see `veiviser_fuzz::checks::heading`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    veiviser_fuzz::checks::heading(data);
});
