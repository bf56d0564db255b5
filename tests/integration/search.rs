//! Search over real built sites: the relevance set on the repository's own knowledge base, the
//! CLI contract, determinism, synonyms diagnostics and the split index's shape.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::Path;

use veiviser::search::{self, engine};

use crate::harness::Site;

fn repository_index() -> (HashMap<String, Vec<u8>>, String) {
    search::cli::index_files(Path::new(env!("CARGO_MANIFEST_DIR")).to_owned()).unwrap()
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
    for (category, q, expected) in &set {
        let options = engine::Options {
            limit: 10,
            ..engine::Options::default()
        };
        let (items, _) = search::run(&files, &base, q, &options).unwrap();
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
