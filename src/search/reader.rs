//! Reading the split index back: the manifest, then only the term shards and fragments a query
//! asks for, each read and decoded once and cached. The query side sees the index only through [`IndexFiles`], the way the browser sees
//! it through HTTP or `file://`.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use super::analyse;
use super::format::{self, Fragment, Manifest, Shard};
use crate::vocab::OutputFile;

/// Where the index files come from (a built site in memory, or a folder read file by file as
/// the query asks for them). [`Reader`] asks for each file at most once.
pub trait IndexFiles {
    /// The bytes of the file at `path` (site-relative), if there is one.
    fn file(&self, path: &str) -> Option<Cow<'_, [u8]>>;
}

impl IndexFiles for [OutputFile] {
    fn file(&self, path: &str) -> Option<Cow<'_, [u8]>> {
        self.binary_search_by(|f| f.path.as_str().cmp(path))
            .ok()
            .map(|i| Cow::Borrowed(&self[i].bytes[..]))
    }
}

impl IndexFiles for HashMap<String, Vec<u8>> {
    fn file(&self, path: &str) -> Option<Cow<'_, [u8]>> {
        self.get(path).map(|b| Cow::Borrowed(b.as_slice()))
    }
}

/// A decoded dictionary entry.
#[derive(Debug, Clone)]
pub struct DecodedEntry {
    pub key: String,
    pub fold: String,
    pub stem: String,
    pub stem_fold: String,
    /// Length of `key` and `fold` in characters.
    pub len: usize,
    pub fold_len: usize,
    pub has_digit: bool,
    pub idf: f64,
    pub truncated: bool,
    pub part: bool,
    /// `(page, section, weight level)`.
    pub postings: Vec<(u32, u32, usize)>,
}

/// Why the index could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("search index file `{0}` is missing")]
    Missing(String),
    #[error("search index file `{0}` is damaged")]
    Damaged(String),
    #[error("the search index has format {0}, this veiviser reads format {expected}", expected = format::VERSION)]
    Version(u32),
}

/// The index, read lazily from `files`.
pub struct Reader<'a> {
    files: &'a dyn IndexFiles,
    pub manifest: Manifest,
    shards: RefCell<HashMap<usize, Rc<Vec<DecodedEntry>>>>,
    fragments: RefCell<HashMap<usize, Rc<Fragment>>>,
}

fn json<T: serde::de::DeserializeOwned>(
    files: &dyn IndexFiles,
    path: &str,
) -> Result<T, ReadError> {
    let bytes = files
        .file(path)
        .ok_or_else(|| ReadError::Missing(path.to_owned()))?;
    format::unscript(&bytes)
        .and_then(|j| serde_json::from_slice(j).ok())
        .ok_or_else(|| ReadError::Damaged(path.to_owned()))
}

impl<'a> Reader<'a> {
    /// Reads the manifest.
    pub fn open(files: &'a dyn IndexFiles) -> Result<Self, ReadError> {
        let manifest: Manifest = json(files, format::MANIFEST)?;
        if manifest.version != format::VERSION {
            return Err(ReadError::Version(manifest.version));
        }
        Ok(Self {
            files,
            manifest,
            shards: RefCell::default(),
            fragments: RefCell::default(),
        })
    }

    /// The shard whose range holds folded key `key`.
    pub fn shard_of(&self, key: &str) -> usize {
        let bounds = &self.manifest.shards.bounds;
        bounds
            .partition_point(|b| b.as_str() <= key)
            .saturating_sub(1)
    }

    /// Number of shards.
    pub fn shard_count(&self) -> usize {
        self.manifest.shards.bounds.len()
    }

    /// The entries of shard `n`.
    pub fn shard(&self, n: usize) -> Result<Rc<Vec<DecodedEntry>>, ReadError> {
        if let Some(s) = self.shards.borrow().get(&n) {
            return Ok(Rc::clone(s));
        }
        let path = format::shard_path(&self.manifest.shards, n);
        let shard: Shard = json(self.files, &path)?;
        let mut entries = Vec::with_capacity(shard.e.len());
        for (key, meta, postings) in shard.e {
            let (idf16, suffix, truncated, part) = format::unpack_meta(meta);
            let len = key.chars().count();
            let stem: String = key.chars().take(len.saturating_sub(suffix)).collect();
            let fold = analyse::fold(&key);
            entries.push(DecodedEntry {
                fold_len: fold.chars().count(),
                stem_fold: analyse::fold(&stem),
                has_digit: key.chars().any(char::is_numeric),
                postings: format::decode_postings(&postings)
                    .ok_or_else(|| ReadError::Damaged(path.clone()))?,
                key,
                fold,
                stem,
                len,
                idf: f64::from(idf16) / 16.0,
                truncated,
                part,
            });
        }
        let entries = Rc::new(entries);
        self.shards.borrow_mut().insert(n, Rc::clone(&entries));
        Ok(entries)
    }

    /// The fragment of page `p`.
    pub fn fragment(&self, p: usize) -> Result<Rc<Fragment>, ReadError> {
        if let Some(f) = self.fragments.borrow().get(&p) {
            return Ok(Rc::clone(f));
        }
        let path = format::fragment_path(&self.manifest.fragments, p);
        let f: Rc<Fragment> = Rc::new(json(self.files, &path)?);
        self.fragments.borrow_mut().insert(p, Rc::clone(&f));
        Ok(f)
    }

    /// Kind index and filter values (`0`: none, else value + 1) of page `p`.
    pub fn facets_of(&self, p: u32) -> (usize, &[u32]) {
        let ranges = &self.manifest.ranges;
        let i = ranges.partition_point(|r| r[0] <= p).saturating_sub(1);
        ranges
            .get(i)
            .map_or((0, &[][..]), |r| (r[1] as usize, &r[2..]))
    }
}
