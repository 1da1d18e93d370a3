//! Each journey as a flow diagram.
//!
//! [`build`] turns one journey of the IR into a [`Graph`]: an entry node (the trigger, its
//! filter and the `reenter` policy), one node per step reachable from the start, edges labelled
//! with what decides them (an `if`'s condition and `else`, `EVENT arrives` and `after D` for
//! `wait for`, a split arm's share), and the journey's `goal ... on` and `exit on` rules as nodes
//! hung from the entry by dashed edges ("leaves when ..."). Node ids are derived from the step
//! numbers `journey ir` prints (`s0`, `s1`, ...; `entry`, `goal_rule_0`, `exit_rule_0`), so
//! the outputs are stable as long as the IR is. Expressions are printed in the language's own
//! syntax ([`surface`]).
//!
//! The graph renders as DOT ([`dot`], for Graphviz), Mermaid ([`mermaid`], `flowchart TD`,
//! which GitHub renders in Markdown) and SVG ([`svg`], laid out by the `layout-rs` crate and
//! drawn by our own writer so that the document is self-contained and byte-for-byte
//! deterministic). [`Format`] picks one.

pub mod dot;
pub mod mermaid;
pub mod svg;

use std::collections::BTreeSet;

use journey_ir::{Calendar, Entry, Journey, Program, Reenter, Step, StepId};

use crate::syntax::{clock, duration, instant, Surface};

/// A journey as nodes and edges, ready to render.
#[derive(Clone, Debug, PartialEq)]
pub struct Graph {
    /// The journey's name.
    pub journey: String,
    /// Nodes: the entry, the rules, then the steps in IR order.
    pub nodes: Vec<Node>,
    /// Edges, in the order of their source nodes and, per node, the order a reader follows.
    pub edges: Vec<Edge>,
}

/// One box of the diagram.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// Stable id: `entry`, `goal_rule_N`, `exit_rule_N`, or `sN` for step N of the IR.
    pub id: String,
    /// What it stands for; decides its shape.
    pub kind: NodeKind,
    /// Its text, one entry per line.
    pub lines: Vec<String>,
}

/// The kinds of node, each drawn with its own shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeKind {
    /// How contacts enter (the trigger).
    Entry,
    /// A step that does something and moves on: send, notify, set, tag, score.
    Action,
    /// `wait D` and `wait until T`.
    Wait,
    /// `wait for EVENT within D`: two ways out.
    WaitFor,
    /// `if`: the condition on one edge, `else` on the other.
    Branch,
    /// `split`: one edge per arm.
    Split,
    /// A `goal NAME` step.
    Goal,
    /// Where a contact leaves the journey (`exit`, or the end of the steps).
    Exit,
    /// A `goal NAME on EVENT` rule: leaves with the goal, at any time while inside.
    GoalRule,
    /// An `exit on EVENT` rule: leaves, at any time while inside.
    ExitRule,
}

/// An arrow between two nodes.
#[derive(Clone, Debug, PartialEq)]
pub struct Edge {
    /// The source node's id.
    pub from: String,
    /// The target node's id.
    pub to: String,
    /// What takes this way, if there is a choice.
    pub label: Option<String>,
    /// A step-to-step flow, or a rule hung from the entry.
    pub kind: EdgeKind,
}

/// How an edge is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EdgeKind {
    /// From a step to the next (solid).
    Flow,
    /// From the entry to a rule that applies at any time while inside (dashed).
    Rule,
}

/// The output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A self-contained SVG document.
    Svg,
    /// Graphviz DOT.
    Dot,
    /// A Mermaid `flowchart TD`.
    Mermaid,
}

impl Format {
    /// The usual file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Svg => "svg",
            Format::Dot => "dot",
            Format::Mermaid => "mmd",
        }
    }

    /// Renders `graph` in this format.
    pub fn render(self, graph: &Graph) -> Result<String, svg::SvgError> {
        match self {
            Format::Svg => svg::render(graph),
            Format::Dot => Ok(dot::render(graph)),
            Format::Mermaid => Ok(mermaid::render(graph)),
        }
    }
}

/// Labels longer than this many characters are wrapped at spaces (outside string literals).
const WRAP: usize = 44;

/// The graphs of every journey of `program`, in declaration order.
pub fn build_all(program: &Program) -> Vec<Graph> {
    program.journeys.iter().map(|j| build(program, j)).collect()
}

