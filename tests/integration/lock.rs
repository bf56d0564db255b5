//! `urls.lock`: a published site (fixture `url_lock`, lock committed) is edited the way editors
//! edit, and every URL and anchor it ever published must keep resolving.

use veiviser::error::Diagnostic;

use crate::harness::Site;

const L8: &str = "content/takster/l8.md";

fn errors(site: &Site) -> Vec<Diagnostic> {
    site.build()
        .compiled
        .diagnostics
        .into_iter()
        .filter(Diagnostic::is_error)
        .collect()
}

fn lock(site: &Site) -> String {
    site.source("urls.lock")
}

fn page(site: &Site, rel: &str) -> String {
    std::fs::read_to_string(site.root.join(rel)).unwrap()
}

/// Line number of `entry` in the fixture's committed lock.
fn lock_line(site: &Site, entry: &str) -> usize {
    lock(site).lines().position(|l| l == entry).unwrap() + 1
}

#[test]
fn published_site_builds_and_keeps_its_lock() {
    let site = Site::fixture("url_lock");
    let before = lock(&site);
    site.build_ok();
    assert_eq!(
        lock(&site),
        before,
        "a build that publishes nothing new leaves the lock alone"
    );
    site.cli().args(["check", "--locked"]).assert().code(0);
    site.cli().args(["build", "--locked"]).assert().code(0);
}

#[test]
fn page_moved_without_alias_fails_naming_the_url() {
    let site = Site::fixture("url_lock");
    let before = lock(&site);
    site.write("content/lenker.md", page(&site, "content/om.md"));
    site.remove("content/om.md");
    let errors = errors(&site);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let e = &errors[0];
    assert_eq!(
        (e.file.as_str(), e.line, e.code),
        ("urls.lock", lock_line(&site, "/om/"), "locked-url")
    );
    assert!(
        e.message
            .starts_with("/om/ (and its 1 anchor) was published"),
        "{}",
        e.message
    );
    let hint = e.hint.as_deref().unwrap();
    assert!(
        hint.contains("`aliases: [/om/]`") && hint.contains("content/lenker.md"),
        "{hint}"
    );
    assert_eq!(lock(&site), before, "a failed build never writes the lock");
    assert!(!site.public().exists(), "a failed build publishes nothing");

    let stderr = site.stderr_of_failing("check");
    assert!(
        stderr.contains("/om/") && stderr.contains("urls.lock:"),
        "{stderr}"
    );
}

#[test]
fn page_moved_with_alias_passes_and_the_redirect_keeps_the_fragment() {
    let site = Site::fixture("url_lock");
    site.write(
        "content/lenker.md",
        page(&site, "content/om.md").replace(
            "title: Om lenkene\n",
            "title: Om lenkene\naliases: [/om/]\n",
        ),
    );
    site.remove("content/om.md");
    site.build_ok();
    let redirect = site.read("om/index.html");
    assert!(
        redirect.contains("<meta http-equiv=\"refresh\" content=\"0; url=../lenker/\">"),
        "{redirect}"
    );
    assert!(
        redirect.contains("location.replace(\"../lenker/\" + location.hash)"),
        "{redirect}"
    );
    assert!(redirect.contains("<link rel=\"canonical\" href=\"https://test.example.no/lenker/\">"));
    // The anchor the old URL carried is on the new page, so /om/#hvorfor-lenker-ma-virke lands.
    assert!(
        site.read("lenker/index.html")
            .contains("id=\"hvorfor-lenker-ma-virke\"")
    );
    let lock = lock(&site);
    for entry in [
        "/om/",
        "/om/#hvorfor-lenker-ma-virke",
        "/lenker/",
        "/lenker/#hvorfor-lenker-ma-virke",
    ] {
        assert!(lock.lines().any(|l| l == entry), "{entry} missing:\n{lock}");
    }
}

#[test]
fn tariff_moved_to_a_new_file_keeps_its_url_through_its_code() {
    let site = Site::fixture("url_lock");
    site.write(
        "content/takster/utvidet-legeerklaering.md",
        page(&site, "content/takster/l40.md"),
    );
    site.remove("content/takster/l40.md");
    site.write(
        "content/_index.md",
        page(&site, "content/_index.md")
            .replace("takster/l40.md", "takster/utvidet-legeerklaering.md"),
    );
    site.build_ok();
    for short in ["takster/l40/index.html", "takster/L40/index.html"] {
        assert!(
            site.read(short)
                .contains("url=../../takster/utvidet-legeerklaering/"),
            "{short}"
        );
    }
}

