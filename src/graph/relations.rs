//! Relations between pages: `ref`/`refs` fields resolved to pages, and their inverse (backlinks).
//!
//! A relation is written once, on one page; the target lists it back under the field's
//! `inverse_label`. When both ends wrote it, the backlink is left out so nothing shows twice.

use std::collections::{HashMap, HashSet};

use crate::config::{Config, FieldDef};
use crate::error::Diagnostic;
use crate::graph::{PageIx, SiteGraph, suggest_id};
use crate::yaml::Seg;

/// Label of backlinks from a field without an `inverse_label`.
pub(super) const DEFAULT_INVERSE_LABEL: &str = "Nevnt av";

/// Related pages under one label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationGroup {
    /// Field name for forward relations; `""` for backlinks.
    pub field: String,
    pub label: String,
    pub pages: Vec<PageIx>,
}

type Groups = Vec<Vec<RelationGroup>>;

/// Resolves every relation field; returns (forward groups, backlink groups) per page.
pub(super) fn resolve(
    graph: &SiteGraph,
    config: &Config,
    drafts: &HashMap<String, String>,
    diags: &mut Vec<Diagnostic>,
) -> (Groups, Groups) {
    let n = graph.pages.len();
    let resolver = Resolver { graph, drafts };
    let mut forward: Groups = vec![Vec::new(); n];
    // Per target: (inverse label, source), sources in page order.
    let mut inverse: Vec<Vec<(String, PageIx)>> = vec![Vec::new(); n];
    for (i, page) in graph.pages.iter().enumerate() {
        let Some(kind) = page.kind.as_deref().and_then(|k| config.kinds.get(k)) else {
            continue;
        };
        for (field, value) in &page.fields {
            let Some(def) = kind.fields.get(field).filter(|d| d.ty.is_relation()) else {
                continue;
            };
            let mut targets = Vec::new();
            for id in value.ids() {
                match resolver.target(i, field, def, id) {
                    Err(d) => diags.push(d),
                    Ok(t) if !targets.contains(&t) => {
                        targets.push(t);
                        let label = def
                            .inverse_label
                            .clone()
                            .unwrap_or_else(|| DEFAULT_INVERSE_LABEL.to_owned());
                        inverse[t].push((label, i));
                    }
                    Ok(_) => {}
                }
            }
            if !targets.is_empty() {
                forward[i].push(RelationGroup {
                    field: field.clone(),
                    label: def.label(field).to_owned(),
                    pages: targets,
                });
            }
        }
    }
    let backlinks = backlink_groups(graph, config, &forward, inverse);
    (forward, backlinks)
}

/// What resolving one relation needs to know besides the relation.
struct Resolver<'a> {
    graph: &'a SiteGraph,
    /// Draft pages by id (left out of the build), for the hint of a reference to one.
    drafts: &'a HashMap<String, String>,
}

impl Resolver<'_> {
    /// The page `id` names in field `field` (declared `def`) of page `from`, or the problem: no
    /// such page, a page of the wrong kind, or the page itself.
    fn target(
        &self,
        from: PageIx,
        field: &str,
        def: &FieldDef,
        id: &str,
    ) -> Result<PageIx, Diagnostic> {
        let graph = self.graph;
        let page = &graph.pages[from];
        // Located only when there is something to report: the text scan is not free.
        let at = || page.locate(&[Seg::Key(field), Seg::Value(id)]);
        let Some(&t) = graph.by_id.get(id) else {
            let mut d = Diagnostic::error(
                &page.file,
                at(),
                "dangling-ref",
                format!("`{field}` refers to `{id}`, which is not a page"),
            )
            .about(format!("id:{id}"))
            .with_span(id.chars().count());
            if let Some(file) = self.drafts.get(id) {
                d = d.with_hint(format!(
                    "{file} is a draft; drafts are left out of the build"
                ));
            } else if let Some(h) = suggest_id(graph, id) {
                d = d.with_hint(h);
            }
            return Err(d);
        };
        let target = &graph.pages[t];
        if let Some(to) = &def.to
            && target.kind.as_deref() != Some(to.as_str())
        {
            return Err(Diagnostic::error(
                &page.file,
                at(),
                "wrong-kind",
                format!(
                    "`{field}` takes `{to}` pages, but `{id}` is a {}",
                    target.kind.as_deref().unwrap_or("plain page")
                ),
            ));
        }
        if t == from {
            return Err(Diagnostic::error(
                &page.file,
                at(),
                "self-ref",
                format!("`{field}` refers to the page itself"),
            ));
        }
        Ok(t)
    }
}

