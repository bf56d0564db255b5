//! veiviser: a static knowledge-base site generator.
//!
//! ```text
//! content/*.md ──source::load────▶ SiteSources         (the only reads)
//!              ──page::parse─────▶ Vec<Page>           (front matter checked, Markdown rendered)
//!              ──graph::build────▶ SiteGraph           (ids, relations both ways, links, tags)
//!              ──graph::resolve_citations─▶ notes      (quotes of the cited source-text lines)
//!              ──search::build───▶ Vec<OutputFile> ─┐ (split search index, before the pages)
//!              ──html::render────▶ Vec<Produced>   ─┤ (each page with its ids and links; then
//!                                                   │  html::verify checks every link)
//!                                                   └─output::Staging─▶ public/ (each file written
//!                                                     as made, swapped in atomically at the end)
//! ```
//!
//! `pipeline` is the only orchestrator; `cli` and `serve` wrap it. A stage uses only the stages
//! before it and the shared layer below them all (`vocab`, `config`, `error`, `yaml`); each
//! stage's submodules are private. `ARCHITECTURE.md` has the code map and the invariants;
//! `tests/integration/boundaries.rs` checks the imports.

pub mod config;
pub mod error;
pub mod vocab;
pub mod yaml;

pub mod graph;
pub mod html;
pub mod output;
pub mod page;
pub mod search;
pub mod source;

pub mod cli;
pub mod pipeline;
pub mod serve;
