//! Ranking: a [`Query`] over the index read by [`Reader`] → the best pages, each pointing at its
//! best section, with counts per kind and filter value.
//!
//! `search-engine.js` mirrors this function by function, and so does the order of every sum:
//! scores are built from the same doubles (weight levels, idf sixteenths, the factors below) by
//! the same operations, so both sides rank identically, ties included.
//!
//! 1. Each word picks the shards its keys can be in (home shard of its folded form, back to the
//!    shard of its stem, on through its prefix range; at most [`MAX_WORD_SHARDS`]).
//! 2. Each entry there gets a factor: exact form 1, same stem, same folded form, same folded
//!    stem, a derivation ([`derived`]: `sykmeldt` ↔ `sykmelding`), prefix (last word), then —
//!    only when fewer than [`FUZZY_MIN`] pages match — one or two typos on words of 5 or 9+
//!    letters; codes are never fuzzy. Compound parts count half.
//! 3. A word scores a section by its best entry (`factor × idf × weight`), a page by its best
//!    section plus [`OTHER_SECTIONS`] of the others; an alternative by the mean of its words
//!    (all present); a unit by its best alternative; a page by the weighted units, plus the
//!    whole-title bonus (the whole query, or its content words without question words).
//! 4. Soft matching: a page must hold half the required (content) units ([`min_should_match`]);
//!    the score is scaled by coverage squared, and a section holding them together adds
//!    [`TOGETHER`] of its score, scaled the same way. When no page reaches half, every page with
//!    some of them ranks; units no page holds are reported in [`Outcome::missing`].
//! 5. Facets: a filter value named in the query (a municipality, also through a synonym or with
//!    a typo) multiplies its pages by 1 + [`NAMED_VALUE`] — its measures when other words were
//!    typed, its own hub page when it was named alone; a query naming none takes [`LOCAL`] off
//!    local pages; a hub page (a municipality's) loses [`HUB`] unless its value is all the
//!    query names ([`facet_factors`]).
//! 6. Specificity: of the best [`SPECIFIC_TOP`] pages (whose fragments are shown anyway), those
//!    whose title, code, keywords, kind and facet values name every content unit gain
//!    [`SPECIFIC`] (a hub only when named alone). The section shown answers the words the title
//!    does not name (`answer_section`).
//! 7. Question intent: a query that begins with one of [`ASKING_WORDS`] (`når`, `hvem` …) is
//!    answered by a section whose heading begins with the same word (`asked_answer`), and such a
//!    page among the first [`SPECIFIC_TOP`] gains [`ASKED`]. A source-note section
//!    ([`is_source_note`]: `Merknad om kildene`) is never the answer unless the query asks about
//!    sources.
//!
//! [`search`] runs these as named steps — `lookup`, `score`, `combine`, `filter`,
//! `prefer_specific`, `take` — and `search-engine.js` has the same steps under the same names.
//!
//! [`super::explain`] re-runs steps 1–3 for one page to say why it ranks.

use std::collections::{BTreeMap, BTreeSet};

use super::analyse;
use super::format::{self, Fragment};
use super::query::{Query, Word};
use super::reader::{DecodedEntry, ReadError, Reader};
use super::specific;
pub use super::typo::typo_distance;

pub const EXACT: f64 = 1.0;
pub const STEM: f64 = 0.85;
pub const FOLD: f64 = 0.9;
pub const FOLD_STEM: f64 = 0.8;
pub const PREFIX: f64 = 0.5;
pub const PREFIX_FOLD: f64 = 0.35;
pub const PREFIX_CODE: f64 = 0.2;
pub const FUZZY1: f64 = 0.6;
pub const FUZZY2: f64 = 0.45;
pub const PART: f64 = 0.5;
/// Factor of a derivation of the word (see [`derived`]).
pub const DERIVED: f64 = 0.6;
/// Suffixes that make a noun of a verb's stem, which the stemmer leaves on (`-ing`, `-else`).
pub const DERIVATIONS: [&str; 2] = ["ing", "els"];
/// Shortest stem matched through [`DERIVATIONS`].
pub const DERIVED_MIN: usize = 5;
/// Weight of the sections after a page's best one: a page that uses a word in many sections is
/// about it. 0.2 (was 0.1; 0.05 and 0.15 lose, 0.2–0.3 gain 3 top-1 over the six query sets,
/// 0.4 loses one again).
pub const OTHER_SECTIONS: f64 = 0.2;
pub const FUZZY_MIN: usize = 3;
/// Weight of the whole-value bonus (see `Query::whole`).
pub const WHOLE: f64 = 1.0;
/// Share of the best section's score added when that section holds every required unit.
pub const TOGETHER: f64 = 1.0;
pub const MAX_WORD_SHARDS: usize = 2;
/// Score factor of a page whose facet value (its municipality …) is named in the query.
pub const NAMED_VALUE: f64 = 0.5;
/// Share taken off a local page (one with a facet value: a municipality's) when the query names
/// no value: national pages answer general questions.
pub const LOCAL: f64 = 0.1;
/// Share taken off a hub page (a municipality's page, which gathers its measures) unless the
/// query names its value alone: asked with other words, one of the measures it gathers answers.
/// Any share from 0.3 to 0.7 gains 5 top-1 over the six query sets and loses none.
pub const HUB: f64 = 0.5;
/// Score factor of a page among the first [`SPECIFIC_TOP`] whose title, code and facet values
/// hold every content word of the query: the specific page beats the hub that mentions them.
pub const SPECIFIC: f64 = 0.5;
/// Score factor of a page among the first [`SPECIFIC_TOP`] with a section whose heading begins
/// with the question word the query begins with (see [`ASKING_WORDS`]).
pub const ASKED: f64 = 0.25;
/// How many of the best pages are checked for [`SPECIFIC`] (their fragments are fetched anyway
/// to show them: the quick search shows six).
pub const SPECIFIC_TOP: usize = 6;

