//! Stage ④a: [`SiteGraph`] + [`Theme`] → `Vec<Produced>` (each file with the ids and links of
//! its HTML, [`Links`], taken as it is made, for the output check): every HTML page, the kind indexes,
//! tag pages, the search page's no-JavaScript A–Z list, 404, redirects for aliases, the sitemap,
//! `robots.txt`, `pages.json` (and its schema), `opensearch.xml` and the theme's fingerprinted
//! assets.
//!
//! Pure given the templates: no disk, and output bytes depend only on the input, so two builds of
//! the same site are byte-identical. Pages render in parallel.

mod changes;
mod citations;
mod context;
mod related;
mod relation_map;
mod scan;
mod site_files;
mod theme;
mod verify;

use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;

use crate::config::Config;
use crate::error::Diagnostic;
use crate::graph::{self, PageIx, SiteGraph};
use crate::page::{Page, PageRole};
use crate::source::ThemeSources;
use crate::vocab::{OutputFile, escape_attr};
use context::{GroupView, ItemView, LinkView, SiteView, Views};
pub use scan::Links;
pub use theme::Theme;
pub use verify::{
    CheckInput, CheckMemo, ExternalLink, Listed, Verified, check as verify,
    check_again as verify_again,
};

/// Everything the html stage needs.
pub struct RenderInput<'a> {
    pub graph: &'a SiteGraph,
    pub config: &'a Config,
    pub theme: &'a Theme,
    pub theme_sources: &'a ThemeSources,
}

/// An output file and, for an HTML file, the ids and links the output check needs of it, taken
/// as the file is made ([`Links::of`]).
#[derive(Debug, Clone)]
pub struct Produced {
    pub file: OutputFile,
    pub links: Option<Arc<Links>>,
}

impl Produced {
    /// `file`, with its links when it is HTML.
    pub fn new(file: OutputFile) -> Self {
        let links = is_html(&file.path).then(|| Arc::new(Links::of(&file.bytes)));
        Self { file, links }
    }

    /// What the output check reads of it.
    pub fn listed(&self) -> Listed<'_> {
        Listed {
            path: &self.file.path,
            links: self.links.as_ref(),
        }
    }
}

/// Whether the output check reads `path` as HTML.
fn is_html(path: &str) -> bool {
    std::path::Path::new(path)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("html"))
}

/// What becomes of each file as soon as it is produced, in the worker that produced it: kept
/// whole (`compile`), or written to the disk and kept without its bytes (a streaming build).
pub type Sink<'a> = &'a (dyn Fn(Produced) -> Produced + Sync);

/// Renders the whole site. Template errors are diagnostics; the files rendered without error are
/// returned either way.
pub fn render(input: &RenderInput<'_>) -> (Vec<Produced>, Vec<Diagnostic>) {
    render_releasing(input, vec![String::new(); input.graph.pages.len()], &|p| p)
}

/// [`render`] for a graph whose entry pages' Markdown HTML was taken out into `bodies` (by page
/// index; see [`take_entry_bodies`]): each body is freed as soon as its page is rendered, so a
/// build never holds a site's rendered Markdown and its finished pages at once. A page whose
/// body is empty here is rendered with the body still in the graph. Each file goes through
/// `sink` as soon as it is made.
pub fn render_releasing(
    input: &RenderInput<'_>,
    bodies: Vec<String>,
    sink: Sink<'_>,
) -> (Vec<Produced>, Vec<Diagnostic>) {
    let entries: Vec<Rendered> = input
        .graph
        .pages
        .par_iter()
        .zip(bodies)
        .enumerate()
        .filter(|(_, (p, _))| p.role == PageRole::Entry)
        .map(|(ix, (page, body))| {
            let body = if body.is_empty() {
                &page.body.html
            } else {
                &body
            };
            render_entry_with(input, ix, page, body).map(sink)
        })
        .collect();
    // Each site page through `sink` as soon as it is made: at 100,000 pages they are 200 MB
    // (`pages.json` alone 97 MB), too much to hold together (issue 17).
    let site_pages = render_site_pages_each(input, sink);
    assemble(entries, site_pages)
}

