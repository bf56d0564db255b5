//! Reuse between compiles of the same site, so that `serve` redoes only what an edit touches.
//!
//! In: the same [`SiteSources`](crate::source::SiteSources) compile after compile (patched by
//! `source::refresh`). Out, through [`pipeline::compile_incremental`](crate::pipeline): a
//! `Compiled` equal to what a full `compile` would return. Kept here between compiles:
//!
//! - **parsed pages**, by file, with the hash of the text they came from: only files whose text
//!   changed are parsed again (all of them when `veiviser.yaml` changed). Pages are shared
//!   (`Arc`) with the graph, never copied;
//! - **the graph** of the last compile, keyed on what other pages see of every page except its
//!   title ([`page_key`]): an edit that leaves that alone (a body or title edit) keeps it and
//!   updates it in place ([`graph::retitle`]: the edited pages' links, and for a new title the
//!   title order, the lists sorted by it and the links naming the page); any other edit builds it
//!   anew. The `urls.lock` check is kept the same way;
//! - **rendered entry pages**, by file, each with its ids and links for the output check (so an
//!   unchanged page is never scanned again), with a fingerprint of everything the page's HTML is
//!   made
//!   from: its own text, the site-wide inputs, and the facts of every page it shows (relations
//!   both ways, citations, links, referenced ids). A page is rendered again only when that
//!   fingerprint changes;
//! - **the site pages**: each kind index and tag page with a fingerprint over the sections and
//!   tags (the navigation) and the facts of the pages it lists, the rest (home, search, 404,
//!   sitemap, `pages.json`, redirects, assets) with one over the facts of every page: body edits
//!   leave them alone, a changed title renders the rest and only the indexes listing the page;
//! - **the output check**, file by file ([`html::CheckMemo`]): only the files rendered anew are
//!   checked again, unless an output path or a file's ids changed.
//!
//! What a page shows of another page is its front matter (title, summary, fields) and headings,
//! so that is what the "facts" hash covers ([`facts_hash`]); `html` must not show more of another
//! page without this module learning about it (the integration test that compares incremental and
//! full compiles after a sequence of edits guards that).
//!
//! Must not: read the disk, or hold anything that is not a pure function of the sources.

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use rayon::prelude::*;
use xxhash_rust::xxh3::Xxh3;

use crate::config::Config;
use crate::error::Diagnostic;
use crate::graph::{self, GraphOptions, LockReport, PageIx, SiteGraph};
use crate::html::{self, RenderInput, Rendered};
use crate::page::{self, Page, PageRole};
use crate::pipeline::{BuildOptions, ParsedPage, Progress};
use crate::source::SiteSources;
use crate::vocab::OutputFile;

/// What the last compile through the cache did again, for the terminal and the benchmark.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Work {
    /// Markdown files parsed (the rest came from the cache).
    pub parsed: usize,
    /// Entry pages rendered (the rest came from the cache).
    pub rendered: usize,
    /// Whether the site pages other than kind indexes and tag pages (home, search, tag list,
    /// `pages.json` …) were rendered again.
    pub site_pages: bool,
    /// Kind indexes and tag pages rendered again (the rest came from the cache).
    pub indexes: usize,
    /// Whether the last graph was kept, with only the edited pages' links resolved again (no
    /// page's facts changed).
    pub graph_kept: bool,
    /// Whether the `urls.lock` check of the last compile was kept.
    pub lock_kept: bool,
    /// HTML files whose links the output check followed again (the rest kept their result).
    pub verified: usize,
}

struct ParsedEntry {
    text_hash: u64,
    page: Option<Arc<Page>>,
    diagnostics: Vec<crate::error::Diagnostic>,
}

struct RenderedEntry {
    fingerprint: u64,
    output: Rendered,
}

/// The site pages of the last compile, each with its fingerprint: kind indexes by section and
/// tag pages by slug one by one (a title edit renders only those listing the page), the rest
/// as one.
#[derive(Default)]
struct SitePages {
    sections: HashMap<String, RenderedEntry>,
    tags: HashMap<String, RenderedEntry>,
    other: Option<(u64, Vec<Rendered>)>,
    /// Whether the last compile rendered `other` again.
    other_rendered: bool,
}

