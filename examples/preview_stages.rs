//! Where the preview's time goes, stage by stage, without the server: loads a site, compiles it
//! through the cache `serve` keeps, then edits pages in memory (a sentence added to the body, or
//! the title changed) and compiles again after each edit, as `serve` does after a save.
//!
//!     cargo run --release --example preview_stages -- SITE [EDITS]
//!
//! Prints the median and 95th percentile per stage and kind of edit (wall time, ms). A benchmark
//! tool, not a test: `scripts/bench-serve.py` measures the whole save-to-reload path.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

use veiviser::pipeline::{self, BuildOptions, Cache, Silent};
use veiviser::source;

/// As the `veiviser` binary (see the comment on `mimalloc` in Cargo.toml).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // As the binary does (see `main.rs`): without this a compile's fresh memory is faulted in
    // and cleared 2 MB at a time.
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
    let mut args = std::env::args().skip(1);
    let root = PathBuf::from(args.next().expect("usage: preview_stages SITE [EDITS]"));
    let edits: usize = args
        .next()
        .map_or(12, |n| n.parse().expect("EDITS is a number"));
    let theme = pipeline::theme_name(&root).expect("veiviser.yaml");
    let mut sources = source::load(&root, &theme).expect("the site loads");
    let options = BuildOptions {
        root: root.clone(),
        drafts: true,
        ..BuildOptions::default()
    };
    let mut cache = Cache::deferring_search();
    let first = pipeline::compile_incremental(&sources, &options, &Silent, &mut cache);
    assert!(!first.has_errors(), "the site has errors");
    drop(first);
    let candidates: Vec<usize> = (0..sources.content.len())
        .filter(|&i| {
            let s = &sources.content[i];
            !s.rel_path.ends_with("_index.md") && s.text.lines().any(|l| l.starts_with("title: "))
        })
        .collect();
    let step = (candidates.len() / edits).max(1);
    let mut stages: BTreeMap<(&str, String), Vec<f64>> = BTreeMap::new();
    for n in 0..edits {
        for kind in ["body", "title"] {
            let i = candidates[(n * step) % candidates.len()];
            let text = &mut sources.content[i].text;
            if kind == "body" {
                writeln!(text, "\nEndret bench{kind}{n}x.").expect("writing to a String");
            } else {
                let at = text.find("title: ").expect("a title line") + "title: ".len();
                let end = at + text[at..].find('\n').unwrap_or(text.len() - at);
                let title = text[at..end].trim_matches('"').to_owned();
                text.replace_range(at..end, &format!("{title} bench{kind}{n}x"));
            }
            let clock = Instant::now();
            let compiled = pipeline::compile_incremental(&sources, &options, &Silent, &mut cache);
            let compile = clock.elapsed();
            assert!(!compiled.has_errors(), "the edit broke the site");
            for t in &compiled.timings {
                stages
                    .entry((kind, t.stage.to_owned()))
                    .or_default()
                    .push(t.duration.as_secs_f64() * 1000.0);
            }
            let clock = Instant::now();
            drop(compiled);
            let dropped = clock.elapsed();
            for (stage, d) in [("compile", compile), ("drop", dropped)] {
                stages
                    .entry((kind, stage.to_owned()))
                    .or_default()
                    .push(d.as_secs_f64() * 1000.0);
            }
        }
    }
    println!("{:<6} {:<10} {:>8} {:>8}", "edit", "stage", "p50", "p95");
    for ((kind, stage), mut v) in stages {
        v.sort_by(f64::total_cmp);
        let at = |p: f64| v[((p * (v.len() - 1) as f64).round()) as usize];
        println!("{kind:<6} {stage:<10} {:>8.1} {:>8.1}", at(0.5), at(0.95));
    }
}
