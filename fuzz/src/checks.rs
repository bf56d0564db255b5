//! The bodies of the fuzz targets: arbitrary bytes in, a panic out when an invariant breaks.
//!
//! Shared by the libFuzzer binaries in `fuzz/fuzz_targets/` and by the main crate's
//! `tests/integration/fuzz_corpus.rs`, which replays every committed corpus file through the same
//! functions on each `cargo test`. Invariants checked besides "does not panic":
//!
//! - `front_matter`: every diagnostic points inside the file.
//! - `slug`: the slug is `[a-z0-9-]`, has no leading, trailing or doubled `-`, and is a fixed point.
//! - `page`: the fuzzed page, compiled in a small real site, writes only plain relative paths,
//!   its diagnostics point inside the file, and its `<main>` carries no active content (script,
//!   event handlers, `javascript:` URLs) whatever the Markdown or front matter says.
//! - `markdown`: `page::parse` alone; diagnostics inside the file, no active content in the body.
//! - `heading`: every line of the input as a heading (repeated, so suffixes are exercised):
//!   anchors are unique on the page, never a template's id, slugs unless pinned, and the HTML
//!   carries exactly those ids in order. libFuzzer's timeout catches a quadratic slowdown (50,000
//!   equal headings once took minutes).
//! - `analyse`: tokens' byte ranges lie on character boundaries of the NFC text, stems are
//!   prefixes of their words (the index relies on it), and a query over a real index runs.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use veiviser::error::Diagnostic;
use veiviser::page::parts::{self as front_matter, Locator};
use veiviser::pipeline::{self, BuildOptions, Silent};
use veiviser::source::{self, SiteSources, SourceFile};
use veiviser::vocab::OutputFile;

/// Where the fuzzed page sits in the fixture site: a `tiltak` page, so relations and links to
/// the other fixture pages (`../takster/l8.md`, `[[takst-l8]]`) resolve.
const FUZZED_PAGE: &str = "content/tiltak/fuzz.md";

/// Front matter splitting and parsing of one page.
pub fn front_matter(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let src = SourceFile::inline(FUZZED_PAGE, text);
    let mut diags = Vec::new();
    match front_matter::split(FUZZED_PAGE, &src.text) {
        Ok(split) => {
            assert!(split.body_offset <= src.text.len());
            assert_eq!(&src.text[split.body_offset..], split.body);
            let loc = Locator::new(FUZZED_PAGE, &src.text, split);
            if let Some(fm) = front_matter::parse(&loc, &mut diags) {
                for key in fm.other.keys() {
                    let _ = loc.at(&[veiviser::yaml::Seg::Key(key)]);
                }
            }
        }
        Err(d) => diags.push(d),
    }
    assert_positions_inside(&diags, &src.text);
}

/// The one slug rule.
pub fn slug(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let s = veiviser::vocab::slugify(text);
    assert!(
        s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
        "{s:?}"
    );
    assert!(
        !s.starts_with('-') && !s.ends_with('-') && !s.contains("--"),
        "{s:?}"
    );
    assert_eq!(veiviser::vocab::slugify(&s), s, "not a fixed point");
}

/// A whole compile of a small site holding the fuzzed page: front matter, Markdown, link
/// rewriting, charts, relations, templates, search index and the output link check.
pub fn page(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut sources = fixture().sources.clone();
    let src = SourceFile::inline(FUZZED_PAGE, text);
    let normalised = src.text.clone();
    match sources
        .content
        .binary_search_by(|s| s.rel_path.as_str().cmp(FUZZED_PAGE))
    {
        Ok(i) => sources.content[i] = src,
        Err(i) => sources.content.insert(i, src),
    }
    let options = BuildOptions {
        root: PathBuf::from("."),
        drafts: true,
        ..BuildOptions::default()
    };
    let compiled = pipeline::compile(&sources, &options, &Silent);
    for f in &compiled.files {
        assert!(
            veiviser::output::is_safe_relative(&f.path),
            "unsafe output path {:?}",
            f.path
        );
    }
    let ours: Vec<Diagnostic> = compiled
        .diagnostics
        .iter()
        .filter(|d| d.file == FUZZED_PAGE)
        .cloned()
        .collect();
    assert_positions_inside(&ours, &normalised);
    if let Some(f) = compiled
        .files
        .iter()
        .find(|f| f.path == "tiltak/fuzz/index.html")
    {
        assert_no_active_content(&main_of(f));
    }
}

