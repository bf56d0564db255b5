//! Search pages → the inverted index in memory: one entry per (key, kind of key) with its
//! postings, sorted the way the shards are cut.
//!
//! A document is one section of a page. Each posting carries a precomputed BM25F weight (field
//! weights, per-field length normalisation, term-frequency saturation), so the query side needs
//! no document lengths and no per-page metadata to rank. Keys are surface forms (NFC,
//! lowercase); compound parts found through the site's own vocabulary are separate *part*
//! entries. Entries are sorted by (folded key, key, part) so that a folded spelling sits next to
//! the original in the same shard. Pure and deterministic: the same pages give the same entries.

use rayon::prelude::*;

use super::analyse;
use super::compound;
use super::documents::SearchPage;
use super::posting::{FastMap, Posting};

/// The fields of a document, with their weight and length-normalisation strength `b`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(usize)]
pub(super) enum Field {
    Title,
    Code,
    Keywords,
    Facet,
    Heading,
    Summary,
    Body,
    /// A whole title, code or keyword value as one key (see [`whole_key`]).
    Whole,
}

const FIELD_COUNT: usize = 8;
/// Title > code… in weight; the code gets the highest so an exact code wins over any mention.
const WEIGHT: [f64; FIELD_COUNT] = [12.0, 12.0, 5.0, 1.5, 4.0, 2.0, 1.0, 10.0];
/// Length normalisation per field: the title is normalised (`Bodø kommune` beats `Legevakt i
/// Bodø` for `Bodø`), codes are not.
const B: [f64; FIELD_COUNT] = [1.0, 0.0, 0.5, 0.3, 0.5, 0.5, 0.75, 0.0];
const K1: f64 = 1.2;

/// A term occurring in more documents than this keeps only its highest-weighted postings: it
/// is too common to decide a query, and its list would dominate a shard.
pub(super) const MAX_POSTINGS: usize = 4096;

/// A key of the dictionary.
#[derive(Debug, Clone)]
pub(super) struct Entry {
    pub key: String,
    pub fold: String,
    /// Postings from compounds containing the key, not from the key itself.
    pub part: bool,
    /// `chars(key) - chars(stem(key))`.
    pub stem_suffix: u8,
    /// Number of documents holding the key (before truncation).
    pub df: u32,
    pub truncated: bool,
    /// Sorted by page, then section.
    pub postings: Vec<Posting>,
}

/// The index of a site.
#[derive(Debug, Clone, Default)]
pub(super) struct Index {
    pub entries: Vec<Entry>,
    /// Number of documents (sections).
    pub docs: u32,
}

/// One document once its terms are counted: term ids and their frequencies, in plain vectors.
/// Every document of the site is held until the average field lengths are known, so this is
/// what the index's memory grows with: a term found in one field only, as nearly all are, packs
/// its field and count into one `u32` (see [`pack`]); the others keep all fields in `multi`.
struct DocIds {
    section: u16,
    lens: [u32; FIELD_COUNT],
    terms: Vec<(u32, u32)>,
    multi: Vec<[u16; FIELD_COUNT]>,
}

/// The top four bits of a packed frequency that mean "all fields, at this index of `multi`";
/// any other value there is the one field the term occurs in.
const MULTI: u32 = 0xF;

/// Packs the frequencies `tf` of a term (see [`DocIds`]).
fn pack(tf: [u16; FIELD_COUNT], multi: &mut Vec<[u16; FIELD_COUNT]>) -> u32 {
    let mut fields = (0u32..).zip(tf).filter(|&(_, n)| n > 0);
    if let (Some((field, n)), None) = (fields.next(), fields.next()) {
        return field << 28 | u32::from(n);
    }
    multi.push(tf);
    MULTI << 28 | u32::try_from(multi.len() - 1).unwrap_or(0x0FFF_FFFF)
}

/// The frequencies [`pack`] packed.
fn unpack(packed: u32, multi: &[[u16; FIELD_COUNT]]) -> [u16; FIELD_COUNT] {
    let (field, low) = (packed >> 28, packed & 0x0FFF_FFFF);
    if field == MULTI {
        return multi[low as usize];
    }
    let mut tf = [0; FIELD_COUNT];
    tf[field as usize] = u16::try_from(low).unwrap_or(u16::MAX);
    tf
}

