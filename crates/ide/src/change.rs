//! What the outside world (the `project` crate, the server's open documents) tells the analysis.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use base::{TextEdit, VfsPath};

/// What is known of one file's content.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum FileContent {
    /// Valid UTF-8 text.
    Text(Arc<str>),
    /// The bytes are not UTF-8; the file is not analysed.
    NotUtf8,
    /// The file exceeds the size cap; it is not read.
    TooLarge {
        /// Its size in bytes.
        size: u64,
        /// The cap in bytes.
        limit: u64,
    },
}

/// Settings that change analysis results (not presentation).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct AnalysisConfig {
    /// The Nix store directory (`/nix/store` unless the user says otherwise).
    pub store_dir: String,
    /// Setting `nixpkgs.path` / CLI `--nixpkgs PATH`: a nixpkgs source tree whose license data
    /// is used when no locked nixpkgs is available (the IO layer scans it into `Change::packages`).
    pub nixpkgs_path: Option<String>,
    /// Setting `unfree.evaluate`: ask `nix eval` about packages the static scan cannot decide
    /// (done by the IO layer; off by default).
    pub unfree_evaluate: bool,
}

impl Default for AnalysisConfig {
    fn default() -> AnalysisConfig {
        AnalysisConfig {
            store_dir: "/nix/store".to_owned(),
            nixpkgs_path: None,
            unfree_evaluate: false,
        }
    }
}

/// A batch of updates, applied atomically by `AnalysisHost::apply_change`.
#[derive(Clone, Default, Debug)]
pub struct Change {
    /// Replaces the set of flake roots (directories holding a `flake.nix`).
    pub roots: Option<Vec<VfsPath>>,
    /// Files set to new content (`Some`) or removed (`None`), in order.
    pub files: Vec<(VfsPath, Option<FileContent>)>,
    /// Incremental edits of already known text files, applied in order after `files`.
    /// Ranges of each edit are relative to the text left by the previous one.
    pub edits: Vec<(VfsPath, Vec<TextEdit>)>,
    /// Replaces the set of paths (files and directories) known to exist on disk.
    pub existing_paths: Option<BTreeSet<VfsPath>>,
    /// Replaces the analysis settings.
    pub config: Option<AnalysisConfig>,
    /// Replaces the package/license data (indexes of scanned nixpkgs trees plus the fallback).
    /// Until set, the analysis uses only flake-lsp's bundled list of unfree packages.
    pub packages: Option<Arc<nixpkgs::Packages>>,
    /// Whether locked inputs' store paths (`/nix/store/…-source`) exist on this machine, merged
    /// into what is already known (filled by `project::store`). Paths never reported are
    /// "unknown" in hovers.
    pub store_path_presence: BTreeMap<String, bool>,
}

impl Change {
    /// An empty change.
    pub fn new() -> Change {
        Change::default()
    }

    /// Sets (or adds) a file's content.
    pub fn set_file(&mut self, path: VfsPath, content: FileContent) {
        self.files.push((path, Some(content)));
    }

    /// Sets (or adds) a file's text.
    pub fn set_text(&mut self, path: VfsPath, text: impl Into<Arc<str>>) {
        self.set_file(path, FileContent::Text(text.into()));
    }

    /// Forgets a file.
    pub fn remove_file(&mut self, path: VfsPath) {
        self.files.push((path, None));
    }

    /// Edits a known text file incrementally.
    pub fn edit_file(&mut self, path: VfsPath, edits: Vec<TextEdit>) {
        self.edits.push((path, edits));
    }
}
