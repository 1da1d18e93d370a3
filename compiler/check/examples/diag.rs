//! Debug helper: check files and print diagnostics tersely, one line each.
#![allow(clippy::unwrap_used)]
fn main() {
    let mut sources = journey_syntax::SourceMap::new();
    for path in std::env::args().skip(1) {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let text = if path.ends_with(".md") {
            let mut out = String::new();
            let mut inside = false;
            for line in text.lines() {
                if line.starts_with("```") {
                    inside = !inside;
                    out.push('\n');
                    continue;
                }
                if inside {
                    out.push_str(line);
                }
                out.push('\n');
            }
            out
        } else {
            text
        };
        sources.add(path, text);
    }
    let analysis = journey_check::check(&sources);
    for d in &analysis.diagnostics {
        let span = d.span();
        let file = sources.get(span.file).unwrap();
        let lc = file.line_col(span.start);
        println!(
            "{}:{}:{} {} {} | {}",
            file.name,
            lc.line,
            lc.column,
            d.code.as_str(),
            d.message,
            d.help.join(" / ")
        );
    }
}
