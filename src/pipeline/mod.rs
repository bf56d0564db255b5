//! The only orchestrator: runs the stages in order and reports what happened.
//!
//! ```text
//! source::load ─▶ Config::parse ─▶ page::parse (parallel) ─▶ graph::build
//!              ─▶ graph::resolve_citations ─▶ graph::check_lock
//!              ─▶ search::build ─▶ html::render (parallel; each file with its ids and links;
//!                 in a build, whose pages stream to the disk, html::render runs first)
//!              ─▶ html::verify (every link of the output, from those ids and links)
//!              ─▶ output::Staging::publish (urls.lock written, then swapped in)
//! ```
//!
//! [`compile`] is pure (sources in, files and diagnostics out) so `serve` can keep the result in
//! memory; [`build`] adds the disk at both ends: it opens the staging folder first and writes
//! each file into it as soon as it is made (search files, pages, assets), keeping only what the
//! link check needs, and publishes the folder only when the compile found no error.

use std::borrow::Cow;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::config::Config;
use crate::error::{self, Diagnostic, Error, Result};
use crate::graph::{self, GraphOptions, SiteGraph};
use crate::html::{self, Theme};
use crate::output;
use crate::page;
use crate::search;
use crate::source::{self, SiteSources};
use crate::vocab::OutputFile;

mod incremental;
pub use incremental::{Cache, Work, differing_files};

/// Reports progress of long stages (a terminal progress bar, or nothing).
pub trait Progress: Sync {
    /// A stage with `total` steps begins.
    fn start(&self, _stage: &'static str, _total: usize) {}
    /// `n` more steps are done.
    fn advance(&self, _n: usize) {}
    /// The run is over.
    fn finish(&self) {}
}

/// Progress that goes nowhere.
pub struct Silent;
impl Progress for Silent {}

/// Options of a build or check.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// The site folder (holding `veiviser.yaml`).
    pub root: PathBuf,
    /// Output folder; default `<root>/public`.
    pub out: Option<PathBuf>,
    /// Include pages marked `draft: true`.
    pub drafts: bool,
    /// Override `base_url` of `veiviser.yaml`.
    pub base_url: Option<String>,
    /// Treat any change of `urls.lock` as an error and never write it (for CI).
    pub locked: bool,
}

impl BuildOptions {
    /// The output folder.
    pub fn out_dir(&self) -> PathBuf {
        self.out.clone().unwrap_or_else(|| self.root.join("public"))
    }
}

/// Time spent in one stage.
#[derive(Debug, Clone)]
pub struct Timing {
    pub stage: &'static str,
    pub duration: Duration,
    /// Peak memory of the process (resident set) when the stage ended, where the OS tells it.
    pub peak_rss_kb: Option<u64>,
    /// CPU time of the process (all threads) during the stage, where the OS tells it.
    pub cpu: Option<Duration>,
}

/// The process's peak resident set so far (`VmHWM` on Linux; `None` elsewhere).
pub fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// CPU time (user + system, all threads) the process has used so far, in clock ticks of 10 ms
/// (`/proc/self/stat` on Linux; `None` elsewhere). On a shared machine this says more about a
/// stage's cost than its wall time.
pub fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces) start at field 3; utime and stime
    // are fields 14 and 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let mut fields = rest.split_whitespace().skip(11);
    let ticks: u64 = fields.next()?.parse::<u64>().ok()? + fields.next()?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// The outcome of [`compile`].
#[derive(Debug, Default)]
pub struct Compiled {
    /// The files of the site (empty when the configuration or theme could not be read).
    pub files: Vec<OutputFile>,
    /// Errors and warnings, sorted by file and position, with source snippets attached.
    pub diagnostics: Vec<Diagnostic>,
    /// The site's graph. After [`build`], pages' `body.sections` and entry pages' `body.html`
    /// are empty: they were released once the search index and each page were made.
    pub graph: SiteGraph,
    pub timings: Vec<Timing>,
    /// What the `urls.lock` check found, and the new lock text if it must change.
    pub lock: graph::LockReport,
    /// Links that leave the site, with where they were written (never fetched).
    pub external_links: Vec<html::ExternalLink>,
    /// Set when the cache asked for the search index to be left out (`Cache::defer_search`):
    /// the configuration [`Compiled::build_search`] needs to add it later.
    pub deferred_search: Option<Config>,
    /// How many files the output has and their size, counted as they were made (a build that
    /// writes streams its files to the disk and returns none in `files`).
    pub size: OutputSize,
}