/// Parsed and rendered results of earlier compiles.
#[derive(Default)]
pub struct Cache {
    /// Hash of `veiviser.yaml` the parsed pages were checked against.
    config_hash: u64,
    parsed: HashMap<String, ParsedEntry>,
    /// Text hash of every file of the current compile (its "own" input).
    text_hashes: HashMap<String, u64>,
    entries: HashMap<String, RenderedEntry>,
    site_pages: SitePages,
    /// What the last compile did again.
    pub work: Work,
    /// Leave the search index out of the compile and hand back what builds it
    /// ([`Compiled::deferred_search`](crate::pipeline::Compiled)), so `serve` can push the
    /// reload first and build the index right after.
    pub defer_search: bool,
    /// The graph of the last compile, before its citations were resolved.
    graph: Option<GraphMemo>,
    /// The `urls.lock` check of the last compile.
    lock: Option<LockMemo>,
    /// The output check of the last compile, file by file.
    verified: html::CheckMemo,
    /// Per page of the last compile's graph, [`facts_hash`] (the page is held, so that the
    /// same `Arc` means the same page).
    facts: Vec<(Arc<Page>, u64)>,
}

/// The graph of the last compile and what it was built from: an edit that changes no page's
/// facts but titles ([`page_key`]) changes only the edited pages' links and what titles decide,
/// so the graph is kept and updated in place ([`graph::retitle`]).
struct GraphMemo {
    key: u64,
    /// Per entry of `inputs`: [`page_key`].
    page_keys: Vec<u64>,
    /// The parsed pages (by content file, `None` where parsing failed) the graph holds.
    inputs: Vec<Option<Arc<Page>>>,
    /// Per entry of `inputs`: the page's index in the graph (drafts may be left out).
    graph_ix: Vec<Option<PageIx>>,
    graph: SiteGraph,
    found: graph::Found,
}

/// The `urls.lock` check of the last compile: the same as long as the graph's facts and the lock
/// text are (the positions of headings matter only to the problems it reports). When it found no
/// problem, it stays the same as long as what the site publishes does ([`published_hash`]), so
/// a title edit keeps it too.
struct LockMemo {
    key: u64,
    headings_at: u64,
    published: u64,
    report: LockReport,
    diagnostics: Vec<Diagnostic>,
}

impl Cache {
    pub fn new() -> Self {
        Self::default()
    }

    /// A cache whose compiles leave the search index out (see [`Cache::defer_search`]).
    pub fn deferring_search() -> Self {
        Self {
            defer_search: true,
            ..Self::default()
        }
    }

    /// Parses the files whose text changed since the last call; shares the rest with the cache.
    pub(crate) fn parse_all(
        &mut self,
        sources: &SiteSources,
        options: &BuildOptions,
        config: &Config,
        progress: &dyn Progress,
    ) -> Vec<ParsedPage> {
        let (content, config_text) = (&sources.content, sources.config_text.as_str());
        let config_hash = hash_of(&(config_text, options.drafts, &options.base_url));
        if config_hash != self.config_hash {
            self.parsed.clear();
            self.config_hash = config_hash;
        }
        let hashes: Vec<u64> = content.par_iter().map(|s| hash_of(&s.text)).collect();
        let stale: Vec<usize> = (0..content.len())
            .filter(|&i| {
                self.parsed
                    .get(&content[i].rel_path)
                    .is_none_or(|e| e.text_hash != hashes[i])
            })
            .collect();
        progress.start("lese sider", stale.len());
        let fresh: Vec<(usize, page::Parsed)> = stale
            .par_iter()
            .map(|&i| {
                let parsed = page::parse(&content[i], config);
                progress.advance(1);
                (i, parsed)
            })
            .collect();
        self.work.parsed = fresh.len();
        for (i, p) in fresh {
            self.parsed.insert(
                content[i].rel_path.clone(),
                ParsedEntry {
                    text_hash: hashes[i],
                    page: p.page.map(Arc::new),
                    diagnostics: p.diagnostics,
                },
            );
        }
        // The same files as last time (an edit, the common case): only the edited ones' hashes
        // change, and nothing is left behind in the maps.
        let same_files = self.text_hashes.len() == content.len()
            && stale
                .iter()
                .all(|&i| self.text_hashes.contains_key(&content[i].rel_path));
        if same_files {
            for &i in &stale {
                self.text_hashes
                    .insert(content[i].rel_path.clone(), hashes[i]);
            }
        } else {
            self.text_hashes = content
                .iter()
                .zip(&hashes)
                .map(|(s, &h)| (s.rel_path.clone(), h))
                .collect();
            let present = &self.text_hashes;
            self.parsed.retain(|file, _| present.contains_key(file));
            self.entries.retain(|file, _| present.contains_key(file));
        }
        let parsed = &self.parsed;
        content
            .par_iter()
            .map(|s| {
                let e = &parsed[&s.rel_path];
                if let Some(page) = &e.page {
                    // Shared with earlier compiles, which spent some of its budget.
                    page.reset_locate_budget();
                }
                ParsedPage {
                    page: e.page.clone(),
                    diagnostics: e.diagnostics.clone(),
                }
            })
            .collect()
    }

