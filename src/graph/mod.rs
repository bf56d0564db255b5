//! Stage ③: `Vec<Page>` → [`SiteGraph`]: ids, sections, relations both ways, tags, links.
//!
//! Everything that needs more than one page is decided here: duplicate ids, URLs and codes,
//! dangling references, broken links and anchors, alias collisions. The graph holds page indices
//! (`usize` into `pages`); it renders nothing and touches no disk.

mod citations;
mod links;
mod lock;
mod redirects;
mod relations;

use std::collections::HashMap;
use std::sync::Arc;

use crate::config::Config;
use crate::error::{Diagnostic, did_you_mean};
use crate::page::{Page, PageRole};
use crate::vocab::{order, slugify};
use crate::yaml::Seg;
pub use citations::{
    Note, PageCitations, Passage, Resolved as ResolvedCitations, resolve as resolve_citations,
};
pub use links::ResolvedLink;
pub(crate) use links::generated_urls;
pub use lock::{LockReport, check as check_lock};
pub use redirects::{Redirect, RedirectKind, code_urls};
pub use relations::RelationGroup;

/// Index of a page in [`SiteGraph::pages`].
pub type PageIx = usize;

/// The pages of one kind, in display order.
#[derive(Debug, Clone)]
pub struct Section {
    pub kind: String,
    pub section: String,
    pub label: String,
    pub plural: String,
    /// The section's `_index.md`, if it has one.
    pub index_page: Option<PageIx>,
    pub members: Vec<PageIx>,
}

/// A tag and the pages that carry it.
#[derive(Debug, Clone)]
pub struct TagGroup {
    pub name: String,
    pub slug: String,
    pub pages: Vec<PageIx>,
}

/// The resolved site.
#[derive(Debug, Clone, Default)]
pub struct SiteGraph {
    /// Shared with the compile cache of `serve`, which keeps unchanged pages between compiles.
    pub pages: Vec<Arc<Page>>,
    pub by_id: HashMap<String, PageIx>,
    pub by_file: HashMap<String, PageIx>,
    pub by_url: HashMap<String, PageIx>,
    pub home: Option<PageIx>,
    pub sections: Vec<Section>,
    pub tags: Vec<TagGroup>,
    /// Per page: relations written on the page, grouped by field.
    pub relations: Vec<Vec<RelationGroup>>,
    /// Per page: relations written on other pages that point here, grouped by inverse label.
    pub backlinks: Vec<Vec<RelationGroup>>,
    /// Per page: the pages citing it in their `sources`.
    pub cited_by: Vec<Vec<PageIx>>,
    /// Per page, per link placeholder: where it leads.
    pub links: Vec<Vec<ResolvedLink>>,
    /// Per page: its citation notes (filled by [`citations::resolve`], which needs the source
    /// texts; empty until then).
    pub citations: Vec<citations::PageCitations>,
    /// Alias and code redirects, sorted by their URL.
    pub redirects: Vec<Redirect>,
    /// Entry pages that are not reachable from the home page by the site's own navigation.
    pub plain_pages: Vec<PageIx>,
    /// Per page: its place in title order ([`order::title_ranks`]). Sort pages by title with
    /// [`SiteGraph::sort_by_title`].
    pub title_rank: Vec<u32>,
}

/// Options of [`build`].
#[derive(Debug, Clone, Copy, Default)]
pub struct GraphOptions {
    /// Keep pages marked `draft: true`.
    pub include_drafts: bool,
}

impl SiteGraph {
    /// Sorts `pages` by title (Norwegian order, [`order::compare`]); equal titles keep their
    /// order.
    pub fn sort_by_title(&self, pages: &mut [PageIx]) {
        pages.sort_by_key(|&p| self.title_rank[p]);
    }

    /// The page with `id`.
    pub fn get(&self, id: &str) -> Option<&Page> {
        self.by_id.get(id).map(|&i| &*self.pages[i])
    }

    /// Section of a kind.
    pub fn section_of(&self, kind: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.kind == kind)
    }
}

