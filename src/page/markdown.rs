//! Markdown body → HTML with link placeholders, plus what later stages need to know about it:
//! headings (anchors), outgoing links, external links and plain text per section for search.
//!
//! Internal links cannot be resolved here — the target page may not be parsed yet — so each one
//! becomes a placeholder (`\0L<n>\0` for the href, `\0T<n>\0` for a `[[id]]` link's text) that
//! the graph stage checks and the html stage fills in. NUL can never come from content: the
//! source stage replaces it, so placeholders cannot be forged.

use pulldown_cmark::{
    CodeBlockKind, CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd,
};

use crate::error::{Diagnostic, LineIndex, Position};
use crate::page::chart;
use crate::page::citation::{self, LineRange};
use crate::page::raw_html;
use crate::vocab::{escape_attr, slugify};

/// Heading ids the templates use; a content heading with the same slug gets a suffix.
pub const RESERVED_IDS: &[&str] = &[
    "innhold",
    "fakta",
    "relasjoner",
    "kilder",
    "toppen",
    "sok",
    "relasjonskart",
];

/// A heading of the body.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Heading {
    pub level: u8,
    /// The anchor id (slug of the text, or pinned with `{#id}`).
    pub id: String,
    pub text: String,
    /// Pinned with `{#id}` rather than derived from the text.
    pub pinned: bool,
    #[serde(skip)]
    pub pos: Position,
}

/// Where an internal link points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkTarget {
    /// `[[id]]`
    Id(String),
    /// A relative link to a Markdown file, resolved to a site-relative path (`content/x/y.md`).
    File(String),
    /// `#anchor` on the same page.
    SamePage,
    /// A site-absolute path (`/takster/l8/`).
    Path(String),
}

/// One internal link, in order of appearance; its index is the placeholder number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub target: LinkTarget,
    pub fragment: Option<String>,
    /// `[[id]]` without its own text: the html stage writes the target's title.
    pub needs_title: bool,
    pub pos: Position,
    pub span: usize,
}

/// Plain text of one part of the page, for the search index.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct TextSection {
    /// Anchor of the heading that opens the part; `None` for the text before the first heading.
    pub anchor: Option<String>,
    pub heading: String,
    pub level: u8,
    pub text: String,
}

/// A citation marker of the body (`[@3360-3372]`); its index is the placeholder number
/// (`\0C<n>\0`), which the html stage turns into a note reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyCitation {
    /// The document as written; `None` for the site's default source.
    pub doc: Option<String>,
    pub lines: LineRange,
    pub pos: Position,
    pub span: usize,
}

/// The rendered body and what was found in it.
#[derive(Debug, Clone, Default)]
pub struct Body {
    pub html: String,
    pub headings: Vec<Heading>,
    pub links: Vec<Link>,
    /// Citation markers, in order of appearance (not part of `sections`' plain text).
    pub citations: Vec<BodyCitation>,
    pub external_links: Vec<(String, Position)>,
    pub sections: Vec<TextSection>,
    pub word_count: usize,
}

/// Inputs of [`render`].
pub struct MarkdownInput<'a> {
    /// Site-relative path of the file (for diagnostics and relative links).
    pub file: &'a str,
    /// The whole file (positions are computed against it).
    pub text: &'a str,
    /// Byte offset of the body in `text`.
    pub body_offset: usize,
}

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_WIKILINKS
}

