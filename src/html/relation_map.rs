//! The relation map: a small inline SVG drawn at build time, with the page in the middle and the
//! pages it is directly related to around it.
//!
//! In: the page's title and kind label, and its relations grouped by kind
//! ([`super::related::KindGroupView`]). Out: a `<figure>` of HTML with the SVG and a caption that
//! says in words what the map shows. Must not read the graph itself or need JavaScript or CSS to
//! be legible: positions, sizes and fallback colours are in the markup; the stylesheet only
//! refines colours (light, dark, focus, print).
//!
//! Hand-written rather than taken from a crate: no Rust graph-drawing crate makes accessible SVG
//! with focusable links, and the layout here is a fixed grid, not a general graph layout.
//!
//! Layout: two columns of nodes above the page and two below, joined to it through the gap
//! between the columns, so nothing overlaps however long the titles are, and the map stays
//! legible at phone width (the view box is 420 units wide). A page with many relations would make
//! an unreadable map, so beyond [`MAX_NODES`] the largest kinds collapse into one node each that
//! links to that kind's list on the page.
//!
//! Every node is an SVG `<a>`: keyboard-focusable, named by its visible text (kind, then the whole
//! title, wrapped rather than cut), so speech input and screen readers get what the eye sees. The
//! `<svg>` is a named `group`, not an `img`, so screen readers reach the links inside it.

use std::fmt::Write as _;

use crate::html::related::{KindGroupView, OTHER_KIND};
use crate::vocab::escape_attr;

/// Most nodes drawn around the page.
pub(super) const MAX_NODES: usize = 10;

const WIDTH: u32 = 420;
const NODE_W: u32 = 196;
/// Lines of title a node shows before cutting it short; titles in the knowledge base fit.
const MAX_LINES: usize = 4;
const ROW_GAP: u32 = 12;
const GAP: u32 = 22;
const CENTER_W: u32 = 300;
const CENTER_H: u32 = 66;
const PAD: u32 = 4;
const SPINE: u32 = WIDTH / 2;
/// Characters per line that fit a node at 13 units (measured against system-ui's average width,
/// with room to spare) and the centre at 15 units bold.
const NODE_CHARS: usize = 24;
const CAPTION_CHARS: usize = 29;
const CENTER_CHARS: usize = 31;

/// One node around the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct MapNode {
    /// Small line above the title: the kind, and how the page is related when it is not obvious.
    pub caption: String,
    pub title: String,
    pub href: String,
    /// A collapsed kind: the node stands for this many pages and links to their list.
    pub count: Option<usize>,
}

/// What the map shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RelationMap {
    pub title: String,
    pub kind_label: String,
    pub nodes: Vec<MapNode>,
    /// The caption in words: "«Fastlege» henger sammen med 8 roller og 22 regler."
    pub summary: String,
}

/// Chooses the nodes for a page related to `groups`; `None` when it has no relations.
pub(super) fn plan(title: &str, kind_label: &str, groups: &[KindGroupView]) -> Option<RelationMap> {
    let total: usize = groups.iter().map(|g| g.items.len()).sum();
    if total == 0 {
        return None;
    }
    // Collapse the largest kinds first until the nodes fit.
    let mut collapsed = vec![false; groups.len()];
    let mut count = total;
    while count > MAX_NODES {
        let Some((i, g)) = groups
            .iter()
            .enumerate()
            .filter(|(i, g)| !collapsed[*i] && g.items.len() > 1)
            .max_by_key(|(i, g)| (g.items.len(), std::cmp::Reverse(*i)))
        else {
            break;
        };
        collapsed[i] = true;
        count = count - g.items.len() + 1;
    }
    let mut nodes = Vec::with_capacity(count);
    for (g, &collapse) in groups.iter().zip(&collapsed) {
        if collapse {
            nodes.push(MapNode {
                caption: g.title.clone(),
                title: format!("{} sider – se listen", g.items.len()),
                href: format!("#{}", g.anchor),
                count: Some(g.items.len()),
            });
            continue;
        }
        for r in &g.items {
            let caption = match r.labels.first() {
                Some(l) if g.mixed => format!("{} · {l}", g.label),
                _ => g.label.clone(),
            };
            nodes.push(MapNode {
                caption,
                title: r.item.title.clone(),
                href: r.item.url.clone(),
                count: None,
            });
        }
    }
    let parts: Vec<String> = groups
        .iter()
        .map(|g| count_phrase(g.items.len(), g))
        .collect();
    Some(RelationMap {
        summary: format!("«{title}» henger sammen med {}.", join_norwegian(&parts)),
        title: title.to_owned(),
        kind_label: kind_label.to_owned(),
        nodes,
    })
}

