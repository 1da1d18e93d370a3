//! Benchmark of the language server on a generated workspace of about 5,000 lines.
//!
//! Run with `cargo bench -p journey-benches --bench lsp`. Two layers are timed, each over a
//! number of iterations (`JOURNEY_BENCH_ITERS`, default 30, after one warm-up), reporting the
//! minimum, median and maximum wall time in milliseconds:
//!
//! - the `ide` layer, as the server calls it: hover and completion on a checked program, the
//!   same after an edit (the edit makes the server check the whole program again before it
//!   answers; like the server, it parses again only the edited file), and diagnostics after an
//!   edit (check again, then convert every diagnostic to LSP's form); a check from scratch,
//!   every file parsed, for comparison;
//! - the whole server over an in-memory JSON-RPC connection: `didChange` then `hover` or
//!   `completion`, answered; and `didChange` until `publishDiagnostics` arrives, less the
//!   server's debounce delay.
//!
//! The budget is 50 ms for each of hover, completion and diagnostics.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::error::Error;
use std::fs;
use std::hint::black_box;
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use journey_benches::{generate, total_lines, Config, GeneratedFile};
use journey_lsp::ide::{completion, hover, Db};
use journey_syntax::{FileId, SourceMap};
use lsp_server::{Connection, Message, Notification, Request, RequestId};
use serde_json::{json, Value};

const BUDGET_MS: f64 = 50.0;

/// A measure's name and its sorted times.
type Row = (String, Vec<Duration>);

fn main() -> Result<(), Box<dyn Error>> {
    let iterations: usize = match std::env::var("JOURNEY_BENCH_ITERS") {
        Ok(value) => value.parse()?,
        Err(_) => 30,
    };
    let iterations = iterations.max(1);
    let program = generate(&Config {
        files: 5,
        lines_per_file: 1_000,
    });
    println!(
        "workspace: {} files, {} lines",
        program.len(),
        total_lines(&program)
    );
    let target = program
        .iter()
        .position(|f| f.name != "shared.journey")
        .ok_or("no brand file")?;
    let text = program[target].text.clone();
    let scenario = Scenario::new(&text)?;

    let mut rows = Vec::new();
    rows.extend(ide_layer(&program, target, &scenario, iterations));
    rows.extend(server(&program, target, &scenario, iterations)?);
    println!();
    println!(
        "{:<44} {:>9} {:>9} {:>9}",
        "measure (ms)", "min", "median", "max"
    );
    let mut over = false;
    for (name, times) in &rows {
        let (min, median, max) = stats(times);
        println!("{name:<44} {min:>9.2} {median:>9.2} {max:>9.2}");
        over |= median > BUDGET_MS && !name.contains("from scratch");
    }
    println!(
        "\nbudget: {BUDGET_MS} ms each (the check from scratch is for comparison); {}",
        if over {
            "some median is OVER it"
        } else {
            "every median is within it"
        }
    );
    Ok(())
}

/// The positions the benchmark asks about, in one brand file.
struct Scenario {
    /// Offset of a use of an event name, for hover.
    hover: usize,
    /// Offset of the start of a step line inside a journey, where text is typed.
    insert: usize,
}

impl Scenario {
    fn new(text: &str) -> Result<Scenario, Box<dyn Error>> {
        let enter = text.find("  enter on ").ok_or("no `enter on` line")?;
        let hover = enter + "  enter on ".len() + 3;
        let wait = text[enter..].find("\n  wait ").ok_or("no `wait` step")? + enter + 1;
        Ok(Scenario {
            hover,
            insert: wait,
        })
    }

    /// The text with `typed` inserted on a new line; returns it and the cursor offset.
    fn edit(&self, text: &str, typed: &str) -> (String, usize) {
        let mut edited = text.to_string();
        edited.insert_str(self.insert, &format!("  {typed}\n"));
        (edited, self.insert + 2 + typed.len())
    }
}

fn source_map(program: &[GeneratedFile], target: usize, text: &str) -> SourceMap {
    let mut sources = SourceMap::new();
    for (index, file) in program.iter().enumerate() {
        let body = if index == target { text } else { &file.text };
        sources.add(file.name.clone(), body.to_string());
    }
    sources
}

