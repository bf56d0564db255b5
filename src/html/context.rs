//! View models handed to the templates: plain serialisable values, every URL already relative to
//! the page being rendered (so the site works under any path and from `file://`), every piece of
//! user text still unescaped (Tera escapes it) except `content`, which is trusted HTML.

use serde::Serialize;

use crate::config::{Config, FieldType};
use crate::graph::{PageIx, RelationGroup, SiteGraph};
use crate::page::FieldValue;
use crate::page::{Page, code_of};

/// Settings every template sees as `site`.
#[derive(Debug, Clone, Serialize)]
pub(super) struct SiteView {
    pub title: String,
    pub description: String,
    pub language: String,
    pub base_url: String,
}

/// A link to another page.
#[derive(Debug, Clone, Serialize)]
pub struct ItemView {
    pub id: String,
    pub title: String,
    pub url: String,
    pub kind: String,
    pub kind_label: String,
    pub summary: String,
    pub code: String,
    pub draft: bool,
}

/// A plain link.
#[derive(Debug, Clone, Serialize)]
pub(super) struct LinkView {
    pub title: String,
    pub url: String,
}

/// One row of the fact box or one cell of an index table.
#[derive(Debug, Clone, Serialize)]
pub struct FieldView {
    pub name: String,
    pub label: String,
    /// Display text (empty for relation fields, which use `links`).
    pub text: String,
    /// The value as written in the front matter: an enum's value, not its label, so a template
    /// can test it (`cell.value == "gjeldende"`) without breaking when the label is reworded.
    /// Empty for relation fields.
    pub value: String,
    pub links: Vec<ItemView>,
    /// A `ref`/`refs` field.
    pub relation: bool,
}

/// Related pages under a heading.
#[derive(Debug, Clone, Serialize)]
pub struct GroupView {
    pub label: String,
    pub items: Vec<ItemView>,
}

/// One cited source.
#[derive(Debug, Clone, Serialize)]
pub struct SourceView {
    pub title: String,
    pub url: String,
    pub section: String,
    pub lines: String,
    pub note: String,
}

/// One cited document and the places in it that a page rests on.
#[derive(Debug, Clone, Serialize)]
pub struct SourceDocView {
    pub title: String,
    pub url: String,
    pub places: Vec<SourcePlaceView>,
}

/// One place in a cited document.
#[derive(Debug, Clone, Serialize)]
pub struct SourcePlaceView {
    /// Section and lines in words: "avsnitt 3.1.3, linje 1979–1983", or "Sammendrag".
    pub location: String,
    pub note: String,
}

/// A heading of the page, for the table of contents.
#[derive(Debug, Clone, Serialize)]
pub struct TocEntry {
    pub level: u8,
    pub id: String,
    pub text: String,
}

/// Builds view models relative to one page's location.
pub struct Views<'a> {
    pub graph: &'a SiteGraph,
    pub config: &'a Config,
    /// Prefix from the current page to the site root (`../../`, or `/` for 404).
    pub root: String,
}

impl<'a> Views<'a> {
    pub fn new(graph: &'a SiteGraph, config: &'a Config, url: &str) -> Self {
        Self {
            graph,
            config,
            root: root_prefix(url),
        }
    }

    /// A site-relative URL as seen from the current page.
    pub fn url(&self, site_url: &str) -> String {
        if self.root.is_empty() && site_url.is_empty() {
            "./".to_owned()
        } else {
            format!("{}{site_url}", self.root)
        }
    }

    pub fn item(&self, ix: PageIx) -> ItemView {
        let page = &self.graph.pages[ix];
        let kind = page.kind.clone().unwrap_or_default();
        ItemView {
            id: page.id.clone(),
            title: page.title.clone(),
            url: self.url(&page.url),
            kind_label: self.kind_label(&kind),
            kind,
            summary: page.summary.clone().unwrap_or_default(),
            code: code_of(self.config, page).unwrap_or_default(),
            draft: page.draft,
        }
    }

    pub fn kind_label(&self, kind: &str) -> String {
        self.config
            .kinds
            .get(kind)
            .map_or_else(String::new, |k| k.label(kind).to_owned())
    }

    pub fn groups(&self, groups: &[RelationGroup]) -> Vec<GroupView> {
        groups
            .iter()
            .map(|g| GroupView {
                label: g.label.clone(),
                items: g.pages.iter().map(|&p| self.item(p)).collect(),
            })
            .collect()
    }

    /// The value of `field` on `page`, for the fact box or a table cell.
    pub fn field(&self, page: &Page, field: &str) -> Option<FieldView> {
        let label_of = |name: &str| -> String {
            match name {
                "summary" => "Sammendrag".to_owned(),
                "updated" => "Sist oppdatert".to_owned(),
                _ => page
                    .kind
                    .as_deref()
                    .and_then(|k| self.config.kinds.get(k))
                    .and_then(|k| k.fields.get(name))
                    .map_or_else(|| name.to_owned(), |f| f.label(name).to_owned()),
            }
        };
        let (text, value) = match field {
            "summary" => page.summary.clone().map(|s| (s.clone(), s))?,
            "updated" => page.updated.clone().map(|s| (s.clone(), s))?,
            _ => {
                let value = page.fields.get(field)?;
                let def = page
                    .kind
                    .as_deref()
                    .and_then(|k| self.config.kinds.get(k))
                    .and_then(|k| k.fields.get(field));
                if def.is_some_and(|d| d.ty.is_relation()) {
                    let links = value
                        .ids()
                        .iter()
                        .filter_map(|id| self.graph.by_id.get(*id))
                        .map(|&ix| self.item(ix))
                        .collect();
                    return Some(FieldView {
                        name: field.to_owned(),
                        label: label_of(field),
                        text: String::new(),
                        value: String::new(),
                        links,
                        relation: true,
                    });
                }
                let written = value.display();
                match (value, def) {
                    (FieldValue::Text(s), Some(d)) if d.ty == FieldType::Enum => {
                        (d.value_label(s).to_owned(), written)
                    }
                    _ => (written.clone(), written),
                }
            }
        };
        Some(FieldView {
            name: field.to_owned(),
            label: label_of(field),
            text,
            value,
            links: Vec::new(),
            relation: false,
        })
    }