/// Pages counted in parallel at a time; their term strings live only until they are merged.
const BATCH_PAGES: usize = 256;
/// Pages one thread counts with one local dictionary ([`Run`]).
const RUN_PAGES: usize = 32;

/// The documents of a run of consecutive pages, counted by one thread with a dictionary of its
/// own: a term's string is allocated once per run rather than once per document, and merging a
/// run into the site's dictionary looks each of its terms up once.
#[derive(Default)]
struct Run {
    /// Term → id local to this run.
    ids: FastMap<String, u32>,
    /// Per local id: the term's frequencies in the document being read.
    counts: Vec<[u16; FIELD_COUNT]>,
    /// Local ids with a count in the document being read.
    touched: Vec<u32>,
    lens: [u32; FIELD_COUNT],
    lower: String,
    /// The documents of each page of the run, with local ids.
    pages: Vec<Vec<DocIds>>,
}

impl Run {
    /// The counts of `term` in the document being read.
    fn counts_of(&mut self, term: &str) -> &mut [u16; FIELD_COUNT] {
        let id = if let Some(&id) = self.ids.get(term) {
            id
        } else {
            let id = u32::try_from(self.ids.len()).unwrap_or(u32::MAX);
            self.ids.insert(term.to_owned(), id);
            self.counts.push([0; FIELD_COUNT]);
            id
        };
        let counts = &mut self.counts[id as usize];
        if *counts == [0; FIELD_COUNT] {
            self.touched.push(id);
        }
        counts
    }

    fn add_text(&mut self, field: Field, text: &str) {
        let f = field as usize;
        let mut lower = std::mem::take(&mut self.lower);
        analyse::for_each_token(&analyse::nfc(text), |raw, _, joined, _, _| {
            if !joined {
                self.lens[f] += 1;
            }
            analyse::lowercase_into(raw, &mut lower);
            let tf = self.counts_of(&lower);
            tf[f] = tf[f].saturating_add(1);
        });
        self.lower = lower;
    }

    fn add_whole(&mut self, text: &str) {
        if let Some(key) = whole_key(text) {
            self.counts_of(&key)[Field::Whole as usize] = 1;
        }
    }

    /// Ends the document being read: section `section` of the current page.
    fn end_doc(&mut self, section: usize) -> DocIds {
        let counts = &mut self.counts;
        let mut multi = Vec::new();
        let terms = self
            .touched
            .drain(..)
            .map(|id| {
                (
                    id,
                    pack(std::mem::take(&mut counts[id as usize]), &mut multi),
                )
            })
            .collect();
        DocIds {
            section: u16::try_from(section).unwrap_or(u16::MAX),
            lens: std::mem::take(&mut self.lens),
            terms,
            multi,
        }
    }

    /// Reads the documents of `page`: one per section; the first also holds the title, code,
    /// keywords, facet labels and summary.
    fn add_page(&mut self, page: &SearchPage<'_>, facet_labels: &[String]) {
        let mut docs = Vec::with_capacity(page.sections.len());
        for (i, s) in page.sections.iter().enumerate() {
            if i == 0 {
                self.add_text(Field::Title, &page.title);
                // A code without a digit (`Dialogmøte`, `Konsultasjon`) is a name standing in for
                // a code the sources do not give: it weighs as a keyword, or it would outrank the
                // page that the word names.
                let code = if page.code.chars().any(char::is_numeric) {
                    Field::Code
                } else {
                    Field::Keywords
                };
                self.add_text(code, &page.code);
                self.add_whole(&page.title);
                self.add_whole(&page.code);
                for k in &page.keywords {
                    self.add_text(Field::Keywords, k);
                    self.add_whole(k);
                }
                for l in facet_labels {
                    self.add_text(Field::Facet, l);
                }
                self.add_text(Field::Summary, &page.summary);
            }
            self.add_text(Field::Heading, &s.heading);
            self.add_text(Field::Body, &s.text);
            docs.push(self.end_doc(i));
        }
        self.pages.push(docs);
    }

