//! Machine-readable and housekeeping files: alias redirects, `sitemap.xml`, `robots.txt`,
//! `pages.json` with its JSON Schema, `opensearch.xml`. Written in Rust rather than templates
//! because their format is a contract with other systems (crawlers, browsers, patient-record
//! integrations; `docs/integration.md`), not a matter of theme.

use std::fmt::Write as _;

use serde::Serialize;

use crate::config::Config;
use crate::graph::{self, SiteGraph};
use crate::html::OutputFile;
use crate::html::context::{code_of, root_prefix};
use crate::page::PageRole;
use crate::page::markdown::escape_attr;

/// One small HTML page per alias and code URL: canonical link, meta refresh (works without
/// JavaScript) and a script that carries the `#fragment` over, so `/old/#anchor` lands on
/// `/new/#anchor`.
pub fn redirects(graph: &SiteGraph, config: &Config) -> Vec<OutputFile> {
    graph
        .redirects
        .iter()
        .map(|r| {
            let page = &graph.pages[r.to];
            OutputFile {
                path: format!("{}index.html", r.from),
                bytes: redirect_page(&r.from, &page.url, &page.title, config).into_bytes(),
            }
        })
        .collect()
}

/// The redirect page at site URL `from` pointing to site URL `to`. The empty icon spares the
/// browser a `/favicon.ico` request (and a 404) on a page it leaves at once.
pub fn redirect_page(from: &str, to: &str, title: &str, config: &Config) -> String {
    let rel = format!("{}{to}", root_prefix(from));
    let rel = if rel.is_empty() { "./".to_owned() } else { rel };
    let href = escape_attr(&rel);
    let canonical = escape_attr(&format!("{}/{to}", config.base_url()));
    let js = serde_json::to_string(&rel)
        .unwrap_or_default()
        .replace('<', "\\u003c");
    format!(
        "<!doctype html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n<title>Flyttet: {title}</title>\n<link rel=\"canonical\" href=\"{canonical}\">\n<meta name=\"robots\" content=\"noindex\">\n<link rel=\"icon\" href=\"data:,\">\n<meta http-equiv=\"refresh\" content=\"0; url={href}\">\n<script>location.replace({js} + location.hash);</script>\n</head>\n<body>\n<p>Siden har flyttet til <a href=\"{href}\">{title}</a>.</p>\n</body>\n</html>\n",
        lang = escape_attr(&config.language),
        title = escape_attr(title),
    )
}

/// `sitemap.xml` with every page, kind index and tag page.
pub fn sitemap(graph: &SiteGraph, config: &Config) -> OutputFile {
    let base = config.base_url();
    let mut urls: Vec<(String, Option<&str>)> = graph
        .pages
        .iter()
        .filter(|p| p.role != PageRole::SectionIndex)
        .map(|p| (p.url.clone(), p.updated.as_deref()))
        .collect();
    urls.extend(
        graph
            .sections
            .iter()
            .map(|s| (graph::section_url(&s.section), None)),
    );
    urls.extend(graph.tags.iter().map(|t| (graph::tag_url(&t.slug), None)));
    urls.push((graph::CHANGES_URL.to_owned(), None));
    if graph.home.is_none() {
        urls.push((String::new(), None));
    }
    urls.sort();
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for (url, updated) in urls {
        let _ = write!(
            xml,
            "  <url><loc>{}</loc>",
            escape_attr(&format!("{base}/{url}"))
        );
        if let Some(u) = updated {
            let _ = write!(xml, "<lastmod>{}</lastmod>", escape_attr(u));
        }
        xml.push_str("</url>\n");
    }
    xml.push_str("</urlset>\n");
    OutputFile {
        path: "sitemap.xml".into(),
        bytes: xml.into_bytes(),
    }
}

/// `robots.txt` pointing at the sitemap.
pub fn robots(config: &Config) -> OutputFile {
    let text = format!(
        "User-agent: *\nAllow: /\nSitemap: {}/sitemap.xml\n",
        config.base_url()
    );
    OutputFile {
        path: "robots.txt".into(),
        bytes: text.into_bytes(),
    }
}

/// Version of the `pages.json` format: raised only when a field is removed or changes meaning.
pub const PAGES_JSON_VERSION: u32 = 1;

