//! A page's relations and backlinks, regrouped by the *kind* of the page at the other end.
//!
//! In: the graph's groups for one page (forward ones by field, backlinks by inverse label).
//! Out: one [`KindGroupView`] per kind, in the kinds' configured order, each related page once,
//! carrying the relation labels that connect it. Grouping by kind reads better than by label:
//! labels repeat across directions ("Regler" as a field and as an inverse label) and the generic
//! ones ("Se også", "Nevnt av") mix kinds. The labels stay on each item, shown where a group mixes
//! them. Must not render HTML; the templates and [`super::relation_map`] do that.

use serde::Serialize;

use crate::config::Config;
use crate::graph::{PageIx, RelationGroup, SiteGraph};
use crate::html::context::{ItemView, Views};

/// Group key and anchor suffix of related pages without a kind.
pub(super) const OTHER_KIND: &str = "andre";
/// Heading of related pages without a kind.
pub(super) const OTHER_TITLE: &str = "Andre sider";

/// The related pages of one kind.
#[derive(Debug, Clone, Serialize)]
pub(super) struct KindGroupView {
    /// Kind name (`tiltak`), or [`OTHER_KIND`].
    pub kind: String,
    /// The kind's plural (`Tiltak`), as the group's heading.
    pub title: String,
    /// The kind's singular label (`Takst`), for the relation map's nodes.
    pub label: String,
    /// Element id of the group on the page (`relasjoner-tiltak`).
    pub anchor: String,
    pub items: Vec<RelatedView>,
    /// The items are connected by more than one label, so each item shows its own.
    pub mixed: bool,
}

/// One related page and how it is related.
#[derive(Debug, Clone, Serialize)]
pub(super) struct RelatedView {
    pub item: ItemView,
    /// Relation labels, lowercase (`gjelder for`, `nevnt av`), in the order met.
    pub labels: Vec<String>,
    /// The labels joined for display (`gjelder for, se også`).
    pub label_text: String,
}

