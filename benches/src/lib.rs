//! A deterministic generator of a large, realistic journey program, for benchmarking the
//! compiler.
//!
//! The program models a multi-brand marketing workspace: one shared file (channel events, the
//! profile, the policy, a shared score and segments) and one file per brand with the brand's
//! events, two scores, seven segments, journeys stamped from templates that together use every
//! kind of entry, header clause and step, and a test. Journeys refer to the shared file and to
//! the next brand's file, so names resolve across files as in a real workspace. Parameters
//! (thresholds, hours, weekdays, split shares) come from a fixed-seed PRNG, so the same
//! [`Config`] always yields byte-identical files.

mod rng;
mod templates;
pub mod workload;

use journey_syntax::SourceMap;

use rng::Rng;

/// Size of the generated program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// Number of files, the shared file included (at least 2).
    pub files: usize,
    /// Lines aimed at per file; the whole program has about `files * lines_per_file` lines.
    pub lines_per_file: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            files: 50,
            lines_per_file: 1_000,
        }
    }
}

/// One generated source file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneratedFile {
    /// File name, relative to the program's folder.
    pub name: String,
    /// Full text.
    pub text: String,
}

/// Generates the program described by `config`.
pub fn generate(config: &Config) -> Vec<GeneratedFile> {
    let brand_files = config.files.max(2) - 1;
    let shared_lines = lines(templates::SHARED);
    let budget = (config.files.max(2) * config.lines_per_file).saturating_sub(shared_lines);
    let per_brand = budget / brand_files;
    let brands: Vec<String> = (0..brand_files).map(brand_name).collect();

    let mut files = vec![GeneratedFile {
        name: "shared.journey".to_string(),
        text: templates::SHARED.to_string(),
    }];
    for (index, brand) in brands.iter().enumerate() {
        let next = &brands[(index + 1) % brands.len()];
        let text = brand_file(index, brand, next, per_brand);
        files.push(GeneratedFile {
            name: format!("{brand}.journey"),
            text,
        });
    }
    files
}

/// A source map holding `files`, in order.
pub fn source_map(files: &[GeneratedFile]) -> SourceMap {
    let mut sources = SourceMap::new();
    for file in files {
        sources.add(file.name.clone(), file.text.clone());
    }
    sources
}

/// Total number of lines of `files`.
pub fn total_lines(files: &[GeneratedFile]) -> usize {
    files.iter().map(|f| lines(&f.text)).sum()
}

/// Total number of bytes of `files`.
pub fn total_bytes(files: &[GeneratedFile]) -> usize {
    files.iter().map(|f| f.text.len()).sum()
}

fn lines(text: &str) -> usize {
    text.lines().count()
}

const COMPANIES: [&str; 10] = [
    "acme", "globex", "initech", "hooli", "wonka", "tyrell", "vandelay", "stark", "oscorp",
    "nakatomi",
];
const REGIONS: [&str; 5] = ["us", "eu", "uk", "apac", "latam"];
const TEAMS: [&str; 6] = [
    "growth",
    "lifecycle",
    "retention",
    "demand generation",
    "customer marketing",
    "ecommerce",
];
const BLURBS: [&str; 5] = [
    "The brand sells subscriptions with a self-serve trial and a sales-assisted enterprise plan.",
    "Most revenue comes from the web shop; the product app drives repeat orders.",
    "A mid-market software brand: webinars and demos feed the sales pipeline.",
    "A consumer brand with a loyalty programme and a busy Black Friday.",
    "A young brand still finding its audience; the newsletter is its main channel.",
];

/// The brand of file `index`: `acme_us`, `acme_eu`, ..., then `acme_us_2` after fifty brands.
fn brand_name(index: usize) -> String {
    let company = COMPANIES[index / REGIONS.len() % COMPANIES.len()];
    let region = REGIONS[index % REGIONS.len()];
    let round = index / (COMPANIES.len() * REGIONS.len());
    if round == 0 {
        format!("{company}_{region}")
    } else {
        format!("{company}_{region}_{}", round + 1)
    }
}

fn brand_file(index: usize, brand: &str, next: &str, target_lines: usize) -> String {
    let mut rng = Rng::new(index as u64);
    let title = brand.replace('_', " ").to_uppercase();
    let head_vars = [
        ("b", brand.to_string()),
        ("title", title),
        ("team", rng.pick(&TEAMS).to_string()),
        ("blurb", rng.pick(&BLURBS).to_string()),
        ("views", rng.range(2, 5).to_string()),
        ("power", (rng.range(2, 8) * 10).to_string()),
    ];
    let mut text = fill(templates::BRAND_HEAD, &head_vars);
    let test = fill(templates::BRAND_TEST, &head_vars);
    let mut line_count = lines(&text) + lines(&test);

    let mut instance = 0;
    'rounds: loop {
        for template in templates::JOURNEYS {
            let journey = fill(template, &journey_vars(brand, next, instance, &mut rng));
            let journey_lines = lines(&journey);
            // Always at least one full round, so that every declaration above is used.
            if instance > 0 && line_count + journey_lines > target_lines {
                break 'rounds;
            }
            line_count += journey_lines;
            text.push_str(&journey);
        }
        instance += 1;
    }
    text.push_str(&test);
    text
}

