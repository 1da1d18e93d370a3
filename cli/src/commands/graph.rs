//! `journey graph`: draw each journey as a flow diagram (SVG, Graphviz DOT or Mermaid).

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use journey_insight::graph::{self, Format as GraphFormat, Graph};

use crate::Exit;

/// The arguments of `journey graph`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Without --journey every journey of the program is drawn. DOT and Mermaid graphs are written one
after another (to stdout, or to --out FILE); several SVG documents need --out DIR, which gets
one NAME.svg per journey. --out naming a directory (an existing one, or any path ending in /)
always writes one file per journey (NAME.svg, NAME.dot or NAME.mmd).

Examples:
  journey graph examples/ --journey welcome > welcome.svg
  journey graph examples/ --format mermaid
  journey graph examples/ --out graphs/")]
pub struct GraphArgs {
    /// `.journey` files, or folders searched recursively for them; all of them form one program.
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Draw only this journey.
    #[arg(long, value_name = "NAME")]
    pub journey: Option<String>,
    /// The output format.
    #[arg(long, value_enum, default_value_t = Format::Svg)]
    pub format: Format,
    /// Write to this file (or, for several SVG documents or an existing directory, into this
    /// directory, one file per journey) instead of stdout.
    #[arg(long, value_name = "FILE|DIR")]
    pub out: Option<PathBuf>,
}

/// The output formats of `journey graph`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A self-contained SVG document, laid out here (no Graphviz needed).
    Svg,
    /// Graphviz DOT, for `dot -Tpng` and other Graphviz tools.
    Dot,
    /// A Mermaid flowchart, which GitHub renders in Markdown.
    Mermaid,
}

impl From<Format> for GraphFormat {
    fn from(format: Format) -> GraphFormat {
        match format {
            Format::Svg => GraphFormat::Svg,
            Format::Dot => GraphFormat::Dot,
            Format::Mermaid => GraphFormat::Mermaid,
        }
    }
}

/// Draws the selected journeys; a program with errors gets its diagnostics instead.
pub fn run(args: &GraphArgs) -> Exit {
    let program = match super::compile(&args.paths) {
        Ok((_, program)) => program,
        Err(exit) => return exit,
    };
    let graphs = match select(&program, args.journey.as_deref()) {
        Ok(graphs) => graphs,
        Err(exit) => return exit,
    };
    let format = GraphFormat::from(args.format);
    let into_dir = match &args.out {
        Some(out) => {
            out.is_dir()
                || out.as_os_str().to_string_lossy().ends_with(['/', '\\'])
                || (graphs.len() > 1 && format == GraphFormat::Svg)
        }
        None if graphs.len() > 1 && format == GraphFormat::Svg => {
            eprintln!(
                "error: {} journeys make {} SVG documents",
                graphs.len(),
                graphs.len()
            );
            eprintln!(
                "  = help: pass `--journey NAME` for one, or `--out DIR` for a file per journey"
            );
            return Exit::Failure;
        }
        None => false,
    };
    let mut rendered = Vec::with_capacity(graphs.len());
    for g in &graphs {
        match format.render(g) {
            Ok(text) => rendered.push((g.journey.as_str(), text)),
            Err(error) => {
                eprintln!("error: {error}");
                return Exit::Failure;
            }
        }
    }
    match (&args.out, into_dir) {
        (Some(dir), true) => write_dir(dir, format, &rendered),
        (Some(file), false) => write_file(file, &joined(&rendered)),
        (None, _) => write_stdout(&joined(&rendered)),
    }
}

/// The graphs of the journey named `name`, or of every journey.
fn select(program: &journey_ir::Program, name: Option<&str>) -> Result<Vec<Graph>, Exit> {
    let Some(name) = name else {
        if program.journeys.is_empty() {
            eprintln!("error: the program has no journey to draw");
            return Err(Exit::Failure);
        }
        return Ok(graph::build_all(program));
    };
    if let Some(journey) = program.journeys.iter().find(|j| j.name == name) {
        return Ok(vec![graph::build(program, journey)]);
    }
    eprintln!("error: no journey named `{name}` in the program");
    let names = program.journeys.iter().map(|j| j.name.as_str());
    match journey_check::did_you_mean(name, names) {
        Some(suggestion) => eprintln!("  = help: did you mean `{suggestion}`?"),
        None => {
            let all: Vec<String> = program
                .journeys
                .iter()
                .map(|j| format!("`{}`", j.name))
                .collect();
            if !all.is_empty() {
                eprintln!("  = note: the journeys are {}", all.join(", "));
            }
        }
    }
    Err(Exit::Failure)
}

/// Several graphs one after another, a blank line between them.
fn joined(rendered: &[(&str, String)]) -> String {
    rendered
        .iter()
        .map(|(_, text)| text.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

fn write_stdout(text: &str) -> Exit {
    match io::stdout().lock().write_all(text.as_bytes()) {
        Ok(()) => Exit::Clean,
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Exit::Clean,
        Err(error) => {
            eprintln!("error: cannot write the graph: {error}");
            Exit::Failure
        }
    }
}

fn write_file(path: &Path, text: &str) -> Exit {
    match fs::write(path, text) {
        Ok(()) => Exit::Clean,
        Err(error) => {
            eprintln!("error: cannot write `{}`: {error}", path.display());
            Exit::Failure
        }
    }
}

/// One `NAME.EXT` per journey in `dir`, which is created if missing.
fn write_dir(dir: &Path, format: GraphFormat, rendered: &[(&str, String)]) -> Exit {
    if let Err(error) = fs::create_dir_all(dir) {
        eprintln!("error: cannot create `{}`: {error}", dir.display());
        return Exit::Failure;
    }
    for (name, text) in rendered {
        let path = dir.join(format!("{name}.{}", format.extension()));
        let exit = write_file(&path, text);
        if exit != Exit::Clean {
            return exit;
        }
        eprintln!("wrote {}", path.display());
    }
    Exit::Clean
}
