//! [`SiteGraph`] → the pages the index is made of, in index order, with their facets.
//!
//! A search page holds what is searched and shown: title, code, keywords, summary and one
//! section per heading (section 0 is the lead: the text before the first heading). Pages are
//! ordered by kind (navigation order; plain pages last), then by filter values, then by title,
//! so every combination of kind and filter values is one run of page numbers: the manifest
//! stores those runs instead of a value per page, and filtering and counting never need more.

use std::borrow::Cow;
use std::cmp::Ordering;

use crate::config::{Config, FieldType};
use crate::graph::SiteGraph;
use crate::page::code_of;
use crate::page::{Page, PageRole, TextSection};
use crate::vocab::order;

/// One page as the index sees it.
#[derive(Debug, Clone)]
pub(super) struct SearchPage<'a> {
    pub id: String,
    /// Site-relative URL (`takster/l8/`).
    pub url: String,
    pub title: String,
    pub code: String,
    pub summary: String,
    /// Values of the configured keyword fields.
    pub keywords: Vec<String>,
    /// Index into [`Facets::kinds`].
    pub kind: usize,
    /// Per configured filter: index into its values, or `None`.
    pub filters: Vec<Option<usize>>,
    /// Borrowed from the graph, or taken out of it (a build): the section text is the bulk of a
    /// site and is never copied.
    pub sections: Vec<SearchSection<'a>>,
}

/// A part of a page under one heading; section 0 is the lead (no anchor, no heading).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct SearchSection<'a> {
    pub anchor: Cow<'a, str>,
    pub heading: Cow<'a, str>,
    pub text: Cow<'a, str>,
}

/// A kind as shown in filters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct KindFacet {
    /// Kind name (`takst`); empty for plain pages.
    pub name: String,
    pub label: String,
    pub plural: String,
}

/// A configured filter field and its values, in Norwegian order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct FilterFacet {
    pub name: String,
    pub label: String,
    pub values: Vec<String>,
}

/// The kinds and filters of the site.
#[derive(Debug, Clone, Default)]
pub(super) struct Facets {
    pub kinds: Vec<KindFacet>,
    pub filters: Vec<FilterFacet>,
}

/// Collects the entry pages of `graph` in index order. `taken`: the pages' sections taken out of
/// the graph (by graph page index), which the search pages then own; `None` borrows them.
pub(super) fn collect<'a>(
    graph: &'a SiteGraph,
    config: &Config,
    taken: Option<Vec<Vec<TextSection>>>,
) -> (Vec<SearchPage<'a>>, Facets) {
    let mut kinds: Vec<KindFacet> = config
        .kinds_in_order()
        .into_iter()
        .map(|(name, k)| KindFacet {
            name: name.to_owned(),
            label: k.label(name).to_owned(),
            plural: k.plural(name).to_owned(),
        })
        .collect();
    kinds.push(KindFacet {
        name: String::new(),
        label: "Side".into(),
        plural: "Andre sider".into(),
    });
    let entries: Vec<(usize, &'a Page)> = graph
        .pages
        .iter()
        .enumerate()
        .filter(|(_, p)| p.role == PageRole::Entry)
        .map(|(i, p)| (i, &**p))
        .collect();
    // Filter values as display labels, per page and filter.
    let labels: Vec<Vec<Option<String>>> = entries
        .iter()
        .map(|(_, p)| {
            config
                .search
                .filters
                .iter()
                .map(|f| filter_label(graph, config, p, f))
                .collect()
        })
        .collect();
    let filters: Vec<FilterFacet> = config
        .search
        .filters
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let mut values: Vec<String> = labels.iter().filter_map(|l| l[i].clone()).collect();
            values.sort_by(|a, b| order::compare(a, b));
            values.dedup();
            FilterFacet {
                name: name.clone(),
                label: config
                    .field_def(name)
                    .map_or(name.as_str(), |d| d.label(name))
                    .to_owned(),
                values,
            }
        })
        .collect();
    let mut taken = taken.unwrap_or_default();
    let mut pages: Vec<(u32, SearchPage<'a>)> = entries
        .iter()
        .zip(&labels)
        .map(|(&(ix, page), labels)| {
            let kind = page
                .kind
                .as_deref()
                .and_then(|k| kinds.iter().position(|f| f.name == k))
                .unwrap_or(kinds.len() - 1);
            let filters = labels
                .iter()
                .zip(&filters)
                .map(|(l, f)| {
                    l.as_ref()
                        .and_then(|l| f.values.binary_search_by(|v| order::compare(v, l)).ok())
                })
                .collect();
            let sections = match taken.get_mut(ix) {
                Some(t) => owned_sections(std::mem::take(t)),
                None => borrowed_sections(&page.body.sections),
            };
            (
                graph.title_rank[ix],
                search_page(config, page, kind, filters, sections),
            )
        })
        .collect();
    // By kind, filter values, title (its rank in the graph), id.
    pages.sort_by(|(ra, a), (rb, b)| {
        (a.kind, &a.filters, ra, &a.id).cmp(&(b.kind, &b.filters, rb, &b.id))
    });
    (
        pages.into_iter().map(|(_, p)| p).collect(),
        Facets { kinds, filters },
    )
}