/// The graph of one journey of `program`.
pub fn build(program: &Program, journey: &Journey) -> Graph {
    let s = Surface::new(program, Some(journey));
    let mut graph = Graph {
        journey: journey.name.clone(),
        nodes: Vec::new(),
        edges: Vec::new(),
    };
    graph.nodes.push(Node {
        id: "entry".into(),
        kind: NodeKind::Entry,
        lines: entry_lines(&s, journey),
    });
    let start = step_id(journey.start);
    graph.edges.push(flow("entry", &start, None));
    for (i, rule) in journey.goal_rules.iter().enumerate() {
        let binding = rule
            .binding
            .map_or(String::new(), |b| format!(" as {}", s.binding(b.index())));
        let mut lines = vec![format!(
            "leaves when {}{binding} arrives",
            s.event(rule.event)
        )];
        lines.extend(wrap(&s.filter(rule.filter)));
        lines.push(format!("(goal {})", rule.name));
        push_rule(
            &mut graph,
            format!("goal_rule_{i}"),
            NodeKind::GoalRule,
            lines,
        );
    }
    for (i, rule) in journey.exit_rules.iter().enumerate() {
        let mut lines = vec![format!("leaves when {} arrives", s.event(rule.event))];
        lines.extend(wrap(&s.filter(rule.filter)));
        push_rule(
            &mut graph,
            format!("exit_rule_{i}"),
            NodeKind::ExitRule,
            lines,
        );
    }
    for index in reachable(journey) {
        let Some(step) = journey.steps.get(index) else {
            continue;
        };
        let id = format!("s{index}");
        let (kind, lines, edges) = step_node(&s, step);
        graph.nodes.push(Node {
            id: id.clone(),
            kind,
            lines,
        });
        for (to, label) in edges {
            graph.edges.push(flow(&id, &step_id(to), label));
        }
    }
    graph
}

fn step_id(id: StepId) -> String {
    format!("s{}", id.0)
}

fn flow(from: &str, to: &str, label: Option<String>) -> Edge {
    Edge {
        from: from.into(),
        to: to.into(),
        label,
        kind: EdgeKind::Flow,
    }
}

fn push_rule(graph: &mut Graph, id: String, kind: NodeKind, lines: Vec<String>) {
    graph.edges.push(Edge {
        from: "entry".into(),
        to: id.clone(),
        label: None,
        kind: EdgeKind::Rule,
    });
    graph.nodes.push(Node { id, kind, lines });
}

/// The steps reachable from the start, in IR order (an `exit` as the last step leaves the end
/// of the steps unreachable; it is not drawn).
fn reachable(journey: &Journey) -> BTreeSet<usize> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![journey.start];
    while let Some(id) = stack.pop() {
        let Some(step) = journey.steps.get(id.index()) else {
            continue;
        };
        if seen.insert(id.index()) {
            stack.extend(step.successors());
        }
    }
    seen
}

fn entry_lines(s: &Surface<'_>, journey: &Journey) -> Vec<String> {
    let (head, filter) = match &journey.entry {
        Entry::On {
            event,
            binding,
            filter,
        } => {
            let binding =
                binding.map_or(String::new(), |b| format!(" as {}", s.binding(b.index())));
            (format!("enter on {}{binding}", s.event(*event)), *filter)
        }
        Entry::When(c) => (format!("enter when {}", s.expr(*c)), None),
        Entry::Inactive(d) => (format!("enter when inactive {}", duration(*d)), None),
        Entry::Schedule {
            calendar,
            at,
            filter,
        } => {
            let days = match calendar {
                Calendar::Daily => "daily".to_string(),
                Calendar::Weekly(d) => format!(
                    "weekly on {}",
                    journey_check::WEEKDAYS
                        .get(usize::from(*d))
                        .copied()
                        .unwrap_or("?")
                ),
                Calendar::Monthly(d) => format!("monthly on day {d}"),
                Calendar::Yearly(slot) => format!("yearly on profile.{}", s.profile(slot.index())),
            };
            (format!("enter {days} at {}", clock(*at)), *filter)
        }
        Entry::Once { at, filter } => (format!("enter once at {}", instant(*at)), *filter),
    };
    let mut lines = wrap(&head);
    lines.extend(wrap(&s.filter(filter)));
    match journey.reenter {
        Reenter::Never => {}
        Reenter::Always => lines.push("reenter always".into()),
        Reenter::After(d) => lines.push(format!("reenter after {}", duration(d))),
    }
    lines
}

type Outgoing = Vec<(StepId, Option<String>)>;

