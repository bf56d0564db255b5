//! The repository's own knowledge base: complete, sourced, linked, and free of warnings.
//!
//! This is the content contract of the site: every entity of the brief
//! (`../shared/brief/seed-facts.md`) has its page under the id the brief gives it.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::Path;

use veiviser::graph::SiteGraph;
use veiviser::page::PageRole;
use veiviser::pipeline::{self, BuildOptions};

use crate::harness::{self, hrefs};

/// Every entity id of the brief: roles, rules, tariffs, municipalities, measures, analyses, the
/// supporting entities of its section 9 and the five source documents.
const BRIEF_IDS: &[&str] = &[
    "rolle-fastlege",
    "rolle-sykmelder",
    "rolle-syfo-veileder",
    "rolle-saksbehandler",
    "rolle-nav-leder",
    "rolle-radgivende-lege",
    "rolle-koordinerende-radgivende-overlege",
    "rolle-kommuneoverlege",
    "rolle-arbeidsgiver",
    "rolle-sykmeldt",
    "rolle-kognitiv-terapeut",
    "rolle-jobbveileder",
    "rolle-ia-radgiver",
    "rolle-epj-leverandor",
    "regel-folketrygdloven",
    "regel-ftrl-21-4",
    "regel-ftrl-8-4",
    "regel-vilkar-sykmelding",
    "regel-sykepenger",
    "regel-aap",
    "regel-uforetrygd",
    "regel-tilretteleggingsplikt-aml-4-6",
    "regel-hol-paragraf-12",
    "regel-taushetsplikt-personvern",
    "regel-obligatorisk-opplaering-sykmelding",
    "regel-ny-fastlegeforskrift-2025",
    "regel-ia-avtalen",
    "regel-pasientjournalforskriften-4",
    "regel-stoppunkter-7-17-39-uker",
    "regel-dialogmote-1",
    "regel-dialogmote-2",
    "regel-tidlig-dialogmote",
    "regel-dialogmote",
    "regel-aktivitetskravet-8-uker",
    "regel-arbeidsevnevurdering-uke-12",
    "regel-gradert-sykmelding",
    "regel-avventende-sykmelding",
    "regel-friskmelding-til-arbeidsformidling",
    "regel-funksjonsvurdering-arbeidsevne",
    "regel-sykmeldingsblanketten",
    "regel-legeerklaering-arbeidsuforhet",
    "regel-oppfolgingsplan",
    "regel-retningslinjer-radgivende-lege",
    "takst-konsultasjon",
    "takst-l1",
    "takst-l4",
    "takst-l8",
    "takst-l40",
    "takst-14-motegodtgjorelse",
    "takst-dialogmote",
    "takst-l-takster",
    "takst-ny-samarbeidstakst-forslag",
    "takst-takstsystemet-fastlege",
    "takst-profesjonsnoytrale-takster",
    "takst-takstsystemet-avtalespesialister",
    "kommune-fredrikstad",
    "kommune-innlandet",
    "kommune-kristiansand",
    "kommune-lillestrom",
    "kommune-ytre-sore-sunnmore",
    "kommune-ringerike",
    "kommune-ringsaker",
    "kommune-sandefjord",
    "tiltak-fredrikstad-smagrupper",
    "tiltak-innlandet-todagerskurs",
    "tiltak-kristiansand-samarbeidsgruppe",
    "tiltak-kristiansand-spisset-bestilling",
    "tiltak-kristiansand-besoksrunde-legesentre",
    "tiltak-kristiansand-radgivning-til-fastleger",
    "tiltak-kristiansand-dialogmelding",
    "tiltak-kristiansand-funksjonsbeskrivelse",
    "tiltak-kristiansand-aap-perioden",
    "tiltak-kristiansand-vanskelig-informasjon",
    "tiltak-kristiansand-gode-tiltak-for-pasienten",
    "tiltak-kristiansand-huskelister",
    "tiltak-kristiansand-leserbekreftelse",
    "tiltak-lillestrom-pilot",
    "tiltak-yss-arlig-samhandlingsmote",
    "tiltak-yss-arbeidsplassbesok",
    "tiltak-yss-direktenumre-kontaktperson",
    "tiltak-ringerike-icit-kurs",
    "tiltak-ringerike-besok-legekontor",
    "tiltak-ringerike-forbedret-oppfolgingsplan",
    "tiltak-ringsaker-arbeidspuls",
    "tiltak-ringsaker-kartleggingsskjema",
    "tiltak-sandefjord-tidlig-innsats",
    "tiltak-sandefjord-sykefravaerskurs-arbeidsgivere",
    "tiltak-sandefjord-besok-legekontor",
    "tiltak-sandefjord-deling-telefonnumre",
    "tiltak-deling-telefonnumre",
    "tiltak-syfo-telefonnummer-til-legekontor",
    "tiltak-besok-legekontor",
    "tiltak-icit-kurs",
    "tiltak-statistikk-for-sykmeldere",
    "tiltak-sykmelderveileder",
    "tiltak-skil-kurs",
    "tiltak-arbeidsfokus-pa-fastlegekontor",
    "tiltak-lege-og-behandlertelefonen",
    "tiltak-felles-digital-plattform",
    "tiltak-pilot-ny-sykmeldingslosning",
    "tiltak-kunnskapsbank-trygdemedisin",
    "tiltak-samtalepakker-radgivende-lege",
    "tiltak-kompetanseplan-radgivende-leger",
    "tiltak-tilskuddsordning-kognitiv-terapeut-2024",
    "tiltak-digitalt-samhandlingsrom",
    "tiltak-bpls",
    "analyse-metode",
    "analyse-daglig-informasjonsutveksling",
    "analyse-barrierer",
    "analyse-helhetlige-analyser",
    "analyse-anbefalinger",
    "system-modia",
    "system-gosys",
    "system-helsenorge",
    "system-epj",
    "kanal-dialogmelding",
    "org-arbeids-og-velferdsdirektoratet",
    "org-trygdemedisinsk-faggruppe",
    "org-helsedirektoratet",
    "org-legeforeningen",
    "org-nfa",
    "org-nav-arbeidsradgivning-ark",
    "org-senter-for-jobbmestring",
    "org-usap",
    "org-frisklivssentralen",
    "org-dps",
    "org-sykehuset-innlandet",
    "org-allmennlegeutvalg",
    "org-kompetansesenter-arbeidsinkludering",
    "org-nav-klageinstans",
    "kilde-rapport-nav-sykmelder",
    "kilde-lf-statsbudsjett-2026",
    "kilde-lf-nhsp-2024-2027",
    "kilde-lf-nhsp-innspill-2022",
    "kilde-tidsskriftet-allmennlegemelding-2024",
];

