//! The theme: Tera templates compiled once, static files fingerprinted.
//!
//! Templates come in as text from the `source` stage (the built-in theme with the site's own
//! files put in its place); template errors become diagnostics that point at
//! `themes/<name>/templates/<file>:line:column`, or at `(built-in theme) templates/<file>` for a
//! template the site did not override. Scripts are minified (`minify_js`); CSS and JS get a content hash in their
//! name (`style.3f2a1b9c.css`) so hosts can cache them forever.

use std::collections::BTreeMap;

use crate::error::{Diagnostic, Position};
use crate::source::ThemeSources;
use crate::vocab::OutputFile;

/// Templates and static files, ready for rendering.
pub struct Theme {
    pub tera: tera::Tera,
    /// Logical name (`style.css`) → site-relative URL (`assets/style.3f2a1b9c.css`).
    pub assets: BTreeMap<String, String>,
    /// The static files themselves.
    pub files: Vec<OutputFile>,
    /// The theme's name (`default`), for diagnostics.
    pub name: String,
}

impl Theme {
    /// Compiles the templates and fingerprints the static files of `sources`.
    pub fn load(sources: &ThemeSources, theme_name: &str) -> Result<Theme, Vec<Diagnostic>> {
        let mut tera = tera::Tera::new();
        tera.autoescape_on(vec![".html", ".xml"]);
        let texts = sources
            .templates
            .iter()
            .map(|(n, t)| (n.as_str(), t.as_str()));
        if let Err(e) = tera.add_raw_templates(texts) {
            return Err(template_diagnostics(theme_name, &e, sources));
        }
        let mut assets = BTreeMap::new();
        let mut files = Vec::new();
        for asset in &sources.static_files {
            let bytes = if asset
                .rel_path
                .rsplit_once('.')
                .is_some_and(|(_, e)| e == "js")
            {
                minify_js(&asset.bytes)
            } else {
                asset.bytes.clone()
            };
            let path = match asset.rel_path.rsplit_once('.') {
                Some((stem, ext)) if matches!(ext, "css" | "js") => {
                    let hash = xxhash_rust::xxh3::xxh3_64(&bytes);
                    format!("assets/{stem}.{:08x}.{ext}", hash as u32)
                }
                _ => format!("assets/{}", asset.rel_path),
            };
            assets.insert(asset.rel_path.clone(), path.clone());
            files.push(OutputFile {
                path,
                bytes: bytes.into(),
            });
        }
        Ok(Theme {
            tera,
            assets,
            files,
            name: theme_name.to_owned(),
        })
    }

    /// Whether the theme has a template called `name`.
    pub fn has(&self, name: &str) -> bool {
        self.tera.contains_template(name)
    }

    /// Renders `name`, turning a template error into a diagnostic.
    pub fn render(
        &self,
        name: &str,
        context: &tera::Context,
        sources: &ThemeSources,
    ) -> Result<String, Diagnostic> {
        self.tera
            .render(name, context)
            .map_err(|e| template_diagnostic(&self.name, &e, sources))
    }
}

/// A script without its comments and needless whitespace (the search scripts are downloaded by
/// every first search: issue 14 asks for no more bytes than before it). A script that is not
/// UTF-8 or that the minifier cannot read is shipped as written.
fn minify_js(bytes: &[u8]) -> Vec<u8> {
    match std::str::from_utf8(bytes).map(minifier::js::minify) {
        Ok(Ok(m)) => m.to_string().into_bytes(),
        _ => bytes.to_vec(),
    }
}

/// A Tera error as diagnostics. Checking all templates at once, Tera joins its reports into one
/// message (`error: …\n --> page.html:3:17`); each report becomes its own diagnostic.
fn template_diagnostics(theme: &str, err: &tera::Error, sources: &ThemeSources) -> Vec<Diagnostic> {
    let first = template_diagnostic(theme, err, sources);
    if first.line > 0 {
        return vec![first];
    }
    let text = err.to_string();
    let mut diags = Vec::new();
    let mut message = None;
    for line in text.lines() {
        if let Some(m) = line.strip_prefix("error: ") {
            message = Some(m.to_owned());
        } else if let (Some(loc), Some(m)) = (line.trim_start().strip_prefix("--> "), &message) {
            let mut parts = loc.rsplitn(3, ':');
            let (col, line_no, name) = (parts.next(), parts.next(), parts.next());
            if let (Some(name), Some(Ok(l)), Some(Ok(c))) = (
                name,
                line_no.map(str::parse::<usize>),
                col.map(str::parse::<usize>),
            ) {
                let mut d = Diagnostic::error(
                    sources.template_file(theme, name),
                    Position { line: l, column: c },
                    "template",
                    m.clone(),
                );
                if let Some((_, text)) = sources.templates.iter().find(|(n, _)| n == name) {
                    d = d.with_source(text, 1);
                }
                diags.push(d);
                message = None;
            }
        }
    }
    if diags.is_empty() { vec![first] } else { diags }
}

