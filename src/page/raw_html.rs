//! The allow-list for raw HTML written in Markdown.
//!
//! Hand-written on purpose: a general sanitizer (ammonia, html5ever) parses whole documents and
//! costs more than the rest of the Markdown stage, while our rule is tiny and easy to prove sound —
//! only allow-listed tag *names* pass, with no attributes except a quoted `title` on `abbr`, which
//! is re-escaped; everything else, text included, is HTML-escaped and so shown as text.

use crate::vocab::escape_attr;

/// Tags that may be written as raw HTML.
pub(super) const ALLOWED: &[&str] = &[
    "abbr", "br", "details", "kbd", "mark", "small", "sub", "summary", "sup",
];

/// Result of filtering one raw-HTML fragment.
pub(super) struct Filtered {
    pub html: String,
    /// Something in the fragment was not allowed and is now shown as text.
    pub escaped: bool,
    /// The allowed tags that passed, in order: name and whether it is a closing tag. Void
    /// elements (`br`) are left out: they have nothing to close.
    pub tags: Vec<(String, bool)>,
}

/// Tags of [`ALLOWED`] that never have content.
const VOID: &[&str] = &["br"];

/// Filters a raw-HTML fragment (an inline tag or a line of an HTML block).
pub(super) fn filter(fragment: &str) -> Filtered {
    let mut html = String::with_capacity(fragment.len());
    let mut escaped = false;
    let mut tags = Vec::new();
    let mut rest = fragment;
    while let Some(lt) = rest.find('<') {
        html.push_str(&escape_attr(&rest[..lt]));
        let after = &rest[lt..];
        if let Some(end) = after.strip_prefix("<!--").and_then(|c| c.find("-->")) {
            // Comments are editors' notes: dropped, never passed through.
            rest = &after[4 + end + 3..];
            continue;
        }
        if let Some((gt, tag)) = after
            .find('>')
            .and_then(|gt| allowed_tag(&after[..=gt]).map(|t| (gt, t)))
        {
            let closing = tag.starts_with("</");
            let name = tag
                .trim_start_matches(['<', '/'])
                .split(|c: char| !c.is_ascii_alphanumeric())
                .next()
                .unwrap_or_default();
            if !VOID.contains(&name) && !after[..=gt].trim_end_matches('>').ends_with('/') {
                tags.push((name.to_owned(), closing));
            }
            html.push_str(&tag);
            rest = &after[gt + 1..];
        } else {
            escaped = true;
            html.push_str("&lt;");
            rest = &after[1..];
        }
    }
    html.push_str(&escape_attr(rest));
    Filtered {
        html,
        escaped,
        tags,
    }
}

/// The normalised tag if `tag` (`<…>`) is allowed.
fn allowed_tag(tag: &str) -> Option<String> {
    let inner = tag.strip_prefix('<')?.strip_suffix('>')?;
    let (closing, inner) = match inner.strip_prefix('/') {
        Some(i) => (true, i),
        None => (false, inner),
    };
    let inner = inner.trim_end().trim_end_matches('/').trim_end();
    let name_end = inner
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(inner.len());
    let name = inner[..name_end].to_ascii_lowercase();
    if !ALLOWED.contains(&name.as_str()) {
        return None;
    }
    let attrs = inner[name_end..].trim();
    if closing {
        return attrs.is_empty().then(|| format!("</{name}>"));
    }
    if attrs.is_empty() {
        return Some(format!("<{name}>"));
    }
    let value = attrs.strip_prefix("title=\"")?.strip_suffix('"')?;
    (name == "abbr" && !value.contains('"'))
        .then(|| format!("<abbr title=\"{}\">", escape_attr(value)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed_tags_pass_and_others_are_escaped() {
        let f = filter("<kbd>");
        assert_eq!((f.html.as_str(), f.escaped), ("<kbd>", false));
        let f = filter("<script>alert(1)</script>");
        assert!(f.escaped);
        assert_eq!(f.html, "&lt;script&gt;alert(1)&lt;/script&gt;");
    }

    #[test]
    fn passed_tags_are_listed_for_the_unclosed_check() {
        let f = filter("<details><summary>Mer</summary><br>");
        let tags: Vec<_> = f.tags.iter().map(|(n, c)| (n.as_str(), *c)).collect();
        assert_eq!(
            tags,
            [("details", false), ("summary", false), ("summary", true)]
        );
    }

    #[test]
    fn attributes_are_refused_except_abbr_title() {
        assert!(filter("<kbd onclick=\"x()\">").escaped);
        assert!(filter("<details open>").escaped);
        let f = filter("<abbr title=\"rådgivende lege\">");
        assert_eq!(f.html, "<abbr title=\"rådgivende lege\">");
        assert!(filter("<abbr title=\"a\" onmouseover=\"b\">").escaped);
    }

    #[test]
    fn comments_are_dropped_and_tricks_escaped() {
        assert_eq!(filter("<!-- notat -->").html, "");
        let f = filter("<!-- x --><img src=x onerror=alert(1)>");
        assert!(f.escaped);
        assert!(!f.html.contains("<img"));
        assert!(!filter("<scr<script>ipt>").html.contains("<script"));
    }
}
