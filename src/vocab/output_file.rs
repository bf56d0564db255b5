//! The file type every producing stage returns and `output` writes.

/// One file of the built site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    /// Path relative to the output folder, `/`-separated (`takster/l8/index.html`).
    pub path: String,
    pub bytes: Vec<u8>,
}

impl OutputFile {
    /// The `index.html` of the page at `url` (a folder URL ending in `/`, or empty for the root).
    pub fn html(url: &str, text: String) -> Self {
        Self {
            path: format!("{url}index.html"),
            bytes: text.into_bytes(),
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
