//! SVG: laid out by `layout-rs`, drawn by our own writer.
//!
//! `layout-rs` (a Sugiyama-style layered layout, the method of Graphviz's `dot`, in pure Rust
//! with no system dependency) places the nodes and routes the edges; it hands every shape,
//! text and arrow to a [`RenderBackend`]. Its own SVG writer emits font classes in `HashMap`
//! order (so two runs can differ), uses a serif font and has no diamond, so [`Canvas`]
//! implements the backend instead: a node's kind travels in the element's `properties` and
//! picks its shape (stadium entry, box step, rounded wait, hexagon `wait for`, diamond branch,
//! flag-coloured goal, double-circle exit, dashed rule notes); numbers are printed with one
//! decimal; fonts are the generic families every viewer has. The document references nothing
//! outside itself and is the same bytes on every run.

use std::fmt::Write as _;
use std::panic::{catch_unwind, AssertUnwindSafe};

use layout::core::base::Orientation;
use layout::core::format::{ClipHandle, RenderBackend};
use layout::core::geometry::Point;
use layout::core::style::{LineStyleKind, StyleAttr};
use layout::std_shapes::shapes::{Arrow, Element, LineEndKind, ShapeKind};
use layout::topo::layout::VisualGraph;

use super::{EdgeKind, Graph, NodeKind};

/// The layout failed (the layout crate gave up on this graph).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SvgError(pub String);

impl std::fmt::Display for SvgError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot lay out journey `{}`", self.0)
    }
}

impl std::error::Error for SvgError {}

const NODE_FONT: usize = 12;
/// Edge labels are drawn in a smaller font.
const EDGE_FONT: usize = 11;
/// Width of one character of the monospace font, per pixel of font size.
const CHAR_WIDTH: f64 = 0.6;
const LINE_HEIGHT: f64 = 1.35;
const MARGIN: f64 = 16.0;
const TITLE_HEIGHT: f64 = 28.0;
const FONT: &str = "ui-monospace, SFMono-Regular, Menlo, Consolas, 'DejaVu Sans Mono', monospace";

/// The graph as a standalone SVG document.
pub fn render(graph: &Graph) -> Result<String, SvgError> {
    let mut canvas = Canvas {
        node_texts: graph.nodes.iter().map(|n| n.lines.join("\n")).collect(),
        ..Canvas::default()
    };
    let laid_out = catch_unwind(AssertUnwindSafe(|| {
        let mut vg = visual_graph(graph);
        vg.do_it(false, false, false, &mut canvas);
    }));
    match laid_out {
        Ok(()) => Ok(canvas.finish(&graph.journey)),
        Err(_) => Err(SvgError(graph.journey.clone())),
    }
}

fn kind_name(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Entry => "entry",
        NodeKind::Action => "action",
        NodeKind::Wait => "wait",
        NodeKind::WaitFor => "waitfor",
        NodeKind::Branch => "branch",
        NodeKind::Split => "split",
        NodeKind::Goal => "goal",
        NodeKind::Exit => "exit",
        NodeKind::GoalRule => "goalrule",
        NodeKind::ExitRule => "exitrule",
    }
}

/// The text's box: the longest line and the number of lines.
fn text_size(lines: &[String], font: usize) -> (f64, f64) {
    let longest = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let font = font as f64;
    (
        longest as f64 * font * CHAR_WIDTH,
        lines.len().max(1) as f64 * font * LINE_HEIGHT,
    )
}

