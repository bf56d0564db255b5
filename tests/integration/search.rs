//! Search over real built sites: the relevance set on the repository's own knowledge base, the
//! CLI contract, determinism, synonyms diagnostics and the split index's shape.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::Path;

use veiviser::search::reader::Reader;
use veiviser::search::{self, engine};

use crate::harness::Site;

fn repository_index() -> (HashMap<String, Vec<u8>>, String) {
    veiviser::cli::search::index_files(Path::new(env!("CARGO_MANIFEST_DIR")).to_owned()).unwrap()
}

/// `(category, query, expected id)` of `tests/search/relevance.tsv`.
fn relevance_set() -> Vec<(String, String, String)> {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/search/relevance.tsv"),
    )
    .unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 3, "bad line: {l}");
            (f[0].to_owned(), f[1].to_owned(), f[2].to_owned())
        })
        .collect()
}

#[test]
fn relevance_top1_is_at_least_95_percent_and_codes_are_perfect() {
    let (files, base) = repository_index();
    let set = relevance_set();
    assert!(
        set.len() >= 100,
        "the relevance set has {} queries",
        set.len()
    );
    let mut by_category: BTreeMap<&str, (usize, usize, f64)> = BTreeMap::new();
    let mut misses = Vec::new();
    let reader = Reader::open(&files).unwrap();
    for (category, q, expected) in &set {
        let options = engine::Options {
            limit: 10,
            ..engine::Options::default()
        };
        let (items, _) = search::run(&reader, &base, q, &options).unwrap();
        let rank = items
            .iter()
            .position(|i| expected.split('|').any(|e| e == i.id));
        let e = by_category.entry(category).or_default();
        e.1 += 1;
        if rank == Some(0) {
            e.0 += 1;
        } else {
            let got: Vec<&str> = items.iter().take(3).map(|i| i.id.as_str()).collect();
            misses.push(format!(
                "{category}: `{q}` → {got:?}, expected {expected} (rank {rank:?})"
            ));
        }
        e.2 += rank.map_or(0.0, |r| 1.0 / (r as f64 + 1.0));
    }
    let (hits, total) = by_category
        .values()
        .fold((0, 0), |a, v| (a.0 + v.0, a.1 + v.1));
    let mrr: f64 = by_category.values().map(|v| v.2).sum::<f64>() / total as f64;
    let mut report = format!(
        "top-1 {hits}/{total} = {:.3}, MRR@10 {mrr:.3}\n",
        hits as f64 / total as f64
    );
    for (c, (h, n, r)) in &by_category {
        let _ = writeln!(report, "  {c:<10} {h}/{n}  MRR {:.3}", r / *n as f64);
    }
    for m in &misses {
        let _ = writeln!(report, "  miss {m}");
    }
    eprintln!("{report}");
    std::fs::write(
        Path::new(env!("CARGO_TARGET_TMPDIR")).join("relevance-report.txt"),
        &report,
    )
    .unwrap();
    let codes = by_category["code"];
    assert_eq!(codes.0, codes.1, "codes must all be first\n{report}");
    assert!(hits * 100 >= total * 95, "top-1 below 95 %\n{report}");
}

/// One row of a query set of `tests/search/queries/` (format in its README).
struct Row {
    category: String,
    query: String,
    /// `id` or `id#anchor` alternatives, any of which first is a hit.
    expected: Vec<String>,
}

fn query_set(name: &str) -> Vec<Row> {
    read_set(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/search/queries/{name}.tsv")),
    )
}

fn read_set(path: &Path) -> Vec<Row> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: cannot read the query set: {e}", path.display()));
    // A bad line is named by its number only: an outside set's rows are never printed.
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.starts_with('#') && !l.trim().is_empty())
        .map(|(n, l)| {
            let f: Vec<&str> = l.split('\t').collect();
            assert!(
                f.len() >= 3,
                "{}:{}:1: fewer than three tab-separated fields (category, query, expected)",
                path.display(),
                n + 1
            );
            Row {
                category: f[0].to_owned(),
                query: f[1].to_owned(),
                expected: f[2].split('|').map(str::to_owned).collect(),
            }
        })
        .collect()
}

/// Top-1 and top-3 of a query set, overall and per category.
#[derive(Default, Clone, Copy)]
struct Score {
    n: usize,
    top1: usize,
    top3: usize,
    /// Top-1 counting a section expectation (`id#anchor`) only when that section is the hit.
    section_top1: usize,
}

impl Score {
    fn pct(part: usize, n: usize) -> f64 {
        100.0 * part as f64 / n.max(1) as f64
    }
}

/// Scores query set `name` over the repository's site, writes the per-category report to
/// `<target>/search-eval/<name>.txt` and returns the overall and per-category scores. A page
/// counts for an `id#anchor` expectation in `top1`/`top3`; `section_top1` is the strict figure.
fn evaluate(name: &str) -> (Score, BTreeMap<String, Score>, String) {
    let rows = query_set(name);
    let (total, by_category, aggregate, misses, top5) = score_rows(&rows);
    let mut report = format!("query set `{name}` (limit 10, queries as typed)\n{aggregate}");
    for m in &misses {
        let _ = writeln!(report, "  miss {m}");
    }
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("search-eval");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}.txt")), &report).unwrap();
    // The first five per query, for comparing engines (as `veiviser search --json` prints them).
    std::fs::write(
        dir.join(format!("{name}.top5.json")),
        serde_json::to_string(&top5).unwrap(),
    )
    .unwrap();
    (total, by_category, report)
}

