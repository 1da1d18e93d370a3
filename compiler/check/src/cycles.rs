//! Cycles among segments and scores' `while` rules: a value defined in terms of itself has no
//! value at all, so each cycle is one error at its first declaration.

use std::collections::{BTreeSet, HashMap};

use journey_syntax::Span;

use crate::checker::DepNode;
use crate::diagnostic::Diagnostic;
use crate::messages;
use crate::program::Program;

/// Reports every cycle of the dependency graph once.
pub fn check(
    graph: &HashMap<DepNode, Vec<(DepNode, Span)>>,
    program: &Program,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let declared_at = |node: &DepNode| -> Option<Span> {
        match node {
            DepNode::Segment(n) => program.segments.get(n).map(|s| s.span),
            DepNode::Score(n) => program.scores.get(n).map(|s| s.span),
        }
    };
    let mut nodes: Vec<&DepNode> = graph.keys().collect();
    nodes.sort_by_key(|n| declared_at(n).map(|s| (s.file, s.start)));
    let mut reported: BTreeSet<DepNode> = BTreeSet::new();
    for start in nodes {
        if reported.contains(start) {
            continue;
        }
        if let Some(path) = find_cycle(graph, start) {
            if path.iter().any(|(n, _)| reported.contains(n)) {
                continue;
            }
            let named: Vec<(String, Span)> = path
                .iter()
                .enumerate()
                .map(|(i, (node, used_at))| {
                    let name = match node {
                        DepNode::Segment(n) | DepNode::Score(n) => n.clone(),
                    };
                    let span = if i == 0 {
                        declared_at(node).unwrap_or(*used_at)
                    } else {
                        *used_at
                    };
                    (name, span)
                })
                .collect();
            reported.extend(path.into_iter().map(|(n, _)| n));
            diagnostics.push(messages::cyclic_definition(&named));
        }
    }
}

/// A path from `start` back to itself, each node with the span where it is used.
fn find_cycle(
    graph: &HashMap<DepNode, Vec<(DepNode, Span)>>,
    start: &DepNode,
) -> Option<Vec<(DepNode, Span)>> {
    let mut stack: Vec<(DepNode, Span, usize)> = vec![(start.clone(), Span::default(), 0)];
    let mut on_path: BTreeSet<DepNode> = BTreeSet::from([start.clone()]);
    let mut visited: BTreeSet<DepNode> = BTreeSet::new();
    while let Some((node, _, next_edge)) = stack.last().cloned() {
        let edges = graph.get(&node).map_or(&[][..], |e| e.as_slice());
        if let Some((target, span)) = edges.get(next_edge) {
            if let Some(top) = stack.last_mut() {
                top.2 += 1;
            }
            if target == start {
                return Some(stack.iter().map(|(n, s, _)| (n.clone(), *s)).collect());
            }
            if !on_path.contains(target) && !visited.contains(target) {
                on_path.insert(target.clone());
                stack.push((target.clone(), *span, 0));
            }
        } else {
            on_path.remove(&node);
            visited.insert(node);
            stack.pop();
        }
    }
    None
}
