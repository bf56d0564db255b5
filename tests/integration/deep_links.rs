//! Entry points and the output check: code URLs in any case, every link the built site holds
//! (Markdown and templates alike) leads to a file and an id, external links are listed offline.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use veiviser::pipeline::{self, BuildOptions};

use crate::harness::{Site, hrefs};

#[test]
fn codes_are_case_insensitive_entry_points() {
    let site = Site::fixture("url_lock");
    site.build_ok();
    let upper = site.read("takster/L8/index.html");
    assert!(
        upper.contains("content=\"0; url=../../takster/l8/\""),
        "{upper}"
    );
    assert!(upper.contains("location.replace(\"../../takster/l8/\" + location.hash)"));
    assert!(
        site.read("takster/l8/index.html").contains("<h1"),
        "the page itself stays a page"
    );
    let l8 = site.pages_json_entry("takst-l8");
    assert_eq!(l8["code"], "L8");
    assert_eq!(
        l8["code_paths"],
        serde_json::json!(["/takster/L8/", "/takster/l8/"])
    );
    assert_eq!(l8["anchors"][0]["id"], "nar-brukes-l8");
}

#[test]
fn a_code_url_that_collides_is_an_error_at_the_code() {
    let site = Site::fixture("url_lock");
    site.write(
        "content/om.md",
        site.source("content/om.md").replace(
            "title: Om lenkene\n",
            "title: Om lenkene\naliases: [/takster/L8/]\n",
        ),
    );
    let errors = site.build_errors();
    let d: Vec<_> = errors.iter().collect();
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!(
        (d[0].file.as_str(), d[0].line, d[0].code),
        ("content/takster/l8.md", 4, "code-url-collision")
    );
    assert!(
        d[0].message.contains("/takster/L8/") && d[0].message.contains("content/om.md"),
        "{}",
        d[0].message
    );
}

#[test]
fn broken_links_made_by_templates_are_errors_at_the_built_line() {
    let site = Site::fixture("url_lock");
    let template = site.root.join("themes/default/templates/page.html");
    let text = std::fs::read_to_string(&template).unwrap();
    let at = text
        .find("{% endblock main %}")
        .expect("page.html has a main block");
    let broken = "<a href=\"{{ root }}finnes-ikke/\">x</a><a href=\"#ingen-slik-id\">y</a><a href=\"{{ root }}takster/l8/#nei\">z</a>";
    std::fs::write(&template, format!("{}{broken}{}", &text[..at], &text[at..])).unwrap();
    let report = site.build();
    let d: Vec<_> = report
        .compiled
        .diagnostics
        .iter()
        .filter(|d| d.code == "broken-output-link" && d.file == "takster/l8/index.html")
        .collect();
    assert_eq!(d.len(), 3, "{:#?}", report.compiled.diagnostics);
    assert!(
        d.iter()
            .all(|d| d.line > 1 && d.hint.as_deref().unwrap().contains("content/takster/l8.md"))
    );
    assert!(d.iter().any(|d| {
        d.message
            .contains("finnes-ikke/index.html, which is not a file")
    }));
    assert!(
        d.iter()
            .any(|d| d.message.contains("no element with id \"ingen-slik-id\""))
    );
    assert!(d.iter().any(|d| {
        d.message
            .contains("takster/l8/index.html has no element with id \"nei\"")
    }));
    assert!(
        !site.public().exists(),
        "a site with broken links is not written"
    );
}

#[test]
fn check_external_lists_external_links_with_their_markdown_position() {
    let site = Site::fixture("url_lock");
    let out = site
        .cli()
        .args(["check", "--external"])
        .assert()
        .code(0)
        .get_output()
        .clone();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout,
        "content/om.md:6:8\thttps://lovdata.no/lov/1997-02-28-19\n"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("1 external links (1 distinct URLs), listed, not fetched"),
        "{stderr}"
    );
    let json = site
        .cli()
        .args(["check", "--external", "--format", "json"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let line: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(
        line["external_link"],
        "https://lovdata.no/lov/1997-02-28-19"
    );
    assert_eq!(
        (line["file"].as_str(), line["line"].as_u64()),
        (Some("content/om.md"), Some(6))
    );
}

/// Ids of an HTML text, read with plain string search (independent of the product's tokenizer).
fn ids(html: &str) -> HashSet<String> {
    html.split(" id=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(|s| s.replace("&amp;", "&"))
        .collect()
}

/// Resolves `href` written in the file at `from` to an output file and fragment, or `None` when
/// it leaves the site.
fn resolve(from: &str, href: &str) -> Option<(String, String)> {
    let scheme = href.split_once(':').map(|(s, _)| s);
    if scheme.is_some_and(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric()))
        || href.starts_with("//")
    {
        return None;
    }
    let (path, frag) = href.split_once('#').unwrap_or((href, ""));
    let path = path.split('?').next().unwrap();
    let mut parts: Vec<&str> = if path.starts_with('/') {
        Vec::new()
    } else {
        from.split('/').collect()
    };
    parts.pop();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop().expect("a link above the site root");
            }
            s => parts.push(s),
        }
    }
    let joined = parts.join("/");
    let file = if path.is_empty() {
        from.to_owned()
    } else if !path.ends_with('/') {
        joined
    } else if joined.is_empty() {
        "index.html".into()
    } else {
        format!("{joined}/index.html")
    };
    Some((file, frag.to_owned()))
}

