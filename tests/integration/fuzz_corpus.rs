//! Replays every committed fuzz corpus file (`fuzz/corpus/<target>/`) through the fuzz targets'
//! own bodies, so inputs that once found a bug stay fixed without cargo-fuzz or nightly.

#[allow(unreachable_pub, dead_code)]
#[path = "../../fuzz/src/checks.rs"]
pub(crate) mod checks;

use std::path::Path;

fn replay(target: &str, check: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let result = std::panic::catch_unwind(|| check(&bytes));
        assert!(result.is_ok(), "{target}: {} fails", path.display());
        n += 1;
    }
    assert!(n > 0, "no corpus in {}", dir.display());
}

#[test]
fn front_matter_corpus_replays() {
    replay("front_matter", checks::front_matter);
}

#[test]
fn slug_corpus_replays() {
    replay("slug", checks::slug);
}

#[test]
fn page_corpus_replays() {
    replay("page", checks::page);
}

#[test]
fn markdown_corpus_replays() {
    replay("markdown", checks::markdown);
}

#[test]
fn heading_corpus_replays() {
    replay("heading", checks::heading);
}

#[test]
fn analyse_corpus_replays() {
    replay("analyse", checks::analyse);
}
