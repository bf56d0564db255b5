//! "What changed": the change notes editors write in front matter (`endringer:`), gathered into
//! the `/endringer/` page and the Atom feed `/endringer.xml`, newest first.
//!
//! In: the site graph (each page's `changes`, already checked and sorted by the page stage).
//! Out: view models for the `endringer.html` template and the feed's bytes. Nothing is derived
//! from file times: a page without notes simply does not appear.

use std::fmt::Write as _;

use serde::Serialize;

use crate::config::Config;
use crate::graph::{self, PageIx, SiteGraph};
use crate::html::context::{ItemView, Views, norwegian_date};
use crate::page::PageRole;
use crate::vocab::OutputFile;
use crate::vocab::escape_attr;

/// Site path of the feed.
pub(super) const FEED_PATH: &str = "endringer.xml";

/// Most entries the feed carries; the page lists every note.
pub(super) const FEED_ENTRIES: usize = 50;

/// One change note, as templates see it.
#[derive(Debug, Clone, Serialize)]
pub(super) struct ChangeView {
    /// `2026-12-01`.
    pub date: String,
    /// `1. desember 2026`.
    pub date_display: String,
    pub text: String,
}

/// One change note on the `/endringer/` page: the note and the page it belongs to.
#[derive(Debug, Clone, Serialize)]
pub(super) struct ChangeEntryView {
    pub date: String,
    pub date_display: String,
    pub text: String,
    pub item: ItemView,
    /// Id of the note's element on `/endringer/` (also the feed entry's id fragment).
    pub anchor: String,
}

/// A page's notes for its own template, newest first.
pub(super) fn page_changes(page: &crate::page::Page) -> Vec<ChangeView> {
    page.changes
        .iter()
        .map(|c| ChangeView {
            date: c.dato.clone(),
            date_display: norwegian_date(&c.dato),
            text: c.tekst.trim().to_owned(),
        })
        .collect()
}

/// Every note of the site, newest first; on the same date by page title, then as written.
fn all_notes(graph: &SiteGraph) -> Vec<(PageIx, usize, String)> {
    let mut notes: Vec<(PageIx, usize, String)> = Vec::new();
    for (ix, page) in graph.pages.iter().enumerate() {
        if page.role == PageRole::SectionIndex {
            continue;
        }
        for (n, c) in page.changes.iter().enumerate() {
            let same_day_before = page.changes[..n]
                .iter()
                .filter(|p| p.dato == c.dato)
                .count();
            let anchor = if same_day_before == 0 {
                format!("{}-{}", page.id, c.dato)
            } else {
                format!("{}-{}-{}", page.id, c.dato, same_day_before + 1)
            };
            notes.push((ix, n, anchor));
        }
    }
    notes.sort_by(|a, b| {
        let (pa, pb) = (&graph.pages[a.0], &graph.pages[b.0]);
        pb.changes[b.1]
            .dato
            .cmp(&pa.changes[a.1].dato)
            .then_with(|| pa.title.cmp(&pb.title))
            .then_with(|| a.1.cmp(&b.1))
    });
    notes
}

/// The notes of the `/endringer/` page.
pub(super) fn entries(graph: &SiteGraph, views: &Views<'_>) -> Vec<ChangeEntryView> {
    all_notes(graph)
        .into_iter()
        .map(|(ix, n, anchor)| {
            let c = &graph.pages[ix].changes[n];
            ChangeEntryView {
                date: c.dato.clone(),
                date_display: norwegian_date(&c.dato),
                text: c.tekst.trim().to_owned(),
                item: views.item(ix),
                anchor,
            }
        })
        .collect()
}

/// `/endringer.xml`: an Atom 1.0 feed (RFC 4287) of the newest notes. A note has a date, not a
/// time, so entries are stamped at midnight UTC. The feed's `updated` is its newest note, or —
/// for a site without notes — the newest `updated:` of any page, so it never depends on when the
/// build ran.
pub(super) fn feed(graph: &SiteGraph, config: &Config) -> OutputFile {
    let base = config.base_url();
    let notes = all_notes(graph);
    let newest = notes
        .first()
        .map(|&(ix, n, _)| graph.pages[ix].changes[n].dato.clone())
        .or_else(|| graph.pages.iter().filter_map(|p| p.updated.clone()).max())
        .unwrap_or_else(|| "1970-01-01".to_owned());
    let changes_page = format!("{base}/{}", graph::CHANGES_URL);
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    let _ = write!(
        xml,
        "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{lang}\">\n  <title>Endringer – {title}</title>\n  <subtitle>Sider der innholdet er endret, nyeste først.</subtitle>\n  <id>{id}</id>\n  <link rel=\"self\" type=\"application/atom+xml\" href=\"{this}\"/>\n  <link rel=\"alternate\" type=\"text/html\" href=\"{id}\"/>\n  <updated>{newest}T00:00:00Z</updated>\n  <author><name>{title}</name></author>\n  <generator>veiviser</generator>\n",
        lang = escape_attr(&config.language),
        title = escape_attr(&config.title),
        id = escape_attr(&changes_page),
        this = escape_attr(&format!("{base}/{FEED_PATH}")),
        newest = escape_attr(&newest),
    );
    for (ix, n, anchor) in notes.into_iter().take(FEED_ENTRIES) {
        let page = &graph.pages[ix];
        let c = &page.changes[n];
        let _ = write!(
            xml,
            "  <entry>\n    <title>{title}</title>\n    <link rel=\"alternate\" type=\"text/html\" href=\"{href}\"/>\n    <id>{id}</id>\n    <updated>{date}T00:00:00Z</updated>\n    <summary>{text}</summary>\n  </entry>\n",
            title = escape_attr(&page.title),
            href = escape_attr(&format!("{base}/{}", page.url)),
            id = escape_attr(&format!("{changes_page}#{anchor}")),
            date = escape_attr(&c.dato),
            text = escape_attr(c.tekst.trim()),
        );
    }
    xml.push_str("</feed>\n");
    OutputFile {
        path: FEED_PATH.into(),
        bytes: xml.into(),
    }
}