/// A step's kind, text and outgoing edges.
fn step_node(s: &Surface<'_>, step: &Step) -> (NodeKind, Vec<String>, Outgoing) {
    let one = |next: StepId| vec![(next, None)];
    match step {
        Step::Send(send) => {
            let names: Vec<&str> = send.channels.iter().map(|c| c.as_str()).collect();
            let channel = if send.best_channel {
                format!("best_channel({})", names.join(", "))
            } else {
                names.first().copied().unwrap_or("?").to_string()
            };
            let mut lines = vec![format!("send {channel} {:?}", send.template)];
            if let Some(at) = &send.at {
                lines.extend(wrap(&format!("at {}", s.timespec(at))));
            }
            (NodeKind::Action, lines, one(send.next))
        }
        Step::Notify {
            team,
            template,
            next,
            ..
        } => (
            NodeKind::Action,
            vec![format!("notify {team} {template:?}")],
            one(*next),
        ),
        Step::Wait { duration, next } => (
            NodeKind::Wait,
            wrap(&format!("wait {}", s.expr(*duration))),
            one(*next),
        ),
        Step::WaitUntil { until, next } => (
            NodeKind::Wait,
            wrap(&format!("wait until {}", s.timespec(until))),
            one(*next),
        ),
        Step::WaitFor {
            event,
            binding,
            filter,
            within,
            then,
            otherwise,
        } => {
            let binding =
                binding.map_or(String::new(), |b| format!(" as {}", s.binding(b.index())));
            let mut lines = vec![format!("wait for {}{binding}", s.event(*event))];
            lines.extend(wrap(&s.filter(*filter)));
            lines.push(format!("within {}", duration(*within)));
            let edges = vec![
                (*then, Some(format!("{} arrives", s.event(*event)))),
                (*otherwise, Some(format!("after {}", duration(*within)))),
            ];
            (NodeKind::WaitFor, lines, edges)
        }
        Step::Branch {
            condition,
            then,
            otherwise,
        } => (
            NodeKind::Branch,
            vec!["if".into()],
            vec![
                (*then, Some(wrap(&s.expr(*condition)).join("\n"))),
                (*otherwise, Some("else".into())),
            ],
        ),
        Step::Split { arms } => (
            NodeKind::Split,
            vec!["split".into()],
            arms.iter()
                .map(|(percent, name, to)| (*to, Some(format!("{percent}% {name}"))))
                .collect(),
        ),
        Step::Set { slot, value, next } => (
            NodeKind::Action,
            wrap(&format!(
                "set profile.{} = {}",
                s.profile(slot.index()),
                s.expr(*value)
            )),
            one(*next),
        ),
        Step::AdjustScore { score, delta, next } => {
            let name = s.score(score.index());
            let op = if *delta < 0 { "-=" } else { "+=" };
            (
                NodeKind::Action,
                vec![format!("score {name} {op} {}", delta.unsigned_abs())],
                one(*next),
            )
        }
        Step::Tag { tag, add, next } => (
            NodeKind::Action,
            vec![format!("{} {tag:?}", if *add { "tag" } else { "untag" })],
            one(*next),
        ),
        Step::Goal { name, next } => (NodeKind::Goal, vec![format!("goal {name}")], one(*next)),
        Step::Exit => (NodeKind::Exit, vec!["exit".into()], Vec::new()),
    }
}

/// `text` cut into lines of about [`WRAP`] characters at spaces, never inside a string
/// literal; a leading space is dropped.
fn wrap(text: &str) -> Vec<String> {
    let text = text.trim_start();
    if text.is_empty() {
        return Vec::new();
    }
    // Break points: spaces outside string literals.
    let mut words: Vec<String> = vec![String::new()];
    let mut in_string = false;
    let mut escaped = false;
    for c in text.chars() {
        match c {
            ' ' if !in_string => words.push(String::new()),
            c => {
                if in_string {
                    if escaped {
                        escaped = false;
                    } else if c == '\\' {
                        escaped = true;
                    } else if c == '"' {
                        in_string = false;
                    }
                } else if c == '"' {
                    in_string = true;
                }
                if let Some(word) = words.last_mut() {
                    word.push(c);
                }
            }
        }
    }
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in words {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > WRAP {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    lines.push(line);
    lines
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wrap_breaks_at_spaces_outside_strings() {
        assert_eq!(wrap(" where x"), vec!["where x"]);
        let long = "a == \"one two three four five six seven eight nine\" and b";
        assert_eq!(
            wrap(long),
            vec![
                "a ==",
                "\"one two three four five six seven eight nine\"",
                "and b"
            ]
        );
    }
}
