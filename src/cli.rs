//! Command line: argument parsing (clap) and the commands that glue the pipeline to a terminal.
//!
//! Exit codes are deliberate: 0 success, 1 the site has errors (diagnostics printed), 2 usage or
//! I/O failure. Output for people goes to stderr; machine output (`--format json`) to stdout.

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use clap::{Parser, Subcommand, ValueEnum};

use crate::config::{Config, FieldType};
use crate::error::{self, Error};
use crate::pipeline::{self, BuildOptions, BuildReport, Progress};

mod init;
pub mod search;
mod theme;

/// veiviser — a static knowledge-base site generator.
#[derive(Debug, Parser)]
#[command(version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the site into the output folder (default: public/).
    Build {
        #[command(flatten)]
        site: SiteArgs,
        /// Output folder.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Include pages marked `draft: true`.
        #[arg(long)]
        drafts: bool,
        /// Public URL of the site, overriding `base_url` in veiviser.yaml.
        #[arg(long)]
        base_url: Option<String>,
        /// Print the time of each stage.
        #[arg(long)]
        timings: bool,
        /// Fail instead of adding new URLs to urls.lock (for CI).
        #[arg(long)]
        locked: bool,
    },
    /// Preview the site: build into memory (drafts shown), serve it on 127.0.0.1, rebuild on every
    /// change and reload open pages; errors appear over the page and here.
    Serve {
        #[command(flatten)]
        site: SiteArgs,
        /// Port to listen on (0: any free port).
        #[arg(long, default_value_t = 1111)]
        port: u16,
        /// Address to listen on; anything but `127.0.0.1` (or `::1`) shows the site to the network.
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// Open the site in the browser.
        #[arg(long)]
        open: bool,
        /// Open pages go to the page you just changed instead of reloading themselves.
        #[arg(long)]
        follow: bool,
        /// Poll for changes every N milliseconds (for network shares, WSL, containers).
        #[arg(long, value_name = "MS")]
        poll: Option<u64>,
    },
    /// Run the whole pipeline without writing anything; report every problem.
    Check {
        #[command(flatten)]
        site: SiteArgs,
        /// Diagnostics as text for people or one JSON object per line for CI.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Fail when urls.lock lacks a URL or anchor the site publishes (for CI).
        #[arg(long)]
        locked: bool,
        /// List every external link with `file:line` (offline: nothing is fetched).
        #[arg(long)]
        external: bool,
        /// Fail (exit 1) on warnings too: for CI, where a warning nobody reads is a mistake kept.
        #[arg(long)]
        deny_warnings: bool,
    },
    /// Search the site with the same index and ranking as the browser.
    Search {
        /// What to look for (`L8`, `rådgivende lege Innlandet`, `"rett til"`).
        query: String,
        #[command(flatten)]
        site: SiteArgs,
        /// Output folder of the build whose search index to read (default `<root>/public`); an
        /// index older than the site's files is not used.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Only pages of this kind (e.g. `takst`).
        #[arg(long)]
        kind: Option<String>,
        /// Only pages with this filter value, as NAME=VALUE (e.g. `kommune=Kristiansand`).
        #[arg(long, value_name = "NAME=VALUE")]
        filter: Vec<String>,
        /// Number of results.
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// Print one JSON array instead of text.
        #[arg(long)]
        json: bool,
        /// Per hit, which words matched in which fields, through which variant, with which score.
        #[arg(long)]
        explain: bool,
    },
    /// Create a new page of KIND with TITLE, with the kind's required fields to fill in.
    New {
        /// Kind name from veiviser.yaml (e.g. `takst`).
        kind: String,
        /// Title of the page; the file name is made from it.
        title: String,
        #[command(flatten)]
        site: SiteArgs,
    },
    /// Create a new site that builds and serves at once: configuration, kinds, example pages.
    Init {
        /// Folder to create the site in; it must be new or empty.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Starter site: `enkel` (two example kinds) or `kunnskapsbase` (this knowledge base's
        /// kinds: roles, rules, tariffs, measures, municipalities, analyses, sources, terms).
        #[arg(long, default_value = init::DEFAULT_TEMPLATE)]
        template: String,
    },
    /// Work with the site's theme.
    #[command(subcommand)]
    Theme(ThemeCommand),
}

/// `veiviser theme …`.
#[derive(Debug, Subcommand)]
pub enum ThemeCommand {
    /// Write the built-in theme into themes/NAME/ (`theme:` of veiviser.yaml); overwrites nothing.
    Eject {
        #[command(flatten)]
        site: SiteArgs,
    },
}