/// Takes the Markdown HTML of every entry page out of `graph` (leaving it empty there), by page
/// index, for [`render_releasing`].
pub fn take_entry_bodies(graph: &mut crate::graph::SiteGraph) -> Vec<String> {
    graph
        .pages
        .iter_mut()
        .map(|p| {
            if p.role == PageRole::Entry {
                // Not shared in a build (no cache holds the page): no copy is made.
                std::mem::take(&mut std::sync::Arc::make_mut(p).body.html)
            } else {
                String::new()
            }
        })
        .collect()
}

/// One output, or the template error that prevented it.
pub type Rendered = Result<Produced, Diagnostic>;

/// Everything except the entry pages: kind indexes, tag pages, home, tag list, search, 404, alias
/// redirects, sitemap, `robots.txt`, `pages.json` and the theme's assets. Split from [`render`]
/// so that `serve` can re-render entry pages one by one and this part only when it can change
/// (each kind index and tag page on its own: [`render_section_page`], [`render_tag_page`],
/// [`render_other_site_pages`]).
pub fn render_site_pages(input: &RenderInput<'_>) -> Vec<Rendered> {
    render_site_pages_each(input, &|p| p)
}

/// [`render_site_pages`], each file handed to `sink` as soon as it is made.
fn render_site_pages_each(input: &RenderInput<'_>, sink: Sink<'_>) -> Vec<Rendered> {
    let graph = input.graph;
    let mut results: Vec<Rendered> = (0..graph.sections.len())
        .into_par_iter()
        .map(|i| render_section_page(input, i).map(sink))
        .chain(
            (0..graph.tags.len())
                .into_par_iter()
                .map(|i| render_tag_page(input, i).map(sink)),
        )
        .collect();
    results.extend(render_other_site_pages_each(input, sink));
    results
}

/// The index of the kind section `graph.sections[i]`.
pub fn render_section_page(input: &RenderInput<'_>, i: usize) -> Rendered {
    render_section(input, &input.graph.sections[i]).map(Produced::new)
}

/// The page of the tag `graph.tags[i]`.
pub fn render_tag_page(input: &RenderInput<'_>, i: usize) -> Rendered {
    render_tag(input, &input.graph.tags[i]).map(Produced::new)
}

/// The site pages other than kind indexes and tag pages.
pub fn render_other_site_pages(input: &RenderInput<'_>) -> Vec<Rendered> {
    render_other_site_pages_each(input, &|p| p)
}

/// [`render_other_site_pages`], each file handed to `sink` as soon as it is made.
fn render_other_site_pages_each(input: &RenderInput<'_>, sink: Sink<'_>) -> Vec<Rendered> {
    let graph = input.graph;
    let made = |r: Result<OutputFile, Diagnostic>| r.map(|f| sink(Produced::new(f)));
    // The search page (every entry by title) and `pages.json` (every entry's facts) take most
    // of the time at 10,000 pages, about equally: made side by side with the rest.
    let (mut results, (search, pages_json)) = rayon::join(
        || {
            [
                render_home(input),
                render_tags_index(input),
                render_404(input),
                render_changes(input),
            ]
            .into_iter()
            .map(made)
            .collect::<Vec<_>>()
        },
        || {
            rayon::join(
                || made(render_search(input)),
                || made(Ok(site_files::pages_json(graph, input.config))),
            )
        },
    );
    results.extend([search, pages_json]);
    let mut rest = site_files::redirects(graph, input.config);
    rest.push(site_files::sitemap(graph, input.config));
    rest.push(site_files::redirect_rules(graph, input.config));
    rest.push(site_files::robots(input.config));
    rest.push(site_files::pages_schema());
    rest.push(site_files::opensearch(input.config));
    rest.push(changes::feed(graph, input.config));
    rest.extend(input.theme.files.iter().cloned());
    results.par_extend(rest.into_par_iter().map(|f| made(Ok(f))));
    results
}