#[test]
fn every_href_and_fragment_of_the_repository_site_resolves() {
    let out = tempfile::tempdir().unwrap();
    let public = out.path().join("site");
    let report = pipeline::build(
        &BuildOptions {
            root: Path::new(env!("CARGO_MANIFEST_DIR")).to_owned(),
            out: Some(public.clone()),
            locked: true,
            ..BuildOptions::default()
        },
        true,
        &pipeline::Silent,
    )
    .unwrap();
    assert!(
        !report.compiled.has_errors(),
        "{}",
        veiviser::error::render_all(&report.compiled.diagnostics, false)
    );
    let mut html: HashMap<String, String> = HashMap::new();
    let mut files: HashSet<String> = HashSet::new();
    for rel in crate::harness::files_under(&public) {
        if std::path::Path::new(&rel)
            .extension()
            .is_some_and(|x| x == "html")
        {
            html.insert(
                rel.clone(),
                std::fs::read_to_string(public.join(&rel)).unwrap(),
            );
        }
        files.insert(rel);
    }
    let ids: HashMap<&str, HashSet<String>> =
        html.iter().map(|(k, v)| (k.as_str(), ids(v))).collect();
    let (mut links, mut fragments) = (0, 0);
    let mut broken = Vec::new();
    for (from, text) in &html {
        // 404.html is served at any depth, so its links are root-absolute by design.
        for href in hrefs(text) {
            let Some((file, frag)) = resolve(from, &href) else {
                continue;
            };
            links += 1;
            if !files.contains(&file) {
                broken.push(format!("{from}: {href} → {file} missing"));
            } else if !frag.is_empty() {
                fragments += 1;
                if !ids.get(file.as_str()).is_some_and(|i| i.contains(&frag)) {
                    broken.push(format!("{from}: {href} → no id {frag} in {file}"));
                }
            }
        }
    }
    assert!(
        broken.is_empty(),
        "{} broken:\n{}",
        broken.len(),
        broken.join("\n")
    );
    assert!(
        links > 5_000 && fragments > 300,
        "only {links} links and {fragments} fragments checked"
    );
    // Every page, anchor and entry point in the committed lock is in the built site.
    let lock =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("urls.lock")).unwrap();
    for entry in lock.lines().filter(|l| l.starts_with('/')) {
        let (file, frag) = resolve("index.html", entry).unwrap();
        assert!(files.contains(&file), "{entry}: {file} not built");
        if !frag.is_empty() {
            assert!(ids[file.as_str()].contains(&frag), "{entry}: no id {frag}");
        }
    }
}

/// The ids and link targets of `html` as html5gum's own token stream gives them: the independent
/// reading the links taken while rendering (`veiviser::html::Links`) must agree with.
fn tokenised(html: &str) -> (HashSet<String>, Vec<String>) {
    let mut emitter = html5gum::DefaultEmitter::default();
    emitter.naively_switch_states(true);
    let (mut ids, mut refs) = (HashSet::new(), Vec::new());
    for token in html5gum::Tokenizer::new_with_emitter(html, emitter).flatten() {
        let html5gum::Token::StartTag(tag) = token else {
            continue;
        };
        let attr = |name: &str| {
            tag.attributes
                .get(name.as_bytes())
                .map(|v| String::from_utf8_lossy(v).into_owned())
                .filter(|v| !v.is_empty())
        };
        let name = tag.name.as_slice();
        ids.extend(attr("id"));
        if name == b"a" {
            ids.extend(attr("name"));
        }
        refs.extend(["href", "src", "action"].into_iter().filter_map(attr));
        if name == b"meta"
            && attr("http-equiv").is_some_and(|v| v.eq_ignore_ascii_case("refresh"))
            && let Some(content) = attr("content")
            && let Some(at) = content.to_ascii_lowercase().find("url=")
        {
            refs.push(
                content[at + 4..]
                    .trim()
                    .trim_matches(['\'', '"'])
                    .to_owned(),
            );
        }
    }
    refs.sort();
    (ids, refs)
}

/// Issue 17: the output check reads the ids and links taken as each page was rendered, never the
/// built files; over every HTML file of the repository's site and of the fixtures, they must be
/// what html5gum finds in the file on disk.
#[test]
fn links_taken_while_rendering_agree_with_html5gum_over_every_built_page() {
    let repository = tempfile::tempdir().unwrap();
    let mut sites = vec![repository.path().join("site")];
    pipeline::build(
        &BuildOptions {
            root: Path::new(env!("CARGO_MANIFEST_DIR")).to_owned(),
            out: Some(sites[0].clone()),
            locked: true,
            ..BuildOptions::default()
        },
        true,
        &pipeline::Silent,
    )
    .unwrap();
    let fixtures: Vec<Site> = ["valid", "citations", "url_lock", "serve"]
        .into_iter()
        .map(Site::fixture)
        .collect();
    for site in &fixtures {
        site.build_ok();
        sites.push(site.public());
    }
    let mut checked = 0;
    for public in &sites {
        for e in walkdir::WalkDir::new(public).into_iter().flatten() {
            if e.path().extension().is_none_or(|x| x != "html") {
                continue;
            }
            let text = std::fs::read_to_string(e.path()).unwrap();
            let links = veiviser::html::Links::of(text.as_bytes());
            let mut targets: Vec<String> = links.targets().map(|(t, _)| t.to_owned()).collect();
            targets.sort();
            let ids: HashSet<String> = links.ids().map(str::to_owned).collect();
            assert_eq!((ids, targets), tokenised(&text), "{}", e.path().display());
            checked += 1;
        }
    }
    assert!(checked > 200, "only {checked} pages");
}
