//! `anchor_aliases:` in front matter — old heading id → new heading id on the same page.
//!
//! In: the map as written and the page's rendered body. Out: diagnostics for aliases that cannot
//! work, and the body HTML with one empty `<span id="old"></span>` at the start of each target
//! heading, so `/page/#old` lands on the right heading without JavaScript (a fragment targets any
//! element id; a `<span>` is phrasing content, valid inside `<h2>`…`<h6>`). Pure: strings in,
//! strings out.

use indexmap::IndexMap;

use crate::error::{Diagnostic, did_you_mean};
use crate::page::front_matter::Locator;
use crate::page::markdown::{Heading, RESERVED_IDS};
use crate::vocab::slugify;
use crate::yaml::Seg;

/// Reports aliases that are malformed, shadow an anchor the page already has, or point at a
/// heading the page does not have.
pub(super) fn check(
    aliases: &IndexMap<String, String>,
    headings: &[Heading],
    loc: &Locator<'_>,
    diags: &mut Vec<Diagnostic>,
) {
    for (old, new) in aliases {
        let at = [Seg::Key("anchor_aliases"), Seg::Key(old)];
        let span = old.chars().count();
        if slugify(old) != *old || slugify(new) != *new || old.is_empty() || new.is_empty() {
            diags.push(loc.error(
                &at,
                "bad-anchor",
                format!(
                    "anchor alias `{old}: {new}` must use anchor ids (lowercase letters, digits, `-`)"
                ),
                span,
            ));
        } else if headings.iter().any(|h| h.id == *old) || RESERVED_IDS.contains(&old.as_str()) {
            diags.push(
                loc.error(
                    &at,
                    "bad-anchor",
                    format!("anchor alias `{old}` is already an anchor of this page"),
                    span,
                )
                .with_hint(
                    "an anchor alias keeps an id that no heading has any more; remove this entry",
                ),
            );
        } else if !headings.iter().any(|h| h.id == *new) {
            let ids = headings.iter().map(|h| h.id.as_str());
            let hint = did_you_mean(new, ids).unwrap_or_else(|| {
                format!(
                    "headings of this page: {}",
                    headings
                        .iter()
                        .map(|h| format!("#{}", h.id))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            });
            diags.push(
                loc.error(
                    &at,
                    "broken-anchor-alias",
                    format!("anchor alias `{old}: {new}`: this page has no heading #{new}"),
                    span,
                )
                .with_hint(hint),
            );
        }
    }
}

/// Adds an empty target `<span id="old">` at the start of each aliased heading. Aliases that
/// [`check`] refuses are skipped.
pub(super) fn render(html: &str, aliases: &IndexMap<String, String>) -> String {
    if aliases.is_empty() {
        return html.to_owned();
    }
    let mut out = html.to_owned();
    for (old, new) in aliases {
        // Malformed ids, and ids the page already has (reported by `check`), would make broken
        // or duplicate ids.
        if slugify(old) != *old || old.is_empty() || out.contains(&format!(" id=\"{old}\"")) {
            continue;
        }
        // The Markdown stage writes headings exactly as `<hN id="…">` and ids are unique on a page,
        // so this finds the one heading; content cannot forge it (raw `<h2>` is not allowed).
        for level in 1..=6 {
            let open = format!("<h{level} id=\"{new}\">");
            if let Some(at) = out.find(&open) {
                out.insert_str(at + open.len(), &format!("<span id=\"{old}\"></span>"));
                break;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> IndexMap<String, String> {
        pairs
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    #[test]
    fn alias_becomes_an_empty_target_inside_the_heading() {
        let html = "<p>x</p>\n<h2 id=\"bruk\">Bruk</h2>\n<h3 id=\"nar\">Når</h3>\n";
        let out = render(html, &map(&[("nar-brukes-l8", "bruk"), ("gammel", "nar")]));
        assert_eq!(
            out,
            "<p>x</p>\n<h2 id=\"bruk\"><span id=\"nar-brukes-l8\"></span>Bruk</h2>\n<h3 id=\"nar\"><span id=\"gammel\"></span>Når</h3>\n"
        );
    }

    #[test]
    fn alias_to_a_missing_heading_changes_nothing() {
        let html = "<h2 id=\"bruk\">Bruk</h2>";
        assert_eq!(render(html, &map(&[("a", "finnes-ikke")])), html);
        assert_eq!(render(html, &map(&[("\"><script>", "bruk")])), html);
    }
}
