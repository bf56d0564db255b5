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

/// A script without its comments and needless whitespace, its local names shortened (the search
/// scripts are downloaded by every first search: issue 14 asks for no more bytes than before it).
/// Only names inside functions are renamed; a script's top-level names (globals another script may
/// use, like `veiviserEngine`) and property names stay. Code is printed as parsed, never rewritten.
/// A script that is not UTF-8 or that the parser cannot read is shipped as written.
fn minify_js(bytes: &[u8]) -> Vec<u8> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return bytes.to_vec();
    };
    let allocator = oxc_allocator::Allocator::default();
    // `unambiguous`: a classic script, or a module when it imports or exports.
    let parsed =
        oxc_parser::Parser::new(&allocator, text, oxc_span::SourceType::unambiguous()).parse();
    if parsed.panicked || !parsed.errors.is_empty() {
        return bytes.to_vec();
    }
    let mangled = oxc_mangler::Mangler::new()
        .with_options(oxc_mangler::MangleOptions {
            top_level: false,
            ..oxc_mangler::MangleOptions::default()
        })
        .build(&parsed.program);
    oxc_codegen::Codegen::new()
        .with_options(oxc_codegen::CodegenOptions::minify())
        .with_scoping(Some(mangled.scoping))
        .build(&parsed.program)
        .code
        .into_bytes()
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
    fn minify_js_renames_locals_but_keeps_top_level_names_and_properties() {
        let script = "/* engine */\nfunction veiviserEngine(global) {\n  var longLocalName = 1;\n  \
                      function helperFunction(x) { return x + longLocalName; }\n  \
                      return { open: helperFunction(global.value) };\n}\nvar veiviserGlobal = 2;\n";
        let out = String::from_utf8(minify_js(script.as_bytes())).unwrap();
        assert!(out.contains("function veiviserEngine("), "{out}");
        assert!(out.contains("veiviserGlobal"), "{out}");
        assert!(out.contains("open:") && out.contains(".value"), "{out}");
        assert!(
            !out.contains("longLocalName") && !out.contains("helperFunction"),
            "{out}"
        );
        assert!(!out.contains("engine */"), "{out}");
    }

    #[test]
    fn minify_js_ships_a_script_it_cannot_parse_as_written() {
        let broken = b"function ( { not javascript";
        assert_eq!(minify_js(broken), broken);
        assert_eq!(minify_js(&[0xff, 0xfe]), [0xff, 0xfe]);
    }

    #[test]
    fn minify_js_shrinks_the_search_engine_and_keeps_its_entry_points() {
        let engine = include_str!("../../themes/default/static/search-engine.js");
        let out = String::from_utf8(minify_js(engine.as_bytes())).unwrap();
        assert!(
            out.len() < engine.len() * 6 / 10,
            "{} of {}",
            out.len(),
            engine.len()
        );
        for name in [
            "function veiviserEngine(",
            "module.exports",
            "serveWorker",
            "importScripts",
        ] {
            assert!(out.contains(name), "{name} missing");
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
        // The top-level name stays; the parameters are renamed (`function add(e,t){return e+t}`).
        assert!(
            text.starts_with("function add(") && text.contains("return "),
            "{text}"
        );
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