/// How many of `r` required units a page must hold: half, rounded up (coverage also scales the
/// score, so pages holding more of them still come first).
pub fn min_should_match(r: usize) -> usize {
    r - r / 2
}

/// What a unit stands for in messages: its own words as typed (analysed).
pub fn unit_label(u: &super::query::Unit) -> String {
    let words: Vec<&str> = u.alts[0].words.iter().map(|w| w.text.as_str()).collect();
    words.join(" ")
}

/// Filters of a search.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub limit: usize,
    /// Kind name.
    pub kind: Option<String>,
    /// `(filter index, value index)` pairs.
    pub filters: Vec<(usize, usize)>,
}

/// One result.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub page: u32,
    pub section: u32,
    pub score: f64,
}

/// What a search found.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub hits: Vec<Hit>,
    /// Pages matching the query and filters.
    pub total: usize,
    pub kind_counts: Vec<usize>,
    pub filter_counts: Vec<Vec<usize>>,
    /// Keys that matched (for highlighting): whole words, and compound parts.
    pub words: BTreeSet<String>,
    pub parts: BTreeSet<String>,
    /// Content words of the query that no page holds (shown as "not found").
    pub missing: Vec<String>,
}

/// Per word: section scores by page.
type WordScores = BTreeMap<u32, Vec<(u32, f64)>>;

/// The shards word `w` is looked up in.
pub fn word_shards(reader: &Reader<'_>, w: &Word) -> Vec<usize> {
    let low = if w.exact {
        w.fold.clone()
    } else {
        analyse::fold(&w.stem)
    };
    let home = reader.shard_of(&w.fold);
    let first = reader.shard_of(&low).min(home);
    let last = if w.prefix {
        reader.shard_of(&format!("{}\u{10ffff}", w.fold))
    } else {
        home
    };
    let mut out = vec![home];
    let mut after = home + 1;
    let mut before = home;
    while out.len() < MAX_WORD_SHARDS && (after <= last || before > first) {
        if after <= last {
            out.push(after);
            after += 1;
        } else {
            before -= 1;
            out.push(before);
        }
    }
    out.sort_unstable();
    out
}

/// The factor of entry `e` for word `w`, and whether it is one of the word's own forms (exact,
/// stem, folded) rather than a longer word it starts.
pub(crate) fn factor(w: &Word, e: &DecodedEntry) -> (f64, bool) {
    let mut own = 0.0f64;
    let mut longer = 0.0f64;
    if e.key == w.text {
        own = EXACT;
    } else if !w.exact {
        if !w.code && (e.stem == w.stem || e.stem == w.restem) {
            own = own.max(STEM);
        }
        if e.fold == w.fold {
            own = own.max(FOLD);
        }
        if !w.code && e.stem_fold == analyse::fold(&w.stem) {
            own = own.max(FOLD_STEM);
        }
        if derives(w, e) {
            longer = DERIVED;
        }
        if w.prefix {
            let wlen = w.text.chars().count() as f64;
            let flen = w.fold.chars().count() as f64;
            if e.key.starts_with(&w.text) {
                let base = if w.code { PREFIX_CODE } else { PREFIX };
                longer = longer.max(base * (wlen / e.len as f64).sqrt());
            } else if e.fold.starts_with(&w.fold) {
                longer = longer.max(PREFIX_FOLD * (flen / e.fold_len as f64).sqrt());
            }
        }
    }
    let f = own.max(longer);
    let f = if e.part { f * PART } else { f };
    (f, own > 0.0 && own >= longer)
}

