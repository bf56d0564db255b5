//! Links written in page bodies, resolved to URLs and checked (page *and* anchor).

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;

use crate::error::{Diagnostic, did_you_mean};
use crate::graph::{
    CHANGES_URL, PageIx, SEARCH_URL, SiteGraph, TAGS_URL, section_url, suggest_id, tag_url,
};
use crate::page::Page;
use crate::page::{LinkTarget, RESERVED_IDS};

/// Where a link placeholder leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedLink {
    /// Site-relative URL without leading slash, with `#fragment` if any; `None` when broken.
    pub url: Option<String>,
    /// Title of the target page (text of `[[id]]` links).
    pub title: String,
}

/// Resolves the links of every page; returns them and their problems, per page.
pub(super) fn resolve(
    graph: &SiteGraph,
    drafts: &HashMap<String, String>,
    draft_files: &HashSet<String>,
) -> (Vec<Vec<ResolvedLink>>, Vec<Vec<Diagnostic>>) {
    let generated = generated_urls(graph);
    // Pages in parallel (each link is resolved on its own), their problems kept in page order.
    (0..graph.pages.len())
        .into_par_iter()
        .map(|i| resolve_page(graph, i, &generated, drafts, draft_files))
        .unzip()
}

/// Resolves the links of page `i`; `generated` is [`generated_urls`] of the graph.
pub(super) fn resolve_page(
    graph: &SiteGraph,
    i: PageIx,
    generated: &HashSet<String>,
    drafts: &HashMap<String, String>,
    draft_files: &HashSet<String>,
) -> (Vec<ResolvedLink>, Vec<Diagnostic>) {
    let page = &graph.pages[i];
    let mut diags = Vec::new();
    let links = page.body
        .links
        .iter()
        .map(|link| {
            let problem = |msg: String| Diagnostic::error(&page.file, link.pos, "broken-link", msg);
            let target: Result<Option<PageIx>, Diagnostic> = match &link.target {
                LinkTarget::Id(id) => graph.by_id.get(id).map(|&t| Some(t)).ok_or_else(|| {
                    let d = problem(format!("[[{id}]] does not match any page id")).about(format!("id:{id}"));
                    match drafts.get(id) {
                        Some(f) => d.with_hint(format!("{f} is a draft; drafts are left out of the build")),
                        None => match suggest_id(graph, id) {
                            Some(h) => d.with_hint(h),
                            None => d,
                        },
                    }
                }),
                LinkTarget::File(file) => graph.by_file.get(file).map(|&t| Some(t)).ok_or_else(|| {
                    let d = problem(format!("link to {file}, which does not exist")).about(format!("file:{file}"));
                    if draft_files.contains(file) {
                        d.with_hint("that page is a draft; drafts are left out of the build")
                    } else {
                        match did_you_mean(file, graph.by_file.keys().map(String::as_str)) {
                            Some(h) => d.with_hint(h),
                            None => d,
                        }
                    }
                }),
                LinkTarget::SamePage => Ok(Some(i)),
                LinkTarget::Path(path) => {
                    let key = path.trim_start_matches('/').trim_end_matches("index.html");
                    let key = if key.is_empty() || key.ends_with('/') { key.to_owned() } else { format!("{key}/") };
                    if let Some(&t) = graph.by_url.get(&key) {
                        Ok(Some(t))
                    } else if generated.contains(&key) {
                        Ok(None)
                    } else {
                        Err(problem(format!("link to {path}, which is not a page of this site")).about(format!("url:{key}")).with_hint("link to the Markdown file instead (e.g. ../takster/l8.md): such links are checked and follow renames"))
                    }
                }
            };
            let result = target.and_then(|t| {
                let (url, title) = match (t, &link.target) {
                    (Some(t), _) => (graph.pages[t].url.clone(), graph.pages[t].title.clone()),
                    (None, LinkTarget::Path(p)) => (p.trim_start_matches('/').to_owned(), String::new()),
                    (None, _) => unreachable!("only paths resolve to generated pages"),
                };
                match (&link.fragment, t) {
                    (Some(frag), Some(t)) if !has_anchor(&graph.pages[t], frag) => {
                        let target = &graph.pages[t];
                        let d = problem(format!("#{frag} is not a heading of {}", target.file));
                        let ids = target.body.headings.iter().map(|h| h.id.as_str());
                        Err(match did_you_mean(frag, ids) {
                            Some(h) => d.with_hint(h),
                            None => d.with_hint(format!("headings there: {}", target.body.headings.iter().map(|h| format!("#{}", h.id)).collect::<Vec<_>>().join(", "))),
                        })
                    }
                    (Some(frag), _) => Ok(ResolvedLink { url: Some(format!("{url}#{frag}")), title }),
                    (None, _) => Ok(ResolvedLink { url: Some(url), title }),
                }
            });
            result.unwrap_or_else(|d| {
                diags.push(d.with_span(link.span));
                ResolvedLink { url: None, title: String::new() }
            })
        })
        .collect();
    (links, diags)
}

/// Whether `frag` is an anchor on `page`: a heading, an anchor alias or a template section.
pub(super) fn has_anchor(page: &Page, frag: &str) -> bool {
    page.body.headings.iter().any(|h| h.id == frag)
        || page.anchor_aliases.contains_key(frag)
        || RESERVED_IDS.contains(&frag)
}

/// URLs the site generates besides pages: kind indexes, tag pages, search.
pub(crate) fn generated_urls(graph: &SiteGraph) -> HashSet<String> {
    let mut urls: HashSet<String> = graph
        .sections
        .iter()
        .map(|s| section_url(&s.section))
        .collect();
    urls.extend(graph.tags.iter().map(|t| tag_url(&t.slug)));
    urls.insert(TAGS_URL.to_owned());
    urls.insert(SEARCH_URL.to_owned());
    urls.insert(CHANGES_URL.to_owned());
    urls.insert(String::new());
    urls
}
