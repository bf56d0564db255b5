//! Stage ④b: [`SiteGraph`] + synonyms → the split search index (`Vec<OutputFile>` under
//! `search/`), and the query side that ranks with it.
//!
//! In: the graph, the config (kinds, `code_field`, `search:` filters and keywords) and the text
//! of `synonyms.yaml`. Out: a small manifest, term shards and page fragments (see [`format`]),
//! byte-identical for the same input, plus diagnostics for `synonyms.yaml`. One document per
//! page section; every word goes through the one Norwegian analyser ([`analyse`]).
//!
//! The query side ([`query`], [`engine`], [`excerpt`]) reads those same files through
//! [`reader::IndexFiles`]: `veiviser search` ranks exactly what the browser downloads, and
//! `themes/default/static/search-engine.js` is its line-for-line twin. This stage renders no
//! HTML and touches no disk.

pub mod analyse;
mod compound;
mod documents;
pub mod engine;
mod excerpt;
mod explain;
mod format;
mod index;
mod posting;
pub mod query;
pub mod reader;
mod specific;
mod synonyms;
mod typo;

use rayon::prelude::*;

use crate::config::Config;
use crate::error::Diagnostic;
use crate::graph::SiteGraph;
use crate::vocab::OutputFile;
use documents::{Facets, SearchPage};
// `engine`, `query` and `reader` stay public while the integration tests look into them (the
// shards a query fetches), `analyse` while the fuzz harness does; everything else is used
// through these exports.
pub use engine::{Options, Outcome};
pub use excerpt::Segment;
pub use explain::Match;
pub use format::{DIR, MANIFEST, unscript};
use format::{Fragment, Manifest, Shard, ShardTable};
use index::{Entry, Index};
pub use reader::IndexFiles;
pub use synonyms::Synonyms;

/// Raw shard size (bytes) below which a shard is never cut: about 1.5–2 kB compressed.
const MIN_SHARD_BYTES: usize = 4_000;
/// The number of shards the table aims to stay under, so the manifest stays small on big sites.
const TARGET_SHARDS: usize = 1_500;
/// A shard grows up to this many times its target size to keep the compounds that begin with one
/// of its words (`fast` → `fastlege`, `fastlegekontor`).
const FAMILY_STRETCH: usize = 2;

/// Everything the search stage needs.
pub struct SearchInput<'a> {
    pub graph: &'a SiteGraph,
    pub config: &'a Config,
    /// The text of `synonyms.yaml`, if the site has one.
    pub synonyms_text: Option<&'a str>,
}

/// Builds the index files, sorted by path.
pub fn build(input: &SearchInput<'_>) -> (Vec<OutputFile>, Vec<Diagnostic>) {
    let files = std::sync::Mutex::new(Vec::new());
    let diags = build_each(input, None, &|made| {
        files
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend(made);
    });
    let mut files = files
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    files.sort_by(|a, b| a.path.cmp(&b.path));
    (files, diags)
}

/// Receives the files of the index as they are made, a folder's worth at a time (a group of
/// page fragments, the term shards, the manifest), from the thread running [`build_each`].
pub type Emit<'e> = &'e (dyn Fn(Vec<OutputFile>) + Sync);

