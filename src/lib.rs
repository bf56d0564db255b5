//! veiviser: a static knowledge-base site generator.
//!
//! ```text
//! content/*.md ──source::load────▶ SiteSources         (the only reads)
//!              ──page::parse─────▶ Vec<Page>           (front matter checked, Markdown rendered)
//!              ──graph::build────▶ SiteGraph           (ids, relations both ways, links, tags)
//!              ──graph::citations::resolve───▶ notes  (quotes of the cited source-text lines)
//!              ──html::render────▶ Vec<OutputFile> ─┐
//!              ──search::build───▶ Vec<OutputFile> ─┤ (split search index)
//!                                                   └─output::write_site─▶ public/ (atomic swap)
//! ```
//!
//! `pipeline` is the only orchestrator; `cli` wraps it for the terminal. A stage uses only the
//! stages before it, plus `config`, `error` and `yaml`.

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