/// Where the site is.
#[derive(Debug, clap::Args)]
pub struct SiteArgs {
    /// The site folder (holding veiviser.yaml).
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Command::Build {
            site,
            out,
            drafts,
            base_url,
            timings,
            locked,
        } => build(
            &BuildOptions {
                root: site.root,
                out,
                drafts,
                base_url,
                locked,
            },
            timings,
        ),
        Command::Check {
            site,
            format,
            locked,
            external,
            deny_warnings,
        } => check(
            &BuildOptions {
                root: site.root,
                locked,
                ..BuildOptions::default()
            },
            format,
            external,
            deny_warnings,
        ),
        Command::New { kind, title, site } => new_page(&site.root, &kind, &title),
        Command::Init { dir, template } => init::run(&dir, &template),
        Command::Theme(ThemeCommand::Eject { site }) => theme::eject(&site.root),
        Command::Serve {
            site,
            port,
            bind,
            open,
            follow,
            poll,
        } => crate::serve::run(
            &crate::serve::ServeOptions {
                root: site.root,
                bind,
                port,
                open,
                follow,
                poll: poll.map(|ms| std::time::Duration::from_millis(ms.max(10))),
                limits: crate::serve::ServeLimits::default(),
            },
            &Bar::new(),
        ),
        Command::Search {
            query,
            site,
            out,
            kind,
            filter,
            limit,
            json,
            explain,
        } => search::run(&search::SearchArgs {
            root: site.root,
            out,
            query,
            kind,
            filters: filter,
            limit,
            json,
            explain,
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Error::Site(_)) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn build(options: &BuildOptions, timings: bool) -> Result<(), Error> {
    let started = Instant::now();
    let progress = Bar::new();
    let report = pipeline::build(options, true, &progress)?;
    print_diagnostics(&report);
    if timings {
        for t in &report.compiled.timings {
            let cpu = t
                .cpu
                .map(|d| format!("  cpu {:>7.0} ms", d.as_secs_f64() * 1000.0))
                .unwrap_or_default();
            let peak = t
                .peak_rss_kb
                .map(|kb| format!("  peak memory {:>5} MB", kb / 1024))
                .unwrap_or_default();
            eprintln!(
                "  {:<8} {:>8.1} ms{cpu}{peak}",
                t.stage,
                t.duration.as_secs_f64() * 1000.0
            );
        }
    }
    let report = pipeline::into_result(report)?;
    let c = &report.compiled;
    if c.lock.new_text.is_some() {
        eprintln!(
            "urls.lock: {} new URLs and anchors added; commit the file",
            c.lock.added.len()
        );
    }
    eprintln!(
        "built {} pages, {} files ({:.1} MB, search index {:.1} MB) in {:.2} s → {}",
        c.page_count(),
        c.size.files,
        c.size.bytes as f64 / 1_048_576.0,
        c.size.index_bytes as f64 / 1_048_576.0,
        started.elapsed().as_secs_f64(),
        report
            .written_to
            .as_deref()
            .unwrap_or(options.out_dir().as_path())
            .display(),
    );
    Ok(())
}

fn check(
    options: &BuildOptions,
    format: Format,
    external: bool,
    deny_warnings: bool,
) -> Result<(), Error> {
    let report = pipeline::build(options, false, &pipeline::Silent)?;
    let c = &report.compiled;
    match format {
        Format::Human => {
            print_diagnostics(&report);
            if external {
                for l in &c.external_links {
                    println!("{}:{}:{}\t{}", l.file, l.line, l.column, l.url);
                }
                let distinct: std::collections::HashSet<&str> =
                    c.external_links.iter().map(|l| l.url.as_str()).collect();
                eprintln!(
                    "{} external links ({} distinct URLs), listed, not fetched: the check is offline",
                    c.external_links.len(),
                    distinct.len()
                );
            }
            if !c.has_errors() {
                if !c.lock.added.is_empty() {
                    eprintln!(
                        "urls.lock lacks {} new URLs and anchors; `veiviser build` adds them",
                        c.lock.added.len()
                    );
                }
                eprintln!("checked {} pages: no errors", c.page_count());
            }
        }
        Format::Json => {
            for d in &c.diagnostics {
                println!("{}", serde_json::to_string(d).unwrap_or_default());
            }
            if external {
                for l in &c.external_links {
                    println!(
                        "{}",
                        serde_json::json!({"external_link": l.url, "file": l.file, "line": l.line, "column": l.column})
                    );
                }
            }
        }
    }
    let warnings = c.diagnostics.iter().filter(|d| !d.is_error()).count();
    if deny_warnings && warnings > 0 && !c.has_errors() {
        if format == Format::Human {
            eprintln!("{warnings} warning(s), and --deny-warnings fails on warnings");
        }
        return Err(Error::Site(report.compiled.diagnostics));
    }
    pipeline::into_result(report).map(|_| ())
}

fn print_diagnostics(report: &BuildReport) {
    let diags = &report.compiled.diagnostics;
    if !diags.is_empty() {
        eprint!(
            "{}",
            error::render_all(diags, std::io::stderr().is_terminal())
        );
    }
}

/// `veiviser new KIND TITLE`.
fn new_page(root: &std::path::Path, kind_name: &str, title: &str) -> Result<(), Error> {
    let text = crate::source::read_config(root)?;
    let config = Config::parse(&text).map_err(|d| {
        Error::Usage(format!(
            "veiviser.yaml has errors:\n{}",
            error::render_all(&d, false)
        ))
    })?;
    let Some(kind) = config.kinds.get(kind_name) else {
        let hint = error::did_you_mean(kind_name, config.kinds.keys().map(String::as_str))
            .unwrap_or_default();
        let known = config.kinds.keys().cloned().collect::<Vec<_>>().join(", ");
        return Err(Error::Usage(format!(
            "unknown kind `{kind_name}` (known: {known}) {hint}"
        )));
    };
    let name = NewName::of(title, kind_name, kind);
    if name.slug.is_empty() {
        return Err(Error::Usage(
            "the title needs at least one letter or digit".into(),
        ));
    }
    let dir = root.join("content").join(&kind.section);
    let path = dir.join(format!("{}.md", name.slug));
    let rel = format!("content/{}/{}.md", kind.section, name.slug);
    let id = format!("{kind_name}-{}", name.slug);
    let url = format!("{}/{}/", kind.section, name.slug);
    refuse_collision(
        root,
        &config,
        &NewPage {
            kind: kind_name,
            rel: &rel,
            id: &id,
            url: &url,
            code: name.code.as_deref().zip(kind.code_field.as_deref()),
        },
    )?;
    let mut fm = format!(
        "---\ntitle: {}\nsummary: \"\"\n",
        serde_json::to_string(title).unwrap_or_default()
    );
    for (field_name, field) in kind.fields.iter().filter(|(_, f)| f.required) {
        let value = match field.ty {
            _ if kind.code_field.as_deref() == Some(field_name) && name.code.is_some() => {
                serde_json::to_string(name.code.as_deref().unwrap_or_default()).unwrap_or_default()
            }
            FieldType::Enum => field.values.first().cloned().unwrap_or_default(),
            FieldType::Refs | FieldType::List => "[]".to_owned(),
            FieldType::Bool => "false".to_owned(),
            FieldType::Number | FieldType::Integer => "0".to_owned(),
            _ => "\"\"".to_owned(),
        };
        let _ = writeln!(fm, "{field_name}: {value}   # {}", field.label(field_name));
    }
    fm.push_str(
        "sources:\n  - source: \"\"\n    section: \"\"\n    lines: \"\"\ntags: []\n---\n\n",
    );
    std::fs::create_dir_all(&dir).map_err(|e| Error::write(&dir, e))?;
    // create_new: never overwrite, even if the file appears between a check and the write.
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                Error::Usage(format!(
                    "{} already exists; veiviser new never overwrites",
                    path.display()
                ))
            } else {
                Error::write(&path, e)
            }
        })?;
    std::io::Write::write_all(&mut file, fm.as_bytes()).map_err(|e| Error::write(&path, e))?;
    eprintln!("created {rel}\n  id:  {id} (link to it with [[{id}]])\n  URL: /{url}");
    Ok(())
}