/// The JSON Schema of `pages.json`, published beside it as `pages.schema.json`.
pub const PAGES_SCHEMA: &str = include_str!("../../schemas/pages.schema.json");

/// The search URL template of the site (`{searchTerms}` is the percent-encoded query).
pub fn search_url_template(config: &Config) -> String {
    format!(
        "{}/{}?q={{searchTerms}}",
        config.base_url(),
        graph::SEARCH_URL
    )
}

#[derive(Serialize)]
struct PagesJson<'a> {
    version: u32,
    schema: String,
    site: SiteEntry<'a>,
    pages: Vec<PageEntry<'a>>,
}

#[derive(Serialize)]
struct SiteEntry<'a> {
    title: &'a str,
    base_url: &'a str,
    language: &'a str,
    search_url: String,
}

#[derive(Serialize)]
struct PageEntry<'a> {
    id: &'a str,
    kind: Option<&'a str>,
    title: &'a str,
    url: String,
    path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    updated: Option<&'a str>,
    /// Change notes, newest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    changes: Vec<ChangeEntry<'a>>,
    aliases: &'a [String],
    /// Short URL paths made from the code (as written, lowercase, uppercase) that lead here.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    code_paths: Vec<String>,
    anchors: Vec<Anchor<'a>>,
    /// Old heading ids that still land on a heading: old id → current id.
    #[serde(skip_serializing_if = "indexmap::IndexMap::is_empty")]
    anchor_aliases: &'a indexmap::IndexMap<String, String>,
}

#[derive(Serialize)]
struct ChangeEntry<'a> {
    date: &'a str,
    note: &'a str,
}

#[derive(Serialize)]
struct Anchor<'a> {
    id: &'a str,
    title: &'a str,
}

/// `pages.json`: every page with id, kind, title, URL, code, summary, anchors — for integrators who
/// map tariff codes or ids to deep links. JSON escaping makes script in titles harmless.
pub fn pages_json(graph: &SiteGraph, config: &Config) -> OutputFile {
    let mut entries: Vec<PageEntry<'_>> = graph
        .pages
        .iter()
        .enumerate()
        .filter(|(_, p)| p.role == PageRole::Entry)
        .map(|(i, p)| PageEntry {
            id: &p.id,
            kind: p.kind.as_deref(),
            title: &p.title,
            url: format!("{}/{}", config.base_url(), p.url),
            path: format!("/{}", p.url),
            code: code_of(config, p),
            summary: p.summary.as_deref(),
            updated: p.updated.as_deref(),
            changes: p
                .changes
                .iter()
                .map(|c| ChangeEntry {
                    date: &c.dato,
                    note: c.tekst.trim(),
                })
                .collect(),
            aliases: &p.aliases,
            code_paths: code_paths(graph, i, p, config),
            anchor_aliases: &p.anchor_aliases,
            anchors: p
                .body
                .headings
                .iter()
                .map(|h| Anchor {
                    id: &h.id,
                    title: &h.text,
                })
                .collect(),
        })
        .collect();
    entries.sort_by(|a, b| a.id.cmp(b.id));
    let doc = PagesJson {
        version: PAGES_JSON_VERSION,
        schema: format!("{}/pages.schema.json", config.base_url()),
        site: SiteEntry {
            title: &config.title,
            base_url: config.base_url(),
            language: &config.language,
            search_url: search_url_template(config),
        },
        pages: entries,
    };
    let mut bytes = html_safe_json(serde_json::to_vec_pretty(&doc).unwrap_or_default());
    bytes.push(b'\n');
    OutputFile {
        path: "pages.json".into(),
        bytes,
    }
}

/// `pages.schema.json`, the schema `pages.json` names, as published.
pub fn pages_schema() -> OutputFile {
    OutputFile {
        path: "pages.schema.json".into(),
        bytes: PAGES_SCHEMA.as_bytes().to_vec(),
    }
}