/// The search sections of a page's text sections: section 0 is the lead.
fn borrowed_sections(text: &[TextSection]) -> Vec<SearchSection<'_>> {
    let mut sections = vec![SearchSection::default()];
    for s in text {
        match &s.anchor {
            None => sections[0].text = Cow::Borrowed(&s.text),
            Some(a) => sections.push(SearchSection {
                anchor: Cow::Borrowed(a),
                heading: Cow::Borrowed(&s.heading),
                text: Cow::Borrowed(&s.text),
            }),
        }
    }
    sections
}

/// [`borrowed_sections`], owning the texts.
fn owned_sections(text: Vec<TextSection>) -> Vec<SearchSection<'static>> {
    let mut sections = vec![SearchSection::default()];
    for s in text {
        match s.anchor {
            None => sections[0].text = Cow::Owned(s.text),
            Some(a) => sections.push(SearchSection {
                anchor: Cow::Owned(a),
                heading: Cow::Owned(s.heading),
                text: Cow::Owned(s.text),
            }),
        }
    }
    sections
}

fn search_page<'a>(
    config: &Config,
    page: &'a Page,
    kind: usize,
    filters: Vec<Option<usize>>,
    sections: Vec<SearchSection<'a>>,
) -> SearchPage<'a> {
    let keywords = config
        .search
        .keywords
        .iter()
        .filter_map(|f| page.fields.get(f))
        .flat_map(|v| match v {
            crate::page::FieldValue::List(l) => l.clone(),
            v => vec![v.display()],
        })
        .collect();
    SearchPage {
        id: page.id.clone(),
        url: page.url.clone(),
        title: page.title.clone(),
        code: code_of(config, page).unwrap_or_default(),
        summary: page.summary.clone().unwrap_or_default(),
        keywords,
        kind,
        filters,
        sections,
    }
}

/// The display label of filter field `field` on `page`. A page of a `ref` field's target kind is
/// its own value (the municipality page belongs to its municipality).
fn filter_label(graph: &SiteGraph, config: &Config, page: &Page, field: &str) -> Option<String> {
    let def = config.field_def(field)?;
    if def.ty == FieldType::Ref && def.to.is_some() && page.kind == def.to {
        return Some(short_title(&page.title));
    }
    let value = page.fields.get(field)?;
    match def.ty {
        FieldType::Ref => graph
            .get(value.ids().first()?)
            .map(|p| short_title(&p.title)),
        FieldType::Enum => Some(def.value_label(&value.display()).to_owned()),
        _ => Some(value.display()).filter(|s| !s.is_empty()),
    }
}

/// A title up to its subtitle (`Fredrikstad – smågrupper …` → `Fredrikstad`): filter buttons
/// name the value, not the page.
fn short_title(title: &str) -> String {
    title.split(" – ").next().unwrap_or(title).trim().to_owned()
}

/// Runs of pages sharing kind and filter values: `(first page, kind, filter values)`.
pub(super) fn ranges(pages: &[SearchPage<'_>]) -> Vec<(usize, usize, Vec<Option<usize>>)> {
    let mut out: Vec<(usize, usize, Vec<Option<usize>>)> = Vec::new();
    for (i, p) in pages.iter().enumerate() {
        let same = out
            .last()
            .is_some_and(|(_, k, f)| *k == p.kind && f.cmp(&p.filters) == Ordering::Equal);
        if !same {
            out.push((i, p.kind, p.filters.clone()));
        }
    }
    out
}
