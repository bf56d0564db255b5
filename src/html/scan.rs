//! The ids and link targets of one HTML file, taken as the file is rendered.
//!
//! In: the bytes of one output file. Out: [`Links`]: every `id` (and `<a name>`), and every
//! `href`, `src`, `action` and meta-refresh target with its line and column in the file. The
//! html stage takes them right after rendering each page, and they travel with the page (in the
//! `serve` cache, and past the disk in a streaming build), so the output check ([`super::verify`])
//! never reads or tokenises the built site again. No disk, no other file.
//!
//! Two scanners, which must agree (the tests run both over every built fixture page and over
//! hostile snippets):
//!
//! - [`fast`], written here by hand: jumps from `<` to `<` with `memchr` and reads only tags,
//!   their attributes, comments and the raw-text elements the reference switches into. Anything
//!   outside the plain subset it knows (a carriage return or NUL, a character reference other
//!   than the common ones, an odd comment, `<!--` inside a script) makes it decline.
//! - [`reference`], html5gum (a WHATWG tokenizer): used for every file the fast scanner declines.
//!
//! Why by hand: html5gum runs its state machine over every byte (text included) and was about
//! 15 % of a 10,000-page build's CPU time; a template's output is mostly text between tags, which
//! `memchr` skips at memory speed.

use std::collections::HashSet;
use std::convert::Infallible;

use html5gum::emitters::callback::{CallbackEmitter, CallbackEvent};
use html5gum::{Emitter, ForwardingEmitter, Span, Tokenizer};
use memchr::memmem;

use crate::error::{LineIndex, Position};

/// A file's ids, looked up once per `#fragment` link of the site.
type Ids = HashSet<String, ahash::RandomState>;

/// What one HTML file holds for the link check.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Links {
    pub(super) ids: Ids,
    pub(super) refs: Vec<Ref>,
}

/// A link target as written in the file (character references decoded), and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Ref {
    pub value: String,
    pub pos: Position,
}

impl Links {
    /// The ids and links of `html` (the bytes of an HTML file).
    pub fn of(html: &[u8]) -> Self {
        match std::str::from_utf8(html) {
            Ok(text) => fast(text)
                .unwrap_or_else(|| reference(html))
                .with_positions(Ok(text)),
            Err(_) => reference(html).with_positions(Err(html)),
        }
    }

    /// Every `id` (and `<a name>`) of the file.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.ids.iter().map(String::as_str)
    }

    /// Every link target, in the order written, with its line and column.
    pub fn targets(&self) -> impl Iterator<Item = (&str, Position)> {
        self.refs.iter().map(|r| (r.value.as_str(), r.pos))
    }
}

/// Ids and link targets with byte offsets, as a scanner finds them.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Raw {
    pub ids: Ids,
    /// Value and byte offset of the value in the file, in the order written.
    pub refs: Vec<(String, usize)>,
}

impl Raw {
    /// Turns byte offsets into lines and columns (characters, 1-based) as
    /// [`LineIndex::position`] counts them on the file's text (`Err`: not UTF-8): in one pass for
    /// valid UTF-8, the common case.
    fn with_positions(self, html: Result<&str, &[u8]>) -> Links {
        let refs = match html {
            Ok(text) if self.refs.windows(2).all(|w| w[0].1 <= w[1].1) => {
                let mut walker = Walker::default();
                self.refs
                    .into_iter()
                    .map(|(value, offset)| Ref {
                        pos: walker.position(text, offset),
                        value,
                    })
                    .collect()
            }
            _ => {
                let text = html.map_or_else(String::from_utf8_lossy, std::borrow::Cow::Borrowed);
                let index = LineIndex::new(&text);
                self.refs
                    .into_iter()
                    .map(|(value, offset)| Ref {
                        pos: index.position(offset),
                        value,
                    })
                    .collect()
            }
        };
        Links {
            ids: self.ids,
            refs,
        }
    }
}

/// Line and column of increasing offsets, each byte looked at once.
#[derive(Default)]
struct Walker {
    at: usize,
    line: usize,
    line_start: usize,
    /// Characters from `line_start` to `at`.
    column: usize,
}