/// What [`score_rows`] returns: overall and per-category scores, their aggregate lines, the
/// misses (one line each) and the first five per query.
type Scored = (
    Score,
    BTreeMap<String, Score>,
    String,
    Vec<String>,
    Vec<serde_json::Value>,
);

/// Ranks `rows` over the repository's site and scores them.
fn score_rows(rows: &[Row]) -> Scored {
    let (files, base) = repository_index();
    let mut total = Score::default();
    let mut by_category: BTreeMap<String, Score> = BTreeMap::new();
    let mut misses = Vec::new();
    let mut top5 = Vec::new();
    let reader = Reader::open(&files).unwrap();
    for row in rows {
        let options = engine::Options {
            limit: 10,
            ..engine::Options::default()
        };
        let (items, _) = search::run(&reader, &base, &row.query, &options).unwrap();
        let page_hit = |i: &search::ResultItem| {
            row.expected
                .iter()
                .any(|e| e.split('#').next() == Some(i.id.as_str()))
        };
        let section_hit = |i: &search::ResultItem| {
            row.expected.iter().any(|e| match e.split_once('#') {
                Some((id, anchor)) => i.id == id && i.url.ends_with(&format!("#{anchor}")),
                None => i.id == *e,
            })
        };
        top5.push(serde_json::json!({
            "q": row.query,
            "top": items.iter().take(5).map(|i| format!("{} {} {}", i.id, i.url, i.score)).collect::<Vec<_>>(),
        }));
        let rank = items.iter().position(page_hit);
        let first_section = items.first().is_some_and(section_hit);
        for s in [
            &mut total,
            by_category.entry(row.category.clone()).or_default(),
        ] {
            s.n += 1;
            s.top1 += usize::from(rank == Some(0));
            s.top3 += usize::from(rank.is_some_and(|r| r < 3));
            s.section_top1 += usize::from(first_section);
        }
        if rank == Some(0) && !first_section {
            misses.push(format!(
                "{} (section): `{}` → {}, expected {}",
                row.category,
                row.query,
                items[0].url,
                row.expected.join("|")
            ));
        }
        if rank != Some(0) {
            let got: Vec<&str> = items.iter().take(3).map(|i| i.id.as_str()).collect();
            misses.push(format!(
                "{}: `{}` → {got:?}, expected {} (rank {rank:?})",
                row.category,
                row.query,
                row.expected.join("|")
            ));
        }
    }
    let line = |label: &str, s: &Score| {
        format!(
            "{label:<9} {:>3} queries  top-1 {:5.1} %  top-3 {:5.1} %  top-1 by section {:5.1} %\n",
            s.n,
            Score::pct(s.top1, s.n),
            Score::pct(s.top3, s.n),
            Score::pct(s.section_top1, s.n)
        )
    };
    let mut aggregate = line("all", &total);
    for (c, s) in &by_category {
        aggregate.push_str(&line(c, s));
    }
    (total, by_category, aggregate, misses, top5)
}

/// Scores an outside query set for the lead: `VEIVISER_EVAL_SET=/path/set.tsv cargo test --test
/// integration external_set -- --nocapture`. Prints only the aggregate figures (overall and per
/// category: top-1, top-3, top-1 by section), never a row, a query or a miss, and writes nothing;
/// passes without doing anything when the variable is unset.
#[test]
fn external_set() {
    let Some(path) = std::env::var_os("VEIVISER_EVAL_SET") else {
        return;
    };
    let rows = read_set(Path::new(&path));
    assert!(!rows.is_empty(), "VEIVISER_EVAL_SET holds no rows");
    let (_, _, aggregate, _, _) = score_rows(&rows);
    eprintln!("external query set (limit 10, queries as typed)\n{aggregate}");
}

/// Floors of a query set: overall top-1 and top-3, per-category top-1 (percent).
fn assert_floors(name: &str, top1: f64, top3: f64, categories: &[(&str, f64)]) {
    let (total, by_category, report) = evaluate(name);
    eprintln!("{report}");
    assert!(
        Score::pct(total.top1, total.n) >= top1,
        "{name}: top-1 below {top1} %\n{report}"
    );
    assert!(
        Score::pct(total.top3, total.n) >= top3,
        "{name}: top-3 below {top3} %\n{report}"
    );
    for (c, floor) in categories {
        let s = by_category[*c];
        assert!(
            Score::pct(s.top1, s.n) >= *floor,
            "{name}: {c} top-1 below {floor} %\n{report}"
        );
    }
}