/// [`build`], handing each file to `emit` as soon as it is made and keeping nothing of it, so the
/// stage never holds the whole index's bytes. `taken`: the pages' section texts, taken out of
/// the graph by graph page index (a build, which needs them for nothing else): each page's
/// texts are then freed as soon as its fragment is made and its words are counted. `None`
/// reads them from the graph (`serve`, which keeps them). The files are the same either way.
pub fn build_each(
    input: &SearchInput<'_>,
    taken: Option<Vec<Vec<crate::page::TextSection>>>,
    emit: Emit<'_>,
) -> Vec<Diagnostic> {
    let (synonyms, diags) = input.synonyms_text.map(Synonyms::parse).unwrap_or_default();
    let (mut pages, facets) = documents::collect(input.graph, input.config, taken);
    let facet_labels = |p: &SearchPage<'_>| {
        let mut labels = vec![facets.kinds[p.kind].label.clone()];
        labels.extend(
            p.filters
                .iter()
                .zip(&facets.filters)
                .filter_map(|(v, f)| v.map(|v| f.values[v].clone())),
        );
        labels
    };
    // Pass 1 of the index a fragment group at a time: the group's fragments are written, its
    // words counted, then its texts released (when owned; borrowed ones stay in the graph).
    let mut counter = index::Counter::default();
    let mut fragment_groups = Vec::new();
    for (g, group) in pages.chunks_mut(format::PAGE_GROUP).enumerate() {
        emit(fragments(
            g * format::PAGE_GROUP,
            group,
            &mut fragment_groups,
        ));
        counter.add(group, &facet_labels);
        for p in group {
            p.sections = Vec::new();
        }
    }
    let listed = Listed {
        pages: as_u32(pages.len()),
        ranges: documents::ranges(&pages),
    };
    drop(pages);
    let index = counter.finish();
    let docs = index.docs;
    let (shards, table) = shards(&index);
    drop(index);
    emit(shards);
    let manifest = manifest(
        input.config,
        &facets,
        docs,
        listed,
        Written {
            synonyms,
            shards: table,
            fragments: fragment_groups,
        },
    );
    emit(vec![OutputFile {
        path: format::MANIFEST.into(),
        bytes: format::script("manifest", &manifest).into(),
    }]);
    diags
}

fn as_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// What the manifest says of the search pages: how many, and the runs of kind and filters.
struct Listed {
    pages: u32,
    ranges: Vec<(usize, usize, Vec<Option<usize>>)>,
}

/// What the manifest lists of the other files: the synonym table and where the term shards and
/// fragment groups are.
struct Written {
    synonyms: Synonyms,
    shards: ShardTable,
    fragments: Vec<String>,
}

fn manifest(
    config: &Config,
    facets: &Facets,
    docs: u32,
    listed: Listed,
    written: Written,
) -> Manifest {
    let Written {
        synonyms,
        shards,
        fragments,
    } = written;
    let strings = |l: &[&str]| l.iter().map(|s| (*s).to_owned()).collect();
    Manifest {
        version: format::VERSION,
        language: config.language.clone(),
        docs,
        pages: listed.pages,
        analyser: format::AnalyserData {
            stop: strings(analyse::STOP_WORDS),
            question: strings(analyse::QUESTION_WORDS),
            protected: strings(analyse::PROTECTED),
            endings: strings(analyse::ENDINGS),
        },
        synonyms,
        kinds: facets
            .kinds
            .iter()
            .map(|k| [k.name.clone(), k.label.clone(), k.plural.clone()])
            .collect(),
        filters: facets
            .filters
            .iter()
            .map(|f| format::FilterOut {
                name: f.name.clone(),
                label: f.label.clone(),
                values: f.values.clone(),
                hub: config
                    .field_def(&f.name)
                    .and_then(|d| d.to.as_deref())
                    .and_then(|to| facets.kinds.iter().position(|k| k.name == to))
                    .map(as_u32),
            })
            .collect(),
        ranges: listed
            .ranges
            .into_iter()
            .map(|(start, kind, filters)| {
                let mut r = vec![as_u32(start), as_u32(kind)];
                r.extend(filters.iter().map(|v| v.map_or(0, |v| as_u32(v + 1))));
                r
            })
            .collect(),
        shards,
        fragments,
    }
}

fn group_hash(files: &[&[u8]]) -> String {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    for f in files {
        h.update(&(f.len() as u64).to_le_bytes());
        h.update(f);
    }
    format!("{:010x}", h.digest() & 0xff_ffff_ffff)
}

fn encode_entry(e: &Entry, docs: u32) -> (String, u32, String) {
    let df = f64::from(e.df);
    let idf = (1.0 + (f64::from(docs) - df + 0.5) / (df + 0.5)).ln();
    let mut postings = String::with_capacity(e.postings.len() * 3);
    let mut prev = 0;
    for (i, p) in e.postings.iter().enumerate() {
        format::push_varint(&mut postings, if i == 0 { p.page } else { p.page - prev });
        format::push_varint(&mut postings, u32::from(p.section));
        postings.push(char::from(
            format::ALPHABET[format::quantise(f64::from(p.weight))],
        ));
        prev = p.page;
    }
    let meta = format::pack_meta(
        format::quantise_idf(idf),
        e.stem_suffix,
        e.truncated,
        e.part,
    );
    (e.key.clone(), meta, postings)
}

