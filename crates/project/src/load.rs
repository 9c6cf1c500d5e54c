//! Turning disk state into an [`ide::Change`]: the initial load and reloads after changes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use base::VfsPath;
use ide::Change;

use crate::discover::walk;
use crate::{LoadConfig, LoadIssue, read_file};

/// Whether the analysis reads this file: `*.nix` files and `flake.lock`.
pub fn is_analysed_file(path: &Path) -> bool {
    path.extension().is_some_and(|ext| ext == "nix")
        || path.file_name().is_some_and(|name| name == "flake.lock")
}

/// Everything the analysis needs from disk for these flake roots: every analysed file (see
/// [`is_analysed_file`]) under each root, with the walk's skip rules; `existing_paths` (every file
/// and directory under the roots, including skipped directories themselves, so a missing import
/// can be decided without IO; paths outside every root are not in it and must count as unknown);
/// the roots; and the analysis settings.
///
/// Returns the change and the problems met (unreadable files and directories), meant for logs.
/// Files that are too large or not UTF-8 are not problems here: they reach the analysis as such
/// and get diagnostics there.
pub fn load_roots(roots: &[VfsPath], cfg: &LoadConfig) -> (Change, Vec<LoadIssue>) {
    load(roots, &[], cfg)
}

/// Like [`load_roots`], plus `loose` paths outside any flake: a file is loaded as is (even when
/// it is not a `.nix` file), a directory as its analysed files. Loose paths do not become roots.
pub fn load(roots: &[VfsPath], loose: &[VfsPath], cfg: &LoadConfig) -> (Change, Vec<LoadIssue>) {
    let mut issues = Vec::new();
    let mut existing = BTreeSet::new();
    let mut to_read = BTreeSet::new();
    for dir in roots.iter().chain(loose) {
        if dir.as_path().is_file() {
            existing.insert(dir.clone());
            to_read.insert(dir.clone());
            continue;
        }
        scan(dir, &mut existing, Some(&mut to_read), &mut issues);
    }
    let mut contents = BTreeMap::new();
    for path in to_read {
        match read_file(path.as_path(), cfg) {
            Ok(content) => {
                contents.insert(path, content);
            }
            Err(err) => issues.push(LoadIssue {
                path,
                message: err.to_string(),
            }),
        }
    }
    let mut change = Change::new();
    change.roots = Some(roots.to_vec());
    change.existing_paths = Some(existing);
    change.config = Some(cfg.analysis_config());
    for (path, content) in contents {
        change.set_file(path, content);
    }
    crate::store::fill_store_paths(&mut change, &cfg.store_dir);
    (change, issues)
}

/// Walks `dir`, recording every path seen in `existing` and, when asked, the analysed files.
fn scan(
    dir: &VfsPath,
    existing: &mut BTreeSet<VfsPath>,
    mut files: Option<&mut BTreeSet<VfsPath>>,
    issues: &mut Vec<LoadIssue>,
) {
    let walked = walk(dir.as_path());
    for entry in walked.entries {
        let path = VfsPath::new(&entry.path);
        if entry.is_file
            && is_analysed_file(&entry.path)
            && let Some(files) = files.as_deref_mut()
        {
            files.insert(path.clone());
        }
        existing.insert(path);
    }
    existing.extend(walked.skipped.iter().map(VfsPath::new));
    for (path, message) in walked.errors {
        issues.push(LoadIssue {
            path: VfsPath::new(path),
            message,
        });
    }
}

/// What changed on disk, as reported by a [`crate::Watcher`] or by the editor.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct ChangedPaths {
    /// Analysed files (see [`is_analysed_file`]) created, modified or removed.
    pub files: Vec<VfsPath>,
    /// Some file or directory appeared or disappeared, so `existing_paths` (and the set of flake
    /// roots, which the caller recomputes with [`crate::find_flake_roots`]) may be stale.
    pub tree_changed: bool,
}

/// The change that brings the analysis up to date after `changed`: each listed file is read
/// again (or removed when it is gone), and `existing_paths` is rescanned under `roots` when the
/// tree changed. The roots themselves are not replaced.
pub fn reload(
    roots: &[VfsPath],
    changed: &ChangedPaths,
    cfg: &LoadConfig,
) -> (Change, Vec<LoadIssue>) {
    let mut change = Change::new();
    let mut issues = Vec::new();
    let mut seen = BTreeSet::new();
    for path in &changed.files {
        if !seen.insert(path.clone()) {
            continue;
        }
        match read_file(path.as_path(), cfg) {
            Ok(content) => change.set_file(path.clone(), content),
            Err(err) => {
                if err.kind() != std::io::ErrorKind::NotFound && path.as_path().exists() {
                    issues.push(LoadIssue {
                        path: path.clone(),
                        message: err.to_string(),
                    });
                }
                change.remove_file(path.clone());
            }
        }
    }
    if changed.tree_changed {
        let mut existing = BTreeSet::new();
        for root in roots {
            scan(root, &mut existing, None, &mut issues);
        }
        change.existing_paths = Some(existing);
    }
    crate::store::fill_store_paths(&mut change, &cfg.store_dir);
    (change, issues)
}