#[test]
fn tuning_set_stays_above_its_floor() {
    // Reached at fa145bc: top-1 80.1 %, top-3 91.2 % (by section 75.7 %). After the merge of
    // issues 15, 18, 19 and the second pass (feat-search2): top-1 80.7 %, top-3 90.1 % (by
    // section 76.2 %). Third pass (feat-search3): top-1 81.2 %, top-3 90.1 % (by section
    // 76.8 %), typo 89.3 %. Lay vocabulary (feat-search4): top-1 82.9 %, top-3 91.2 %, lay
    // 56.0 %, typo 92.9 %. Derivations (feat-search5: `sykmeldt` ↔ `sykmelding`): top-1
    // 82.3 % (one question lost), top-3 91.2 %, question 73.8 %. Floors just below.
    // Sixth pass (feat-search6: other sections 0.2, hub pages, lay names): top-1 84.0 %, top-3 92.8 %.
    assert_floors(
        "tuning",
        83.5,
        92.5,
        &[
            ("code", 100.0),
            ("keyword", 100.0),
            ("lay", 59.5),
            ("phrase", 90.5),
            ("question", 76.5),
            ("typo", 92.5),
        ],
    );
}

/// The former held-out half. The first pass saw its aggregate scores twice, and the second pass
/// read its rows and misses: it is tuning material now, and a fresh outside set is scored by
/// `external_set`. Its floors sit just below what the second pass reached, so a regression fails.
#[test]
fn heldout_set_stays_above_its_floor() {
    // First pass: 76.7 % / 88.3 % (c53d26d, clean), 78.9 % / 89.4 % (fa145bc). Second pass, on
    // the merged site (feat-search2): top-1 81.7 %, top-3 91.7 % (by section 75.0 %). Third
    // pass (feat-search3): top-1 81.7 %, top-3 92.2 %. Lay vocabulary (feat-search4): top-1
    // 83.3 %, top-3 93.3 %, lay 64.0 %, question 73.8 %. Derivations (feat-search5): top-1
    // 86.1 %, top-3 94.4 %, lay 72.0 %, question 78.5 %.
    // Sixth pass (feat-search6: other sections 0.2, hub pages, lay names): top-1 87.2 %, top-3 94.4 %.
    assert_floors(
        "heldout",
        87.0,
        94.0,
        &[
            ("code", 100.0),
            ("keyword", 100.0),
            ("lay", 75.5),
            ("phrase", 91.0),
            ("question", 78.0),
            ("typo", 96.0),
        ],
    );
}

#[test]
fn fresh_heldout_set_stays_above_its_floor() {
    // `heldout-2.tsv`: 218 queries written blind by a second writer after the first held-out half
    // was seen, kept outside the repository until the ranking was final, scored once at 07c78a0
    // (the reported figure): top-1 83.9 %, top-3 91.7 % (by section 78.9 %). Committed after that
    // run as a regression floor; it is no longer held out. Third pass (feat-search3, tuning
    // material now): top-1 85.3 %, top-3 92.2 % (by section 81.7 %), lay 55.2 %, question
    // 81.2 %. Lay vocabulary (feat-search4): top-1 86.2 %, lay 58.6 %, typo 97.0 %.
    // Derivations (feat-search5): top-1 87.2 %, lay 62.1 %, question 82.4 %.
    // Sixth pass (feat-search6: other sections 0.2, hub pages, lay names): top-1 88.5 %, top-3 92.7 %.
    assert_floors(
        "heldout-2",
        88.0,
        92.5,
        &[
            ("code", 100.0),
            ("keyword", 100.0),
            ("lay", 68.5),
            ("phrase", 100.0),
            ("question", 82.0),
            ("typo", 96.5),
        ],
    );
}

#[test]
fn third_heldout_set_stays_above_its_floor() {
    // `heldout-3.tsv`: 219 queries written blind by a third writer while the third pass tuned on
    // the other sets; scored once on the merged ranking (69335b2): top-1 83.6 %, top-3 90.4 %
    // (by section 77.2 %), the same as the ranking before the third pass (6f09c1a: 83.6 % /
    // 90.9 %). Committed after those runs as a regression floor; no longer held out. Lay
    // vocabulary (feat-search4, tuning material now): top-1 84.9 %, top-3 91.3 %, lay 56.2 %,
    // typo 100 %. Derivations (feat-search5): top-1 86.3 %, top-3 92.7 %, lay 65.6 %.
    // Sixth pass (feat-search6: other sections 0.2, hub pages, lay names): top-1 87.7 %, top-3 93.6 %.
    assert_floors(
        "heldout-3",
        87.5,
        93.5,
        &[
            ("code", 100.0),
            ("keyword", 100.0),
            ("lay", 71.5),
            ("phrase", 95.0),
            ("question", 79.5),
            ("typo", 99.0),
        ],
    );
}

#[test]
fn fourth_heldout_set_stays_above_its_floor() {
    // `heldout-4.tsv`: 218 queries written blind by a fourth writer (47 lay) before the fourth
    // pass began; scored once before it (top-1 76.1 %, top-3 87.2 %, lay 38.3 %) and once after
    // its merge (77.5 %, 87.6 %, lay 42.6 %, by section 71.6 %). Committed after those runs as a
    // regression floor; no longer held out. Derivations (feat-search5, tuning material): top-1
    // 78.0 %, top-3 88.1 %, lay 44.7 %.
    // Sixth pass (feat-search6: other sections 0.2, hub pages, lay names): top-1 79.4 %, top-3 89.4 %.
    assert_floors(
        "heldout-4",
        79.0,
        89.0,
        &[
            ("code", 95.5),
            ("keyword", 100.0),
            ("lay", 46.5),
            ("phrase", 73.0),
            ("question", 82.0),
            ("typo", 99.0),
        ],
    );
}

