//! Graphviz DOT: `dot -Tsvg` draws it; every label is a quoted, escaped string.

use std::fmt::Write as _;

use super::{EdgeKind, Graph, NodeKind};

/// The graph as one `digraph`; several graphs may be written one after another (Graphviz
/// reads each in turn).
pub fn render(graph: &Graph) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "digraph {} {{", quote(&graph.journey));
    let _ = writeln!(
        out,
        "  graph [rankdir=TB, fontname=\"Helvetica\", label={}, labelloc=t, nodesep=0.4];",
        quote(&format!("journey {}", graph.journey))
    );
    out.push_str("  node [fontname=\"Helvetica\", fontsize=11, shape=box, style=filled];\n");
    out.push_str("  edge [fontname=\"Helvetica\", fontsize=10, color=\"#4b5563\"];\n");
    for node in &graph.nodes {
        let _ = writeln!(
            out,
            "  {} [label={}, {}];",
            node.id,
            quote(&node.lines.join("\n")),
            attributes(node.kind)
        );
    }
    let rules: Vec<&str> = graph
        .nodes
        .iter()
        .filter(|n| matches!(n.kind, NodeKind::GoalRule | NodeKind::ExitRule))
        .map(|n| n.id.as_str())
        .collect();
    if !rules.is_empty() {
        // The rules apply at any time while inside: drawn beside the entry, not below it.
        let _ = writeln!(out, "  {{ rank=same; entry; {}; }}", rules.join("; "));
    }
    for edge in &graph.edges {
        let mut attrs: Vec<String> = Vec::new();
        if let Some(label) = &edge.label {
            attrs.push(format!("label={}", quote(label)));
        }
        if edge.kind == EdgeKind::Rule {
            attrs.push("style=dashed".into());
            attrs.push("arrowhead=none".into());
        }
        let attrs = if attrs.is_empty() {
            String::new()
        } else {
            format!(" [{}]", attrs.join(", "))
        };
        let _ = writeln!(out, "  {} -> {}{attrs};", edge.from, edge.to);
    }
    out.push_str("}\n");
    out
}

/// Shape and colours of a kind of node.
fn attributes(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Entry => {
            "shape=box, style=\"rounded,filled,bold\", fillcolor=\"#dbeafe\", color=\"#1d4ed8\""
        }
        NodeKind::Action => "shape=box, fillcolor=\"#ffffff\", color=\"#374151\"",
        NodeKind::Wait => {
            "shape=box, style=\"rounded,filled,dashed\", fillcolor=\"#fef3c7\", color=\"#b45309\""
        }
        NodeKind::WaitFor => "shape=hexagon, fillcolor=\"#fef3c7\", color=\"#b45309\"",
        NodeKind::Branch | NodeKind::Split => {
            "shape=diamond, fillcolor=\"#ede9fe\", color=\"#6d28d9\""
        }
        NodeKind::Goal => {
            "shape=box, style=\"rounded,filled\", fillcolor=\"#dcfce7\", color=\"#15803d\""
        }
        NodeKind::Exit => {
            "shape=doublecircle, fillcolor=\"#fee2e2\", color=\"#b91c1c\", width=0.5, fixedsize=false"
        }
        NodeKind::GoalRule => "shape=note, fillcolor=\"#f0fdf4\", color=\"#15803d\"",
        NodeKind::ExitRule => "shape=note, fillcolor=\"#fef2f2\", color=\"#b91c1c\"",
    }
}

/// A DOT double-quoted string: `"` and `\` escaped, line breaks as `\n` (centred lines).
fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn labels_are_escaped() {
        assert_eq!(quote("a \"b\\c\"\nd"), "\"a \\\"b\\\\c\\\"\\nd\"");
    }
}