/// Regroups `forward` and `backward` by the related pages' kinds.
pub(super) fn by_kind(
    graph: &SiteGraph,
    config: &Config,
    views: &Views<'_>,
    forward: &[RelationGroup],
    backward: &[RelationGroup],
) -> Vec<KindGroupView> {
    // (page, labels) in the order met: forward relations first, as the author wrote them.
    let mut related: Vec<(PageIx, Vec<String>)> = Vec::new();
    for group in forward.iter().chain(backward) {
        let label = group.label.to_lowercase();
        for &p in &group.pages {
            match related.iter_mut().find(|(q, _)| *q == p) {
                Some((_, labels)) if !labels.contains(&label) => labels.push(label.clone()),
                Some(_) => {}
                None => related.push((p, vec![label.clone()])),
            }
        }
    }
    let mut kinds: Vec<(String, String, String)> = config
        .kinds_in_order()
        .into_iter()
        .map(|(name, def)| {
            (
                name.to_owned(),
                def.plural(name).to_owned(),
                def.label(name).to_owned(),
            )
        })
        .collect();
    kinds.push((OTHER_KIND.into(), OTHER_TITLE.into(), "Side".into()));
    kinds
        .into_iter()
        .filter_map(|(kind, title, label)| {
            let mut members: Vec<&(PageIx, Vec<String>)> = related
                .iter()
                .filter(|(p, _)| {
                    let page_kind = graph.pages[*p].kind.as_deref();
                    match page_kind {
                        Some(k) if config.kinds.contains_key(k) => k == kind,
                        _ => kind == OTHER_KIND,
                    }
                })
                .collect();
            if members.is_empty() {
                return None;
            }
            members.sort_by_key(|m| graph.title_rank[m.0]);
            let first = &members[0].1;
            let mixed = members.iter().any(|(_, l)| l != first);
            Some(KindGroupView {
                anchor: format!("relasjoner-{kind}"),
                kind,
                title,
                label,
                items: members
                    .into_iter()
                    .map(|(p, labels)| RelatedView {
                        item: views.item(*p),
                        label_text: labels.join(", "),
                        labels: labels.clone(),
                    })
                    .collect(),
                mixed,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::GraphOptions;
    use crate::source::SourceFile;

    const CONFIG: &str = "title: T\nbase_url: https://e.org\nkinds:\n  rolle:\n    plural: Roller\n    section: roller\n    weight: 1\n    fields:\n      regler: { type: refs, to: regel, label: Regler }\n      relatert: { type: refs, label: Se også, inverse_label: Nevnt av }\n  regel:\n    plural: Regler\n    section: regler\n    weight: 2\n    fields:\n      roller: { type: refs, to: rolle, inverse_label: Regler }\n      relatert: { type: refs, label: Se også, inverse_label: Nevnt av }\n";

    /// Builds a graph from `(path, front matter)` pairs through the real page and graph stages.
    pub(crate) fn site(config: &Config, files: &[(&str, &str)]) -> SiteGraph {
        let pages = files
            .iter()
            .map(|(path, fm)| {
                let parsed = crate::page::parse(
                    &SourceFile::inline(path, &format!("---\n{fm}\n---\nTekst.\n")),
                    config,
                );
                assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
                std::sync::Arc::new(parsed.page.unwrap())
            })
            .collect();
        let (graph, diags) = crate::graph::build(pages, config, GraphOptions::default());
        assert!(diags.is_empty(), "{diags:?}");
        graph
    }

    fn groups_of(files: &[(&str, &str)], id: &str) -> Vec<KindGroupView> {
        let config = Config::parse(CONFIG).unwrap();
        let graph = site(&config, files);
        let ix = graph.by_id[id];
        let views = Views::new(&graph, &config, &graph.pages[ix].url);
        by_kind(
            &graph,
            &config,
            &views,
            &graph.relations[ix],
            &graph.backlinks[ix],
        )
    }

    #[test]
    fn groups_follow_kind_weight_and_merge_same_labels_across_directions() {
        let groups = groups_of(
            &[
                (
                    "content/roller/fastlege.md",
                    "title: Fastlege\nregler: [regel-l8]\nrelatert: [om]",
                ),
                ("content/regler/l8.md", "title: Takst L8"),
                (
                    "content/regler/aap.md",
                    "title: AAP\nroller: [rolle-fastlege]",
                ),
                (
                    "content/roller/nav.md",
                    "title: Nav-veileder\nrelatert: [rolle-fastlege]",
                ),
                ("content/om.md", "title: Om siden\nid: om"),
            ],
            "rolle-fastlege",
        );
        let titles: Vec<&str> = groups.iter().map(|g| g.title.as_str()).collect();
        assert_eq!(titles, ["Roller", "Regler", OTHER_TITLE]);
        let rules = &groups[1];
        assert_eq!(rules.anchor, "relasjoner-regel");
        assert!(!rules.mixed, "both rules are connected as `regler`");
        let names: Vec<&str> = rules.items.iter().map(|i| i.item.title.as_str()).collect();
        assert_eq!(names, ["AAP", "Takst L8"], "sorted by title");
        assert_eq!(groups[0].items[0].label_text, "nevnt av");
        assert_eq!(groups[2].items[0].item.url, "../../om/");
    }

    #[test]
    fn labels_show_where_a_group_mixes_them() {
        let groups = groups_of(
            &[
                ("content/regler/a.md", "title: A\nrelatert: [regel-b]"),
                ("content/regler/b.md", "title: B"),
                ("content/regler/c.md", "title: C\nrelatert: [regel-a]"),
            ],
            "regel-a",
        );
        assert_eq!(groups.len(), 1);
        let g = &groups[0];
        assert!(g.mixed);
        let labels: Vec<&str> = g.items.iter().map(|i| i.label_text.as_str()).collect();
        assert_eq!(labels, ["se også", "nevnt av"]);
    }

    #[test]
    fn no_relations_no_groups() {
        assert!(groups_of(&[("content/regler/a.md", "title: A")], "regel-a").is_empty());
    }
}