#[test]
fn fifth_heldout_set_stays_above_its_floor() {
    // `heldout-5.tsv`: 220 queries written blind by a fifth writer before the fifth pass began;
    // scored once before it (top-1 77.3 %, top-3 91.4 %, lay 43.2 %) and once after its merge
    // (78.2 %, 91.8 %, lay 47.7 %, questions 76.8 %). Committed after those runs as a regression
    // floor; no longer held out.
    // Sixth pass (feat-search6: other sections 0.2, hub pages, lay names): top-1 82.3 %, top-3 93.2 %.
    assert_floors(
        "heldout-5",
        82.0,
        93.0,
        &[
            ("code", 100.0),
            ("keyword", 100.0),
            ("lay", 56.5),
            ("phrase", 75.0),
            ("question", 82.5),
            ("typo", 96.5),
        ],
    );
}

#[test]
fn sixth_heldout_set_stays_above_its_floor() {
    // `heldout-6.tsv`: 218 queries written blind by a sixth writer before the sixth pass began;
    // scored once before it (top-1 71.6 %, top-3 86.2 %, lay 27.3 %, questions 69.4 %) and once
    // after its merge (73.4 %, 86.7 %, lay 31.8 %, questions 71.8 %). Committed after those runs
    // as a regression floor; no longer held out.
    assert_floors(
        "heldout-6",
        73.0,
        86.5,
        &[
            ("code", 95.5),
            ("keyword", 100.0),
            ("lay", 31.5),
            ("phrase", 81.0),
            ("question", 71.5),
            ("typo", 99.5),
        ],
    );
}

/// The first result's id for `q` over the repository's site.
fn first(files: &HashMap<String, Vec<u8>>, base: &str, q: &str) -> String {
    let options = engine::Options {
        limit: 5,
        ..engine::Options::default()
    };
    let (items, _) = search::run(&Reader::open(files).unwrap(), base, q, &options).unwrap();
    items.first().map(|i| i.id.clone()).unwrap_or_default()
}

#[test]
fn regression_lay_names_of_the_nav_doctor_found_the_guidelines_page_before_the_role() {
    // The guidelines page held `rådgivende lege` as a keyword and the role page did not, so every
    // lay name that expands to it (`trygdelege`, `nav-lege`) ranked the guidelines first.
    let (files, base) = repository_index();
    for q in [
        "trygdelege",
        "nav-legen",
        "radgivende lege",
        "lege som jobber for nav",
    ] {
        assert_eq!(first(&files, &base, q), "rolle-radgivende-lege", "{q}");
    }
}

#[test]
fn regression_lay_words_for_the_site_terms_found_nothing_useful() {
    // `datasystem` = `fagsystem` (Modia is «Navs interne fagsystem»).
    let (files, base) = repository_index();
    assert_eq!(first(&files, &base, "nav sitt datasystem"), "system-modia");
}

#[test]
fn regression_issue_14_definite_form_missed_the_title_snowball_stems_one_suffix() {
    // `todagerskurset` stems to `todagerskurs`, the title's `todagerskurs` to `todagerskur`.
    let (files, base) = repository_index();
    assert_eq!(
        first(&files, &base, "todagerskurset i Innlandet "),
        "tiltak-innlandet-todagerskurs"
    );
}

#[test]
fn regression_issue_14_code_written_apart_matched_forty_percent() {
    let (files, base) = repository_index();
    for q in ["L 40", "l 40 ", "l-40", "L40"] {
        assert_eq!(first(&files, &base, q), "takst-l40", "{q}");
    }
    assert_eq!(first(&files, &base, "takst14"), "takst-14-motegodtgjorelse");
    assert_eq!(first(&files, &base, "paragraf 8-4"), "regel-ftrl-8-4");
    assert_eq!(
        first(&files, &base, "08 07 04"),
        "regel-sykmeldingsblanketten"
    );
}

#[test]
fn regression_search5_a_verb_never_met_the_noun_the_site_writes() {
    // Snowball keeps `-ing`/`-else`, so `tilrettelegge` and `tilrettelegging`, `sykmeldt` and
    // `sykmelding` shared no stem: the role page `Arbeidsgiver` (title = the synonym of
    // `sjefen`) came first, and the rule that answers came second.
    let (files, base) = repository_index();
    assert_eq!(
        first(&files, &base, "sjefen må tilrettelegge"),
        "regel-tilretteleggingsplikt-aml-4-6"
    );
    assert_eq!(
        first(&files, &base, "friskmeldt men uten jobb"),
        "regel-friskmelding-til-arbeidsformidling"
    );
    assert_eq!(
        first(&files, &base, "sykmeldt 50 prosent"),
        "regel-gradert-sykmelding"
    );
    // `--explain` names the variant, so an editor sees why the rule ranks.
    let out = assert_cmd::Command::cargo_bin("veiviser")
        .unwrap()
        .args([
            "search",
            "sjefen må tilrettelegge",
            "--explain",
            "--limit",
            "1",
        ])
        .arg("--root")
        .arg(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("`tilrettelegge` ← `tilrettelegge` = `tilrettelegging` (derived"),
        "{text}"
    );
}

