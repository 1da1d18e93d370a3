//! Debug helper: lower files and print the IR.
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
    match journey_ir::lower(&analysis) {
        Ok(program) => print!("{}", journey_ir::print::print(&program)),
        Err(e) => eprintln!("{e}"),
    }
}
