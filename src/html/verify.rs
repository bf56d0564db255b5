//! The output check: every internal link of the built site leads somewhere.
//!
//! In: every output path, with the ids and links of each HTML file (taken as it was rendered,
//! [`super::scan`]; the check never reads the built HTML), the graph and the config. Out: an error for each `href`, `src`, `action` or meta-refresh target in an HTML file that does not
//! lead to a file of the output, or whose `#fragment` is no `id` in the target file; and the list
//! of external links with where they were written. This sees what the templates generate, not
//! only what Markdown says, so a theme cannot break a link unnoticed. Links written in Markdown are
//! reported at their `file:line` in the Markdown; others at the line of the built HTML file.
//! No disk of its own (the caller reads a file's text back for the snippet of a problem), no
//! network: external links are listed, never fetched. [`check_again`] keeps the result file by
//! file between checks of the same site (`serve`), following again only what an edit changed.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher as _};
use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;
use xxhash_rust::xxh3::Xxh3;

use super::scan::Links;
use crate::config::Config;
use crate::error::{Diagnostic, Position};
use crate::graph::{PageIx, SiteGraph};
use crate::html::context::Views;

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

/// One file of the output as the check sees it: its path and, for an HTML file, its ids and
/// links (taken when it was rendered, [`Links::of`]).
#[derive(Debug, Clone, Copy)]
pub struct Listed<'a> {
    pub path: &'a str,
    /// Shared with the file's [`Produced`](super::Produced): the same `Arc` compile after compile
    /// means the same file (what lets [`check_again`] keep its result).
    pub links: Option<&'a Arc<Links>>,
}

/// What the check reads besides the files.
pub struct CheckInput<'a> {
    pub graph: &'a SiteGraph,
    pub config: &'a Config,
    /// The text of an output file, for the snippet of a problem in it (problems are rare, so the
    /// text is read only then: from memory, or back from the disk in a streaming build).
    pub text_of: &'a (dyn Fn(&str) -> Option<String> + Sync),
}