/// Joins rendered entry pages and site pages into the site's files (sorted by path) and its
/// template diagnostics.
pub fn assemble(
    entries: impl IntoIterator<Item = Rendered>,
    site_pages: impl IntoIterator<Item = Rendered>,
) -> (Vec<Produced>, Vec<Diagnostic>) {
    let mut files = Vec::new();
    let mut diags = Vec::new();
    for r in entries.into_iter().chain(site_pages) {
        match r {
            Ok(f) => files.push(f),
            Err(d) => diags.push(d),
        }
    }
    // Template errors repeat once per page; one report per template location is enough.
    diags.sort_by(|a, b| {
        (&a.file, a.line, a.column, &a.message).cmp(&(&b.file, b.line, b.column, &b.message))
    });
    diags.dedup_by(|a, b| {
        a.file == b.file && a.line == b.line && a.column == b.column && a.message == b.message
    });
    files.sort_by(|a, b| a.file.path.cmp(&b.file.path));
    (files, diags)
}

/// Context shared by every template, for a page at `url`.
fn base_context(
    input: &RenderInput<'_>,
    views: &Views<'_>,
    url: &str,
    title: &str,
) -> tera::Context {
    let config = input.config;
    let mut ctx = tera::Context::new();
    ctx.insert(
        "site",
        &SiteView {
            title: config.title.clone(),
            description: config.description.clone(),
            language: config.language.clone(),
            base_url: config.base_url().to_owned(),
        },
    );
    let nav: Vec<NavView> = input
        .graph
        .sections
        .iter()
        .map(|s| {
            let section_url = graph::section_url(&s.section);
            let current = if url == section_url {
                "page"
            } else if url.starts_with(&section_url) {
                "true"
            } else {
                ""
            };
            NavView {
                title: s.plural.clone(),
                url: views.url(&section_url),
                current,
            }
        })
        .collect();
    ctx.insert("nav", &nav);
    let assets: std::collections::BTreeMap<&str, String> = input
        .theme
        .assets
        .iter()
        .map(|(k, v)| (k.as_str(), views.url(v)))
        .collect();
    ctx.insert("assets", &assets);
    ctx.insert("root", &views.url(""));
    ctx.insert("search_url", &views.url(graph::SEARCH_URL));
    ctx.insert("tags_url", &views.url(graph::TAGS_URL));
    ctx.insert("changes_url", &views.url(graph::CHANGES_URL));
    ctx.insert("changes_feed_url", &views.url(changes::FEED_PATH));
    ctx.insert("page_url", url);
    ctx.insert("canonical", &format!("{}/{url}", config.base_url()));
    ctx.insert("title", title);
    ctx
}

#[derive(Serialize)]
struct NavView {
    title: String,
    url: String,
    /// `aria-current` value: `page` on the kind index itself, `true` inside the kind, else empty.
    current: &'static str,
}

#[derive(Serialize)]
struct PageView {
    id: String,
    title: String,
    summary: String,
    kind: String,
    kind_label: String,
    code: String,
    content: String,
    toc: Vec<context::TocEntry>,
    fields: Vec<context::FieldView>,
    /// The fields that are not relations (relations are listed under `relations`).
    facts: Vec<context::FieldView>,
    /// The same fields by name, for kind templates (`page.field_map.belop.text`).
    field_map: std::collections::BTreeMap<String, context::FieldView>,
    relations: Vec<GroupView>,
    backlinks: Vec<GroupView>,
    /// Relations and backlinks together, grouped by the related pages' kind.
    related: Vec<related::KindGroupView>,
    /// The relation map (trusted HTML: a figure with an inline SVG), empty without relations.
    relation_map: String,
    cited_by: Vec<ItemView>,
    sources: Vec<context::SourceView>,
    /// The sources by document.
    source_docs: Vec<context::SourceDocView>,
    /// Numbered citation notes (body markers, then front-matter sources).
    notes: Vec<citations::NoteView>,
    tags: Vec<LinkView>,
    breadcrumbs: Vec<LinkView>,
    updated: String,
    /// `updated` written out: "23. november 2026".
    updated_display: String,
    draft: bool,
    word_count: usize,
    /// Change notes (`endringer:`), newest first.
    changes: Vec<changes::ChangeView>,
    /// The newest change note, shown under the title.
    latest_change: Option<changes::ChangeView>,
}