/// The size of a site's output.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct OutputSize {
    pub files: usize,
    pub bytes: u64,
    /// Bytes of the search index (under `search/`).
    pub index_bytes: u64,
}

impl OutputSize {
    fn add(&mut self, f: &OutputFile) {
        let len = f.bytes.len() as u64;
        self.files += 1;
        self.bytes += len;
        if f.path.starts_with(search::DIR) {
            self.index_bytes += len;
        }
    }
}

impl Compiled {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// The search index files this compile left out (see [`Compiled::deferred_search`]), built
    /// now from the same sources' `synonyms.yaml`: together with `files` they are what
    /// [`compile`] returns. Empty when nothing was left out.
    pub fn build_search(&self, synonyms_text: Option<&str>) -> Vec<OutputFile> {
        let Some(config) = &self.deferred_search else {
            return Vec::new();
        };
        search::build(&search::SearchInput {
            graph: &self.graph,
            config,
            synonyms_text,
        })
        .0
    }

    /// Number of entity and plain pages.
    pub fn page_count(&self) -> usize {
        self.graph
            .pages
            .iter()
            .filter(|p| p.role == page::PageRole::Entry)
            .count()
    }

    /// Total size of the output in bytes.
    pub fn output_bytes(&self) -> u64 {
        self.size.bytes
    }
}

/// Runs every stage after `source` on sources already in memory.
pub fn compile(sources: &SiteSources, options: &BuildOptions, progress: &dyn Progress) -> Compiled {
    let run = Run {
        release_texts: false,
        defer_search: false,
        cache: None,
        outlet: Outlet::default(),
    };
    compile_with(Cow::Borrowed(sources), options, progress, run)
}

/// Like [`compile`], with the same result, but parses and renders only what changed since the
/// compiles that filled `cache` (for `serve`). A cache belongs to one site and one `options`.
pub fn compile_incremental(
    sources: &SiteSources,
    options: &BuildOptions,
    progress: &dyn Progress,
    cache: &mut Cache,
) -> Compiled {
    let run = Run {
        release_texts: false,
        defer_search: cache.defer_search,
        cache: Some(cache),
        outlet: Outlet::default(),
    };
    compile_with(Cow::Borrowed(sources), options, progress, run)
}

/// How one compile treats memory and reuse, said by its caller rather than inferred.
struct Run<'c> {
    /// Release each Markdown text once its page is parsed (needs owned sources), the section
    /// texts once indexed and each page's Markdown HTML once rendered: a `build`, which keeps
    /// nothing. Later diagnostics then read their lines again from `options.root` ([`finish`]).
    release_texts: bool,
    /// Leave the search index out ([`Compiled::deferred_search`]).
    defer_search: bool,
    /// What earlier compiles of the same site left to reuse (`serve`).
    cache: Option<&'c mut Cache>,
    /// Where each file goes as soon as it is made.
    outlet: Outlet<'c>,
}

/// Where each file of a compile goes as soon as it is made, and the count of what went.
#[derive(Default)]
struct Outlet<'c> {
    /// The staging folder of a build: each file is written there at once and the compile keeps
    /// only what the link check needs of it (and returns no `files`).
    staging: Option<&'c output::Staging>,
    size: std::sync::Mutex<OutputSize>,
}

impl<'c> Outlet<'c> {
    fn to(staging: Option<&'c output::Staging>) -> Self {
        Self {
            staging,
            size: std::sync::Mutex::default(),
        }
    }

    /// Counts `file`; writes it into the staging folder when there is one and keeps only its
    /// path and links, else keeps it whole. A write error is kept by the staging folder, which
    /// reports it when the site is published.
    fn take(&self, mut file: html::Produced) -> html::Produced {
        {
            let mut size = self
                .size
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            size.add(&file.file);
        }
        if let Some(staging) = self.staging {
            staging.write(&file.file);
            file.file.bytes = bytes::Bytes::new();
        }
        file
    }

