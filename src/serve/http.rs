//! The preview's HTTP side (axum): the in-memory site, the event stream and the client script.
//!
//! Serves only files of the current [`Snapshot`]; nothing is read from disk, so no request can
//! reach a file that is not part of the build. Paths that try anyway (`..`, `%2e%2e`, backslashes,
//! absolute or drive paths, NUL) get the site's 404 page without being looked up. Every response
//! carries `Cache-Control: no-store`, so the browser never shows a stale page after a rebuild.
//! Only GET and HEAD are answered; any other method gets 405 with `Allow: GET, HEAD`.
//!
//! Connections are served by [`serve`], over hyper directly: a client gets [`ServeLimits`]'s
//! time to send a request's headers (a slowloris connection is closed, not held), and shutdown
//! gives requests under way a short grace, then drops every connection.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderValue, Method, Response, StatusCode, Uri, header};
use axum::response::IntoResponse;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use futures_util::stream::{self, Stream};
use percent_encoding::percent_decode_str;
use tokio::sync::watch;
use tower_http::set_header::SetResponseHeaderLayer;

use super::live::{self, StateEvent};
use super::site::Snapshot;

/// What every handler needs.
#[derive(Clone)]
pub(crate) struct AppState {
    pub(crate) site: watch::Receiver<Arc<Snapshot>>,
    /// Becomes `true` when the server shuts down; ends the event streams.
    pub(crate) shutdown: watch::Receiver<bool>,
    /// `--follow`: open pages go to the page that changed.
    pub(crate) follow: bool,
}

pub(crate) fn router(state: AppState) -> Router {
    Router::new()
        .route(live::EVENTS, get(events))
        .route(
            live::SCRIPT,
            get(|| async { asset(live::SCRIPT_BODY, "text/javascript; charset=utf-8") }),
        )
        .route(
            live::STYLE,
            get(|| async { asset(live::STYLE_BODY, "text/css; charset=utf-8") }),
        )
        .fallback(site_file)
        .with_state(state)
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
}

fn asset(body: &'static str, content_type: &'static str) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, content_type)], body)
}

/// Any GET or HEAD outside the preview's own endpoints: a file of the site. Other methods get 405
/// (the preview's own endpoints get it from their `get` routes).
async fn site_file(State(state): State<AppState>, method: Method, uri: Uri) -> Response<Body> {
    if method != Method::GET && method != Method::HEAD {
        return Response::builder()
            .status(StatusCode::METHOD_NOT_ALLOWED)
            .header(header::ALLOW, "GET, HEAD")
            .body(Body::empty())
            .unwrap_or_default();
    }
    let snapshot = Arc::clone(&state.site.borrow());
    let html = |bytes: &[u8], status: StatusCode| {
        let body = live::inject(
            bytes,
            &snapshot.build,
            state.follow,
            snapshot.overlay.as_deref(),
        );
        respond(status, "text/html; charset=utf-8", Bytes::from(body))
    };
    if !snapshot.has_site() {
        return html(
            &live::fallback_page("Nettstedet har feil og kan ikke vises ennå"),
            StatusCode::SERVICE_UNAVAILABLE,
        );
    }
    let not_found = || match snapshot.get("404.html") {
        Some(page) => html(page, StatusCode::NOT_FOUND),
        None => html(
            &live::fallback_page("Fant ikke siden"),
            StatusCode::NOT_FOUND,
        ),
    };
    let Some(key) = file_key(uri.path()) else {
        return not_found();
    };
    if let Some(bytes) = snapshot.get(&key) {
        let content_type = content_type(&key);
        return if content_type.starts_with("text/html") {
            html(bytes, StatusCode::OK)
        } else {
            respond(StatusCode::OK, content_type, bytes.clone())
        };
    }
    // `/takster/l8` → `/takster/l8/`, as a static host would: the page's relative links need it.
    if !key.is_empty() && snapshot.files.contains_key(&format!("{key}/index.html")) {
        let location = match uri.query() {
            Some(q) => format!("{}/?{q}", uri.path()),
            None => format!("{}/", uri.path()),
        };
        return Response::builder()
            .status(StatusCode::PERMANENT_REDIRECT)
            .header(header::LOCATION, location)
            .body(Body::empty())
            .unwrap_or_default();
    }
    not_found()
}

/// How long clients may take, and how long shutdown waits.
#[derive(Debug, Clone, Copy)]
pub struct ServeLimits {
    /// Time a client has to send a request's headers, from connecting or from the end of the
    /// previous response; then the connection is closed.
    pub header_read: Duration,
    /// Time requests under way get to finish once shutdown starts; then connections are dropped.
    pub shutdown_grace: Duration,
}

impl Default for ServeLimits {
    fn default() -> Self {
        Self {
            header_read: Duration::from_secs(10),
            shutdown_grace: Duration::from_millis(250),
        }
    }
}