/// `body` is the page's rendered Markdown (`page.body.html`, or the same text taken out of the
/// graph by [`render_releasing`]).
fn page_view(
    input: &RenderInput<'_>,
    views: &Views<'_>,
    ix: PageIx,
    page: &Page,
    body: &str,
) -> PageView {
    let graph = input.graph;
    let kind = page.kind.clone().unwrap_or_default();
    let mut breadcrumbs = vec![LinkView {
        title: "Forside".into(),
        url: views.url(""),
    }];
    if let Some(section) = page.kind.as_deref().and_then(|k| graph.section_of(k)) {
        breadcrumbs.push(LinkView {
            title: section.plural.clone(),
            url: views.url(&graph::section_url(&section.section)),
        });
    }
    let fields: Vec<context::FieldView> = page
        .fields
        .keys()
        .filter_map(|f| views.field(page, f))
        .collect();
    let field_map = fields.iter().map(|f| (f.name.clone(), f.clone())).collect();
    let facts = fields.iter().filter(|f| !f.relation).cloned().collect();
    let forward = graph.relations.get(ix).map_or(&[][..], Vec::as_slice);
    let backward = graph.backlinks.get(ix).map_or(&[][..], Vec::as_slice);
    let related = related::by_kind(graph, input.config, views, forward, backward);
    let kind_label = views.kind_label(&kind);
    let changes = changes::page_changes(page);
    let relation_map = relation_map::plan(&page.title, &kind_label, &related)
        .map(|m| relation_map::render(&m))
        .unwrap_or_default();
    PageView {
        id: page.id.clone(),
        title: page.title.clone(),
        summary: page.summary.clone().unwrap_or_default(),
        kind_label,
        kind,
        code: crate::page::code_of(input.config, page).unwrap_or_default(),
        content: fill_placeholders(
            body,
            graph.links.get(ix).map_or(&[][..], Vec::as_slice),
            graph.citations.get(ix),
            views,
        ),
        toc: Views::toc(page),
        fields,
        facts,
        field_map,
        relations: views.groups(forward),
        backlinks: views.groups(backward),
        related,
        relation_map,
        cited_by: graph
            .cited_by
            .get(ix)
            .map(|c| c.iter().map(|&p| views.item(p)).collect())
            .unwrap_or_default(),
        sources: views.sources(page),
        source_docs: views.source_docs(page),
        notes: views.notes(graph.citations.get(ix)),
        tags: page
            .tags
            .iter()
            .map(|t| LinkView {
                title: t.clone(),
                url: views.url(&graph::tag_url(&crate::vocab::slugify(t))),
            })
            .collect(),
        breadcrumbs,
        updated: page.updated.clone().unwrap_or_default(),
        updated_display: page
            .updated
            .as_deref()
            .map(context::norwegian_date)
            .unwrap_or_default(),
        draft: page.draft,
        word_count: page.body.word_count,
        latest_change: changes.first().cloned(),
        changes,
    }
}

/// Replaces link placeholders in rendered Markdown with URLs and titles, and citation
/// placeholders with note references.
pub fn fill_placeholders(
    html: &str,
    links: &[graph::ResolvedLink],
    cites: Option<&graph::PageCitations>,
    views: &Views<'_>,
) -> String {
    if !html.contains('\0') {
        return html.to_owned();
    }
    let mut out = String::with_capacity(html.len() + 64);
    let mut parts = html.split('\0');
    out.push_str(parts.next().unwrap_or_default());
    let mut markers = citations::MarkerCounter::default();
    // Placeholders alternate with text: text \0 L3 \0 text \0 T3 \0 text …
    while let (Some(ph), Some(text)) = (parts.next(), parts.next()) {
        let (what, n) = ph.split_at(1.min(ph.len()));
        let link = n.parse::<usize>().ok().and_then(|n| links.get(n));
        match (what, link) {
            ("L", Some(l)) => out.push_str(&escape_attr(
                &l.url
                    .as_deref()
                    .map_or_else(|| "#".to_owned(), |u| views.url(u)),
            )),
            ("T", Some(l)) => out.push_str(&escape_attr(&l.title)),
            ("C", _) => {
                if let Ok(k) = n.parse::<usize>() {
                    out.push_str(&markers.marker(views, cites, k));
                }
            }
            _ => {}
        }
        out.push_str(text);
    }
    out
}