/// Whether entry `i` begins with a whole word held by the shard that starts at `start` (`fast` …
/// `fastlege`). A query's joined compound (`fast lege` → `fastlege`) is looked up only in shards
/// the query fetches anyway (`engine::affordable`), so a compound kept in the shard of its first
/// part can be found at no cost.
fn extends_a_word(entries: &[Entry], start: usize, i: usize) -> bool {
    let x = &entries[i].fold;
    // Sorted: every entry between a prefix of `x` and `x` starts with that prefix, so the scan
    // back stops at the first entry sharing fewer than `JOIN_MIN_CHARS` characters with `x`.
    for e in entries[start..i].iter().rev() {
        let common = e
            .fold
            .chars()
            .zip(x.chars())
            .take_while(|(a, b)| a == b)
            .count();
        if common < query::JOIN_MIN_CHARS {
            return false;
        }
        if common == e.fold.chars().count() {
            return true;
        }
    }
    false
}

/// Cuts the sorted entries into shards of similar size, never between entries with the same
/// folded key, and not inside a word's family of compounds (`extends_a_word`) until the shard
/// is [`FAMILY_STRETCH`] times its target size; names them by group.
fn shards(index: &Index) -> (Vec<OutputFile>, ShardTable) {
    let encoded: Vec<(String, u32, String)> = index
        .entries
        .par_iter()
        .map(|e| encode_entry(e, index.docs))
        .collect();
    let total: usize = encoded.iter().map(|e| e.0.len() + e.2.len() + 8).sum();
    let target = MIN_SHARD_BYTES.max(total / TARGET_SHARDS);
    let mut cuts = vec![0];
    let mut size = 0;
    for (i, e) in encoded.iter().enumerate() {
        if size >= target
            && index.entries[i].fold != index.entries[i - 1].fold
            && (size >= FAMILY_STRETCH * target
                || !extends_a_word(&index.entries, cuts[cuts.len() - 1], i))
        {
            cuts.push(i);
            size = 0;
        }
        size += e.0.len() + e.2.len() + 8;
    }
    cuts.push(encoded.len());
    let bodies: Vec<Vec<u8>> = cuts
        .par_windows(2)
        .enumerate()
        .map(|(n, w)| {
            format::script(
                &format!("t{n}"),
                &Shard {
                    e: encoded[w[0]..w[1]].to_vec(),
                },
            )
        })
        .collect();
    let bounds: Vec<String> = cuts[..cuts.len() - 1]
        .iter()
        .map(|&c| {
            if c == 0 {
                String::new()
            } else {
                shortest_separator(&index.entries[c - 1].fold, &index.entries[c].fold)
            }
        })
        .collect();
    let groups: Vec<String> = bodies
        .chunks(format::SHARD_GROUP)
        .map(|g| group_hash(&g.iter().map(Vec::as_slice).collect::<Vec<_>>()))
        .collect();
    let table = ShardTable { groups, bounds };
    let files = bodies
        .into_iter()
        .enumerate()
        .map(|(n, bytes)| OutputFile {
            path: format::shard_path(&table, n),
            bytes: bytes.into(),
        })
        .collect();
    (files, table)
}

/// The shortest prefix of `next` that sorts after `prev` (`prev < next`).
fn shortest_separator(prev: &str, next: &str) -> String {
    let mut out = String::new();
    for c in next.chars() {
        out.push(c);
        if out.as_str() > prev {
            return out;
        }
    }
    next.to_owned()
}

