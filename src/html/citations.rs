//! Citation notes as the templates see them, and the note references that replace the body's
//! citation placeholders (`\0C<n>\0`).
//!
//! In: a page's resolved [`PageCitations`] (from `graph::citations`). Out: a superscript link per
//! marker (`<sup class="cite"><a href="#fn-3" id="fnref-3-1">3</a></sup>`) and a [`NoteView`] per
//! note for `partials/citations.html`: the quotation, the document (linked to its page), the
//! section, lines and printed pages, and links back to every marker citing it.

use crate::graph::{Note, PageCitations, Passage};
use crate::html::context::{Views, source_location};

/// One note of the "Kilder" list.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NoteView {
    pub number: usize,
    /// Anchor of the note (`fn-3`).
    pub id: String,
    /// Title of the source document.
    pub title: String,
    /// Link to the source's page (empty when the source is not a page).
    pub url: String,
    /// Where in the document, for a note without a quotation ("avsnitt 3.1.3, linje 12–14").
    pub location: String,
    /// The editor's note on the source (`note:` in front matter).
    pub note: String,
    pub passages: Vec<PassageView>,
    /// Anchors of the markers citing this note, in order (`fnref-3-1`, `fnref-3-2`).
    pub backrefs: Vec<String>,
}

/// One quoted passage of a note.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PassageView {
    /// "3.3.4 Kristiansand, linje 3360–3372, s. 49".
    pub location: String,
    pub paragraphs: Vec<QuoteView>,
    /// Whether lines of the passage are left out of the quotation.
    pub shortened: bool,
}

/// A paragraph of a quotation, or the gap where lines are left out.
#[derive(Debug, Clone, serde::Serialize)]
pub struct QuoteView {
    pub text: String,
    pub gap: bool,
}

fn note_id(number: usize) -> String {
    format!("fn-{number}")
}

fn backref_id(number: usize, occurrence: usize) -> String {
    format!("fnref-{number}-{occurrence}")
}

impl Views<'_> {
    fn note_title(&self, note: &Note) -> String {
        note.source.map_or_else(
            || note.source_id.clone(),
            |ix| self.graph.pages[ix].title.clone(),
        )
    }

    /// The notes of a page, numbered from 1.
    pub fn notes(&self, cites: Option<&PageCitations>) -> Vec<NoteView> {
        let Some(cites) = cites else {
            return Vec::new();
        };
        cites
            .notes
            .iter()
            .enumerate()
            .map(|(i, note)| {
                let number = i + 1;
                let passages: Vec<PassageView> = note
                    .passages
                    .iter()
                    .map(|p| passage_view(p, note.section.as_deref()))
                    .collect();
                NoteView {
                    number,
                    id: note_id(number),
                    title: self.note_title(note),
                    url: note
                        .source
                        .map(|ix| self.url(&self.graph.pages[ix].url))
                        .unwrap_or_default(),
                    location: if passages.is_empty() {
                        source_location(note.section.as_deref(), note.lines.as_deref())
                    } else {
                        String::new()
                    },
                    note: note.note.clone().unwrap_or_default(),
                    passages,
                    backrefs: (1..=note.markers).map(|o| backref_id(number, o)).collect(),
                }
            })
            .collect()
    }
}

fn passage_view(p: &Passage, written_section: Option<&str>) -> PassageView {
    let mut parts = Vec::new();
    match (&p.section, written_section) {
        (Some(s), _) => parts.push(s.clone()),
        (None, Some(s)) => parts.push(source_location(Some(s), None)),
        (None, None) => {}
    }
    parts.push(format!("linje {}", p.lines));
    match p.pages {
        Some((a, b)) if a == b => parts.push(format!("s. {a}")),
        Some((a, b)) => parts.push(format!("s. {a}–{b}")),
        None => {}
    }
    PassageView {
        location: parts.join(", "),
        shortened: p.quote.iter().any(Option::is_none),
        paragraphs: p
            .quote
            .iter()
            .map(|q| QuoteView {
                text: q.clone().unwrap_or_else(|| "[…]".to_owned()),
                gap: q.is_none(),
            })
            .collect(),
    }
}

/// Numbers given out so far per note, while a page's placeholders are filled in order.
#[derive(Default)]
pub(super) struct MarkerCounter {
    seen: Vec<usize>,
}

impl MarkerCounter {
    /// The note reference for body marker `k`, or nothing when it did not resolve (its problem
    /// is reported by `check`).
    pub(super) fn marker(
        &mut self,
        views: &Views<'_>,
        cites: Option<&PageCitations>,
        k: usize,
    ) -> String {
        let Some((n, note)) = cites.and_then(|c| {
            let n = *c.markers.get(k)?;
            Some((n, c.notes.get(n)?))
        }) else {
            return String::new();
        };
        if self.seen.len() <= n {
            self.seen.resize(n + 1, 0);
        }
        self.seen[n] += 1;
        let number = n + 1;
        let lines = note
            .passages
            .first()
            .map(|p| format!(", linje {}", p.lines))
            .unwrap_or_default();
        format!(
            "<sup class=\"cite\"><a href=\"#{}\" id=\"{}\" title=\"{}{}\"><span class=\"visually-hidden\">Kilde </span>{number}</a></sup>",
            note_id(number),
            backref_id(number, self.seen[n]),
            crate::vocab::escape_attr(&views.note_title(note)),
            lines,
        )
    }
}