    /// Puts the run's terms into the site's dictionary `ids` and its documents, with the site's
    /// ids, after those already in `docs`; counts the documents of each term in `df`.
    fn merge_into(
        self,
        ids: &mut FastMap<String, u32>,
        docs: &mut Vec<Vec<DocIds>>,
        df: &mut Vec<u32>,
    ) {
        let mut global = vec![0u32; self.ids.len()];
        for (term, local) in self.ids {
            let next = u32::try_from(ids.len()).unwrap_or(u32::MAX);
            global[local as usize] = *ids.entry(term).or_insert(next);
        }
        df.resize(ids.len(), 0);
        for mut page in self.pages {
            for d in &mut page {
                for (id, _) in &mut d.terms {
                    *id = global[*id as usize];
                    df[*id as usize] += 1;
                }
            }
            docs.push(page);
        }
    }
}

/// Longest value (in words) that gets a whole-value key.
pub(super) const WHOLE_MAX_WORDS: usize = 8;

/// The key of a whole value: `=` and the folded stems of its words, space-separated, so `EPJ`
/// typed alone finds the page whose abbreviation is `EPJ`, and `dialogmøtene` the page titled
/// `Dialogmøter`. No token contains a space, so these keys never meet a word.
pub(super) fn whole_key(text: &str) -> Option<String> {
    let words: Vec<String> = analyse::tokens(&analyse::nfc(text))
        .into_iter()
        .filter(|t| !t.joined)
        .map(|t| analyse::fold(&analyse::stem(&t.text)))
        .collect();
    (!words.is_empty() && words.len() <= WHOLE_MAX_WORDS).then(|| format!("={}", words.join(" ")))
}

/// The labels a page is found by besides its own words (kind and filter labels).
pub(super) type FacetLabels<'f> = dyn Fn(&SearchPage<'_>) -> Vec<String> + Sync + 'f;

/// Pass 1 of the index, fed a slice of pages at a time (in index order) so the caller can release
/// each slice's texts once it is counted: term frequencies and field lengths per document, every
/// term string once in the dictionary, documents holding term ids.
#[derive(Default)]
pub(super) struct Counter {
    ids: FastMap<String, u32>,
    docs: Vec<Vec<DocIds>>,
    df: Vec<u32>,
    /// The last batch counted, merged while the next one is counted (or by [`Counter::finish`]).
    /// Runs own their terms, so the pages they came from may be released at once.
    pending: Option<Vec<Run>>,
}