fn visual_graph(graph: &Graph) -> VisualGraph {
    let dir = Orientation::TopToBottom;
    let mut vg = VisualGraph::new(dir);
    let mut handles = Vec::with_capacity(graph.nodes.len());
    for node in &graph.nodes {
        let (w, h) = text_size(&node.lines, NODE_FONT);
        let (shape, size) = match node.kind {
            NodeKind::Exit => (
                ShapeKind::Circle(node.lines.join("\n")),
                Point::new(w.max(h) + 24.0, w.max(h) + 24.0),
            ),
            // A diamond holds its text in the middle half of its width and height.
            NodeKind::Branch | NodeKind::Split => (
                ShapeKind::Box(node.lines.join("\n")),
                Point::new(w * 1.6 + 40.0, h * 1.6 + 28.0),
            ),
            NodeKind::WaitFor => (
                ShapeKind::Box(node.lines.join("\n")),
                Point::new(w + 48.0, h + 16.0),
            ),
            NodeKind::Entry => (
                ShapeKind::Box(node.lines.join("\n")),
                Point::new(w + h + 24.0, h + 16.0),
            ),
            _ => (
                ShapeKind::Box(node.lines.join("\n")),
                Point::new(w + 24.0, h + 16.0),
            ),
        };
        let mut look = StyleAttr::simple();
        look.font_size = NODE_FONT;
        let element = Element::create_with_properties(shape, look, dir, size, kind_name(node.kind));
        handles.push((node.id.as_str(), vg.add_node(element)));
    }
    let find = |id: &str| handles.iter().find(|(n, _)| *n == id).map(|(_, h)| *h);
    for edge in &graph.edges {
        let (Some(from), Some(to)) = (find(&edge.from), find(&edge.to)) else {
            continue;
        };
        let mut look = StyleAttr::simple();
        look.font_size = EDGE_FONT;
        look.line_width = 1;
        let (style, end, class) = match edge.kind {
            EdgeKind::Flow => (LineStyleKind::Normal, LineEndKind::Arrow, "flow"),
            EdgeKind::Rule => (LineStyleKind::Dashed, LineEndKind::None, "rule"),
        };
        let arrow = Arrow::with_properties(
            LineEndKind::None,
            end,
            style,
            edge.label.as_deref().unwrap_or(""),
            &look,
            class,
            &None,
            &None,
        );
        vg.add_edge(arrow, from, to);
    }
    vg
}

/// One thing to draw, in the order the layout hands them over.
#[derive(Debug)]
enum Item {
    Shape {
        kind: String,
        x: f64,
        y: f64,
        w: f64,
        h: f64,
    },
    Text {
        x: f64,
        y: f64,
        text: String,
        edge: bool,
    },
    Arrow {
        d: String,
        dashed: bool,
        head: bool,
    },
}

/// A [`RenderBackend`] that keeps what the layout draws and writes it out as SVG.
#[derive(Debug, Default)]
struct Canvas {
    items: Vec<Item>,
    /// The nodes' texts, to tell them from edge labels.
    node_texts: Vec<String>,
    /// The extent of everything drawn: `(min x, min y, max x, max y)`.
    bounds: Option<(f64, f64, f64, f64)>,
}

impl Canvas {
    fn grow(&mut self, x: f64, y: f64) {
        let (x0, y0, x1, y1) = self.bounds.unwrap_or((x, y, x, y));
        self.bounds = Some((x0.min(x), y0.min(y), x1.max(x), y1.max(y)));
    }

    fn finish(&self, journey: &str) -> String {
        let (x0, y0, x1, y1) = self.bounds.unwrap_or_default();
        let dx = MARGIN - x0;
        let dy = MARGIN + TITLE_HEIGHT - y0;
        let width = (x1 - x0 + 2.0 * MARGIN).max(200.0);
        let height = y1 - y0 + 2.0 * MARGIN + TITLE_HEIGHT;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" font-family=\"{FONT}\" font-size=\"{NODE_FONT}\">",
            n(width),
            n(height),
            n(width),
            n(height)
        );
        let _ = writeln!(out, "<title>journey {}</title>", escape(journey));
        out.push_str(concat!(
            "<defs><marker id=\"head\" markerWidth=\"10\" markerHeight=\"8\" refX=\"9\" refY=\"4\" ",
            "orient=\"auto\" markerUnits=\"userSpaceOnUse\"><path d=\"M0,0 L10,4 L0,8 z\" fill=\"#4b5563\"/>",
            "</marker></defs>\n"
        ));
        let _ = writeln!(
            out,
            "<rect x=\"0\" y=\"0\" width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>",
            n(width),
            n(height)
        );
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" font-size=\"14\" font-weight=\"bold\" fill=\"#111827\">journey {}</text>",
            n(MARGIN),
            n(MARGIN + 12.0),
            escape(journey)
        );
        // Arrows under the shapes, edge labels over everything.
        for item in &self.items {
            if let Item::Arrow { d, dashed, head } = item {
                let dash = if *dashed {
                    " stroke-dasharray=\"5,4\""
                } else {
                    ""
                };
                let marker = if *head {
                    " marker-end=\"url(#head)\""
                } else {
                    ""
                };
                let _ = writeln!(
                    out,
                    "<path d=\"{}\" transform=\"translate({},{})\" fill=\"none\" stroke=\"#4b5563\" stroke-width=\"1.2\"{dash}{marker}/>",
                    d,
                    n(dx),
                    n(dy)
                );
            }
        }
        for item in &self.items {
            if let Item::Shape { kind, x, y, w, h } = item {
                out.push_str(&shape(kind, x + dx, y + dy, *w, *h));
            }
        }
        for item in &self.items {
            if let Item::Text { x, y, text, edge } = item {
                out.push_str(&text_block(x + dx, y + dy, text, *edge));
            }
        }
        out.push_str("</svg>\n");
        out
    }
}

