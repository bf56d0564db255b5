//! The split index on disk: what each file holds, written by [`write`] and read back by
//! `reader` (and by the browser's `search-engine.js`).
//!
//! ```text
//! search/manifest.js              the only file with a stable name: settings, word lists,
//!                                 synonyms, kinds and filters, page runs, shard table
//! search/t/<group hash>/<n>.js    term shard n: dictionary entries with their postings
//! search/x/<group hash>/<p>.js    fragment of page p: title, URL, code, summary, sections
//! ```
//!
//! Every file is a classic script, `veiviser_load("<name>",<JSON>);`, so it loads by `<script>`
//! from `file://` and by `fetch` (the JSON sliced out) over HTTP. Shards and fragments live in
//! folders named by a hash of their group's contents: immutable, cacheable forever, and the
//! manifest stores one hash per group instead of one per file, so it grows with the number of
//! shards, not with the pages. Postings are text over a 64-letter alphabet: per posting the page
//! (delta), section number (5-bit varints) and a weight letter (64 log-spaced levels).

use serde::{Deserialize, Serialize};

use super::synonyms::Synonyms;

/// Version of the format; the browser refuses a manifest it does not know.
pub(super) const VERSION: u32 = 1;
/// Folder of the index in the built site.
pub const DIR: &str = "search/";
/// The entry point, relative to the site root.
pub const MANIFEST: &str = "search/manifest.js";
/// Shards per hash group.
pub(super) const SHARD_GROUP: usize = 32;
/// Pages per fragment group.
pub(super) const PAGE_GROUP: usize = 512;

/// The 64 letters of postings text; `0`–`v` end a varint, `w`–`_` continue it.
pub(super) const ALPHABET: &[u8; 64] =
    b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_";

/// Weight of level 0 and the ratio between levels; the table is built by repeated
/// multiplication in the same order on both sides, so both get the same doubles.
pub(super) const LEVEL_BASE: f64 = 0.05;
pub(super) const LEVEL_RATIO: f64 = 1.14;

/// The 64 weight levels.
pub(super) fn levels() -> [f64; 64] {
    let mut t = [0.0; 64];
    let mut w = LEVEL_BASE;
    for l in &mut t {
        *l = w;
        w *= LEVEL_RATIO;
    }
    t
}

/// The natural logarithms of [`levels`], computed once: [`quantise`] runs for every posting.
static LN_LEVELS: std::sync::LazyLock<[f64; 64]> =
    std::sync::LazyLock::new(|| levels().map(f64::ln));

/// The level closest to `w` (on a log scale); the lowest such level on a tie.
pub(super) fn quantise(w: f64) -> usize {
    let ln_levels = &*LN_LEVELS;
    let lw = w.ln();
    let mut best = 0;
    for (i, l) in ln_levels.iter().enumerate() {
        if (lw - l).abs() < (lw - ln_levels[best]).abs() {
            best = i;
        }
    }
    best
}

/// `idf` as stored: sixteenths, rounded.
pub(super) fn quantise_idf(idf: f64) -> u32 {
    (idf * 16.0).round().max(0.0) as u32
}

/// Analyser word lists, so the browser uses exactly the Rust ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnalyserData {
    pub stop: Vec<String>,
    /// Query-side question and function words (`analyse::QUESTION_WORDS`).
    #[serde(default)]
    pub question: Vec<String>,
    pub protected: Vec<String>,
    pub endings: Vec<String>,
}

/// A configured filter in the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilterOut {
    pub name: String,
    pub label: String,
    pub values: Vec<String>,
    /// Index of the kind whose pages are the values themselves (a `ref` filter's target kind:
    /// the municipality pages of `kommune`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hub: Option<u32>,
}

/// Where the term shards are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardTable {
    /// Hash of each group of [`SHARD_GROUP`] shards.
    pub groups: Vec<String>,
    /// Lowest folded key of each shard (the first is empty). Written front-coded
    /// ([`front_coded`]): neighbouring bounds share most of their letters.
    #[serde(with = "front_coded")]
    pub bounds: Vec<String>,
}

