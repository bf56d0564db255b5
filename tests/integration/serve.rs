//! `veiviser serve`: a real server on port 0, a real file watcher, real HTTP.

use std::time::Duration;

use veiviser::pipeline;
use veiviser::serve::{ServeOptions, Server};

use crate::harness::Site;
use crate::http_client::{EventStream, get, request};

/// Long enough for a loaded CI machine; a passing run takes milliseconds.
const PATIENCE: Duration = Duration::from_secs(20);

fn start(site: &Site) -> Server {
    Server::start(
        &ServeOptions {
            root: site.root.clone(),
            port: 0,
            ..ServeOptions::default()
        },
        &pipeline::Silent,
    )
    .unwrap()
}

fn build_of(stream: &mut EventStream) -> String {
    stream.wait_for(PATIENCE, |_| true)["build"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Waits for a `state` event with a build id other than `old`; returns the new id.
fn next_build(stream: &mut EventStream, old: &str) -> String {
    stream.wait_for(PATIENCE, |s| s["build"] != old)["build"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The page as built, without what `serve` adds to it.
fn strip_injection(html: &str) -> String {
    match html.find("<link rel=\"stylesheet\" href=\"/__veiviser/") {
        Some(start) => {
            let end = html.rfind("</body>").unwrap_or(html.len());
            format!("{}{}", &html[..start], &html[end..])
        }
        None => html.to_owned(),
    }
}

#[test]
fn an_edit_reloads_open_pages_with_the_new_content() {
    let site = Site::fixture("serve");
    let server = start(&site);
    let page = get(server.addr(), "/takster/l8/");
    assert_eq!(page.status, 200);
    assert!(page.text().contains("Versjon en av teksten."));
    assert!(page.text().contains("<script src=\"/__veiviser/live.js\""));

    let mut events = EventStream::open(server.addr());
    assert_eq!(
        events
            .headers
            .iter()
            .find(|(n, _)| n == "content-type")
            .map(|(_, v)| v.as_str()),
        Some("text/event-stream")
    );
    let first = build_of(&mut events);
    assert!(page.text().contains(&format!("data-build=\"{first}\"")));

    let l8 = site.source("content/takster/l8.md");
    site.write(
        "content/takster/l8.md",
        l8.replace("Versjon en", "Versjon to"),
    );
    let second = next_build(&mut events, &first);
    let page = get(server.addr(), "/takster/l8/");
    assert!(
        page.text().contains("Versjon to av teksten."),
        "{}",
        page.text()
    );
    assert!(page.text().contains(&format!("data-build=\"{second}\"")));
    server.stop();
}

#[test]
fn a_broken_edit_keeps_the_last_good_page_and_shows_the_overlay() {
    let site = Site::fixture("serve");
    let server = start(&site);
    let mut events = EventStream::open(server.addr());
    let first = build_of(&mut events);

    site.write(
        "content/takster/14.md",
        "---\ntitle: Takst 14\nkode: \"14\"\nkoode: feil\n---\nNy tekst som ikke skal vises.\n",
    );
    let state = events.wait_for(PATIENCE, |s| s["overlay"].is_string());
    assert_eq!(
        state["build"], first,
        "a failed build must not replace the site"
    );
    let overlay = state["overlay"].as_str().unwrap();
    assert!(overlay.contains("content/takster/14.md:4:1"), "{overlay}");
    assert!(overlay.contains("koode"), "{overlay}");
    assert!(overlay.contains("vv-hint"), "the hint is shown: {overlay}");

    let page = get(server.addr(), "/takster/14/").text();
    assert!(page.contains("Brukes for møter."), "old page kept");
    assert!(!page.contains("Ny tekst"));
    assert!(
        page.contains("id=\"veiviser-overlay\""),
        "overlay served with the page"
    );
    assert!(page.contains("content/takster/14.md:4:1"));
    // The overlay is on every page, not only the broken one.
    assert!(
        get(server.addr(), "/")
            .text()
            .contains("id=\"veiviser-overlay\"")
    );

    site.write(
        "content/takster/14.md",
        "---\ntitle: Takst 14\nkode: \"14\"\n---\nRettet tekst.\n\n## Beløp {#belop}\n",
    );
    let fixed = events.wait_for(PATIENCE, |s| s["build"] != first);
    assert!(fixed["overlay"].is_null());
    let page = get(server.addr(), "/takster/14/").text();
    assert!(page.contains("Rettet tekst."));
    assert!(!page.contains("veiviser-overlay\""));
    server.stop();
}

#[test]
fn paths_that_leave_the_site_are_404() {
    let site = Site::fixture("serve");
    site.write("hemmelig.txt", "HEMMELIG");
    let server = start(&site);
    for path in [
        "/../hemmelig.txt",
        "/takster/../../hemmelig.txt",
        "/%2e%2e/hemmelig.txt",
        "/%2E%2E%2Fhemmelig.txt",
        "/takster/..%2f..%2fhemmelig.txt",
        "/..\\hemmelig.txt",
        "/%5c..%5chemmelig.txt",
        "//etc/passwd",
        "/%2fetc%2fpasswd",
        "/C:/Windows/win.ini",
        "/veiviser.yaml",
        "/content/takster/l8.md",
        "/a%00b",
    ] {
        let r = get(server.addr(), path);
        assert_eq!(r.status, 404, "{path}");
        let body = r.text();
        assert!(
            !body.contains("HEMMELIG") && !body.contains("root:"),
            "{path}"
        );
        assert!(
            body.contains("Fant ikke siden"),
            "{path}: the site's 404 page"
        );
    }
    server.stop();
}

#[test]
fn responses_have_types_no_store_and_a_real_404() {
    let site = Site::fixture("serve");
    let server = start(&site);
    let addr = server.addr();
    let page = get(addr, "/");
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(page.header("cache-control"), Some("no-store"));
    let css = page
        .text()
        .split("href=\"")
        .filter_map(|s| s.split('"').next())
        .find(|h| h.contains("assets/style."))
        .map(|h| format!("/{}", h.trim_start_matches("./")))
        .unwrap();
    let r = get(addr, &css);
    assert_eq!(r.status, 200, "{css}");
    assert_eq!(r.header("content-type"), Some("text/css; charset=utf-8"));
    assert!(
        !r.text().contains("__veiviser"),
        "only HTML gets the script"
    );
    assert_eq!(
        get(addr, "/pages.json").header("content-type"),
        Some("application/json")
    );
    assert_eq!(
        get(addr, "/bilder/figur.svg").header("content-type"),
        Some("image/svg+xml")
    );
    assert_eq!(
        get(addr, "/__veiviser/live.js").header("content-type"),
        Some("text/javascript; charset=utf-8")
    );

    let missing = get(addr, "/finnes/ikke/");
    assert_eq!(missing.status, 404);
    assert_eq!(missing.header("cache-control"), Some("no-store"));
    assert!(missing.text().contains("Fant ikke siden"));
    assert!(
        missing.text().contains("/__veiviser/live.js"),
        "the 404 page reloads too"
    );

    let redirect = get(addr, "/takster/l8?x=1");
    assert_eq!(redirect.status, 308);
    assert_eq!(redirect.header("location"), Some("/takster/l8/?x=1"));

    let head = request(addr, "HEAD", "/takster/l8/");
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    server.stop();
}

#[test]
fn drafts_are_shown_and_marked() {
    let site = Site::fixture("serve");
    let server = start(&site);
    let draft = get(server.addr(), "/tiltak/utkast/");
    assert_eq!(draft.status, 200);
    assert!(
        draft
            .text()
            .contains("Utkast – vises bare i forhåndsvisningen")
    );
    assert!(
        get(server.addr(), "/tiltak/")
            .text()
            .contains("draft-badge")
    );
    server.stop();
    // … and `build` still leaves them out, without any trace of the preview.
    site.build_ok();
    assert!(!site.public().join("tiltak/utkast/index.html").exists());
    assert!(!site.read("takster/l8/index.html").contains("__veiviser"));
}

#[test]
fn a_save_by_rename_over_the_file_is_seen() {
    let site = Site::fixture("serve");
    let server = start(&site);
    let mut events = EventStream::open(server.addr());
    let first = build_of(&mut events);
    // What vim (backupcopy=no), VS Code and many others do: write a temporary file, rename it.
    let tmp = site.root.join("content/takster/.l8.md.tmp");
    let text = site.source("content/takster/l8.md");
    std::fs::write(&tmp, text.replace("Versjon en", "Lagret med rename")).unwrap();
    std::fs::rename(&tmp, site.root.join("content/takster/l8.md")).unwrap();
    next_build(&mut events, &first);
    assert!(
        get(server.addr(), "/takster/l8/")
            .text()
            .contains("Lagret med rename")
    );
    server.stop();
}

#[test]
fn a_burst_of_100_saves_ends_in_one_consistent_site() {
    let site = Site::fixture("serve");
    let server = start(&site);
    let mut events = EventStream::open(server.addr());
    let mut build = build_of(&mut events);
    let l8 = site.source("content/takster/l8.md");
    let fredrikstad = site.source("content/kommuner/fredrikstad.md");
    for i in 0..100 {
        // Bodies, titles (shown on other pages) and a page that comes and goes.
        site.write(
            "content/takster/l8.md",
            l8.replace("Versjon en", &format!("Lagring {i}")),
        );
        site.write(
            "content/kommuner/fredrikstad.md",
            fredrikstad.replace("title: Fredrikstad", &format!("title: Fredrikstad {i}")),
        );
        if i % 2 == 0 {
            site.write(
                "content/kommuner/sarpsborg.md",
                format!("---\ntitle: Sarpsborg {i}\n---\nTekst.\n"),
            );
        } else {
            site.remove("content/kommuner/sarpsborg.md");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    // The last save wins: wait until it is served, then until the server has gone quiet.
    loop {
        build = next_build(&mut events, &build);
        if get(server.addr(), "/takster/l8/")
            .text()
            .contains("Lagring 99")
        {
            break;
        }
    }
    std::thread::sleep(Duration::from_millis(500));

    let expected = pipeline::compile(
        &veiviser::source::load(&site.root, "default").unwrap(),
        &pipeline::BuildOptions {
            root: site.root.clone(),
            drafts: true,
            ..Default::default()
        },
        &pipeline::Silent,
    );
    assert!(!expected.has_errors());
    for file in &expected.files {
        let response = get(
            server.addr(),
            &format!("/{}", file.path.trim_end_matches("index.html")),
        );
        assert_eq!(response.status, 200, "{}", file.path);
        if file.path.contains(".html") {
            assert_eq!(
                strip_injection(&response.text()),
                String::from_utf8_lossy(&file.bytes),
                "{}",
                file.path
            );
        } else {
            assert_eq!(response.body, file.bytes, "{}", file.path);
        }
    }
    assert_eq!(get(server.addr(), "/kommuner/sarpsborg/").status, 404);
    assert!(
        get(server.addr(), "/kommuner/")
            .text()
            .contains("Fredrikstad 99")
    );
    server.stop();
}

#[test]
fn a_restarted_server_has_a_new_build_id() {
    let site = Site::fixture("serve");
    let server = start(&site);
    let port = server.addr().port();
    let first = build_of(&mut EventStream::open(server.addr()));
    let mut stream = EventStream::open(server.addr());
    build_of(&mut stream);
    server.stop();
    assert!(stream.next().is_none(), "the event stream ends on shutdown");
    let again = Server::start(
        &ServeOptions {
            root: site.root.clone(),
            port,
            ..ServeOptions::default()
        },
        &pipeline::Silent,
    )
    .unwrap();
    let second = build_of(&mut EventStream::open(again.addr()));
    assert_ne!(first, second, "an open page must reload after a restart");
    again.stop();
}

#[test]
fn a_site_that_fails_from_the_start_shows_its_errors_then_recovers() {
    let site = Site::fixture("serve");
    site.write("content/takster/14.md", "---\ntitle: [\n---\n");
    let server = start(&site);
    let r = get(server.addr(), "/");
    assert_eq!(r.status, 503);
    assert!(
        r.text().contains("content/takster/14.md:3:1"),
        "{}",
        r.text()
    );
    let mut events = EventStream::open(server.addr());
    let first = build_of(&mut events);
    site.write(
        "content/takster/14.md",
        "---\ntitle: Takst 14\nkode: \"14\"\n---\n## Beløp {#belop}\n",
    );
    next_build(&mut events, &first);
    assert_eq!(get(server.addr(), "/takster/14/").status, 200);
    server.stop();
}

#[test]
fn a_port_in_use_is_reported_with_a_suggestion() {
    let site = Site::fixture("serve");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let out = site
        .cli()
        .args(["serve", "--port", &port.to_string()])
        .timeout(PATIENCE)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("port {port} on 127.0.0.1 is already in use")),
        "{stderr}"
    );
    assert!(stderr.contains(&format!("--port {}", port + 1)), "{stderr}");
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_the_server_cleanly() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let site = Site::fixture("serve");
    // `--open` runs $BROWSER with the URL; this one writes it down.
    let opened = site.root.join("opened.txt");
    let browser = site.root.join("browser.sh");
    site.write(
        "browser.sh",
        format!("#!/bin/sh\necho \"$1\" > '{}'\n", opened.display()),
    );
    std::fs::set_permissions(
        &browser,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("veiviser"))
        .args(["serve", "--port", "0", "--bind", "0.0.0.0", "--open"])
        .current_dir(&site.root)
        .env("NO_COLOR", "1")
        .env("BROWSER", &browser)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    let url = loop {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "server ended early: {seen}"
        );
        seen.push_str(&line);
        if let Some(rest) = line.strip_prefix("serving ") {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    assert!(
        seen.contains("warning: serving on 0.0.0.0:"),
        "binding beyond loopback warns: {seen}"
    );
    let addr: std::net::SocketAddr = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .unwrap();
    let _events = EventStream::open(addr);
    assert_eq!(get(addr, "/").status, 200);
    // The stand-in browser creates the file before it writes the URL: wait for a whole line.
    let deadline = std::time::Instant::now() + PATIENCE;
    let mut written = String::new();
    while !written.ends_with('\n') && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
        written = std::fs::read_to_string(&opened).unwrap_or_default();
    }
    if written.trim() != url {
        let _ = child.kill();
    }
    assert_eq!(written.trim(), url, "--open opens the site");
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = std::time::Instant::now() + PATIENCE;
    let code = loop {
        if let Some(code) = child.try_wait().unwrap() {
            break code;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "did not stop after Ctrl-C"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(code.code(), Some(0), "clean exit");
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    assert!(rest.contains("stopping"), "{rest}");
}

/// Issue 18, item 7: the preview answered POST, PUT, DELETE, PATCH and TRACE with 200 and the
/// page, though it serves a static site.
#[test]
fn preview_answered_every_method_with_the_page_now_405() {
    let site = Site::fixture("serve");
    let server = start(&site);
    let addr = server.addr();
    for method in ["POST", "PUT", "DELETE", "PATCH", "TRACE", "OPTIONS"] {
        for path in ["/", "/takster/l8/", "/finnes/ikke/", "/__veiviser/live.js"] {
            let r = request(addr, method, path);
            assert_eq!(r.status, 405, "{method} {path}");
            assert_eq!(r.header("allow").map(|a| a.contains("GET")), Some(true));
            assert!(!r.text().contains("<html"), "{method} {path}");
        }
    }
    assert_eq!(get(addr, "/takster/l8/").status, 200);
    server.stop();
}

/// Issue 18, item 7: with no header-read timeout a connection sending its headers a byte at a
/// time (slowloris) was held for as long as it liked (70 s seen).
#[test]
fn slowloris_connection_was_held_now_closed_after_the_header_read_timeout() {
    use std::io::{Read as _, Write as _};
    let site = Site::fixture("serve");
    let server = Server::start(
        &ServeOptions {
            root: site.root.clone(),
            port: 0,
            limits: veiviser::serve::ServeLimits {
                header_read: Duration::from_millis(300),
                ..veiviser::serve::ServeLimits::default()
            },
            ..ServeOptions::default()
        },
        &pipeline::Silent,
    )
    .unwrap();
    let mut slow = std::net::TcpStream::connect(server.addr()).unwrap();
    slow.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").unwrap();
    slow.set_read_timeout(Some(PATIENCE)).unwrap();
    let mut answer = Vec::new();
    // The server ends the connection (possibly with a 408); a held one times the read out.
    slow.read_to_end(&mut answer)
        .expect("the half-sent request was still held open");
    assert!(
        answer.is_empty() || answer.starts_with(b"HTTP/1.1 408"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    // A whole request on a fresh connection is still served.
    assert_eq!(get(server.addr(), "/").status, 200);
    server.stop();
}

/// Issue 18, item 8: stopping waited on every open connection (two seconds at the most). Now
/// idle and half-sent connections and event streams are closed by the server as it stops.
#[test]
fn stop_closes_idle_half_sent_and_streaming_connections() {
    use std::io::{Read as _, Write as _};
    let site = Site::fixture("serve");
    let server = start(&site);
    let addr = server.addr();
    let mut half = std::net::TcpStream::connect(addr).unwrap();
    half.write_all(b"GET / HTTP/1.1\r\nHo").unwrap();
    let mut idle = std::net::TcpStream::connect(addr).unwrap();
    idle.write_all(b"GET /pages.json HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut events = EventStream::open(addr);
    assert!(events.next().is_some());
    // The keep-alive response arrives, then the connection is idle.
    let mut first = [0u8; 12];
    idle.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"HTTP/1.1 200");
    server.stop();
    for mut conn in [half, idle] {
        conn.set_read_timeout(Some(PATIENCE)).unwrap();
        let mut rest = Vec::new();
        conn.read_to_end(&mut rest).expect("still open after stop");
    }
    while events.next().is_some() {}
}
