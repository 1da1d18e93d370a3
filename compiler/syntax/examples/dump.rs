//! Debug helper: parse a file and print errors.
fn main() {
    let path = std::env::args().nth(1).unwrap_or_default();
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
    let parsed = journey_syntax::parse(journey_syntax::FileId(0), &text);
    println!("{} decls", parsed.module.decls.len());
    for e in &parsed.errors {
        println!("{:?}", e);
    }
    if std::env::args().nth(2).is_some() {
        println!("{:#?}", parsed.module);
    }
}