#[test]
fn heading_renamed_fails_at_the_heading_with_both_fixes() {
    let site = Site::fixture("url_lock");
    site.write(
        L8,
        page(&site, L8).replace("## Når brukes L8", "## Når kan L8 brukes"),
    );
    site.write(
        "content/om.md",
        page(&site, "content/om.md").replace("#nar-brukes-l8", "#nar-kan-l8-brukes"),
    );
    let errors = errors(&site);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let e = &errors[0];
    assert_eq!(
        (e.file.as_str(), e.line, e.code),
        (L8, 8, "locked-anchor"),
        "{e:#?}"
    );
    assert!(
        e.message.contains("/takster/l8/#nar-brukes-l8"),
        "{}",
        e.message
    );
    let hint = e.hint.as_deref().unwrap();
    assert!(
        hint.contains("`## Når kan L8 brukes {#nar-brukes-l8}`"),
        "{hint}"
    );
    assert!(
        hint.contains("`anchor_aliases: { nar-brukes-l8: nar-kan-l8-brukes }`"),
        "{hint}"
    );
}

#[test]
fn heading_removed_fails_and_lists_the_headings_left() {
    let site = Site::fixture("url_lock");
    site.write(
        L8,
        page(&site, L8).replace("## Hvem bestiller\n\nNav-veilederen.\n", ""),
    );
    let errors = errors(&site);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(
        (errors[0].file.as_str(), errors[0].code),
        (L8, "locked-anchor")
    );
    assert!(
        errors[0]
            .hint
            .as_deref()
            .unwrap()
            .contains("headings now: #nar-brukes-l8"),
        "{:?}",
        errors[0].hint
    );
}

#[test]
fn heading_renamed_and_pinned_passes() {
    let site = Site::fixture("url_lock");
    site.write(
        L8,
        page(&site, L8).replace("## Når brukes L8", "## Når kan L8 brukes {#nar-brukes-l8}"),
    );
    site.build_ok();
    assert!(
        site.read("takster/l8/index.html")
            .contains("<h2 id=\"nar-brukes-l8\">Når kan L8 brukes</h2>")
    );
}

#[test]
fn heading_renamed_with_anchor_alias_passes_and_lands_without_javascript() {
    let site = Site::fixture("url_lock");
    site.write(
        L8,
        page(&site, L8)
            .replace(
                "kode: L8\n",
                "kode: L8\nanchor_aliases:\n  nar-brukes-l8: nar-kan-l8-brukes\n",
            )
            .replace("## Når brukes L8", "## Når kan L8 brukes"),
    );
    site.build_ok();
    let html = site.read("takster/l8/index.html");
    assert!(
        html.contains(
            "<h2 id=\"nar-kan-l8-brukes\"><span id=\"nar-brukes-l8\"></span>Når kan L8 brukes</h2>"
        ),
        "{html}"
    );
    let l8 = site.pages_json_entry("takst-l8");
    assert_eq!(l8["anchor_aliases"]["nar-brukes-l8"], "nar-kan-l8-brukes");
    assert!(
        lock(&site)
            .lines()
            .any(|l| l == "/takster/l8/#nar-kan-l8-brukes")
    );
}

#[test]
fn locked_refuses_a_new_page_and_never_writes() {
    let site = Site::fixture("url_lock");
    let before = lock(&site);
    site.write(
        "content/takster/l9.md",
        "---\ntitle: Takst L9\nkode: L9\n---\nNy.\n\n## Bruk\n\nTekst.\n",
    );
    for cmd in ["build", "check"] {
        let out = site
            .cli()
            .args([cmd, "--locked"])
            .assert()
            .code(1)
            .get_output()
            .clone();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("content/takster/l9.md"), "{stderr}");
        assert!(
            stderr.contains("not in urls.lock: /takster/L9/, /takster/l9/, /takster/l9/#bruk"),
            "{stderr}"
        );
        assert_eq!(lock(&site), before, "{cmd} --locked never writes the lock");
    }
    site.cli().arg("check").assert().code(0);
    assert_eq!(lock(&site), before, "check never writes the lock");
    site.cli().arg("build").assert().code(0);
    let after = lock(&site);
    assert!(after.lines().any(|l| l == "/takster/l9/#bruk"), "{after}");
    let mut sorted: Vec<&str> = after.lines().filter(|l| !l.starts_with('#')).collect();
    sorted.sort_unstable();
    assert_eq!(
        after
            .lines()
            .filter(|l| !l.starts_with('#'))
            .collect::<Vec<_>>(),
        sorted
    );
    site.cli().args(["build", "--locked"]).assert().code(0);
}