fn build_repository_site() -> (
    SiteGraph,
    tempfile::TempDir,
    Vec<veiviser::error::Diagnostic>,
) {
    build_site(Path::new(env!("CARGO_MANIFEST_DIR")))
}

/// Builds the site at `root` into a temporary folder (`site/` in it), with `--locked`.
fn build_site(
    root: &Path,
) -> (
    SiteGraph,
    tempfile::TempDir,
    Vec<veiviser::error::Diagnostic>,
) {
    let out = tempfile::tempdir().unwrap();
    let options = BuildOptions {
        root: root.to_owned(),
        out: Some(out.path().join("site")),
        // The committed urls.lock must already hold every page and anchor: never write it here.
        locked: true,
        ..BuildOptions::default()
    };
    let report = pipeline::build(&options, true, &pipeline::Silent).unwrap();
    (report.compiled.graph, out, report.compiled.diagnostics)
}

#[test]
fn repository_site_has_no_errors_and_no_warnings() {
    let (_, _, diags) = build_repository_site();
    assert!(
        diags.is_empty(),
        "{}",
        veiviser::error::render_all(&diags, false)
    );
}

#[test]
fn every_entity_of_the_brief_has_its_page() {
    let (graph, _, _) = build_repository_site();
    let missing: Vec<_> = BRIEF_IDS
        .iter()
        .filter(|id| graph.get(id).is_none())
        .collect();
    assert!(missing.is_empty(), "no page for {missing:?}");
}

#[test]
fn counts_per_kind_reach_the_brief() {
    let (graph, _, _) = build_repository_site();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for p in graph.pages.iter().filter(|p| p.role == PageRole::Entry) {
        *counts.entry(p.kind.as_deref().unwrap_or("")).or_default() += 1;
    }
    for (kind, at_least) in [
        ("rolle", 14),
        ("regel", 29),
        ("takst", 12),
        ("tiltak", 43),
        ("kommune", 8),
        ("analyse", 5),
        ("kilde", 5),
        ("begrep", 19),
    ] {
        assert!(
            counts.get(kind).copied().unwrap_or(0) >= at_least,
            "{kind}: {counts:?}"
        );
    }
}

#[test]
fn every_page_has_a_summary_a_source_and_eighty_words() {
    let (graph, _, _) = build_repository_site();
    for p in graph.pages.iter().filter(|p| p.role == PageRole::Entry) {
        assert!(
            p.summary
                .as_deref()
                .is_some_and(|s| s.split_whitespace().count() >= 5),
            "{}: summary",
            p.file
        );
        assert!(!p.sources.is_empty(), "{}: no source", p.file);
        assert!(
            p.sources
                .iter()
                .all(|s| s.section.is_some() && s.lines.is_some()),
            "{}: a source without section or lines",
            p.file
        );
        assert!(
            p.body.word_count >= 80,
            "{}: only {} words",
            p.file,
            p.body.word_count
        );
    }
}

