//! The output check: every internal link of the built site leads somewhere.
//!
//! In: every output file (in memory, before anything is written), the graph and the config. Out:
//! an error for each `href`, `src`, `action` or meta-refresh target in an HTML file that does not
//! lead to a file of the output, or whose `#fragment` is no `id` in the target file; and the list
//! of external links with where they were written. This sees what the templates generate, not
//! only what Markdown says, so a theme cannot break a link unnoticed. Links written in Markdown are
//! reported at their `file:line` in the Markdown; others at the line of the built HTML file.
//! No disk, no network: external links are listed, never fetched.

use std::collections::{HashMap, HashSet};

use std::convert::Infallible;
use std::sync::Arc;

use html5gum::emitters::callback::{CallbackEmitter, CallbackEvent};
use html5gum::{Emitter, ForwardingEmitter, Span, Tokenizer};
use rayon::prelude::*;
use serde::Serialize;

use crate::config::Config;
use crate::error::{Diagnostic, LineIndex, Position};
use crate::graph::{PageIx, SiteGraph};
use crate::html::context::Views;
use crate::vocab::OutputFile;

/// A link that leaves the site, and where it was written.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ExternalLink {
    /// Site-relative source file (`content/…md`) or, for template links, the output file.
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub url: String,
}

/// What the check found.
#[derive(Debug, Default)]
pub struct Verified {
    pub diagnostics: Vec<Diagnostic>,
    /// Sorted by file and position, without duplicates.
    pub external: Vec<ExternalLink>,
}

/// A link found in an HTML file.
struct Ref {
    value: String,
    offset: usize,
}

/// What one HTML file holds: its ids and its links.
#[derive(Default)]
struct Scan {
    ids: HashSet<String>,
    refs: Vec<Ref>,
}

impl Scan {
    /// A hash of the set of ids, independent of their order.
    fn ids_hash(&self) -> u64 {
        self.ids.iter().fold(0u64, |h, id| {
            h.wrapping_add(xxhash_rust::xxh3::xxh3_64(id.as_bytes()))
        })
    }
}

/// Scans of earlier checks by output path, with the hash of the bytes scanned, so that `serve`
/// tokenises only the files an edit changed. Links are still resolved in every file: an edit to
/// one page can break a link in another.
///
/// The result of checking a file is kept too, and reused while the file's bytes, the page it was
/// built from and every path and id of the site are unchanged (a body edit that renames no
/// heading leaves all but the edited page's result standing).
#[derive(Default)]
pub struct ScanCache {
    scans: HashMap<String, (u64, Arc<Scan>)>,
    results: HashMap<String, (u64, Arc<FileResult>)>,
}

/// Problems and external links found in one file.
type FileResult = (Vec<Diagnostic>, Vec<ExternalLink>);

/// Checks every link of every HTML file in `files`.
pub fn check(files: &[OutputFile], graph: &SiteGraph, config: &Config) -> Verified {
    check_cached(files, graph, config, None)
}

