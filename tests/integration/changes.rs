//! "What changed": `endringer:` notes in front matter become a note under the page title, the
//! `/endringer/` page (newest first) and the Atom feed `/endringer.xml`.

use quick_xml::events::Event;

use crate::harness::Site;

/// The valid fixture with notes on two pages (written out of order on purpose).
fn site_with_notes() -> Site {
    let site = Site::fixture("valid");
    let l8 = site.source("content/takster/l8.md");
    site.write(
        "content/takster/l8.md",
        l8.replacen(
            "---\n",
            "---\nendringer:\n  - dato: 2026-10-02\n    tekst: Eldre endring\n  - dato: 2026-12-01\n    tekst: Ny frist for svar & «retting»\n",
            1,
        ),
    );
    let kommune = site.source("content/kommuner/fredrikstad.md");
    site.write(
        "content/kommuner/fredrikstad.md",
        kommune.replacen(
            "---\n",
            "---\nendringer:\n  - dato: 2026-11-15\n    tekst: Nytt tiltak lagt til\n",
            1,
        ),
    );
    site.build_ok();
    site
}

#[test]
fn a_page_shows_its_latest_change_note_under_the_title() {
    let site = site_with_notes();
    let main = site.main_of("takster/l8/index.html");
    let note = main.find("class=\"change-note\"").expect("a change note");
    assert!(main.find("<h1").unwrap() < note);
    assert!(
        main.contains("<time datetime=\"2026-12-01\">1. desember 2026</time>: Ny frist for svar &amp; «retting»"),
        "{main}"
    );
    assert!(!main.contains("Eldre endring"), "only the latest note");
    assert!(
        !site
            .main_of("tiltak/smagrupper/index.html")
            .contains("change-note")
    );
}

#[test]
fn the_changes_page_lists_every_note_newest_first() {
    let site = site_with_notes();
    let main = site.main_of("endringer/index.html");
    let at = |s: &str| {
        main.find(s)
            .unwrap_or_else(|| panic!("{s} missing in {main}"))
    };
    assert!(at("Ny frist for svar") < at("Nytt tiltak lagt til"));
    assert!(at("Nytt tiltak lagt til") < at("Eldre endring"));
    assert!(main.contains("id=\"takst-l8-2026-12-01\""), "{main}");
    assert!(site.read("sitemap.xml").contains("/endringer/</loc>"));
    assert!(site.read("index.html").contains("href=\"endringer.xml\""));
}

#[test]
fn a_site_without_notes_still_has_a_changes_page_and_a_feed() {
    let site = Site::fixture("valid");
    site.build_ok();
    assert!(
        site.main_of("endringer/index.html")
            .contains("Ingen endringer er registrert ennå")
    );
    let feed = site.read("endringer.xml");
    check_atom(&feed);
    assert!(!feed.contains("<entry>"));
}

#[test]
fn the_feed_is_atom_with_every_element_rfc_4287_requires() {
    let site = site_with_notes();
    let feed = site.read("endringer.xml");
    let entries = check_atom(&feed);
    assert_eq!(entries.len(), 3, "{feed}");
    assert_eq!(entries[0].title, "Takst L8");
    assert_eq!(entries[0].updated, "2026-12-01T00:00:00Z");
    assert_eq!(
        entries[0].id,
        "https://test.example.no/endringer/#takst-l8-2026-12-01"
    );
    assert!(feed.contains("<updated>2026-12-01T00:00:00Z</updated>\n  <author>"));
    assert!(feed.contains("<summary>Ny frist for svar &amp; «retting»</summary>"));
}

#[test]
fn change_notes_are_listed_in_pages_json() {
    let site = site_with_notes();
    let l8 = site.pages_json_entry("takst-l8");
    assert_eq!(l8["changes"][0]["date"], "2026-12-01");
    assert_eq!(l8["changes"][1]["note"], "Eldre endring");
}

