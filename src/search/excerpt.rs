//! The excerpt of a hit: at most [`MAX_WORDS`] words of the best section around the most
//! matched words, as segments to highlight (`<mark>` in the browser, bold in a terminal).

use std::collections::BTreeSet;

use super::analyse;
use super::format::Fragment;

/// Longest excerpt, in words.
pub(super) const MAX_WORDS: usize = 30;
/// Words shown before the first match.
const LEAD: usize = 5;

/// A piece of excerpt text, highlighted or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub text: String,
    pub hit: bool,
}

/// Plain text of `segments`.
pub(super) fn plain(segments: &[Segment]) -> String {
    segments.iter().map(|s| s.text.as_str()).collect()
}

/// The text an excerpt of `section` is taken from: the section's text, for the lead the summary
/// when there is no lead text.
pub(super) fn source_text(f: &Fragment, section: usize) -> &str {
    match f.d.get(section) {
        Some(d) if !d.2.is_empty() => &d.2,
        _ if section == 0 => &f.s,
        _ => "",
    }
}

/// The excerpt of `text` for the matched `words` and compound `parts`.
pub(super) fn excerpt(
    text: &str,
    words: &BTreeSet<String>,
    parts: &BTreeSet<String>,
) -> Vec<Segment> {
    let text = analyse::nfc(text);
    let spans: Vec<(usize, usize, bool)> = {
        let toks: Vec<analyse::Token> = analyse::tokens(&text);
        // Words of the text: non-joined tokens; a hyphenated group counts as one hit if any part
        // or the joined form matched.
        let mut out: Vec<(usize, usize, bool)> = Vec::new();
        for t in &toks {
            let hit = words.contains(&t.text)
                || parts
                    .iter()
                    .any(|p| t.text.len() > p.len() && t.text.contains(p.as_str()));
            if t.joined {
                for s in out.iter_mut().filter(|s| s.0 >= t.start && s.1 <= t.end) {
                    s.2 |= hit;
                }
            } else {
                out.push((t.start, t.end, hit));
            }
        }
        out
    };
    if spans.is_empty() {
        return Vec::new();
    }
    // The window with the most distinct matched words, then the most matches, earliest first.
    let mut best = (0usize, 0usize, 0usize);
    let starts: BTreeSet<usize> = std::iter::once(0)
        .chain(
            spans
                .iter()
                .enumerate()
                .filter(|s| s.1.2)
                .map(|(i, _)| i.saturating_sub(LEAD)),
        )
        .collect();
    for start in starts {
        let end = (start + MAX_WORDS).min(spans.len());
        let hits: Vec<String> = spans[start..end]
            .iter()
            .filter(|s| s.2)
            .map(|s| text[s.0..s.1].to_lowercase())
            .collect();
        let distinct = hits.iter().collect::<BTreeSet<_>>().len();
        if (distinct, hits.len()) > (best.1, best.2) {
            best = (start, distinct, hits.len());
        }
    }
    let start = best.0;
    let end = (start + MAX_WORDS).min(spans.len());
    let mut out = Vec::new();
    let mut push = |text: &str, hit: bool| match out.last_mut() {
        Some(Segment { text: t, hit: h }) if *h == hit => t.push_str(text),
        _ => out.push(Segment {
            text: text.to_owned(),
            hit,
        }),
    };
    if start > 0 {
        push("… ", false);
    }
    let mut at = spans[start].0;
    for s in &spans[start..end] {
        push(&text[at..s.0], false);
        push(&text[s.0..s.1], s.2);
        at = s.1;
    }
    if end < spans.len() {
        push(" …", false);
    } else {
        push(&text[at..], false);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(w: &[&str]) -> BTreeSet<String> {
        w.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn the_window_covers_the_matches_and_marks_them() {
        let text = format!(
            "{} Takst L8 brukes når Nav ber om tilleggsopplysninger. {}",
            "ord ".repeat(40),
            "slutt ".repeat(40)
        );
        let seg = excerpt(
            &text,
            &set(&["l8", "tilleggsopplysninger"]),
            &BTreeSet::new(),
        );
        let plain = plain(&seg);
        assert!(plain.starts_with("… ") && plain.ends_with(" …"), "{plain}");
        assert!(plain.split_whitespace().filter(|w| *w != "…").count() <= MAX_WORDS);
        let marked: Vec<&str> = seg
            .iter()
            .filter(|s| s.hit)
            .map(|s| s.text.as_str())
            .collect();
        assert_eq!(marked, ["L8", "tilleggsopplysninger"]);
    }

    #[test]
    fn compound_parts_and_hyphenated_groups_are_marked() {
        let seg = excerpt(
            "Møtegodtgjørelse og syfo-veileder.",
            &set(&["syfo"]),
            &set(&["godtgjørelse"]),
        );
        let marked: Vec<&str> = seg
            .iter()
            .filter(|s| s.hit)
            .map(|s| s.text.as_str())
            .collect();
        assert_eq!(marked, ["Møtegodtgjørelse", "syfo"]);
    }
}