/// Whether stems `a` and `b` are one word and its derivation by one of [`DERIVATIONS`], in
/// either direction (`sykmeld` ↔ `sykmelding`, `undersøk` ↔ `undersøkels`): the verb a reader
/// types and the noun the site writes. Snowball's Norwegian stemmer keeps these suffixes, so the
/// two never share a stem. Only stems of at least [`DERIVED_MIN`] letters.
pub fn derived(a: &str, b: &str) -> bool {
    let (short, long) = if a.len() < b.len() { (a, b) } else { (b, a) };
    short.chars().count() >= DERIVED_MIN
        && long.starts_with(short)
        && DERIVATIONS.contains(&&long[short.len()..])
}

/// Whether entry `e` is a derivation of word `w` (its stem or its second stem): never for codes.
pub(crate) fn derives(w: &Word, e: &DecodedEntry) -> bool {
    !w.code && (derived(&w.stem, &e.stem) || derived(&w.restem, &e.stem))
}

fn add_entry(scores: &mut WordScores, e: &DecodedEntry, f: f64, idf: f64, levels: &[f64; 64]) {
    for &(page, section, level) in &e.postings {
        let c = f * idf * levels[level.min(63)];
        let secs = scores.entry(page).or_default();
        match secs.iter_mut().find(|s| s.0 == section) {
            Some(s) => {
                if c > s.1 {
                    s.1 = c;
                }
            }
            None => secs.push((section, c)),
        }
    }
}

struct Looked {
    scores: WordScores,
    truncated: bool,
    /// Idf of the best-matching entry (highest factor, then highest idf; 0 when none).
    main_idf: f64,
}

fn look_up(reader: &Reader<'_>, w: &Word, out: &mut Outcome) -> Result<Looked, ReadError> {
    let levels = format::levels();
    let mut entries = Vec::new();
    for n in word_shards(reader, w) {
        entries.push(reader.shard(n)?);
    }
    // The word's own forms share one idf, the lowest among them (the commonest form's): a rare
    // inflection must not outweigh the concept, and the field decides between them.
    let mut family_idf = f64::INFINITY;
    for shard in &entries {
        for e in shard.iter() {
            let (f, own) = factor(w, e);
            if f > 0.0 && own && !e.part && e.idf < family_idf {
                family_idf = e.idf;
            }
        }
    }
    let mut scores = WordScores::new();
    let mut truncated = false;
    let mut matched: Vec<&DecodedEntry> = Vec::new();
    let mut main = (0.0f64, 0.0f64);
    for shard in &entries {
        for e in shard.iter() {
            let (f, own) = factor(w, e);
            if f <= 0.0 {
                continue;
            }
            let idf = if own && family_idf < e.idf {
                family_idf
            } else {
                e.idf
            };
            if f > main.0 || f >= main.0 && idf > main.1 {
                main = (f, idf);
            }
            add_entry(&mut scores, e, f, idf, &levels);
            truncated |= e.truncated;
            matched.push(e);
        }
    }
    let letters = w.text.chars().count();
    if !w.code && !w.exact && letters >= 5 && scores.len() < FUZZY_MIN {
        let max = if letters >= 9 { 2 } else { 1 };
        for shard in &entries {
            for e in shard.iter() {
                if e.has_digit || factor(w, e).0 > 0.0 {
                    continue;
                }
                let d = typo_distance(&w.fold, &e.fold, max);
                if d <= max {
                    let f = if d <= 1 { FUZZY1 } else { FUZZY2 };
                    let f = if e.part { f * PART } else { f };
                    add_entry(&mut scores, e, f, e.idf, &levels);
                    truncated |= e.truncated;
                    matched.push(e);
                }
            }
        }
    }
    for e in matched {
        if e.part {
            out.parts.insert(e.key.clone());
        } else {
            out.words.insert(e.key.clone());
        }
    }
    for secs in scores.values_mut() {
        secs.sort_by_key(|s| s.0);
    }
    Ok(Looked {
        scores,
        truncated,
        main_idf: main.1,
    })
}

/// A page's score for one word: best section plus a share of the others.
fn page_score(secs: &[(u32, f64)]) -> f64 {
    let mut best = 0;
    for (i, s) in secs.iter().enumerate() {
        if s.1 > secs[best].1 {
            best = i;
        }
    }
    let mut rest = 0.0;
    for (i, s) in secs.iter().enumerate() {
        if i != best {
            rest += s.1;
        }
    }
    secs[best].1 + OTHER_SECTIONS * rest
}

struct UnitScores {
    pages: BTreeMap<u32, f64>,
    /// Per page, per section: the unit's section score.
    sections: BTreeMap<u32, BTreeMap<u32, f64>>,
    required: bool,
}

