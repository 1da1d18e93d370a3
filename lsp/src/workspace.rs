//! The server's files: every `.journey` file under the workspace folders, read from disk, with
//! open documents overriding the disk, plus open documents from elsewhere. A snapshot (sources
//! and their analysis) is rebuilt lazily after a change.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use journey_check::{Analysis, Program};
use journey_syntax::{FileId, SourceFile, SourceMap};
use lsp_types::Url;

use crate::ide::Db;

/// At most this many files are loaded from the workspace folders (an editor opened on a home
/// folder must not read it all).
const MAX_FILES: usize = 10_000;

/// One file of the program.
#[derive(Clone, Debug)]
pub struct Document {
    /// The URI the client knows it by.
    pub uri: Url,
    /// Its current text.
    pub text: String,
    /// The client's version of an open document.
    pub version: Option<i32>,
    /// Whether the client has it open (its text then wins over the disk).
    pub open: bool,
    /// Whether it was found under a workspace folder (it stays when closed).
    pub in_workspace: bool,
}

/// A checked state of every file.
#[derive(Debug)]
pub struct Snapshot {
    /// The sources and their analysis.
    pub db: Db,
    /// The URI of each file id.
    pub uris: Vec<Url>,
    /// The version of each open file, for published diagnostics.
    pub versions: Vec<Option<i32>>,
    ids: HashMap<String, FileId>,
}

impl Snapshot {
    /// The file id of a URI.
    pub fn file_id(&self, uri: &Url) -> Option<FileId> {
        self.ids.get(&key(uri)).copied()
    }

    /// The source file of a URI.
    pub fn file(&self, uri: &Url) -> Option<(FileId, &SourceFile)> {
        let id = self.file_id(uri)?;
        Some((id, self.db.sources.get(id)?))
    }

    /// The URI of a file id.
    pub fn uri(&self, file: FileId) -> Option<Url> {
        self.uris.get(file.0 as usize).cloned()
    }
}

/// Every file the server knows.
#[derive(Debug, Default)]
pub struct Workspace {
    roots: Vec<PathBuf>,
    documents: BTreeMap<String, Document>,
    snapshot: Option<Snapshot>,
    /// The last parse of each file, by key: parsing is most of the checker's time, and an edit
    /// changes one file, so only that one is parsed again.
    parsed: HashMap<String, ParsedFile>,
}

/// A parse kept for reuse while its file's text and id stay the same.
#[derive(Debug)]
struct ParsedFile {
    id: FileId,
    text: String,
    parsed: journey_syntax::Parsed,
}

/// The key a URI is stored under: its file path when it has one, so that two spellings of one
/// file meet, and sorted like the CLI sorts paths.
pub fn key(uri: &Url) -> String {
    match uri.to_file_path() {
        Ok(path) => path.to_string_lossy().into_owned(),
        Err(()) => uri.to_string(),
    }
}

impl Workspace {
    /// A workspace over these folders, with their files read from disk.
    pub fn new(roots: Vec<PathBuf>) -> Workspace {
        let mut workspace = Workspace {
            roots,
            ..Workspace::default()
        };
        workspace.load_roots();
        workspace
    }

    /// The workspace folders.
    pub fn roots(&self) -> &[PathBuf] {
        &self.roots
    }

    /// Every document, by key.
    pub fn documents(&self) -> impl Iterator<Item = (&String, &Document)> {
        self.documents.iter()
    }

    fn load_roots(&mut self) {
        let mut paths = Vec::new();
        for root in &self.roots {
            walk(root, &mut paths);
        }
        paths.sort();
        paths.dedup();
        for path in paths.into_iter().take(MAX_FILES) {
            let Ok(uri) = Url::from_file_path(&path) else {
                continue;
            };
            let Ok(text) = fs::read_to_string(&path) else {
                continue;
            };
            self.documents.insert(
                key(&uri),
                Document {
                    uri,
                    text,
                    version: None,
                    open: false,
                    in_workspace: true,
                },
            );
        }
        self.snapshot = None;
    }

    /// Whether a path lies under a workspace folder.
    fn in_roots(&self, uri: &Url) -> bool {
        uri.to_file_path()
            .is_ok_and(|path| self.roots.iter().any(|root| path.starts_with(root)))
    }

