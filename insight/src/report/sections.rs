//! The page's sections after the journeys: channels and templates, splits, attribution and the
//! timeline, each a table of figures and a chart.

use std::fmt::Write as _;

use super::attribution::MODELS;
use super::charts::{bars, Layout, Series};
use super::html::{escape, Page};
use super::model::{Report, TemplateReport};

pub(crate) fn channels(page: &mut Page<'_>, report: &Report) {
    page.raw("<section id=\"channels\"><h2>Channels and templates</h2>");
    for (c, channel) in report.channels.iter().enumerate() {
        let _ = write!(page.out, "<h3>{}</h3>", escape(&channel.channel));
        let row = |q: String| {
            vec![
                (format!("{q}/sends"), "int"),
                (format!("{q}/suppressed/consent"), "int"),
                (format!("{q}/suppressed/cap"), "int"),
                (format!("{q}/opened"), "int"),
                (format!("{q}/clicked"), "int"),
                (format!("{q}/open_rate"), "pct"),
                (format!("{q}/click_rate"), "pct"),
            ]
        };
        let mut rows: Vec<_> = channel
            .templates
            .iter()
            .enumerate()
            .map(|(t, template)| {
                (
                    format!("{:?}", template.template),
                    row(format!("/channels/{c}/templates/{t}")),
                )
            })
            .collect();
        rows.push(("all templates".into(), row(format!("/channels/{c}/total"))));
        page.table(
            &format!("channel-{}", channel.channel),
            &format!("{}: sends, suppressions and engagement", channel.channel),
            &[
                "template",
                "sends",
                "suppressed: consent",
                "suppressed: cap",
                "opened",
                "clicked",
                "open rate",
                "click rate",
            ],
            &rows,
        );
        let categories: Vec<String> = channel
            .templates
            .iter()
            .map(|t| t.template.clone())
            .collect();
        let pick =
            |f: fn(&TemplateReport) -> u64| channel.templates.iter().map(|t| f(t) as f64).collect();
        page.chart(&bars(
            &format!("{}: sends and engagement", channel.channel),
            &categories,
            &[
                Series {
                    name: "sends",
                    values: pick(|t| t.sends),
                },
                Series {
                    name: "opened",
                    values: pick(|t| t.opened),
                },
                Series {
                    name: "clicked",
                    values: pick(|t| t.clicked),
                },
                Series {
                    name: "suppressed",
                    values: pick(|t| t.suppressed.consent + t.suppressed.cap),
                },
            ],
            Layout::Grouped,
            false,
        ));
    }
    page.raw("</section>");
}

pub(crate) fn splits(page: &mut Page<'_>, report: &Report) {
    page.raw("<section id=\"splits\"><h2>Splits</h2>");
    if report.splits.is_empty() {
        page.raw("<p>The program has no split.</p>");
    }
    for (s, split) in report.splits.iter().enumerate() {
        let p = format!("/splits/{s}");
        let _ = write!(
            page.out,
            "<h3>{} s{}</h3>",
            escape(&split.journey),
            split.step
        );
        page.raw("<p>Converted: ");
        page.text(&split.outcome);
        page.raw(".</p><p class=\"summary\">");
        page.cell("span", &format!("{p}/summary"), "text");
        page.raw("</p>");
        let rows: Vec<_> = split
            .arms
            .iter()
            .enumerate()
            .map(|(a, arm)| {
                let q = format!("{p}/arms/{a}");
                (
                    arm.name.clone(),
                    vec![
                        (format!("{q}/contacts"), "int"),
                        (format!("{q}/converted"), "int"),
                        (format!("{q}/conversion_rate"), "pct"),
                    ],
                )
            })
            .collect();
        page.table(
            &format!("split-{s}-arms"),
            "Arms",
            &["arm", "contacts", "converted", "conversion"],
            &rows,
        );
        if split.test.is_some() {
            let t = format!("{p}/test");
            let rows = vec![
                ("test".to_string(), vec![(format!("{t}/method"), "text")]),
                (
                    "statistic".to_string(),
                    vec![(format!("{t}/statistic"), "num")],
                ),
                ("p-value".to_string(), vec![(format!("{t}/p_value"), "num")]),
                (
                    "difference (variant − baseline)".to_string(),
                    vec![(format!("{t}/difference"), "pct")],
                ),
                (
                    "95% interval, low".to_string(),
                    vec![(format!("{t}/ci95/0"), "pct")],
                ),
                (
                    "95% interval, high".to_string(),
                    vec![(format!("{t}/ci95/1"), "pct")],
                ),
                (
                    "contacts per arm for 80% power".to_string(),
                    vec![(format!("{t}/needed_per_arm"), "int")],
                ),
            ];
            page.table(&format!("split-{s}-test"), "Test", &["", "value"], &rows);
        }
        let categories: Vec<String> = split.arms.iter().map(|a| a.name.clone()).collect();
        page.chart(&bars(
            &format!("{} s{}: conversion by arm", split.journey, split.step),
            &categories,
            &[Series {
                name: "conversion",
                values: split.arms.iter().map(|a| a.conversion_rate).collect(),
            }],
            Layout::Grouped,
            true,
        ));
    }
    page.raw("</section>");
}

