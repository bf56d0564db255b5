//! `veiviser serve`: the editor's preview. Not a pipeline stage: it wraps
//! [`pipeline::compile_incremental`](crate::pipeline::compile_incremental) in a loop.
//!
//! ```text
//! watch (notify, debounced) ──paths──▶ site::Site::rebuild ──Snapshot──▶ http (axum)
//!                                       source::refresh                    ├─ files from memory
//!                                       pipeline::compile_incremental      └─ SSE: reload / overlay
//!                                                 │ SearchJob                   ▲
//!                                                 └──▶ search thread ──index────┘ (same build id)
//! ```
//!
//! The search index is left out of each rebuild and made on its own thread after the reload was
//! pushed (only the newest when edits come faster), so an edit on a large site reloads in the
//! time its pages take, and the preview's search is at most one index behind for a moment.
//!
//! In: the site folder. Out: an HTTP server on 127.0.0.1 serving the build from memory, with
//! drafts. Every good rebuild reloads the open pages; a failed one keeps the last good site and
//! shows its diagnostics over every open page and in the terminal. Must not: write to the disk,
//! serve anything but the build, or put its script into what `veiviser build` writes.

mod http;
mod live;
mod site;
mod watch;

use std::io::IsTerminal;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch as channel;

use crate::error::{self, Error};
use crate::pipeline::Progress;
pub use http::{ServeLimits, content_type, file_key};
use site::{Publisher, Report, SearchJob, Site};

/// Options of `veiviser serve`.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The site folder.
    pub root: PathBuf,
    pub bind: IpAddr,
    /// 0 picks a free port.
    pub port: u16,
    /// Open the site in the browser once it is served.
    pub open: bool,
    /// Open pages go to the page an edit changed instead of reloading themselves.
    pub follow: bool,
    /// Poll the files at this interval instead of relying on kernel notifications.
    pub poll: Option<Duration>,
    /// Header-read timeout and shutdown grace of the HTTP side.
    pub limits: ServeLimits,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            root: PathBuf::from("."),
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 1111,
            open: false,
            follow: false,
            poll: None,
            limits: ServeLimits::default(),
        }
    }
}

/// A running preview server. Dropping it (or [`Server::stop`]) shuts it down cleanly.
pub struct Server {
    addr: SocketAddr,
    runtime: Option<tokio::runtime::Runtime>,
    shutdown: channel::Sender<bool>,
    watcher: Option<watch::Watcher>,
    rebuilder: Option<std::thread::JoinHandle<()>>,
    serving: Option<tokio::task::JoinHandle<()>>,
}

impl Server {
    /// Loads and compiles the site, binds the port, starts watching and serving. Returns once
    /// the site is served. Diagnostics and rebuild reports go to stderr, as in the terminal.
    pub fn start(options: &ServeOptions, progress: &dyn Progress) -> Result<Server, Error> {
        if !options.root.join(crate::config::CONFIG_FILE).is_file() {
            return Err(Error::Usage(format!(
                "{} has no {}; is --root pointing at a veiviser site?",
                options.root.display(),
                crate::config::CONFIG_FILE
            )));
        }
        let root = options
            .root
            .canonicalize()
            .map_err(|e| Error::read(&options.root, e))?;
        // Bind before the (possibly long) first build, so a port in use is reported at once.
        let listener = bind(options.bind, options.port)?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::Usage(e.to_string()))?;
        // Watch before the first build, so an edit made during it is not lost.
        let (watcher, batches) = watch::start(&root, options.poll)?;

        let (mut site, report) = Site::load(&root, progress);
        let search = site
            .take_search_job()
            .map(SearchJob::run)
            .unwrap_or_default();
        print_report(&report, true);
        let publisher = Arc::new(Publisher::new(&site.snapshot(), search));
        let site_rx = publisher.subscribe();
        // The search index of each good build is made here, after its pages are served; when
        // builds come faster than indexes, only the newest is indexed.
        let (search_tx, search_rx) = std::sync::mpsc::channel::<SearchJob>();
        let search_publisher = Arc::clone(&publisher);
        std::thread::Builder::new()
            .name("veiviser-search".into())
            .spawn(move || {
                // Its own single-thread pool: on the global one, the next rebuild's parallel
                // work would queue behind the index's.
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(1)
                    .thread_name(|_| "veiviser-search-pool".into())
                    .start_handler(|_| lower_priority())
                    .build();
                while let Ok(mut job) = search_rx.recv() {
                    while let Ok(newer) = search_rx.try_recv() {
                        job = newer;
                    }
                    let files = match &pool {
                        Ok(pool) => pool.install(|| job.run()),
                        Err(_) => job.run(),
                    };
                    search_publisher.publish_search(files);
                }
            })
            .map_err(|e| Error::Usage(format!("cannot start the search thread: {e}")))?;
        let (shutdown_tx, shutdown_rx) = channel::channel(false);