    /// The client opened a document.
    pub fn open(&mut self, uri: Url, text: String, version: i32) {
        let in_workspace = self.in_roots(&uri) && is_journey(&uri);
        self.documents.insert(
            key(&uri),
            Document {
                uri,
                text,
                version: Some(version),
                open: true,
                in_workspace,
            },
        );
        self.snapshot = None;
    }

    /// The text of an open document changed. `changes` are (range, text) pairs applied in
    /// order; a change without a range replaces the whole text.
    pub fn change(
        &mut self,
        uri: &Url,
        version: i32,
        changes: Vec<(Option<lsp_types::Range>, String)>,
    ) {
        let Some(document) = self.documents.get_mut(&key(uri)) else {
            return;
        };
        for (range, text) in changes {
            match range {
                None => document.text = text,
                Some(range) => {
                    let mut sources = SourceMap::new();
                    let id = sources.add("", std::mem::take(&mut document.text));
                    let Some(file) = sources.get(id) else {
                        continue;
                    };
                    let start = crate::convert::offset(file, range.start) as usize;
                    let end = crate::convert::offset(file, range.end) as usize;
                    let mut new = file.text.clone();
                    if start <= end && end <= new.len() {
                        new.replace_range(start..end, &text);
                    }
                    document.text = new;
                }
            }
        }
        document.version = Some(version);
        self.snapshot = None;
    }

    /// The client closed a document: a workspace file goes back to its disk content, another
    /// file leaves the program.
    pub fn close(&mut self, uri: &Url) {
        let k = key(uri);
        let Some(document) = self.documents.get_mut(&k) else {
            return;
        };
        if document.in_workspace {
            document.open = false;
            document.version = None;
            if let Some(text) = uri
                .to_file_path()
                .ok()
                .and_then(|p| fs::read_to_string(p).ok())
            {
                document.text = text;
            } else {
                self.documents.remove(&k);
            }
        } else {
            self.documents.remove(&k);
        }
        self.snapshot = None;
    }

    /// A file changed, appeared or disappeared on disk.
    pub fn disk_changed(&mut self, uri: &Url, deleted: bool) {
        let k = key(uri);
        if self.documents.get(&k).is_some_and(|d| d.open) {
            return;
        }
        if deleted {
            self.documents.remove(&k);
        } else if self.in_roots(uri) && is_journey(uri) {
            if let Some(text) = uri
                .to_file_path()
                .ok()
                .and_then(|p| fs::read_to_string(p).ok())
            {
                self.documents.insert(
                    k,
                    Document {
                        uri: uri.clone(),
                        text,
                        version: None,
                        open: false,
                        in_workspace: true,
                    },
                );
            }
        }
        self.snapshot = None;
    }

    /// The workspace folders changed: reload everything but the open documents.
    pub fn set_roots(&mut self, roots: Vec<PathBuf>) {
        self.roots = roots;
        self.documents.retain(|_, d| d.open);
        let open: Vec<(String, Document)> =
            std::mem::take(&mut self.documents).into_iter().collect();
        self.load_roots();
        for (k, mut document) in open {
            document.in_workspace = self.in_roots(&document.uri) && is_journey(&document.uri);
            self.documents.insert(k, document);
        }
        self.snapshot = None;
    }

    /// Whether the snapshot is out of date.
    pub fn is_stale(&self) -> bool {
        self.snapshot.is_none()
    }

    /// The current snapshot, checked again if anything changed since the last one.
    pub fn snapshot(&mut self) -> &Snapshot {
        let snapshot = match self.snapshot.take() {
            Some(snapshot) => snapshot,
            None => self.build(),
        };
        self.snapshot.insert(snapshot)
    }