/// Per page, the relations other pages wrote to it, grouped by inverse label: relations the
/// page also wrote itself are left out, and each group is sorted by kind, then title.
fn backlink_groups(
    graph: &SiteGraph,
    config: &Config,
    forward: &Groups,
    inverse: Vec<Vec<(String, PageIx)>>,
) -> Groups {
    let mut groups: Groups = inverse
        .into_iter()
        .enumerate()
        .map(|(t, sources)| {
            let already: HashSet<PageIx> = forward[t]
                .iter()
                .flat_map(|g| g.pages.iter().copied())
                .collect();
            let mut groups: Vec<RelationGroup> = Vec::new();
            for (label, src) in sources {
                if already.contains(&src) {
                    continue;
                }
                // Sources arrive in page order, so a repeat of `src` can only be the last entry.
                match groups.iter_mut().find(|g| g.label == label) {
                    Some(g) if g.pages.last() != Some(&src) => g.pages.push(src),
                    Some(_) => {}
                    None => groups.push(RelationGroup {
                        field: String::new(),
                        label,
                        pages: vec![src],
                    }),
                }
            }
            groups
        })
        .collect();
    sort_backlinks(graph, config, &mut groups);
    groups
}

/// Sorts the pages of each backlink group by kind, then title; `groups` hold them in page order
/// (as [`resolve`] collects them), or are put back in it first.
pub(super) fn sort_backlinks(graph: &SiteGraph, config: &Config, groups: &mut Groups) {
    let kind_rank: HashMap<&str, usize> = config
        .kinds_in_order()
        .iter()
        .enumerate()
        .map(|(r, (n, _))| (*n, r))
        .collect();
    let rank = |p: PageIx| {
        graph.pages[p]
            .kind
            .as_deref()
            .and_then(|k| kind_rank.get(k))
            .copied()
            .unwrap_or(usize::MAX)
    };
    for g in groups.iter_mut().flatten() {
        g.pages.sort_unstable();
        g.pages.sort_by_key(|&p| (rank(p), graph.title_rank[p]));
    }
}

/// Checks that every `sources:` entry names an existing page; returns, per page, the pages
/// citing it (in title order), which source pages list as backlinks.
pub(super) fn check_sources(
    graph: &SiteGraph,
    drafts: &HashMap<String, String>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Vec<PageIx>> {
    let mut cited_by: Vec<Vec<PageIx>> = vec![Vec::new(); graph.pages.len()];
    for (i, page) in graph.pages.iter().enumerate() {
        for s in &page.sources {
            if let Some(&t) = graph.by_id.get(&s.source) {
                if t != i && cited_by[t].last() != Some(&i) {
                    cited_by[t].push(i);
                }
                continue;
            }
            let at = page.locate(&[Seg::Key("sources"), Seg::Value(&s.source)]);
            let mut d = Diagnostic::error(
                &page.file,
                at,
                "dangling-ref",
                format!("source `{}` is not a page", s.source),
            )
            .about(format!("id:{}", s.source));
            if drafts.contains_key(&s.source) {
                d = d.with_hint("that source page is a draft");
            } else if let Some(h) = suggest_id(graph, &s.source) {
                d = d.with_hint(h);
            }
            diags.push(d);
        }
    }
    for pages in &mut cited_by {
        graph.sort_by_title(pages);
    }
    cited_by
}
