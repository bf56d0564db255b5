//! `urls.lock`: every page URL and heading anchor the site has published, so a deep link stored
//! in a patient-record system keeps working for years.
//!
//! In: the text of `urls.lock` (read by the source stage; `None` when there is none yet) and the
//! graph. Out: an error for every locked URL or anchor that would no longer resolve — as a page,
//! an alias or code redirect, or an anchor on the page (headings, pinned ids, `anchor_aliases`) —
//! naming the fix; and the new lock text when the site publishes URLs the lock does not list yet.
//! Writes nothing: the pipeline hands the text to the output stage after a successful build.
//!
//! The format is plain text, one entry per line, sorted bytewise (`LC_ALL=C sort`), so diffs and
//! merges stay line-sized: `/takster/l8/` is a page, `/takster/l8/#bruk` an anchor on it; lines
//! starting with `#` are comments. Entries are only ever added by veiviser; removing one is a
//! deliberate, reviewable edit.

use std::collections::{BTreeMap, HashMap, HashSet};

use rayon::prelude::*;

use crate::error::{Diagnostic, Position, did_you_mean};
use crate::graph::{PageIx, SiteGraph, links};
use crate::page::normalise_alias;
use crate::page::{Heading, Page};
use crate::vocab::slugify;
use crate::yaml::Seg;

pub(super) use crate::source::LOCK_FILE;

const HEADER: &str = "\
# urls.lock: every page URL and heading anchor this site has published. Commit it.
# `veiviser build` adds new entries; `build` and `check` fail when an entry no longer resolves.
# Keep old links working with `aliases:`, a pinned `{#id}` or `anchor_aliases:` (docs/writing.md).
";

/// What the lock check found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LockReport {
    /// Entries the site publishes that the lock does not list yet, sorted.
    pub added: Vec<String>,
    /// The complete new lock text, when it must change (new entries, or no lock yet).
    pub new_text: Option<String>,
}

/// One line of the lock, borrowed from its text.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry<'a> {
    /// The line as written (trimmed): `/takster/l8/#bruk`.
    text: &'a str,
    /// Site-relative URL without leading slash (`takster/l8/`, `""` for the home page).
    url: &'a str,
    anchor: Option<&'a str>,
    line: usize,
}

/// Checks the lock against the graph. With `locked`, any entry the lock lacks is an error too.
///
/// A large site's lock has hundreds of thousands of lines (eight per page at 100,000 pages):
/// lines are validated in parallel, looked up by hash, and sorted only when the lock grows.
pub fn check(
    graph: &SiteGraph,
    text: Option<&str>,
    locked: bool,
    diags: &mut Vec<Diagnostic>,
) -> LockReport {
    let entries = text.map(|t| parse(t, diags)).unwrap_or_default();
    let locked_lines: HashSet<&str> = entries.iter().map(|e| e.text).collect();
    check_entries(graph, &entries, &locked_lines, diags);

    let published = published(graph);
    let mut added: Vec<String> = published
        .par_iter()
        .filter(|(l, _)| !locked_lines.contains(l.as_str()))
        .map(|(l, _)| l.clone())
        .collect();
    added.par_sort_unstable();
    added.dedup();
    if locked {
        report_locked(graph, text.is_some(), &added, &published, diags);
    }
    let new_text = (!locked && (text.is_none() || !added.is_empty())).then(|| {
        let mut all: Vec<&str> = locked_lines.iter().copied().collect();
        all.extend(added.iter().map(String::as_str));
        format(all)
    });
    LockReport { added, new_text }
}

/// The lock text for a set of entries: sorted bytewise, each once.
pub(super) fn format(mut lines: Vec<&str>) -> String {
    lines.par_sort_unstable();
    lines.dedup();
    let mut text =
        String::with_capacity(HEADER.len() + lines.iter().map(|l| l.len() + 1).sum::<usize>());
    text.push_str(HEADER);
    for l in lines {
        text.push_str(l);
        text.push('\n');
    }
    text
}

fn lock_error(line: usize, code: &'static str, message: String) -> Diagnostic {
    Diagnostic::error(LOCK_FILE, Position { line, column: 1 }, code, message)
}

