//! Crash safety of the real binary: `veiviser build` is killed with SIGKILL at many moments spread
//! over a whole build (denser near the end, where files are written and swapped in). After every
//! kill the output folder must be exactly the previous complete site or the new complete site —
//! compared as a manifest of every path and content hash — never a mixture, never missing; and
//! the temporaries killed builds leave behind must not break, or pile up after, the next build.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::{Site, copy_dir};

/// Kill points per run.
const KILLS: u32 = 32;

/// The `valid` site grown so that a debug build takes most of a second, a good part of it writing
/// files: 150 extra pages and 200 data files of 16 kB.
fn sizeable_site() -> Site {
    let site = Site::fixture("valid");
    for i in 0..150 {
        site.write(
            &format!("content/kommuner/k{i:03}.md"),
            format!("---\ntitle: Kommune {i}\n---\nTekst om kommune {i}.\n\n## Del\n\nMer.\n"),
        );
    }
    for i in 0..200u64 {
        let bytes: Vec<u8> = (0..2048u64)
            .flat_map(|j| xxhash_rust::xxh3::xxh3_64(&(i * 4096 + j).to_le_bytes()).to_le_bytes())
            .collect();
        site.write(&format!("content/vedlegg/v{i:03}.bin"), bytes);
    }
    site
}

/// Edits that change many files, add one and remove another, without retiring a URL.
fn edit(site: &Site) {
    for i in (0..150).step_by(6) {
        site.write(
            &format!("content/kommuner/k{i:03}.md"),
            format!(
                "---\ntitle: Kommune {i}\n---\nNy tekst om kommune {i}.\n\n## Del\n\nEndret.\n"
            ),
        );
    }
    site.write(
        "content/kommuner/ny.md",
        "---\ntitle: Ny kommune\n---\nNy.\n",
    );
    site.write("content/vedlegg/ny.bin", "ny");
    site.remove("content/vedlegg/v000.bin");
}

fn build_cmd(site: &Site) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("veiviser"));
    cmd.arg("build")
        .current_dir(&site.root)
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".veiviser-build-"))
        .collect()
}

#[cfg(unix)]
#[test]
fn sigkill_at_any_moment_leaves_the_previous_or_the_new_site_never_a_mixture() {
    let site = sizeable_site();
    assert!(build_cmd(&site).status().unwrap().success());
    let previous = site.output_fingerprint();
    let saved = site.root.parent().unwrap().join("previous-public");
    copy_dir(&site.public(), &saved);
    let lock = std::fs::read(site.root.join("urls.lock")).unwrap();

    edit(&site);
    // The new site, built whole once; its build time sets the kill schedule.
    let started = Instant::now();
    assert!(build_cmd(&site).status().unwrap().success());
    let mut full = started.elapsed();
    let new = site.output_fingerprint();
    assert_ne!(previous, new);

    let (mut saw_previous, mut saw_new, mut finished) = (0, 0, 0);
    for i in 0..KILLS + KILLS / 6 {
        // Back to the previous site (and lock); leftovers of earlier kills stay where they are.
        std::fs::remove_dir_all(site.public()).unwrap();
        copy_dir(&saved, &site.public());
        std::fs::write(site.root.join("urls.lock"), &lock).unwrap();
        if i % 7 == 6 {
            // Recalibrate on a shared machine: time a whole build from this very state.
            let started = Instant::now();
            assert!(build_cmd(&site).status().unwrap().success());
            full = started.elapsed();
            assert_eq!(site.output_fingerprint(), new);
            continue;
        }
        // Half the kill points spread over the whole build, half over its last 30 %.
        let share = if i % 2 == 0 {
            f64::from(i) / f64::from(KILLS)
        } else {
            0.75 + 0.3 * f64::from(i) / f64::from(KILLS)
        };
        let delay = full.mul_f64(share.min(1.1)) + Duration::from_millis(u64::from(i % 7));
        let mut child = build_cmd(&site).spawn().unwrap();
        std::thread::sleep(delay);
        if child.try_wait().unwrap().is_some() {
            finished += 1;
        } else {
            child.kill().unwrap();
            child.wait().unwrap();
        }
        let now = site.output_fingerprint();
        if now == previous {
            saw_previous += 1;
        } else if now == new {
            saw_new += 1;
            // Published ⇒ locked (issue 18): the new page is live only once the lock has it.
            let locked = site.source("urls.lock");
            assert!(
                locked.lines().any(|l| l == "/kommuner/ny/"),
                "kill {i} after {delay:?}: the new site is live but urls.lock lacks /kommuner/ny/"
            );
        } else {
            let odd: Vec<_> = now
                .iter()
                .filter(|f| !previous.contains(f) && !new.contains(f))
                .take(5)
                .collect();
            panic!(
                "kill {i} after {delay:?}: the output is a mixture ({} files; e.g. {odd:?})",
                now.len()
            );
        }
    }
    eprintln!(
        "{KILLS} kills, last calibrated build {full:?}: {saw_previous} left the previous site, {saw_new} the new one ({finished} of those builds had finished before the kill)"
    );
    assert!(saw_previous > 0, "no kill landed before the swap");
    assert!(saw_new > 0, "no kill landed after the swap");

    // The next build after all that: succeeds, publishes the new site, and clears every leftover.
    std::fs::write(site.root.join("urls.lock"), &lock).unwrap();
    assert!(build_cmd(&site).status().unwrap().success());
    assert_eq!(site.output_fingerprint(), new);
    assert_eq!(leftovers(&site.root), Vec::<String>::new());
}