/// The program after an edit of file `target`, as the server checks it: only the edited file is
/// parsed again, the others' parses are reused.
fn checked_after_edit(
    program: &[GeneratedFile],
    target: usize,
    text: &str,
    parsed: &[journey_syntax::Parsed],
) -> Db {
    let sources = source_map(program, target, text);
    let files = parsed
        .iter()
        .enumerate()
        .map(|(index, p)| {
            if index == target {
                journey_syntax::parse(FileId(u32::try_from(index).unwrap_or(0)), text)
            } else {
                p.clone()
            }
        })
        .collect();
    Db::from_parsed(sources, files)
}

fn ide_layer(
    program: &[GeneratedFile],
    target: usize,
    scenario: &Scenario,
    iterations: usize,
) -> Vec<Row> {
    let file = FileId(u32::try_from(target).unwrap_or(0));
    let text = &program[target].text;
    let db = Db::new(source_map(program, target, text));
    let parsed: Vec<journey_syntax::Parsed> = db
        .sources
        .files()
        .iter()
        .map(|f| journey_syntax::parse(f.id, &f.text))
        .collect();
    let found = hover::hover(&db, file, scenario.hover as u32).expect("a hover");
    println!(
        "hover sample: {}",
        found.markdown.lines().next().unwrap_or("")
    );
    let (profile_text, profile_at) = scenario.edit(text, "if profile.");
    let (where_text, where_at) = scenario.edit(text, "exit on email.clicked where ");
    let edited = Db::new(source_map(program, target, &profile_text));
    let items = completion::completions(&edited, file, profile_at as u32, Some('.'));
    println!("completion sample after `profile.`: {} items", items.len());
    let items = completion::completions(&edited, file, where_at as u32, Some(' '));
    black_box(items);

    let mut rows = Vec::new();
    rows.push((
        "ide: hover".to_string(),
        measure(iterations, || {
            black_box(hover::hover(&db, file, scenario.hover as u32));
        }),
    ));
    rows.push((
        "ide: completion `profile.`".to_string(),
        measure(iterations, || {
            black_box(completion::completions(
                &edited,
                file,
                profile_at as u32,
                Some('.'),
            ));
        }),
    ));
    rows.push((
        "ide: check from scratch (all files parsed)".to_string(),
        measure(iterations, || {
            black_box(Db::new(source_map(program, target, &profile_text)));
        }),
    ));
    rows.push((
        "ide: edit + check + hover".to_string(),
        measure(iterations, || {
            let db = checked_after_edit(program, target, &profile_text, &parsed);
            black_box(hover::hover(&db, file, scenario.hover as u32));
        }),
    ));
    rows.push((
        "ide: edit + check + completion `where `".to_string(),
        measure(iterations, || {
            let db = checked_after_edit(program, target, &where_text, &parsed);
            black_box(completion::completions(
                &db,
                file,
                where_at as u32,
                Some(' '),
            ));
        }),
    ));
    rows.push((
        "ide: edit + check + diagnostics to LSP".to_string(),
        measure(iterations, || {
            let db = checked_after_edit(program, target, &profile_text, &parsed);
            let converted: Vec<_> = db
                .analysis
                .diagnostics
                .iter()
                .map(|d| journey_lsp::convert::diagnostic(&db.sources, &|_| None, d))
                .collect();
            black_box(converted);
        }),
    ));
    rows
}

/// Runs `work` once to warm up, then `iterations` times; returns the sorted wall times.
fn measure(iterations: usize, mut work: impl FnMut()) -> Vec<Duration> {
    work();
    let mut times: Vec<Duration> = (0..iterations)
        .map(|_| {
            let start = Instant::now();
            work();
            start.elapsed()
        })
        .collect();
    times.sort();
    times
}

fn stats(times: &[Duration]) -> (f64, f64, f64) {
    let ms = |d: Duration| d.as_secs_f64() * 1_000.0;
    match (times.first(), times.last()) {
        (Some(min), Some(max)) => (ms(*min), ms(times[times.len() / 2]), ms(*max)),
        _ => (0.0, 0.0, 0.0),
    }
}