/// A number with one decimal, without a trailing `.0`.
fn n(v: f64) -> String {
    let s = format!("{:.1}", v);
    s.strip_suffix(".0").map_or(s.clone(), str::to_string)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The outline of a node of `kind` in the box at `(x, y)` of size `(w, h)`.
fn shape(kind: &str, x: f64, y: f64, w: f64, h: f64) -> String {
    let (cx, cy) = (x + w / 2.0, y + h / 2.0);
    let rect = |rx: f64, fill: &str, stroke: &str, extra: &str| {
        let width = if kind == "entry" { "2.5" } else { "1.5" };
        format!(
            "<rect class=\"{kind}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"{}\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{width}\"{extra}/>\n",
            n(x),
            n(y),
            n(w),
            n(h),
            n(rx)
        )
    };
    let polygon = |points: &[(f64, f64)], fill: &str, stroke: &str| {
        let points: Vec<String> = points
            .iter()
            .map(|(px, py)| format!("{},{}", n(*px), n(*py)))
            .collect();
        format!(
            "<polygon class=\"{kind}\" points=\"{}\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"1.5\"/>\n",
            points.join(" ")
        )
    };
    match kind {
        "entry" => rect(h / 2.0, "#dbeafe", "#1d4ed8", ""),
        "wait" => rect(10.0, "#fef3c7", "#b45309", " stroke-dasharray=\"5,3\""),
        "waitfor" => {
            let i = 16.0_f64.min(w / 4.0);
            polygon(
                &[
                    (x + i, y),
                    (x + w - i, y),
                    (x + w, cy),
                    (x + w - i, y + h),
                    (x + i, y + h),
                    (x, cy),
                ],
                "#fef3c7",
                "#b45309",
            )
        }
        "branch" | "split" => polygon(
            &[(cx, y), (x + w, cy), (cx, y + h), (x, cy)],
            "#ede9fe",
            "#6d28d9",
        ),
        "goal" => rect(h / 2.0, "#dcfce7", "#15803d", ""),
        "exit" => format!(
            "<circle class=\"exit\" cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"#fee2e2\" stroke=\"#b91c1c\" stroke-width=\"1.5\"/>\n<circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"none\" stroke=\"#b91c1c\" stroke-width=\"1.5\"/>\n",
            n(cx),
            n(cy),
            n(w / 2.0),
            n(cx),
            n(cy),
            n(w / 2.0 - 4.0)
        ),
        "goalrule" => rect(2.0, "#f0fdf4", "#15803d", " stroke-dasharray=\"4,3\""),
        "exitrule" => rect(2.0, "#fef2f2", "#b91c1c", " stroke-dasharray=\"4,3\""),
        _ => rect(3.0, "#ffffff", "#374151", ""),
    }
}

/// Lines of text centred on `(x, y)`; an edge label gets a white backing so it reads over
/// the lines it sits on.
fn text_block(x: f64, y: f64, text: &str, edge: bool) -> String {
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    let font = if edge { EDGE_FONT } else { NODE_FONT };
    let step = font as f64 * LINE_HEIGHT;
    let top = y - step * (lines.len() as f64 - 1.0) / 2.0;
    let mut out = String::new();
    if edge {
        let (w, h) = text_size(&lines, font);
        let _ = writeln!(
            out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#ffffff\" fill-opacity=\"0.85\"/>",
            n(x - w / 2.0 - 2.0),
            n(y - h / 2.0),
            n(w + 4.0),
            n(h)
        );
    }
    let style = if edge {
        format!(" font-size=\"{EDGE_FONT}\" fill=\"#374151\" font-style=\"italic\"")
    } else {
        " fill=\"#111827\"".to_string()
    };
    for (i, line) in lines.iter().enumerate() {
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" dy=\"0.35em\"{style} xml:space=\"preserve\">{}</text>",
            n(x),
            n(top + step * i as f64),
            escape(line)
        );
    }
    out
}