    /// Files at `paths` will come: their folders are made now, in order (a build).
    fn expect<'a>(&self, paths: impl Iterator<Item = &'a str>) {
        if let Some(staging) = self.staging {
            staging.create_dirs(paths);
        }
    }

    fn size(&self) -> OutputSize {
        *self
            .size
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Wall time, CPU time and peak memory per stage.
struct Stopwatch {
    timings: Vec<Timing>,
    clock: Instant,
    cpu: Option<Duration>,
}

impl Stopwatch {
    fn start() -> Self {
        Self {
            timings: Vec::new(),
            clock: Instant::now(),
            cpu: cpu_time(),
        }
    }

    /// `stage` ended now.
    fn lap(&mut self, stage: &'static str) {
        let cpu_now = cpu_time();
        self.timings.push(Timing {
            stage,
            duration: self.clock.elapsed(),
            peak_rss_kb: peak_rss_kb(),
            cpu: cpu_now
                .zip(self.cpu)
                .map(|(now, then)| now.saturating_sub(then)),
        });
        self.clock = Instant::now();
        self.cpu = cpu_now;
    }
}

/// The content's files other than pages (images, PDFs), each through `outlet`. Source texts
/// (`source_texts`) are quoted passage by passage, never published whole.
fn asset_stage(
    sources: &SiteSources,
    source_texts: &HashSet<String>,
    outlet: &Outlet<'_>,
) -> Vec<html::Produced> {
    sources
        .content_assets
        .par_iter()
        .filter(|a| !source_texts.contains(&a.rel_path))
        .map(|a| {
            outlet.take(html::Produced::new(OutputFile {
                path: a.rel_path.clone(),
                bytes: a.bytes.clone().into(),
            }))
        })
        .collect()
}

/// The pipeline of `lib.rs`, stage after stage.
fn compile_with(
    mut sources: Cow<'_, SiteSources>,
    options: &BuildOptions,
    progress: &dyn Progress,
    mut run: Run<'_>,
) -> Compiled {
    let mut watch = Stopwatch::start();
    let mut diagnostics = sources.diagnostics.clone();
    let config = match config_stage(&sources, options, &mut diagnostics, &mut watch) {
        Ok(c) => c,
        Err(stopped) => return stopped,
    };
    watch.lap("config");

    let parsed = parse_pages(&mut sources, &config, options, progress, &mut run);
    let sources = &*sources;
    // Where released texts are read again for the lines of later diagnostics.
    let reread_from = run.release_texts.then_some(options.root.as_path());
    watch.lap("page");
    let (mut graph, source_texts, lock) = if let Some(cache) = run.cache.as_deref_mut() {
        cache.graph_stage(parsed, sources, &config, options, &mut diagnostics)
    } else {
        let (graph, source_texts) =
            graph_stage(parsed, sources, &config, options, &mut diagnostics);
        let lock_text = sources.lock_text.as_deref();
        let lock = graph::check_lock(&graph, lock_text, options.locked, &mut diagnostics);
        (graph, source_texts, lock)
    };
    watch.lap("graph");

    let theme = match Theme::load(&sources.theme, &config.theme) {
        Ok(t) => t,
        Err(d) => {
            diagnostics.extend(d);
            let compiled = Compiled {
                diagnostics,
                graph,
                timings: watch.timings,
                lock,
                ..Compiled::default()
            };
            return finish(sources, reread_from, compiled);
        }
    };
    // Pages kept in memory: the index first, so the peak holds the index's working set or the
    // rendered pages, never both. Pages streamed to the disk (a build): the pages first, each
    // one's Markdown HTML released as it is written, so the index's working set meets a graph
    // without them.
    let streaming = run.outlet.staging.is_some();
    let (mut files, mut deferred_search) = (Vec::new(), None);
    if !streaming {
        (files, deferred_search) =
            index_stage(&mut graph, &config, sources, &run, &mut diagnostics);
        watch.lap("search");
    }
    let input = RenderStage {
        config: &config,
        theme: &theme,
        sources,
        options,
        progress,
    };
    let (rendered, html_diags) = render_stage(&input, &mut graph, &mut run);
    diagnostics.extend(html_diags);
    files.extend(rendered);
    if streaming {
        watch.lap("html");
        // The index takes the section texts out of the graph: nothing else reads them.
        let (index, deferred) = index_stage(&mut graph, &config, sources, &run, &mut diagnostics);
        files.extend(index);
        deferred_search = deferred;
        watch.lap("search");
    }
    files.par_extend(asset_stage(sources, &source_texts, &run.outlet));
    files.par_sort_unstable_by(|a, b| a.file.path.cmp(&b.file.path));
    if !streaming {
        watch.lap("html");
    }

    let verified = verify_stage(&files, &graph, &config, &mut run);
    diagnostics.extend(verified.diagnostics);
    watch.lap("verify");
    progress.finish();
    let files = if run.outlet.staging.is_some() {
        Vec::new()
    } else {
        files.into_iter().map(|f| f.file).collect()
    };
    let compiled = Compiled {
        files,
        diagnostics,
        graph,
        timings: watch.timings,
        lock,
        external_links: verified.external,
        deferred_search,
        size: run.outlet.size(),
    };
    finish(sources, reread_from, compiled)
}

/// One content file after the page stage: its page, shared with the compile cache of `serve` (so
/// a compile never copies an unchanged page), and the problems found in it.
pub(crate) struct ParsedPage {
    page: Option<Arc<page::Page>>,
    diagnostics: Vec<Diagnostic>,
}

impl From<page::Parsed> for ParsedPage {
    fn from(p: page::Parsed) -> Self {
        Self {
            page: p.page.map(Arc::new),
            diagnostics: p.diagnostics,
        }
    }
}

/// The output check over the ids and links taken as each file was made; a problem's snippet is
/// read from the file in memory, or back from the staging folder.
fn verify_stage(
    files: &[html::Produced],
    graph: &SiteGraph,
    config: &Config,
    run: &mut Run<'_>,
) -> html::Verified {
    let staging = run.outlet.staging;
    let listed: Vec<html::Listed<'_>> = files.iter().map(html::Produced::listed).collect();
    let text_of = |path: &str| -> Option<String> {
        match staging {
            Some(staging) => staging.read(path),
            None => files
                .binary_search_by(|f| f.file.path.as_str().cmp(path))
                .ok()
                .map(|i| String::from_utf8_lossy(&files[i].file.bytes).into_owned()),
        }
    };
    let input = html::CheckInput {
        graph,
        config,
        text_of: &text_of,
    };
    match run.cache.as_deref_mut() {
        Some(cache) => cache.verify(&listed, &input),
        None => html::verify(&listed, &input),
    }
}

/// The page stage over every content file: from the cache when there is one; releasing each
/// text as soon as its page is parsed when `run.release_texts` (and the sources are owned).
fn parse_pages(
    sources: &mut Cow<'_, SiteSources>,
    config: &Config,
    options: &BuildOptions,
    progress: &dyn Progress,
    run: &mut Run<'_>,
) -> Vec<ParsedPage> {
    let parse_one = |src: &source::SourceFile| {
        let p = page::parse(src, config);
        progress.advance(1);
        ParsedPage::from(p)
    };
    match (run.cache.as_deref_mut(), sources) {
        (Some(cache), sources) => cache.parse_all(sources, options, config, progress),
        (None, Cow::Owned(owned)) if run.release_texts => {
            progress.start("lese sider", owned.content.len());
            owned
                .content
                .par_iter_mut()
                .map(|src| {
                    let p = parse_one(src);
                    src.text = String::new();
                    p
                })
                .collect()
        }
        (None, sources) => {
            progress.start("lese sider", sources.content.len());
            sources.content.par_iter().map(parse_one).collect()
        }
    }
}

/// The search stage: the index files, or none and the configuration to build them later when
/// `defer` (problems in `synonyms.yaml` are reported now either way).
/// `veiviser.yaml` parsed, with `--base-url` in place of its `base_url`; when it has problems, the
/// finished compile that stops there, holding `diagnostics` (taken) and the timings so far.
fn config_stage(
    sources: &SiteSources,
    options: &BuildOptions,
    diagnostics: &mut Vec<Diagnostic>,
    watch: &mut Stopwatch,
) -> std::result::Result<Config, Compiled> {
    match Config::parse(&sources.config_text) {
        Ok(mut config) => {
            if let Some(base) = &options.base_url {
                config.base_url.clone_from(base);
            }
            Ok(config)
        }
        Err(d) => {
            diagnostics.extend(d);
            let compiled = Compiled {
                diagnostics: std::mem::take(diagnostics),
                timings: std::mem::take(&mut watch.timings),
                ..Compiled::default()
            };
            Err(finish(sources, None, compiled))
        }
    }
}

/// The graph of the parsed pages with their citations resolved, and the content assets that are
/// source texts (never published); every diagnostic goes to `diagnostics`. Shared by the full
/// build and the index-only build of `veiviser search`.
fn graph_stage(
    parsed: Vec<ParsedPage>,
    sources: &SiteSources,
    config: &Config,
    options: &BuildOptions,
    diagnostics: &mut Vec<Diagnostic>,
) -> (SiteGraph, HashSet<String>) {
    let mut pages = Vec::with_capacity(parsed.len());
    for p in parsed {
        diagnostics.extend(p.diagnostics);
        pages.extend(p.page);
    }
    let graph_options = GraphOptions {
        include_drafts: options.drafts,
    };
    let (mut graph, graph_diags) = graph::build(pages, config, graph_options);
    diagnostics.extend(graph_diags);
    let cited = graph::resolve_citations(&mut graph, config, &sources.content_assets);
    diagnostics.extend(cited.diagnostics);
    (graph, cited.source_texts)
}

fn search_stage(
    graph: &SiteGraph,
    config: &Config,
    sources: &SiteSources,
    defer: bool,
    diagnostics: &mut Vec<Diagnostic>,
) -> (Vec<OutputFile>, Option<Config>) {
    if defer {
        if let Some(text) = sources.synonyms_text.as_deref() {
            diagnostics.extend(search::Synonyms::parse(text).1);
        }
        return (Vec::new(), Some(config.clone()));
    }
    let (files, diags) = search::build(&search::SearchInput {
        graph,
        config,
        synonyms_text: sources.synonyms_text.as_deref(),
    });
    diagnostics.extend(diags);
    (files, None)
}

/// The search stage with its files gone through the outlet (written at once in a build). In a
/// build (pages streamed to the disk), the index takes the pages' section texts out of the graph
/// (nothing after it reads them) and frees them as it goes, and writes each file as it is made.
fn index_stage(
    graph: &mut SiteGraph,
    config: &Config,
    sources: &SiteSources,
    run: &Run<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) -> (Vec<html::Produced>, Option<Config>) {
    if run.outlet.staging.is_none() || run.defer_search || run.cache.is_some() {
        let (search_files, deferred) =
            search_stage(graph, config, sources, run.defer_search, diagnostics);
        run.outlet
            .expect(search_files.iter().map(|f| f.path.as_str()));
        let files = search_files
            .into_par_iter()
            .map(|f| run.outlet.take(html::Produced::new(f)))
            .collect();
        return (files, deferred);
    }
    // Not shared in a build (no cache holds the page): no copy is made.
    let taken = graph
        .pages
        .iter_mut()
        .map(|p| std::mem::take(&mut Arc::make_mut(p).body.sections))
        .collect();
    let produced = std::sync::Mutex::new(Vec::new());
    let diags = search::build_each(
        &search::SearchInput {
            graph,
            config,
            synonyms_text: sources.synonyms_text.as_deref(),
        },
        Some(taken),
        &|made| {
            run.outlet.expect(made.iter().map(|f| f.path.as_str()));
            let taken: Vec<html::Produced> = made
                .into_par_iter()
                .map(|f| run.outlet.take(html::Produced::new(f)))
                .collect();
            produced
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .extend(taken);
        },
    );
    diagnostics.extend(diags);
    let files = produced
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    (files, None)
}

/// What the html stage reads besides the graph.
struct RenderStage<'a> {
    config: &'a Config,
    theme: &'a Theme,
    sources: &'a SiteSources,
    options: &'a BuildOptions,
    progress: &'a dyn Progress,
}

