//! The report's charts: bar charts drawn by `plotters` into SVG strings (no font files, no
//! bitmaps), inlined in the page. Every chart has a table beside it with the same numbers.

use plotters::prelude::*;

/// A series of values, one per category.
pub struct Series<'a> {
    /// The legend's name.
    pub name: &'a str,
    /// One value per category.
    pub values: Vec<f64>,
}

/// The palette, one colour per series.
const COLORS: [RGBColor; 7] = [
    RGBColor(37, 99, 235),
    RGBColor(234, 88, 12),
    RGBColor(22, 163, 74),
    RGBColor(147, 51, 234),
    RGBColor(220, 38, 38),
    RGBColor(8, 145, 178),
    RGBColor(202, 138, 4),
];

/// How the bars of several series share a category.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// Side by side.
    Grouped,
    /// On top of one another.
    Stacked,
}

/// A vertical bar chart of `series` over `categories`, as an SVG document; `percent` labels
/// the axis in percent of 1.
pub fn bars(
    title: &str,
    categories: &[String],
    series: &[Series<'_>],
    layout: Layout,
    percent: bool,
) -> String {
    let mut svg = String::new();
    let width = (160 + categories.len() as u32 * 70).clamp(480, 1100);
    if draw(
        &mut svg,
        (width, 320),
        title,
        categories,
        series,
        layout,
        percent,
    )
    .is_err()
    {
        return String::new();
    }
    // The backend writes an XML declaration-free `<svg>`; give it a role for readers.
    svg.replacen("<svg ", "<svg role=\"img\" ", 1)
}

fn draw(
    svg: &mut String,
    size: (u32, u32),
    title: &str,
    categories: &[String],
    series: &[Series<'_>],
    layout: Layout,
    percent: bool,
) -> Result<(), String> {
    let root = SVGBackend::with_string(svg, size).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let n = categories.len().max(1);
    let top = match layout {
        Layout::Grouped => series
            .iter()
            .flat_map(|s| s.values.iter().copied())
            .fold(0.0, f64::max),
        Layout::Stacked => (0..n)
            .map(|i| {
                series
                    .iter()
                    .map(|s| s.values.get(i).copied().unwrap_or(0.0))
                    .sum()
            })
            .fold(0.0, f64::max),
    };
    let top = if top <= 0.0 { 1.0 } else { top * 1.1 };
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 18))
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), 0f64..top)
        .map_err(|e| e.to_string())?;
    let label = |x: &f64| {
        let i = x.round();
        if (x - i).abs() < 1e-6 && i >= 0.0 {
            categories.get(i as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    };
    let value = |y: &f64| {
        if percent {
            format!("{:.0}%", y * 100.0)
        } else {
            format!("{y:.0}")
        }
    };
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n + 1)
        .x_label_formatter(&label)
        .y_label_formatter(&value)
        .draw()
        .map_err(|e| e.to_string())?;
    let k = series.len().max(1) as f64;
    for (si, s) in series.iter().enumerate() {
        let color = COLORS[si % COLORS.len()];
        let rects = s.values.iter().enumerate().map(|(i, v)| {
            let x = i as f64;
            let (x0, x1, y0) = match layout {
                Layout::Grouped => {
                    let w = 0.8 / k;
                    let x0 = x - 0.4 + si as f64 * w;
                    (x0, x0 + w, 0.0)
                }
                Layout::Stacked => {
                    let below: f64 = series[..si]
                        .iter()
                        .map(|o| o.values.get(i).copied().unwrap_or(0.0))
                        .sum();
                    (x - 0.35, x + 0.35, below)
                }
            };
            Rectangle::new([(x0, y0), (x1, y0 + v)], color.filled())
        });
        chart
            .draw_series(rects)
            .map_err(|e| e.to_string())?
            .label(s.name)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled()));
    }
    if series.len() > 1 {
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .position(SeriesLabelPosition::UpperRight)
            .draw()
            .map_err(|e| e.to_string())?;
    }
    root.present().map_err(|e| e.to_string())?;
    Ok(())
}
