//! Finding flakes: directory walks with the project's skip rules, and the upward search.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use base::VfsPath;

use crate::absolute;

/// Directory names that walks never enter (version-control data, direnv caches, JS packages).
pub const SKIPPED_DIRS: &[&str] = &[".git", ".hg", ".jj", ".svn", ".direnv", "node_modules"];

/// Whether a walk skips a directory with this name: [`SKIPPED_DIRS`], plus `result` and
/// `result-*` (the out-links of `nix build`).
pub fn is_skipped_dir_name(name: &OsStr) -> bool {
    let Some(name) = name.to_str() else {
        return false;
    };
    SKIPPED_DIRS.contains(&name) || name == "result" || name.starts_with("result-")
}

/// One entry seen by a walk.
pub(crate) struct WalkEntry {
    pub(crate) path: PathBuf,
    /// A regular file, or a symbolic link to one.
    pub(crate) is_file: bool,
}

/// What a walk saw: the entries it yielded (in a stable order), the skipped directories (which
/// exist but were not entered) and the errors it met.
pub(crate) struct Walk {
    pub(crate) entries: Vec<WalkEntry>,
    pub(crate) skipped: Vec<PathBuf>,
    pub(crate) errors: Vec<(PathBuf, String)>,
}

/// Walks `dir` with the skip rules. The root itself is the first entry when it exists.
pub(crate) fn walk(dir: &Path) -> Walk {
    let skipped = Arc::new(Mutex::new(Vec::new()));
    let skipped_in_filter = Arc::clone(&skipped);
    let walker = ignore::WalkBuilder::new(dir)
        .standard_filters(false)
        .follow_links(false)
        .sort_by_file_name(|a, b| a.cmp(b))
        .filter_entry(move |entry| {
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            if is_dir && is_skipped_dir_name(entry.file_name()) {
                let mut skipped = skipped_in_filter.lock().unwrap_or_else(|e| e.into_inner());
                skipped.push(entry.path().to_path_buf());
                return false;
            }
            true
        })
        .build();
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    for item in walker {
        match item {
            Ok(entry) => {
                let Some(file_type) = entry.file_type() else {
                    continue;
                };
                let is_file = if file_type.is_symlink() {
                    // A link counts as a file when it leads to one; dangling links, links to
                    // directories and link loops are existing paths but not files.
                    std::fs::metadata(entry.path()).is_ok_and(|m| m.is_file())
                } else {
                    file_type.is_file()
                };
                entries.push(WalkEntry {
                    path: entry.into_path(),
                    is_file,
                });
            }
            Err(err) => {
                let path = error_path(&err).unwrap_or_else(|| dir.to_path_buf());
                errors.push((path, io_message(&err)));
            }
        }
    }
    let skipped = std::mem::take(&mut *skipped.lock().unwrap_or_else(|e| e.into_inner()));
    Walk {
        entries,
        skipped,
        errors,
    }
}

fn error_path(err: &ignore::Error) -> Option<PathBuf> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        ignore::Error::Partial(errs) => errs.iter().find_map(error_path),
        _ => None,
    }
}

fn io_message(err: &ignore::Error) -> String {
    match err.io_error() {
        Some(io) => io.to_string(),
        None => err.to_string(),
    }
}

/// Directories holding a `flake.nix` under each of `dirs` (each included), recursively, with the
/// skip rules of this crate. Nested flakes are separate roots. Sorted, without duplicates;
/// directories that do not exist contribute nothing.
pub fn find_flake_roots(dirs: &[PathBuf]) -> Vec<VfsPath> {
    let mut roots: Vec<VfsPath> = Vec::new();
    for dir in dirs {
        let dir = absolute(dir);
        for entry in walk(dir.as_path()).entries {
            if entry.is_file
                && entry.path.file_name() == Some(OsStr::new("flake.nix"))
                && let Some(parent) = entry.path.parent()
            {
                roots.push(VfsPath::new(parent));
            }
        }
    }
    roots.sort();
    roots.dedup();
    roots
}

/// The nearest ancestor directory of `file` (its own directory first; `file` itself when it is a
/// directory) holding a `flake.nix`.
pub fn find_flake_root_upward(file: &Path) -> Option<VfsPath> {
    let file = absolute(file);
    let start = if file.as_path().is_dir() {
        Some(file)
    } else {
        file.parent()
    };
    let mut dir = start;
    while let Some(current) = dir {
        if current.as_path().join("flake.nix").is_file() {
            return Some(current);
        }
        dir = current.parent();
    }
    None
}
