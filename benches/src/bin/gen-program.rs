//! Writes the generated benchmark program to a folder, so that `journey check` can be timed from
//! the command line:
//!
//! ```text
//! cargo run --release -p journey-benches --bin gen-program -- /tmp/big [FILES] [LINES_PER_FILE]
//! hyperfine 'target/release/journey check /tmp/big'
//! ```

use std::error::Error;
use std::path::PathBuf;

use journey_benches::{generate, total_lines, Config};

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next().map(PathBuf::from) else {
        return Err("usage: gen-program OUT_DIR [FILES] [LINES_PER_FILE]".into());
    };
    let defaults = Config::default();
    let files = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(defaults.files);
    let lines_per_file = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(defaults.lines_per_file);
    let program = generate(&Config {
        files,
        lines_per_file,
    });

    std::fs::create_dir_all(&dir)?;
    for file in &program {
        std::fs::write(dir.join(&file.name), &file.text)?;
    }
    println!(
        "wrote {} files, {} lines, to {}",
        program.len(),
        total_lines(&program),
        dir.display()
    );
    Ok(())
}