fn journey_vars(
    brand: &str,
    next: &str,
    instance: usize,
    rng: &mut Rng,
) -> Vec<(&'static str, String)> {
    const HOURS: [&str; 6] = ["07:30", "08:00", "09:00", "09:30", "10:00", "11:00"];
    const AFTERNOON: [&str; 4] = ["12:00", "13:30", "16:00", "18:00"];
    const WEEKDAYS: [&str; 7] = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    const SPLITS: [(&str, &str); 4] = [
        ("50%", "50%"),
        ("40%", "60%"),
        ("30%", "70%"),
        ("20%", "80%"),
    ];
    let (pa, pb) = rng.pick(&SPLITS);
    let year = 2026 + instance;
    vec![
        ("b", brand.to_string()),
        ("n", next.to_string()),
        ("k", instance.to_string()),
        ("wait", rng.pick(&["1d", "2d", "3d"]).to_string()),
        (
            "amount",
            rng.pick(&["20.0", "35.0", "50.0", "75.0", "100.0"])
                .to_string(),
        ),
        ("seats", rng.range(1, 6).to_string()),
        ("pa", pa.to_string()),
        ("pb", pb.to_string()),
        ("hour", rng.pick(&HOURS).to_string()),
        ("hour2", rng.pick(&AFTERNOON).to_string()),
        ("uses", rng.pick(&["5", "10", "20", "40"]).to_string()),
        ("t", rng.pick(&["80", "100", "120", "150"]).to_string()),
        ("t2", rng.pick(&["10", "20", "30"]).to_string()),
        ("inactive", rng.pick(&["45d", "60d", "90d"]).to_string()),
        ("dom", rng.range(1, 29).to_string()),
        ("weekday", rng.pick(&WEEKDAYS).to_string()),
        ("gap", rng.pick(&["3d", "5d", "7d", "14d"]).to_string()),
        ("prio", rng.range(2, 5).to_string()),
        ("rating", rng.range(1, 3).to_string()),
        ("instant", format!("{year}-11-27T06:00:00Z")),
        ("instant2", format!("{year}-11-30T08:00:00Z")),
    ]
}

/// Replaces every `#name#` of `template` by its value in `vars`; unknown names stay as written.
fn fill(template: &str, vars: &[(&str, String)]) -> String {
    let mut out = String::with_capacity(template.len() + template.len() / 4);
    let mut rest = template;
    while let Some(start) = rest.find('#') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('#').map(|end| (&after[..end], end)) {
            Some((name, end)) if vars.iter().any(|(key, _)| *key == name) => {
                if let Some((_, value)) = vars.iter().find(|(key, _)| *key == name) {
                    out.push_str(value);
                }
                rest = &after[end + 1..];
            }
            _ => {
                out.push('#');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Vec<GeneratedFile> {
        // Three brand files of 1,000 lines: every template instantiated at least twice.
        generate(&Config {
            files: 4,
            lines_per_file: 1_000,
        })
    }

    #[test]
    fn generation_is_deterministic() {
        assert_eq!(small(), small());
    }

    #[test]
    fn default_program_has_about_fifty_thousand_lines() {
        let program = generate(&Config::default());
        assert_eq!(program.len(), 50);
        let lines = total_lines(&program);
        assert!((48_000..=52_000).contains(&lines), "{lines} lines");
    }

    #[test]
    fn every_placeholder_is_filled() {
        for file in small() {
            assert!(
                !file.text.contains('#'),
                "{} has an unfilled placeholder",
                file.name
            );
        }
    }

    #[test]
    fn generated_program_checks_clean() {
        let program = small();
        let sources = source_map(&program);
        let analysis = journey_check::check(&sources);
        let shown: Vec<String> = analysis
            .diagnostics
            .iter()
            .map(|d| {
                let span = d.span();
                let file = sources.get(span.file);
                let name = file.map_or("?", |f| f.name.as_str());
                let line = file.map_or(0, |f| f.line_col(span.start).line);
                format!("{name}:{line}: {} {}", d.code.as_str(), d.message)
            })
            .collect();
        assert!(shown.is_empty(), "{}", shown.join("\n"));
    }
}