impl RenderBackend for Canvas {
    fn draw_rect(
        &mut self,
        xy: Point,
        size: Point,
        _look: &StyleAttr,
        properties: Option<String>,
        _clip: Option<ClipHandle>,
    ) {
        self.grow(xy.x, xy.y);
        self.grow(xy.x + size.x, xy.y + size.y);
        self.items.push(Item::Shape {
            kind: properties.unwrap_or_default(),
            x: xy.x,
            y: xy.y,
            w: size.x,
            h: size.y,
        });
    }

    fn draw_line(
        &mut self,
        _start: Point,
        _stop: Point,
        _look: &StyleAttr,
        _properties: Option<String>,
    ) {
    }

    fn draw_circle(
        &mut self,
        xy: Point,
        size: Point,
        _look: &StyleAttr,
        properties: Option<String>,
    ) {
        // Only the exit node is a circle; `xy` is its centre.
        let (x, y) = (xy.x - size.x / 2.0, xy.y - size.y / 2.0);
        self.grow(x, y);
        self.grow(x + size.x, y + size.y);
        self.items.push(Item::Shape {
            kind: properties.unwrap_or_else(|| "exit".into()),
            x,
            y,
            w: size.x,
            h: size.y,
        });
    }

    fn draw_text(&mut self, xy: Point, text: &str, _look: &StyleAttr) {
        // The layout does not say whose text this is (and may copy the wrong style onto an
        // edge label's connector): any text that is not a node's is an edge label.
        let edge = !self.node_texts.iter().any(|t| t == text);
        let lines: Vec<String> = text.lines().map(str::to_string).collect();
        let (w, h) = text_size(&lines, if edge { EDGE_FONT } else { NODE_FONT });
        self.grow(xy.x - w / 2.0 - 2.0, xy.y - h / 2.0);
        self.grow(xy.x + w / 2.0 + 2.0, xy.y + h / 2.0);
        self.items.push(Item::Text {
            x: xy.x,
            y: xy.y,
            text: text.to_string(),
            edge,
        });
    }

    fn draw_arrow(
        &mut self,
        path: &[(Point, Point)],
        dashed: bool,
        head: (bool, bool),
        _look: &StyleAttr,
        _properties: Option<String>,
        _text: &str,
    ) {
        // The same cubic path as the layout's own writer: the exit vector of the first
        // point, then the entry vector of each further point.
        let (Some(first), Some(second)) = (path.first(), path.get(1)) else {
            return;
        };
        for (a, b) in path {
            self.grow(a.x, a.y);
            self.grow(b.x, b.y);
        }
        let mut d = format!(
            "M {} {} C {} {}, {} {}, {} {}",
            n(first.0.x),
            n(first.0.y),
            n(first.1.x),
            n(first.1.y),
            n(second.0.x),
            n(second.0.y),
            n(second.1.x),
            n(second.1.y)
        );
        for (a, b) in path.iter().skip(2) {
            let _ = write!(d, " S {} {}, {} {}", n(a.x), n(a.y), n(b.x), n(b.y));
        }
        self.items.push(Item::Arrow {
            d,
            dashed,
            head: head.1,
        });
    }

    fn create_clip(&mut self, _xy: Point, _size: Point, _rounded_px: usize) -> ClipHandle {
        0
    }
}