/// "1 regel", "22 regler", "3 andre sider".
fn count_phrase(n: usize, g: &KindGroupView) -> String {
    let word = match (g.kind.as_str(), n) {
        (OTHER_KIND, 1) => "annen side".to_owned(),
        (OTHER_KIND, _) => "andre sider".to_owned(),
        (_, 1) => g.label.to_lowercase(),
        _ => g.title.to_lowercase(),
    };
    format!("{n} {word}")
}

/// "a", "a og b", "a, b og c".
fn join_norwegian(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} og {last}", init.join(", ")),
    }
}

/// Splits `text` into at most `max_lines` lines of at most `width` characters, breaking at spaces;
/// a text that does not fit ends in "…". Returns the lines and whether anything was cut.
pub(super) fn wrap(text: &str, width: usize, max_lines: usize) -> (Vec<String>, bool) {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        let needed = if current.is_empty() {
            word.chars().count()
        } else {
            current.chars().count() + 1 + word.chars().count()
        };
        if needed <= width {
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(word);
            continue;
        }
        if !current.is_empty() {
            lines.push(std::mem::take(&mut current));
        }
        word.clone_into(&mut current);
        // A word longer than a line (Norwegian compounds) is broken with a hyphen.
        while current.chars().count() > width {
            let keep = width.saturating_sub(1).max(1);
            let mut head: String = current.chars().take(keep).collect();
            head.push('-');
            current = current.chars().skip(keep).collect();
            lines.push(head);
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    if lines.len() <= max_lines {
        return (lines, false);
    }
    lines.truncate(max_lines);
    if let Some(last) = lines.last_mut() {
        let kept: String = last.chars().take(width.saturating_sub(1)).collect();
        let mut kept = kept.trim_end().to_owned();
        kept.push('…');
        *last = kept;
    }
    (lines, true)
}

/// Where a node sits: top-left corner and height.
struct Slot {
    x: u32,
    y: u32,
    h: u32,
}

/// Height of a node with `lines` lines of title.
fn node_height(lines: usize) -> u32 {
    30 + 16 * lines as u32
}

/// Lays out nodes of the given title line counts: returns their slots, the centre's top y and the
/// total height. Both nodes of a row get the row's height.
fn layout(lines: &[usize]) -> (Vec<Slot>, u32, u32) {
    let n = lines.len();
    let above = (n / 2) & !1;
    let mut slots = Vec::with_capacity(n);
    let mut y = PAD;
    let mut place_rows = |range: std::ops::Range<usize>, y: &mut u32| {
        for row_start in range.clone().step_by(2) {
            let pair = row_start + 1 < range.end;
            let h = if pair {
                node_height(lines[row_start].max(lines[row_start + 1]))
            } else {
                node_height(lines[row_start])
            };
            if pair {
                slots.push(Slot { x: 0, y: *y, h });
                slots.push(Slot {
                    x: WIDTH - NODE_W,
                    y: *y,
                    h,
                });
            } else {
                slots.push(Slot {
                    x: (WIDTH - NODE_W) / 2,
                    y: *y,
                    h,
                });
            }
            *y += h + ROW_GAP;
        }
    };
    place_rows(0..above, &mut y);
    if above > 0 {
        y += GAP - ROW_GAP;
    }
    let center_y = y;
    y += CENTER_H + GAP;
    place_rows(above..n, &mut y);
    let height = if above < n { y - ROW_GAP } else { y - GAP } + PAD;
    (slots, center_y, height)
}

/// The map as HTML: a `<figure>` with the SVG and its caption.
pub(super) fn render(map: &RelationMap) -> String {
    let titles: Vec<Vec<String>> = map
        .nodes
        .iter()
        .map(|n| wrap(&n.title, NODE_CHARS, MAX_LINES).0)
        .collect();
    let counts: Vec<usize> = titles.iter().map(Vec::len).collect();
    let (slots, center_y, height) = layout(&counts);
    let mut svg = String::with_capacity(600 + 450 * map.nodes.len());
    let _ = write!(
        svg,
        "<figure class=\"relation-map\" id=\"relasjonskart\"><svg class=\"rmap\" role=\"group\" aria-labelledby=\"relasjonskart-tekst\" viewBox=\"0 0 {WIDTH} {height}\" width=\"{WIDTH}\" height=\"{height}\">"
    );
    // Connections first, so the nodes cover their ends.
    svg.push_str("<g class=\"rmap-edges\" fill=\"none\" stroke=\"#6b7482\" stroke-width=\"1.5\">");
    for slot in &slots {
        let mid = slot.y + slot.h / 2;
        let from_x = match slot.x {
            0 => NODE_W,
            x if x == WIDTH - NODE_W => x,
            _ => SPINE,
        };
        let to_y = if slot.y < center_y {
            center_y
        } else {
            center_y + CENTER_H
        };
        let _ = write!(svg, "<path d=\"M{from_x} {mid}H{SPINE}V{to_y}\"/>");
    }
    svg.push_str("</g>");
    // The page itself.
    let cx = (WIDTH - CENTER_W) / 2;
    let _ = write!(
        svg,
        "<g class=\"rmap-center\"><rect x=\"{cx}\" y=\"{center_y}\" width=\"{CENTER_W}\" height=\"{CENTER_H}\" rx=\"8\" fill=\"#0b5cad\"/>"
    );
    let (lines, _) = wrap(&map.title, CENTER_CHARS, 2);
    let text_x = WIDTH / 2;
    let _ = write!(
        svg,
        "<text x=\"{text_x}\" y=\"{}\" text-anchor=\"middle\" font-size=\"11.5\" fill=\"#ffffff\">{}</text>",
        center_y + 19,
        escape_attr(&map.kind_label)
    );
    let first = if lines.len() == 1 { 44 } else { 38 };
    for (i, line) in lines.iter().enumerate() {
        let _ = write!(
            svg,
            "<text x=\"{text_x}\" y=\"{}\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"700\" fill=\"#ffffff\">{}</text>",
            center_y + first + 18 * i as u32,
            escape_attr(line)
        );
    }
    svg.push_str("</g>");
    for ((node, slot), lines) in map.nodes.iter().zip(&slots).zip(&titles) {
        node_svg(&mut svg, node, slot, lines);
    }
    let _ = write!(
        svg,
        "</svg><figcaption id=\"relasjonskart-tekst\">Relasjonskart. {} Alle sidene står også i listene under.</figcaption></figure>",
        escape_attr(&map.summary)
    );
    svg
}

/// One node: a link named by its visible text (caption, then title), so what a sighted user sees
/// is what speech input and screen readers get.
fn node_svg(svg: &mut String, node: &MapNode, slot: &Slot, lines: &[String]) {
    let Slot { x, y, h } = *slot;
    let (caption, _) = wrap(&node.caption, CAPTION_CHARS, 1);
    let class = if node.count.is_some() {
        "rmap-node rmap-group"
    } else {
        "rmap-node"
    };
    let _ = write!(
        svg,
        "<a class=\"{class}\" href=\"{}\"><rect x=\"{x}\" y=\"{y}\" width=\"{NODE_W}\" height=\"{h}\" rx=\"6\" fill=\"#f3f5f8\" stroke=\"#6b7482\"/>",
        escape_attr(&node.href),
    );
    let tx = x + 10;
    let _ = write!(
        svg,
        "<text class=\"rmap-caption\" x=\"{tx}\" y=\"{}\" font-size=\"11.5\" fill=\"#4a5563\">{}</text>",
        y + 17,
        escape_attr(caption.first().map_or("", String::as_str))
    );
    for (i, line) in lines.iter().enumerate() {
        let _ = write!(
            svg,
            "<text class=\"rmap-title\" x=\"{tx}\" y=\"{}\" font-size=\"13\" fill=\"#0a4f96\">{}</text>",
            y + 34 + 16 * i as u32,
            escape_attr(line)
        );
    }
    svg.push_str("</a>");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::html::context::ItemView;
    use crate::html::related::RelatedView;

    fn group(kind: &str, plural: &str, label: &str, n: usize) -> KindGroupView {
        KindGroupView {
            kind: kind.into(),
            title: plural.into(),
            label: label.into(),
            anchor: format!("relasjoner-{kind}"),
            items: (0..n)
                .map(|i| RelatedView {
                    item: ItemView {
                        id: format!("{kind}-{i}"),
                        title: format!("{label} {i}"),
                        url: format!("../{kind}-{i}/"),
                        kind: kind.into(),
                        kind_label: label.into(),
                        summary: String::new(),
                        code: String::new(),
                        draft: false,
                    },
                    labels: vec!["se også".into()],
                    label_text: "se også".into(),
                })
                .collect(),
            mixed: false,
        }
    }

    #[test]
    fn no_relations_no_map() {
        assert_eq!(plan("A", "Regel", &[]), None);
    }

    #[test]
    fn small_maps_show_every_page_and_say_what_they_show() {
        let map = plan(
            "Fastlege",
            "Rolle",
            &[
                group("regel", "Regler", "Regel", 2),
                group("takst", "Takster", "Takst", 1),
            ],
        )
        .unwrap();
        assert_eq!(map.nodes.len(), 3);
        assert_eq!(map.nodes[0].href, "../regel-0/");
        assert_eq!(
            map.summary,
            "«Fastlege» henger sammen med 2 regler og 1 takst."
        );
        let html = render(&map);
        assert_eq!(html.matches("<a class=\"rmap-node\"").count(), 3);
        let node = html
            .split("<a class=\"rmap-node\" href=\"../takst-0/\">")
            .nth(1)
            .unwrap();
        let node = node.split("</a>").next().unwrap();
        assert!(
            node.contains(">Takst</text><text class=\"rmap-title\""),
            "{node}"
        );
        assert!(node.ends_with(">Takst 0</text>"), "{node}");
        assert!(
            !html.contains("aria-label="),
            "links are named by their visible text"
        );
        assert!(html.contains("role=\"group\" aria-labelledby=\"relasjonskart-tekst\""));
        assert!(
            html.contains(
                "<figcaption id=\"relasjonskart-tekst\">Relasjonskart. «Fastlege» henger"
            )
        );
    }

    #[test]
    fn large_kinds_collapse_into_one_node_linking_to_their_list() {
        let groups = [
            group("rolle", "Roller", "Rolle", 3),
            group("regel", "Regler", "Regel", 22),
            group("tiltak", "Tiltak", "Tiltak", 36),
            group("takst", "Takster", "Takst", 4),
        ];
        let map = plan("Fastlege", "Rolle", &groups).unwrap();
        assert!(map.nodes.len() <= MAX_NODES, "{}", map.nodes.len());
        let collapsed: Vec<&str> = map
            .nodes
            .iter()
            .filter(|n| n.count.is_some())
            .map(|n| n.href.as_str())
            .collect();
        assert_eq!(collapsed, ["#relasjoner-regel", "#relasjoner-tiltak"]);
        assert!(map.nodes.iter().any(|n| n.title == "36 sider – se listen"));
        assert_eq!(map.nodes.iter().filter(|n| n.caption == "Rolle").count(), 3);
    }

    #[test]
    fn nodes_never_overlap_each_other_or_the_centre() {
        for n in 1..=MAX_NODES {
            let lines: Vec<usize> = (0..n).map(|i| 1 + i % MAX_LINES).collect();
            let (slots, center_y, height) = layout(&lines);
            assert_eq!(slots.len(), n);
            let boxes: Vec<(u32, u32, u32, u32)> = slots
                .iter()
                .map(|s| (s.x, s.y, NODE_W, s.h))
                .chain([((WIDTH - CENTER_W) / 2, center_y, CENTER_W, CENTER_H)])
                .collect();
            for (i, a) in boxes.iter().enumerate() {
                assert!(
                    a.0 + a.2 <= WIDTH && a.1 + a.3 <= height,
                    "n={n}: box {i} outside"
                );
                for b in &boxes[i + 1..] {
                    let apart = a.0 + a.2 <= b.0
                        || b.0 + b.2 <= a.0
                        || a.1 + a.3 <= b.1
                        || b.1 + b.3 <= a.1;
                    assert!(apart, "n={n}: {a:?} overlaps {b:?}");
                }
            }
        }
    }

    #[test]
    fn long_titles_wrap_and_end_in_an_ellipsis() {
        let (lines, cut) = wrap(
            "Forslag – egen takst for samarbeid mellom Nav og sykmelder",
            23,
            2,
        );
        assert!(cut);
        assert_eq!(lines.len(), 2);
        assert!(lines.iter().all(|l| l.chars().count() <= 23), "{lines:?}");
        assert!(lines[1].ends_with('…'));
        assert_eq!(
            wrap("Takst L8", 23, 2),
            (vec!["Takst L8".to_owned()], false)
        );
        let (lines, _) = wrap("Arbeidsavklaringspengeperiodeforlengelse", 10, 3);
        assert_eq!(lines[0], "Arbeidsav-");
        assert!(lines.iter().all(|l| l.chars().count() <= 10), "{lines:?}");
    }

    #[test]
    fn text_is_escaped() {
        let mut g = group("regel", "Regler", "Regel", 1);
        g.items[0].item.title = "<script>alert(1)</script>".into();
        g.items[0].item.url = "\"><x".into();
        let html = render(&plan("A & B", "Regel", &[g]).unwrap());
        assert!(
            !html.contains("<script") && !html.contains("\"><x"),
            "{html}"
        );
        assert!(html.contains("A &amp; B"));
    }
}