/// The fragments of `pages`, a group of [`format::PAGE_GROUP`] (the last may be shorter) whose
/// first is page `first`; the group's hash goes to `groups`.
fn fragments(first: usize, pages: &[SearchPage<'_>], groups: &mut Vec<String>) -> Vec<OutputFile> {
    let bodies: Vec<Vec<u8>> = pages
        .par_iter()
        .enumerate()
        .map(|(i, p)| {
            format::script(
                &format!("x{}", first + i),
                &Fragment {
                    i: p.id.clone(),
                    t: p.title.clone(),
                    u: p.url.clone(),
                    c: p.code.clone(),
                    s: p.summary.clone(),
                    k: p.keywords.join(" · "),
                    d: p.sections
                        .iter()
                        .map(|s| {
                            (
                                s.anchor.to_string(),
                                s.heading.to_string(),
                                s.text.to_string(),
                            )
                        })
                        .collect(),
                },
            )
        })
        .collect();
    groups.push(group_hash(
        &bodies.iter().map(Vec::as_slice).collect::<Vec<_>>(),
    ));
    bodies
        .into_iter()
        .enumerate()
        .map(|(i, bytes)| OutputFile {
            path: format::fragment_path(groups, first + i),
            bytes: bytes.into(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_are_short_and_between() {
        assert_eq!(shortest_separator("abc", "abd"), "abd");
        assert_eq!(shortest_separator("lege", "legevakt"), "legev");
        assert_eq!(shortest_separator("a", "ba"), "b");
    }

    fn entry(fold: &str) -> Entry {
        Entry {
            key: fold.to_owned(),
            fold: fold.to_owned(),
            part: false,
            stem_suffix: 0,
            df: 1,
            truncated: false,
            postings: Vec::new(),
        }
    }

    /// Issue 17: a build hands the index its section texts (taken out of the graph) and gets
    /// each file as it is made; over several fragment groups that gives exactly the files of
    /// [`build`] reading the graph, and each text is released as its group is counted.
    #[test]
    fn streaming_the_index_with_taken_texts_makes_the_same_files_as_build() {
        let config = Config::parse("title: T\nbase_url: https://e.org\n").unwrap();
        let pages = (0..format::PAGE_GROUP * 2 + 7)
            .map(|i| {
                let text = format!(
                    "---\ntitle: Side {i}\n---\nInnledning om fastlege {i}.\n\n## Del {}\n\n\
                     Sykmelding og legevakt, ord{} og møtegodtgjørelse.\n",
                    i % 5,
                    i % 97
                );
                let src = crate::source::SourceFile::inline(&format!("content/s{i}.md"), &text);
                std::sync::Arc::new(crate::page::parse(&src, &config).page.unwrap())
            })
            .collect();
        let (mut graph, _) =
            crate::graph::build(pages, &config, crate::graph::GraphOptions::default());
        let input = SearchInput {
            graph: &graph,
            config: &config,
            synonyms_text: None,
        };
        let (whole, _) = build(&input);
        assert!(
            whole.len() > format::PAGE_GROUP * 2,
            "{} files",
            whole.len()
        );
        let taken: Vec<_> = graph
            .pages
            .iter_mut()
            .map(|p| std::mem::take(&mut std::sync::Arc::make_mut(p).body.sections))
            .collect();
        assert!(taken.iter().all(|t| !t.is_empty()));
        let made = std::sync::Mutex::new(Vec::new());
        let batches = std::sync::atomic::AtomicUsize::new(0);
        build_each(
            &SearchInput {
                graph: &graph,
                config: &config,
                synonyms_text: None,
            },
            Some(taken),
            &|files| {
                batches.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                made.lock().unwrap().extend(files);
            },
        );
        let mut made = made.into_inner().unwrap();
        made.sort_by(|a, b| a.path.cmp(&b.path));
        assert!(made == whole, "streamed index differs from the whole one");
        // Three fragment groups, the shards, the manifest.
        assert_eq!(batches.into_inner(), 5);
    }

    #[test]
    fn regression_issue_14_a_shard_cut_between_fast_and_fastlege_lost_the_joined_compound() {
        let e: Vec<Entry> = ["fast", "faste", "fastere", "fastlege", "felles"]
            .into_iter()
            .map(entry)
            .collect();
        assert!(extends_a_word(&e, 0, 3), "fastlege extends fast");
        assert!(extends_a_word(&e, 0, 1), "faste extends fast");
        assert!(!extends_a_word(&e, 0, 4), "felles extends nothing");
        // The first part in an earlier shard does not count.
        assert!(!extends_a_word(&e, 1, 3));
    }
}

/// One result as `veiviser search` prints it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ResultItem {
    pub id: String,
    pub title: String,
    /// Absolute URL (under `base_url`), with the section's anchor.
    pub url: String,
    pub kind: String,
    pub score: f64,
    /// Plain text; [`ResultItem::segments`] has the highlighting.
    pub excerpt: String,
    /// Heading of the section the result points at (empty for the top of the page).
    pub section: String,
    #[serde(skip)]
    pub segments: Vec<excerpt::Segment>,
    /// Why it ranks (`veiviser search --explain` only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub explain: Vec<explain::Match>,
    /// What its whole score is multiplied by (`--explain` only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub factors: Vec<explain::Factor>,
}

/// Runs query `text` over the index `reader` reads, with results ready to print.
pub fn run(
    reader: &reader::Reader<'_>,
    base_url: &str,
    text: &str,
    options: &engine::Options,
) -> Result<(Vec<ResultItem>, engine::Outcome), reader::ReadError> {
    let table = query::SynonymTable::new(&reader.manifest.synonyms);
    let q = query::parse(text, &table);
    let outcome = engine::search(reader, &q, options)?;
    let mut items = Vec::new();
    for hit in &outcome.hits {
        let f = reader.fragment(hit.page as usize)?;
        let section = hit.section as usize;
        let (anchor, heading) =
            f.d.get(section)
                .map_or(("", ""), |d| (d.0.as_str(), d.1.as_str()));
        let segments = excerpt::excerpt(
            excerpt::source_text(&f, section),
            &outcome.words,
            &outcome.parts,
        );
        let (kind, _) = reader.facets_of(hit.page);
        items.push(ResultItem {
            id: f.i.clone(),
            title: f.t.clone(),
            url: format!(
                "{}/{}{}",
                base_url.trim_end_matches('/'),
                f.u,
                if anchor.is_empty() {
                    String::new()
                } else {
                    format!("#{anchor}")
                }
            ),
            kind: reader
                .manifest
                .kinds
                .get(kind)
                .map(|k| k[0].clone())
                .unwrap_or_default(),
            score: (hit.score * 10_000.0).round() / 10_000.0,
            excerpt: excerpt::plain(&segments),
            section: heading.to_owned(),
            segments,
            explain: Vec::new(),
            factors: Vec::new(),
        });
    }
    Ok((items, outcome))
}

/// The query options for `limit`, an optional kind name and `NAME=VALUE` filters, checked
/// against the index `reader` reads. The error says what is wrong and which names or values exist.
pub fn options(
    reader: &reader::Reader<'_>,
    limit: usize,
    kind: Option<&str>,
    filters: &[String],
) -> Result<engine::Options, String> {
    let mut chosen = Vec::new();
    for f in filters {
        let (name, value) = f
            .split_once('=')
            .ok_or_else(|| format!("--filter `{f}`: write it as NAME=VALUE"))?;
        let (i, def) = reader
            .manifest
            .filters
            .iter()
            .enumerate()
            .find(|(_, d)| d.name == name)
            .ok_or_else(|| format!("--filter: `{name}` is not a search filter of this site"))?;
        let v = def
            .values
            .iter()
            .position(|x| x.eq_ignore_ascii_case(value) || x.to_lowercase() == value.to_lowercase())
            .ok_or_else(|| {
                format!(
                    "--filter: `{value}` is not a value of `{name}`; values: {}",
                    def.values.join(", ")
                )
            })?;
        chosen.push((i, v));
    }
    if let Some(k) = kind
        && !reader.manifest.kinds.iter().any(|x| x[0] == k)
    {
        let names: Vec<&str> = reader
            .manifest
            .kinds
            .iter()
            .map(|x| x[0].as_str())
            .filter(|n| !n.is_empty())
            .collect();
        return Err(format!(
            "--kind: unknown kind `{k}`; kinds: {}",
            names.join(", ")
        ));
    }
    Ok(engine::Options {
        limit,
        kind: kind.map(str::to_owned),
        filters: chosen,
    })
}

/// Fills [`ResultItem::explain`] of `items`, the results [`run`] gave for query `text` (with
/// `outcome`): per hit, which words matched where, through which variant, with which score.
pub fn explain(
    reader: &reader::Reader<'_>,
    text: &str,
    items: &mut [ResultItem],
    outcome: &engine::Outcome,
) -> Result<(), reader::ReadError> {
    let table = query::SynonymTable::new(&reader.manifest.synonyms);
    let q = engine::affordable(reader, &query::parse(text, &table));
    for (item, hit) in items.iter_mut().zip(&outcome.hits) {
        item.explain = explain::explain(reader, &q, hit.page)?;
        item.factors = explain::factors(reader, &q, hit.page);
    }
    Ok(())
}