/// `page::parse` alone (front matter, Markdown, charts, link placeholders): the fast path of
/// `page`, so the fuzzer gets many more runs on the Markdown side. The body HTML, with its link
/// placeholders, must carry no active content.
pub fn markdown(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let src = SourceFile::inline(FUZZED_PAGE, text);
    let parsed = veiviser::page::parse(&src, &fixture().config);
    assert_positions_inside(&parsed.diagnostics, &src.text);
    if let Some(page) = parsed.page {
        assert_no_active_content(&page.body.html);
    }
}

/// Heading anchors of one page whose headings are the input's lines, each written twice.
pub fn heading(data: &[u8]) {
    use veiviser::page::RESERVED_IDS;
    use veiviser::page::parts::{MarkdownInput, render};
    use veiviser::vocab::slugify;
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut page = String::from("---\ntitle: x\n---\n");
    let body_offset = page.len();
    for line in text.lines() {
        for _ in 0..2 {
            // Levels 1–6 from the line's length, so `#` lines and deep headings both occur.
            let level = 1 + line.len() % 6;
            page.push_str(&"#".repeat(level));
            page.push(' ');
            page.push_str(line);
            page.push_str("\n\n");
        }
    }
    let src = SourceFile::inline(FUZZED_PAGE, &page);
    let input = MarkdownInput {
        file: FUZZED_PAGE,
        text: &src.text,
        body_offset,
    };
    let mut diags = Vec::new();
    let body = render(&input, &mut diags);
    assert_positions_inside(&diags, &src.text);
    let mut seen = std::collections::HashSet::new();
    let duplicate_pins = diags.iter().any(|d| d.code == "duplicate-anchor");
    for h in &body.headings {
        assert!(
            seen.insert(h.id.as_str()) || (h.pinned && duplicate_pins),
            "anchor {:?} twice",
            h.id
        );
        if !h.pinned {
            assert_eq!(slugify(&h.id), h.id, "unpinned anchor is not a slug");
            assert!(
                !RESERVED_IDS.contains(&h.id.as_str()),
                "template id {:?}",
                h.id
            );
        }
    }
    // `<hN id="…">` as the renderer writes it; text cannot forge one (`<` is escaped).
    let in_html: Vec<String> = body
        .html
        .split("<h")
        .skip(1)
        .filter_map(|s| s.get(1..)?.strip_prefix(" id=\"")?.split('"').next())
        .map(unescape_attr)
        .collect();
    let ids: Vec<String> = body.headings.iter().map(|h| h.id.clone()).collect();
    assert_eq!(
        in_html, ids,
        "the HTML's heading ids differ from the headings'"
    );
    assert_no_active_content(&body.html);
}