/// [`check`], reusing the scans in `cache` of files whose bytes did not change, and leaving the
/// scans of this check in it.
#[allow(
    clippy::too_many_lines,
    reason = "the cached and the uncached link scan share one loop; the cache moves out of verify with the compile rework (issue 16)"
)]
pub fn check_cached(
    files: &[OutputFile],
    graph: &SiteGraph,
    config: &Config,
    cache: Option<&mut ScanCache>,
) -> Verified {
    let mut cache = cache;
    let previous = cache.as_deref().map(|c| &c.scans);
    let scanned: Vec<(&str, u64, Arc<Scan>)> = files
        .par_iter()
        .filter(|f| is_html(&f.path))
        .map(|f| {
            let hash = previous.map_or(0, |_| xxhash_rust::xxh3::xxh3_64(&f.bytes));
            let reused = previous
                .and_then(|p| p.get(&f.path))
                .filter(|(h, _)| *h == hash)
                .map(|(_, s)| Arc::clone(s));
            let scan = reused.unwrap_or_else(|| Arc::new(scan(&f.bytes)));
            (f.path.as_str(), hash, scan)
        })
        .collect();
    // What every link's resolution depends on besides the file itself: the base URL, the
    // output paths and each HTML file's ids (sums of hashes: independent of order).
    let site_hash = cache.as_ref().map_or(0, |_| {
        let ids: HashMap<&str, u64> = scanned
            .par_iter()
            .map(|(path, _, scan)| (*path, scan.ids_hash()))
            .collect();
        files.iter().fold(
            xxhash_rust::xxh3::xxh3_64(config.base_url().as_bytes()),
            |h, f| {
                let id = ids.get(f.path.as_str()).copied().unwrap_or(0);
                h.wrapping_add(xxhash_rust::xxh3::xxh3_64_with_seed(f.path.as_bytes(), id))
            },
        )
    });
    if let Some(cache) = cache.as_deref_mut() {
        cache.scans = scanned
            .iter()
            .map(|(path, hash, scan)| ((*path).to_owned(), (*hash, Arc::clone(scan))))
            .collect();
    }
    let file_hashes: HashMap<&str, u64> = scanned
        .iter()
        .map(|(path, hash, _)| (*path, *hash))
        .collect();
    let scans: HashMap<&str, Arc<Scan>> = scanned
        .into_iter()
        .map(|(path, _, scan)| (path, scan))
        .collect();
    let paths: HashSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    let site = Site {
        scans: &scans,
        paths: &paths,
        base_url: config.base_url(),
        base_path: base_path(config.base_url()),
    };
    let pages: HashMap<String, PageIx> = graph
        .by_url
        .iter()
        .map(|(url, &ix)| (format!("{url}index.html"), ix))
        .collect();
    let previous = cache.as_deref().map(|c| &c.results);
    let results: Vec<(&str, u64, Arc<FileResult>)> = files
        .par_iter()
        .filter_map(|f| Some((f, scans.get(f.path.as_str())?)))
        .map(|(f, s)| {
            let page = pages.get(&f.path).copied();
            let key = previous.map_or(0, |_| {
                let own = file_hashes.get(f.path.as_str()).copied().unwrap_or(0);
                xxhash_rust::xxh3::xxh3_64_with_seed(
                    &page
                        .map_or(0, |ix| page_hash(&graph.pages[ix]))
                        .to_le_bytes(),
                    own ^ site_hash,
                )
            });
            if let Some((_, result)) = previous
                .and_then(|p| p.get(&f.path))
                .filter(|(k, _)| *k == key)
            {
                return (f.path.as_str(), key, Arc::clone(result));
            }
            let origin = Origin {
                file: f,
                text: std::cell::OnceCell::new(),
                page,
                graph,
                config,
            };
            (
                f.path.as_str(),
                key,
                Arc::new(check_file(&site, s, &origin)),
            )
        })
        .collect();
    let mut out = Verified {
        diagnostics: file_folder_clashes(&paths),
        external: Vec::new(),
    };
    for (_, _, r) in &results {
        out.diagnostics.extend(r.0.iter().cloned());
        out.external.extend(r.1.iter().cloned());
    }
    if let Some(cache) = cache {
        cache.results = results
            .into_iter()
            .map(|(path, key, r)| (path.to_owned(), (key, r)))
            .collect();
    }
    out.external.sort();
    out.external.dedup();
    out
}

/// What of the page a file was built from its check reports: positions in the Markdown and the
/// front matter.
fn page_hash(page: &crate::page::Page) -> u64 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(page.file.as_bytes());
    h.update(page.front_matter.as_bytes());
    h.update(&(page.front_matter_line as u64).to_le_bytes());
    let positions = page
        .body
        .links
        .iter()
        .map(|l| l.pos)
        .chain(page.body.external_links.iter().map(|(_, p)| *p));
    for p in positions {
        h.update(&(p.line as u64).to_le_bytes());
        h.update(&(p.column as u64).to_le_bytes());
    }
    for (url, _) in &page.body.external_links {
        h.update(url.as_bytes());
    }
    h.digest()
}