/// Serves `app` on `listener` until `stop` turns `true`. Written over hyper rather than with
/// `axum::serve`, which sets no timer (so no header-read timeout: a connection sending a header
/// a byte a minute was held indefinitely) and waits on every connection at shutdown.
pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    stop: watch::Receiver<bool>,
    limits: ServeLimits,
) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use hyper_util::service::TowerToHyperService;

    let mut connections = tokio::task::JoinSet::new();
    let mut stopping = stop.clone();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    // Out of file descriptors or a connection reset before it was accepted:
                    // wait a moment instead of spinning on the error.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                };
                let service = TowerToHyperService::new(app.clone());
                let mut stop = stop.clone();
                connections.spawn(async move {
                    let conn = hyper::server::conn::http1::Builder::new()
                        .timer(TokioTimer::new())
                        .header_read_timeout(limits.header_read)
                        .serve_connection(TokioIo::new(stream), service);
                    tokio::pin!(conn);
                    tokio::select! {
                        _ = conn.as_mut() => return,
                        () = stopped(&mut stop) => {}
                    }
                    // Idle connections close now; a request under way finishes its response.
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                });
                while connections.try_join_next().is_some() {}
            }
            () = stopped(&mut stopping) => break,
        }
    }
    drop(listener);
    let all_done = async { while connections.join_next().await.is_some() {} };
    let _ = tokio::time::timeout(limits.shutdown_grace, all_done).await;
    // Dropping the set aborts the connections still open.
}

/// Resolves once `stop` is `true` (or its sender is gone), holding no borrow of it after.
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|&s| s).await;
}

fn respond(status: StatusCode, content_type: &str, body: Bytes) -> Response<Body> {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap_or_default()
}

/// The output path a request path names (`/takster/l8/` → `takster/l8/index.html`), or `None`
/// for any path that is not a plain path inside the site. Checked on the raw path as well as the
/// decoded one, so encoding (`%2e%2e`, `%2f`, `%5c`) cannot smuggle anything past the check.
pub fn file_key(raw_path: &str) -> Option<String> {
    let raw = raw_path.strip_prefix('/')?;
    let decoded = percent_decode_str(raw).decode_utf8().ok()?;
    if decoded.contains('\\') || decoded.contains('\0') || raw.contains('\\') {
        return None;
    }
    let mut segments: Vec<&str> = decoded.split('/').collect();
    let dir = segments.last() == Some(&"");
    if dir {
        segments.pop();
    }
    let bad = |s: &&str| s.is_empty() || *s == "." || *s == ".." || s.contains(':');
    if segments.iter().any(bad) {
        return None;
    }
    let mut key = segments.join("/");
    if dir {
        if !key.is_empty() {
            key.push('/');
        }
        key.push_str("index.html");
    }
    Some(key)
}

/// Content type by extension; text types say they are UTF-8.
pub fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
    match ext.to_ascii_lowercase().as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml; charset=utf-8",
        "txt" | "md" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        _ => mime_guess::from_ext(ext)
            .first_raw()
            .unwrap_or("application/octet-stream"),
    }
}

/// The event stream: the current state at once, then every change, until shutdown.
async fn events(
    State(state): State<AppState>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let follow = state.follow;
    let stream = stream::unfold(
        (true, state.site, state.shutdown),
        move |(first, mut site, mut shutdown)| async move {
            if *shutdown.borrow() {
                return None;
            }
            if !first {
                tokio::select! {
                    changed = site.changed() => changed.ok()?,
                    _ = shutdown.wait_for(|&s| s) => return None,
                }
            }
            let event = state_event(&site.borrow_and_update(), follow);
            Some((Ok(event), (false, site, shutdown)))
        },
    );
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

fn state_event(snapshot: &Snapshot, follow: bool) -> Event {
    let payload = StateEvent {
        build: &snapshot.build,
        overlay: snapshot.overlay.as_deref(),
        changed: snapshot.changed.as_deref().filter(|_| follow),
    };
    Event::default()
        .event("state")
        // A browser that lost the server (restart, sleep) tries again after half a second.
        .retry(Duration::from_millis(500))
        // Compact JSON has no line breaks, so it is one `data:` line.
        .data(serde_json::to_string(&payload).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_paths_map_to_files() {
        assert_eq!(file_key("/").as_deref(), Some("index.html"));
        assert_eq!(
            file_key("/takster/l8/").as_deref(),
            Some("takster/l8/index.html")
        );
        assert_eq!(
            file_key("/assets/style.1a2b.css").as_deref(),
            Some("assets/style.1a2b.css")
        );
        assert_eq!(file_key("/s%C3%B8k/").as_deref(), Some("søk/index.html"));
    }

    #[test]
    fn escaping_paths_map_to_nothing() {
        for path in [
            "/../etc/passwd",
            "/takster/../../etc/passwd",
            "/%2e%2e/etc/passwd",
            "/%2E%2E%2Fetc%2Fpasswd",
            "/takster/..%2f..%2fetc/passwd",
            "/..\\etc\\passwd",
            "/%5c..%5cetc",
            "//etc/passwd",
            "/%2fetc/passwd",
            "/C:/Windows/win.ini",
            "/./index.html",
            "/a%00b",
            "/%ff",
            "",
        ] {
            assert_eq!(file_key(path), None, "{path}");
        }
    }

    #[test]
    fn content_types_are_explicit() {
        assert_eq!(content_type("a/index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("pages.json"), "application/json");
        assert_eq!(content_type("bilde.PNG"), "image/png");
        assert_eq!(content_type("x.unknown-ext"), "application/octet-stream");
    }
}