/// Checks every link of every HTML file in `files`.
pub fn check(files: &[Listed<'_>], input: &CheckInput<'_>) -> Verified {
    let mut memo = CheckMemo::default();
    check_again(files, input, &mut memo);
    memo.result()
}

/// The last check of a site, file by file, so that the next check of the same site (`serve`,
/// after an edit) checks again only the files that changed. A file's result depends on its own
/// links (and, for problems and external links, on the page it was built from, whose text and
/// links are what it was rendered from), on which paths the output has and on the ids of the
/// files it links to. So when the output has the same paths and no file's ids changed, a file
/// whose [`Links`] are the very same `Arc` as last time (the render cache handed the same
/// rendered file back) has the same result; anything else checks the whole site again.
#[derive(Default)]
pub struct CheckMemo {
    /// Hash of the base URL and every output path, in order: `None` before the first check.
    site: Option<u64>,
    files: HashMap<String, FileResult, Hasher>,
    /// Path clashes of the output (they depend on the paths alone).
    clashes: Vec<Diagnostic>,
    /// Every file's diagnostics, in the order of the files, after the clashes.
    diagnostics: Vec<Diagnostic>,
    /// Every file's external links, sorted, without duplicates.
    external: Vec<ExternalLink>,
    /// Files checked by the last [`check_again`].
    pub checked: usize,
}

/// One HTML file's result, with the links it was found for.
struct FileResult {
    links: Arc<Links>,
    diagnostics: Vec<Diagnostic>,
    external: Vec<ExternalLink>,
}

impl CheckMemo {
    /// What the last check found.
    pub fn result(&self) -> Verified {
        Verified {
            diagnostics: self.diagnostics.clone(),
            external: self.external.clone(),
        }
    }
}

/// Checks every link of every HTML file in `files` like [`check`], again only where `memo` (the
/// last check of the same site) cannot tell the result; `memo` then holds the result.
pub fn check_again(files: &[Listed<'_>], input: &CheckInput<'_>, memo: &mut CheckMemo) {
    let base_url = input.config.base_url();
    let site_key = {
        let mut h = Xxh3::new();
        base_url.hash(&mut h);
        for f in files {
            (f.path, f.links.is_some()).hash(&mut h);
        }
        h.finish()
    };
    let html = || files.iter().filter_map(|f| Some((f.path, f.links?)));
    let same = |path: &str, links: &Arc<Links>| {
        memo.files
            .get(path)
            .is_some_and(|r| Arc::ptr_eq(&r.links, links))
    };
    // Only a file rendered anew can have other ids than last time.
    let ids_kept = html().all(|(path, links)| {
        same(path, links)
            || memo
                .files
                .get(path)
                .is_some_and(|r| r.links.ids == links.ids)
    });
    let whole = memo.site != Some(site_key) || !ids_kept;
    let scans: HashMap<&str, &Links, Hasher> = html().map(|(p, l)| (p, &**l)).collect();
    let paths: HashSet<&str, Hasher> = files.iter().map(|f| f.path).collect();
    let site = Site {
        scans: &scans,
        paths: &paths,
        base_url,
        base_path: input.config.base_path(),
    };
    let stale: Vec<(&str, &Arc<Links>)> = html()
        .filter(|(path, links)| whole || !same(path, links))
        .collect();
    let results: Vec<(Vec<Diagnostic>, Vec<ExternalLink>)> = stale
        .par_iter()
        .map(|&(path, links)| {
            let origin = Origin {
                path,
                text: std::cell::OnceCell::new(),
                // The page built into `<url>index.html`, looked up by its URL.
                page: path
                    .strip_suffix("index.html")
                    .and_then(|url| input.graph.by_url.get(url))
                    .copied(),
                input,
            };
            check_file(&site, links, &origin)
        })
        .collect();
    memo.checked = stale.len();
    if whole {
        memo.files.clear();
        memo.clashes = file_folder_clashes(&paths);
        memo.site = Some(site_key);
    }
    let mut external_changed = whole;
    for ((path, links), (diagnostics, external)) in stale.into_iter().zip(results) {
        let fresh = FileResult {
            links: Arc::clone(links),
            diagnostics,
            external,
        };
        if let Some(old) = memo.files.get_mut(path) {
            external_changed |= old.external != fresh.external;
            *old = fresh;
        } else {
            external_changed |= !fresh.external.is_empty();
            memo.files.insert(path.to_owned(), fresh);
        }
    }
    let mut diagnostics = memo.clashes.clone();
    for (path, _) in html() {
        diagnostics.extend(memo.files[path].diagnostics.iter().cloned());
    }
    memo.diagnostics = diagnostics;
    if external_changed {
        let mut external: Vec<ExternalLink> = html()
            .flat_map(|(path, _)| memo.files[path].external.iter().cloned())
            .collect();
        external.sort();
        external.dedup();
        memo.external = external;
    }
}

/// The maps below are looked up once or twice per link of the site: ahash, not `SipHash`.
type Hasher = ahash::RandomState;

struct Site<'a> {
    scans: &'a HashMap<&'a str, &'a Links, Hasher>,
    paths: &'a HashSet<&'a str, Hasher>,
    base_url: &'a str,
    base_path: String,
}

/// The file being checked and the page it was built from, for reporting.
struct Origin<'a> {
    path: &'a str,
    /// The file as text, read on first use (only problems need it).
    text: std::cell::OnceCell<String>,
    page: Option<PageIx>,
    input: &'a CheckInput<'a>,
}