/// Renders the body of a page.
#[allow(
    clippy::too_many_lines,
    reason = "one match over pulldown-cmark's event kinds, which reads better whole (STYLE.md)"
)]
pub fn render(input: &MarkdownInput<'_>, diags: &mut Vec<Diagnostic>) -> Body {
    let body = &input.text[input.body_offset..];
    let mut r = Renderer {
        input,
        diags,
        out: Vec::new(),
        lines: LineIndex::new(input.text),
        body: Body::default(),
        used_ids: RESERVED_IDS.iter().map(|s| (*s).to_owned()).collect(),
        next_suffix: std::collections::HashMap::new(),
        open_tags: Vec::new(),
        section: TextSection::default(),
        charts: 0,
        in_code: false,
    };
    let mut events = Parser::new_ext(body, options())
        .into_offset_iter()
        .peekable();
    while let Some((event, range)) = events.next() {
        let pos = r.lines.position(input.body_offset + range.start);
        match event {
            Event::Start(Tag::Heading {
                level,
                id,
                classes: _,
                attrs: _,
            }) => {
                let mut inner = Vec::new();
                for (e, _) in events.by_ref() {
                    if matches!(e, Event::End(TagEnd::Heading(_))) {
                        break;
                    }
                    inner.push(e);
                }
                r.heading(level, id.as_ref(), inner, pos);
            }
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) if info.trim() == "chart" => {
                let mut yaml = String::new();
                let mut start = None;
                for (e, range) in events.by_ref() {
                    match e {
                        Event::Text(t) => {
                            start.get_or_insert(range.start);
                            yaml.push_str(&t);
                        }
                        Event::End(TagEnd::CodeBlock) => break,
                        _ => {}
                    }
                }
                let yaml_pos = start.map_or(pos, |s| r.lines.position(input.body_offset + s));
                r.charts += 1;
                let block = chart::Block {
                    yaml: &yaml,
                    n: r.charts,
                    at: yaml_pos,
                };
                let html = chart::render(&block, input.file, input.text, r.diags);
                r.out.push(Event::Html(html.into()));
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id: _,
            }) => {
                let start = LinkStart {
                    link_type,
                    dest: &dest_url,
                    title: &title,
                    pos,
                };
                r.link(&start, &mut events);
            }
            Event::Start(Tag::Image {
                link_type: _,
                dest_url,
                title,
                id: _,
            }) => {
                r.image(&dest_url, &title, pos);
            }
            Event::Html(html) | Event::InlineHtml(html) => {
                let filtered = raw_html::filter(&html);
                if filtered.escaped {
                    r.diags.push(
                        Diagnostic::warning(
                            input.file,
                            pos,
                            "raw-html",
                            format!(
                                "raw HTML `{}` is shown as text",
                                html.trim().chars().take(40).collect::<String>()
                            ),
                        )
                        .with_hint(format!(
                            "only these tags pass through: {}",
                            raw_html::ALLOWED.join(", ")
                        ))
                        .with_span(html.trim().chars().count().min(40)),
                    );
                }
                r.track_open_tags(&filtered.tags, pos);
                r.out.push(Event::Html(filtered.html.into()));
            }
            Event::Start(Tag::Table(align)) => {
                r.out.push(Event::Html("<div class=\"table-wrap\">".into()));
                r.out.push(Event::Start(Tag::Table(align)));
            }
            Event::End(TagEnd::Table) => {
                r.out.push(Event::End(TagEnd::Table));
                r.out.push(Event::Html("</div>".into()));
            }
            Event::Start(Tag::CodeBlock(_)) => {
                r.in_code = true;
                r.out.push(event);
            }
            Event::End(TagEnd::CodeBlock) => {
                r.in_code = false;
                r.out.push(event);
            }
            Event::Text(t) if !r.in_code => {
                // Text comes in pieces (`[`, `@1979`, `]`): markers are found in the run.
                let mut run = vec![(t, range)];
                while let Some((Event::Text(_), _)) = events.peek() {
                    if let Some((Event::Text(t), range)) = events.next() {
                        run.push((t, range));
                    }
                }
                r.cited_text(run);
            }
            Event::Text(ref t) | Event::Code(ref t) => {
                r.text(t);
                r.out.push(event);
            }
            Event::SoftBreak
            | Event::HardBreak
            | Event::End(
                TagEnd::Paragraph | TagEnd::Item | TagEnd::TableCell | TagEnd::BlockQuote(_),
            ) => {
                r.text(" ");
                r.out.push(event);
            }
            other => r.out.push(other),
        }
    }
    r.finish()
}

/// Diagnostics here carry a span only: the pipeline attaches source lines after capping them
/// per file, since finding a line scans the text (100,000 bare `#` lines, each warned about,
/// took minutes when every warning looked its line up here).
struct Renderer<'a, 'd> {
    input: &'a MarkdownInput<'a>,
    diags: &'d mut Vec<Diagnostic>,
    out: Vec<Event<'a>>,
    lines: LineIndex<'a>,
    body: Body,
    used_ids: std::collections::HashSet<String>,
    /// Per slug base, the next suffix to try: restarting at `-2` for every repeat made n equal
    /// headings cost n² probes (50,000 `## Samme` took minutes). Any id the suffix loop skips
    /// over was taken by exactly one base, so all probes together stay linear.
    next_suffix: std::collections::HashMap<String, usize>,
    /// Raw HTML tags opened and not closed yet, with where they were opened.
    open_tags: Vec<(String, Position)>,
    section: TextSection,
    charts: usize,
    /// Inside a code block, where `[@…]` is literal text.
    in_code: bool,
}