pub(crate) fn attribution(page: &mut Page<'_>, report: &Report) {
    page.raw("<section id=\"attribution\"><h2>Attribution</h2>");
    for (o, outcome) in report.attribution.iter().enumerate() {
        let p = format!("/attribution/{o}");
        let _ = write!(
            page.out,
            "<h3>{} {} ({})</h3>",
            outcome.kind,
            escape(&outcome.name),
            escape(&outcome.source)
        );
        let rows = vec![
            (
                "occurrences".to_string(),
                vec![(format!("{p}/count"), "int")],
            ),
            (
                "contacts".to_string(),
                vec![(format!("{p}/contacts"), "int")],
            ),
            ("value".to_string(), vec![(format!("{p}/value"), "num")]),
            (
                "window".to_string(),
                vec![(format!("{p}/window_seconds"), "dur")],
            ),
            (
                "no send in the window".to_string(),
                vec![(format!("{p}/unattributed"), "int")],
            ),
        ];
        page.table(
            &format!("outcome-{o}"),
            "Occurrences",
            &["", "value"],
            &rows,
        );
        for (dim, key) in [
            ("journey", "by_journey"),
            ("template", "by_template"),
            ("channel", "by_channel"),
        ] {
            let mut rows = Vec::new();
            for (m, model) in outcome.models.iter().enumerate() {
                let list = match key {
                    "by_journey" => &model.by_journey,
                    "by_template" => &model.by_template,
                    _ => &model.by_channel,
                };
                for (i, credited) in list.iter().enumerate() {
                    let q = format!("{p}/models/{m}/{key}/{i}");
                    rows.push((
                        format!("{} · {}", MODELS[m], credited.name),
                        vec![
                            (format!("{q}/conversions"), "num"),
                            (format!("{q}/value"), "num"),
                        ],
                    ));
                }
            }
            if !rows.is_empty() {
                page.table(
                    &format!("outcome-{o}-{key}"),
                    &format!("Credit by {dim}"),
                    &["model · name", "conversions", "value"],
                    &rows,
                );
            }
        }
        let channels: Vec<String> = outcome
            .models
            .first()
            .map(|m| m.by_channel.iter().map(|c| c.name.clone()).collect())
            .unwrap_or_default();
        if !channels.is_empty() {
            let series: Vec<Series<'_>> = outcome
                .models
                .iter()
                .map(|m| Series {
                    name: m.model,
                    values: channels
                        .iter()
                        .map(|c| {
                            m.by_channel
                                .iter()
                                .find(|x| &x.name == c)
                                .map_or(0.0, |x| x.conversions)
                        })
                        .collect(),
                })
                .collect();
            page.chart(&bars(
                &format!("{}: conversions credited by channel", outcome.name),
                &channels,
                &series,
                Layout::Grouped,
                false,
            ));
        }
    }
    page.raw("</section>");
}

pub(crate) fn timeline(page: &mut Page<'_>, report: &Report) {
    page.raw("<section id=\"timeline\"><h2>Timeline</h2>");
    let kinds: Vec<&str> = report.run.actions.iter().map(|a| a.name.as_str()).collect();
    let days: Vec<String> = report.timeline.iter().map(|d| d.date.clone()).collect();
    let series: Vec<Series<'_>> = kinds
        .iter()
        .enumerate()
        .map(|(k, name)| Series {
            name,
            values: report
                .timeline
                .iter()
                .map(|d| d.actions.get(k).map_or(0.0, |a| a.count as f64))
                .collect(),
        })
        .filter(|s| s.values.iter().any(|v| *v > 0.0))
        .collect();
    if !days.is_empty() {
        page.chart(&bars(
            "Actions per day (UTC)",
            &days,
            &series,
            Layout::Stacked,
            false,
        ));
    }
    let rows: Vec<_> = report
        .timeline
        .iter()
        .enumerate()
        .map(|(d, day)| {
            (
                day.date.clone(),
                (0..kinds.len())
                    .map(|k| (format!("/timeline/{d}/actions/{k}/count"), "int"))
                    .collect(),
            )
        })
        .collect();
    let mut head = vec!["day"];
    head.extend(kinds.iter().copied());
    page.table("timeline-table", "Actions per day", &head, &rows);
    page.raw("</section>");
}