/// Renders the entry page `page` (at `ix` in the graph).
pub fn render_entry(input: &RenderInput<'_>, ix: PageIx, page: &Page) -> Rendered {
    render_entry_with(input, ix, page, &page.body.html)
}

fn render_entry_with(input: &RenderInput<'_>, ix: PageIx, page: &Page, body: &str) -> Rendered {
    let views = Views::new(input.graph, input.config, &page.url);
    let mut ctx = base_context(input, &views, &page.url, &page.title);
    ctx.insert("page", &page_view(input, &views, ix, page, body));
    let template = page
        .kind
        .as_deref()
        .map(|k| format!("{k}.html"))
        .filter(|t| input.theme.has(t))
        .unwrap_or_else(|| "page.html".to_owned());
    Ok(Produced::new(OutputFile::html(
        &page.url,
        input.theme.render(&template, &ctx, input.theme_sources)?,
    )))
}

#[derive(Serialize)]
struct SectionView {
    kind: String,
    label: String,
    plural: String,
    summary: String,
    intro: String,
    /// Citation notes of the intro.
    notes: Vec<citations::NoteView>,
    columns: Vec<LinkView>,
    rows: Vec<RowView>,
}

#[derive(Serialize)]
struct RowView {
    item: ItemView,
    cells: Vec<Option<context::FieldView>>,
}

fn render_section(
    input: &RenderInput<'_>,
    section: &graph::Section,
) -> Result<OutputFile, Diagnostic> {
    let graph = input.graph;
    let url = graph::section_url(&section.section);
    let views = Views::new(graph, input.config, &url);
    let kind = &input.config.kinds[&section.kind];
    let index = section.index_page.map(|i| &graph.pages[i]);
    let columns: Vec<LinkView> = kind
        .columns
        .iter()
        .map(|c| LinkView {
            title: match c.as_str() {
                "summary" => "Sammendrag".to_owned(),
                "updated" => "Sist oppdatert".to_owned(),
                _ => kind
                    .fields
                    .get(c)
                    .map_or_else(|| c.clone(), |f| f.label(c).to_owned()),
            },
            url: c.clone(),
        })
        .collect();
    let rows = section
        .members
        .iter()
        .map(|&ix| {
            let page = &graph.pages[ix];
            RowView {
                item: views.item(ix),
                cells: kind.columns.iter().map(|c| views.field(page, c)).collect(),
            }
        })
        .collect();
    let view = SectionView {
        kind: section.kind.clone(),
        label: section.label.clone(),
        plural: section.plural.clone(),
        summary: index.and_then(|p| p.summary.clone()).unwrap_or_default(),
        intro: index
            .map(|p| {
                let ix = graph.by_id[&p.id];
                fill_placeholders(
                    &p.body.html,
                    &graph.links[ix],
                    graph.citations.get(ix),
                    &views,
                )
            })
            .unwrap_or_default(),
        notes: index
            .map(|p| views.notes(graph.citations.get(graph.by_id[&p.id])))
            .unwrap_or_default(),
        columns,
        rows,
    };
    let title = index.map_or_else(|| section.plural.clone(), |p| p.title.clone());
    let mut ctx = base_context(input, &views, &url, &title);
    ctx.insert("section", &view);
    Ok(OutputFile::html(
        &url,
        input
            .theme
            .render("section.html", &ctx, input.theme_sources)?,
    ))
}

fn render_tag(input: &RenderInput<'_>, tag: &graph::TagGroup) -> Result<OutputFile, Diagnostic> {
    let url = graph::tag_url(&tag.slug);
    let views = Views::new(input.graph, input.config, &url);
    let mut ctx = base_context(input, &views, &url, &tag.name);
    ctx.insert(
        "tag",
        &TagView {
            name: tag.name.clone(),
            url: String::new(),
            count: tag.pages.len(),
            items: tag.pages.iter().map(|&p| views.item(p)).collect(),
        },
    );
    Ok(OutputFile::html(
        &url,
        input.theme.render("tag.html", &ctx, input.theme_sources)?,
    ))
}