/// The server over an in-memory connection, with the program written to a temporary folder.
fn server(
    program: &[GeneratedFile],
    target: usize,
    scenario: &Scenario,
    iterations: usize,
) -> Result<Vec<Row>, Box<dyn Error>> {
    let root = std::env::temp_dir().join(format!("journey-lsp-bench-{}", std::process::id()));
    let _ = fs::remove_dir_all(&root);
    fs::create_dir_all(&root)?;
    for file in program {
        fs::write(root.join(&file.name), &file.text)?;
    }
    let (server, client) = Connection::memory();
    let handle = thread::spawn(move || journey_lsp::main_loop::run_with_big_stack(server));
    let mut rpc = Rpc {
        connection: client,
        next: 0,
    };
    let root_uri = file_uri(&root);
    rpc.request(
        "initialize",
        json!({ "processId": null, "rootUri": root_uri, "capabilities": {} }),
    );
    rpc.notify("initialized", json!({}));
    let uri = file_uri(&root.join(&program[target].name));
    let text = &program[target].text;
    rpc.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "journey", "version": 0, "text": text } }),
    );
    rpc.wait_diagnostics(&uri);

    let (profile_text, profile_at) = scenario.edit(text, "if profile.");
    let (where_text, where_at) = scenario.edit(text, "exit on email.clicked where ");
    let hover_at = position(text, scenario.hover);
    let mut version = 0;
    let mut rows = Vec::new();

    // Each request follows a change, so the server checks the program again before answering.
    let mut timed = |rpc: &mut Rpc, edited: &str, method: &str, params: Value| {
        measure(iterations, || {
            version += 1;
            // A text the server has not parsed yet, as after a keystroke.
            rpc.change(&uri, version, &format!("{edited}// edit {version}\n"));
            rpc.request(method, params.clone());
        })
    };
    let hover_params = json!({ "textDocument": { "uri": uri }, "position": hover_at });
    rows.push((
        "server: didChange + hover".to_string(),
        timed(&mut rpc, &profile_text, "textDocument/hover", hover_params),
    ));
    let completion_params = json!({
        "textDocument": { "uri": uri },
        "position": position(&profile_text, profile_at),
        "context": { "triggerKind": 2, "triggerCharacter": "." }
    });
    rows.push((
        "server: didChange + completion `profile.`".to_string(),
        timed(
            &mut rpc,
            &profile_text,
            "textDocument/completion",
            completion_params,
        ),
    ));
    let where_params = json!({
        "textDocument": { "uri": uri },
        "position": position(&where_text, where_at),
        "context": { "triggerKind": 2, "triggerCharacter": " " }
    });
    rows.push((
        "server: didChange + completion `where `".to_string(),
        timed(
            &mut rpc,
            &where_text,
            "textDocument/completion",
            where_params,
        ),
    ));
    rows.push(
        ("server: didChange -> diagnostics - debounce".to_string(), {
            rpc.drain();
            // What the server spends beyond waiting for typing to pause.
            measure(iterations, || {
                version += 1;
                let edited = if version % 2 == 0 {
                    text
                } else {
                    &profile_text
                };
                rpc.change(&uri, version, edited);
                rpc.wait_diagnostics(&uri);
            })
            .into_iter()
            .map(|d| d.saturating_sub(journey_lsp::main_loop::DEBOUNCE))
            .collect()
        }),
    );

    rpc.request("shutdown", Value::Null);
    rpc.notify("exit", Value::Null);
    let _ = handle.join();
    let _ = fs::remove_dir_all(&root);
    Ok(rows)
}

fn file_uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

fn position(text: &str, offset: usize) -> Value {
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1);
    json!({ "line": line, "character": column })
}

struct Rpc {
    connection: Connection,
    next: i32,
}

impl Rpc {
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next += 1;
        let id = RequestId::from(self.next);
        self.connection
            .sender
            .send(Message::Request(Request {
                id: id.clone(),
                method: method.into(),
                params,
            }))
            .expect("the server is running");
        loop {
            match self.recv() {
                Message::Response(response) if response.id == id => {
                    return response.response_result.expect("a result");
                }
                _ => {}
            }
        }
    }

    fn notify(&self, method: &str, params: Value) {
        self.connection
            .sender
            .send(Message::Notification(Notification {
                method: method.into(),
                params,
            }))
            .expect("the server is running");
    }

    fn change(&self, uri: &str, version: i32, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": uri, "version": version },
                "contentChanges": [{ "text": text }]
            }),
        );
    }

    fn recv(&self) -> Message {
        self.connection
            .receiver
            .recv_timeout(Duration::from_secs(30))
            .expect("the server answers")
    }

    /// Lets pending diagnostics arrive and drops them.
    fn drain(&self) {
        thread::sleep(journey_lsp::main_loop::DEBOUNCE * 3);
        while self.connection.receiver.try_recv().is_ok() {}
    }

    fn wait_diagnostics(&self, uri: &str) {
        loop {
            if let Message::Notification(n) = self.recv() {
                if n.method == "textDocument/publishDiagnostics" && n.params["uri"] == uri {
                    return;
                }
            }
        }
    }
}