    fn build(&mut self) -> Snapshot {
        let mut sources = SourceMap::new();
        let mut uris = Vec::with_capacity(self.documents.len());
        let mut versions = Vec::with_capacity(self.documents.len());
        let mut ids = HashMap::with_capacity(self.documents.len());
        for (k, document) in &self.documents {
            let id = sources.add(self.display_name(&document.uri), document.text.clone());
            uris.push(document.uri.clone());
            versions.push(document.version);
            ids.insert(k.clone(), id);
        }
        let cache = &mut self.parsed;
        cache.retain(|k, _| ids.contains_key(k));
        // A bug in the checker must not take the server down: the files are still served,
        // without analysis.
        let checked = catch_unwind(AssertUnwindSafe(|| {
            let parsed = sources
                .files()
                .iter()
                .zip(self.documents.keys())
                .map(|(file, k)| match cache.get(k) {
                    Some(hit) if hit.id == file.id && hit.text == file.text => hit.parsed.clone(),
                    _ => {
                        let parsed = journey_syntax::parse(file.id, &file.text);
                        let entry = ParsedFile {
                            id: file.id,
                            text: file.text.clone(),
                            parsed: parsed.clone(),
                        };
                        cache.insert(k.clone(), entry);
                        parsed
                    }
                })
                .collect();
            Db::from_parsed(sources.clone(), parsed)
        }));
        let db = match checked {
            Ok(db) => db,
            Err(_) => {
                eprintln!(
                    "journey lsp: the checker failed on this workspace; serving it unchecked"
                );
                Db {
                    sources,
                    analysis: Analysis {
                        modules: Vec::new(),
                        program: Program::default(),
                        diagnostics: Vec::new(),
                    },
                }
            }
        };
        Snapshot {
            db,
            uris,
            versions,
            ids,
        }
    }

    /// The name diagnostics show: the path relative to its workspace folder.
    fn display_name(&self, uri: &Url) -> String {
        let Ok(path) = uri.to_file_path() else {
            return uri.to_string();
        };
        self.roots
            .iter()
            .find_map(|root| path.strip_prefix(root).ok())
            .unwrap_or(&path)
            .to_string_lossy()
            .into_owned()
    }
}

fn is_journey(uri: &Url) -> bool {
    uri.path().ends_with(".journey")
}

/// Every `.journey` file under `dir`, skipping hidden folders as `journey check` does.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            if out.len() >= MAX_FILES {
                return;
            }
            let path = entry.path();
            let hidden = path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'));
            let Ok(file_type) = entry.file_type() else {
                continue;
            };
            if file_type.is_dir() {
                if !hidden {
                    pending.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "journey") && path.is_file() {
                out.push(path);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn open_documents_override_the_disk_and_outsiders_leave_on_close() {
        let dir = std::env::temp_dir().join(format!("journey-lsp-ws-{}", std::process::id()));
        fs::create_dir_all(dir.join("sub")).unwrap();
        fs::create_dir_all(dir.join(".hidden")).unwrap();
        fs::write(dir.join("a.journey"), "event a { x: int }\n").unwrap();
        fs::write(dir.join("sub/b.journey"), "segment s = true\n").unwrap();
        fs::write(dir.join(".hidden/c.journey"), "garbage\n").unwrap();
        let mut workspace = Workspace::new(vec![dir.clone()]);
        assert_eq!(workspace.documents().count(), 2);

        let a = Url::from_file_path(dir.join("a.journey")).unwrap();
        workspace.open(a.clone(), "event a { y: int }\n".into(), 1);
        let outside = Url::parse("untitled:Untitled-1").unwrap();
        workspace.open(outside.clone(), "segment t = true\n".into(), 1);
        {
            let snapshot = workspace.snapshot();
            let (_, file) = snapshot.file(&a).unwrap();
            assert!(file.text.contains('y'));
            assert_eq!(snapshot.uris.len(), 3);
        }
        workspace.change(
            &a,
            2,
            vec![(
                Some(lsp_types::Range::new(
                    lsp_types::Position::new(0, 10),
                    lsp_types::Position::new(0, 11),
                )),
                "z".into(),
            )],
        );
        assert!(workspace
            .snapshot()
            .file(&a)
            .unwrap()
            .1
            .text
            .contains("{ z: int }"));
        workspace.close(&a);
        workspace.close(&outside);
        let snapshot = workspace.snapshot();
        assert!(snapshot.file(&a).unwrap().1.text.contains('x'));
        assert_eq!(snapshot.uris.len(), 2);
        fs::remove_dir_all(&dir).unwrap();
    }
}