/// `opensearch.xml`: registers the site's search with a browser or a record system
/// (OpenSearch 1.1). Every page links to it with `<link rel="search">`.
pub fn opensearch(config: &Config) -> OutputFile {
    // The specification caps ShortName at 16 characters.
    let short: String = config.title.chars().take(16).collect();
    let description = if config.description.trim().is_empty() {
        &config.title
    } else {
        &config.description
    };
    let description: String = description.chars().take(1024).collect();
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<OpenSearchDescription xmlns=\"http://a9.com/-/spec/opensearch/1.1/\">\n  <ShortName>{short}</ShortName>\n  <Description>{description}</Description>\n  <Language>{lang}</Language>\n  <InputEncoding>UTF-8</InputEncoding>\n  <Url type=\"text/html\" method=\"get\" template=\"{search}\"/>\n  <Url type=\"application/opensearchdescription+xml\" rel=\"self\" template=\"{this}\"/>\n</OpenSearchDescription>\n",
        short = escape_attr(short.trim()),
        description = escape_attr(description.trim()),
        lang = escape_attr(&config.language),
        search = escape_attr(&search_url_template(config)),
        this = escape_attr(&format!("{}/opensearch.xml", config.base_url())),
    );
    OutputFile {
        path: "opensearch.xml".into(),
        bytes: xml.into_bytes(),
    }
}

/// JSON with every `<` written as `\u003c`: the same data for every JSON reader, and safe to
/// inline in a `<script>` element (no `</script>` or `<!--` can end or bend it). `<` only ever
/// occurs inside JSON strings, so the replacement cannot touch the structure.
pub fn html_safe_json(json: Vec<u8>) -> Vec<u8> {
    if !json.contains(&b'<') {
        return json;
    }
    let mut out = Vec::with_capacity(json.len() + 16);
    for b in json {
        if b == b'<' {
            out.extend_from_slice(b"\\u003c");
        } else {
            out.push(b);
        }
    }
    out
}

/// The short code URLs that lead to page `ix`: its own URL when a variant equals it, and its
/// code redirects.
fn code_paths(
    graph: &SiteGraph,
    ix: usize,
    page: &crate::page::Page,
    config: &Config,
) -> Vec<String> {
    let Some((_, urls)) = graph::redirects::code_urls(page, config) else {
        return Vec::new();
    };
    urls.into_iter()
        .filter(|u| {
            *u == page.url
                || graph
                    .redirects
                    .binary_search_by(|r| r.from.as_str().cmp(u))
                    .is_ok_and(|at| graph.redirects[at].to == ix)
        })
        .map(|u| format!("/{u}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_json_cannot_end_a_script_it_is_inlined_in() {
        let json = serde_json::to_vec(&serde_json::json!({"t": "</script><!--"})).unwrap();
        let safe = html_safe_json(json);
        assert_eq!(safe, br#"{"t":"\u003c/script>\u003c!--"}"#);
        let back: serde_json::Value = serde_json::from_slice(&safe).unwrap();
        assert_eq!(back["t"], "</script><!--");
    }

    #[test]
    fn opensearch_names_the_search_url_and_keeps_short_name_short() {
        let config = Config::parse(
            "title: Samhandling Nav og sykmelder & co\nbase_url: https://e.org/kb/\n",
        )
        .unwrap();
        let xml = String::from_utf8(opensearch(&config).bytes).unwrap();
        assert!(
            xml.contains("<ShortName>Samhandling Nav</ShortName>"),
            "{xml}"
        );
        assert!(
            xml.contains("template=\"https://e.org/kb/sok/?q={searchTerms}\""),
            "{xml}"
        );
        assert!(
            xml.contains("Nav og sykmelder &amp; co</Description>"),
            "{xml}"
        );
    }

    #[test]
    fn redirect_keeps_fragment_and_escapes() {
        let config = Config::parse("title: T\nbase_url: https://e.org/kb\n").unwrap();
        let html = redirect_page("gammel/l8/", "takster/l8/", "L8 <script>", &config);
        assert!(
            html.contains("content=\"0; url=../../takster/l8/\""),
            "{html}"
        );
        assert!(html.contains("location.replace(\"../../takster/l8/\" + location.hash)"));
        assert!(html.contains("href=\"https://e.org/kb/takster/l8/\""));
        assert!(!html.contains("<script>location.replace(\"../../takster/l8/\" + location.hash);</script>\n</head>\n<body>\n<p>Siden har flyttet til <a href=\"../../takster/l8/\">L8 <script>"));
        assert!(html.contains("L8 &lt;script&gt;"));
    }
}
