//! `veiviser init`: a starter site that builds at once, from each template, and the refusals.

use crate::harness::Site;

#[test]
fn init_writes_a_site_that_builds_without_a_single_diagnostic() {
    let site = Site::init("enkel");
    for file in [
        "veiviser.yaml",
        "synonyms.yaml",
        ".gitignore",
        "content/_index.md",
        "content/tjenester/byggesoknad.md",
        "content/enheter/plan-og-bygg.md",
    ] {
        assert!(site.root.join(file).is_file(), "{file}");
    }
    assert!(!site.root.join("themes").exists(), "the theme is built in");
    site.build_ok();
    assert!(
        site.read("tjenester/byggesoknad/index.html")
            .contains("Søknad om byggetillatelse")
    );
    // The code URL of the example kind leads to the page.
    assert!(site.public().join("tjenester/b1/index.html").exists());
    site.cli().args(["check", "--locked"]).assert().success();
}

#[test]
fn init_kunnskapsbase_writes_this_repositorys_kinds_with_an_example_of_each() {
    let site = Site::init("kunnskapsbase");
    site.build_ok();
    let config = veiviser::config::Config::parse(&site.source("veiviser.yaml")).unwrap();
    let repo = veiviser::config::Config::parse(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/veiviser.yaml")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        config.kinds.keys().collect::<Vec<_>>(),
        repo.kinds.keys().collect::<Vec<_>>()
    );
    for kind in config.kinds.values() {
        let dir = site.root.join("content").join(&kind.section);
        let pages = std::fs::read_dir(&dir)
            .unwrap()
            .filter(|e| e.as_ref().unwrap().file_name() != "_index.md")
            .count();
        assert!(pages >= 1, "no example page in {}", dir.display());
    }
}

#[test]
fn the_kunnskapsbase_template_keeps_the_repositorys_schema_word_for_word() {
    // The kinds, from the home page's overview to the citations block (whose default source is
    // a page of each site's own).
    let schema = |text: &str| {
        let from = text.find("\n# The home page").unwrap();
        let to = text.find("\n# Citations").unwrap_or(text.len());
        text[from..to].to_owned()
    };
    let template = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/init/kunnskapsbase/veiviser.yaml"
    ))
    .unwrap();
    let repo =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/veiviser.yaml")).unwrap();
    assert_eq!(
        schema(&template),
        schema(&repo),
        "copy the repository's veiviser.yaml from `# The home page` on into the template"
    );
}

#[test]
fn init_refuses_a_folder_that_is_not_empty() {
    let site = Site::fixture_without_theme("valid");
    let out = site.cli().arg("init").assert().code(2).get_output().clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("is not empty"), "{stderr}");
}

#[test]
fn init_names_the_templates_when_one_is_misspelt() {
    let site = Site::fixture_without_theme("valid");
    let out = site
        .cli()
        .args(["init", "ny", "--template", "kunnskapsbas"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("enkel, kunnskapsbase") && stderr.contains("kunnskapsbase`?"),
        "{stderr}"
    );
    assert!(!site.root.join("ny").exists());
}