/// The file name `new` gives a page, derived the way the site's pages are named: from the title
/// without the kind's label in front (`Takst L9` → `l9.md`, id `takst-l9`), and when the kind has
/// a code field and what is left, up to a dash or colon, is one word, that word is the code and
/// the file name (`Takst L9 – noe` → `kode: L9`, `l9.md`).
struct NewName {
    slug: String,
    code: Option<String>,
}

impl NewName {
    fn of(title: &str, kind_name: &str, kind: &crate::config::KindDef) -> Self {
        let title = title.trim();
        let rest = [kind.label(kind_name), kind_name]
            .iter()
            .find_map(|prefix| {
                let head = title.get(..prefix.len())?;
                let tail = &title[prefix.len()..];
                (head.eq_ignore_ascii_case(prefix) && tail.starts_with(char::is_whitespace))
                    .then(|| tail.trim())
            })
            .filter(|rest| !crate::vocab::slugify(rest).is_empty())
            .unwrap_or(title);
        // `L8 – tilleggsopplysninger` names the code before the dash, as the site's titles do.
        let head = ["–", "—", " - ", ":"]
            .iter()
            .filter_map(|sep| rest.split_once(sep).map(|(h, _)| h.trim()))
            .min_by_key(|h| h.len())
            .unwrap_or(rest);
        let code =
            (kind.code_field.is_some() && !head.is_empty() && !head.contains(char::is_whitespace))
                .then(|| head.to_owned());
        NewName {
            slug: shorten_slug(&crate::vocab::slugify(code.as_deref().unwrap_or(rest))),
            code,
        }
    }
}

