//! Mermaid `flowchart TD`, which GitHub renders inside a ```` ```mermaid ```` block. Every
//! label is a quoted string with Mermaid's entity codes for the characters that would end it
//! or be read as markup (`#quot;`, `#lt;`, `#gt;`, `#amp;`, `#35;`).

use std::fmt::Write as _;

use super::{EdgeKind, Graph, NodeKind};

/// The graph as one `flowchart TD`, preceded by a `%% journey NAME` comment.
pub fn render(graph: &Graph) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "%% journey {}", graph.journey);
    out.push_str("flowchart TD\n");
    for node in &graph.nodes {
        let label = quote(&node.lines.join("\n"));
        let (open, close) = shape(node.kind);
        let _ = writeln!(out, "  {}{open}{label}{close}", node.id);
    }
    for edge in &graph.edges {
        let arrow = match edge.kind {
            EdgeKind::Flow => "-->",
            EdgeKind::Rule => "-.-",
        };
        match &edge.label {
            Some(label) => {
                let _ = writeln!(out, "  {} {arrow}|{}| {}", edge.from, quote(label), edge.to);
            }
            None => {
                let _ = writeln!(out, "  {} {arrow} {}", edge.from, edge.to);
            }
        }
    }
    for (class, style) in CLASSES {
        let ids: Vec<&str> = graph
            .nodes
            .iter()
            .filter(|n| class_of(n.kind) == *class)
            .map(|n| n.id.as_str())
            .collect();
        if !ids.is_empty() {
            let _ = writeln!(out, "  classDef {class} {style}");
            let _ = writeln!(out, "  class {} {class}", ids.join(","));
        }
    }
    out
}

/// The classes that colour the nodes, in the order they are written.
const CLASSES: &[(&str, &str)] = &[
    ("entry", "fill:#dbeafe,stroke:#1d4ed8,stroke-width:2px"),
    ("action", "fill:#ffffff,stroke:#374151"),
    ("wait", "fill:#fef3c7,stroke:#b45309"),
    ("branch", "fill:#ede9fe,stroke:#6d28d9"),
    ("goal", "fill:#dcfce7,stroke:#15803d"),
    ("exit", "fill:#fee2e2,stroke:#b91c1c"),
    ("rule", "fill:#f9fafb,stroke:#6b7280,stroke-dasharray:4 3"),
];

fn class_of(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Entry => "entry",
        NodeKind::Action => "action",
        NodeKind::Wait | NodeKind::WaitFor => "wait",
        NodeKind::Branch | NodeKind::Split => "branch",
        NodeKind::Goal => "goal",
        NodeKind::Exit => "exit",
        NodeKind::GoalRule | NodeKind::ExitRule => "rule",
    }
}

/// The brackets that give a node its shape.
fn shape(kind: NodeKind) -> (&'static str, &'static str) {
    match kind {
        NodeKind::Entry => ("([", "])"),
        NodeKind::Action | NodeKind::GoalRule | NodeKind::ExitRule => ("[", "]"),
        NodeKind::Wait => ("[/", "/]"),
        NodeKind::WaitFor => ("{{", "}}"),
        NodeKind::Branch | NodeKind::Split => ("{", "}"),
        NodeKind::Goal => (">", "]"),
        NodeKind::Exit => ("(((", ")))"),
    }
}

/// A quoted Mermaid label; line breaks become `<br/>`.
fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '#' => out.push_str("#35;"),
            '\n' => out.push_str("<br/>"),
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
        assert_eq!(
            quote("a >= \"#1\"\nb & c"),
            "\"a #gt;= #quot;#35;1#quot;<br/>b #amp; c\""
        );
    }
}