impl Counter {
    /// Counts `pages`, the next pages in index order: in parallel a batch of pages at a time,
    /// while the previous batch is merged into the dictionary.
    pub(super) fn add(&mut self, pages: &[SearchPage<'_>], facet_labels: &FacetLabels<'_>) {
        for batch in pages.chunks(BATCH_PAGES) {
            let previous = self.pending.take();
            let (ids, docs, df) = (&mut self.ids, &mut self.docs, &mut self.df);
            let ((), counted) = rayon::join(
                || {
                    for run in previous.into_iter().flatten() {
                        run.merge_into(ids, docs, df);
                    }
                },
                || {
                    batch
                        .par_chunks(RUN_PAGES)
                        .map(|pages| {
                            let mut run = Run::default();
                            for p in pages {
                                run.add_page(p, &facet_labels(p));
                            }
                            run
                        })
                        .collect::<Vec<_>>()
                },
            );
            self.pending = Some(counted);
        }
    }

    /// Passes 2 and 3: the weights once the average field lengths are known, and the entries.
    pub(super) fn finish(mut self) -> Index {
        for run in self.pending.take().into_iter().flatten() {
            run.merge_into(&mut self.ids, &mut self.docs, &mut self.df);
        }
        let Self { ids, docs, df, .. } = self;
        let mut sum = [0f64; FIELD_COUNT];
        let mut count = [0f64; FIELD_COUNT];
        let mut n_docs = 0u32;
        for d in docs.iter().flatten() {
            n_docs += 1;
            for f in 0..FIELD_COUNT {
                if d.lens[f] > 0 {
                    sum[f] += f64::from(d.lens[f]);
                    count[f] += 1.0;
                }
            }
        }
        let avg: [f64; FIELD_COUNT] = std::array::from_fn(|f| {
            if count[f] > 0.0 {
                sum[f] / count[f]
            } else {
                1.0
            }
        });

        // The compound words, known from the vocabulary alone: their parts inherit their whole
        // postings lists, so only their lists are kept whole through pass 2.
        let mut keys = vec![String::new(); ids.len()];
        for (key, id) in ids {
            keys[id as usize] = key;
        }
        let (compounds, parts_of): (Vec<u32>, Vec<Vec<String>>) = {
            let by_key: FastMap<&str, u32> =
                (0u32..).zip(&keys).map(|(i, k)| (k.as_str(), i)).collect();
            compound::splits(keys.iter().map(String::as_str))
                .into_iter()
                .map(|(word, parts)| (by_key[word], parts))
                .unzip()
        };
        let mut whole = vec![false; keys.len()];
        for &c in &compounds {
            whole[c as usize] = true;
        }

        // Pass 2: weights, in page order so every postings list comes out sorted (a term occurs
        // once per document, so the order of terms inside a document does not matter). The
        // postings are the stage's largest data: each list is allocated at its final length, and
        // the list of a word that is no compound keeps only its best postings on the way
        // ([`keep_best`]: at 100,000 pages common words hold most of the site's postings).
        let mut lists: Vec<Vec<Posting>> = df
            .iter()
            .zip(&whole)
            .map(|(&n, &whole)| {
                let n = n as usize;
                Vec::with_capacity(if whole { n } else { n.min(2 * MAX_POSTINGS) })
            })
            .collect();
        for (page, page_docs) in docs.into_iter().enumerate() {
            let page = u32::try_from(page).unwrap_or(u32::MAX);
            for d in page_docs {
                for (id, packed) in d.terms {
                    let posting = Posting {
                        page,
                        section: d.section,
                        weight: bm25f(&unpack(packed, &d.multi), &d.lens, &avg) as f32,
                    };
                    push_capped(&mut lists[id as usize], posting, whole[id as usize]);
                }
            }
        }

        // Compound parts, from the site's own vocabulary.
        let parts = compound::part_postings(&parts_of, |i| &lists[compounds[i] as usize]);
        drop(parts_of);

        let mut entries: Vec<Entry> = keys
            .into_par_iter()
            .zip(lists)
            .zip(df)
            .map(|((k, p), df)| entry(k, false, p, df))
            .chain(parts.into_par_iter().map(|(k, p)| {
                let df = u32::try_from(p.len()).unwrap_or(u32::MAX);
                entry(k, true, p, df)
            }))
            .collect();
        entries
            .par_sort_unstable_by(|a, b| (&a.fold, &a.key, a.part).cmp(&(&b.fold, &b.key, b.part)));
        Index {
            entries,
            docs: n_docs,
        }
    }
}

/// Builds the index. `facet_labels(page)` gives the kind and filter labels a page is found by.
#[cfg(test)]
pub(super) fn build(pages: &[SearchPage<'_>], facet_labels: &FacetLabels<'_>) -> Index {
    let mut counter = Counter::default();
    counter.add(pages, facet_labels);
    counter.finish()
}

fn bm25f(tf: &[u16; FIELD_COUNT], lens: &[u32; FIELD_COUNT], avg: &[f64; FIELD_COUNT]) -> f64 {
    let mut w = 0.0;
    for f in 0..FIELD_COUNT {
        if tf[f] == 0 {
            continue;
        }
        let tf = f64::from(tf[f]);
        let norm = 1.0 - B[f] + B[f] * f64::from(lens[f]) / avg[f];
        w += WEIGHT[f] * tf * (K1 + 1.0) / (tf + K1 * norm);
    }
    w
}

/// Keeps the best [`MAX_POSTINGS`] of `postings` by weight (ties by position, so the set is
/// always the same), in no particular order, selected in linear time. The best of a list are the
/// best of the best of its first part and the rest, so a list may be cut down while it grows.
fn keep_best(postings: &mut Vec<Posting>) {
    postings.select_nth_unstable_by(MAX_POSTINGS - 1, |a, b| {
        b.weight
            .total_cmp(&a.weight)
            .then((a.page, a.section).cmp(&(b.page, b.section)))
    });
    postings.truncate(MAX_POSTINGS);
}

/// Adds `posting` to `list`; a list that need not be kept whole (no compound's: only its best
/// postings are ever written) is cut to its best whenever it reaches twice [`MAX_POSTINGS`].
fn push_capped(list: &mut Vec<Posting>, posting: Posting, whole: bool) {
    if list.len() == 2 * MAX_POSTINGS && !whole {
        keep_best(list);
    }
    list.push(posting);
}

/// The entry of `key` with its postings (all of them, or the best of them when [`keep_best`] cut
/// them down on the way) and `df`, the number of documents holding it.
fn entry(key: String, part: bool, mut postings: Vec<Posting>, df: u32) -> Entry {
    let truncated = df as usize > MAX_POSTINGS;
    if truncated {
        // Common words have tens of thousands of postings.
        if postings.len() > MAX_POSTINGS {
            keep_best(&mut postings);
        }
        // The rest of a common word's list is not needed again: give it back now, not when
        // the index is dropped.
        postings.shrink_to_fit();
        postings.sort_by_key(|p| (p.page, p.section));
    }
    let stem_suffix = key.chars().count() - analyse::stem(&key).chars().count();
    Entry {
        fold: analyse::fold(&key),
        stem_suffix: u8::try_from(stem_suffix).unwrap_or(u8::MAX),
        key,
        part,
        df,
        truncated,
        postings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::documents::SearchSection;

    fn page<'a>(title: &str, body: &'a str) -> SearchPage<'a> {
        SearchPage {
            id: title.to_lowercase(),
            url: String::new(),
            title: title.into(),
            code: String::new(),
            summary: String::new(),
            keywords: Vec::new(),
            kind: 0,
            filters: Vec::new(),
            sections: vec![SearchSection {
                text: body.into(),
                ..SearchSection::default()
            }],
        }
    }

    fn find<'a>(ix: &'a Index, key: &str, part: bool) -> Option<&'a Entry> {
        ix.entries.iter().find(|e| e.key == key && e.part == part)
    }

    /// Issue 17: a common word's list cut down to its best postings while it grows ends as the
    /// list selected whole at the end, ties of weight included.
    #[test]
    fn cutting_a_list_down_while_it_grows_keeps_the_same_best_postings() {
        let n = 5 * MAX_POSTINGS + 123;
        let postings: Vec<Posting> = (0..n)
            .map(|i| Posting {
                page: u32::try_from(i / 3).unwrap(),
                section: u16::try_from(i % 3).unwrap(),
                // Few distinct weights, so many ties.
                weight: f32::from(u16::try_from((i * 7919) % 61).unwrap()),
            })
            .collect();
        let df = u32::try_from(n).unwrap();
        let whole = entry("ord".into(), false, postings.clone(), df);
        let mut grown = Vec::new();
        for p in postings {
            push_capped(&mut grown, p, false);
        }
        assert!(grown.len() <= 2 * MAX_POSTINGS, "cut down on the way");
        let cut = entry("ord".into(), false, grown, df);
        assert!(whole.truncated && cut.truncated);
        assert_eq!((whole.df, cut.df), (df, df));
        assert_eq!(whole.postings.len(), MAX_POSTINGS);
        assert!(whole.postings == cut.postings);
    }

    #[test]
    fn packed_frequencies_unpack_to_what_was_counted() {
        let mut multi = Vec::new();
        let mut cases = vec![[0u16; FIELD_COUNT]; 0];
        for f in 0..FIELD_COUNT {
            for n in [1, 2, 255, 256, u16::MAX] {
                let mut tf = [0; FIELD_COUNT];
                tf[f] = n;
                cases.push(tf);
            }
        }
        cases.push([1, 0, 0, 0, 0, 0, 3, 0]);
        cases.push([0, 0, 0, 0, 2, 0, u16::MAX, 1]);
        let packed: Vec<u32> = cases.iter().map(|&tf| pack(tf, &mut multi)).collect();
        assert_eq!(multi.len(), 2, "only terms of several fields go to `multi`");
        for (tf, p) in cases.iter().zip(packed) {
            assert_eq!(unpack(p, &multi), *tf);
        }
    }

    #[test]
    fn counting_by_runs_gives_the_same_index_as_one_page_at_a_time() {
        // More pages than a run and a batch, with words shared between and within runs.
        let bodies: Vec<String> = (0..(BATCH_PAGES + RUN_PAGES + 5))
            .map(|i| {
                format!(
                    "ord{} felles tekst felles ord{} sykmelding-L8",
                    i % 7,
                    i % 13
                )
            })
            .collect();
        let pages: Vec<SearchPage<'_>> = bodies
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let mut p = page(&format!("Side {i}"), b);
                p.keywords = vec![format!("nøkkel {}", i % 3)];
                p
            })
            .collect();
        let all = build(&pages, &|_| vec!["Takst".to_owned()]);
        for (i, p) in pages.iter().enumerate().step_by(37) {
            let alone = build(std::slice::from_ref(p), &|_| vec!["Takst".to_owned()]);
            for e in &alone.entries {
                let same = all
                    .entries
                    .iter()
                    .find(|a| a.key == e.key && a.part == e.part)
                    .unwrap();
                let here: Vec<u16> = same
                    .postings
                    .iter()
                    .filter(|q| q.page as usize == i)
                    .map(|q| q.section)
                    .collect();
                assert_eq!(here, [0], "{} on page {i}", e.key);
            }
        }
        let felles = all.entries.iter().find(|e| e.key == "felles").unwrap();
        assert_eq!(felles.df as usize, pages.len());
    }

    #[test]
    fn titles_outweigh_bodies_and_short_titles_outweigh_long_ones() {
        let pages = [
            page("Bodø kommune", "Tekst."),
            page("Legevakt i Bodø sentrum nord", "Tekst."),
            page("Annet", "Bodø nevnes her."),
        ];
        let ix = build(&pages, &|_| Vec::new());
        let e = find(&ix, "bodø", false).unwrap();
        let w: Vec<f32> = e.postings.iter().map(|p| p.weight).collect();
        assert!(w[0] > w[1] && w[1] > w[2], "{w:?}");
    }

    #[test]
    fn entries_sort_by_folded_key_so_variants_are_neighbours() {
        let pages = [page("Rådgivende lege", "radgivende raske")];
        let ix = build(&pages, &|_| Vec::new());
        let keys: Vec<&str> = ix.entries.iter().map(|e| e.key.as_str()).collect();
        let a = keys.iter().position(|k| *k == "radgivende").unwrap();
        assert_eq!(keys[a + 1], "rådgivende");
    }

    #[test]
    fn compound_parts_are_found_through_the_vocabulary() {
        let pages = [page("Møtegodtgjørelse", "Godtgjørelse for møte.")];
        let ix = build(&pages, &|_| Vec::new());
        assert!(find(&ix, "godtgjørelse", true).is_some());
        assert!(find(&ix, "møte", true).is_some());
    }

    #[test]
    fn the_index_is_deterministic() {
        let pages: Vec<SearchPage> = (0..40)
            .map(|i| {
                page(
                    &format!("Side {i}"),
                    "fastlege legevakt sykmelding takst L8 14",
                )
            })
            .collect();
        let a = build(&pages, &|_| Vec::new());
        let b = build(&pages, &|_| Vec::new());
        let keys = |ix: &Index| {
            ix.entries
                .iter()
                .map(|e| format!("{}{}{:?}", e.key, e.part, e.postings))
                .collect::<Vec<_>>()
        };
        assert_eq!(keys(&a), keys(&b));
    }
}