/// A path that is a file and also a folder of another output (an alias `/sitemap.xml/` next to
/// the file `sitemap.xml`) cannot be written; say so before the output stage tries.
fn file_folder_clashes<S: std::hash::BuildHasher>(paths: &HashSet<&str, S>) -> Vec<Diagnostic> {
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

/// What a link value is.
#[derive(Debug, PartialEq, Eq)]
enum Kind<'a> {
    /// Leaves the site.
    External,
    /// Not a navigation (`javascript:`, `data:`, `blob:`), ignored.
    Ignored,
    /// A path inside the output (already resolved, site-relative, no fragment), and the fragment.
    /// Borrowed (from the link, the file's path or the caller's scratch buffer) unless
    /// percent-decoding changed them: the check looks up every link of the site.
    Internal(Cow<'a, str>, Option<Cow<'a, str>>),
    /// Points above the site root or outside the base path.
    Outside,
}

/// Resolves `value` as written in the output file at `from` (`takster/l8/index.html`); a
/// resolved path is built in `scratch` (cleared first), so a link costs no allocation.
fn classify<'a>(
    value: &'a str,
    from: &'a str,
    base_url: &str,
    base_path: &str,
    scratch: &'a mut String,
) -> Kind<'a> {
    let value = value.trim();
    if ["javascript:", "data:", "blob:"].iter().any(|s| {
        value
            .get(..s.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(s))
    }) {
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
    scratch.clear();
    if let Some(rest) = value
        .strip_prefix(base_url)
        .filter(|r| r.is_empty() || r.starts_with(['/', '#', '?']))
    {
        let rest = rest.split(['#', '?']).next().unwrap_or_default();
        scratch.push_str(rest.trim_start_matches('/'));
    } else if has_scheme || path.starts_with("//") {
        return Kind::External;
    } else if let Some(abs) = path.strip_prefix('/') {
        // `base_path` starts and ends with `/`: `/{abs}` lies under it, or is it without the
        // trailing slash.
        let base = base_path.strip_prefix('/').unwrap_or(base_path);
        match abs.strip_prefix(base) {
            Some(rest) => scratch.push_str(rest),
            None if base.strip_suffix('/') == Some(abs) => {}
            None => return Kind::Outside,
        }
    } else {
        if path.is_empty() {
            return Kind::Internal(Cow::Borrowed(from), fragment);
        }
        let dir = from.rsplit_once('/').map_or("", |(d, _)| d);
        if !join(dir, path, scratch) {
            return Kind::Outside;
        }
    }
    let file = if scratch.contains('%') {
        let mut decoded = decode(scratch).into_owned();
        if decoded.is_empty() || decoded.ends_with('/') {
            decoded.push_str("index.html");
        }
        Cow::Owned(decoded)
    } else {
        if scratch.is_empty() || scratch.ends_with('/') {
            scratch.push_str("index.html");
        }
        Cow::Borrowed(scratch.as_str())
    };
    Kind::Internal(file, fragment)
}

fn decode(s: &str) -> Cow<'_, str> {
    percent_encoding::percent_decode_str(s).decode_utf8_lossy()
}

/// `dir` joined with a relative `path` into `out` (empty), `.` and `..` resolved; `false` above
/// the root. A trailing `/` is kept, since it means "the folder's index.html".
fn join(dir: &str, path: &str, out: &mut String) -> bool {
    let trailing = path.ends_with('/')
        || path.ends_with("/.")
        || path.ends_with("/..")
        || path == "."
        || path == "..";
    for seg in dir.split('/').filter(|s| !s.is_empty()) {
        if !out.is_empty() {
            out.push('/');
        }
        out.push_str(seg);
    }
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if out.is_empty() {
                    return false;
                }
                out.truncate(out.rfind('/').unwrap_or(0));
            }
            s => {
                if !out.is_empty() {
                    out.push('/');
                }
                out.push_str(s);
            }
        }
    }
    if trailing && !out.is_empty() {
        out.push('/');
    }
    true
}