#[test]
fn drafts_are_not_published_into_the_lock() {
    let site = Site::fixture("url_lock");
    site.write(
        "content/takster/l9.md",
        "---\ntitle: Takst L9\nkode: L9\ndraft: true\n---\nNy.\n",
    );
    site.cli().args(["build", "--drafts"]).assert().code(0);
    assert!(!lock(&site).contains("l9"), "{}", lock(&site));
}

#[test]
fn a_missing_lock_is_created_but_refused_with_locked() {
    let site = Site::fixture("url_lock");
    site.remove("urls.lock");
    site.cli()
        .args(["check", "--locked"])
        .assert()
        .code(1)
        .stderr(predicates::str::contains("urls.lock is missing"));
    site.build_ok();
    assert!(
        lock(&site)
            .lines()
            .any(|l| l == "/takster/l8/#nar-brukes-l8")
    );
}

#[test]
fn a_merge_conflict_in_the_lock_is_an_error_at_its_line() {
    let site = Site::fixture("url_lock");
    site.write(
        "urls.lock",
        format!(
            "{}<<<<<<< HEAD\n/takster/l8/\n=======\n>>>>>>> other\nikke en sti\n",
            lock(&site)
        ),
    );
    let errors = errors(&site);
    let at: Vec<(&str, &str)> = errors.iter().map(|e| (e.file.as_str(), e.code)).collect();
    assert_eq!(at, [("urls.lock", "bad-lock"); 4], "{errors:#?}");
    assert!(errors[0].hint.as_deref().unwrap().contains("both sides"));
}

/// Issue 18, item 2: `urls.lock` was written after the new site was swapped in and the old one
/// removed, so a kill in between (8 of 22 random kills) left new URLs published but unlocked, and
/// a later build dropped them without a word. Every step of publishing is a point a build can be
/// killed after: at each one every URL and anchor live in `public/` must be in the lock on disk,
/// and a build stopped right there (a panic out of the step, like a kill) must leave a site that
/// the next build publishes cleanly.
#[test]
fn lock_written_after_swap_published_urls_are_locked_after_every_step() {
    use veiviser::output::{Step, write_site};
    use veiviser::pipeline::{self, BuildOptions};

    let all = [Step::Staged, Step::Locked, Step::Swapped, Step::Cleaned];
    for stop_after in all {
        let site = Site::fixture("url_lock");
        site.build_ok();
        site.write(
            "content/ny.md",
            "---\ntitle: Ny side\n---\n## Helt ny seksjon\n\nTekst.\n",
        );
        let options = BuildOptions {
            root: site.root.clone(),
            ..BuildOptions::default()
        };
        let report = pipeline::build(&options, false, &pipeline::Silent).unwrap();
        let new_lock = report.compiled.lock.new_text.as_deref();
        assert!(new_lock.is_some_and(|l| l.contains("/ny/#helt-ny-seksjon\n")));
        let mut steps = Vec::new();
        let stopped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            write_site(
                &options.out_dir(),
                &site.root,
                &report.compiled.files,
                new_lock,
                &mut |step| {
                    let live = site.public().join("ny/index.html").exists();
                    let locked = lock(&site);
                    assert!(
                        !live
                            || (locked.contains("/ny/\n")
                                && locked.contains("/ny/#helt-ny-seksjon\n")),
                        "after {step:?} the new page is live but not locked"
                    );
                    steps.push(step);
                    assert_ne!(step, stop_after, "stopped here on purpose");
                },
            )
        }));
        assert!(stopped.is_err());
        let expected = &all[..=all.iter().position(|s| *s == stop_after).unwrap()];
        assert_eq!(steps, expected);
        // The build after the stop publishes the new page and leaves the lock as it grew.
        site.build_ok();
        assert!(site.public().join("ny/index.html").exists());
        assert!(lock(&site).contains("/ny/#helt-ny-seksjon\n"));
    }
}
