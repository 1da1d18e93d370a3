//! The report as one self-contained HTML page: inline CSS, inline SVG charts, no script and no
//! request. Every chart has a table with its numbers; every number of a table is an element
//! with `data-json` (the JSON pointer of the figure in `report.json`), `data-value` (the
//! figure as JSON) and `data-format` (how the text shows it: `int`, `pct`, `num`, `dur`,
//! `text`), so a test can read the page and compare it with the JSON.

use std::fmt::Write as _;

use serde_json::Value;

use super::charts::{bars, Layout, Series};
use super::model::Report;
use super::sections;

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#111827;padding:0 1rem}\
h1{font-size:1.6rem}h2{margin-top:2.5rem;border-bottom:1px solid #d1d5db}h3{margin-top:1.5rem}\
table{border-collapse:collapse;margin:.5rem 0 1rem}th,td{border:1px solid #e5e7eb;padding:.25rem .6rem;text-align:right}\
th:first-child,td:first-child{text-align:left}thead th{background:#f3f4f6}caption{text-align:left;font-weight:600;padding:.25rem 0}\
.chart svg{max-width:100%;height:auto}.summary{background:#f9fafb;border-left:4px solid #2563eb;padding:.5rem 1rem}";

/// Escapes text for HTML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    out
}

/// A duration in seconds for people: `2d 3h`, `45m`, `30s`.
pub fn human_duration(seconds: f64) -> String {
    let s = seconds.round() as i64;
    let (d, h, m, sec) = (s / 86_400, s % 86_400 / 3_600, s % 3_600 / 60, s % 60);
    let parts: Vec<String> = [(d, "d"), (h, "h"), (m, "m"), (sec, "s")]
        .iter()
        .filter(|(n, _)| *n != 0)
        .map(|(n, u)| format!("{n}{u}"))
        .collect();
    if parts.is_empty() {
        "0s".into()
    } else {
        parts.into_iter().take(2).collect::<Vec<_>>().join(" ")
    }
}

/// One figure of the JSON as a table cell.
pub(crate) struct Page<'a> {
    doc: &'a Value,
    pub(crate) out: String,
}

impl Page<'_> {
    pub(crate) fn cell(&mut self, tag: &str, pointer: &str, format: &str) {
        let value = self.doc.pointer(pointer).unwrap_or(&Value::Null);
        let text = match (format, value) {
            (_, Value::Null) => "–".to_string(),
            ("pct", Value::Number(n)) => format!("{:.1}%", n.as_f64().unwrap_or(0.0) * 100.0),
            ("num", Value::Number(n)) => format!("{:.2}", n.as_f64().unwrap_or(0.0)),
            ("dur", Value::Number(n)) => human_duration(n.as_f64().unwrap_or(0.0)),
            (_, Value::String(s)) => s.clone(),
            (_, other) => other.to_string(),
        };
        let _ = write!(
            self.out,
            "<{tag} data-json=\"{}\" data-value=\"{}\" data-format=\"{format}\">{}</{tag}>",
            escape(pointer),
            escape(&value.to_string()),
            escape(&text)
        );
    }

    pub(crate) fn raw(&mut self, html: &str) {
        self.out.push_str(html);
    }

    pub(crate) fn text(&mut self, text: &str) {
        self.out.push_str(&escape(text));
    }

    /// A table: `id`, caption, header cells, and rows of (first cell text, [(pointer, format)]).
    pub(crate) fn table(
        &mut self,
        id: &str,
        caption: &str,
        head: &[&str],
        rows: &[(String, Vec<(String, &str)>)],
    ) {
        let _ = write!(self.out, "<table id=\"{}\"><caption>", escape(id));
        self.text(caption);
        self.raw("</caption><thead><tr>");
        for h in head {
            self.raw("<th>");
            self.text(h);
            self.raw("</th>");
        }
        self.raw("</tr></thead><tbody>");
        for (first, cells) in rows {
            self.raw("<tr><th scope=\"row\">");
            self.text(first);
            self.raw("</th>");
            for (pointer, format) in cells {
                self.cell("td", pointer, format);
            }
            self.raw("</tr>");
        }
        self.raw("</tbody></table>");
    }

    pub(crate) fn chart(&mut self, svg: &str) {
        self.raw("<div class=\"chart\">");
        self.raw(svg);
        self.raw("</div>");
    }
}

/// The page of a report.
pub fn html(report: &Report) -> String {
    let doc = serde_json::to_value(report).unwrap_or(Value::Null);
    let mut page = Page {
        doc: &doc,
        out: String::new(),
    };
    page.raw("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Campaign report</title><style>");
    page.raw(STYLE);
    page.raw("</style></head><body><h1>Campaign report</h1>");
    run(&mut page, report);
    journeys(&mut page, report);
    sections::channels(&mut page, report);
    sections::splits(&mut page, report);
    sections::attribution(&mut page, report);
    sections::timeline(&mut page, report);
    page.raw("</body></html>\n");
    page.out
}

fn run(page: &mut Page<'_>, report: &Report) {
    page.raw("<section id=\"run\"><h2>Run</h2>");
    let mut rows = vec![(
        "run ends at".to_string(),
        vec![("/run/end".to_string(), "text")],
    )];
    for key in ["lines", "events", "identifies", "rejected", "contacts"] {
        rows.push((key.to_string(), vec![(format!("/run/{key}"), "int")]));
    }
    for (i, a) in report.run.actions.iter().enumerate() {
        rows.push((
            format!("actions: {}", a.name),
            vec![(format!("/run/actions/{i}/count"), "int")],
        ));
    }
    page.table("run-table", "The run", &["", "value"], &rows);
    page.raw("</section>");
}

fn journeys(page: &mut Page<'_>, report: &Report) {
    page.raw("<section id=\"journeys\"><h2>Journeys</h2>");
    for (j, journey) in report.journeys.iter().enumerate() {
        let p = format!("/journeys/{j}");
        let _ = write!(page.out, "<h3 id=\"journey-{}\">", escape(&journey.name));
        page.text(&journey.name);
        page.raw("</h3>");
        let keys = [
            ("entries", "entries"),
            ("contacts entered", "contacts"),
            ("still inside at the end", "inside_at_end"),
            ("left by a goal rule", "exits/goal_rule"),
            ("left by an exit rule", "exits/exit_rule"),
            ("left at an exit step or the end", "exits/end"),
        ];
        let rows: Vec<_> = keys
            .iter()
            .map(|(label, key)| (label.to_string(), vec![(format!("{p}/{key}"), "int")]))
            .collect();
        page.table(
            &format!("journey-{j}-summary"),
            "Entries and exits",
            &["", "contacts"],
            &rows,
        );
        let categories: Vec<String> = journey
            .steps
            .iter()
            .map(|s| format!("s{}", s.step))
            .collect();
        page.chart(&bars(
            &format!("{}: contacts at each step", journey.name),
            &categories,
            &[Series {
                name: "contacts",
                values: journey.steps.iter().map(|s| s.contacts as f64).collect(),
            }],
            Layout::Grouped,
            false,
        ));
        let rows: Vec<_> = journey
            .steps
            .iter()
            .enumerate()
            .map(|(s, step)| {
                let q = format!("{p}/steps/{s}");
                (
                    format!("s{} {}", step.step, step.label),
                    vec![
                        (format!("{q}/contacts"), "int"),
                        (format!("{q}/runs"), "int"),
                        (format!("{q}/waiting_at_end"), "int"),
                    ],
                )
            })
            .collect();
        page.table(
            &format!("journey-{j}-steps"),
            "Steps",
            &["step", "contacts", "runs", "waiting at the end"],
            &rows,
        );
        if !journey.goals.is_empty() {
            let rows: Vec<_> = journey
                .goals
                .iter()
                .enumerate()
                .map(|(g, goal)| {
                    let q = format!("{p}/goals/{g}");
                    (
                        goal.name.clone(),
                        vec![
                            (format!("{q}/reached"), "int"),
                            (format!("{q}/contacts"), "int"),
                            (format!("{q}/conversion_rate"), "pct"),
                            (format!("{q}/median_seconds"), "dur"),
                        ],
                    )
                })
                .collect();
            page.table(
                &format!("journey-{j}-goals"),
                "Goals",
                &[
                    "goal",
                    "records",
                    "contacts",
                    "conversion",
                    "median time from entry",
                ],
                &rows,
            );
        }
    }
    page.raw("</section>");
}
