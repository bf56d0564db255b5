//! `veiviser search`: compiles the site in memory, then ranks with the very index files a build
//! writes. Text for people on stdout (matches in bold on a terminal), or with `--json` one array
//! `[{"id","title","url","kind","score","excerpt","section"}]`, best first.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::PathBuf;

use crate::error::{Error, printable};
use crate::pipeline::{self, BuildOptions};

use super::{engine, format};

/// Reasons printed per hit by `--explain` in text mode.
const EXPLAIN_LINES: usize = 10;

/// Arguments of `veiviser search`.
#[derive(Debug, Clone)]
pub struct SearchArgs {
    pub root: PathBuf,
    pub query: String,
    pub kind: Option<String>,
    /// `NAME=VALUE` filters.
    pub filters: Vec<String>,
    pub limit: usize,
    pub json: bool,
    /// Per hit, which words matched where, through which variant, with which score.
    pub explain: bool,
}

/// The search files of the site at `root`, built in memory. A site with errors is reported like
/// `check` does, and nothing is searched.
pub fn index_files(root: PathBuf) -> Result<(HashMap<String, Vec<u8>>, String), Error> {
    let options = BuildOptions {
        root,
        ..BuildOptions::default()
    };
    let report = pipeline::into_result(pipeline::build(&options, false, &pipeline::Silent)?)?;
    let files = report
        .compiled
        .files
        .into_iter()
        .filter(|f| f.path.starts_with(format::DIR))
        .map(|f| (f.path, f.bytes))
        .collect();
    let config_text = crate::source::read_config(&options.root)?;
    let base = crate::config::Config::parse(&config_text)
        .map(|c| c.base_url().to_owned())
        .unwrap_or_default();
    Ok((files, base))
}

/// Runs the command.
pub fn run(args: &SearchArgs) -> Result<(), Error> {
    let (files, base_url) = match index_files(args.root.clone()) {
        Ok(v) => v,
        Err(Error::Site(diags)) => {
            eprint!(
                "{}",
                crate::error::render_all(&diags, std::io::stderr().is_terminal())
            );
            return Err(Error::Site(diags));
        }
        Err(e) => return Err(e),
    };
    let reader = super::reader::Reader::open(&files).map_err(|e| Error::Usage(e.to_string()))?;
    let mut filters = Vec::new();
    for f in &args.filters {
        let (name, value) = f
            .split_once('=')
            .ok_or_else(|| Error::Usage(format!("--filter `{f}`: write it as NAME=VALUE")))?;
        let (i, def) = reader
            .manifest
            .filters
            .iter()
            .enumerate()
            .find(|(_, d)| d.name == name)
            .ok_or_else(|| {
                Error::Usage(format!(
                    "--filter: `{name}` is not a search filter of this site"
                ))
            })?;
        let v = def
            .values
            .iter()
            .position(|x| x.eq_ignore_ascii_case(value) || x.to_lowercase() == value.to_lowercase())
            .ok_or_else(|| {
                Error::Usage(format!(
                    "--filter: `{value}` is not a value of `{name}`; values: {}",
                    def.values.join(", ")
                ))
            })?;
        filters.push((i, v));
    }
    if let Some(k) = &args.kind
        && !reader.manifest.kinds.iter().any(|x| &x[0] == k)
    {
        let names: Vec<&str> = reader
            .manifest
            .kinds
            .iter()
            .map(|x| x[0].as_str())
            .filter(|n| !n.is_empty())
            .collect();
        return Err(Error::Usage(format!(
            "--kind: unknown kind `{k}`; kinds: {}",
            names.join(", ")
        )));
    }
    let options = engine::Options {
        limit: args.limit,
        kind: args.kind.clone(),
        filters,
    };
    let (mut items, outcome) = super::run(&files, &base_url, &args.query, &options)
        .map_err(|e| Error::Usage(e.to_string()))?;
    if args.explain {
        let table = super::query::SynonymTable::new(&reader.manifest.synonyms);
        let q = engine::affordable(&reader, &super::query::parse(&args.query, &table));
        for (item, hit) in items.iter_mut().zip(&outcome.hits) {
            item.explain = super::explain::explain(&reader, &q, hit.page)
                .map_err(|e| Error::Usage(e.to_string()))?;
        }
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&items).unwrap_or_default()
        );
        return Ok(());
    }
    let bold = std::io::stdout().is_terminal();
    if items.is_empty() {
        println!("Ingen treff for «{}».", printable(&args.query));
    }
    for (n, item) in items.iter().enumerate() {
        // Titles and text come from content: no control character reaches the terminal.
        let section = if item.section.is_empty() {
            String::new()
        } else {
            format!(" › {}", printable(&item.section))
        };
        println!(
            "{}. {}{section}  [{}] {:.2}",
            n + 1,
            printable(&item.title),
            printable(&item.kind),
            item.score
        );
        println!("   {}", printable(&item.url));
        let excerpt: String = item
            .segments
            .iter()
            .map(|s| {
                let text = printable(&s.text);
                if s.hit && bold {
                    format!("\x1b[1m{text}\x1b[0m")
                } else {
                    text.into_owned()
                }
            })
            .collect();
        if !excerpt.is_empty() {
            println!("   {excerpt}");
        }
        // The strongest reasons; `--json` has them all.
        for m in item.explain.iter().take(EXPLAIN_LINES) {
            let section = if m.section.is_empty() {
                String::new()
            } else {
                format!(" › {}", printable(&m.section))
            };
            println!(
                "     {:>8.3}  `{}` ← `{}` = `{}` ({}) in {}{section}",
                m.score,
                printable(&m.unit),
                printable(&m.word),
                printable(&m.key),
                m.variant,
                if m.fields.is_empty() {
                    "the section".to_owned()
                } else {
                    m.fields.join(", ")
                }
            );
        }
    }
    if !outcome.missing.is_empty() {
        println!("Fant ikke: {}", printable(&outcome.missing.join(", ")));
    }
    if outcome.total > items.len() {
        println!("({} av {} treff)", items.len(), outcome.total);
    }
    Ok(())
}
