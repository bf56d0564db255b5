//! Hostile input too big or too odd to commit, generated at test time: non-UTF-8 file names,
//! 100,000 tiny files, a 50 MB page; and a hostile disk: a full file system and an unwritable
//! output folder, both real (a small tmpfs and a read-only bind mount in a private mount
//! namespace made with `unshare`), with a fallback where user namespaces are not allowed.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use crate::harness::Site;

#[cfg(unix)]
#[test]
fn non_utf8_file_names_are_refused_with_a_clear_error() {
    use std::os::unix::ffi::OsStrExt as _;
    let site = Site::fixture("valid");
    site.build_ok();
    let before = site.output_fingerprint();
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.md");
    std::fs::write(
        site.root.join("content/kommuner").join(name),
        "---\ntitle: Kafe\n---\n",
    )
    .unwrap();
    let stderr = site.stderr_of_failing("build");
    assert!(
        stderr.contains("error[bad-file-name]")
            && stderr.contains("content/kommuner/caf\u{fffd}.md"),
        "{stderr}"
    );
    assert_eq!(before, site.output_fingerprint());
}

/// 100,000 tiny files under `content/` (data files beside the pages, which the site copies):
/// every one is read, written and swapped in, and the next build removes them all again.
/// 100,000 tiny *pages* are measured by `scripts/hostile-scale.sh` instead: a debug build of
/// that many pages would dominate `cargo test`.
#[test]
fn a_hundred_thousand_tiny_files_build_and_are_swapped_out_again() {
    let site = Site::fixture("valid");
    let dir = site.root.join("content/vedlegg");
    for group in 0..100 {
        let sub = dir.join(format!("g{group:03}"));
        std::fs::create_dir_all(&sub).unwrap();
        for i in 0..1000 {
            std::fs::write(sub.join(format!("f{i:03}.txt")), format!("{group}-{i}")).unwrap();
        }
    }
    site.build_ok();
    let written = walkdir::WalkDir::new(site.public().join("vedlegg"))
        .into_iter()
        .filter(|e| e.as_ref().unwrap().file_type().is_file())
        .count();
    assert_eq!(written, 100_000);
    assert_eq!(
        std::fs::read_to_string(site.public().join("vedlegg/g042/f999.txt")).unwrap(),
        "42-999"
    );
    std::fs::remove_dir_all(&dir).unwrap();
    site.build_ok();
    assert!(!site.public().join("vedlegg").exists());
}

#[test]
fn a_50_mb_page_is_refused_before_it_is_read() {
    let site = Site::fixture("valid");
    site.build_ok();
    let before = site.output_fingerprint();
    let file = std::fs::File::create(site.root.join("content/kommuner/stor.md")).unwrap();
    // Sparse: the file reports 50 MB without costing the disk; the size check must come first.
    file.set_len(50 * 1024 * 1024).unwrap();
    let stderr = site.stderr_of_failing("build");
    assert!(
        stderr.contains("error[file-too-large]: file is 52428800 bytes")
            && stderr.contains("content/kommuner/stor.md"),
        "{stderr}"
    );
    assert_eq!(before, site.output_fingerprint());
}

/// Whether this machine lets us make a private user and mount namespace.
/// `VEIVISER_TEST_NO_UNSHARE=1` forces the fallbacks, to try them where `unshare` works.
fn can_unshare() -> bool {
    std::env::var_os("VEIVISER_TEST_NO_UNSHARE").is_none()
        && Command::new("unshare")
            .args(["-rm", "true"])
            .status()
            .is_ok_and(|s| s.success())
}

fn sha_listing(dir: &Path) -> Vec<(String, u64)> {
    let mut files: Vec<(String, u64)> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap().display().to_string();
            (
                rel,
                xxhash_rust::xxh3::xxh3_64(&std::fs::read(e.path()).unwrap()),
            )
        })
        .collect();
    files.sort();
    files
}