/// Longest file stem `new` makes: a whole sentence as a title gave a name the file system
/// refused ("File name too long" at 255 bytes), and a URL nobody would type from a record.
const MAX_SLUG: usize = 60;

/// `slug` cut to [`MAX_SLUG`] at the last word boundary before it (a slug is ASCII).
fn shorten_slug(slug: &str) -> String {
    if slug.len() <= MAX_SLUG {
        return slug.to_owned();
    }
    let head = &slug[..=MAX_SLUG];
    let cut = head.rfind('-').filter(|&i| i > 0).unwrap_or(MAX_SLUG);
    slug[..cut].to_owned()
}

/// What `new` is about to create, checked against the pages there are.
struct NewPage<'a> {
    kind: &'a str,
    rel: &'a str,
    id: &'a str,
    url: &'a str,
    /// The code and the field that holds it.
    code: Option<(&'a str, &'a str)>,
}

/// Refuses a page whose id, URL (also as an alias, in any letter case) or code another page has.
fn refuse_collision(
    root: &std::path::Path,
    config: &Config,
    new: &NewPage<'_>,
) -> Result<(), Error> {
    use rayon::prelude::*;
    let sources = crate::source::load(root, &pipeline::theme_name(root)?)?;
    let clash = sources
        .content
        .par_iter()
        .filter_map(|src| crate::page::parse(src, config).page)
        .find_map_any(|p| {
            let why = if p.id == new.id {
                format!("its id is `{}`", p.id)
            } else if p.url.eq_ignore_ascii_case(new.url) {
                format!("its URL is /{}", p.url)
            } else if p
                .aliases
                .iter()
                .any(|a| a.trim_start_matches('/').eq_ignore_ascii_case(new.url))
            {
                format!("it keeps /{} as an alias", new.url)
            } else if let Some((code, field)) = new.code
                && p.kind.as_deref() == Some(new.kind)
                && p.fields
                    .get(field)
                    .is_some_and(|v| v.display().eq_ignore_ascii_case(code))
            {
                format!("its {field} is {code}")
            } else {
                return None;
            };
            Some(format!("{} ({why})", p.file))
        });
    match clash {
        Some(other) => Err(Error::Usage(format!(
            "not creating {}: it would collide with {other}; choose another title",
            new.rel
        ))),
        None => Ok(()),
    }
}

/// A progress bar on stderr that appears only when a run takes more than a second and stderr is
/// a terminal.
struct Bar {
    inner: indicatif::ProgressBar,
    begun: Instant,
    shown: AtomicBool,
    enabled: bool,
}

impl Bar {
    fn new() -> Self {
        let bar = indicatif::ProgressBar::hidden();
        bar.set_style(
            indicatif::ProgressStyle::with_template("{msg:>12} [{bar:40}] {pos}/{len}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        Self {
            inner: bar,
            begun: Instant::now(),
            shown: AtomicBool::new(false),
            enabled: std::io::stderr().is_terminal(),
        }
    }
}

impl Progress for Bar {
    fn start(&self, stage: &'static str, total: usize) {
        self.inner.set_length(total as u64);
        self.inner.set_position(0);
        self.inner.set_message(stage);
    }
    fn advance(&self, n: usize) {
        self.inner.inc(n as u64);
        if self.enabled
            && !self.shown.load(Ordering::Relaxed)
            && self.begun.elapsed().as_secs_f64() > 1.0
            && !self.shown.swap(true, Ordering::Relaxed)
        {
            self.inner
                .set_draw_target(indicatif::ProgressDrawTarget::stderr());
        }
    }
    fn finish(&self) {
        self.inner.finish_and_clear();
    }
}