/// Sorted strings, each written as the number of leading characters it shares with the one
/// before (at most 63, as one letter of the postings alphabet [`ALPHABET`]) followed by
/// the rest: `["", "1", "1-", "1-5"]` → `["0", "01", "1-", "25"]`. Saves 0.3 kB gzip of the
/// manifest of a 10,000-page site. `search-engine.js` decodes it once (`Index`).
mod front_coded {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::ALPHABET as LETTERS;

    pub(super) fn serialize<S: Serializer>(list: &[String], s: S) -> Result<S::Ok, S::Error> {
        let mut prev: Vec<char> = Vec::new();
        let mut out = Vec::with_capacity(list.len());
        for key in list {
            let cs: Vec<char> = key.chars().collect();
            let shared = prev
                .iter()
                .zip(&cs)
                .take(LETTERS.len() - 1)
                .take_while(|(a, b)| a == b)
                .count();
            let mut item = String::from(char::from(LETTERS[shared]));
            item.extend(&cs[shared..]);
            out.push(item);
            prev = cs;
        }
        out.serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
        let coded = Vec::<String>::deserialize(d)?;
        let mut prev: Vec<char> = Vec::new();
        let mut out = Vec::with_capacity(coded.len());
        for item in coded {
            let mut cs = item.chars();
            let shared = cs
                .next()
                .and_then(|c| LETTERS.iter().position(|&l| char::from(l) == c))
                .filter(|&n| n <= prev.len())
                .ok_or_else(|| serde::de::Error::custom("bad front-coded bound"))?;
            let key: Vec<char> = prev[..shared].iter().copied().chain(cs).collect();
            out.push(key.iter().collect());
            prev = key;
        }
        Ok(out)
    }
}

/// `search/manifest.js`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub version: u32,
    pub language: String,
    /// Number of documents (sections) and pages.
    pub docs: u32,
    pub pages: u32,
    pub analyser: AnalyserData,
    pub synonyms: Synonyms,
    /// `[name, label, plural]` per kind, in index order.
    pub kinds: Vec<[String; 3]>,
    pub filters: Vec<FilterOut>,
    /// Runs of pages: `[first page, kind, value+1 per filter (0: none)]`.
    pub ranges: Vec<Vec<u32>>,
    pub shards: ShardTable,
    /// Hash of each group of [`PAGE_GROUP`] fragments.
    pub fragments: Vec<String>,
}

/// A term shard: `[key, meta, postings]` per entry, where `meta` packs
/// `((idf16 * 32 + stem suffix) * 2 + truncated) * 2 + part`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Shard {
    pub e: Vec<(String, u32, String)>,
}

/// Packs an entry's metadata.
pub(super) fn pack_meta(idf16: u32, stem_suffix: u8, truncated: bool, part: bool) -> u32 {
    ((idf16 * 32 + u32::from(stem_suffix.min(31))) * 2 + u32::from(truncated)) * 2 + u32::from(part)
}

/// The metadata of an entry: `(idf16, stem suffix, truncated, part)`.
pub(super) fn unpack_meta(meta: u32) -> (u32, usize, bool, bool) {
    (
        meta >> 7,
        ((meta >> 2) & 31) as usize,
        meta & 2 != 0,
        meta & 1 != 0,
    )
}

/// A page fragment: what results show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fragment {
    /// Id, title, site-relative URL, code, summary, keywords (joined by ` · `), and
    /// `[anchor, heading, text]` per section.
    pub i: String,
    pub t: String,
    pub u: String,
    pub c: String,
    pub s: String,
    pub k: String,
    pub d: Vec<(String, String, String)>,
}

/// Path of term shard `n`.
pub(super) fn shard_path(table: &ShardTable, n: usize) -> String {
    format!("{DIR}t/{}/{n}.js", table.groups[n / SHARD_GROUP])
}

/// Path of the fragment of page `p`.
pub(super) fn fragment_path(groups: &[String], p: usize) -> String {
    format!("{DIR}x/{}/{p}.js", groups[p / PAGE_GROUP])
}