fn check_file(
    site: &Site<'_>,
    scan: &Links,
    origin: &Origin<'_>,
) -> (Vec<Diagnostic>, Vec<ExternalLink>) {
    let mut diags = Vec::new();
    let mut external = Vec::new();
    let from = origin.path;
    let mut scratch = String::new();
    for r in &scan.refs {
        let kind = classify(&r.value, from, site.base_url, &site.base_path, &mut scratch);
        let problem = match kind {
            Kind::Ignored => None,
            Kind::External => {
                let (file, pos) = origin.locate_external(&r.value, r.pos);
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
                if site.paths.contains(&*path) {
                    match fragment.as_deref() {
                        None | Some("") => None,
                        Some(f) if f.eq_ignore_ascii_case("top") => None,
                        Some(f) => match site.scans.get(&*path) {
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
            diags.push(origin.broken(&r.value, r.pos, message));
        }
    }
    (diags, external)
}

impl Origin<'_> {
    fn text(&self) -> &str {
        self.text
            .get_or_init(|| (self.input.text_of)(self.path).unwrap_or_default())
    }

    /// The Markdown link that produced `href` on this page, if it came from Markdown.
    fn markdown_link(&self, href: &str) -> Option<(String, Position)> {
        let ix = self.page?;
        let page = &self.input.graph.pages[ix];
        let views = Views::new(self.input.graph, self.input.config, &page.url);
        let resolved = self.input.graph.links.get(ix)?;
        page.body.links.iter().zip(resolved).find_map(|(link, r)| {
            (r.url.as_deref().map(|u| views.url(u)).as_deref() == Some(href))
                .then(|| (page.file.clone(), link.pos))
        })
    }

    /// Where an external link was written: the Markdown body, the front matter (a `url` field),
    /// or else the template, shown as the output file.
    fn locate_external(&self, url: &str, in_output: Position) -> (String, Position) {
        if let Some(page) = self.page.map(|ix| &self.input.graph.pages[ix]) {
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
        (self.path.to_owned(), in_output)
    }

    fn broken(&self, href: &str, in_output: Position, message: String) -> Diagnostic {
        if let Some((file, pos)) = self.markdown_link(href) {
            return Diagnostic::error(file, pos, "broken-link", message)
                .with_span(href.chars().count());
        }
        let built_from = self
            .page
            .map(|ix| {
                format!(
                    " of the page built from {}",
                    self.input.graph.pages[ix].file
                )
            })
            .unwrap_or_default();
        Diagnostic::error(
            self.path,
            in_output,
            "broken-output-link",
            format!("in the built site: {message}"),
        )
        .with_hint(format!(
            "{} line {} is generated by the theme's templates{built_from}, not written in Markdown",
            self.path, in_output.line
        ))
        .with_source(self.text(), href.chars().count())
        // A page that claims this file's URL (a reserved or duplicate URL) is the root cause.
        .about(format!(
            "url:{}",
            self.path.strip_suffix("index.html").unwrap_or(self.path)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(value: &'static str, from: &'static str) -> Kind<'static> {
        let mut scratch = String::new();
        match classify(value, from, "https://e.org/kb", "/kb/", &mut scratch) {
            Kind::Internal(path, frag) => Kind::Internal(
                Cow::Owned(path.into_owned()),
                frag.map(|f| Cow::Owned(f.into_owned())),
            ),
            Kind::External => Kind::External,
            Kind::Ignored => Kind::Ignored,
            Kind::Outside => Kind::Outside,
        }
    }

    fn internal(path: &'static str, frag: Option<&'static str>) -> Kind<'static> {
        Kind::Internal(Cow::Borrowed(path), frag.map(Cow::Borrowed))
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
        assert_eq!(kind("/kb", from), internal("index.html", None));
        assert_eq!(kind(".", from), internal("takster/l8/index.html", None));
        assert_eq!(kind("..", from), internal("takster/index.html", None));
        assert_eq!(kind("../..", from), internal("index.html", None));
        assert_eq!(kind("../../..", from), Kind::Outside);
        assert_eq!(kind("./a/./b/../c", from), internal("takster/l8/a/c", None));
        assert_eq!(
            kind("../../m%C3%B8ter/#f%C3%B8r", from),
            internal("møter/index.html", Some("før"))
        );
        assert_eq!(
            kind("a%2F", from),
            internal("takster/l8/a/index.html", None)
        );
        let mut scratch = String::new();
        assert_eq!(
            classify("/takster/", from, "https://e.org", "/", &mut scratch),
            internal("takster/index.html", None)
        );
    }

    /// Checks `files` (path, HTML) again with `memo`; the messages found and how many files
    /// were checked.
    fn check_with(files: &[(&str, &Arc<Links>)], memo: &mut CheckMemo) -> (Vec<String>, usize) {
        let config = Config::parse("title: T\nbase_url: https://e.org/kb\n").unwrap();
        let graph = SiteGraph::default();
        let listed: Vec<Listed<'_>> = files
            .iter()
            .map(|&(path, links)| Listed {
                path,
                links: Some(links),
            })
            .collect();
        let input = CheckInput {
            graph: &graph,
            config: &config,
            text_of: &|_| None,
        };
        check_again(&listed, &input, memo);
        let whole = check(&listed, &input);
        let result = memo.result();
        assert_eq!(result.diagnostics, whole.diagnostics, "kept = whole check");
        assert_eq!(result.external, whole.external, "kept = whole check");
        let messages = result.diagnostics.iter().map(|d| d.message.clone());
        (messages.collect(), memo.checked)
    }

    fn links(html: &str) -> Arc<Links> {
        Arc::new(Links::of(html.as_bytes()))
    }

    #[test]
    fn a_kept_check_follows_again_only_files_rendered_anew() {
        let a = links(r#"<a href="../b/#x">b</a><a href="https://lovdata.no/">lov</a>"#);
        let b = links(r#"<h2 id="x">X</h2><a href="../a/">a</a>"#);
        let mut memo = CheckMemo::default();
        let (found, checked) = check_with(&[("a/index.html", &a), ("b/index.html", &b)], &mut memo);
        assert_eq!((found.len(), checked), (0, 2));

        // b rendered anew with the same ids and a broken link of its own: only b is checked.
        let b2 = links(r#"<h2 id="x">X</h2><a href="../c/">c</a>"#);
        let (found, checked) =
            check_with(&[("a/index.html", &a), ("b/index.html", &b2)], &mut memo);
        assert_eq!(checked, 1);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("c/index.html"), "{found:?}");
    }

    #[test]
    fn a_kept_check_follows_every_link_again_when_a_files_ids_change() {
        let a = links(r#"<a href="../b/#x">b</a>"#);
        let b = links(r#"<h2 id="x">X</h2>"#);
        let mut memo = CheckMemo::default();
        check_with(&[("a/index.html", &a), ("b/index.html", &b)], &mut memo);
        // Only b was rendered anew, but a's fragment pointed into it.
        let b2 = links(r#"<h2 id="y">X</h2>"#);
        let (found, checked) =
            check_with(&[("a/index.html", &a), ("b/index.html", &b2)], &mut memo);
        assert_eq!(checked, 2);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("no element with id \"x\""), "{found:?}");
    }

    #[test]
    fn a_kept_check_follows_every_link_again_when_a_path_goes() {
        let a = links(r#"<a href="../b/">b</a>"#);
        let b = links("<p>b</p>");
        let mut memo = CheckMemo::default();
        check_with(&[("a/index.html", &a), ("b/index.html", &b)], &mut memo);
        let (found, checked) = check_with(&[("a/index.html", &a)], &mut memo);
        assert_eq!(checked, 1);
        assert_eq!(found.len(), 1, "{found:?}");
        let (found, checked) = check_with(&[("a/index.html", &a), ("b/index.html", &b)], &mut memo);
        assert_eq!((found.len(), checked), (0, 2));
    }

    #[test]
    fn a_file_that_is_also_a_folder_is_an_error() {
        let paths = HashSet::from(["sitemap.xml", "sitemap.xml/index.html", "a/index.html"]);
        let d = file_folder_clashes(&paths);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].file, "sitemap.xml");
    }
}
