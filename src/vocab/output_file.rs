//! The file type every producing stage returns and `output` writes.

use bytes::Bytes;

/// One file of the built site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    /// Path relative to the output folder, `/`-separated (`takster/l8/index.html`).
    pub path: String,
    /// Shared, not copied, when a file is cloned: `serve` keeps rendered pages between compiles
    /// and hands them to its HTTP server.
    pub bytes: Bytes,
}

impl OutputFile {
    /// The `index.html` of the page at `url` (a folder URL ending in `/`, or empty for the root).
    pub fn html(url: &str, mut text: String) -> Self {
        // Templates grow their buffers by doubling; without this a site's pages would hold about
        // a third more memory than their bytes until written (`Bytes` keeps the capacity).
        text.shrink_to_fit();
        Self {
            path: format!("{url}index.html"),
            bytes: Bytes::from(text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_files_are_the_index_of_their_folder_url() {
        assert_eq!(
            OutputFile::html("takster/l8/", "x".into()).path,
            "takster/l8/index.html"
        );
        assert_eq!(OutputFile::html("", "x".into()).path, "index.html");
    }
}