#[test]
fn regression_issue_14_question_words_made_the_query_strict_and() {
    let (files, base) = repository_index();
    assert_eq!(
        first(&files, &base, "er det lov å søke jobb mens man er sykmeldt"),
        "regel-ftrl-8-4"
    );
    // Lay `betalt` meets the site's `takst` through synonyms.yaml.
    assert_eq!(
        first(&files, &base, "hvordan får jeg betalt for dialogmøte"),
        "takst-dialogmote"
    );
}

/// The first result's URL (with its section anchor) for `q` over the repository's site.
fn first_url(files: &HashMap<String, Vec<u8>>, base: &str, q: &str) -> String {
    let options = engine::Options {
        limit: 5,
        ..engine::Options::default()
    };
    let (items, _) = search::run(&Reader::open(files).unwrap(), base, q, &options).unwrap();
    items.first().map(|i| i.url.clone()).unwrap_or_default()
}

#[test]
fn regression_search3_source_notes_section_was_shown_as_the_answer() {
    let (files, base) = repository_index();
    // These picked «Merknad om kildene», which says where the facts come from.
    for q in [
        "hva brukes sykmeldingsblanketten til",
        "hva kan kommuneoverlegen gjøre i samarbeidet med nav",
        "hvordan er smågruppene i Fredrikstad organisert",
    ] {
        let url = first_url(&files, &base, q);
        assert!(
            !url.is_empty() && !url.ends_with("#merknad-om-kildene"),
            "{q}: {url}"
        );
    }
    // Asked about the sources, the source notes answer.
    let url = first_url(&files, &base, "merknad om kildene sykmeldingsblanketten");
    assert!(url.ends_with("#merknad-om-kildene"), "{url}");
}

#[test]
fn regression_search3_when_question_was_answered_by_the_title_not_the_when_section() {
    let (files, base) = repository_index();
    assert!(first_url(&files, &base, "når gjelder aktivitetskravet").ends_with("#nar"));
    assert!(first_url(&files, &base, "når bruker jeg takst L4").ends_with("#nar-brukes-l4"));
    // `hva` asks for anything: «Hva kurset er» does not answer `hva koster`.
    assert!(!first_url(&files, &base, "hva koster ICIT-kurset").ends_with("#hva-kurset-er"));
}

#[test]
fn regression_search3_a_name_in_the_code_field_outranked_the_page_it_names() {
    // `Dialogmøtetakst` has `kode: Dialogmøte` (the sources give no code): weighed as a code
    // (12, above the title), it came before `Dialogmøter` for the word.
    let (files, base) = repository_index();
    assert_eq!(first(&files, &base, "dialogmote"), "regel-dialogmote");
    // A digitless code still finds its page when it is the page's own name.
    assert_eq!(first(&files, &base, "konsultasjon"), "takst-konsultasjon");
    assert_eq!(first(&files, &base, "dialogmøtetakst"), "takst-dialogmote");
}

#[test]
fn regression_search3_a_when_question_ranked_a_page_without_a_when_section_first() {
    // Both pages hold the words; the one with a «Når» section answers `når …`.
    let (files, base) = repository_index();
    assert_eq!(
        first(&files, &base, "når skal nav gjøre arbeidsevnevurdering"),
        "regel-arbeidsevnevurdering-uke-12"
    );
}

#[test]
fn regression_issue_14_hub_outranked_the_municipality_s_own_measure() {
    let (files, base) = repository_index();
    assert_eq!(
        first(&files, &base, "Sandefjord besøk legekontor"),
        "tiltak-sandefjord-besok-legekontor"
    );
    // The municipality named alone is its own page.
    assert_eq!(first(&files, &base, "Sandefjord"), "kommune-sandefjord");
}

#[test]
fn regression_search6_a_municipality_s_hub_answered_questions_about_its_measures() {
    // The hub page gathers every measure of its municipality, so it held most words of a
    // question about one of them and came first; it now loses `HUB` unless named alone.
    let (files, base) = repository_index();
    for (q, want) in [
        (
            "hva lærte fastlegene i Sandefjord av nav-besøkene",
            "tiltak-sandefjord-besok-legekontor",
        ),
        (
            "hvordan foregår legemøtet med nav på Sunnmøre",
            "tiltak-yss-arlig-samhandlingsmote",
        ),
    ] {
        assert_eq!(first(&files, &base, q), want, "{q}");
    }
    assert_eq!(first(&files, &base, "Sandefjord"), "kommune-sandefjord");
    assert_eq!(
        first(&files, &base, "Ytre Søre Sunnmøre"),
        "kommune-ytre-sore-sunnmore"
    );
}

#[test]
fn explain_names_the_factors_of_the_whole_score() {
    // `--explain` (JSON `factors`, text `× 0.50  hub page`) shows what multiplies a page.
    let (files, base) = repository_index();
    let reader = Reader::open(&files).unwrap();
    let options = engine::Options {
        limit: 10,
        ..engine::Options::default()
    };
    let q = "Sandefjord legekontor ";
    let (mut items, outcome) = search::run(&reader, &base, q, &options).unwrap();
    search::explain(&reader, q, &mut items, &outcome).unwrap();
    let factors = |id: &str| -> Vec<(&str, f64)> {
        let item = items.iter().find(|i| i.id == id).expect(id);
        item.factors.iter().map(|f| (f.name, f.factor)).collect()
    };
    assert_eq!(
        factors("tiltak-sandefjord-besok-legekontor"),
        [("named value", 1.5)]
    );
    assert_eq!(factors("kommune-sandefjord"), [("hub page", 0.5)]);
    // Without --explain nothing is computed or printed.
    let (items, _) = search::run(&reader, &base, q, &options).unwrap();
    assert!(items.iter().all(|i| i.factors.is_empty()));
}