/// `query` without the joined-compound alternatives ([`super::query::Alt::joined`]) whose shards
/// no other word of the query needs: a joined word is looked up only where it costs no download,
/// so the bytes of a first query do not grow with it.
pub fn affordable(reader: &Reader<'_>, query: &Query) -> Query {
    let mut needed = BTreeSet::new();
    for u in &query.units {
        for a in u.alts.iter().filter(|a| !a.joined) {
            for w in &a.words {
                needed.extend(word_shards(reader, w));
            }
        }
    }
    if !query.units.is_empty() {
        for w in [&query.whole, &query.whole_content].into_iter().flatten() {
            needed.extend(word_shards(reader, w));
        }
    }
    let mut q = query.clone();
    for u in &mut q.units {
        u.alts.retain(|a| {
            !a.joined
                || a.words
                    .iter()
                    .all(|w| word_shards(reader, w).iter().all(|n| needed.contains(n)))
        });
    }
    q
}

/// Runs `query`: `lookup` each word in its shards, `score` each unit per page and section,
/// `combine` the units into a page score, `filter` by kind and facet values (counting them),
/// move the specific pages up (`prefer_specific`) and `take` the first `limit` with their
/// answer sections. `search-engine.js` has the same steps under the same names.
pub fn search(reader: &Reader<'_>, query: &Query, options: &Options) -> Result<Outcome, ReadError> {
    let query = &affordable(reader, query);
    let mut out = Outcome::default();
    let looked = lookup(reader, query, &mut out)?;
    let units = score(query, &looked);
    let combined = combine(reader, query, &units, &looked, &mut out);
    let mut kept = filter(reader, options, combined.scored, &mut out);
    prefer_specific(reader, query, combined.only_named, &mut kept)?;
    let kept_count = kept.len();
    let (hits, lacking) = take(reader, query, &units, kept, options.limit)?;
    out.hits = hits;
    out.total = kept_count - lacking;
    Ok(out)
}

/// The key a word's lookup is kept under: the same text looked up the same way is looked up once.
type WordKey = (String, bool, bool);

fn word_key(w: &Word) -> WordKey {
    (w.text.clone(), w.prefix, w.exact)
}

/// What [`lookup`] found: per distinct word, and for the two whole-value keys.
struct Lookup {
    words: BTreeMap<WordKey, Looked>,
    whole: Option<Looked>,
    whole_content: Option<Looked>,
}

/// Step 1, lookup: every word of every alternative (once per [`WordKey`]), and the whole-value
/// keys when the query has units. Records the keys that matched in `out` (for highlighting).
fn lookup(reader: &Reader<'_>, query: &Query, out: &mut Outcome) -> Result<Lookup, ReadError> {
    let mut words: BTreeMap<WordKey, Looked> = BTreeMap::new();
    for u in &query.units {
        for a in &u.alts {
            for w in &a.words {
                if let std::collections::btree_map::Entry::Vacant(v) = words.entry(word_key(w)) {
                    v.insert(look_up(reader, w, out)?);
                }
            }
        }
    }
    let whole_key = |w: &Option<Word>| match w {
        Some(w) if !query.units.is_empty() => look_up(reader, w, &mut Outcome::default()).map(Some),
        _ => Ok(None),
    };
    Ok(Lookup {
        whole: whole_key(&query.whole)?,
        whole_content: whole_key(&query.whole_content)?,
        words,
    })
}

/// Step 2, score: each unit's score per page and per section (see [`score_unit`]).
fn score(query: &Query, looked: &Lookup) -> Vec<UnitScores> {
    query
        .units
        .iter()
        .map(|unit| score_unit(unit, &looked.words))
        .collect()
}

/// A unit scores a page by its best alternative; an alternative by the mean of its words' page
/// scores, each word present (unless its list was truncated); the same per section.
fn score_unit(unit: &super::query::Unit, looked: &BTreeMap<WordKey, Looked>) -> UnitScores {
    let mut pages: BTreeMap<u32, f64> = BTreeMap::new();
    let mut sections: BTreeMap<u32, BTreeMap<u32, f64>> = BTreeMap::new();
    let mut truncated = false;
    let words_of = |a: &super::query::Alt| -> Vec<&Looked> {
        a.words.iter().map(|w| &looked[&word_key(w)]).collect()
    };
    // A synonym is as rare as the word it stands in for: its idf is capped at the
    // original's, so a rarer synonym cannot outrank the word the reader typed.
    let mut cap = 0.0f64;
    for l in words_of(&unit.alts[0]) {
        if l.main_idf > cap {
            cap = l.main_idf;
        }
    }
    for a in &unit.alts {
        let ws = words_of(a);
        truncated |= ws.iter().any(|l| l.truncated);
        let mut scale = 1.0;
        if a.synonym && cap > 0.0 {
            let mut own = 0.0f64;
            for l in &ws {
                if l.main_idf > own {
                    own = l.main_idf;
                }
            }
            if own > cap {
                scale = cap / own;
            }
        }
        let k = ws.len() as f64;
        let candidates: BTreeSet<u32> = ws.iter().flat_map(|l| l.scores.keys().copied()).collect();
        for p in candidates {
            if ws
                .iter()
                .any(|l| !l.truncated && !l.scores.contains_key(&p))
            {
                continue;
            }
            let mut sum = 0.0;
            for l in &ws {
                if let Some(secs) = l.scores.get(&p) {
                    sum += page_score(secs);
                }
            }
            let t = a.factor * scale * sum / k;
            let e = pages.entry(p).or_insert(0.0);
            if t > *e {
                *e = t;
            }
            let mut per_section: BTreeMap<u32, f64> = BTreeMap::new();
            for l in &ws {
                if let Some(secs) = l.scores.get(&p) {
                    for &(s, m) in secs {
                        *per_section.entry(s).or_insert(0.0) += m;
                    }
                }
            }
            let target = sections.entry(p).or_default();
            for (s, m) in per_section {
                let v = a.factor * scale * m / k;
                let e = target.entry(s).or_insert(0.0);
                if v > *e {
                    *e = v;
                }
            }
        }
    }
    UnitScores {
        pages,
        sections,
        required: !unit.stop && !truncated,
    }
}