#[test]
fn local_measures_name_their_municipality_and_every_municipality_has_measures() {
    let (graph, _, _) = build_repository_site();
    let mut municipalities_with_measures = BTreeSet::new();
    for p in graph
        .pages
        .iter()
        .filter(|p| p.kind.as_deref() == Some("tiltak"))
    {
        let local = p
            .fields
            .get("omfang")
            .map(veiviser::page::FieldValue::display)
            .as_deref()
            == Some("lokalt");
        let kommune = p
            .fields
            .get("kommune")
            .map(veiviser::page::FieldValue::display);
        if local {
            assert!(
                kommune.is_some(),
                "{} is a local measure without `kommune`",
                p.file
            );
        }
        municipalities_with_measures.extend(kommune);
    }
    for p in graph
        .pages
        .iter()
        .filter(|p| p.kind.as_deref() == Some("kommune"))
    {
        assert!(
            municipalities_with_measures.contains(&p.id),
            "{} has no measure",
            p.id
        );
    }
}

#[test]
fn every_tariff_has_a_code_and_only_takst_14_an_amount() {
    let (graph, _, _) = build_repository_site();
    for p in graph
        .pages
        .iter()
        .filter(|p| p.kind.as_deref() == Some("takst"))
    {
        assert!(p.fields.contains_key("kode"), "{} has no code", p.file);
        // The sources give a kroner amount for takst 14 only; any other amount is invented.
        assert_eq!(
            p.fields.contains_key("belop"),
            p.id == "takst-14-motegodtgjorelse",
            "{}",
            p.file
        );
    }
}

#[test]
fn every_page_is_reachable_from_the_home_page() {
    let (graph, out, _) = build_repository_site();
    let site = out.path().join("site");
    let mut seen = BTreeSet::from(["index.html".to_owned()]);
    let mut queue = VecDeque::from(["index.html".to_owned()]);
    while let Some(page) = queue.pop_front() {
        let html = std::fs::read_to_string(site.join(&page)).unwrap();
        let dir = Path::new(&page).parent().unwrap().to_owned();
        for href in hrefs(&html) {
            if href.starts_with("http") || href.starts_with('#') || href.starts_with("mailto:") {
                continue;
            }
            let path = href.split('#').next().unwrap();
            let mut target = dir.join(path);
            if path.is_empty() || path.ends_with('/') {
                target = target.join("index.html");
            }
            let mut parts: Vec<String> = Vec::new();
            for c in target.components() {
                match c {
                    std::path::Component::ParentDir => {
                        parts.pop();
                    }
                    std::path::Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
                    _ => {}
                }
            }
            let target = parts.join("/");
            if target.ends_with("index.html")
                && site.join(&target).is_file()
                && seen.insert(target.clone())
            {
                queue.push_back(target);
            }
        }
    }
    for p in graph.pages.iter().filter(|p| p.role == PageRole::Entry) {
        assert!(
            seen.contains(&format!("{}index.html", p.url)),
            "{} is not reachable from the home page",
            p.url
        );
    }
}

/// `build` lets go of texts, sections and Markdown HTML as it goes (to keep its peak memory
/// low); `compile`, which `serve` uses, keeps everything. Both must make the same site.
#[test]
fn a_build_writes_exactly_the_files_compile_makes() {
    let (_, out, _) = build_repository_site();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let theme = pipeline::theme_name(root).unwrap();
    let sources = veiviser::source::load(root, &theme).unwrap();
    let options = BuildOptions {
        root: root.to_owned(),
        locked: true,
        ..BuildOptions::default()
    };
    let compiled = pipeline::compile(&sources, &options, &pipeline::Silent);
    assert!(!compiled.has_errors());
    let site = out.path().join("site");
    let mut written: BTreeSet<String> = walkdir::WalkDir::new(&site)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(&site).unwrap().to_string_lossy();
            rel.replace('\\', "/")
        })
        .collect();
    written.remove(".veiviser-output");
    let made: BTreeSet<String> = compiled.files.iter().map(|f| f.path.clone()).collect();
    assert_eq!(written, made);
    for f in &compiled.files {
        let bytes = std::fs::read(site.join(&f.path)).unwrap();
        assert!(
            bytes == f.bytes,
            "{} differs between build and compile",
            f.path
        );
    }
}

/// Issue 15: the tariff list showed «Dialogmøte», «Konsultasjon» and «L-takster» as codes marked
/// «Gjeldende» beside L1–L40; the first table must hold only tariffs a GP can bill with a code the
/// sources give, and every other tariff page must still be listed, in the second table.
#[test]
fn tariff_list_shows_only_billable_coded_tariffs_in_its_first_table() {
    let (graph, out, _) = build_repository_site();
    assert_tariff_tables(&graph, out.path());
}

