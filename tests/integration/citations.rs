//! Citations a reader can open: a body marker links to a note quoting exactly the cited lines,
//! and `check` flags every reference that cannot be trusted at `file:line:column`.
//!
//! Fixture `citations`: a report (`004_rapport.txt`, numbered headings, a form feed before line 15),
//! a short note (`tekster/000_notat.txt`), a source page without a text, and one page citing them.

use crate::harness::Site;

fn page(site: &Site, url: &str) -> String {
    std::fs::read_to_string(site.root.join("public").join(url).join("index.html")).unwrap()
}

/// The `<li>` of note `id` in `html`.
fn note<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("<li id=\"{id}\""))
        .unwrap_or_else(|| panic!("no note {id}"));
    let end = start + html[start..].find("</li>").unwrap();
    &html[start..end]
}

/// `(file, line, column, code)` of every diagnostic of a build.
fn diagnostics(site: &Site) -> Vec<(String, usize, usize, &'static str)> {
    site.build()
        .compiled
        .diagnostics
        .iter()
        .map(|d| (d.file.clone(), d.line, d.column, d.code))
        .collect()
}

#[test]
fn a_citation_link_resolves_to_a_note_quoting_the_cited_lines() {
    let site = Site::fixture("citations");
    let report = site.build();
    assert!(
        report.compiled.diagnostics.is_empty(),
        "{:?}",
        report.compiled.diagnostics
    );
    let html = page(&site, "sider/side");
    // The first marker `[@11-13]` is note 1; its link leads to the note, which quotes lines
    // 11–13 and nothing around them.
    assert!(
        html.contains("<sup class=\"cite\"><a href=\"#fn-1\" id=\"fnref-1-1\""),
        "{html}"
    );
    let first = note(&html, "fn-1");
    assert!(
        first.contains(
            "<blockquote><p>Nav ber om tilleggsopplysninger med takst L8.</p></blockquote>"
        ),
        "{first}"
    );
    assert!(!first.contains("Bakgrunn</p>") && !first.contains("Lege- og"));
    // Document linked to its page; section derived from the text's headings; page from the form
    // feed; both markers citing the same lines share the note and are linked back.
    assert!(first.contains("<a href=\"../../kilder/rapport/\">Rapporten om dialog</a>"));
    assert!(first.contains("1.1 Bakgrunn, linje 11–13, s. 1"), "{first}");
    assert!(first.contains("href=\"#fnref-1-1\"") && first.contains("href=\"#fnref-1-2\""));
    assert!(html.contains("id=\"fnref-1-2\""));

    // A front-matter source for the same lines joins the body's note (with its `note:`).
    let second = note(&html, "fn-2");
    assert!(second.contains("Svar konkret, ikke send hele epikriser til Nav."));
    assert!(
        second.contains(": Huskeliste") && second.contains("2.1 Kristiansand, linje 19–21, s. 2")
    );
    // The short form of another document's id, and the default source named in full.
    assert!(note(&html, "fn-3").contains("Digitalisering skal frigjøre tid for helsepersonellet."));
    assert!(note(&html, "fn-4").contains("1. Innledning, linje 5–7"));
    assert!(!html.contains("id=\"fn-5\""), "four distinct notes");
    // Markers inside code are text.
    assert!(html.contains("<code>[@99]</code>") && html.contains("[@1-2] i en kodeblokk"));
    // Outbound links are marked.
    assert!(html.contains("rel=\"external noopener\">Lovdata</a>"));
}