/// What [`build_found`] reported, in parts, so the compile cache of `serve` can redo only what an
/// edit of titles and bodies touches ([`retitle`]) and keep the rest.
#[derive(Debug, Clone, Default)]
pub struct Found {
    /// Problems found before the titles are compared (ids, unique fields).
    before_titles: Vec<Diagnostic>,
    /// Titles another page of the same kind has (redone by [`retitle`]).
    titles: Vec<Diagnostic>,
    /// Problems found after them and before the links are resolved (relations, sources).
    before_links: Vec<Diagnostic>,
    /// Per page of the graph: the problems of its links.
    links: Vec<Vec<Diagnostic>>,
    /// Problems found after them (aliases, redirects).
    after_links: Vec<Diagnostic>,
    /// Drafts left out (id → file), for the hints of links to them.
    draft_ids: HashMap<String, String>,
    draft_files: std::collections::HashSet<String>,
}

impl Found {
    /// Every problem, in the order [`build`] reports them.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        let mut all = self.before_titles.clone();
        all.extend(self.titles.iter().cloned());
        all.extend(self.before_links.iter().cloned());
        all.extend(self.links.iter().flatten().cloned());
        all.extend(self.after_links.iter().cloned());
        all
    }
}

/// Builds the graph, reporting every cross-page problem.
pub fn build(
    pages: Vec<Arc<Page>>,
    config: &Config,
    options: GraphOptions,
) -> (SiteGraph, Vec<Diagnostic>) {
    let (graph, found) = build_found(pages, config, options);
    let diags = found.diagnostics();
    (graph, diags)
}

/// Puts `edited` pages in place of the graph's pages at their indices, where each edited page
/// may differ from the page it replaces in its title and body only (the compile cache checks
/// that: file, id, URL, kind, front matter other than the title line, headings and anchor
/// aliases are the same). Redoes all that titles decide: the title order and every list sorted
/// by it (kind sections, tags, backlinks, citing pages, plain pages), the duplicate-title
/// warnings, and the links of the edited pages and of every page linking to a page whose title
/// changed (a link carries its target's title). `parsed[ix]` is page `ix` as parsed, before
/// [`build`] wrote link titles into its text (the edited pages' entries are the edited pages).
pub fn retitle(
    graph: &mut SiteGraph,
    found: &mut Found,
    config: &Config,
    edited: &std::collections::HashSet<PageIx>,
    parsed: &[Arc<Page>],
) {
    let retitled: std::collections::HashSet<String> = edited
        .iter()
        .filter(|&&ix| graph.pages[ix].title != parsed[ix].title)
        .map(|&ix| graph.pages[ix].url.clone())
        .collect();
    for &ix in edited {
        graph.pages[ix] = Arc::clone(&parsed[ix]);
    }
    if !retitled.is_empty() {
        let titles: Vec<&str> = graph.pages.iter().map(|p| p.title.as_str()).collect();
        graph.title_rank = order::title_ranks(&titles);
        sort_by_title_again(graph, config);
        found.titles = duplicate_titles(graph);
    }
    let stale: Vec<PageIx> = {
        use rayon::prelude::*;
        let links_to_retitled = |links: &[ResolvedLink]| {
            links.iter().any(|l| {
                l.url
                    .as_deref()
                    .is_some_and(|u| retitled.contains(u.split('#').next().unwrap_or(u)))
            })
        };
        graph
            .links
            .par_iter()
            .enumerate()
            .filter(|(ix, links)| edited.contains(ix) || links_to_retitled(links))
            .map(|(ix, _)| ix)
            .collect()
    };
    let generated = links::generated_urls(graph);
    for ix in stale {
        let (mut page_links, diags) =
            links::resolve_page(graph, ix, &generated, &found.draft_ids, &found.draft_files);
        graph.pages[ix] = Arc::clone(&parsed[ix]);
        fill_link_titles(&mut graph.pages[ix], &page_links);
        std::mem::swap(&mut graph.links[ix], &mut page_links);
        found.links[ix] = diags;
    }
}