/// What [`combine`] gives: page scores (in page order), and whether the query names only
/// facet values (a municipality alone: its hub page is then the answer).
struct Combined {
    scored: Vec<(u32, f64)>,
    only_named: bool,
}

/// Step 3, combine: the pages holding at least [`min_should_match`] of the required units (all
/// pages with any, when none does), each scored by [`page_total`]; the required units no page
/// holds go to `out.missing`. A query of no units lists every page with score 0.
fn combine(
    reader: &Reader<'_>,
    query: &Query,
    units: &[UnitScores],
    looked: &Lookup,
    out: &mut Outcome,
) -> Combined {
    let required: Vec<usize> = (0..units.len()).filter(|&i| units[i].required).collect();
    for (u, q) in units.iter().zip(&query.units) {
        if u.required && u.pages.is_empty() {
            out.missing.push(unit_label(q));
        }
    }
    let all: BTreeSet<u32> = units.iter().flat_map(|u| u.pages.keys().copied()).collect();
    let coverage = |p: u32| {
        required
            .iter()
            .filter(|&&i| units[i].pages.contains_key(&p))
            .count()
    };
    // Minimum should match: most content words, not all (a question's page rarely holds every
    // word typed); when no page reaches that, every page with some of them.
    let need = min_should_match(required.len());
    let enough: Vec<u32> = all
        .iter()
        .copied()
        .filter(|&p| coverage(p) >= need)
        .collect();
    let matched: Vec<u32> = if enough.is_empty() {
        all.into_iter().collect()
    } else {
        enough
    };
    let (named, only_named) = named_in(reader, query);
    let ctx = Totals {
        reader,
        query,
        units,
        looked,
        required: &required,
        named: &named,
        only_named,
    };
    let mut scored: Vec<(u32, f64)> = matched
        .into_iter()
        .map(|p| (p, ctx.page_total(p, coverage(p))))
        .collect();
    if query.units.is_empty() && query.blank {
        scored = (0..reader.manifest.pages).map(|p| (p, 0.0)).collect();
    }
    Combined { scored, only_named }
}

/// What a page's total score is made of (see [`Totals::page_total`]).
struct Totals<'a> {
    reader: &'a Reader<'a>,
    query: &'a Query,
    units: &'a [UnitScores],
    looked: &'a Lookup,
    /// Indexes of the required units.
    required: &'a [usize],
    /// Facet values named in the query, `(filter, value)`.
    named: &'a [(usize, u32)],
    only_named: bool,
}

impl Totals<'_> {
    /// Page `p`'s score, holding `covered` of the required units: the weighted unit scores, the
    /// whole-value bonus, the share of the best section holding them together, scaled by
    /// coverage squared, then the facet factors (a named value's pages up, local pages down).
    fn page_total(&self, p: u32, covered: usize) -> f64 {
        let (units, required) = (self.units, self.required);
        let mut score = 0.0;
        for (u, q) in units.iter().zip(&self.query.units) {
            if let Some(t) = u.pages.get(&p) {
                score += q.weight * t;
            }
        }
        let mut named_whole = 0.0f64;
        for l in [&self.looked.whole, &self.looked.whole_content]
            .into_iter()
            .flatten()
        {
            if let Some(secs) = l.scores.get(&p) {
                named_whole = named_whole.max(page_score(secs));
            }
        }
        if named_whole > 0.0 {
            score += WHOLE * named_whole;
        }
        if required.len() > 1 {
            let (s, v) = best_section(units, &self.query.units, p);
            let together = required
                .iter()
                .filter(|&&i| {
                    units[i]
                        .sections
                        .get(&p)
                        .is_some_and(|m| m.contains_key(&s))
                })
                .count() as f64;
            let r = required.len() as f64;
            score += TOGETHER * v * (together / r) * (together / r);
        }
        if !required.is_empty() {
            let m = covered as f64;
            let r = required.len() as f64;
            score = score * (m / r) * (m / r);
        }
        for (_, f) in facet_factors(self.reader, self.named, self.only_named, p)
            .into_iter()
            .flatten()
        {
            score *= f;
        }
        score
    }
}