#[test]
fn markers_and_quotations_stay_out_of_search_texts_and_descriptions() {
    let site = Site::fixture("citations");
    site.build();
    // A compile in memory keeps the section texts (a build releases them).
    let options = veiviser::pipeline::BuildOptions {
        root: site.root.clone(),
        ..Default::default()
    };
    let sources = veiviser::source::load(&site.root, "default").unwrap();
    let compiled = veiviser::pipeline::compile(&sources, &options, &veiviser::pipeline::Silent);
    let page = compiled.graph.get("side-sider-side").unwrap();
    let text: String = page.body.sections.iter().map(|s| s.text.as_str()).collect();
    assert!(
        text.starts_with("Nav ber om tilleggsopplysninger. Svar konkret, og se [@99]"),
        "{text}"
    );
    assert!(
        !text.contains("[@11") && !text.contains("epikriser"),
        "{text}"
    );
    for entry in walkdir::WalkDir::new(site.root.join("public/search")) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let bytes = std::fs::read_to_string(entry.path()).unwrap();
            assert!(
                !bytes.contains("[@11") && !bytes.contains("epikriser"),
                "{}",
                entry.path().display()
            );
        }
    }
    let html = site.source("public/sider/side/index.html");
    assert!(html.contains(
        "<meta name=\"description\" content=\"Hvordan legen svarer Nav på en forespørsel.\""
    ));
}

#[test]
fn source_texts_are_not_published_but_other_text_files_are() {
    let site = Site::fixture("citations");
    site.write("content/vedlegg/liste.txt", "Et vedlegg.\n");
    site.build();
    assert_eq!(site.read("vedlegg/liste.txt"), "Et vedlegg.\n");
    std::fs::remove_file(site.public().join("vedlegg/liste.txt")).unwrap();
    let published: Vec<_> = walkdir::WalkDir::new(site.root.join("public"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "txt"))
        .map(|e| e.path().display().to_string())
        .filter(|p| !p.ends_with("robots.txt"))
        .collect();
    assert!(published.is_empty(), "{published:?}");
}

#[test]
fn check_flags_a_moved_passage_and_says_where_it_went() {
    let site = Site::fixture("citations");
    // A new edition of the report: two lines inserted before the quoted passage.
    let text = site
        .source("content/kilder/tekster/004_rapport.txt")
        .replacen(
            "2.1 Kristiansand\n",
            "2.1 Kristiansand\n\nNy innledning.\n",
            1,
        );
    site.write("content/kilder/tekster/004_rapport.txt", text);
    let report = site.build();
    let d: Vec<_> = report.compiled.diagnostics.iter().collect();
    assert_eq!(d.len(), 1, "exactly the page quoting it: {d:?}");
    assert_eq!(
        (d[0].file.as_str(), d[0].line, d[0].code),
        ("content/sider/side.md", 8, "quote-not-found")
    );
    assert_eq!(
        d[0].hint.as_deref(),
        Some(
            "the phrase is now at lines 21-23 of content/kilder/tekster/004_rapport.txt: update `lines`"
        )
    );
}

#[test]
fn check_flags_reversed_ambiguous_out_of_range_and_unknown_references() {
    let site = Site::fixture("citations");
    site.write(
        "content/sider/feil.md",
        "---\ntitle: Feil\nsources:\n  - source: kilde-rapport\n    lines: \"30-40\"\n  - source: kilde-notat\n    lines: \"5-3\"\n---\nBaklengs[@13-11], tvetydig[@119-21] og\nutenfor[@20-99], ukjent[@rapprot:1] og[@muntlig:1]\nog uten tekst.\n",
    );
    let d = diagnostics(&site);
    let file = "content/sider/feil.md".to_owned();
    assert_eq!(
        d,
        [
            (file.clone(), 5, 13, "line-out-of-range"),
            (file.clone(), 7, 13, "reversed-range"),
            // Column of the range inside the marker.
            (file.clone(), 9, 11, "reversed-range"),
            (file.clone(), 9, 29, "ambiguous-range"),
            (file.clone(), 10, 8, "line-out-of-range"),
            (file.clone(), 10, 24, "unknown-source"),
            (file.clone(), 10, 39, "no-source-text"),
        ]
    );
    let report = site.build();
    let hint = |code| {
        report
            .compiled
            .diagnostics
            .iter()
            .find(|x| x.code == code)
            .and_then(|x| x.hint.clone())
            .unwrap()
    };
    assert_eq!(hint("unknown-source"), "did you mean `kilde-rapport`?");
    assert_eq!(
        hint("ambiguous-range"),
        "write both ends in full, e.g. `119-121`"
    );
}