    /// The graph stage with the lock check (the result equals `graph_stage` and
    /// `graph::check_lock` of a full compile): when no page's facts changed, the last graph with
    /// the edited pages put in and their links resolved again, else a new one.
    #[allow(
        clippy::too_many_arguments,
        reason = "the inputs of pipeline's graph_stage and its lock check, plus the cache itself"
    )]
    pub(crate) fn graph_stage(
        &mut self,
        parsed: Vec<ParsedPage>,
        sources: &SiteSources,
        config: &Config,
        options: &BuildOptions,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> (SiteGraph, HashSet<String>, LockReport) {
        let page_keys = page_keys(&parsed, self.graph.as_ref());
        let key = hash_of(&(
            &sources.config_text,
            options.drafts,
            &options.base_url,
            &page_keys,
        ));
        let mut inputs = Vec::with_capacity(parsed.len());
        for p in parsed {
            diagnostics.extend(p.diagnostics);
            inputs.push(p.page);
        }
        let reuse = self
            .graph
            .take()
            .filter(|m| m.key == key && m.inputs.len() == inputs.len());
        // Pages parsed anew since the last graph, by graph index: each may differ in its title
        // and body only (the key leaves the title line out; the rest is compared here).
        let edited = reuse.as_ref().and_then(|memo| {
            let mut edited = HashSet::new();
            for ((new, old), &ix) in inputs.iter().zip(&memo.inputs).zip(&memo.graph_ix) {
                match (new, old, ix) {
                    (Some(new), Some(old), Some(ix)) if !Arc::ptr_eq(new, old) => {
                        if !same_but_title_and_body(old, new) {
                            return None;
                        }
                        edited.insert(ix);
                    }
                    _ => {}
                }
            }
            Some(edited)
        });
        self.work.graph_kept = edited.is_some();
        let memo = if let (Some(mut memo), Some(edited)) = (reuse, edited) {
            memo.inputs = inputs;
            memo.page_keys = page_keys;
            let parsed: Vec<Arc<Page>> = memo
                .inputs
                .iter()
                .zip(&memo.graph_ix)
                .filter_map(|(p, ix)| ix.and(p.clone()))
                .collect();
            graph::retitle(&mut memo.graph, &mut memo.found, config, &edited, &parsed);
            memo
        } else {
            let pages: Vec<Arc<Page>> = inputs.iter().flatten().cloned().collect();
            let graph_options = GraphOptions {
                include_drafts: options.drafts,
            };
            let (graph, found) = graph::build_found(pages, config, graph_options);
            let mut next = 0;
            let graph_ix = inputs
                .iter()
                .map(|p| {
                    p.as_ref().filter(|p| options.drafts || !p.draft).map(|_| {
                        next += 1;
                        next - 1
                    })
                })
                .collect();
            GraphMemo {
                key,
                page_keys,
                inputs,
                graph_ix,
                graph,
                found,
            }
        };
        diagnostics.extend(memo.found.diagnostics());
        let mut graph = memo.graph.clone();
        self.graph = Some(memo);
        let cited = graph::resolve_citations(&mut graph, config, &sources.content_assets);
        diagnostics.extend(cited.diagnostics);

        let (report, lock_diags) = self.lock_check(&graph, key, sources, options);
        diagnostics.extend(lock_diags);
        (graph, cited.source_texts, report)
    }

    /// The `urls.lock` check of `graph` (whose [`page_keys`] hash to `key`), kept from the last
    /// compile when it cannot have changed; and its problems.
    fn lock_check(
        &mut self,
        graph: &SiteGraph,
        key: u64,
        sources: &SiteSources,
        options: &BuildOptions,
    ) -> (LockReport, Vec<Diagnostic>) {
        let lock_key = hash_of(&(key, &sources.lock_text, options.locked));
        // Both hashes read every page: taken only when the graph's key does not decide.
        let headings_at = std::cell::OnceCell::new();
        let headings_at = || *headings_at.get_or_init(|| headings_hash(graph));
        let published = std::cell::OnceCell::new();
        let published = || {
            *published.get_or_init(|| {
                hash_of(&(published_hash(graph), &sources.lock_text, options.locked))
            })
        };
        let kept = self.lock.take().filter(|m| {
            if m.diagnostics.is_empty() {
                // The graph's key covers all that `published_hash` reads.
                m.key == lock_key || m.published == published()
            } else {
                m.key == lock_key && m.headings_at == headings_at()
            }
        });
        self.work.lock_kept = kept.is_some();
        let kept = kept.map(|m| LockMemo { key: lock_key, ..m });
        let lock = kept.unwrap_or_else(|| {
            let mut lock_diags = Vec::new();
            let report = graph::check_lock(
                graph,
                sources.lock_text.as_deref(),
                options.locked,
                &mut lock_diags,
            );
            LockMemo {
                key: lock_key,
                headings_at: headings_at(),
                published: published(),
                report,
                diagnostics: lock_diags,
            }
        });
        let found = (lock.report.clone(), lock.diagnostics.clone());
        self.lock = Some(lock);
        found
    }

    /// Renders what changed and takes the rest from the cache; the result equals
    /// [`html::render`]. `site_inputs` is a hash of every input that is the same for all pages
    /// (configuration, theme, options).
    pub(crate) fn render(
        &mut self,
        input: &RenderInput<'_>,
        site_inputs: u64,
    ) -> (Vec<html::Produced>, Vec<crate::error::Diagnostic>) {
        let graph = input.graph;
        let last = &self.facts;
        self.facts = graph
            .pages
            .par_iter()
            .enumerate()
            .map(|(i, page)| {
                let facts = match last.get(i) {
                    Some((old, facts)) if Arc::ptr_eq(old, page) => *facts,
                    _ => facts_hash(page),
                };
                (Arc::clone(page), facts)
            })
            .collect();
        let facts: Vec<u64> = self.facts.iter().map(|&(_, f)| f).collect();
        let fp = Fingerprints {
            graph,
            site_inputs,
            facts: &facts,
            text_hashes: &self.text_hashes,
        };
        let entries = &self.entries;
        let results: Vec<(u64, bool, Rendered)> = graph
            .pages
            .par_iter()
            .enumerate()
            .filter(|(_, p)| p.role == PageRole::Entry)
            .map(|(ix, page)| {
                let fingerprint = fp.entry(ix);
                match entries.get(&page.file) {
                    Some(e) if e.fingerprint == fingerprint => {
                        (fingerprint, false, e.output.clone())
                    }
                    _ => (fingerprint, true, html::render_entry(input, ix, page)),
                }
            })
            .collect();
        self.work.rendered = results.iter().filter(|r| r.1).count();
        let mut outputs = Vec::with_capacity(results.len());
        for ((fingerprint, fresh, output), page) in results
            .into_iter()
            .zip(graph.pages.iter().filter(|p| p.role == PageRole::Entry))
        {
            if fresh {
                self.entries.insert(
                    page.file.clone(),
                    RenderedEntry {
                        fingerprint,
                        output: output.clone(),
                    },
                );
            }
            outputs.push(output);
        }

        let (site_pages, indexes) = self.site_pages.render(input, &fp);
        self.work.indexes = indexes;
        self.work.site_pages = self.site_pages.other_rendered;
        html::assemble(outputs, site_pages)
    }
}