        let rebuilder = std::thread::Builder::new()
            .name("veiviser-rebuild".into())
            .spawn(move || {
                // Ends when the watcher is dropped (its channel closes).
                while let Ok(mut batch) = batches.recv() {
                    // Everything that arrived meanwhile goes into the same rebuild.
                    while let Ok(more) = batches.try_recv() {
                        batch.paths.extend(more.paths);
                        batch.rescan |= more.rescan;
                    }
                    batch.paths.sort();
                    batch.paths.dedup();
                    if let Some(report) = site.rebuild(&batch.paths, batch.rescan) {
                        print_report(&report, false);
                        publisher.publish(&site.snapshot());
                        if let Some(job) = site.take_search_job() {
                            let _ = search_tx.send(job);
                        }
                    }
                }
            })
            .map_err(|e| Error::Usage(format!("cannot start the rebuild thread: {e}")))?;

        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("veiviser-http")
            .enable_all()
            .build()
            .map_err(|e| Error::Usage(format!("cannot start the HTTP runtime: {e}")))?;
        let app = http::router(http::AppState {
            site: site_rx,
            shutdown: shutdown_rx.clone(),
            follow: options.follow,
        });
        let server = runtime.block_on(async {
            let listener = tokio::net::TcpListener::from_std(listener)
                .map_err(|e| Error::Usage(format!("cannot listen on {addr}: {e}")))?;
            Ok::<_, Error>(tokio::spawn(http::serve(
                listener,
                app,
                shutdown_rx,
                options.limits,
            )))
        })?;
        Ok(Server {
            addr,
            runtime: Some(runtime),
            shutdown: shutdown_tx,
            watcher: Some(watcher),
            rebuilder: Some(rebuilder),
            serving: Some(server),
        })
    }

    /// The address served on (with the real port when 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The site's URL.
    pub fn url(&self) -> String {
        match self.addr.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => {
                format!("http://127.0.0.1:{}/", self.addr.port())
            }
            IpAddr::V6(ip) if ip.is_unspecified() => format!("http://[::1]:{}/", self.addr.port()),
            _ => format!("http://{}/", self.addr),
        }
    }

    /// Blocks until Ctrl-C (or SIGTERM).
    pub fn wait_for_signal(&self) {
        let Some(runtime) = &self.runtime else {
            return;
        };
        runtime.block_on(async {
            #[cfg(unix)]
            {
                let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    () = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending().await } } => {}
                }
            }
            #[cfg(not(unix))]
            let _ = tokio::signal::ctrl_c().await;
        });
    }

    /// Stops serving: ends the event streams, gives requests under way
    /// [`ServeLimits::shutdown_grace`] to finish, drops every connection, stops watching and
    /// waits for a rebuild under way.
    pub fn stop(mut self) {
        self.shut_down();
    }

    fn shut_down(&mut self) {
        let _ = self.shutdown.send(true);
        if let (Some(runtime), Some(server)) = (self.runtime.take(), self.serving.take()) {
            runtime.block_on(async {
                let _ = tokio::time::timeout(Duration::from_secs(2), server).await;
            });
            runtime.shutdown_timeout(Duration::from_millis(200));
        }
        drop(self.watcher.take());
        if let Some(thread) = self.rebuilder.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shut_down();
    }
}

/// Gives the calling thread the lowest scheduling priority (Linux: `setpriority` on its thread
/// id), so the search index never slows the rebuild an editor is waiting for. Best effort.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        let _ = rustix::process::setpriority_process(Some(rustix::thread::gettid()), 19);
    }
}

/// `veiviser serve`: starts, says where, waits for Ctrl-C, stops.
pub fn run(options: &ServeOptions, progress: &dyn Progress) -> Result<(), Error> {
    let server = Server::start(options, progress)?;
    let url = server.url();
    if !options.bind.is_loopback() {
        eprintln!(
            "warning: serving on {} — anyone who can reach this machine can read the site, drafts included. Use --bind 127.0.0.1 to keep it to this machine.",
            server.addr()
        );
    }
    eprintln!("serving {url} (drafts shown) — watching for changes, Ctrl-C to stop");
    if options.open
        && let Err(e) = opener::open_browser(&url)
    {
        eprintln!("warning: could not open a browser ({e}); open {url} yourself");
    }
    server.wait_for_signal();
    eprintln!("stopping");
    server.stop();
    Ok(())
}

fn bind(ip: IpAddr, port: u16) -> Result<std::net::TcpListener, Error> {
    let listener = std::net::TcpListener::bind((ip, port)).map_err(|e| match e.kind() {
        std::io::ErrorKind::AddrInUse => Error::Usage(format!(
            "port {port} on {ip} is already in use (another `veiviser serve`?); choose another one, e.g. --port {}",
            port.checked_add(1).unwrap_or(1112)
        )),
        std::io::ErrorKind::AddrNotAvailable => Error::Usage(format!(
            "cannot bind {ip}: no network interface of this machine has that address"
        )),
        std::io::ErrorKind::PermissionDenied => Error::Usage(format!(
            "not allowed to listen on port {port}; ports below 1024 need privileges, e.g. use --port 1111"
        )),
        _ => Error::Usage(format!("cannot listen on {ip}:{port}: {e}")),
    })?;
    listener
        .set_nonblocking(true)
        .map_err(|e| Error::Usage(format!("cannot listen on {ip}:{port}: {e}")))?;
    Ok(listener)
}

fn print_report(report: &Report, first: bool) {
    let color = std::io::stderr().is_terminal();
    if !report.diagnostics.is_empty() {
        eprint!("{}", error::render_all(&report.diagnostics, color));
    }
    let ms = report.duration.as_secs_f64() * 1000.0;
    if !report.ok && first {
        eprintln!("the site has errors: the browser shows them until they are fixed");
    } else if !report.ok {
        eprintln!(
            "build failed in {ms:.0} ms: still serving the last good version; errors shown in the browser"
        );
    } else if first {
        eprintln!("built {} pages in {ms:.0} ms", report.pages);
    } else {
        let w = report.work;
        eprintln!(
            "rebuilt in {ms:.0} ms: {} page(s) parsed, {} rendered{}",
            w.parsed,
            w.rendered,
            if w.site_pages {
                ", indexes rendered"
            } else {
                ""
            }
        );
    }
}