#[test]
fn a_source_page_naming_a_missing_text_is_an_error() {
    let site = Site::fixture("citations");
    site.remove("content/kilder/tekster/000_notat.txt");
    let d = diagnostics(&site);
    assert!(
        d.contains(&(
            "content/kilder/notat.md".to_owned(),
            3,
            11,
            "missing-source-text"
        )),
        "{d:?}"
    );
}

/// Runs `scripts/convert-citations.py` on the site; (exit code, stdout, stderr).
fn convert(site: &Site) -> (i32, String, String) {
    let out = std::process::Command::new("python3")
        .arg(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/convert-citations.py"))
        .arg("--root")
        .arg(&site.root)
        .output()
        .expect("python3 runs the converter");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_converter_rewrites_every_old_reference_by_rule_and_is_idempotent() {
    let site = Site::fixture("citations");
    let before = "---\ntitle: Gammel\nsources:\n  - source: kilde-notat\n    lines: \"3-5\"\n---\n\
Legen svarer (linje 11–13), og rapporten sier det samme\n(rapporten, linje 5–7). Se\n\
(004:19-21, 004:23) og linje 11–13 og 5-7. Figuren (figur 2, n=12; linje 19) viser det.\n\
Foreningen skriver (linje 3–5). Skrivemåten «linje 1979–1983» og `(linje 1)` står.\n\
Notatet (000:3-5).\n";
    site.write("content/sider/gammel.md", before);
    let (code, stdout, stderr) = convert(&site);
    assert_eq!((code, stdout.as_str()), (0, ""), "{stderr}");
    let after = site.source("content/sider/gammel.md");
    assert_eq!(
        after,
        "---\ntitle: Gammel\nsources:\n  - source: kilde-notat\n    lines: \"3-5\"\n---\n\
Legen svarer[@11-13], og rapporten sier det samme[@5-7]. Se[@19-21][@23] og[@11-13][@5-7]. \
Figuren (figur 2, n=12)[@19] viser det.\n\
Foreningen skriver[@kilde-notat:3-5]. Skrivemåten «linje 1979–1983» og `(linje 1)` står.\n\
Notatet[@kilde-notat:3-5].\n"
    );
    // Run again: nothing left to do.
    let (code, _, stderr) = convert(&site);
    assert_eq!(code, 0);
    assert!(stderr.starts_with("changed 0 files"), "{stderr}");
    // The converted page builds clean: every marker resolves to a note.
    let report = site.build();
    assert!(
        report.compiled.diagnostics.is_empty(),
        "{:?}",
        report.compiled.diagnostics
    );
}

#[test]
fn the_converter_prints_what_it_cannot_convert() {
    let site = Site::fixture("citations");
    // The label names the note, which has 5 lines: no rule may guess another document.
    site.write(
        "content/sider/uklar.md",
        "---\ntitle: Uklar\n---\nEn påstand (foreningen, linje 40).\n",
    );
    let (code, stdout, _) = convert(&site);
    assert_eq!(code, 1);
    assert_eq!(
        stdout,
        "content/sider/uklar.md:4: cannot tell which document «foreningen, linje 40» means\n"
    );
}

#[test]
fn unknown_default_source_is_one_error_at_its_line_in_veiviser_yaml() {
    // Before: the error pointed at veiviser.yaml line 1, and every marker without a document
    // added its own "no default source" error beside it.
    let site = Site::fixture("citations");
    let config = site.source("veiviser.yaml");
    let line = config
        .lines()
        .position(|l| l.contains("default_source:"))
        .expect("the fixture sets a default source")
        + 1;
    let wrong = config.replacen("default_source: ", "default_source: kilde-finnes-ikke-", 1);
    site.write("veiviser.yaml", wrong);
    let stderr = site.stderr_of_failing("check");
    assert!(
        stderr.contains(&format!("--> veiviser.yaml:{line}:")),
        "{stderr}"
    );
    assert!(
        stderr.contains("1 error(s)"),
        "one error, the root cause: {stderr}"
    );
    assert!(stderr.contains("follow-on problem"), "{stderr}");
}