/// The html stage, the one place that chooses how pages are rendered: through the cache
/// (`serve`), releasing each page's Markdown HTML as it goes (`run.release_texts`: nothing after
/// this stage reads it), or plainly.
fn render_stage(
    input: &RenderStage<'_>,
    graph: &mut SiteGraph,
    run: &mut Run<'_>,
) -> (Vec<html::Produced>, Vec<Diagnostic>) {
    input.progress.start("skrive sider", graph.pages.len());
    let bodies = (run.release_texts && run.cache.is_none()).then(|| {
        // Section texts are read by the search index only, which is built by now unless the
        // pages stream to the disk (then it is built next).
        if run.outlet.staging.is_none() {
            for page in &mut graph.pages {
                // Not shared in a build (no cache holds the page): no copy is made.
                std::sync::Arc::make_mut(page).body.sections = Vec::new();
            }
        }
        html::take_entry_bodies(graph)
    });
    let render_input = html::RenderInput {
        graph,
        config: input.config,
        theme: input.theme,
        theme_sources: &input.sources.theme,
    };
    let outlet = &run.outlet;
    let entry_paths: Vec<String> = graph
        .pages
        .iter()
        .filter(|p| p.role == page::PageRole::Entry && outlet.staging.is_some())
        .map(|p| format!("{}index.html", p.url))
        .collect();
    outlet.expect(entry_paths.iter().map(String::as_str));
    let (files, diags) = match (run.cache.as_deref_mut(), bodies) {
        (Some(cache), _) => cache.render(
            &render_input,
            incremental::site_inputs_hash(input.sources, input.options),
        ),
        (None, Some(bodies)) => html::render_releasing(&render_input, bodies, &|f| outlet.take(f)),
        (None, None) => html::render(&render_input),
    };
    // Files rendered without the outlet (cached or plain) go through it now.
    let files = if run.cache.is_some() || !run.release_texts {
        files.into_iter().map(|f| outlet.take(f)).collect()
    } else {
        files
    };
    input.progress.advance(graph.pages.len());
    (files, diags)
}