/// Runs `script` with `sh`, inside a private mount namespace when possible; returns stdout.
fn run_script(script: &str, env: &[(&str, &Path)], namespaced: bool) -> String {
    let mut cmd = if namespaced {
        let mut c = Command::new("unshare");
        c.args(["-rm", "sh", "-euc", script]);
        c
    } else {
        let mut c = Command::new("sh");
        c.args(["-euc", script]);
        c
    };
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd
        .env("BIN", assert_cmd::cargo::cargo_bin("veiviser"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "script failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A full disk: the output lives on a 4 MB tmpfs that is then filled up to a few kB, so the next
/// build runs out of space half-way through writing its temporary folder. Where user namespaces
/// are not allowed, the same failure is injected with `RLIMIT_FSIZE` (`prlimit`; `SIGXFSZ`
/// ignored so the write fails with `EFBIG` instead of killing the process).
#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_gives_a_clear_error_and_keeps_the_previous_site() {
    let site = Site::fixture("valid");
    let disk = site.root.parent().unwrap().join("disk");
    let report = site.root.parent().unwrap().join("report");
    std::fs::create_dir_all(&disk).unwrap();
    std::fs::create_dir_all(&report).unwrap();
    let namespaced = can_unshare();
    let script = if namespaced {
        r#"
        mount -t tmpfs -o size=4m tmpfs "$DISK"
        "$BIN" build --root "$SITE" --out "$DISK/public" 2>/dev/null
        cp -a "$DISK/public" "$REPORT/before"
        printf -- '---\ntitle: Ny tittel\n---\nEndret.\n' > "$SITE/content/kommuner/fredrikstad.md"
        dd if=/dev/zero of="$DISK/filler" bs=4k 2>/dev/null || true
        truncate -s -16k "$DISK/filler"
        set +e
        "$BIN" build --root "$SITE" --out "$DISK/public" 2> "$REPORT/stderr"
        echo "code=$?"
        set -e
        cp -a "$DISK/public" "$REPORT/after"
        ls -A "$DISK" > "$REPORT/listing"
        rm "$DISK/filler"
        "$BIN" build --root "$SITE" --out "$DISK/public" 2>/dev/null
        ls -A "$DISK" > "$REPORT/listing-next"
        grep -q 'Ny tittel' "$DISK/public/kommuner/fredrikstad/index.html" && echo updated
        "#
    } else {
        r#"
        "$BIN" build --root "$SITE" --out "$DISK/public" 2>/dev/null
        cp -a "$DISK/public" "$REPORT/before"
        printf -- '---\ntitle: Ny tittel\n---\nEndret.\n' > "$SITE/content/kommuner/fredrikstad.md"
        set +e
        (trap '' XFSZ; exec prlimit --fsize=4096 "$BIN" build --root "$SITE" --out "$DISK/public") 2> "$REPORT/stderr"
        echo "code=$?"
        set -e
        cp -a "$DISK/public" "$REPORT/after"
        ls -A "$DISK" > "$REPORT/listing"
        "$BIN" build --root "$SITE" --out "$DISK/public" 2>/dev/null
        ls -A "$DISK" > "$REPORT/listing-next"
        grep -q 'Ny tittel' "$DISK/public/kommuner/fredrikstad/index.html" && echo updated
        "#
    };
    let stdout = run_script(
        script,
        &[("DISK", &disk), ("SITE", &site.root), ("REPORT", &report)],
        namespaced,
    );
    let stderr = std::fs::read_to_string(report.join("stderr")).unwrap();
    let expected = if namespaced {
        "No space left on device"
    } else {
        "File too large"
    };
    assert!(stdout.starts_with("code=2\n"), "{stdout} {stderr}");
    assert!(
        stderr.contains("cannot write") && stderr.contains(expected),
        "{stderr}"
    );
    assert_eq!(
        sha_listing(&report.join("before")),
        sha_listing(&report.join("after"))
    );
    assert_eq!(
        std::fs::read_to_string(report.join("listing"))
            .unwrap()
            .trim(),
        if namespaced {
            "filler\npublic"
        } else {
            "public"
        },
        "the failed build's temporary folder is removed"
    );
    assert_eq!(
        std::fs::read_to_string(report.join("listing-next"))
            .unwrap()
            .trim(),
        "public"
    );
    assert!(
        stdout.ends_with("updated\n"),
        "the next build with space succeeds: {stdout}"
    );
}

/// An unwritable output folder: its parent is bind-mounted read-only (`EROFS` even for root), or,
/// without user namespaces (so not root), made read-only with `chmod`.
#[cfg(target_os = "linux")]
#[test]
fn an_unwritable_output_folder_gives_a_clear_error_and_keeps_the_previous_site() {
    let site = Site::fixture("valid");
    let parent = site.root.parent().unwrap().join("web");
    let report = site.root.parent().unwrap().join("report");
    std::fs::create_dir_all(&parent).unwrap();
    std::fs::create_dir_all(&report).unwrap();
    let namespaced = can_unshare();
    let lock_down = if namespaced {
        r#"mount --bind "$WEB" "$WEB"; mount -o remount,bind,ro "$WEB""#
    } else {
        r#"chmod 0555 "$WEB" "$WEB/public""#
    };
    let script = format!(
        r#"
        "$BIN" build --root "$SITE" --out "$WEB/public" 2>/dev/null
        cp -a "$WEB/public" "$REPORT/before"
        printf -- '---\ntitle: Ny tittel\n---\nEndret.\n' > "$SITE/content/kommuner/fredrikstad.md"
        {lock_down}
        set +e
        "$BIN" build --root "$SITE" --out "$WEB/public" 2> "$REPORT/stderr"
        echo "code=$?"
        set -e
        cp -a "$WEB/public" "$REPORT/after"
        ls -A "$WEB" > "$REPORT/listing"
        "#
    );
    let stdout = run_script(
        &script,
        &[("WEB", &parent), ("SITE", &site.root), ("REPORT", &report)],
        namespaced,
    );
    if !namespaced {
        let _ = Command::new("chmod")
            .arg("-R")
            .arg("u+w")
            .arg(&parent)
            .status();
    }
    let stderr = std::fs::read_to_string(report.join("stderr")).unwrap();
    assert_eq!(stdout.trim(), "code=2", "{stderr}");
    assert!(
        stderr.contains("cannot write")
            && stderr.contains(&parent.display().to_string())
            && (stderr.contains("Read-only file system") || stderr.contains("Permission denied")),
        "{stderr}"
    );
    assert_eq!(
        sha_listing(&report.join("before")),
        sha_listing(&report.join("after"))
    );
    assert_eq!(
        std::fs::read_to_string(report.join("listing"))
            .unwrap()
            .trim(),
        "public"
    );
}

/// Regression: 8,000 unknown keys or dangling references in one page took minutes (every problem
/// re-scanned the front matter to find its line). Now the first problems are located, fifty
/// are shown per file, and one line counts the rest.
#[test]
fn thousands_of_problems_in_one_page_are_capped_and_summed_up() {
    let site = Site::fixture("valid");
    let mut keys = String::from("---\ntitle: Mange\n");
    let mut refs = String::from("---\ntitle: Mange\ntype: moteplass\ntakster:\n");
    for i in 0..8000 {
        writeln!(keys, "ukjent{i}: 1").unwrap();
        writeln!(refs, "  - takst-x{i}").unwrap();
    }
    site.write("content/kommuner/mange.md", keys + "---\n");
    site.write("content/tiltak/mange.md", refs + "---\n");
    let report = site.build();
    for (file, first_line, code) in [
        ("content/kommuner/mange.md", 3, "unknown-key"),
        ("content/tiltak/mange.md", 5, "dangling-ref"),
    ] {
        let mine: Vec<_> = report
            .compiled
            .diagnostics
            .iter()
            .filter(|d| d.file == file)
            .collect();
        assert_eq!(mine.len(), veiviser::error::MAX_PER_FILE + 1, "{file}");
        assert!(
            mine.iter()
                .any(|d| d.code == code && d.line == first_line && d.column > 0),
            "{file}"
        );
        assert!(
            mine.iter().any(|d| d.code == "too-many-problems"
                && d.message == "7950 more problems in this file are not shown"),
            "{file}"
        );
    }
}
