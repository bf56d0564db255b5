//! What the preview adds to served pages: the live-reload script, the error overlay, and the
//! server-sent event that tells open pages about a new build or new errors.
//!
//! In: the state of the preview (build id, diagnostics). Out: HTML fragments and event payloads.
//! Must not: touch built files other than served HTML, or anything `veiviser build` writes — the
//! script and overlay exist only in `serve`'s responses.

use std::fmt::Write as _;

use serde::Serialize;

use crate::error::Diagnostic;
use crate::vocab::escape_attr;

/// The event stream. The preview's own URLs start with `/__veiviser/`, where no built page can
/// be: the slug rule never starts a segment with `_`.
pub(crate) const EVENTS: &str = "/__veiviser/events";
/// The client script and the overlay's stylesheet.
pub(crate) const SCRIPT: &str = "/__veiviser/live.js";
pub(crate) const STYLE: &str = "/__veiviser/live.css";

pub(crate) const SCRIPT_BODY: &str = include_str!("assets/live.js");
pub(crate) const STYLE_BODY: &str = include_str!("assets/live.css");

/// Payload of the `state` event: which build is served, and the errors of the last attempt.
#[derive(Debug, Serialize)]
pub(crate) struct StateEvent<'a> {
    pub(crate) build: &'a str,
    /// Overlay HTML when the last build failed; `None` removes the overlay.
    pub(crate) overlay: Option<&'a str>,
    /// URL path of the page the last edit changed (`/takster/l8/`), for `--follow`.
    pub(crate) changed: Option<&'a str>,
}

/// The overlay listing `diagnostics` of a failed build (errors first, as the terminal shows them).
pub(crate) fn overlay(diagnostics: &[Diagnostic]) -> String {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let renderer = annotate_snippets::Renderer::plain();
    let mut items = String::new();
    for d in diagnostics
        .iter()
        .filter(|d| d.is_error())
        .chain(diagnostics.iter().filter(|d| !d.is_error()))
    {
        let where_ = if d.line == 0 {
            d.file.clone()
        } else {
            format!("{}:{}:{}", d.file, d.line, d.column)
        };
        let hint = d.hint.as_deref().map_or_else(String::new, |h| {
            format!("<p class=\"vv-hint\">Tips: {}</p>", escape_attr(h))
        });
        let _ = write!(
            items,
            "<li class=\"vv-{sev}\" data-file=\"{file}\" data-line=\"{line}\" data-column=\"{column}\"><p><span class=\"vv-where\">{where_}</span> {message}</p>{hint}<pre>{snippet}</pre></li>",
            sev = if d.is_error() { "error" } else { "warning" },
            file = escape_attr(&d.file),
            line = d.line,
            column = d.column,
            where_ = escape_attr(&where_),
            message = escape_attr(&d.message),
            // The hint has its own line above; the snippet is the terminal's rendering without it.
            snippet = escape_attr(
                Diagnostic {
                    hint: None,
                    ..d.clone()
                }
                .render(&renderer)
                .trim_end()
            ),
        );
    }
    let count = if errors == 1 {
        "1 feil".to_owned()
    } else {
        format!("{errors} feil")
    };
    format!(
        "<div id=\"veiviser-overlay\" role=\"alertdialog\" aria-modal=\"false\" aria-labelledby=\"veiviser-overlay-title\"><div class=\"vv-box\"><h2 id=\"veiviser-overlay-title\">Nettstedet kan ikke bygges: {count}</h2><p>Forhåndsvisningen viser siste versjon som virket. Rett feilene og lagre, så forsvinner denne meldingen.</p><ol>{items}</ol><button type=\"button\" class=\"vv-close\">Skjul</button></div></div>"
    )
}

/// Adds the stylesheet, the script and (when the last build failed) the overlay to a served HTML
/// page, just before `</body>` (or at the end when there is none).
pub(crate) fn inject(html: &[u8], build: &str, follow: bool, overlay: Option<&str>) -> Vec<u8> {
    let tail = format!(
        "<link rel=\"stylesheet\" href=\"{STYLE}\"><script src=\"{SCRIPT}\" data-build=\"{}\" data-follow=\"{}\"></script>{}",
        escape_attr(build),
        u8::from(follow),
        overlay.unwrap_or_default(),
    );
    let at = find_last(html, b"</body>").unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + tail.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(tail.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

fn find_last(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .rposition(|w| w.eq_ignore_ascii_case(needle))
}

/// A page for when there is nothing else to show: no good build yet, or no `404.html`.
pub(crate) fn fallback_page(title: &str) -> Vec<u8> {
    format!(
        "<!doctype html>\n<html lang=\"nb\">\n<head>\n<meta charset=\"utf-8\">\n<title>{0}</title>\n</head>\n<body>\n<h1>{0}</h1>\n</body>\n</html>\n",
        escape_attr(title)
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Position;

    #[test]
    fn inject_goes_before_the_last_closing_body() {
        let html = b"<html><body><p>x</p><!-- </body> --></BODY></html>";
        let out = String::from_utf8(inject(html, "b1", false, None)).unwrap();
        assert!(
            out.ends_with("data-follow=\"0\"></script></BODY></html>"),
            "{out}"
        );
        assert!(out.contains("<!-- </body> -->"));
    }

    #[test]
    fn inject_appends_without_a_body() {
        let out = String::from_utf8(inject(b"<p>x", "b\"1", true, Some("<div>o</div>"))).unwrap();
        assert!(out.starts_with("<p>x<link"));
        assert!(out.contains("data-build=\"b&quot;1\""));
        assert!(out.ends_with("<div>o</div>"));
    }

    #[test]
    fn overlay_shows_location_message_and_hint_escaped() {
        let d = Diagnostic::error(
            "content/takster/l8.md",
            Position { line: 3, column: 7 },
            "unknown-key",
            "unknown key `<script>`",
        )
        .with_hint("did you mean `kode`?")
        .with_source("---\ntitle: L8\nkoode: <script>\n---\n", 5);
        let html = overlay(&[d]);
        assert!(html.contains("content/takster/l8.md:3:7"));
        assert!(html.contains("unknown key `&lt;script&gt;`"));
        assert!(html.contains("did you mean `kode`?"));
        assert!(html.contains("1 feil"));
        assert!(!html.contains("<script>"));
        assert!(html.contains("koode: &lt;script&gt;"), "{html}");
    }
}
