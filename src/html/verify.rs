//! The output check: every internal link of the built site leads somewhere.
//!
//! In: every output path, with the ids and links of each HTML file (taken as it was rendered,
//! [`super::scan`]; the check never reads the built HTML), the graph and the config. Out: an error for each `href`, `src`, `action` or meta-refresh target in an HTML file that does not
//! lead to a file of the output, or whose `#fragment` is no `id` in the target file; and the list
//! of external links with where they were written. This sees what the templates generate, not
//! only what Markdown says, so a theme cannot break a link unnoticed. Links written in Markdown are
//! reported at their `file:line` in the Markdown; others at the line of the built HTML file.
//! No disk of its own (the caller reads a file's text back for the snippet of a problem), no
//! network: external links are listed, never fetched.

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;
use serde::Serialize;

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
    pub links: Option<&'a Links>,
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
    let scans: HashMap<&str, &Links, Hasher> = files
        .iter()
        .filter_map(|f| Some((f.path, f.links?)))
        .collect();
    let paths: HashSet<&str, Hasher> = files.iter().map(|f| f.path).collect();
    let site = Site {
        scans: &scans,
        paths: &paths,
        base_url: input.config.base_url(),
        base_path: base_path(input.config.base_url()),
    };
    let results: Vec<(Vec<Diagnostic>, Vec<ExternalLink>)> = files
        .par_iter()
        .filter_map(|f| Some((f.path, f.links?)))
        .map(|(path, links)| {
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
    let mut out = Verified {
        diagnostics: file_folder_clashes(&paths),
        external: Vec::new(),
    };
    for (diags, external) in results {
        out.diagnostics.extend(diags);
        out.external.extend(external);
    }
    out.external.sort();
    out.external.dedup();
    out
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

/// `https://e.org/kb` → `/kb/`; `https://e.org` → `/`.
fn base_path(base_url: &str) -> String {
    let after_scheme = base_url.split_once("://").map_or(base_url, |(_, r)| r);
    match after_scheme.find('/') {
        Some(i) => format!("{}/", after_scheme[i..].trim_end_matches('/')),
        None => "/".to_owned(),
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
    scan: &Links,
    origin: &Origin<'_>,
) -> (Vec<Diagnostic>, Vec<ExternalLink>) {
    let mut diags = Vec::new();
    let mut external = Vec::new();
    let from = origin.path;
    for r in &scan.refs {
        let problem = match classify(&r.value, from, site.base_url, &site.base_path) {
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
}