/// Caps, sorts and gives diagnostics their source lines. `reread_from`: the site root, when the
/// Markdown texts in `sources` were released and must be read again from their files.
fn finish(sources: &SiteSources, reread_from: Option<&Path>, mut compiled: Compiled) -> Compiled {
    error::hide_follow_ons(&mut compiled.diagnostics);
    compiled.diagnostics = error::cap_per_file(std::mem::take(&mut compiled.diagnostics));
    attach_snippets(&mut compiled.diagnostics, sources, reread_from);
    error::sort(&mut compiled.diagnostics);
    compiled.diagnostics.dedup();
    compiled
}

/// Gives diagnostics raised away from the text (graph, html stages) their source line, reading
/// Markdown texts from `reread_from` when they were released (once per file).
fn attach_snippets(diags: &mut [Diagnostic], sources: &SiteSources, reread_from: Option<&Path>) {
    let mut reread: std::collections::HashMap<&str, Option<String>> =
        std::collections::HashMap::new();
    for d in diags
        .iter_mut()
        .filter(|d| d.source_line.is_none() && d.line > 0)
    {
        let text = if d.file == crate::config::CONFIG_FILE {
            Some(sources.config_text.as_str())
        } else if d.file == source::LOCK_FILE {
            sources.lock_text.as_deref()
        } else {
            match sources
                .content
                .binary_search_by(|s| s.rel_path.as_str().cmp(&d.file))
            {
                Ok(i) => match reread_from {
                    Some(root) => reread
                        .entry(sources.content[i].rel_path.as_str())
                        .or_insert_with_key(|rel| source::read_again(root, rel))
                        .as_deref(),
                    None => Some(sources.content[i].text.as_str()),
                },
                Err(_) => None,
            }
        };
        if let Some(text) = text {
            let span = d.span_len;
            *d = d.clone().with_source(text, span);
        }
    }
}

