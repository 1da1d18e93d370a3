//! Finding `.journey` files under the paths given on the command line and reading them.

use std::collections::HashSet;
use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use journey_syntax::SourceMap;

/// The extension of journey source files.
pub const EXTENSION: &str = "journey";

/// A path that could not be used, and why; the command reports it and exits with status 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathError {
    /// The path as the user would recognise it.
    pub path: String,
    /// Why it could not be used, lowercase.
    pub reason: String,
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`: {}", self.path, self.reason)
    }
}

impl std::error::Error for PathError {}

/// One source file found on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Where to read and write it.
    pub path: PathBuf,
    /// The name shown in diagnostics: the path as given or found, without a leading `./`.
    pub name: String,
}

/// Every `.journey` file under `paths`, in a deterministic order: the paths in the order given,
/// and each folder's files sorted by path. A file named explicitly is taken whatever its
/// extension; folders are searched recursively, skipping hidden folders (`.git` and the like).
/// A file reached twice is kept once, where it was first reached.
pub fn find(paths: &[PathBuf]) -> Result<Vec<Found>, PathError> {
    let mut found = Vec::new();
    let mut seen = HashSet::new();
    for root in paths {
        let metadata = fs::metadata(root).map_err(|e| path_error(root, &e))?;
        let mut files = Vec::new();
        if metadata.is_dir() {
            walk(root, &mut files)?;
            if files.is_empty() {
                return Err(PathError {
                    path: display(root),
                    reason: format!("no `.{EXTENSION}` files found in this folder"),
                });
            }
            files.sort();
        } else {
            files.push(root.clone());
        }
        for path in files {
            // Canonical paths only decide duplicates; the user's spelling is what gets shown.
            let key = fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
            if seen.insert(key) {
                found.push(Found {
                    name: display(&path),
                    path,
                });
            }
        }
    }
    Ok(found)
}

/// Reads every found file into one source map, in order.
pub fn load(found: &[Found]) -> Result<SourceMap, PathError> {
    let mut sources = SourceMap::new();
    for file in found {
        sources.add(file.name.clone(), read(file)?);
    }
    Ok(sources)
}

/// Reads one found file as UTF-8 text.
pub fn read(file: &Found) -> Result<String, PathError> {
    fs::read_to_string(&file.path).map_err(|e| path_error(&file.path, &e))
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), PathError> {
    let entries = fs::read_dir(dir).map_err(|e| path_error(dir, &e))?;
    for entry in entries {
        let entry = entry.map_err(|e| path_error(dir, &e))?;
        let path = entry.path();
        let file_type = entry.file_type().map_err(|e| path_error(&path, &e))?;
        if file_type.is_dir() {
            if !is_hidden(&path) {
                walk(&path, files)?;
            }
        } else if has_extension(&path) {
            // A symlink to a file counts; a symlink to a folder is not followed, so that a link
            // cycle cannot make the search endless.
            let is_file = file_type.is_file() || fs::metadata(&path).is_ok_and(|m| m.is_file());
            if is_file {
                files.push(path);
            }
        }
    }
    Ok(())
}

fn has_extension(path: &Path) -> bool {
    path.extension().is_some_and(|ext| ext == EXTENSION)
}

fn is_hidden(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|name| name.to_string_lossy().starts_with('.'))
}

/// The path for messages: `./examples/a.journey` is shown as `examples/a.journey`.
pub fn display(path: &Path) -> String {
    let trimmed = path.strip_prefix(".").unwrap_or(path);
    let shown = if trimmed.as_os_str().is_empty() {
        path
    } else {
        trimmed
    };
    shown.to_string_lossy().into_owned()
}

fn path_error(path: &Path, error: &io::Error) -> PathError {
    let reason = match error.kind() {
        io::ErrorKind::NotFound => "no such file or folder".to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        io::ErrorKind::InvalidData => "not valid UTF-8 text".to_string(),
        io::ErrorKind::IsADirectory => "is a folder".to_string(),
        _ => error.to_string(),
    };
    PathError {
        path: display(path),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_drops_only_a_leading_dot() {
        assert_eq!(
            display(Path::new("./examples/a.journey")),
            "examples/a.journey"
        );
        assert_eq!(
            display(Path::new("examples/a.journey")),
            "examples/a.journey"
        );
        assert_eq!(display(Path::new(".")), ".");
        assert_eq!(display(Path::new("../x.journey")), "../x.journey");
    }
}