/// A Tera error as a diagnostic at the template's file, line and column.
fn template_diagnostic(theme: &str, err: &tera::Error, sources: &ThemeSources) -> Diagnostic {
    let report = match err.kind() {
        tera::ErrorKind::SyntaxError(r) | tera::ErrorKind::RenderingError(r) => Some(r),
        _ => None,
    };
    let Some(report) = report else {
        let mut message = err.to_string();
        let mut source = std::error::Error::source(err);
        while let Some(s) = source {
            message.push_str(": ");
            message.push_str(&s.to_string());
            source = s.source();
        }
        return Diagnostic::error(
            format!("themes/{theme}/templates"),
            Position::default(),
            "template",
            message,
        );
    };
    let span = report.span();
    let file = sources.template_file(theme, report.filename());
    let pos = Position {
        line: span.start_line,
        column: span.start_col + 1,
    };
    let width = if span.end_line == span.start_line {
        span.end_col.saturating_sub(span.start_col)
    } else {
        1
    };
    let mut d =
        Diagnostic::error(file, pos, "template", report.message().to_owned()).with_span(width);
    if let Some((_, text)) = sources
        .templates
        .iter()
        .find(|(n, _)| n == report.filename())
    {
        d = d.with_source(text, width);
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Asset;

    fn sources(templates: &[(&str, &str)]) -> ThemeSources {
        ThemeSources {
            templates: templates
                .iter()
                .map(|(n, t)| ((*n).to_owned(), (*t).to_owned()))
                .collect(),
            static_files: vec![Asset {
                rel_path: "style.css".into(),
                bytes: b"body{}".to_vec(),
            }],
            site_templates: templates.iter().map(|(n, _)| (*n).to_owned()).collect(),
        }
    }

    #[test]
    fn assets_are_fingerprinted() {
        let theme = Theme::load(&sources(&[("a.html", "x")]), "default").unwrap();
        let url = &theme.assets["style.css"];
        assert!(
            url.starts_with("assets/style.")
                && std::path::Path::new(url)
                    .extension()
                    .is_some_and(|e| e == "css")
                && url.len() == "assets/style.12345678.css".len(),
            "{url}"
        );
    }

    #[test]
    fn scripts_ship_without_comments_and_are_fingerprinted_as_shipped() {
        let mut src = sources(&[("a.html", "x")]);
        src.static_files.push(Asset {
            rel_path: "search-engine.js".into(),
            bytes: b"// A comment the reader never needs.\nfunction add(a, b) {\n  return a + b; // sum\n}\n"
                .to_vec(),
        });
        let theme = Theme::load(&src, "default").unwrap();
        let url = &theme.assets["search-engine.js"];
        let file = theme.files.iter().find(|f| &f.path == url).unwrap();
        let text = std::str::from_utf8(&file.bytes).unwrap();
        assert!(!text.contains("comment") && !text.contains("sum"), "{text}");
        assert!(text.contains("return a+b"), "{text}");
        let hash = xxhash_rust::xxh3::xxh3_64(&file.bytes) as u32;
        assert!(url.ends_with(&format!(".{hash:08x}.js")), "{url}");
    }

    #[test]
    fn syntax_errors_point_into_the_template() {
        let errs = Theme::load(&sources(&[("page.html", "<p>\n{% if x %}\n")]), "default")
            .err()
            .unwrap();
        assert_eq!(errs[0].file, "themes/default/templates/page.html");
        assert!(errs[0].line >= 2, "{errs:?}");
    }

    #[test]
    fn errors_in_a_built_in_template_say_so() {
        let mut src = sources(&[("page.html", "<p>\n{{ missing.field }}\n")]);
        src.site_templates.clear();
        let theme = Theme::load(&src, "default").unwrap();
        let d = theme
            .render("page.html", &tera::Context::new(), &src)
            .unwrap_err();
        assert_eq!(d.file, "(built-in theme) templates/page.html", "{d:?}");
    }

    #[test]
    fn render_errors_point_into_the_template() {
        let src = sources(&[("page.html", "<p>\n{{ missing.field }}\n")]);
        let theme = Theme::load(&src, "default").unwrap();
        let d = theme
            .render("page.html", &tera::Context::new(), &src)
            .unwrap_err();
        assert_eq!(
            (d.file.as_str(), d.line),
            ("themes/default/templates/page.html", 2),
            "{d:?}"
        );
    }
}