fn parse<'a>(text: &'a str, diags: &mut Vec<Diagnostic>) -> Vec<Entry<'a>> {
    let lines: Vec<&str> = text.lines().collect();
    // The rare problem boxed: a line's slot is then the size of an entry, not of a diagnostic
    // (at 100,000 pages the lock has 800,000 lines, and unboxed slots took 150 MB; issue 17).
    let parsed: Vec<Option<Result<Entry<'_>, Box<Diagnostic>>>> = lines
        .par_iter()
        .enumerate()
        .map(|(i, raw)| parse_line(i + 1, raw).map(|r| r.map_err(Box::new)))
        .collect();
    drop(lines);
    let mut entries = Vec::with_capacity(parsed.len());
    for p in parsed.into_iter().flatten() {
        match p {
            Ok(e) => entries.push(e),
            Err(d) => diags.push(*d),
        }
    }
    entries
}

/// Line `line` of the lock: nothing for a blank or comment line, else an entry or the reason it
/// is not one.
fn parse_line(line: usize, raw: &str) -> Option<Result<Entry<'_>, Diagnostic>> {
    let l = raw.trim();
    if l.is_empty() || l.starts_with('#') {
        return None;
    }
    if ["<<<<<<<", "=======", ">>>>>>>", "|||||||"]
        .iter()
        .any(|m| l.starts_with(m))
    {
        return Some(Err(lock_error(
            line,
            "bad-lock",
            "urls.lock has a merge-conflict marker".into(),
        )
        .with_hint(
            "keep the lines of both sides and delete the markers; order does not matter",
        )));
    }
    let (path, anchor) = match l.split_once('#') {
        Some((p, a)) => (p, Some(a)),
        None => (l, None),
    };
    let path_ok = path == "/" || normalise_alias(path).as_deref() == Some(path);
    let anchor_ok = anchor.is_none_or(|a| !a.is_empty() && slugify(a) == a);
    if !path_ok || !anchor_ok {
        return Some(Err(lock_error(
            line,
            "bad-lock",
            format!("`{l}` is not a URL path like /takster/l8/ or /takster/l8/#bruk"),
        )
        .with_span(l.chars().count())));
    }
    Some(Ok(Entry {
        text: l,
        url: path.trim_start_matches('/'),
        anchor,
        line,
    }))
}

/// Every entry the site publishes now, with the page it belongs to, in the order pages and then
/// redirects come (a later line for the same entry names the page that counts). Drafts publish
/// nothing.
fn published(graph: &SiteGraph) -> Vec<(String, PageIx)> {
    let mut out: Vec<(String, PageIx)> = graph
        .pages
        .par_iter()
        .enumerate()
        .filter(|(_, p)| !p.draft)
        .flat_map_iter(|(ix, page)| {
            std::iter::once((format!("/{}", page.url), ix)).chain(
                page.body
                    .headings
                    .iter()
                    .map(move |h| (format!("/{}#{}", page.url, h.id), ix)),
            )
        })
        .collect();
    for r in &graph.redirects {
        if !graph.pages[r.to].draft {
            out.push((format!("/{}", r.from), r.to));
        }
    }
    out
}

/// Where a URL leads now.
enum Target {
    Page(PageIx),
    /// A kind index, tag page or search page without a content file: no anchors of its own.
    Generated,
}

