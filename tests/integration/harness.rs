//! The fluent site helper: copy a fixture site into a temporary folder, change files, build in
//! process or through the real binary, and look at the output.

use std::path::{Path, PathBuf};

use veiviser::pipeline::{self, BuildOptions, BuildReport};

/// A fixture site copied into a temporary folder.
pub(crate) struct Site {
    _dir: tempfile::TempDir,
    pub root: PathBuf,
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

pub(crate) fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Every file under `dir`, as sorted `/`-separated paths relative to it.
pub(crate) fn files_under(dir: &Path) -> Vec<String> {
    let mut files: Vec<String> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            e.path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    files.sort();
    files
}

impl Site {
    /// Copies `tests/fixtures/<name>`; sites without a theme get the repository's default theme.
    #[track_caller]
    pub(crate) fn fixture(name: &str) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("site-")
            .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
            .unwrap();
        let root = dir.path().join("site");
        copy_dir(&repo().join("tests/fixtures").join(name), &root);
        if !root.join("themes").exists() {
            copy_dir(&repo().join("themes/default"), &root.join("themes/default"));
        }
        Site { _dir: dir, root }
    }

    /// Copies `tests/fixtures/<name>` without giving it a theme folder: it builds with the
    /// built-in theme.
    #[track_caller]
    pub(crate) fn fixture_without_theme(name: &str) -> Self {
        let site = Self::fixture(name);
        std::fs::remove_dir_all(site.root.join("themes")).unwrap();
        site
    }

    /// A new site written by the real binary's `veiviser init --template <template>` into a
    /// folder that does not exist yet.
    #[track_caller]
    pub(crate) fn init(template: &str) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("init-")
            .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
            .unwrap();
        let root = dir.path().join("ny-side");
        assert_cmd::Command::cargo_bin("veiviser")
            .unwrap()
            .current_dir(dir.path())
            .args(["init", "ny-side", "--template", template])
            .assert()
            .success();
        Site { _dir: dir, root }
    }

    /// Copies the files of `tests/fixtures/<name>` over the site (a hostile case's overlay).
    #[track_caller]
    pub(crate) fn overlay(&self, name: &str) -> &Self {
        copy_dir(&repo().join("tests/fixtures").join(name), &self.root);
        self
    }

    /// Writes (or replaces) a file of the site.
    #[track_caller]
    pub(crate) fn write(&self, rel: &str, text: impl AsRef<[u8]>) -> &Self {
        let path = self.root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
        self
    }

    /// Removes a file of the site.
    #[track_caller]
    pub(crate) fn remove(&self, rel: &str) -> &Self {
        std::fs::remove_file(self.root.join(rel)).unwrap();
        self
    }

    /// Builds in process into `public/`.
    #[track_caller]
    pub(crate) fn build(&self) -> BuildReport {
        pipeline::build(
            &BuildOptions {
                root: self.root.clone(),
                ..BuildOptions::default()
            },
            true,
            &pipeline::Silent,
        )
        .unwrap()
    }

    /// Builds in process and returns the errors (not warnings) it reported.
    #[track_caller]
    pub(crate) fn build_errors(&self) -> Vec<veiviser::error::Diagnostic> {
        let mut diags = self.build().compiled.diagnostics;
        diags.retain(veiviser::error::Diagnostic::is_error);
        diags
    }

    /// A file of the site's source folder (not of the built site), as text.
    #[track_caller]
    pub(crate) fn source(&self, rel: &str) -> String {
        std::fs::read_to_string(self.root.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    /// Builds and asserts there are no diagnostics at all.
    #[track_caller]
    pub(crate) fn build_ok(&self) -> BuildReport {
        let report = self.build();
        assert!(
            report.compiled.diagnostics.is_empty(),
            "{}",
            veiviser::error::render_all(&report.compiled.diagnostics, false)
        );
        report
    }

    /// The real binary, run in the site folder.
    pub(crate) fn cli(&self) -> assert_cmd::Command {
        let mut cmd = assert_cmd::Command::cargo_bin("veiviser").unwrap();
        cmd.current_dir(&self.root).env("NO_COLOR", "1");
        cmd
    }

    /// Runs the real binary with `command`, asserts that it exits with 1 (errors in the site)
    /// and returns what it printed on stderr.
    pub(crate) fn stderr_of_failing(&self, command: &str) -> String {
        let out = self
            .cli()
            .arg(command)
            .assert()
            .code(1)
            .get_output()
            .clone();
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    pub(crate) fn public(&self) -> PathBuf {
        self.root.join("public")
    }

    /// A file of the built site, as text.
    #[track_caller]
    pub(crate) fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.public().join(rel))
            .unwrap_or_else(|e| panic!("public/{rel}: {e}"))
    }

    /// The entry of page `id` in the built site's `pages.json`.
    #[track_caller]
    pub(crate) fn pages_json_entry(&self, id: &str) -> serde_json::Value {
        let pages: serde_json::Value = serde_json::from_str(&self.read("pages.json")).unwrap();
        pages["pages"]
            .as_array()
            .expect("pages.json has a `pages` list")
            .iter()
            .find(|p| p["id"] == id)
            .unwrap_or_else(|| panic!("pages.json has no page `{id}`"))
            .clone()
    }

    /// Only the `<main>…</main>` region of a built page.
    #[track_caller]
    pub(crate) fn main_of(&self, rel: &str) -> String {
        let html = self.read(rel);
        let start = html.find("<main").expect("no <main>");
        let end = html.find("</main>").expect("no </main>") + "</main>".len();
        html[start..end].to_owned()
    }

    /// Every file of the output with its content hash, sorted: a fingerprint of the whole site.
    pub(crate) fn output_fingerprint(&self) -> Vec<(String, u64)> {
        let public = self.public();
        let mut files: Vec<(String, u64)> = files_under(&public)
            .into_iter()
            .map(|rel| {
                let bytes = std::fs::read(public.join(&rel)).unwrap();
                (rel, xxhash_rust::xxh3::xxh3_64(&bytes))
            })
            .collect();
        files.sort();
        files
    }
}

/// Stderr of the CLI with the temporary path removed, for snapshots.
pub(crate) fn redact(text: &[u8], site: &Site) -> String {
    String::from_utf8_lossy(text).replace(&site.root.display().to_string(), "[ROOT]")
}

/// All `href` values in an HTML text.
pub(crate) fn hrefs(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(|s| s.replace("&amp;", "&"))
        .collect()
}