/// Sorts every list [`build`] sorts by title again, after `graph.title_rank` changed: each is put
/// back in page order first, the order [`build`] made it in, so equal titles end up as they would
/// there.
fn sort_by_title_again(graph: &mut SiteGraph, config: &Config) {
    let SiteGraph {
        pages,
        title_rank,
        sections,
        tags,
        cited_by,
        plain_pages,
        ..
    } = graph;
    // What `SiteGraph::sort_by_title` does, on fields borrowed apart from the graph.
    let again = |list: &mut Vec<PageIx>| {
        list.sort_unstable();
        list.sort_by_key(|&p| title_rank[p]);
    };
    for s in sections.iter_mut() {
        again(&mut s.members);
        s.members.sort_by_key(|&i| pages[i].weight);
    }
    for t in tags.iter_mut() {
        again(&mut t.pages);
    }
    cited_by.iter_mut().for_each(again);
    again(plain_pages);
    let mut backlinks = std::mem::take(&mut graph.backlinks);
    relations::sort_backlinks(graph, config, &mut backlinks);
    graph.backlinks = backlinks;
}

/// [`build`], with its problems in parts (see [`Found`]).
pub fn build_found(
    pages: Vec<Arc<Page>>,
    config: &Config,
    options: GraphOptions,
) -> (SiteGraph, Found) {
    let mut diags = Vec::new();
    let (pages, drafts): (Vec<Arc<Page>>, Vec<Arc<Page>>) = pages
        .into_iter()
        .partition(|p| options.include_drafts || !p.draft);
    let draft_ids: HashMap<String, String> = drafts
        .iter()
        .map(|p| (p.id.clone(), p.file.clone()))
        .collect();
    let draft_files: std::collections::HashSet<String> =
        drafts.iter().map(|p| p.file.clone()).collect();

    let mut graph = SiteGraph {
        pages,
        ..SiteGraph::default()
    };
    index_pages(&mut graph, &mut diags);
    let titles: Vec<&str> = graph.pages.iter().map(|p| p.title.as_str()).collect();
    graph.title_rank = order::title_ranks(&titles);
    check_unique_fields(&graph, config, &mut diags);
    let before_titles = std::mem::take(&mut diags);
    let titles = duplicate_titles(&graph);
    graph.sections = sections(&graph, config);
    graph.tags = tags(&graph);
    let (rels, backs) = relations::resolve(&graph, config, &draft_ids, &mut diags);
    graph.relations = rels;
    graph.backlinks = backs;
    graph.cited_by = relations::check_sources(&graph, &draft_ids, &mut diags);
    let (page_links, link_diags) = links::resolve(&graph, &draft_ids, &draft_files);
    graph.links = page_links;
    for (page, links) in graph.pages.iter_mut().zip(&graph.links) {
        fill_link_titles(page, links);
    }
    let before_links = std::mem::take(&mut diags);
    graph.redirects = redirects::collect(&graph, config, &mut diags);
    graph.plain_pages = graph
        .pages
        .iter()
        .enumerate()
        .filter(|(_, p)| p.role == PageRole::Entry && p.kind.is_none())
        .map(|(i, _)| i)
        .collect();
    let rank = &graph.title_rank;
    graph.plain_pages.sort_by_key(|&i| rank[i]);
    let found = Found {
        before_titles,
        titles,
        before_links,
        links: link_diags,
        after_links: diags,
        draft_ids,
        draft_files,
    };
    (graph, found)
}

/// `[[id]]` links read as their target's title in the page's plain text and headings too. Only a
/// page with such a link is written to, so a page shared with the compile cache is copied only
/// then.
fn fill_link_titles(page: &mut Arc<Page>, links: &[ResolvedLink]) {
    let placeholder = |t: &String| t.contains('\0');
    let body = &page.body;
    let has_placeholder = body
        .sections
        .iter()
        .any(|s| placeholder(&s.text) || placeholder(&s.heading))
        || body.headings.iter().any(|h| placeholder(&h.text));
    if !has_placeholder {
        return;
    }
    let page = Arc::make_mut(page);
    let title = |n: usize| links.get(n).map(|l| l.title.as_str());
    let texts = page
        .body
        .sections
        .iter_mut()
        .flat_map(|s| [&mut s.text, &mut s.heading]);
    let headings = page.body.headings.iter_mut().map(|h| &mut h.text);
    for text in texts.chain(headings).filter(|t| t.contains('\0')) {
        *text = crate::page::fill_link_titles(text, title);
    }
}