/// The facet values `query` names (`(filter, value)`), and whether its content words name
/// nothing else.
pub fn named_in(reader: &Reader<'_>, query: &Query) -> (Vec<(usize, u32)>, bool) {
    let named = specific::named_values(reader, &query.folded);
    let only_named = query
        .units
        .iter()
        .filter(|u| !u.stop)
        .all(|u| specific::named_unit(reader, &named, u));
    (named, only_named)
}

/// The factors a page's score is multiplied by for what the query names, in this order, each
/// with its name for `--explain`: `named value` (1 + [`NAMED_VALUE`]) or `local page` (1 −
/// [`LOCAL`]), then `hub page` (1 − [`HUB`]). `named`: the facet values the query names;
/// `only_named`: it names nothing else. An array, not a list: it is asked for every page that
/// matched, on the ranking's hot path.
pub fn facet_factors(
    reader: &Reader<'_>,
    named: &[(usize, u32)],
    only_named: bool,
    p: u32,
) -> [Option<(&'static str, f64)>; 2] {
    let (kind, values) = reader.facets_of(p);
    let is_hub = |f: usize| reader.manifest.filters[f].hub == Some(kind as u32);
    let value = if named.is_empty() {
        values
            .iter()
            .any(|&v| v > 0)
            .then_some(("local page", 1.0 - LOCAL))
    } else {
        // With other content words, the value's pages beat national ones, its hub page
        // excepted; named alone, the hub page is what was asked for.
        named
            .iter()
            .any(|&(f, v)| values.get(f).copied() == Some(v + 1) && is_hub(f) == only_named)
            .then_some(("named value", 1.0 + NAMED_VALUE))
    };
    let hub = (!only_named && (0..reader.manifest.filters.len()).any(is_hub))
        .then_some(("hub page", 1.0 - HUB));
    [value, hub]
}

/// Step 4, filter: the pages of the kind and facet values asked for, best first (page order on
/// a tie), counting per kind (under the value filters) and per value (under the kind and the
/// other value filters) into `out`.
fn filter(
    reader: &Reader<'_>,
    options: &Options,
    scored: Vec<(u32, f64)>,
    out: &mut Outcome,
) -> Vec<(u32, f64)> {
    let kind_ix = options.kind.as_deref().map(|k| {
        reader
            .manifest
            .kinds
            .iter()
            .position(|x| x[0] == k)
            .unwrap_or(usize::MAX)
    });
    let nf = reader.manifest.filters.len();
    out.kind_counts = vec![0; reader.manifest.kinds.len()];
    out.filter_counts = reader
        .manifest
        .filters
        .iter()
        .map(|f| vec![0; f.values.len()])
        .collect();
    let mut kept: Vec<(u32, f64)> = Vec::new();
    for (p, score) in scored {
        let (kind, values) = reader.facets_of(p);
        let kind_ok = kind_ix.is_none_or(|k| k == kind);
        let value_ok = |skip: usize| {
            options
                .filters
                .iter()
                .all(|&(f, v)| f == skip || values.get(f).copied() == Some(v as u32 + 1))
        };
        if value_ok(usize::MAX) {
            out.kind_counts[kind] += 1;
        }
        for f in 0..nf {
            let v = values.get(f).copied().unwrap_or(0);
            if kind_ok && value_ok(f) && v > 0 {
                out.filter_counts[f][v as usize - 1] += 1;
            }
        }
        if kind_ok && value_ok(usize::MAX) {
            kept.push((p, score));
        }
    }
    kept.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    kept
}

/// Specificity: of the best [`SPECIFIC_TOP`] pages, those whose title (with code, keywords,
/// kind and facet values) holds every content unit gain [`SPECIFIC`] and are re-sorted. A hub's
/// title lists what it gathers (a municipality's measures): it is specific only when the query
/// names it alone.
fn prefer_specific(
    reader: &Reader<'_>,
    query: &Query,
    only_named: bool,
    kept: &mut [(u32, f64)],
) -> Result<(), ReadError> {
    let content: Vec<&super::query::Unit> = query.units.iter().filter(|u| !u.stop).collect();
    if content.is_empty() {
        return Ok(());
    }
    let top = kept.len().min(SPECIFIC_TOP);
    for item in &mut kept[..top] {
        let f = reader.fragment(item.0 as usize)?;
        let labels = specific::title_words(reader, &f, item.0);
        let (kind, _) = reader.facets_of(item.0);
        let hub = reader
            .manifest
            .filters
            .iter()
            .any(|d| d.hub == Some(kind as u32));
        if (!hub || only_named) && content.iter().all(|u| specific::unit_in(u, &labels)) {
            item.1 *= 1.0 + SPECIFIC;
        }
        let notes = source_notes(&f, query);
        if asked_sections(&f, query).iter().any(|s| !notes.contains(s)) {
            item.1 *= 1.0 + ASKED;
        }
    }
    kept[..top].sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    Ok(())
}

/// Step 5, take: the first `limit` pages that hold every quoted phrase, each with its answer
/// section, and how many pages were found to lack a phrase on the way (the total counts the
/// kept pages less those).
fn take(
    reader: &Reader<'_>,
    query: &Query,
    units: &[UnitScores],
    kept: Vec<(u32, f64)>,
    limit: usize,
) -> Result<(Vec<Hit>, usize), ReadError> {
    let phrases: Vec<&Vec<String>> = query
        .units
        .iter()
        .filter_map(|u| u.phrase.as_ref())
        .collect();
    let mut hits = Vec::new();
    let mut lacking = 0;
    for (p, score) in kept {
        if hits.len() >= limit {
            break;
        }
        let fragment = reader.fragment(p as usize)?;
        if !phrases.iter().all(|ph| has_phrase(&fragment, ph)) {
            lacking += 1;
            continue;
        }
        let labels = specific::title_words(reader, &fragment, p);
        let notes = source_notes(&fragment, query);
        let asked = asked_sections(&fragment, query);
        hits.push(Hit {
            page: p,
            section: asked_answer(units, &query.units, p, &asked, &notes)
                .unwrap_or_else(|| answer_section(units, &query.units, p, &labels, &notes)),
            score,
        });
    }
    Ok((hits, lacking))
}

/// Stems (folded) of the words a source-note heading is made of (`Merknad om kildene`, `Kilder`,
/// `Referanser`): such a section says where the facts come from, not what they are, so it is the
/// answer section only to a query about sources.
pub const SOURCE_NOTE_STEMS: [&str; 4] = ["kild", "merknad", "referans", "litteratur"];

/// Whether `heading` names a source-note section: every content word of it is one of
/// [`SOURCE_NOTE_STEMS`] (`Hva kildene sier` is not one: it says what the sources say).
pub fn is_source_note(heading: &str) -> bool {
    let stems: Vec<String> = analyse::tokens(&analyse::nfc(heading))
        .into_iter()
        .filter(|t| !t.joined && !analyse::is_query_stop(&t.text))
        .map(|t| analyse::fold(&analyse::stem(&t.text)))
        .collect();
    !stems.is_empty()
        && stems
            .iter()
            .all(|s| SOURCE_NOTE_STEMS.contains(&s.as_str()))
}

/// The source-note sections of a page (see [`is_source_note`]), none when the query asks about
/// sources (one of its words has a stem of [`SOURCE_NOTE_STEMS`]).
fn source_notes(f: &Fragment, query: &Query) -> Vec<u32> {
    let about_sources = query
        .units
        .iter()
        .flat_map(|u| &u.alts)
        .flat_map(|a| &a.words)
        .any(|w| SOURCE_NOTE_STEMS.contains(&analyse::fold(&w.stem).as_str()));
    if about_sources {
        return Vec::new();
    }
    (0..f.d.len() as u32)
        .filter(|&s| is_source_note(&f.d[s as usize].1))
        .collect()
}

/// Question words that ask for one kind of answer (a time, a person, a reason, a way, a
/// place): a section whose heading begins with the same word answers that question. Not `hva`
/// and `hvilke`: they begin headings that define or list (`Hva kurset er`) whatever is asked.
pub const ASKING_WORDS: [&str; 5] = ["hvem", "hvor", "hvordan", "hvorfor", "når"];

/// Sections whose heading begins with the [`ASKING_WORDS`] word the query begins with (`når …`
/// → «Når», «Når brukes L4»).
fn asked_sections(f: &Fragment, query: &Query) -> Vec<u32> {
    let Some(first) = query.units.first().filter(|u| u.stop) else {
        return Vec::new();
    };
    let word = &first.alts[0].words[0].text;
    if !ASKING_WORDS.contains(&word.as_str()) {
        return Vec::new();
    }
    (0..f.d.len() as u32)
        .filter(|&s| {
            analyse::tokens(&analyse::nfc(&f.d[s as usize].1))
                .first()
                .is_some_and(|t| t.text == *word)
        })
        .collect()
}

/// The answer section of page `p` when some of its sections are `asked` (see
/// [`asked_sections`]) and not source notes: the best of them for all words, the first of them
/// when none holds any word.
fn asked_answer(
    units: &[UnitScores],
    query_units: &[super::query::Unit],
    p: u32,
    asked: &[u32],
    notes: &[u32],
) -> Option<u32> {
    let open = |s: u32| asked.contains(&s) && !notes.contains(&s);
    let first = asked.iter().copied().find(|&s| open(s))?;
    let best = best_section_of(units, query_units, p, |_| true, open);
    Some(if best.1 > 0.0 { best.0 } else { first })
}

/// The section shown for page `p`: the words its title names (see [`specific::title_words`])
/// hold for every section under it, so the section that best holds the *other* words answers;
/// when the title names them all, or no section holds the others, the best section for all
/// words. Never one of `notes` (the page's source notes): the page's top instead.
fn answer_section(
    units: &[UnitScores],
    query_units: &[super::query::Unit],
    p: u32,
    labels: &[(String, String)],
    notes: &[u32],
) -> u32 {
    let other = |q: &super::query::Unit| !specific::unit_in(q, labels);
    let rest = query_units
        .iter()
        .take(units.len())
        .any(|q| other(q) && !q.stop);
    let kept = |s: u32| !notes.contains(&s);
    let best = best_section_of(units, query_units, p, other, kept);
    if rest && best.1 > 0.0 {
        best.0
    } else {
        best_section_of(units, query_units, p, |_| true, kept).0
    }
}

/// The section of page `p` with the highest combined score, and that score.
fn best_section(units: &[UnitScores], query_units: &[super::query::Unit], p: u32) -> (u32, f64) {
    best_section_of(units, query_units, p, |_| true, |_| true)
}

/// Of the sections of page `p` that `kept` keeps, the one with the highest combined score of the
/// query units `counted` keeps (the first section on a tie), and that score.
fn best_section_of(
    units: &[UnitScores],
    query_units: &[super::query::Unit],
    p: u32,
    counted: impl Fn(&super::query::Unit) -> bool,
    kept: impl Fn(u32) -> bool,
) -> (u32, f64) {
    let mut totals: BTreeMap<u32, f64> = BTreeMap::new();
    for (u, q) in units.iter().zip(query_units) {
        if !counted(q) {
            continue;
        }
        if let Some(secs) = u.sections.get(&p) {
            for (&s, &v) in secs {
                if kept(s) {
                    *totals.entry(s).or_insert(0.0) += q.weight * v;
                }
            }
        }
    }
    let mut best = (0, 0.0);
    for (s, v) in totals {
        if v > best.1 {
            best = (s, v);
        }
    }
    best
}

/// Whether the words of `phrase` stand together in any text of the fragment.
pub fn has_phrase(f: &Fragment, phrase: &[String]) -> bool {
    let texts = [&f.t, &f.c, &f.s, &f.k]
        .into_iter()
        .chain(f.d.iter().flat_map(|d| [&d.1, &d.2]));
    for t in texts {
        let words: Vec<String> = analyse::tokens(&analyse::nfc(t))
            .into_iter()
            .filter(|t| !t.joined)
            .map(|t| t.text)
            .collect();
        if words.windows(phrase.len()).any(|w| w == phrase) {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_score_takes_the_best_section_and_a_share_of_the_rest() {
        let s = page_score(&[(0, 1.0), (1, 4.0), (2, 2.0)]);
        assert!((s - (4.0 + OTHER_SECTIONS * 3.0)).abs() < 1e-12);
    }

    #[test]
    fn source_note_headings_are_told_from_headings_about_what_sources_say() {
        for h in [
            "Merknad om kildene",
            "Kilder",
            "Kildene",
            "Referanser",
            "Merknader",
        ] {
            assert!(is_source_note(h), "{h}");
        }
        for h in [
            "Hva kildene sier",
            "Enkeltparagrafer i kildene",
            "Når",
            "",
            "Om",
        ] {
            assert!(!is_source_note(h), "{h}");
        }
    }

    #[test]
    fn a_derivation_is_the_stem_and_one_noun_suffix_either_way() {
        assert!(derived("sykmeld", "sykmelding"));
        assert!(derived("tilrettelegging", "tilrettelegg"));
        assert!(derived("undersøk", "undersøkels"));
        assert!(!derived("sykmeld", "sykmeld"));
        assert!(!derived("sykmeld", "sykmeldingsgrad"));
        assert!(!derived("møte", "møteing"), "stems under five letters");
        assert!(!derived("sykmeld", "sykmeldte"));
    }

    #[test]
    fn most_content_words_must_match_not_all() {
        let need: Vec<usize> = (1..=6).map(min_should_match).collect();
        assert_eq!(need, [1, 1, 2, 2, 3, 3]);
    }
}