impl Cache {
    /// The output check (equal to [`html::verify`]), following again only the links of files
    /// rendered anew when no output path and no file's ids changed.
    pub(crate) fn verify(
        &mut self,
        files: &[html::Listed<'_>],
        input: &html::CheckInput<'_>,
    ) -> html::Verified {
        html::verify_again(files, input, &mut self.verified);
        self.work.verified = self.verified.checked;
        self.verified.result()
    }
}

impl SitePages {
    /// The site pages of `input`, rendered where their fingerprint changed; and how many kind
    /// indexes and tag pages were rendered.
    fn render(&mut self, input: &RenderInput<'_>, fp: &Fingerprints<'_>) -> (Vec<Rendered>, usize) {
        let graph = input.graph;
        let structure = fp.structure();
        let sections = keep_or_render(
            &graph.sections,
            &self.sections,
            |s| (s.section.as_str(), fp.section(structure, s)),
            |i| html::render_section_page(input, i),
        );
        let tags = keep_or_render(
            &graph.tags,
            &self.tags,
            |t| (t.slug.as_str(), fp.tag(structure, t)),
            |i| html::render_tag_page(input, i),
        );
        let rendered = sections.iter().chain(&tags).filter(|r| r.1).count();
        let mut out = Vec::with_capacity(sections.len() + tags.len());
        let keys = graph.sections.iter().map(|s| &s.section);
        self.sections = memo_of(keys.zip(sections), &mut out);
        let keys = graph.tags.iter().map(|t| &t.slug);
        self.tags = memo_of(keys.zip(tags), &mut out);

        let other = fp.other_site_pages();
        self.other_rendered = self.other.as_ref().is_none_or(|(f, _)| *f != other);
        if self.other_rendered {
            self.other = Some((other, html::render_other_site_pages(input)));
        }
        out.extend(
            self.other
                .iter()
                .flat_map(|(_, pages)| pages.iter().cloned()),
        );
        (out, rendered)
    }
}

/// Each of `items` (kind indexes or tag pages) as kept in `memo` when its fingerprint is the
/// same, else rendered anew by `render(index)`: (fingerprint, rendered anew, output).
fn keep_or_render<T: Sync>(
    items: &[T],
    memo: &HashMap<String, RenderedEntry>,
    key_and_fingerprint: impl Fn(&T) -> (&str, u64) + Sync,
    render: impl Fn(usize) -> Rendered + Sync,
) -> Vec<(u64, bool, Rendered)> {
    items
        .par_iter()
        .enumerate()
        .map(|(i, item)| {
            let (key, f) = key_and_fingerprint(item);
            match memo.get(key).filter(|e| e.fingerprint == f) {
                Some(e) => (f, false, e.output.clone()),
                None => (f, true, render(i)),
            }
        })
        .collect()
}

/// The rendered site pages by key, for the next compile; every output also goes to `out`.
fn memo_of<'a>(
    pages: impl Iterator<Item = (&'a String, (u64, bool, Rendered))>,
    out: &mut Vec<Rendered>,
) -> HashMap<String, RenderedEntry> {
    pages
        .map(|(key, (fingerprint, _, output))| {
            out.push(output.clone());
            (
                key.clone(),
                RenderedEntry {
                    fingerprint,
                    output,
                },
            )
        })
        .collect()
}

/// Hash of everything that is the same for every page: the configuration text, the theme, the
/// build options.
pub(crate) fn site_inputs_hash(sources: &SiteSources, options: &BuildOptions) -> u64 {
    let mut h = Xxh3::new();
    sources.config_text.hash(&mut h);
    sources.synonyms_text.hash(&mut h);
    for (name, text) in &sources.theme.templates {
        (name, text).hash(&mut h);
    }
    for asset in &sources.theme.static_files {
        (&asset.rel_path, &asset.bytes).hash(&mut h);
    }
    (options.drafts, &options.base_url).hash(&mut h);
    h.finish()
}

/// Hash of what other pages show of `page`: file (hence URL), front matter (title, summary,
/// fields, tags, draft …) and headings (anchors, listed in `pages.json`).
pub(super) fn facts_hash(page: &Page) -> u64 {
    let mut h = Xxh3::new();
    (&page.file, &page.front_matter).hash(&mut h);
    for heading in &page.body.headings {
        (heading.level, &heading.id, &heading.text).hash(&mut h);
    }
    h.finish()
}

/// Per content file in order, [`page_key`]: taken from `last` for a page that is the very same
/// (`Arc`) as in the last compile. Hashed with the configuration and the options, they are the
/// key of everything the graph is built from except the pages' bodies: equal keys, and the graph
/// differs only in the edited pages' own links.
fn page_keys(parsed: &[ParsedPage], last: Option<&GraphMemo>) -> Vec<u64> {
    parsed
        .par_iter()
        .enumerate()
        .map(|(i, p)| {
            let Some(page) = &p.page else {
                return 0;
            };
            let kept = last.and_then(|m| match (m.inputs.get(i), m.page_keys.get(i)) {
                (Some(Some(old)), Some(&key)) if Arc::ptr_eq(old, page) => Some(key),
                _ => None,
            });
            kept.unwrap_or_else(|| page_key(page))
        })
        .collect()
}

/// What other pages see of a page that parsed, except its title (file, front matter but its
/// `title:` line, where the front matter starts, id, URL, kind, headings, anchor aliases),
/// hashed; never 0 (a file that did not parse). A graph whose pages' keys are all the same is
/// updated in place ([`graph::retitle`]), after [`same_but_title_and_body`] said yes.
fn page_key(page: &Page) -> u64 {
    let mut h = Xxh3::new();
    (&page.file, page.front_matter_line).hash(&mut h);
    for line in page.front_matter.split('\n') {
        if is_title_line(line) {
            0xfe_u8.hash(&mut h);
        } else {
            line.hash(&mut h);
        }
    }
    (&page.id, &page.url, &page.kind, page.draft).hash(&mut h);
    for heading in &page.body.headings {
        (heading.level, &heading.id, &heading.text, heading.pinned).hash(&mut h);
    }
    0xff_u8.hash(&mut h);
    for alias in &page.anchor_aliases {
        alias.hash(&mut h);
    }
    h.finish() | 1
}

/// Whether a line of front matter is the top-level `title:` key (its value on the same line).
fn is_title_line(line: &str) -> bool {
    line.starts_with("title:")
}

/// Whether `new`, parsed anew from the file `old` came from, differs from it in nothing the graph
/// reads but its title and its body: the front matter's lines are the same but for the
/// `title:` line (so every other key stays where it was for the problems located there), and
/// every value read from it is the same.
fn same_but_title_and_body(old: &Page, new: &Page) -> bool {
    fn lines(p: &Page) -> impl Iterator<Item = &str> {
        p.front_matter.split('\n').filter(|l| !is_title_line(l))
    }
    fn headings(p: &Page) -> impl Iterator<Item = (u8, &String, &String, bool)> {
        p.body
            .headings
            .iter()
            .map(|h| (h.level, &h.id, &h.text, h.pinned))
    }
    let same_lines = old.front_matter.split('\n').count() == new.front_matter.split('\n').count()
        && lines(old).eq(lines(new));
    same_lines
        && (&old.id, &old.kind, old.role, &old.file, &old.url)
            == (&new.id, &new.kind, new.role, &new.file, &new.url)
        && (&old.summary, &old.fields, &old.sources, &old.aliases)
            == (&new.summary, &new.fields, &new.sources, &new.aliases)
        && (&old.anchor_aliases, &old.tags, &old.updated, &old.changes)
            == (&new.anchor_aliases, &new.tags, &new.updated, &new.changes)
        && (old.weight, old.draft, old.front_matter_line)
            == (new.weight, new.draft, new.front_matter_line)
        && headings(old).eq(headings(new))
}

/// Hash of where every heading of the graph is: the lock check reports a lost anchor at the
/// heading that replaced it.
fn headings_hash(graph: &SiteGraph) -> u64 {
    let mut h = Xxh3::new();
    for page in &graph.pages {
        for heading in &page.body.headings {
            (heading.pos.line, heading.pos.column).hash(&mut h);
        }
    }
    h.finish()
}

/// Hash of everything whether the `urls.lock` check finds a problem depends on, and what it
/// adds to the lock: every page's URL, draft flag, heading ids and anchor aliases, the redirects
/// and the URLs the site generates (kind indexes, tags).
fn published_hash(graph: &SiteGraph) -> u64 {
    let pages: Vec<u64> = graph
        .pages
        .par_iter()
        .map(|page| {
            let mut h = Xxh3::new();
            (&page.url, page.draft).hash(&mut h);
            for heading in &page.body.headings {
                heading.id.hash(&mut h);
            }
            0xff_u8.hash(&mut h);
            for alias in page.anchor_aliases.keys() {
                alias.hash(&mut h);
            }
            h.finish()
        })
        .collect();
    let redirects: Vec<(&str, PageIx)> = graph
        .redirects
        .iter()
        .map(|r| (r.from.as_str(), r.to))
        .collect();
    let mut generated: Vec<String> = graph::generated_urls(graph).into_iter().collect();
    generated.sort_unstable();
    hash_of(&(pages, redirects, generated))
}

fn hash_of(value: &impl Hash) -> u64 {
    let mut h = Xxh3::new();
    value.hash(&mut h);
    h.finish()
}

/// Fingerprints of rendered outputs: equal fingerprints mean equal output.
struct Fingerprints<'a> {
    graph: &'a SiteGraph,
    site_inputs: u64,
    /// Per page, [`facts_hash`].
    facts: &'a [u64],
    text_hashes: &'a HashMap<String, u64>,
}