fn check_entries(
    graph: &SiteGraph,
    entries: &[Entry<'_>],
    locked_lines: &HashSet<&str>,
    diags: &mut Vec<Diagnostic>,
) {
    let redirects: HashMap<&str, PageIx> = graph
        .redirects
        .iter()
        .map(|r| (r.from.as_str(), r.to))
        .collect();
    let generated = links::generated_urls(graph);
    let target = |url: &str| {
        graph
            .by_url
            .get(url)
            .or_else(|| redirects.get(url))
            .map(|&ix| Target::Page(ix))
            .or_else(|| generated.contains(url).then_some(Target::Generated))
    };
    // Group by URL so a lost page is one error, not one per anchor it had.
    let mut by_url: BTreeMap<&str, Vec<&Entry<'_>>> = BTreeMap::new();
    for e in entries {
        by_url.entry(e.url).or_default().push(e);
    }
    for (url, group) in by_url {
        let first = group[0].line;
        let anchors: Vec<&str> = group.iter().filter_map(|e| e.anchor).collect();
        match target(url) {
            None => diags.push(lost_page(graph, locked_lines, url, first, anchors.len())),
            Some(Target::Generated) => {
                for e in group.iter().filter(|e| e.anchor.is_some()) {
                    diags.push(
                        lock_error(e.line, "locked-url", format!("{} was published, but /{url} has no such anchor any more", e.text))
                            .with_hint(format!("/{url} is now a list the site generates, without that heading; restore its _index.md page with a heading pinned to {{#{}}}", e.anchor.unwrap_or_default())),
                    );
                }
            }
            Some(Target::Page(ix)) => {
                let page = &graph.pages[ix];
                let lost: Vec<(&str, usize)> = group
                    .iter()
                    .filter_map(|e| Some((e.anchor?, e.line)))
                    .filter(|(a, _)| !links::has_anchor(page, a))
                    .collect();
                if lost.is_empty() {
                    continue;
                }
                let new_headings: Vec<&Heading> = page
                    .body
                    .headings
                    .iter()
                    .filter(|h| !locked_lines.contains(format!("/{}#{}", page.url, h.id).as_str()))
                    .collect();
                for (anchor, line) in lost {
                    diags.push(
                        lost_anchor(&graph.pages[ix], url, anchor, line, &new_headings)
                            .about(format!("url:{url}")),
                    );
                }
            }
        }
    }
}

fn lost_page(
    graph: &SiteGraph,
    locked_lines: &HashSet<&str>,
    url: &str,
    line: usize,
    anchors: usize,
) -> Diagnostic {
    let also = match anchors {
        0 => String::new(),
        1 => " (and its 1 anchor)".to_owned(),
        n => format!(" (and its {n} anchors)"),
    };
    // The replacement is a page the lock does not know yet: preferably one with the same file
    // name in another folder, else one with a similar URL, else the only new page.
    let new_pages: Vec<&crate::page::Page> = graph
        .pages
        .iter()
        .filter(|p| !p.draft && !locked_lines.contains(format!("/{}", p.url).as_str()))
        .map(|p| &**p)
        .collect();
    let last = |u: &str| {
        u.trim_end_matches('/')
            .rsplit('/')
            .next()
            .map(str::to_owned)
    };
    let candidate = new_pages
        .iter()
        .find(|p| !p.url.is_empty() && last(&p.url) == last(url))
        .or_else(|| {
            let hint = did_you_mean(url, new_pages.iter().map(|p| p.url.as_str()))?;
            let u = hint.split('`').nth(1)?;
            new_pages.iter().find(|p| p.url == u)
        })
        .or(match new_pages.as_slice() {
            [only] => Some(only),
            _ => None,
        })
        .map(|p| p.file.clone());
    // The page that was there: its default id (`<kind>-<file name>`) and file, which links and
    // relations may still name. A renamed page needs both its old URL and its old id back.
    let mut segments = url.trim_end_matches('/').rsplit('/');
    let stem = segments.next().unwrap_or_default();
    let section = url.split('/').next().unwrap_or_default();
    let old_id = graph
        .sections
        .iter()
        .find(|s| s.section == section && url.matches('/').count() == 2)
        .map(|s| format!("{}-{stem}", s.kind))
        .or_else(|| {
            // A page of no kind: `side-` and its URL's folders.
            let in_a_kind = graph.sections.iter().any(|s| s.section == section);
            (!in_a_kind && !url.is_empty())
                .then(|| format!("side-{}", url.trim_end_matches('/').replace('/', "-")))
        });
    let old_file = format!("content/{}.md", url.trim_end_matches('/'));
    let fix = match &old_id {
        Some(id) => format!(
            "add `aliases: [/{url}]` and, if pages link to it by id, `id: {id}` to the front matter of the page that replaces it"
        ),
        None => format!("add `aliases: [/{url}]` to the front matter of the page that replaces it"),
    };
    let hint = match candidate {
        Some(file) => {
            format!("{fix} (is it {file}?), or restore the page; old links must keep working")
        }
        None => format!("{fix}, or restore the page; old links must keep working"),
    };
    lock_error(
        line,
        "locked-url",
        format!("/{url}{also} was published, but no page, alias or code leads there any more"),
    )
    .with_hint(hint)
    .with_span(url.chars().count() + 1)
    .about(format!("url:{url}"))
    .covering(
        old_id
            .map(|id| format!("id:{id}"))
            .into_iter()
            .chain([format!("file:{old_file}")]),
    )
}

fn lost_anchor(
    page: &Page,
    url: &str,
    anchor: &str,
    line: usize,
    new_headings: &[&Heading],
) -> Diagnostic {
    // The renamed heading: one whose id is close to the old one, or else the only new heading.
    let by_name = did_you_mean(anchor, new_headings.iter().map(|h| h.id.as_str()))
        .and_then(|h| h.split('`').nth(1).map(str::to_owned));
    let renamed = by_name
        .and_then(|id| new_headings.iter().find(|h| h.id == id))
        .or(match new_headings {
            [only] => Some(only),
            _ => None,
        });
    let message = format!(
        "/{url}#{anchor} was published (urls.lock line {line}), but {} has no heading #{anchor} any more",
        page.file
    );
    if let Some(h) = renamed {
        Diagnostic::error(&page.file, h.pos, "locked-anchor", message)
            .with_hint(format!(
                "if this heading replaces it, pin the old id: `{} {} {{#{anchor}}}`, or add `anchor_aliases: {{ {anchor}: {} }}` to the front matter",
                "#".repeat(usize::from(h.level)),
                h.text,
                h.id
            ))
            .with_span(h.text.chars().count() + usize::from(h.level) + 1)
    } else {
        let at = if page.anchor_aliases.is_empty() {
            Seg::Key("title")
        } else {
            Seg::Key("anchor_aliases")
        };
        let mut ids: Vec<String> = page
            .body
            .headings
            .iter()
            .map(|h| format!("#{}", h.id))
            .collect();
        ids.sort_unstable();
        let now = if ids.is_empty() {
            "none".to_owned()
        } else {
            ids.join(", ")
        };
        Diagnostic::error(&page.file, page.locate(&[at]), "locked-anchor", message).with_hint(format!(
            "pin the old id on the heading that replaces it (`## … {{#{anchor}}}`), or add `anchor_aliases: {{ {anchor}: <new id> }}` to the front matter; headings now: {now}"
        ))
    }
}

/// `--locked`: the lock must already list everything; one error per page that adds entries.
fn report_locked(
    graph: &SiteGraph,
    lock_exists: bool,
    added: &[String],
    published: &[(String, PageIx)],
    diags: &mut Vec<Diagnostic>,
) {
    const HINT: &str = "run `veiviser build` without --locked and commit the updated urls.lock";
    if !lock_exists {
        diags.push(
            Diagnostic::error(
                LOCK_FILE,
                Position::default(),
                "lock-changed",
                "urls.lock is missing, and --locked forbids creating it",
            )
            .with_hint(HINT),
        );
        return;
    }
    let published: HashMap<&str, PageIx> =
        published.iter().map(|(l, ix)| (l.as_str(), *ix)).collect();
    let mut by_page: BTreeMap<PageIx, Vec<&str>> = BTreeMap::new();
    for a in added {
        if let Some(&ix) = published.get(a.as_str()) {
            by_page.entry(ix).or_default().push(a);
        }
    }
    for (ix, lines) in by_page {
        let page = &graph.pages[ix];
        let shown: Vec<&str> = lines.iter().take(5).copied().collect();
        let more = if lines.len() > 5 {
            format!(" and {} more", lines.len() - 5)
        } else {
            String::new()
        };
        diags.push(
            Diagnostic::error(
                &page.file,
                Position::default(),
                "lock-changed",
                format!(
                    "not in urls.lock: {}{more} (--locked forbids changing the lock)",
                    shown.join(", ")
                ),
            )
            .with_hint(HINT),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_paths_and_anchors_and_refuses_the_rest() {
        let mut d = Vec::new();
        let e = parse(
            "# comment\n\n/\n/takster/l8/\n/takster/l8/#bruk\n/takster/L8/\ntakster/l8/\n/a/b\n/a/#Bad\n/../etc/\n<<<<<<< HEAD\n",
            &mut d,
        );
        let lines: Vec<&str> = e.iter().map(|e| e.text).collect();
        assert_eq!(
            lines,
            ["/", "/takster/l8/", "/takster/l8/#bruk", "/takster/L8/"]
        );
        assert_eq!((e[0].url, e[0].anchor), ("", None));
        assert_eq!((e[2].url, e[2].anchor), ("takster/l8/", Some("bruk")));
        let at: Vec<usize> = d.iter().map(|x| x.line).collect();
        assert_eq!(at, [7, 8, 9, 10, 11], "{d:?}");
        assert!(d[4].hint.as_deref().unwrap().contains("both sides"));
    }

    #[test]
    fn format_is_sorted_bytewise_with_a_header() {
        let text = format(vec![
            "/takster/l8/#bruk",
            "/takster/l8/",
            "/",
            "/takster/l8-ny/",
            "/",
        ]);
        let body: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
        assert_eq!(
            body,
            ["/", "/takster/l8-ny/", "/takster/l8/", "/takster/l8/#bruk"]
        );
        let mut d = Vec::new();
        assert_eq!(parse(&text, &mut d).len(), 4);
        assert!(d.is_empty());
    }
}