/// An attribute value as written (a pinned id may hold `"` or `&`, which the renderer escapes).
fn unescape_attr(value: &str) -> String {
    value
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The search analyser and the query side, over the index of the fixture site.
pub fn analyse(data: &[u8]) {
    use veiviser::search::analyse;
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let nfc = analyse::nfc(text);
    for t in analyse::tokens(&nfc) {
        assert!(t.start <= t.end && t.end <= nfc.len(), "{t:?}");
        assert!(
            nfc.is_char_boundary(t.start) && nfc.is_char_boundary(t.end),
            "{t:?}"
        );
        if !t.joined {
            assert_eq!(nfc[t.start..t.end].to_lowercase(), t.text, "{t:?}");
        }
        let stem = analyse::stem(&t.text);
        assert!(t.text.starts_with(&stem), "stem {stem:?} of {:?}", t.text);
        let _ = analyse::fold(&t.text);
    }
    let options = veiviser::search::engine::Options {
        limit: 10,
        ..Default::default()
    };
    let reader = veiviser::search::reader::Reader::open(&fixture().search_files)
        .expect("the fixture's index reads");
    let (items, _) = veiviser::search::run(&reader, "https://x.example", text, &options)
        .expect("the fixture's index reads");
    for item in items {
        assert!(item.url.starts_with("https://x.example/"), "{}", item.url);
    }
}

/// The fixture site, loaded once per process.
struct Fixture {
    sources: SiteSources,
    config: veiviser::config::Config,
    search_files: HashMap<String, Vec<u8>>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let repo = repo();
        let dir = tempfile::tempdir().expect("temp dir");
        copy_dir(&repo.join("tests/fixtures/valid"), dir.path());
        copy_dir(
            &repo.join("themes/default"),
            &dir.path().join("themes/default"),
        );
        let sources = source::load(dir.path(), "default").expect("fixture site loads");
        let config = veiviser::config::Config::parse(&sources.config_text).expect("config");
        let compiled = pipeline::compile(&sources, &BuildOptions::default(), &Silent);
        assert!(!compiled.has_errors(), "{:?}", compiled.diagnostics);
        let search_files = compiled
            .files
            .into_iter()
            .filter(|f| f.path.starts_with("search/"))
            .map(|f| (f.path, f.bytes.to_vec()))
            .collect();
        Fixture {
            sources,
            config,
            search_files,
        }
    })
}

/// The repository root: the folder holding `tests/fixtures/valid`, from this crate or the fuzz one.
fn repo() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.ancestors()
        .find(|p| p.join("tests/fixtures/valid").is_dir())
        .expect("repository root")
        .to_owned()
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.expect("walk fixture");
        let target = to.join(entry.path().strip_prefix(from).expect("inside"));
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// Every diagnostic's line lies in `text` (line 0 means "the whole file"), and its column on it.
fn assert_positions_inside(diags: &[Diagnostic], text: &str) {
    let lines: Vec<&str> = text.split('\n').collect();
    for d in diags {
        assert!(
            d.line <= lines.len(),
            "{}:{}:{} is past the end ({} lines): {}",
            d.file,
            d.line,
            d.column,
            lines.len(),
            d.message
        );
        if d.line > 0 {
            let width = lines[d.line - 1].chars().count();
            assert!(
                d.column <= width + 1,
                "{}:{}:{} is past the end of its line ({width} chars): {}",
                d.file,
                d.line,
                d.column,
                d.message
            );
        }
    }
}

fn main_of(f: &OutputFile) -> String {
    let html = String::from_utf8_lossy(&f.bytes);
    let start = html.find("<main").expect("page has <main>");
    let end = html.rfind("</main>").expect("page has </main>");
    html[start..end].to_owned()
}

/// No script, frame, object, event handler or script URL in `html`.
pub fn assert_no_active_content(html: &str) {
    for token in html5gum::Tokenizer::new(html).flatten() {
        if let html5gum::Token::StartTag(tag) = token {
            let name = String::from_utf8_lossy(&tag.name).to_ascii_lowercase();
            assert!(
                !matches!(
                    name.as_str(),
                    "script" | "iframe" | "object" | "embed" | "base" | "frame"
                ),
                "<{name}> in the page's main region"
            );
            for (attr, value) in &tag.attributes {
                let attr = String::from_utf8_lossy(attr).to_ascii_lowercase();
                assert!(!attr.starts_with("on"), "event handler {attr} on <{name}>");
                let value: String = String::from_utf8_lossy(&value.value)
                    .chars()
                    .filter(|c| !c.is_ascii_whitespace() && !c.is_control())
                    .collect::<String>()
                    .to_ascii_lowercase();
                if matches!(
                    attr.as_str(),
                    "href" | "src" | "action" | "formaction" | "xlink:href"
                ) {
                    assert!(
                        !value.starts_with("javascript:") && !value.starts_with("vbscript:"),
                        "script URL in {attr} of <{name}>: {value}"
                    );
                }
            }
        }
    }
}