struct Site<'a> {
    scans: &'a HashMap<&'a str, Arc<Scan>>,
    paths: &'a HashSet<&'a str>,
    base_url: &'a str,
    base_path: String,
}

/// The file being checked and the page it was built from, for reporting.
struct Origin<'a> {
    file: &'a OutputFile,
    /// The file as text, decoded on first use (only problems and external links need it).
    text: std::cell::OnceCell<std::borrow::Cow<'a, str>>,
    page: Option<PageIx>,
    graph: &'a SiteGraph,
    config: &'a Config,
}

/// A path that is a file and also a folder of another output (an alias `/sitemap.xml/` next to
/// the file `sitemap.xml`) cannot be written; say so before the output stage tries.
fn file_folder_clashes(paths: &HashSet<&str>) -> Vec<Diagnostic> {
    let mut diags: Vec<Diagnostic> = paths
        .iter()
        .filter_map(|p| {
            let mut dir = *p;
            while let Some((parent, _)) = dir.rsplit_once('/') {
                if paths.contains(parent) {
                    return Some(
                        Diagnostic::error(
                            parent,
                            Position::default(),
                            "output-clash",
                            format!("{parent} is a file of the site and would also be the folder of {p}"),
                        )
                        .with_hint("an alias or code URL may not name a file the site generates (sitemap.xml, pages.json, assets/…)"),
                    );
                }
                dir = parent;
            }
            None
        })
        .collect();
    diags.sort_by(|a, b| a.message.cmp(&b.message));
    diags
}

fn is_html(path: &str) -> bool {
    std::path::Path::new(path)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("html"))
}

/// `https://e.org/kb` → `/kb/`; `https://e.org` → `/`.
fn base_path(base_url: &str) -> String {
    let after_scheme = base_url.split_once("://").map_or(base_url, |(_, r)| r);
    match after_scheme.find('/') {
        Some(i) => format!("{}/", after_scheme[i..].trim_end_matches('/')),
        None => "/".to_owned(),
    }
}

/// Collects ids and link targets with html5gum, a WHATWG tokenizer: attribute values arrive with
/// character references decoded, and `<script>`/`<style>` text is not mistaken for tags. The
/// callback interface borrows every string from the tokenizer's buffers, so text and attributes
/// that do not matter here cost no allocation.
fn scan(html: &[u8]) -> Scan {
    #[derive(Default)]
    struct Tag {
        name: Vec<u8>,
        attr: Vec<u8>,
        /// The attributes that matter here: (name, value, byte offset of the value).
        attrs: Vec<(&'static str, String, usize)>,
    }
    const WANTED: [&str; 7] = [
        "id",
        "name",
        "href",
        "src",
        "action",
        "http-equiv",
        "content",
    ];
    let mut out = Scan::default();
    let mut tag = Tag::default();
    let mut emitter = CallbackEmitter::new(
        |event: CallbackEvent<'_>, span: Span<usize>| -> Option<Infallible> {
            match event {
                CallbackEvent::OpenStartTag { name } => {
                    tag.name.clear();
                    tag.name.extend_from_slice(name);
                    tag.attrs.clear();
                }
                CallbackEvent::AttributeName { name } => {
                    tag.attr.clear();
                    tag.attr.extend_from_slice(name);
                }
                CallbackEvent::AttributeValue { value } => {
                    if let Some(&wanted) =
                        WANTED.iter().find(|w| w.as_bytes() == tag.attr.as_slice())
                    {
                        tag.attrs.push((
                            wanted,
                            String::from_utf8_lossy(value).into_owned(),
                            span.start,
                        ));
                    }
                }
                CallbackEvent::CloseStartTag { .. } => {
                    record(&mut out, &tag.name, &tag.attrs);
                }
                _ => {}
            }
            None
        },
    );
    emitter.naively_switch_states(true);
    Tokenizer::new_with_emitter(html, Quiet(emitter)).finish();
    out
}