/// What [`build`] did.
#[derive(Debug)]
pub struct BuildReport {
    pub compiled: Compiled,
    /// Where the site was written (`None` when it was not, because of errors or `check`).
    pub written_to: Option<PathBuf>,
}

/// Loads, compiles and (when `write` and there are no errors) writes the site.
pub fn build(options: &BuildOptions, write: bool, progress: &dyn Progress) -> Result<BuildReport> {
    let started = Instant::now();
    let theme_name = theme_name(&options.root)?;
    let sources = source::load(&options.root, &theme_name)?;
    let load_time = started.elapsed();
    let (load_cpu, load_peak) = (cpu_time(), peak_rss_kb());
    let out = options.out_dir();
    // Each file goes into the staging folder as soon as it is made; the folder becomes the site
    // only if the whole compile succeeds (dropped otherwise, leaving the previous site).
    let staging = write
        .then(|| output::Staging::begin(&out, &options.root))
        .transpose()?;
    let run = Run {
        release_texts: true,
        defer_search: false,
        cache: None,
        outlet: Outlet::to(staging.as_ref()),
    };
    let mut compiled = compile_with(Cow::Owned(sources), options, progress, run);
    compiled.timings.insert(
        0,
        Timing {
            stage: "source",
            duration: load_time,
            peak_rss_kb: load_peak,
            cpu: load_cpu,
        },
    );
    let Some(staging) = staging.filter(|_| !compiled.has_errors()) else {
        return Ok(BuildReport {
            compiled,
            written_to: None,
        });
    };
    let clock = Instant::now();
    let cpu_clock = cpu_time();
    // Staged, then locked, then swapped in: a published URL is locked at every instant.
    staging.publish(compiled.lock.new_text.as_deref(), &mut |_| {})?;
    compiled.timings.push(Timing {
        stage: "output",
        duration: clock.elapsed(),
        peak_rss_kb: peak_rss_kb(),
        cpu: cpu_time()
            .zip(cpu_clock)
            .map(|(now, then)| now.saturating_sub(then)),
    });
    Ok(BuildReport {
        compiled,
        written_to: Some(out),
    })
}