#[test]
fn a_change_note_with_a_bad_date_is_an_error_at_its_line() {
    let site = Site::fixture("valid");
    let l8 = site.source("content/takster/l8.md");
    site.write(
        "content/takster/l8.md",
        l8.replacen(
            "---\n",
            "---\nendringer:\n  - dato: 1. desember\n    tekst: x\n",
            1,
        ),
    );
    let report = site.build();
    let d = report
        .compiled
        .diagnostics
        .iter()
        .find(|d| d.message.contains("`dato`"))
        .expect("a diagnostic about the date");
    assert_eq!((d.file.as_str(), d.line), ("content/takster/l8.md", 3));
}

#[derive(Debug, Default)]
struct Entry {
    id: String,
    title: String,
    updated: String,
    alternate: String,
}

/// Reads `xml` as an Atom feed and checks what RFC 4287 section 4.1 requires: the Atom
/// namespace on `feed`; exactly one `id`, `title` and `updated` on the feed and on each entry;
/// an `author` on the feed (so entries may leave it out); a `link rel="alternate"` on each entry
/// without `content`; dates in RFC 3339; ids that are absolute IRIs. Returns the entries.
fn check_atom(xml: &str) -> Vec<Entry> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut path: Vec<String> = Vec::new();
    let mut feed_counts = std::collections::HashMap::<String, usize>::new();
    let mut entries: Vec<Entry> = Vec::new();
    let mut entry_counts = std::collections::HashMap::<String, usize>::new();
    loop {
        match reader.read_event().expect("well-formed XML") {
            event @ (Event::Start(_) | Event::Empty(_)) => {
                let is_start = matches!(event, Event::Start(_));
                let (Event::Start(e) | Event::Empty(e)) = event else {
                    unreachable!()
                };
                let name = e.name().as_ref().to_owned();
                let attr = |key: &str| {
                    e.attributes()
                        .map(Result::unwrap)
                        .find(|a| a.key.as_ref() == key)
                        .map(|a| {
                            a.normalized_value(quick_xml::XmlVersion::Explicit1_0)
                                .unwrap()
                                .into_owned()
                        })
                };
                if path.is_empty() {
                    assert_eq!(name, "feed");
                    assert_eq!(
                        attr("xmlns").as_deref(),
                        Some("http://www.w3.org/2005/Atom")
                    );
                }
                if path.len() == 1 {
                    *feed_counts.entry(name.clone()).or_default() += 1;
                    if name == "entry" {
                        entries.push(Entry::default());
                        entry_counts.clear();
                    }
                }
                if path.len() == 2 && path[1] == "entry" {
                    *entry_counts.entry(name.clone()).or_default() += 1;
                    if name == "link" && attr("rel").as_deref() == Some("alternate") {
                        entries.last_mut().unwrap().alternate = attr("href").unwrap();
                    }
                }
                if is_start {
                    path.push(name);
                }
            }
            Event::End(_) => {
                if path.len() == 2 && path[1] == "entry" {
                    for required in ["id", "title", "updated"] {
                        assert_eq!(entry_counts.get(required), Some(&1), "entry {required}");
                    }
                    let e = entries.last().unwrap();
                    assert!(e.alternate.starts_with("https://"), "{e:?}");
                }
                path.pop();
            }
            Event::Text(t) => {
                // Text between entity references; the checked elements hold none.
                let text = t.xml10_content();
                if path.len() == 3 && path[1] == "entry" {
                    let e = entries.last_mut().unwrap();
                    match path[2].as_str() {
                        "id" => e.id.push_str(&text),
                        "title" => e.title.push_str(&text),
                        "updated" => e.updated.push_str(&text),
                        _ => {}
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    for required in ["id", "title", "updated", "author"] {
        assert_eq!(
            feed_counts.get(required),
            Some(&1),
            "feed {required}: {xml}"
        );
    }
    for e in &entries {
        assert!(e.id.starts_with("https://"), "{e:?}");
        assert!(is_rfc3339(&e.updated), "{e:?}");
    }
    entries
}

fn is_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    s.len() == 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'Z'
        && s.chars().filter(char::is_ascii_digit).count() == 14
}
