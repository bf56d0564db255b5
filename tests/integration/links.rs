//! Links and anchors are checked; duplicate ids and codes are refused; aliases redirect.

use crate::harness::Site;

fn diagnostics(site: &Site) -> Vec<(String, usize, &'static str, String)> {
    site.build()
        .compiled
        .diagnostics
        .iter()
        .map(|d| (d.file.clone(), d.line, d.code, d.message.clone()))
        .collect()
}

#[test]
fn broken_links_and_anchors_are_errors_with_positions() {
    let site = Site::fixture("valid");
    site.write(
        "content/kommuner/fredrikstad.md",
        "---\ntitle: Fredrikstad\n---\nSe [[takst-l9]], [L8](../takster/l8.md#finnes-ikke),\n[mangler](../takster/l99.md) og [[takst-l8#nar-brukes-l8]].\n",
    );
    let d = diagnostics(&site);
    assert_eq!(d.len(), 3, "{d:?}");
    assert!(
        d.iter()
            .all(|(f, l, c, _)| f == "content/kommuner/fredrikstad.md"
                && *c == "broken-link"
                && (*l == 4 || *l == 5)),
        "{d:?}"
    );
    assert!(d.iter().any(|(_, _, _, m)| m.contains("#finnes-ikke")));
    let report = site.build();
    let hint = report
        .compiled
        .diagnostics
        .iter()
        .find(|x| x.message.contains("takst-l9"))
        .unwrap()
        .hint
        .clone();
    assert_eq!(hint.as_deref(), Some("did you mean `takst-l8`?"));
}

#[test]
fn duplicate_ids_and_codes_are_errors() {
    let site = Site::fixture("valid");
    site.write(
        "content/takster/annen.md",
        "---\ntitle: Annen\nid: takst-l8\nkode: l8\n---\nTekst.\n",
    );
    let d = diagnostics(&site);
    assert!(
        d.iter()
            .any(|(f, l, c, _)| f == "content/takster/annen.md" && *l == 3 && *c == "duplicate-id"),
        "{d:?}"
    );
    assert!(
        d.iter().any(|(f, l, c, _)| f == "content/takster/annen.md"
            && *l == 4
            && *c == "duplicate-value"),
        "codes compare without case: {d:?}"
    );
    assert!(
        d.iter().any(|(f, _, c, m)| f == "content/takster/l8.md"
            && *c == "duplicate-id"
            && m.contains("annen.md")),
        "both ends are told: {d:?}"
    );
}

#[test]
fn alias_redirect_keeps_fragment_and_works_without_javascript() {
    let site = Site::fixture("valid");
    site.write(
        "content/takster/14.md",
        site.source("content/takster/14.md").replace(
            "enhet: halvtime\n",
            "enhet: halvtime\naliases: [/takster/motegodtgjorelse/]\n",
        ),
    );
    site.build_ok();
    let html = site.read("takster/motegodtgjorelse/index.html");
    assert!(
        html.contains("<meta http-equiv=\"refresh\" content=\"0; url=../../takster/14/\">"),
        "{html}"
    );
    assert!(html.contains("location.replace(\"../../takster/14/\" + location.hash)"));
    assert!(html.contains("<link rel=\"canonical\" href=\"https://test.example.no/takster/14/\">"));
}

#[test]
fn colliding_aliases_are_errors() {
    let site = Site::fixture("valid");
    site.write(
        "content/kommuner/fredrikstad.md",
        "---\ntitle: Fredrikstad\naliases: [/takster/l8/, /gammel/]\n---\nTekst.\n",
    );
    site.write(
        "content/kilder/rapport.md",
        "---\ntitle: Rapporten\naliases: [/gammel/]\n---\nTekst.\n",
    );
    let d = diagnostics(&site);
    let collisions: Vec<_> = d.iter().filter(|x| x.2 == "alias-collision").collect();
    assert_eq!(collisions.len(), 2, "{d:?}");
}
