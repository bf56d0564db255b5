#![no_main]
//! Fuzz target: see `veiviser_fuzz::checks::markdown`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    veiviser_fuzz::checks::markdown(data);
});
