//! The built-in theme: a site without `themes/` builds with it, a site file replaces just the
//! built-in file of the same path, and `veiviser theme eject` writes it out.

use crate::harness::Site;

#[test]
fn a_site_without_themes_builds_with_the_built_in_theme_byte_for_byte() {
    let copied = Site::fixture("valid");
    copied.build_ok();
    let bare = Site::fixture_without_theme("valid");
    bare.build_ok();
    // Same pages and the same fingerprinted asset names as with the theme copied from disk.
    assert_eq!(copied.output_fingerprint(), bare.output_fingerprint());
    assert!(bare.read("index.html").contains("assets/style."));
}

#[test]
fn one_site_template_replaces_only_that_template() {
    let site = Site::fixture_without_theme("valid");
    site.write(
        "themes/default/templates/404.html",
        "{% extends \"base.html\" %}\n{% block main %}<main id=\"innhold\"><h1>Egen 404</h1></main>{% endblock main %}\n",
    );
    site.build_ok();
    assert!(site.read("404.html").contains("<h1>Egen 404</h1>"));
    // The other pages still come from the built-in templates, and 404 from the built-in base.
    assert!(
        site.read("takster/l8/index.html")
            .contains("class=\"site-header")
    );
    assert!(site.read("404.html").contains("class=\"site-header"));
}

#[test]
fn a_site_stylesheet_replaces_the_built_in_one_under_its_own_fingerprint() {
    let builtin = Site::fixture_without_theme("valid");
    builtin.build_ok();
    let site = Site::fixture_without_theme("valid");
    site.write(
        "themes/default/static/style.css",
        "body { color: #123456; }\n",
    );
    site.build_ok();
    let css_of = |s: &Site| {
        s.output_fingerprint()
            .into_iter()
            .map(|(p, _)| p)
            .find(|p| {
                p.starts_with("assets/style.")
                    && std::path::Path::new(p)
                        .extension()
                        .is_some_and(|e| e == "css")
            })
            .unwrap()
    };
    let (old, new) = (css_of(&builtin), css_of(&site));
    assert_ne!(old, new, "a changed stylesheet gets a new name");
    assert_eq!(site.read(&new), "body { color: #123456; }\n");
    assert!(site.read("index.html").contains(&new));
    // The other static files are still the built-in ones.
    assert!(
        site.public()
            .join(css_of_name(&builtin, "search."))
            .exists()
    );
}

fn css_of_name(site: &Site, prefix: &str) -> String {
    site.output_fingerprint()
        .into_iter()
        .map(|(p, _)| p)
        .find(|p| p.starts_with(&format!("assets/{prefix}")))
        .unwrap()
}

#[test]
fn an_error_in_a_site_template_points_at_the_site_file() {
    let site = Site::fixture_without_theme("valid");
    site.write(
        "themes/default/templates/tag.html",
        "{% extends \"base.html\" %}\n{% block main %}\n{{ tag.title | ingen_slik_filter }}\n{% endblock main %}\n",
    );
    let report = site.build();
    assert!(
        report
            .compiled
            .diagnostics
            .iter()
            .any(|d| d.file == "themes/default/templates/tag.html" && d.line == 3),
        "{:#?}",
        report.compiled.diagnostics
    );
}

#[test]
fn a_misspelt_theme_name_is_an_error_not_the_built_in_theme() {
    let site = Site::fixture_without_theme("valid");
    let config = site.source("veiviser.yaml");
    site.write("veiviser.yaml", format!("theme: defualt\n{config}"));
    let out = site
        .cli()
        .arg("build")
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("theme `defualt`") && stderr.contains("veiviser theme eject"),
        "{stderr}"
    );
}

#[test]
fn theme_eject_writes_the_built_in_theme_and_keeps_site_files() {
    let site = Site::fixture_without_theme("valid");
    site.build_ok();
    let before = site.output_fingerprint();
    site.write("themes/default/templates/404.html", "egen");
    let out = site
        .cli()
        .args(["theme", "eject"])
        .assert()
        .success()
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("themes/default/templates/404.html"),
        "{stderr}"
    );
    assert_eq!(
        site.source("themes/default/templates/404.html"),
        "egen",
        "eject never overwrites"
    );
    for (path, bytes) in veiviser::source::theme_files() {
        if path != "templates/404.html" {
            let written = std::fs::read(site.root.join("themes/default").join(path)).unwrap();
            assert_eq!(written, bytes, "{path}");
        }
    }
    // With the built-in 404 back, the ejected theme builds the very same site.
    site.remove("themes/default/templates/404.html");
    site.cli().args(["theme", "eject"]).assert().success();
    site.build_ok();
    assert_eq!(before, site.output_fingerprint());
}