/// An emitter that wants neither parse errors nor text: html5gum then skips validating every
/// character and buffering text nobody reads (a tenth of a 10,000-page build's CPU time went to
/// the two). Tags, attributes and their spans reach the wrapped emitter unchanged.
struct Quiet<E>(E);

impl<E: Emitter> ForwardingEmitter for Quiet<E> {
    type Token = E::Token;

    fn inner(&mut self) -> &mut impl Emitter<Token = Self::Token> {
        &mut self.0
    }

    fn should_emit_errors(&mut self) -> bool {
        false
    }

    fn emit_error(&mut self, _: html5gum::Error) {}

    fn emit_string(&mut self, _: &[u8]) {}
}

/// Takes the ids and link targets of one start tag.
fn record(out: &mut Scan, tag: &[u8], attrs: &[(&'static str, String, usize)]) {
    let get = |n: &str| attrs.iter().find(|(a, _, _)| *a == n);
    let refresh = tag == b"meta"
        && get("http-equiv").is_some_and(|(_, v, _)| v.eq_ignore_ascii_case("refresh"));
    for (name, value, offset) in attrs {
        match *name {
            "id" => {
                out.ids.insert(value.clone());
            }
            "name" if tag == b"a" => {
                out.ids.insert(value.clone());
            }
            "href" | "src" | "action" => out.refs.push(Ref {
                value: value.clone(),
                offset: *offset,
            }),
            "content" if refresh => {
                if let Some(at) = value.to_ascii_lowercase().find("url=") {
                    out.refs.push(Ref {
                        value: value[at + 4..].trim().trim_matches(['\'', '"']).to_owned(),
                        offset: *offset,
                    });
                }
            }
            _ => {}
        }
    }
}

/// What a link value is.
#[derive(Debug, PartialEq, Eq)]
enum Kind {
    /// Leaves the site.
    External,
    /// Not a navigation (`javascript:`, `data:`, `blob:`), ignored.
    Ignored,
    /// A path inside the output (already resolved, site-relative, no fragment), and the fragment.
    Internal(String, Option<String>),
    /// Points above the site root or outside the base path.
    Outside,
}

/// Resolves `value` as written in the output file at `from` (`takster/l8/index.html`).
fn classify(value: &str, from: &str, base_url: &str, base_path: &str) -> Kind {
    let value = value.trim();
    let lower = value.to_ascii_lowercase();
    if ["javascript:", "data:", "blob:"]
        .iter()
        .any(|s| lower.starts_with(s))
    {
        return Kind::Ignored;
    }
    let (before_frag, fragment) = match value.split_once('#') {
        Some((b, f)) => (b, Some(decode(f))),
        None => (value, None),
    };
    let path = before_frag.split(['?']).next().unwrap_or_default();
    let has_scheme = path.split_once(':').is_some_and(|(s, _)| {
        !s.is_empty() && !s.contains('/') && s.starts_with(|c: char| c.is_ascii_alphabetic())
    });
    let site_relative = if let Some(rest) = value
        .strip_prefix(base_url)
        .filter(|r| r.is_empty() || r.starts_with(['/', '#', '?']))
    {
        let rest = rest.split(['#', '?']).next().unwrap_or_default();
        rest.trim_start_matches('/').to_owned()
    } else if has_scheme || path.starts_with("//") {
        return Kind::External;
    } else if let Some(abs) = path.strip_prefix('/') {
        match format!("/{abs}").strip_prefix(base_path) {
            Some(rest) => rest.to_owned(),
            None if format!("/{abs}/") == base_path => String::new(),
            None => return Kind::Outside,
        }
    } else {
        let dir = from.rsplit_once('/').map_or("", |(d, _)| d);
        if path.is_empty() {
            return Kind::Internal(from.to_owned(), fragment);
        }
        match join(dir, path) {
            Some(p) => p,
            None => return Kind::Outside,
        }
    };
    let decoded = decode(&site_relative);
    let file = if decoded.is_empty() || decoded.ends_with('/') {
        format!("{decoded}index.html")
    } else {
        decoded
    };
    Kind::Internal(file, fragment)
}

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// `dir` joined with a relative `path`, `.` and `..` resolved; `None` above the root. A trailing
/// `/` is kept, since it means "the folder's index.html".
fn join(dir: &str, path: &str) -> Option<String> {
    let mut parts: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    let trailing = path.ends_with('/')
        || path.ends_with("/.")
        || path.ends_with("/..")
        || path == "."
        || path == "..";
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    let mut joined = parts.join("/");
    if trailing && !joined.is_empty() {
        joined.push('/');
    }
    Some(joined)
}

fn check_file(
    site: &Site<'_>,
    scan: &Scan,
    origin: &Origin<'_>,
) -> (Vec<Diagnostic>, Vec<ExternalLink>) {
    let mut diags = Vec::new();
    let mut external = Vec::new();
    // Positions are needed only for problems and external links: index the lines on first use.
    let index = std::cell::OnceCell::new();
    let position = |offset: usize| {
        index
            .get_or_init(|| LineIndex::new(origin.text()))
            .position(offset)
    };
    let from = origin.file.path.as_str();
    for r in &scan.refs {
        let problem = match classify(&r.value, from, site.base_url, &site.base_path) {
            Kind::Ignored => None,
            Kind::External => {
                let (file, pos) = origin.locate_external(&r.value, position(r.offset));
                external.push(ExternalLink {
                    file,
                    line: pos.line,
                    column: pos.column,
                    url: r.value.clone(),
                });
                None
            }
            Kind::Outside => Some(format!("`{}` leads outside the site", r.value)),
            Kind::Internal(path, fragment) => {
                if site.paths.contains(path.as_str()) {
                    match fragment.as_deref() {
                        None | Some("") => None,
                        Some(f) if f.eq_ignore_ascii_case("top") => None,
                        Some(f) => match site.scans.get(path.as_str()) {
                            Some(target) if target.ids.contains(f) => None,
                            Some(_) => Some(format!(
                                "`{}`: {path} has no element with id \"{f}\"",
                                r.value
                            )),
                            None => Some(format!(
                                "`{}`: {path} is not an HTML page, so #{f} cannot be found",
                                r.value
                            )),
                        },
                    }
                } else {
                    Some(format!(
                        "`{}` leads to {path}, which is not a file of the site",
                        r.value
                    ))
                }
            }
        };
        if let Some(message) = problem {
            diags.push(origin.broken(&r.value, position(r.offset), message));
        }
    }
    (diags, external)
}

impl Origin<'_> {
    fn text(&self) -> &str {
        self.text
            .get_or_init(|| String::from_utf8_lossy(&self.file.bytes))
    }

    /// The Markdown link that produced `href` on this page, if it came from Markdown.
    fn markdown_link(&self, href: &str) -> Option<(String, Position)> {
        let ix = self.page?;
        let page = &self.graph.pages[ix];
        let views = Views::new(self.graph, self.config, &page.url);
        let resolved = self.graph.links.get(ix)?;
        page.body.links.iter().zip(resolved).find_map(|(link, r)| {
            (r.url.as_deref().map(|u| views.url(u)).as_deref() == Some(href))
                .then(|| (page.file.clone(), link.pos))
        })
    }

    /// Where an external link was written: the Markdown body, the front matter (a `url` field),
    /// or else the template, shown as the output file.
    fn locate_external(&self, url: &str, in_output: Position) -> (String, Position) {
        if let Some(page) = self.page.map(|ix| &self.graph.pages[ix]) {
            if let Some((_, pos)) = page.body.external_links.iter().find(|(u, _)| u == url) {
                return (page.file.clone(), *pos);
            }
            if let Some((i, line)) = page
                .front_matter
                .lines()
                .enumerate()
                .find(|(_, l)| l.contains(url))
            {
                let column = line[..line.find(url).unwrap_or(0)].chars().count() + 1;
                return (
                    page.file.clone(),
                    Position {
                        line: page.front_matter_line + i,
                        column,
                    },
                );
            }
        }
        (self.file.path.clone(), in_output)
    }

    fn broken(&self, href: &str, in_output: Position, message: String) -> Diagnostic {
        if let Some((file, pos)) = self.markdown_link(href) {
            return Diagnostic::error(file, pos, "broken-link", message)
                .with_span(href.chars().count());
        }
        let built_from = self
            .page
            .map(|ix| format!(" of the page built from {}", self.graph.pages[ix].file))
            .unwrap_or_default();
        Diagnostic::error(
            &self.file.path,
            in_output,
            "broken-output-link",
            format!("in the built site: {message}"),
        )
        .with_hint(format!(
            "{} line {} is generated by the theme's templates{built_from}, not written in Markdown",
            self.file.path, in_output.line
        ))
        .with_source(self.text(), href.chars().count())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(value: &str, from: &str) -> Kind {
        classify(value, from, "https://e.org/kb", "/kb/")
    }

    fn internal(path: &str, frag: Option<&str>) -> Kind {
        Kind::Internal(path.to_owned(), frag.map(str::to_owned))
    }

    #[test]
    fn links_resolve_relative_to_the_file_and_the_base_path() {
        let from = "takster/l8/index.html";
        assert_eq!(
            kind("../l40/#bruk", from),
            internal("takster/l40/index.html", Some("bruk"))
        );
        assert_eq!(kind("../../", from), internal("index.html", None));
        assert_eq!(kind("#innhold", from), internal(from, Some("innhold")));
        assert_eq!(
            kind("../../sok/?q=L8", from),
            internal("sok/index.html", None)
        );
        assert_eq!(
            kind("../../assets/style.1.css", from),
            internal("assets/style.1.css", None)
        );
        assert_eq!(
            kind("../../bilde%20a.png", from),
            internal("bilde a.png", None)
        );
        assert_eq!(
            kind("/kb/takster/", from),
            internal("takster/index.html", None)
        );
        assert_eq!(
            kind("https://e.org/kb/takster/l8/#a", from),
            internal("takster/l8/index.html", Some("a"))
        );
        assert_eq!(kind("../../../../etc/passwd", from), Kind::Outside);
        assert_eq!(kind("/annet/", from), Kind::Outside);
        assert_eq!(kind("https://lovdata.no/x#y", from), Kind::External);
        assert_eq!(kind("mailto:a@b.no", from), Kind::External);
        assert_eq!(kind("//cdn.example/x.js", from), Kind::External);
        assert_eq!(kind("https://e.org/kbx/", from), Kind::External);
        assert_eq!(kind("javascript:void(0)", from), Kind::Ignored);
        assert_eq!(base_path("https://e.org"), "/");
        assert_eq!(base_path("https://e.org/kb/"), "/kb/");
    }

    #[test]
    fn a_file_that_is_also_a_folder_is_an_error() {
        let paths = HashSet::from(["sitemap.xml", "sitemap.xml/index.html", "a/index.html"]);
        let d = file_folder_clashes(&paths);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].file, "sitemap.xml");
    }

    #[test]
    fn scan_finds_ids_links_and_refresh_targets_but_not_script_text() {
        let s = scan(
            b"<h2 id=\"a&amp;b\"><span id=x></span></h2><a name=old></a><a href=\"../x/?q=1&amp;r=2\">x</a>\n<meta http-equiv=\"refresh\" content=\"0; url=../../y/\"><script>var s = '<a href=\"nei\">';</script><img src=\"i.png\">",
        );
        let mut ids: Vec<&str> = s.ids.iter().map(String::as_str).collect();
        ids.sort_unstable();
        assert_eq!(ids, ["a&b", "old", "x"]);
        let refs: Vec<&str> = s.refs.iter().map(|r| r.value.as_str()).collect();
        assert_eq!(refs, ["../x/?q=1&r=2", "../../y/", "i.png"]);
    }
}