#[derive(Serialize)]
struct TagView {
    name: String,
    url: String,
    count: usize,
    items: Vec<ItemView>,
}

fn render_tags_index(input: &RenderInput<'_>) -> Result<OutputFile, Diagnostic> {
    let url = graph::TAGS_URL;
    let views = Views::new(input.graph, input.config, url);
    let tags: Vec<TagView> = input
        .graph
        .tags
        .iter()
        .map(|t| TagView {
            name: t.name.clone(),
            url: views.url(&graph::tag_url(&t.slug)),
            count: t.pages.len(),
            items: Vec::new(),
        })
        .collect();
    let mut ctx = base_context(input, &views, url, "Emner");
    ctx.insert("tags", &tags);
    Ok(OutputFile::html(
        url,
        input.theme.render("tags.html", &ctx, input.theme_sources)?,
    ))
}

#[derive(Serialize)]
struct OverviewView {
    title: String,
    /// Heading of the row column (the row field's label).
    row_label: String,
    columns: Vec<String>,
    rows: Vec<OverviewRow>,
    /// Pages of the kind without a row (e.g. national measures).
    other: Vec<ItemView>,
    other_label: String,
}

#[derive(Serialize)]
struct OverviewRow {
    item: ItemView,
    cells: Vec<Vec<ItemView>>,
}

#[derive(Serialize)]
struct SectionSummary {
    title: String,
    url: String,
    count: usize,
    summary: String,
}

fn render_home(input: &RenderInput<'_>) -> Result<OutputFile, Diagnostic> {
    let graph = input.graph;
    let views = Views::new(graph, input.config, "");
    let home = graph.home.map(|i| &graph.pages[i]);
    let title = home.map_or_else(|| input.config.title.clone(), |p| p.title.clone());
    let mut ctx = base_context(input, &views, "", &title);
    if let Some(ix) = graph.home {
        let page = &graph.pages[ix];
        ctx.insert("page", &page_view(input, &views, ix, page, &page.body.html));
    }
    let sections: Vec<SectionSummary> = graph
        .sections
        .iter()
        .map(|s| SectionSummary {
            title: s.plural.clone(),
            url: views.url(&graph::section_url(&s.section)),
            count: s.members.len(),
            summary: s
                .index_page
                .and_then(|i| graph.pages[i].summary.clone())
                .unwrap_or_default(),
        })
        .collect();
    ctx.insert("sections", &sections);
    ctx.insert("overview", &overview(input, &views));
    let plain: Vec<ItemView> = graph.plain_pages.iter().map(|&i| views.item(i)).collect();
    ctx.insert("plain_pages", &plain);
    Ok(OutputFile::html(
        "",
        input.theme.render("home.html", &ctx, input.theme_sources)?,
    ))
}

fn overview(input: &RenderInput<'_>, views: &Views<'_>) -> Option<OverviewView> {
    let def = input.config.overview.as_ref()?;
    let graph = input.graph;
    let kind = input.config.kinds.get(&def.kind)?;
    let col_def = kind.fields.get(&def.columns)?;
    let row_kind = kind.fields.get(&def.rows)?.to.clone();
    let section = graph.section_of(&def.kind)?;
    let mut rows: Vec<(PageIx, Vec<Vec<ItemView>>)> = Vec::new();
    let mut other = Vec::new();
    if let Some(rk) = row_kind.as_deref().and_then(|k| graph.section_of(k)) {
        rows = rk
            .members
            .iter()
            .map(|&r| (r, vec![Vec::new(); col_def.values.len()]))
            .collect();
    }
    for &m in &section.members {
        let page = &graph.pages[m];
        let row = page
            .fields
            .get(&def.rows)
            .and_then(|v| v.ids().first().and_then(|id| graph.by_id.get(*id)).copied());
        let col = page
            .fields
            .get(&def.columns)
            .and_then(|v| col_def.values.iter().position(|x| *x == v.display()));
        match (
            row.and_then(|r| rows.iter_mut().find(|(ri, _)| *ri == r)),
            col,
        ) {
            (Some((_, cells)), Some(c)) => cells[c].push(views.item(m)),
            _ => other.push(views.item(m)),
        }
    }
    rows.sort_by_key(|r| graph.title_rank[r.0]);
    Some(OverviewView {
        title: def.title.clone(),
        row_label: kind.fields[&def.rows].label(&def.rows).to_owned(),
        columns: col_def
            .values
            .iter()
            .map(|v| col_def.value_label(v).to_owned())
            .collect(),
        rows: rows
            .into_iter()
            .map(|(r, cells)| OverviewRow {
                item: views.item(r),
                cells,
            })
            .collect(),
        other_label: format!(
            "{} uten {}",
            section.plural,
            kind.fields[&def.rows].label(&def.rows).to_lowercase()
        ),
        other,
    })
}

