//! The fuzz targets' bodies live in `checks.rs`, which the main crate's integration tests also
//! include (`tests/integration/fuzz_corpus.rs`) to replay every committed corpus file on each
//! `cargo test`, without cargo-fuzz or a nightly toolchain.

pub mod checks;