#[test]
fn joined_compounds_match_but_fetch_no_shard_of_their_own() {
    let (files, base) = repository_index();
    // `fast lege` finds the page of the compound `fastlege`.
    assert_eq!(first(&files, &base, "fast lege "), "rolle-fastlege");
    // For every query of the tuning half, the shards looked up are those of the other words.
    let reader = search::reader::Reader::open(&files).unwrap();
    let table = search::query::SynonymTable::new(&reader.manifest.synonyms);
    let shards = |q: &search::query::Query, joined: bool| {
        let mut out = std::collections::BTreeSet::new();
        for u in &q.units {
            for a in u.alts.iter().filter(|a| joined || !a.joined) {
                for w in &a.words {
                    out.extend(engine::word_shards(&reader, w));
                }
            }
        }
        for w in [&q.whole, &q.whole_content].into_iter().flatten() {
            out.extend(engine::word_shards(&reader, w));
        }
        out
    };
    for row in query_set("tuning") {
        let q = search::query::parse(&row.query, &table);
        let kept = engine::affordable(&reader, &q);
        assert_eq!(shards(&kept, true), shards(&q, false), "{}", row.query);
    }
}

#[test]
fn partial_matches_rank_and_name_the_words_not_found() {
    let (files, base) = repository_index();
    let options = engine::Options {
        limit: 5,
        ..engine::Options::default()
    };
    let reader = Reader::open(&files).unwrap();
    let (items, outcome) = search::run(&reader, &base, "L40 xyzzyq ", &options).unwrap();
    assert_eq!(items.first().map(|i| i.id.as_str()), Some("takst-l40"));
    assert_eq!(outcome.missing, ["xyzzyq"]);
}

#[test]
fn cli_explain_says_which_variant_matched_where() {
    let site = Site::fixture("valid");
    let out = assert_cmd::Command::cargo_bin("veiviser")
        .unwrap()
        .args([
            "search",
            "L 8 ",
            "--json",
            "--explain",
            "--limit",
            "1",
            "--root",
        ])
        .arg(&site.root)
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["id"], "takst-l8");
    let reasons = v[0]["explain"].as_array().expect("explain");
    let best = &reasons[0];
    assert_eq!(best["key"], "l8");
    assert_eq!(best["variant"], "exact");
    assert!(
        best["fields"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "code"),
        "{best}"
    );
    // Text mode prints the reasons under the hit and the words not found.
    let out = assert_cmd::Command::cargo_bin("veiviser")
        .unwrap()
        .args(["search", "L8 xyzzyq ", "--explain", "--root"])
        .arg(&site.root)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("`l8` ← `l8` = `l8` (exact)"), "{text}");
    assert!(text.contains("Fant ikke: xyzzyq"), "{text}");
    // Without --explain, the JSON contract is unchanged.
    let out = assert_cmd::Command::cargo_bin("veiviser")
        .unwrap()
        .args(["search", "L8", "--json", "--root"])
        .arg(&site.root)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v[0].get("explain").is_none());
}