impl<'a> Renderer<'a, '_> {
    fn text(&mut self, t: &str) {
        self.section.text.push_str(t);
    }

    /// Consecutive text events: citation markers become placeholders (`\0C<n>\0`) and leave the
    /// plain text. Only text written as is in the file is joined, so an escaped `\[@` stays
    /// literal and every marker's column is exact.
    fn cited_text(&mut self, run: Vec<(CowStr<'a>, std::ops::Range<usize>)>) {
        let body = &self.input.text[self.input.body_offset..];
        let mut joined = String::new();
        let mut joined_at = 0;
        let mut joined_end = None;
        for (t, range) in run {
            let verbatim = body.get(range.clone()) == Some(t.as_ref());
            if !verbatim || joined_end != Some(range.start) {
                self.flush_cited(&std::mem::take(&mut joined), joined_at);
                joined_end = None;
            }
            if verbatim {
                if joined.is_empty() {
                    joined_at = range.start;
                }
                joined.push_str(&t);
                joined_end = Some(range.end);
            } else {
                self.text(&t);
                self.out.push(Event::Text(t));
            }
        }
        self.flush_cited(&joined, joined_at);
    }

    /// `text` starts at byte `at` of the body.
    fn flush_cited(&mut self, text: &str, at: usize) {
        if text.is_empty() {
            return;
        }
        let (pieces, errors) = citation::split(text);
        let offset = self.input.body_offset + at;
        for e in errors {
            self.diags.push(
                Diagnostic::error(
                    self.input.file,
                    self.lines.position(offset + e.offset),
                    e.code,
                    e.message,
                )
                .with_hint(e.hint)
                .with_source(self.input.text, e.len),
            );
        }
        for piece in pieces {
            match piece {
                citation::Piece::Text(t) => {
                    self.text(t);
                    self.out.push(Event::Text(t.to_owned().into()));
                }
                citation::Piece::Marker(m)
                    if self.input.text[..offset + m.offset].ends_with('\\') =>
                {
                    // `\[@1]`: the escaped bracket arrives as text of its own; still literal.
                    let t =
                        &text[m.offset..m.offset + text[m.offset..].find(']').map_or(0, |e| e + 1)];
                    self.text(t);
                    self.out.push(Event::Text(t.to_owned().into()));
                }
                citation::Piece::Marker(m) => {
                    let n = self.body.citations.len();
                    self.body.citations.push(BodyCitation {
                        doc: m.doc,
                        lines: m.lines,
                        pos: self.lines.position(offset + m.offset),
                        span: m.len,
                    });
                    self.out.push(Event::Html(format!("\0C{n}\0").into()));
                }
            }
        }
    }

    fn heading(
        &mut self,
        level: HeadingLevel,
        pinned: Option<&CowStr<'a>>,
        inner: Vec<Event<'a>>,
        pos: Position,
    ) {
        let text: String = inner
            .iter()
            .filter_map(|e| match e {
                Event::Text(t) | Event::Code(t) => Some(t.as_ref()),
                _ => None,
            })
            .collect::<String>()
            .trim()
            .to_owned();
        let level_num = level as u8;
        if level_num == 1 {
            self.diags.push(
                Diagnostic::warning(
                    self.input.file,
                    pos,
                    "heading-level",
                    "a `#` heading in the body competes with the page title",
                )
                .with_hint(
                    "start sections with `##`; the title is the page's only top-level heading",
                )
                .with_span(1),
            );
        }
        let id = if let Some(p) = &pinned {
            let p = p.to_string();
            if slugify(&p) != p {
                self.diags.push(
                    Diagnostic::error(
                        self.input.file,
                        pos,
                        "bad-anchor",
                        format!("pinned anchor `{p}` must be lowercase letters, digits and `-`"),
                    )
                    .with_hint(format!("use `{{#{}}}`", slugify(&p)))
                    .with_span(2),
                );
            }
            if !self.used_ids.insert(p.clone()) {
                self.diags.push(
                    Diagnostic::error(
                        self.input.file,
                        pos,
                        "duplicate-anchor",
                        format!("anchor `{p}` is used twice on this page"),
                    )
                    .with_span(2),
                );
            }
            p
        } else {
            let base = match slugify(&text) {
                s if s.is_empty() => "seksjon".to_owned(),
                s => s,
            };
            self.unique_id(base)
        };
        // A `[[id]]` link in a heading shows its target's title, as in the text, but stays text:
        // a heading is a link target, not a source. The anchor comes from what is written.
        let (shown, inner) = self.heading_inner(inner, pos);
        let finished = std::mem::replace(
            &mut self.section,
            TextSection {
                anchor: Some(id.clone()),
                heading: shown.clone(),
                level: level_num,
                text: String::new(),
            },
        );
        self.push_section(finished);
        self.body.headings.push(Heading {
            level: level_num,
            id: id.clone(),
            text: shown,
            pinned: pinned.is_some(),
            pos,
        });
        self.out.push(Event::Html(
            // A pinned id is written as the editor wrote it: escaped, so a `"` cannot end
            // the attribute (found by the `heading` fuzz target).
            format!("<h{level_num} id=\"{}\">", escape_attr(&id)).into(),
        ));
        self.out.extend(inner);
        self.out
            .push(Event::Html(format!("</h{level_num}>\n").into()));
    }

    /// The text a heading shows and its inner events for the HTML. Links inside headings are
    /// kept as plain text; a `[[id]]` without its own text becomes the title placeholder (and is
    /// checked like any link, so a broken one is reported).
    fn heading_inner(&mut self, inner: Vec<Event<'a>>, pos: Position) -> (String, Vec<Event<'a>>) {
        let mut shown = String::new();
        let mut html = Vec::with_capacity(inner.len());
        let mut in_titled_link = false;
        for e in inner {
            match e {
                Event::Start(Tag::Link {
                    link_type: LinkType::WikiLink { has_pothole: false },
                    dest_url,
                    ..
                }) => {
                    let (id, fragment) = split_fragment(&dest_url);
                    let n = self.body.links.len();
                    self.body.links.push(Link {
                        target: LinkTarget::Id(id.trim().to_owned()),
                        fragment,
                        needs_title: true,
                        pos,
                        span: dest_url.chars().count().max(1),
                    });
                    let placeholder = format!("\0T{n}\0");
                    shown.push_str(&placeholder);
                    html.push(Event::Html(placeholder.into()));
                    in_titled_link = true;
                }
                Event::End(TagEnd::Link) => in_titled_link = false,
                Event::Start(Tag::Link { .. }) => {}
                _ if in_titled_link => {}
                Event::Html(h) | Event::InlineHtml(h) => {
                    html.push(Event::Html(raw_html::filter(&h).html.into()));
                }
                e => {
                    if let Event::Text(t) | Event::Code(t) = &e {
                        shown.push_str(t);
                    }
                    html.push(e);
                }
            }
        }
        (shown.trim().to_owned(), html)
    }

    /// Follows raw HTML tags opening and closing; a closing tag closes the latest open one of
    /// its name (a stray one is ignored: the browser ignores it too).
    fn track_open_tags(&mut self, tags: &[(String, bool)], pos: Position) {
        for (name, closing) in tags {
            if *closing {
                if let Some(i) = self.open_tags.iter().rposition(|(n, _)| n == name) {
                    self.open_tags.remove(i);
                }
            } else {
                self.open_tags.push((name.clone(), pos));
            }
        }
    }

    /// A warning for each raw HTML tag left open, which is closed at the end of the body so the
    /// page after it stays out of it (an unclosed `<details>` hid the rest of the page under
    /// "Mer").
    fn close_open_tags(&mut self) {
        for (name, pos) in std::mem::take(&mut self.open_tags).into_iter().rev() {
            self.diags.push(
                Diagnostic::warning(
                    self.input.file,
                    pos,
                    "unclosed-html",
                    format!("`<{name}>` is never closed: the rest of the page would be inside it"),
                )
                .with_hint(format!(
                    "add `</{name}>` where it should end; it is closed at the end of the text for now"
                ))
                .with_span(name.chars().count() + 2),
            );
            self.out.push(Event::Html(format!("</{name}>").into()));
        }
    }

    /// `base`, or `base-N` with the lowest N not taken yet, marked as used.
    fn unique_id(&mut self, base: String) -> String {
        if self.used_ids.insert(base.clone()) {
            return base;
        }
        let mut n = self.next_suffix.get(&base).copied().unwrap_or(2);
        let id = loop {
            let id = format!("{base}-{n}");
            n += 1;
            if self.used_ids.insert(id.clone()) {
                break id;
            }
        };
        self.next_suffix.insert(base, n);
        id
    }

    fn push_section(&mut self, section: TextSection) {
        // Whitespace runs become one space; words with a letter or digit are counted.
        let mut text = String::with_capacity(section.text.len());
        for word in section.text.split_whitespace() {
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(word);
            if word.chars().any(char::is_alphanumeric) {
                self.body.word_count += 1;
            }
        }
        if !text.is_empty() || section.anchor.is_some() {
            self.body.sections.push(TextSection { text, ..section });
        }
    }

    fn link(
        &mut self,
        start: &LinkStart<'_>,
        events: &mut impl Iterator<Item = (Event<'a>, std::ops::Range<usize>)>,
    ) {
        let &LinkStart {
            link_type,
            dest,
            title,
            pos,
        } = start;
        let span = dest.chars().count().max(1);
        let (target, fragment) = match link_type {
            LinkType::WikiLink { .. } => {
                let (id, frag) = split_fragment(dest);
                (Some(LinkTarget::Id(id.trim().to_owned())), frag)
            }
            LinkType::Email => {
                self.body
                    .external_links
                    .push((format!("mailto:{dest}"), pos));
                (None, None)
            }
            _ => self.classify(dest, pos, span),
        };
        let Some(target) = target else {
            let href = if link_type == LinkType::Email {
                format!("mailto:{dest}")
            } else {
                dest.to_owned()
            };
            let href = if is_safe_external(&href) {
                href
            } else {
                "#".to_owned()
            };
            // Links that leave the site are marked (an arrow, the URL when printed) and get no
            // access to this page's window.
            let rel = if href.starts_with("http://") || href.starts_with("https://") {
                " rel=\"external noopener\""
            } else {
                ""
            };
            self.out.push(Event::Html(
                format!(
                    "<a href=\"{}\"{}{rel}>",
                    escape_attr(&href),
                    title_attr(title)
                )
                .into(),
            ));
            self.after_link_start(false, events);
            return;
        };
        let needs_title = matches!(link_type, LinkType::WikiLink { has_pothole: false });
        let n = self.body.links.len();
        self.body.links.push(Link {
            target,
            fragment,
            needs_title,
            pos,
            span,
        });
        self.out.push(Event::Html(
            format!("<a href=\"\0L{n}\0\"{}>", title_attr(title)).into(),
        ));
        if needs_title {
            self.out.push(Event::Html(format!("\0T{n}\0").into()));
            // The plain text gets the title too, never the id (search excerpts show it): the
            // graph stage fills the placeholder with [`fill_link_titles`].
            self.text(&format!("\0T{n}\0"));
        }
        self.after_link_start(needs_title, events);
    }

    /// Copies the link's inner events (or skips them when the title replaces them) and closes it.
    fn after_link_start(
        &mut self,
        skip_inner: bool,
        events: &mut impl Iterator<Item = (Event<'a>, std::ops::Range<usize>)>,
    ) {
        let mut depth = 0;
        for (e, _) in events.by_ref() {
            match e {
                Event::Start(Tag::Link { .. }) => depth += 1,
                Event::End(TagEnd::Link) if depth == 0 => break,
                Event::End(TagEnd::Link) => depth -= 1,
                Event::Text(ref t) | Event::Code(ref t) if !skip_inner => {
                    self.text(t);
                    self.out.push(e);
                }
                Event::Html(h) | Event::InlineHtml(h) if !skip_inner => {
                    self.out.push(Event::Html(raw_html::filter(&h).html.into()));
                }
                e if !skip_inner => self.out.push(e),
                _ => {}
            }
        }
        self.out.push(Event::Html("</a>".into()));
    }

    /// Sorts a written link destination into internal target or external URL.
    fn classify(
        &mut self,
        dest: &str,
        pos: Position,
        span: usize,
    ) -> (Option<LinkTarget>, Option<String>) {
        let (path, fragment) = split_fragment(dest);
        if let Some(scheme) = scheme_of(dest) {
            if is_safe_external(dest) {
                self.body.external_links.push((dest.to_owned(), pos));
            } else {
                self.diags.push(
                    Diagnostic::error(
                        self.input.file,
                        pos,
                        "unsafe-link",
                        format!("links with the `{scheme}:` scheme are not allowed"),
                    )
                    .with_hint("use an https:// address or a link to a page")
                    .with_span(span),
                );
            }
            return (None, None);
        }
        if path.is_empty() {
            return (Some(LinkTarget::SamePage), fragment);
        }
        if path.starts_with("//") {
            self.body.external_links.push((dest.to_owned(), pos));
            return (None, None);
        }
        if let Some(abs) = path.strip_prefix('/') {
            return (Some(LinkTarget::Path(format!("/{abs}"))), fragment);
        }
        // `min%20fil.md` is how a link to `min fil.md` is written (spaces end a link target).
        let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
        match resolve_relative(self.input.file, &decoded) {
            Some(resolved) if resolved.starts_with("content/") => {
                (Some(LinkTarget::File(resolved)), fragment)
            }
            _ => {
                self.diags.push(
                    Diagnostic::error(
                        self.input.file,
                        pos,
                        "broken-link",
                        format!("link `{dest}` leads outside content/"),
                    )
                    .with_hint(
                        "link to a page with a path relative to this file, e.g. ../takster/l8.md",
                    )
                    .with_span(span),
                );
                (None, None)
            }
        }
    }

    fn image(&mut self, dest: &str, _title: &str, pos: Position) {
        if scheme_of(dest).is_some() || dest.starts_with("//") {
            self.diags.push(
                Diagnostic::error(
                    self.input.file,
                    pos,
                    "external-image",
                    format!("image `{dest}` would be loaded from another host"),
                )
                .with_hint("put the image in content/ beside the page and link it relatively")
                .with_span(dest.chars().count()),
            );
        }
        // The image itself renders as written (relative to the page); pulldown escapes the URL.
    }

    fn finish(mut self) -> Body {
        self.close_open_tags();
        let last = std::mem::take(&mut self.section);
        self.push_section(last);
        let mut html = String::with_capacity(self.input.text.len() * 3 / 2);
        pulldown_cmark::html::push_html(&mut html, self.out.into_iter());
        self.body.html = html;
        self.body
    }
}

/// Replaces the `\0T<n>\0` placeholders that [`render`] leaves in a section's plain text with
/// the title of link `n` (`title(n)`; an unknown link leaves nothing).
pub fn fill_link_titles<'t>(text: &str, title: impl Fn(usize) -> Option<&'t str>) -> String {
    if !text.contains('\0') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 32);
    let mut parts = text.split('\0');
    out.push_str(parts.next().unwrap_or_default());
    while let (Some(ph), Some(rest)) = (parts.next(), parts.next()) {
        if let Some(t) = ph
            .strip_prefix('T')
            .and_then(|n| n.parse().ok())
            .and_then(&title)
        {
            out.push_str(t);
        }
        out.push_str(rest);
    }
    out
}