/// A warning for each page whose title another page of its kind has (letter case and spacing
/// aside): lists, search results and links by `[[id]]` show titles, so readers cannot tell the
/// two apart.
fn duplicate_titles(graph: &SiteGraph) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let mut first: HashMap<(Option<&str>, String), PageIx> = HashMap::new();
    for (i, page) in graph.pages.iter().enumerate() {
        if page.role != PageRole::Entry {
            continue;
        }
        let key = (
            page.kind.as_deref(),
            page.title
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase(),
        );
        if let Some(&other) = first.get(&key) {
            diags.push(
                Diagnostic::warning(
                    &page.file,
                    page.locate(&[Seg::Key("title")]),
                    "duplicate-title",
                    format!(
                        "title \"{}\" is also the title of {}",
                        page.title, graph.pages[other].file
                    ),
                )
                .with_hint("readers tell pages apart by their titles in lists, links and search; make the titles differ")
                .with_span(page.title.chars().count()),
            );
        } else {
            first.insert(key, i);
        }
    }
    diags
}

fn index_pages(graph: &mut SiteGraph, diags: &mut Vec<Diagnostic>) {
    for (i, page) in graph.pages.iter().enumerate() {
        if let Some(&first) = graph.by_id.get(&page.id) {
            // Reported on both files: either may be the one to change.
            let other = &graph.pages[first];
            for (here, there) in [(page, other), (other, page)] {
                diags.push(
                    Diagnostic::error(
                        &here.file,
                        here.locate(&[Seg::Key("id")]),
                        "duplicate-id",
                        format!("id `{}` is also used by {}", here.id, there.file),
                    )
                    .with_hint("give one of the pages another file name or an explicit `id:`"),
                );
            }
        } else {
            graph.by_id.insert(page.id.clone(), i);
        }
        if let Some(generated) = crate::vocab::generated_folder_of(&page.url) {
            diags.push(
                Diagnostic::error(
                    &page.file,
                    crate::error::Position::default(),
                    "reserved-url",
                    format!(
                        "URL /{} belongs to {generated}, which veiviser makes itself",
                        page.url
                    ),
                )
                .with_hint(format!(
                    "rename or move the file; these folders are reserved: {}",
                    crate::vocab::generated_folders_list()
                ))
                .covering([format!("url:{}", page.url)]),
            );
        } else if let Some(&first) = graph.by_url.get(&page.url) {
            diags.push(
                Diagnostic::error(&page.file, crate::error::Position::default(), "duplicate-url", format!("URL /{} is already produced by {}", page.url, graph.pages[first].file))
                    .with_hint("file names that differ only in case, accents or punctuation make the same URL; rename one")
                    .covering([format!("url:{}", page.url)]),
            );
        } else {
            graph.by_url.insert(page.url.clone(), i);
        }
        graph.by_file.insert(page.file.clone(), i);
        if page.role == PageRole::Home {
            graph.home = Some(i);
        }
    }
}