/// The split into two tables tested the status's *label* («Gjeldende») until it tested the
/// value: rewording the label in `veiviser.yaml` would have emptied the first table silently.
#[test]
fn regression_the_tariff_tables_survive_a_reworded_status_label() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let site = tempfile::tempdir().unwrap();
    for dir in ["content", "themes"] {
        harness::copy_dir(&repo.join(dir), &site.path().join(dir));
    }
    for file in ["synonyms.yaml", "urls.lock"] {
        std::fs::copy(repo.join(file), site.path().join(file)).unwrap();
    }
    let config = std::fs::read_to_string(repo.join("veiviser.yaml")).unwrap();
    assert!(config.contains("gjeldende: Gjeldende"));
    std::fs::write(
        site.path().join("veiviser.yaml"),
        config.replace("gjeldende: Gjeldende", "gjeldende: I bruk"),
    )
    .unwrap();
    let (graph, out, _) = build_site(site.path());
    let l8 = std::fs::read_to_string(out.path().join("site/takster/l8/index.html")).unwrap();
    assert!(l8.contains("I bruk"), "the new label is shown");
    assert_tariff_tables(&graph, out.path());
}

/// The tariff index built into `out` (`site/` in it) lists exactly the billable tariffs with a
/// code in its first table, and every other tariff page of `graph` in its second.
#[track_caller]
fn assert_tariff_tables(graph: &SiteGraph, out: &Path) {
    let html = std::fs::read_to_string(out.join("site/takster/index.html")).unwrap();
    let all = graph
        .pages
        .iter()
        .filter(|p| p.kind.as_deref() == Some("takst") && p.role == PageRole::Entry)
        .count();
    let main = html.split("<main").nth(1).unwrap();
    let (first, rest) = main
        .split_once("id=\"andre-sider\"")
        .expect("a second table for overview pages and proposals");
    let tariff_links = |part: &str| -> BTreeSet<String> {
        hrefs(part)
            .into_iter()
            .filter(|h| h.starts_with("../takster/") && h != "../takster/")
            .collect()
    };
    let billable: BTreeSet<String> = ["14-motegodtgjorelse", "l1", "l4", "l8", "l40"]
        .iter()
        .map(|s| format!("../takster/{s}/"))
        .collect();
    let first_table = first.rsplit_once("<table").unwrap().1;
    assert_eq!(tariff_links(first_table), billable);
    let others = tariff_links(rest.split("</table>").next().unwrap());
    assert_eq!(others.len() + billable.len(), all);
    assert!(others.is_disjoint(&billable));
}

/// Old-style references ("(linje 1979–1983)", "004:1979-1983") in `text`, outside code spans
/// and «quoted» mentions of the notation itself.
fn old_style_references(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let (mut in_code, mut in_quote) = (false, 0_i32);
    let chars: Vec<char> = text.chars().collect();
    let digits_at = |i: usize| chars.get(i).is_some_and(char::is_ascii_digit);
    for i in 0..chars.len() {
        match chars[i] {
            '`' => in_code = !in_code,
            '«' => in_quote += 1,
            '»' => in_quote -= 1,
            _ => {}
        }
        if in_code || in_quote > 0 {
            continue;
        }
        let rest: String = chars[i..chars.len().min(i + 16)].iter().collect();
        let word_start = i == 0 || !chars[i - 1].is_alphanumeric();
        let linje = word_start && rest.starts_with("linje ") && digits_at(i + 6);
        // `004:1979`, but not the `2027:40` of a marker's document id.
        let numbered = word_start
            && (0..3).all(|k| digits_at(i + k))
            && chars.get(i + 3) == Some(&':')
            && digits_at(i + 4)
            && (i == 0 || !matches!(chars[i - 1], '-' | '@'));
        if linje || numbered {
            found.push(rest);
        }
    }
    found
}

#[test]
fn no_line_references_are_left_in_running_text() {
    // Citations are `[@…]` markers (scripts/convert-citations.py rewrites the old notation).
    let mut left = Vec::new();
    for entry in walkdir::WalkDir::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("content")) {
        let entry = entry.unwrap();
        if entry.path().extension().is_none_or(|e| e != "md") {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).unwrap();
        let body = text.splitn(2, "\n---\n").last().unwrap_or_default();
        for r in old_style_references(body) {
            left.push(format!("{}: {r}", entry.path().display()));
        }
    }
    assert!(left.is_empty(), "{left:#?}");
}

#[test]
fn old_style_reference_finder_sees_both_notations_and_spares_markers() {
    assert_eq!(
        old_style_references("a (linje 12–14) og (004:1979-1983)").len(),
        2
    );
    assert!(
        old_style_references("a[@kilde-lf-nhsp-2024-2027:40-52] «linje 3» `004:12` linjer 4")
            .is_empty()
    );
}
