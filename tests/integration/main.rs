//! The one integration-test binary: one small fixture site per scenario under `tests/fixtures/`.

mod harness;
mod http_client;

mod atomic;
mod boundaries;
mod build;
mod changes;
mod citations;
mod cli;
mod content;
mod crash;
mod deep_links;
mod docs;
mod front_matter;
mod fuzz_corpus;
mod hostile;
mod hostile_corpus;
mod hostile_scale;
mod incremental;
mod init;
mod integration_contract;
mod links;
mod lock;
mod search;
mod serve;
mod snapshots;
mod theme;