/// Fields declared `unique` (tariff codes) may not repeat within a kind; codes compare without case
/// because `/takster/L8/` and `/takster/l8/` are the same entry point.
fn check_unique_fields(graph: &SiteGraph, config: &Config, diags: &mut Vec<Diagnostic>) {
    for (kind_name, kind) in &config.kinds {
        for (field, def) in kind.fields.iter().filter(|(_, d)| d.unique) {
            let mut seen: HashMap<String, PageIx> = HashMap::new();
            for (i, page) in graph
                .pages
                .iter()
                .enumerate()
                .filter(|(_, p)| p.kind.as_deref() == Some(kind_name))
            {
                let Some(value) = page.fields.get(field) else {
                    continue;
                };
                let shown = value.display();
                let key = shown.to_lowercase();
                if let Some(&first) = seen.get(&key) {
                    let other = &graph.pages[first];
                    let other_shown = other
                        .fields
                        .get(field)
                        .map(crate::page::FieldValue::display)
                        .unwrap_or_default();
                    for (here, value, there) in [(page, &shown, other), (other, &other_shown, page)]
                    {
                        diags.push(
                            Diagnostic::error(
                                &here.file,
                                here.locate(&[Seg::Key(field), Seg::Value(value)]),
                                "duplicate-value",
                                format!("`{field}: {value}` is also used by {}", there.file),
                            )
                            .with_hint(format!(
                                "`{field}` ({}) must be unique among `{kind_name}` pages",
                                def.label(field)
                            ))
                            // A shared code also makes its short URL collide: one cause.
                            .covering([format!("code:{}:{value}", here.file)]),
                        );
                    }
                } else {
                    seen.insert(key, i);
                }
            }
        }
    }
}

fn sections(graph: &SiteGraph, config: &Config) -> Vec<Section> {
    config
        .kinds_in_order()
        .into_iter()
        .map(|(name, kind)| {
            let mut members: Vec<PageIx> = graph
                .pages
                .iter()
                .enumerate()
                .filter(|(_, p)| p.kind.as_deref() == Some(name))
                .map(|(i, _)| i)
                .collect();
            // Stable: equal weights keep the title order of the first sort.
            graph.sort_by_title(&mut members);
            members.sort_by_key(|&i| graph.pages[i].weight);
            let index_page = graph
                .by_url
                .get(&format!("{}/", kind.section))
                .copied()
                .filter(|&i| graph.pages[i].role == PageRole::SectionIndex);
            Section {
                kind: name.to_owned(),
                section: kind.section.clone(),
                label: kind.label(name).to_owned(),
                plural: kind.plural(name).to_owned(),
                index_page,
                members,
            }
        })
        .collect()
}

fn tags(graph: &SiteGraph) -> Vec<TagGroup> {
    let mut by_slug: HashMap<String, TagGroup> = HashMap::new();
    // A site has few distinct tags on many pages: each is slugified once.
    let mut slugs: HashMap<&str, String> = HashMap::new();
    for (i, page) in graph.pages.iter().enumerate() {
        for tag in &page.tags {
            let slug = slugs
                .entry(tag.as_str())
                .or_insert_with(|| slugify(tag))
                .clone();
            if slug.is_empty() {
                continue;
            }
            let group = by_slug.entry(slug.clone()).or_insert_with(|| TagGroup {
                name: tag.clone(),
                slug,
                pages: Vec::new(),
            });
            // Pages come in index order, so a repeat can only be the last one pushed.
            if group.pages.last() != Some(&i) {
                group.pages.push(i);
            }
        }
    }
    let mut tags: Vec<TagGroup> = by_slug.into_values().collect();
    for t in &mut tags {
        graph.sort_by_title(&mut t.pages);
    }
    tags.sort_by_cached_key(|t| order::sort_key(&t.name));
    tags
}

/// URL of a kind's index page.
pub fn section_url(section: &str) -> String {
    format!("{section}/")
}

/// URL of a tag page.
pub fn tag_url(slug: &str) -> String {
    format!("emner/{slug}/")
}

/// URL of the list of all tags (a folder of [`crate::vocab::GENERATED_FOLDERS`], like the next two).
pub const TAGS_URL: &str = "emner/";
/// URL of the search page.
pub const SEARCH_URL: &str = "sok/";
/// URL of the list of change notes (`endringer:` in front matter).
pub const CHANGES_URL: &str = "endringer/";

/// "did you mean" among page ids, preferring ids with the same prefix (kind).
pub(crate) fn suggest_id(graph: &SiteGraph, wanted: &str) -> Option<String> {
    did_you_mean(wanted, graph.by_id.keys().map(String::as_str))
}

#[cfg(test)]
mod tests;
