#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Data-driven tests of `journey_runtime::input`: every `tests/decode/*.ndjson` file is decoded
//! line by line against `tests/decode/schema.journey`, and the inputs and rejects are pinned as an
//! insta snapshot beside it (`tests/decode/<file>.snap`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use journey_ir::eval::Value;
use journey_ir::Program;
use journey_runtime::input::Limits;
use journey_runtime::{Decoder, Input};
use journey_syntax::SourceMap;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/decode")
}

fn program() -> Program {
    let path = dir().join("schema.journey");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut sources = SourceMap::new();
    sources.add("tests/decode/schema.journey", text);
    let analysis = journey_check::check(&sources);
    journey_ir::lower(&analysis).unwrap_or_else(|e| panic!("schema does not lower: {e}"))
}

/// A value as a test reads it: strings quoted, instants and dates in ISO form, enums by name.
fn value(program: &Program, enum_of: Option<usize>, v: &Value) -> String {
    match v {
        Value::Missing => "missing".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(x) => format!("{x:?}"),
        Value::Str(s) => format!("{:?}", &**s),
        Value::Duration(secs) => format!("{secs}s"),
        Value::Time(secs) => jiff::Timestamp::from_second(*secs).unwrap().to_string(),
        Value::Date(days) => jiff::civil::date(1970, 1, 1)
            .checked_add(jiff::Span::new().days(*days))
            .unwrap()
            .to_string(),
        Value::Enum(i) => match enum_of.and_then(|e| program.enums.get(e)) {
            Some(variants) => variants[*i as usize].clone(),
            None => format!("#{i}"),
        },
        Value::List(items) => {
            let items: Vec<_> = items.iter().map(|v| value(program, None, v)).collect();
            format!("[{}]", items.join(", "))
        }
    }
}

fn enum_index(ty: &journey_ir::Type) -> Option<usize> {
    match ty.unwrap_optional() {
        journey_ir::Type::Enum(id) => Some(id.0 as usize),
        _ => None,
    }
}

/// ` a, b ` for a non-empty list, nothing for an empty one.
fn braced(items: &[String]) -> String {
    if items.is_empty() {
        String::new()
    } else {
        format!(" {} ", items.join(", "))
    }
}

/// One line per input line: the decoded input with every slot by name, or the reject's JSON.
fn print(program: &Program, decoder: &Decoder, bytes: &[u8]) -> String {
    let mut out = String::new();
    let mut lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
    // The piece after the final newline is not a line.
    if lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    for (i, line) in lines.into_iter().enumerate() {
        let number = i as u64 + 1;
        match decoder.decode(number, line) {
            Ok(Input::Track {
                event,
                contact,
                at,
                record,
                ..
            }) => {
                let ty = &program.events[event.index()];
                assert_eq!(record.len(), ty.fields.len(), "record of line {number}");
                assert_eq!(record[ty.slot("at").unwrap() as usize], Value::Time(at));
                assert_eq!(
                    record[ty.slot("contact").unwrap() as usize],
                    Value::Str(contact.clone())
                );
                let fields: Vec<_> = ty
                    .fields
                    .iter()
                    .zip(&record)
                    .map(|(f, v)| format!("{}: {}", f.name, value(program, enum_index(&f.ty), v)))
                    .collect();
                writeln!(out, "{number}: track {} {{{}}}", ty.name, braced(&fields)).unwrap();
            }
            Ok(Input::Identify {
                contact,
                at,
                traits,
                ..
            }) => {
                let traits: Vec<_> = traits
                    .iter()
                    .map(|(slot, v)| {
                        let f = &program.profile[slot.index()];
                        format!("{}: {}", f.name, value(program, enum_index(&f.ty), v))
                    })
                    .collect();
                let at = value(program, None, &Value::Time(at));
                writeln!(
                    out,
                    "{number}: identify contact: {:?}, at: {at} {{{}}}",
                    &*contact,
                    braced(&traits)
                )
                .unwrap();
            }
            Err(reject) => {
                assert_eq!(reject.line, number);
                writeln!(out, "{number}: reject {}", reject.to_json()).unwrap();
            }
        }
    }
    out
}

#[test]
fn decode_files() {
    let program = program();
    let decoder = Decoder::new(&program);
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ndjson"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 5,
        "expected the decode inputs, found {files:?}"
    );
    for file in files {
        let stem = file.file_stem().unwrap().to_str().unwrap().to_owned();
        // `NAME.limits` beside a file sets the decoder's limits for it.
        let limited =
            limits(&file.with_extension("limits")).map(|l| Decoder::with_limits(&program, l));
        let decoder = limited.as_ref().unwrap_or(&decoder);
        let printed = print(&program, decoder, &std::fs::read(&file).unwrap());
        insta::with_settings!({
            snapshot_path => dir(),
            prepend_module_to_snapshot => false,
            omit_expression => true,
            input_file => &file,
        }, {
            insta::assert_snapshot!(stem.as_str(), printed);
        });
    }
}

/// The limits written in a `.limits` file: `max_line_bytes=N max_properties=N`.
fn limits(path: &Path) -> Option<Limits> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut limits = Limits::default();
    for setting in text.split_whitespace() {
        let (key, value) = setting.split_once('=').unwrap();
        let value: usize = value.parse().unwrap();
        match key {
            "max_line_bytes" => limits.max_line_bytes = value,
            "max_properties" => limits.max_properties = value,
            other => panic!("unknown limit `{other}` in {}", path.display()),
        }
    }
    Some(limits)
}

/// Every reason can be produced, and each reject line is one JSON object with the four keys.
#[test]
fn reject_json_shape() {
    let program = program();
    let decoder = Decoder::new(&program);
    let bytes = std::fs::read(dir().join("rejects.ndjson")).unwrap();
    let mut codes = std::collections::BTreeSet::new();
    for (i, line) in bytes.split(|b| *b == b'\n').enumerate() {
        if let Err(reject) = decoder.decode(i as u64 + 1, line) {
            let json: serde_json::Value = serde_json::from_str(&reject.to_json()).unwrap();
            let object = json.as_object().unwrap();
            let keys: Vec<_> = object.keys().map(String::as_str).collect();
            assert_eq!(keys.len(), 4, "{keys:?}");
            assert_eq!(object["line"], i as u64 + 1);
            assert_eq!(object["raw"], String::from_utf8_lossy(line).as_ref());
            codes.insert(reject.reason.code());
        }
    }
    let all = [
        "malformed_timestamp",
        "missing_property",
        "missing_timestamp",
        "no_contact",
        "not_json",
        "undeclared_event",
        "unknown_type",
        "wrong_type",
    ];
    assert_eq!(codes.into_iter().collect::<Vec<_>>(), all);
}