#[test]
fn regression_a_query_of_nothing_indexable_listed_every_page_now_none() {
    // `***` or a 70-letter run (longer than any indexed word) left no word to look up, and a
    // query without words listed every page at score 0; only a blank query (browsing by filter)
    // should. Rust here, the browser's engine in the parity test's own assertion.
    let site = Site::fixture("valid");
    let ids = |query: &str, kind: Option<&str>| -> Vec<String> {
        let mut cmd = assert_cmd::Command::cargo_bin("veiviser").unwrap();
        cmd.args(["search", query, "--json", "--root"])
            .arg(&site.root);
        if let Some(k) = kind {
            cmd.args(["--kind", k]);
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .map(|h| h["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(ids("***", None), Vec::<String>::new());
    assert_eq!(ids(&"abcdefghij".repeat(7), None), Vec::<String>::new());
    assert_eq!(ids("***", Some("takst")), Vec::<String>::new());
    let mut takster = ids(" ", Some("takst"));
    takster.sort();
    assert_eq!(takster, ["takst-14", "takst-l8"]);
}

#[test]
fn the_index_is_byte_identical_on_rebuild() {
    let (a, _) = repository_index();
    let (b, _) = repository_index();
    assert_eq!(a.len(), b.len());
    for (path, bytes) in &a {
        assert!(b.get(path) == Some(bytes), "{path} differs between builds");
    }
}

#[test]
fn cli_search_prints_the_json_contract() {
    let site = Site::fixture("valid");
    let out = assert_cmd::Command::cargo_bin("veiviser")
        .unwrap()
        .args(["search", "L8", "--json", "--limit", "3", "--root"])
        .arg(&site.root)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let first = &v[0];
    for key in ["id", "title", "url", "kind", "score", "excerpt"] {
        assert!(first.get(key).is_some(), "missing {key}: {first}");
    }
    assert_eq!(first["id"], "takst-l8");
    assert_eq!(first["kind"], "takst");
    assert!(first["url"].as_str().unwrap().ends_with("/takster/l8/"));
    // Exit code 2 for usage errors.
    let out = assert_cmd::Command::cargo_bin("veiviser")
        .unwrap()
        .args(["search", "L8", "--kind", "takster", "--root"])
        .arg(&site.root)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("kinds: "));
}

#[test]
fn bad_synonyms_are_reported_with_their_line() {
    let site = Site::fixture("valid");
    site.write(
        "synonyms.yaml",
        "equivalents:\n  - [sykmelding, sykemelding]\n  - [ensom]\n",
    );
    let report = site.build();
    let d = report
        .compiled
        .diagnostics
        .iter()
        .find(|d| d.file == "synonyms.yaml")
        .expect("a synonyms diagnostic");
    assert_eq!((d.line, d.code), (3, "synonyms"));
}

#[test]
fn no_index_file_grows_with_the_site_beyond_its_shard() {
    let (files, _) = repository_index();
    let manifest = files["search/manifest.js"].len();
    let biggest = files.values().map(Vec::len).max().unwrap();
    assert!(manifest < 16_000, "manifest is {manifest} bytes");
    assert!(biggest < 64_000, "largest search file is {biggest} bytes");
    let shards = files.keys().filter(|p| p.starts_with("search/t/")).count();
    let fragments = files.keys().filter(|p| p.starts_with("search/x/")).count();
    assert!(
        shards >= 2 && fragments > 100,
        "{shards} shards, {fragments} fragments"
    );
}

/// `veiviser search` run through the binary: (stdout as JSON, stderr).
fn cli_search(site: &Site, query: &str, extra: &[&str]) -> (serde_json::Value, String) {
    let out = assert_cmd::Command::cargo_bin("veiviser")
        .unwrap()
        .args(["search", query, "--json", "--root"])
        .arg(&site.root)
        .args(extra)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    (serde_json::from_slice(&out.stdout).unwrap(), stderr)
}

fn cli_build(site: &Site, extra: &[&str]) {
    assert_cmd::Command::cargo_bin("veiviser")
        .unwrap()
        .args(["build", "--root"])
        .arg(&site.root)
        .args(extra)
        .assert()
        .success();
}

/// Sets the modification time of everything under `dir` (folders too) to `at`.
fn backdate(dir: &Path, at: std::time::SystemTime) {
    for e in walkdir::WalkDir::new(dir) {
        let e = e.unwrap();
        std::fs::File::open(e.path())
            .unwrap()
            .set_modified(at)
            .unwrap();
    }
}

#[test]
fn cli_search_reads_the_index_of_a_fresh_build_and_says_so() {
    let site = Site::fixture("valid");
    site.write(
        "content/zebrafink.md",
        "---\ntitle: Zebrafinkprosjektet\n---\nEt tiltak om zebrafinker.\n",
    );
    let (before, stderr) = cli_search(&site, "L8", &[]);
    assert!(stderr.contains("no search index in"), "{stderr}");
    assert!(stderr.contains("building the index in memory"), "{stderr}");
    cli_build(&site, &[]);
    let (after, stderr) = cli_search(&site, "L8", &[]);
    let public = site.root.join("public");
    assert!(
        stderr.contains(&format!(
            "using the index of the build in {}",
            public.display()
        )),
        "{stderr}"
    );
    assert!(stderr.contains("GMT"), "the build time: {stderr}");
    assert_eq!(before, after, "same ranking from disk and from memory");
    // The page is gone from the sources, but the inputs look older than the build: only the
    // built index can still know it.
    site.remove("content/zebrafink.md");
    let long_ago =
        std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000);
    backdate(&site.root.join("content"), long_ago);
    backdate(&site.root.join("themes"), long_ago);
    backdate(&site.root.join("veiviser.yaml"), long_ago);
    let (hits, stderr) = cli_search(&site, "zebrafink", &[]);
    assert!(stderr.contains("using the index of the build"), "{stderr}");
    assert_eq!(hits[0]["title"], "Zebrafinkprosjektet", "{hits}");
}

#[test]
fn cli_search_falls_back_to_memory_when_a_source_changed_after_the_build() {
    let site = Site::fixture("valid");
    cli_build(&site, &[]);
    site.write(
        "content/zebrafink.md",
        "---\ntitle: Zebrafinkprosjektet\n---\nEt tiltak om zebrafinker.\n",
    );
    let (hits, stderr) = cli_search(&site, "zebrafink", &[]);
    assert!(
        stderr.contains("zebrafink.md changed after the build"),
        "{stderr}"
    );
    assert!(stderr.contains("building the index in memory"), "{stderr}");
    assert_eq!(hits[0]["title"], "Zebrafinkprosjektet", "{hits}");
    // A changed `synonyms.yaml` makes the build stale too.
    cli_build(&site, &[]);
    site.write("synonyms.yaml", "");
    let (_, stderr) = cli_search(&site, "L8", &[]);
    assert!(
        stderr.contains("synonyms.yaml changed after the build"),
        "{stderr}"
    );
}

#[test]
fn cli_search_reads_the_build_in_the_out_folder_it_is_given() {
    let site = Site::fixture("valid");
    let out = site.root.join("ut");
    cli_build(&site, &["--out", out.to_str().unwrap()]);
    let (_, stderr) = cli_search(&site, "L8", &[]);
    assert!(stderr.contains("no search index in"), "{stderr}");
    let (hits, stderr) = cli_search(&site, "L8", &["--out", out.to_str().unwrap()]);
    assert!(
        stderr.contains(&format!(
            "using the index of the build in {}",
            out.display()
        )),
        "{stderr}"
    );
    assert_eq!(hits[0]["id"], "takst-l8");
}

#[test]
fn the_index_built_alone_is_byte_identical_to_the_full_build_s() {
    for site in [Site::fixture("valid"), Site::fixture("citations")] {
        let options = veiviser::pipeline::BuildOptions {
            root: site.root.clone(),
            ..Default::default()
        };
        let full = veiviser::pipeline::build(&options, false, &veiviser::pipeline::Silent)
            .unwrap()
            .compiled;
        let alone = veiviser::pipeline::build_search_index(&options).unwrap();
        let index = |files: &[veiviser::vocab::OutputFile]| -> Vec<(String, Vec<u8>)> {
            files
                .iter()
                .filter(|f| f.path.starts_with(search::DIR))
                .map(|f| (f.path.clone(), f.bytes.to_vec()))
                .collect()
        };
        assert!(!index(&alone.files).is_empty());
        assert_eq!(
            alone.files.len(),
            index(&alone.files).len(),
            "only index files"
        );
        assert!(
            index(&full.files) == index(&alone.files),
            "{}",
            site.root.display()
        );
    }
}

#[test]
fn regression_cli_search_took_a_rebuild_with_an_unchanged_index_for_stale() {
    // A build links unchanged files from the previous output, keeping their times: the index of
    // a rebuild after an edit that leaves the index alone looked older than the edit.
    let site = Site::fixture("valid");
    cli_build(&site, &[]);
    let page = site.root.join("content/takster/l8.md");
    let text = std::fs::read(&page).unwrap();
    std::fs::write(&page, text).unwrap();
    cli_build(&site, &[]);
    let (_, stderr) = cli_search(&site, "L8", &[]);
    assert!(stderr.contains("using the index of the build"), "{stderr}");
}

#[test]
fn cli_search_reads_only_the_index_files_a_query_needs() {
    let site = Site::fixture("valid");
    for n in 0..60 {
        site.write(
            &format!("content/side{n}.md"),
            format!("---\ntitle: Side {n}\n---\nOrdet ord{n}x står bare her.\n"),
        );
    }
    cli_build(&site, &[]);
    let public = site.root.join("public");
    let on_disk = walkdir::WalkDir::new(public.join("search"))
        .into_iter()
        .filter(|e| e.as_ref().unwrap().file_type().is_file())
        .count();
    let (index, base, origin) = veiviser::cli::search::load_index(&site.root, &public).unwrap();
    assert!(
        matches!(origin, veiviser::cli::search::Origin::Built { .. }),
        "{origin}"
    );
    let veiviser::cli::search::Index::Built(files) = &index else {
        panic!("the build's files are used");
    };
    assert!(
        files.files_read().is_empty(),
        "nothing read before the query"
    );
    let reader = Reader::open(&index).unwrap();
    let options = search::options(&reader, 3, None, &[]).unwrap();
    let (items, _) = search::run(&reader, &base, "ord7x", &options).unwrap();
    assert_eq!(items[0].title, "Side 7");
    let read = files.files_read();
    assert_eq!(read[0], search::MANIFEST);
    assert!(
        read.len() * 4 < on_disk,
        "{} of {on_disk} index files read: {read:?}",
        read.len()
    );
    // The manifest is opened once for `options` and `run`; no file is read twice.
    let mut unique: Vec<&String> = read.iter().collect();
    let count = unique.len();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), count, "no file read twice: {read:?}");
    // The same answer as the index built in memory.
    let (memory, _) = veiviser::cli::search::index_files(site.root.clone()).unwrap();
    let (from_memory, _) =
        search::run(&Reader::open(&memory).unwrap(), &base, "ord7x", &options).unwrap();
    let ids = |items: &[search::ResultItem]| items.iter().map(|i| i.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&items), ids(&from_memory));
}

#[test]
fn cli_search_names_a_build_s_missing_index_file_and_how_to_rewrite_it() {
    let site = Site::fixture("valid");
    cli_build(&site, &[]);
    let shards = site.root.join("public/search/t");
    let long_ago =
        std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000);
    std::fs::remove_dir_all(&shards).unwrap();
    // Removing the shards touched the index folder only; the inputs stay older than the build.
    backdate(&site.root.join("content"), long_ago);
    let out = assert_cmd::Command::cargo_bin("veiviser")
        .unwrap()
        .args(["search", "L8", "--root"])
        .arg(&site.root)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("using the index of the build"), "{stderr}");
    assert!(stderr.contains("search/t/"), "names the file: {stderr}");
    assert!(stderr.contains("run `veiviser build`"), "{stderr}");
}