impl Walker {
    fn position(&mut self, text: &str, offset: usize) -> Position {
        let offset = offset.min(text.len());
        if !text.is_char_boundary(offset) {
            return LineIndex::new(text).position(offset);
        }
        let bytes = &text.as_bytes()[self.at..offset];
        if let Some(last) = memchr::memrchr(b'\n', bytes) {
            self.line += memchr::memchr_iter(b'\n', bytes).count();
            self.line_start = self.at + last + 1;
            self.column = text[self.line_start..offset].chars().count();
        } else {
            self.column += text[self.at..offset].chars().count();
        }
        self.at = offset;
        Position {
            line: self.line + 1,
            column: self.column + 1,
        }
    }
}

/// The attributes the check reads.
const WANTED: [&str; 7] = [
    "id",
    "name",
    "href",
    "src",
    "action",
    "http-equiv",
    "content",
];

/// Takes the ids and link targets of one start tag (`attrs`: name, value, offset of the value).
fn record(out: &mut Raw, tag: &[u8], attrs: &[(&'static str, String, usize)]) {
    let get = |n: &str| attrs.iter().find(|(a, _, _)| *a == n);
    let refresh = tag == b"meta"
        && get("http-equiv").is_some_and(|(_, v, _)| v.eq_ignore_ascii_case("refresh"));
    for (name, value, offset) in attrs {
        match *name {
            "id" => {
                out.ids.insert(value.clone());
            }
            "name" if tag == b"a" => {
                out.ids.insert(value.clone());
            }
            "href" | "src" | "action" => out.refs.push((value.clone(), *offset)),
            "content" if refresh => {
                if let Some(at) = value.to_ascii_lowercase().find("url=") {
                    let target = value[at + 4..].trim().trim_matches(['\'', '"']).to_owned();
                    out.refs.push((target, *offset));
                }
            }
            _ => {}
        }
    }
}

/// The reference: html5gum, a WHATWG tokenizer. Attribute values arrive with character references
/// decoded, and `<script>`/`<style>` text is not mistaken for tags. The callback interface borrows
/// every string from the tokenizer's buffers, so text and attributes that do not matter here cost
/// no allocation.
pub(super) fn reference(html: &[u8]) -> Raw {
    #[derive(Default)]
    struct Tag {
        name: Vec<u8>,
        attr: Vec<u8>,
        attrs: Vec<(&'static str, String, usize)>,
    }
    let mut out = Raw::default();
    let mut tag = Tag::default();
    let mut emitter = CallbackEmitter::new(
        |event: CallbackEvent<'_>, span: Span<usize>| -> Option<Infallible> {
            match event {
                CallbackEvent::OpenStartTag { name } => {
                    tag.name.clear();
                    tag.name.extend_from_slice(name);
                    tag.attrs.clear();
                }
                CallbackEvent::AttributeName { name } => {
                    tag.attr.clear();
                    tag.attr.extend_from_slice(name);
                }
                CallbackEvent::AttributeValue { value } => {
                    if let Some(&wanted) =
                        WANTED.iter().find(|w| w.as_bytes() == tag.attr.as_slice())
                    {
                        tag.attrs.push((
                            wanted,
                            String::from_utf8_lossy(value).into_owned(),
                            span.start,
                        ));
                    }
                }
                CallbackEvent::CloseStartTag { .. } => {
                    record(&mut out, &tag.name, &tag.attrs);
                }
                _ => {}
            }
            None
        },
    );
    emitter.naively_switch_states(true);
    Tokenizer::new_with_emitter(html, Quiet(emitter)).finish();
    out
}

/// An emitter that wants neither parse errors nor text: html5gum then skips validating every
/// character and buffering text nobody reads. Tags, attributes and their spans reach the wrapped
/// emitter unchanged.
struct Quiet<E>(E);

impl<E: Emitter> ForwardingEmitter for Quiet<E> {
    type Token = E::Token;

    fn inner(&mut self) -> &mut impl Emitter<Token = Self::Token> {
        &mut self.0
    }

    fn should_emit_errors(&mut self) -> bool {
        false
    }

    fn emit_error(&mut self, _: html5gum::Error) {}

    fn emit_string(&mut self, _: &[u8]) {}
}

/// Why the fast scanner stopped: the file is outside the subset it reads; use the reference.
struct Decline;

type Step<T> = Result<T, Decline>;

/// The fast scanner: the same result as [`reference`] (the same values, ids and offsets), or
/// `None` for a file outside the plain subset of HTML it reads.
pub(super) fn fast(html: &str) -> Option<Raw> {
    // The tokenizer turns CR LF into LF and NUL into U+FFFD; files with either go to it.
    if memchr::memchr2(b'\r', b'\0', html.as_bytes()).is_some() {
        return None;
    }
    let mut scanner = Scanner {
        text: html,
        b: html.as_bytes(),
        out: Raw::default(),
        attrs: Vec::new(),
        name: Vec::new(),
    };
    scanner.run().ok()?;
    Some(scanner.out)
}

struct Scanner<'a> {
    text: &'a str,
    /// `text` as bytes: every index the scanner stops at is an ASCII byte, so a char boundary.
    b: &'a [u8],
    out: Raw,
    /// The wanted attributes of the tag being read.
    attrs: Vec<(&'static str, String, usize)>,
    /// The lowercased name of the tag being read.
    name: Vec<u8>,
}

fn is_space(c: u8) -> bool {
    matches!(c, b'\t' | b'\n' | 0x0c | b' ')
}

impl Scanner<'_> {
    fn run(&mut self) -> Step<()> {
        let b = self.b;
        let mut i = 0;
        while let Some(found) = memchr::memchr(b'<', &b[i..]) {
            let lt = i + found;
            i = match b.get(lt + 1) {
                Some(b'!') if b[lt + 2..].starts_with(b"--") => self.comment(lt + 4)?,
                // Doctype, CDATA or a bogus comment: all end at the next `>`.
                Some(b'!' | b'?') => self.after_gt(lt + 2)?,
                Some(b'/') => match b.get(lt + 2) {
                    Some(c) if c.is_ascii_alphabetic() => self.tag(lt + 2, false)?,
                    Some(b'>') => lt + 3,
                    Some(_) => self.after_gt(lt + 2)?,
                    None => return Err(Decline),
                },
                Some(c) if c.is_ascii_alphabetic() => {
                    let end = self.tag(lt + 1, true)?;
                    self.after_start_tag(end)?
                }
                // `<` followed by anything else is text.
                Some(_) => lt + 1,
                None => return Err(Decline),
            };
        }
        Ok(())
    }

    /// Just past the next `>` at or after `from`.
    fn after_gt(&self, from: usize) -> Step<usize> {
        memchr::memchr(b'>', self.b.get(from..).ok_or(Decline)?)
            .map(|i| from + i + 1)
            .ok_or(Decline)
    }

    /// A comment whose text starts at `from`; just past its end. The odd forms (`<!-->`,
    /// `<!--->`, `--!>`, unclosed) are left to the reference.
    fn comment(&self, from: usize) -> Step<usize> {
        let rest = self.b.get(from..).ok_or(Decline)?;
        if rest.starts_with(b">") || rest.starts_with(b"->") {
            return Err(Decline);
        }
        let end = memmem::find(rest, b"-->").ok_or(Decline)?;
        if memmem::find(&rest[..end + 2], b"--!").is_some() {
            return Err(Decline);
        }
        Ok(from + end + 3)
    }

    /// A start or end tag whose name starts at `from`; just past its `>`. A start tag's wanted
    /// attributes are recorded.
    fn tag(&mut self, from: usize, start: bool) -> Step<usize> {
        let b = self.b;
        let mut i = from;
        self.name.clear();
        while let Some(&c) = b.get(i) {
            if is_space(c) || c == b'/' || c == b'>' {
                break;
            }
            self.name.push(c.to_ascii_lowercase());
            i += 1;
        }
        self.attrs.clear();
        loop {
            while b.get(i).is_some_and(|&c| is_space(c) || c == b'/') {
                i += 1;
            }
            match b.get(i) {
                None => return Err(Decline),
                Some(b'>') => {
                    i += 1;
                    break;
                }
                Some(_) => {}
            }
            // An attribute name; a leading `=` belongs to it.
            let name_start = i;
            i += 1;
            while b
                .get(i)
                .is_some_and(|&c| !(is_space(c) || matches!(c, b'/' | b'>' | b'=')))
            {
                i += 1;
            }
            let wanted = WANTED
                .iter()
                .find(|w| w.as_bytes().eq_ignore_ascii_case(&b[name_start..i]))
                .copied();
            while b.get(i).copied().is_some_and(is_space) {
                i += 1;
            }
            if b.get(i) != Some(&b'=') {
                continue;
            }
            i += 1;
            while b.get(i).copied().is_some_and(is_space) {
                i += 1;
            }
            let (value_at, value_end, next) = match b.get(i) {
                None => return Err(Decline),
                Some(&q @ (b'"' | b'\'')) => {
                    let len = memchr::memchr(q, &b[i + 1..]).ok_or(Decline)?;
                    (i + 1, i + 1 + len, i + len + 2)
                }
                // A missing value: the tag ends here.
                Some(b'>') => (i, i, i),
                Some(_) => {
                    let len = b[i..]
                        .iter()
                        .position(|&c| is_space(c) || c == b'>')
                        .ok_or(Decline)?;
                    (i, i + len, i + len)
                }
            };
            let value = &self.text[value_at..value_end];
            i = next;
            if let Some(wanted) = wanted.filter(|_| start && !value.is_empty()) {
                let value = decode_refs(value)?;
                self.attrs.push((wanted, value, value_at));
            }
        }
        if start {
            let attrs = std::mem::take(&mut self.attrs);
            record(&mut self.out, &self.name, &attrs);
            self.attrs = attrs;
        }
        Ok(i)
    }

    /// After a start tag ending at `i`: the text of the elements whose content is not markup,
    /// skipped to their end tag (as html5gum's `naively_switch_states` does).
    fn after_start_tag(&self, i: usize) -> Step<usize> {
        let b = self.b;
        let script = match self.name.as_slice() {
            b"script" => true,
            b"textarea" | b"title" | b"style" | b"iframe" | b"xmp" | b"noembed" | b"noframe"
            | b"noscript" => false,
            // Everything after it is text.
            b"plaintext" => return Ok(b.len()),
            _ => return Ok(i),
        };
        let name = &self.name;
        let mut at = i;
        while let Some(found) = memmem::find(&b[at..], b"</") {
            let lt = at + found;
            let after = lt + 2 + name.len();
            if b.get(lt + 2..after)
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
                && b.get(after)
                    .is_some_and(|&c| is_space(c) || c == b'/' || c == b'>')
            {
                // A script's escaped states (`<!--` inside it) are the reference's.
                if script && memmem::find(&b[i..lt], b"<!--").is_some() {
                    return Err(Decline);
                }
                return Ok(lt);
            }
            at = lt + 2;
        }
        // Unclosed: the rest is its text.
        if script && memmem::find(&b[i..], b"<!--").is_some() {
            return Err(Decline);
        }
        Ok(b.len())
    }
}

/// An attribute value with the character references templates write decoded (`&amp;`, `&lt;`,
/// `&gt;`, `&quot;`, `&apos;` and numeric ones ending in `;`); any other `&` declines.
fn decode_refs(text: &str) -> Step<String> {
    if !text.contains('&') {
        return Ok(text.to_owned());
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let semi = after.find(';').filter(|&s| s <= 10).ok_or(Decline)?;
        let entity = &after[..semi];
        let decoded = match entity {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ => numeric(entity).ok_or(Decline)?,
        };
        out.push(decoded);
        rest = &after[semi + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// `#39` or `#x27` as a character, when it is one the tokenizer keeps unchanged.
fn numeric(entity: &str) -> Option<char> {
    let digits = entity.strip_prefix('#')?;
    let code = match digits.strip_prefix(['x', 'X']) {
        Some(hex) if !hex.is_empty() && hex.bytes().all(|c| c.is_ascii_hexdigit()) => {
            u32::from_str_radix(hex, 16).ok()?
        }
        None if !digits.is_empty() && digits.bytes().all(|c| c.is_ascii_digit()) => {
            digits.parse().ok()?
        }
        _ => return None,
    };
    // Controls and the C1 range are replaced or remapped by the tokenizer; leave them to it.
    let plain = matches!(code, 0x09 | 0x0a | 0x20..=0x7e | 0xa0..=0xd7ff | 0xe000..=0xfdcf | 0xfdf0..=0xfffd)
        || (0x1_0000..=0x10_ffff).contains(&code) && code & 0xfffe != 0xfffe;
    plain.then(|| char::from_u32(code)).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both scanners on `html`: the fast one must either decline or agree with the reference.
    #[track_caller]
    fn agree(html: &str) -> Option<Raw> {
        let fast = fast(html);
        if let Some(f) = &fast {
            assert_eq!(*f, reference(html.as_bytes()), "{html}");
        }
        fast
    }

    #[test]
    fn scan_finds_ids_links_and_refresh_targets_but_not_script_text() {
        let html = "<h2 id=\"a&amp;b\"><span id=x></span></h2><a name=old></a><a href=\"../x/?q=1&amp;r=2\">x</a>\n<meta http-equiv=\"refresh\" content=\"0; url=../../y/\"><script>var s = '<a href=\"nei\">';</script><img src=\"i.png\">";
        let s = agree(html).expect("plain HTML is read by the fast scanner");
        let mut ids: Vec<&str> = s.ids.iter().map(String::as_str).collect();
        ids.sort_unstable();
        assert_eq!(ids, ["a&b", "old", "x"]);
        let refs: Vec<&str> = s.refs.iter().map(|r| r.0.as_str()).collect();
        assert_eq!(refs, ["../x/?q=1&r=2", "../../y/", "i.png"]);
    }

    #[test]
    fn the_fast_scanner_agrees_with_html5gum_on_hostile_markup() {
        let cases = [
            "<a href='single'>s</a><a href=unquoted>u</a><a href = \"spaced\" >",
            "<A HREF=\"UPPER\" ID=Big>x</A>",
            "<a href=\"x\"id=\"glued\"><a href=\"\" id=\"\">empty</a>",
            "<a/href=\"slash\"/><img src=x/>",
            "<!-- <a href=\"commented\"> --><a href=\"after\">",
            "<!DOCTYPE html><!--x--><?php echo '<a href=\"pi\">' ?><a href=a>",
            "<title><a href=\"not-a-link\"></title><a href=\"link\">",
            "<style>a[href=\"x\"]{}</style><textarea><a id=\"no\"></textarea >",
            "<script>if (a </script2) {}</script><a id=after-script>",
            "<a href=\"&#39;&#x27;&quot;&lt;&gt;&apos;\">",
            "<a href=\"=x\" =weird=\"v\" id=\"x\" id=\"y\">",
            "</a href=\"end-tag\"><a href=\"x>y\">",
            "<a href=x>text < 3 <> </ > <a href=y>",
            "<p>æøå <a href=\"/ø/\" id=\"å\">ø</a></p>",
            "<meta content=\"0;URL='../z/'\" http-equiv=Refresh>",
            "<form action=\"/sok/\"><input name=q></form>",
            "<plaintext><a href=\"x\">",
            "<noscript><a href=\"x\"></noscript><a href=\"y\">",
        ];
        for html in cases {
            assert!(agree(html).is_some(), "declined: {html}");
        }
    }

    #[test]
    fn the_fast_scanner_declines_what_it_does_not_read() {
        let cases = [
            "<a href=\"a\r\nb\">",
            "<a href=\"&copy;\">",
            "<a href=\"&#128;\">",
            "<a href=\"a&b\">",
            "<!--> <a href=x> -->",
            "<!-- a --!> <a href=x>",
            "<script><!-- <script></script> --></script><a href=x>",
            "<a href=\"unclosed",
            "<!-- unclosed",
        ];
        for html in cases {
            assert!(fast(html).is_none(), "read: {html}");
            Links::of(html.as_bytes());
        }
    }

    #[test]
    fn positions_are_lines_and_character_columns() {
        let links = Links::of("<p>\n  æ <a href=\"x\">\n<a href=\"y\"><a href=\"z\">".as_bytes());
        let at: Vec<(usize, usize)> = links
            .refs
            .iter()
            .map(|r| (r.pos.line, r.pos.column))
            .collect();
        let text = "<p>\n  æ <a href=\"x\">\n<a href=\"y\"><a href=\"z\">";
        let index = LineIndex::new(text);
        let expected: Vec<(usize, usize)> = reference(text.as_bytes())
            .refs
            .iter()
            .map(|(_, o)| {
                let p = index.position(*o);
                (p.line, p.column)
            })
            .collect();
        assert_eq!(at, expected);
        assert_eq!(at[0].0, 2);
    }
}