/// Loads the site and runs only what the search index needs (source → page → graph → search;
/// no theme, no html, no link check, nothing written): for `veiviser search` when no fresh build
/// is on disk. `files` holds only the index files, byte-identical to a build's; `diagnostics`
/// those of these stages (a broken link, found by the html stage, is not among them).
pub fn build_search_index(options: &BuildOptions) -> Result<Compiled> {
    let mut watch = Stopwatch::start();
    let theme_name = theme_name(&options.root)?;
    let sources = source::load(&options.root, &theme_name)?;
    watch.lap("source");
    let mut diagnostics = sources.diagnostics.clone();
    let config = match config_stage(&sources, options, &mut diagnostics, &mut watch) {
        Ok(c) => c,
        Err(stopped) => return Ok(stopped),
    };
    let mut run = Run {
        release_texts: true,
        defer_search: false,
        cache: None,
        outlet: Outlet::default(),
    };
    let mut sources = Cow::Owned(sources);
    let parsed = parse_pages(&mut sources, &config, options, &Silent, &mut run);
    watch.lap("page");
    let (graph, _) = graph_stage(parsed, &sources, &config, options, &mut diagnostics);
    watch.lap("graph");
    let (files, _) = search_stage(&graph, &config, &sources, false, &mut diagnostics);
    watch.lap("search");
    let compiled = Compiled {
        files,
        diagnostics,
        graph,
        timings: watch.timings,
        ..Compiled::default()
    };
    Ok(finish(&sources, Some(options.root.as_path()), compiled))
}

/// The theme named in `veiviser.yaml` (or `default`), read before the full load so the right
/// theme folder is read. A broken config falls back to `default`; `compile` reports the error.
pub fn theme_name(root: &Path) -> Result<String> {
    let text = source::read_config(root)?;
    Ok(Config::parse(&text).map_or_else(|_| "default".to_owned(), |c| c.theme))
}

/// Turns a failed build into the error that `main` reports.
pub fn into_result(report: BuildReport) -> Result<BuildReport> {
    if report.compiled.has_errors() {
        Err(Error::Site(report.compiled.diagnostics))
    } else {
        Ok(report)
    }
}