#[derive(Serialize)]
struct LetterGroup {
    letter: String,
    items: Vec<ItemView>,
}

/// `/endringer/`: every change note of the site, newest first.
fn render_changes(input: &RenderInput<'_>) -> Result<OutputFile, Diagnostic> {
    let url = graph::CHANGES_URL;
    let views = Views::new(input.graph, input.config, url);
    let mut ctx = base_context(input, &views, url, "Endringer");
    ctx.insert("changes", &changes::entries(input.graph, &views));
    Ok(OutputFile::html(
        url,
        input
            .theme
            .render("endringer.html", &ctx, input.theme_sources)?,
    ))
}

fn render_search(input: &RenderInput<'_>) -> Result<OutputFile, Diagnostic> {
    let graph = input.graph;
    let url = graph::SEARCH_URL;
    let views = Views::new(graph, input.config, url);
    let mut entries: Vec<PageIx> = graph
        .pages
        .iter()
        .enumerate()
        .filter(|(_, p)| p.role == PageRole::Entry)
        .map(|(i, _)| i)
        .collect();
    graph.sort_by_title(&mut entries);
    let mut groups: Vec<LetterGroup> = Vec::new();
    for ix in entries {
        let letter = first_letter(&graph.pages[ix].title);
        match groups.last_mut() {
            Some(g) if g.letter == letter => g.items.push(views.item(ix)),
            _ => groups.push(LetterGroup {
                letter,
                items: vec![views.item(ix)],
            }),
        }
    }
    let mut ctx = base_context(input, &views, url, "Søk");
    ctx.insert("az", &groups);
    Ok(OutputFile::html(
        url,
        input
            .theme
            .render("search.html", &ctx, input.theme_sources)?,
    ))
}

/// The letter a title is listed under in the A–Z list (`Å` stays `Å`; digits under `0–9`).
fn first_letter(title: &str) -> String {
    match title.chars().find(|c| c.is_alphanumeric()) {
        Some(c) if c.is_numeric() => "0–9".to_owned(),
        Some(c) => {
            let upper: String = c.to_uppercase().collect();
            match upper.as_str() {
                "Æ" | "Ø" | "Å" => upper,
                _ => deunicode::deunicode(&upper)
                    .chars()
                    .next()
                    .map_or(upper, |c| c.to_string()),
            }
        }
        None => "#".to_owned(),
    }
}

fn render_404(input: &RenderInput<'_>) -> Result<OutputFile, Diagnostic> {
    // Served at any depth, so its links are absolute from the site root's path.
    let views = Views {
        graph: input.graph,
        config: input.config,
        root: input.config.base_path(),
    };
    let ctx = base_context(input, &views, "404.html", "Fant ikke siden");
    Ok(OutputFile {
        path: "404.html".into(),
        bytes: input
            .theme
            .render("404.html", &ctx, input.theme_sources)?
            .into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_letters_keep_norwegian_letters() {
        assert_eq!(first_letter("Årlig møte"), "Å");
        assert_eq!(first_letter("«Arbeidspuls»"), "A");
        assert_eq!(first_letter("14 dager"), "0–9");
        assert_eq!(first_letter("Éclair"), "E");
    }
}