/// A script that hands `value` to `veiviser_load` under `name`.
pub(super) fn script(name: &str, value: &impl Serialize) -> Vec<u8> {
    // `<` escaped: hostile titles stay inert even if a script is ever inlined into a page.
    let json =
        crate::vocab::html_safe_json(serde_json::to_vec(value).expect("search files serialise"));
    let head = format!("veiviser_load(\"{name}\",");
    // Sized exactly: the site's search files stay in memory until they are written, and a
    // buffer grown by doubling held up to twice their bytes.
    let mut out = Vec::with_capacity(head.len() + json.len() + 3);
    out.extend_from_slice(head.as_bytes());
    out.extend_from_slice(&json);
    out.extend_from_slice(b");\n");
    out
}

/// The JSON inside a script written by [`script`].
pub fn unscript(bytes: &[u8]) -> Option<&[u8]> {
    let start = bytes.iter().position(|&b| b == b',')? + 1;
    let end = bytes.iter().rposition(|&b| b == b')')?;
    bytes.get(start..end)
}

/// Appends `v` as a varint of [`ALPHABET`] letters.
pub(super) fn push_varint(out: &mut String, mut v: u32) {
    while v >= 32 {
        out.push(char::from(ALPHABET[32 + (v & 31) as usize]));
        v >>= 5;
    }
    out.push(char::from(ALPHABET[v as usize]));
}

fn letter_value(b: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == b).map(|i| i as u32)
}

/// Decodes a postings string into `(page, section, weight level)`.
pub(super) fn decode_postings(text: &str) -> Option<Vec<(u32, u32, usize)>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut page = 0u32;
    let mut first = true;
    let varint = |i: &mut usize| -> Option<u32> {
        let mut acc = 0u32;
        let mut shift = 0;
        loop {
            let d = letter_value(*bytes.get(*i)?)?;
            *i += 1;
            if d >= 32 {
                acc |= (d - 32).checked_shl(shift)?;
                shift += 5;
            } else {
                return Some(acc | d.checked_shl(shift)?);
            }
        }
    };
    while i < bytes.len() {
        let delta = varint(&mut i)?;
        page = if first {
            delta
        } else {
            page.checked_add(delta)?
        };
        first = false;
        let section = varint(&mut i)?;
        let level = letter_value(*bytes.get(i)?)? as usize;
        i += 1;
        out.push((page, section, level));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_coded_bounds_round_trip() {
        let table = ShardTable {
            groups: vec![],
            bounds: [
                "",
                "1",
                "1-",
                "1-5",
                "10-2",
                "=a b",
                "=a bc",
                "ærlig",
                "ærlighet",
                "ø",
            ]
            .map(String::from)
            .to_vec(),
        };
        let json = serde_json::to_string(&table).unwrap();
        assert!(
            json.contains(r#"["0","01","1-","25","10-2","0=a b","4c","0ærlig","5het","0ø"]"#),
            "{json}"
        );
        let back: ShardTable = serde_json::from_str(&json).unwrap();
        assert_eq!(back, table);
        let bad: Result<ShardTable, _> = serde_json::from_str(r#"{"groups":[],"bounds":["5ab"]}"#);
        assert!(bad.is_err());
    }

    #[test]
    fn postings_round_trip() {
        let mut s = String::new();
        let postings = [
            (0u32, 0u32, 5usize),
            (0, 3, 63),
            (40, 1, 0),
            (100_000, 70, 31),
        ];
        let mut prev = 0;
        for (i, (p, sec, l)) in postings.iter().enumerate() {
            push_varint(&mut s, if i == 0 { *p } else { p - prev });
            push_varint(&mut s, *sec);
            s.push(char::from(ALPHABET[*l]));
            prev = *p;
        }
        assert_eq!(decode_postings(&s).unwrap(), postings);
        assert!(decode_postings("w").is_none());
    }

    #[test]
    fn meta_round_trips_and_levels_cover_the_weights() {
        assert_eq!(
            unpack_meta(pack_meta(200, 7, true, false)),
            (200, 7, true, false)
        );
        assert_eq!(quantise(0.05), 0);
        assert_eq!(quantise(1e9), 63);
        let l = levels();
        assert!((l[quantise(1.0)] - 1.0).abs() < 0.08);
    }

    #[test]
    fn scripts_unwrap_to_their_json() {
        let s = script("t3", &serde_json::json!({"e": [["a,b)", 1, "x"]]}));
        let json: serde_json::Value = serde_json::from_slice(unscript(&s).unwrap()).unwrap();
        assert_eq!(json["e"][0][0], "a,b)");
    }
}