    pub fn sources(&self, page: &Page) -> Vec<SourceView> {
        page.sources
            .iter()
            .map(|s| {
                let target = self
                    .graph
                    .by_id
                    .get(&s.source)
                    .map(|&i| &self.graph.pages[i]);
                SourceView {
                    title: target.map_or_else(|| s.source.clone(), |p| p.title.clone()),
                    url: target.map(|p| self.url(&p.url)).unwrap_or_default(),
                    section: s.section.clone().unwrap_or_default(),
                    lines: s.lines.clone().unwrap_or_default(),
                    note: s.note.clone().unwrap_or_default(),
                }
            })
            .collect()
    }

    /// The page's sources, one entry per document in the order first cited.
    pub fn source_docs(&self, page: &Page) -> Vec<SourceDocView> {
        let mut docs: Vec<(String, SourceDocView)> = Vec::new();
        for s in &page.sources {
            let place = SourcePlaceView {
                location: source_location(s.section.as_deref(), s.lines.as_deref()),
                note: s.note.clone().unwrap_or_default(),
            };
            if let Some((_, doc)) = docs.iter_mut().find(|(id, _)| *id == s.source) {
                doc.places.push(place);
                continue;
            }
            let target = self
                .graph
                .by_id
                .get(&s.source)
                .map(|&i| &self.graph.pages[i]);
            docs.push((
                s.source.clone(),
                SourceDocView {
                    title: target.map_or_else(|| s.source.clone(), |p| p.title.clone()),
                    url: target.map(|p| self.url(&p.url)).unwrap_or_default(),
                    places: vec![place],
                },
            ));
        }
        docs.into_iter().map(|(_, d)| d).collect()
    }

    pub fn toc(page: &Page) -> Vec<TocEntry> {
        page.body
            .headings
            .iter()
            .filter(|h| h.level <= 3)
            .map(|h| TocEntry {
                level: h.level,
                id: h.id.clone(),
                text: h.text.clone(),
            })
            .collect()
    }
}

/// `2026-11-23` → `23. november 2026` (input already checked by the page stage).
pub(super) fn norwegian_date(date: &str) -> String {
    const MONTHS: [&str; 12] = [
        "januar",
        "februar",
        "mars",
        "april",
        "mai",
        "juni",
        "juli",
        "august",
        "september",
        "oktober",
        "november",
        "desember",
    ];
    let mut parts = date.splitn(3, '-');
    let (Some(y), Some(m), Some(d)) = (parts.next(), parts.next(), parts.next()) else {
        return date.to_owned();
    };
    match (m.parse::<usize>(), d.parse::<u32>()) {
        (Ok(m @ 1..=12), Ok(d)) => format!("{d}. {} {y}", MONTHS[m - 1]),
        _ => date.to_owned(),
    }
}

/// Where in a document: `3.1.3` + `1979-1983` → "avsnitt 3.1.3, linje 1979–1983"; a section
/// that is a name rather than a number ("Sammendrag") is kept as written.
pub(super) fn source_location(section: Option<&str>, lines: Option<&str>) -> String {
    let mut parts = Vec::new();
    if let Some(s) = section.map(str::trim).filter(|s| !s.is_empty()) {
        if s.starts_with(|c: char| c.is_ascii_digit()) {
            parts.push(format!("avsnitt {s}"));
        } else {
            parts.push(s.to_owned());
        }
    }
    if let Some(l) = lines.map(str::trim).filter(|l| !l.is_empty()) {
        parts.push(format!("linje {}", l.replace('-', "–")));
    }
    parts.join(", ")
}

/// `takster/l8/` → `../../`; `` → ``.
pub(super) fn root_prefix(url: &str) -> String {
    "../".repeat(url.matches('/').count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_written_out_in_norwegian() {
        assert_eq!(norwegian_date("2026-11-03"), "3. november 2026");
    }

    #[test]
    fn source_locations_read_as_words() {
        assert_eq!(
            source_location(Some("3.1.3"), Some("1979-1983")),
            "avsnitt 3.1.3, linje 1979–1983"
        );
        assert_eq!(source_location(Some("Sammendrag"), None), "Sammendrag");
        assert_eq!(source_location(None, Some("12")), "linje 12");
        assert_eq!(source_location(Some(" "), None), "");
    }

    #[test]
    fn root_prefix_climbs_one_level_per_segment() {
        assert_eq!(root_prefix(""), "");
        assert_eq!(root_prefix("takster/"), "../");
        assert_eq!(root_prefix("takster/l8/"), "../../");
    }
}