impl Fingerprints<'_> {
    /// An entry page's HTML: its own text, plus the facts of every page it shows.
    fn entry(&self, ix: PageIx) -> u64 {
        let g = self.graph;
        let page = &g.pages[ix];
        let mut h = Xxh3::new();
        (
            self.site_inputs,
            &page.file,
            self.text_hashes.get(&page.file),
        )
            .hash(&mut h);
        let facts_of = |id: &str| g.by_id.get(id).map(|&t| self.facts[t]);
        for groups in [&g.relations, &g.backlinks] {
            for group in groups.get(ix).into_iter().flatten() {
                (&group.field, &group.label).hash(&mut h);
                for &p in &group.pages {
                    self.facts[p].hash(&mut h);
                }
            }
            0xff_u8.hash(&mut h);
        }
        for &p in g.cited_by.get(ix).into_iter().flatten() {
            self.facts[p].hash(&mut h);
        }
        for link in g.links.get(ix).into_iter().flatten() {
            (&link.url, &link.title).hash(&mut h);
        }
        for value in page.fields.values() {
            for id in value.ids() {
                facts_of(id).hash(&mut h);
            }
        }
        for source in &page.sources {
            facts_of(&source.source).hash(&mut h);
        }
        // Citation notes quote source texts and show source pages' titles.
        if let Some(cites) = g.citations.get(ix) {
            cites.hash(&mut h);
            for note in &cites.notes {
                note.source.map(|s| self.facts[s]).hash(&mut h);
            }
        }
        h.finish()
    }

    /// The site pages other than kind indexes and tag pages: the facts of every page, in order,
    /// and all of the pages whose whole text they show (home and kind intros).
    fn other_site_pages(&self) -> u64 {
        let mut h = Xxh3::new();
        self.site_inputs.hash(&mut h);
        self.facts.hash(&mut h);
        for (ix, page) in self.graph.pages.iter().enumerate() {
            if page.role != PageRole::Entry {
                self.entry(ix).hash(&mut h);
            }
        }
        h.finish()
    }

    /// What every site page shows of the site as a whole (the navigation lists the sections):
    /// the site-wide inputs, and every section and tag with its pages.
    fn structure(&self) -> u64 {
        let mut h = Xxh3::new();
        self.site_inputs.hash(&mut h);
        for s in &self.graph.sections {
            (&s.kind, &s.section, &s.label, &s.plural).hash(&mut h);
            (s.index_page, &s.members).hash(&mut h);
        }
        for t in &self.graph.tags {
            (&t.name, &t.slug, &t.pages).hash(&mut h);
        }
        h.finish()
    }

    /// A kind index: the structure, the facts of its pages and of the pages their fields name
    /// (its columns), and its `_index.md` page as a whole.
    fn section(&self, structure: u64, section: &graph::Section) -> u64 {
        let g = self.graph;
        let mut h = Xxh3::new();
        (structure, &section.section).hash(&mut h);
        for &m in &section.members {
            self.facts[m].hash(&mut h);
            for value in g.pages[m].fields.values() {
                for id in value.ids() {
                    g.by_id.get(id).map(|&t| self.facts[t]).hash(&mut h);
                }
            }
        }
        section.index_page.map(|ix| self.entry(ix)).hash(&mut h);
        h.finish()
    }

    /// A tag page: the structure and the facts of its pages.
    fn tag(&self, structure: u64, tag: &graph::TagGroup) -> u64 {
        let mut h = Xxh3::new();
        (structure, &tag.slug).hash(&mut h);
        for &p in &tag.pages {
            self.facts[p].hash(&mut h);
        }
        h.finish()
    }
}

/// Files of `a` and `b` that differ, by path: for tests and the `serve` self-check.
pub fn differing_files(a: &[OutputFile], b: &[OutputFile]) -> Vec<String> {
    let left: HashMap<&str, &[u8]> = a.iter().map(|f| (f.path.as_str(), &f.bytes[..])).collect();
    let right: HashMap<&str, &[u8]> = b.iter().map(|f| (f.path.as_str(), &f.bytes[..])).collect();
    let paths: HashSet<&str> = left.keys().chain(right.keys()).copied().collect();
    let mut diff: Vec<String> = paths
        .into_iter()
        .filter(|p| left.get(p) != right.get(p))
        .map(str::to_owned)
        .collect();
    diff.sort();
    diff
}
