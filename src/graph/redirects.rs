//! Entry points that redirect to a page: its `aliases:` (earlier URLs) and the short URLs made
//! from its kind's `code_field` (`/takster/L8/` and `/takster/l8/` both lead to the page of
//! tariff L8, since codes are what GPs type).
//!
//! In: the graph's pages, URLs and the schema. Out: every redirect with its target page, and an
//! error for every entry point that would shadow a page, a page the site generates or an entry
//! point of another page. Renders nothing and touches no disk; the html stage writes the redirect
//! pages.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::config::Config;
use crate::error::Diagnostic;
use crate::graph::{PageIx, SiteGraph, links, section_url};
use crate::page::Page;
use crate::yaml::Seg;

/// Why a redirect exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RedirectKind {
    /// An `aliases:` entry.
    Alias,
    /// A short URL made from the page's code.
    Code,
}

/// One redirect page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    /// Site-relative URL without leading slash (`takster/L8/`).
    pub from: String,
    pub to: PageIx,
    pub kind: RedirectKind,
}

/// Longest code that gets a short URL; longer "codes" are titles, not something anyone types.
const MAX_CODE_LEN: usize = 40;

/// The path segments a code is reachable under: as written, lowercase and uppercase. `None` when
/// the code is not a plain token of ASCII letters, digits, `-`, `.` and `_` (`§ 8-4`,
/// `NAV 08-07.04` and names with spaces or `æøå` get no short URL: they are references, not codes
/// typed into an address bar).
pub(super) fn code_segments(code: &str) -> Option<Vec<String>> {
    let ok = !code.is_empty()
        && code.len() <= MAX_CODE_LEN
        && code.starts_with(|c: char| c.is_ascii_alphanumeric())
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'));
    if !ok {
        return None;
    }
    let mut segments = vec![
        code.to_owned(),
        code.to_ascii_lowercase(),
        code.to_ascii_uppercase(),
    ];
    segments.dedup();
    segments.sort();
    segments.dedup();
    Some(segments)
}

/// The code of `page` and the site-relative short URLs it is reachable under (including the
/// page's own URL when a variant equals it).
pub fn code_urls(page: &Page, config: &Config) -> Option<(String, Vec<String>)> {
    let kind = config.kinds.get(page.kind.as_deref()?)?;
    let field = kind.code_field.as_deref()?;
    let code = page.fields.get(field)?.display();
    let urls = code_segments(&code)?
        .into_iter()
        .map(|s| format!("{}{s}/", section_url(&kind.section)))
        .collect();
    Some((code, urls))
}

/// Collects the redirects of every page, reporting collisions.
pub(super) fn collect(
    graph: &SiteGraph,
    config: &Config,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Redirect> {
    let generated = links::generated_urls(graph);
    let mut taken: HashMap<String, PageIx> = HashMap::new();
    let mut redirects = Vec::new();
    for (ix, page) in graph.pages.iter().enumerate() {
        for alias in &page.aliases {
            let key = alias.trim_start_matches('/').to_owned();
            let at = page.locate(&[Seg::Key("aliases"), Seg::Value(alias.trim_end_matches('/'))]);
            let clash = if let Some(&t) = graph.by_url.get(&key) {
                Some(format!(
                    "alias {alias} is the URL of {}",
                    graph.pages[t].file
                ))
            } else if generated.contains(&key) || crate::vocab::generated_folder_of(&key).is_some()
            {
                Some(format!("alias {alias} is a page the site generates"))
            } else {
                taken.get(&key).map(|&other| {
                    format!(
                        "alias {alias} is also an alias of {}",
                        graph.pages[other].file
                    )
                })
            };
            if let Some(msg) = clash {
                diags.push(
                    Diagnostic::error(&page.file, at, "alias-collision", msg).with_hint(
                        "an alias must be an old URL that no longer has a page of its own",
                    ),
                );
            } else {
                taken.insert(key.clone(), ix);
                redirects.push(Redirect {
                    from: key,
                    to: ix,
                    kind: RedirectKind::Alias,
                });
            }
        }
    }
    for (ix, page) in graph.pages.iter().enumerate() {
        let Some((code, urls)) = code_urls(page, config) else {
            continue;
        };
        let mut reported = HashSet::new();
        for url in urls {
            if url == page.url || taken.get(&url) == Some(&ix) {
                continue;
            }
            let other = graph
                .by_url
                .get(&url)
                .map(|&t| format!("the URL of {}", graph.pages[t].file))
                .or_else(|| {
                    generated
                        .contains(&url)
                        .then(|| "a page the site generates".to_owned())
                })
                .or_else(|| {
                    taken
                        .get(&url)
                        .map(|&t| format!("already an entry point of {}", graph.pages[t].file))
                });
            let Some(what) = other else {
                taken.insert(url.clone(), ix);
                redirects.push(Redirect {
                    from: url,
                    to: ix,
                    kind: RedirectKind::Code,
                });
                continue;
            };
            if reported.insert(what.clone()) {
                let field = config
                    .kinds
                    .get(page.kind.as_deref().unwrap_or_default())
                    .and_then(|k| k.code_field.as_deref())
                    .unwrap_or("kode");
                diags.push(
                    Diagnostic::error(
                        &page.file,
                        page.locate(&[Seg::Key(field), Seg::Value(&code)]),
                        "code-url-collision",
                        format!("the short URL /{url} of code `{code}` is {what}"),
                    )
                    .with_hint("a code becomes a short URL of its page (as written, lowercase and uppercase); change the code or rename the other page's file")
                    .with_span(code.chars().count())
                    .about(format!("code:{}:{code}", page.file)),
                );
            }
        }
    }
    redirects.sort_by(|a, b| a.from.cmp(&b.from));
    redirects
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_become_case_variants_only_when_they_are_plain_tokens() {
        assert_eq!(code_segments("L8").unwrap(), ["L8", "l8"]);
        assert_eq!(code_segments("14").unwrap(), ["14"]);
        assert_eq!(
            code_segments("L-takster").unwrap(),
            ["L-TAKSTER", "L-takster", "l-takster"]
        );
        for not_a_code in [
            "§ 8-4",
            "NAV 08-07.04",
            "Dialogmøte",
            "",
            ".hidden",
            "../x",
            "a/b",
        ] {
            assert_eq!(code_segments(not_a_code), None, "{not_a_code}");
        }
    }
}