fn split_fragment(dest: &str) -> (&str, Option<String>) {
    match dest.split_once('#') {
        Some((p, f)) => (p, Some(f.to_owned())),
        None => (dest, None),
    }
}

fn scheme_of(dest: &str) -> Option<&str> {
    let (scheme, _) = dest.split_once(':')?;
    let valid = !scheme.is_empty()
        && scheme
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !scheme.contains('/');
    valid.then_some(scheme)
}

fn is_safe_external(dest: &str) -> bool {
    let lower = dest.to_ascii_lowercase();
    ["https://", "http://", "mailto:", "tel:"]
        .iter()
        .any(|p| lower.starts_with(p))
}

/// Resolves `rel` against the folder of `file`; `None` when it climbs above the site root.
pub(super) fn resolve_relative(file: &str, rel: &str) -> Option<String> {
    let mut parts: Vec<&str> = file.split('/').collect();
    parts.pop();
    for seg in rel.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

fn title_attr(title: &str) -> String {
    if title.is_empty() {
        String::new()
    } else {
        format!(" title=\"{}\"", escape_attr(title))
    }
}

/// The start of a Markdown link as pulldown-cmark reports it, and where it is in the file.
struct LinkStart<'s> {
    link_type: LinkType,
    dest: &'s str,
    title: &'s str,
    pos: Position,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn md(body: &str) -> (Body, Vec<Diagnostic>) {
        let text = format!("---\ntitle: x\n---\n{body}");
        let input = MarkdownInput {
            file: "content/takster/l8.md",
            text: &text,
            body_offset: 16,
        };
        let mut diags = Vec::new();
        let b = render(&input, &mut diags);
        (b, diags)
    }

    #[test]
    fn citation_markers_become_placeholders_and_leave_the_plain_text() {
        let (b, d) = md("Svar konkret[@3344-3352][@lf-x:4]. Tabell:\n\n| a |\n|---|\n| b[@7] |\n");
        assert!(d.is_empty(), "{d:?}");
        let found: Vec<_> = b
            .citations
            .iter()
            .map(|c| (c.doc.as_deref(), c.lines.start, c.pos.line, c.pos.column))
            .collect();
        assert_eq!(
            found,
            [
                (None, 3344, 4, 13),
                (Some("lf-x"), 4, 4, 25),
                (None, 7, 8, 4)
            ]
        );
        assert!(
            b.html
                .starts_with("<p>Svar konkret\0C0\0\0C1\0. Tabell:</p>"),
            "{}",
            b.html
        );
        assert_eq!(b.sections[0].text, "Svar konkret. Tabell: a b");
        assert_eq!(b.word_count, 5);
    }

    #[test]
    fn escaped_and_code_markers_are_text_and_malformed_ones_errors_at_their_column() {
        let (b, d) = md("Skriv \\[@1] eller `[@2]`.\n\n```\n[@3]\n```\n\nFeil: [@1x].\n");
        assert!(b.citations.is_empty(), "{:?}", b.citations);
        assert!(
            b.html.contains("Skriv [@1] eller <code>[@2]</code>"),
            "{}",
            b.html
        );
        assert!(b.html.contains("<code>[@3]\n</code>"), "{}", b.html);
        let found: Vec<_> = d.iter().map(|d| (d.code, d.line, d.column)).collect();
        assert_eq!(found, [("bad-citation", 10, 9)]);
    }

    #[test]
    fn headings_get_slug_anchors_pinned_ids_and_dedup() {
        let (b, d) = md("## Når brukes L8\n\n## Når brukes L8\n\n## Annet {#bruk}\n\n## Kilder\n");
        assert!(d.is_empty(), "{d:?}");
        let ids: Vec<_> = b.headings.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(
            ids,
            ["nar-brukes-l8", "nar-brukes-l8-2", "bruk", "kilder-2"]
        );
        assert!(b.html.contains("<h2 id=\"bruk\">Annet</h2>"), "{}", b.html);
        assert_eq!(b.headings[0].pos, Position { line: 4, column: 1 });
    }

    #[test]
    fn repeated_headings_take_the_next_free_suffix_past_written_ones() {
        let (b, _) = md("## A\n\n## A\n\n## A-3\n\n## A\n\n## A {#a-5}\n\n## A\n\n#\n\n#\n");
        let ids: Vec<_> = b.headings.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "a",
                "a-2",
                "a-3",
                "a-4",
                "a-5",
                "a-6",
                "seksjon",
                "seksjon-2"
            ]
        );
    }

    #[test]
    fn internal_links_become_placeholders_with_positions() {
        let (b, d) = md("Se [[takst-l40]], [L4](l4.md#bruk) og [[regel-x|regelen]].\n");
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(b.links.len(), 3);
        assert_eq!(b.links[0].target, LinkTarget::Id("takst-l40".into()));
        assert!(b.links[0].needs_title);
        assert_eq!(
            b.links[1].target,
            LinkTarget::File("content/takster/l4.md".into())
        );
        assert_eq!(b.links[1].fragment.as_deref(), Some("bruk"));
        assert!(!b.links[2].needs_title);
        assert_eq!(
            b.links[1].pos,
            Position {
                line: 4,
                column: 19
            }
        );
        assert!(
            b.html.contains("<a href=\"\0L0\0\">\0T0\0</a>"),
            "{:?}",
            b.html
        );
        assert!(
            b.html.contains("<a href=\"\0L2\0\">regelen</a>"),
            "{:?}",
            b.html
        );
    }

    #[test]
    fn links_leaving_content_and_script_schemes_are_errors() {
        let (b, d) =
            md("[a](../../../etc/passwd.md) [b](javascript:alert(1)) [c](https://nav.no)\n");
        let codes: Vec<_> = d.iter().map(|d| d.code).collect();
        assert_eq!(codes, ["broken-link", "unsafe-link"]);
        assert!(!b.html.contains("javascript"), "{}", b.html);
        assert_eq!(b.external_links[0].0, "https://nav.no");
    }

    #[test]
    fn raw_script_is_escaped_with_a_warning() {
        let (b, d) =
            md("Hei <script>alert(1)</script> <kbd>Ctrl</kbd>\n\n<img src=x onerror=alert(1)>\n");
        assert!(!b.html.contains("<script"), "{}", b.html);
        assert!(!b.html.contains("<img"), "{}", b.html);
        assert!(b.html.contains("&lt;script&gt;"), "{}", b.html);
        assert!(b.html.contains("<kbd>Ctrl</kbd>"), "{}", b.html);
        assert!(
            d.iter().all(|d| d.code == "raw-html") && d.len() >= 2,
            "{d:?}"
        );
    }

    #[test]
    fn search_excerpts_showed_wiki_link_ids_text_gets_title_placeholders() {
        let (b, _) = md("Se [[regel-gradert-sykmelding]] og [[takst-l8|takst L8]].\n");
        let text = &b.sections[0].text;
        assert!(!text.contains("regel-gradert"), "{text:?}");
        let filled = fill_link_titles(text, |n| (n == 0).then_some("Gradert sykmelding"));
        assert_eq!(filled, "Se Gradert sykmelding og takst L8.");
    }

    #[test]
    fn unclosed_details_hid_the_rest_of_the_page_now_warned_and_closed() {
        let (b, d) = md("<details>\n<summary>Mer</summary>\n\nSkjult tekst.\n\n## Neste\n");
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!((d[0].code, d[0].line), ("unclosed-html", 4));
        assert!(b.html.trim_end().ends_with("</details>"), "{}", b.html);
        let (_, d) = md("<details>\n<summary>Mer</summary>\n\nTekst.\n\n</details>\n");
        assert!(d.is_empty(), "{d:?}");
    }

    #[test]
    fn percent_encoded_file_link_was_not_decoded() {
        let (b, d) = md("[Min fil](min%20fil.md#del) og [l%C3%B8p](../l%C3%B8p.md)\n");
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(
            b.links[0].target,
            LinkTarget::File("content/takster/min fil.md".into())
        );
        assert_eq!(b.links[1].target, LinkTarget::File("content/løp.md".into()));
    }

    #[test]
    fn heading_with_a_wiki_link_showed_its_id_now_the_title_placeholder() {
        let (b, d) = md("## Om [[takst-l8]] og [[regel-x|regelen]]\n\nTekst.\n");
        assert!(d.is_empty(), "{d:?}");
        let h = &b.headings[0];
        assert_eq!(
            h.id, "om-takst-l8-og-regelen",
            "the anchor comes from what is written"
        );
        assert_eq!(h.text, "Om \0T0\0 og regelen");
        assert_eq!(b.sections[0].heading, h.text);
        assert_eq!(b.links.len(), 1);
        assert!(b.links[0].needs_title);
        assert!(b.html.contains("Om \0T0\0 og regelen</h2>"), "{}", b.html);
        assert!(!b.html.contains("<a "), "{}", b.html);
    }

    #[test]
    fn text_sections_follow_headings() {
        let (b, _) = md("Innledning her.\n\n## Når brukes L8\n\nNår Nav ber om det.\n");
        assert_eq!(b.sections.len(), 2);
        assert_eq!(b.sections[0].anchor, None);
        assert_eq!(b.sections[1].anchor.as_deref(), Some("nar-brukes-l8"));
        assert_eq!(b.sections[1].text, "Når Nav ber om det.");
        assert_eq!(b.word_count, 7);
    }

    #[test]
    fn tables_footnotes_tasks_and_strikethrough_render() {
        let (b, _) = md(
            "| a | b |\n|---|---|\n| 1 | 2 |\n\nTekst[^1] ~~gammel~~\n\n- [x] gjort\n\n[^1]: Fotnote.\n",
        );
        assert!(
            b.html.contains("<div class=\"table-wrap\"><table>"),
            "{}",
            b.html
        );
        assert!(b.html.contains("<del>gammel</del>"));
        assert!(b.html.contains("checkbox"));
        assert!(b.html.contains("footnote"));
    }
}
