//! The only crate of flake-lsp that does file IO: flake discovery, reading files, turning disk
//! state into analysis changes, and watching for changes.
//!
//! Shared by the server and the `flake-lsp check` CLI. Everything it learns from the disk reaches
//! the analysis as an [`ide::Change`]; nothing below this crate touches the file system.
//!
//! # What is walked
//!
//! Directory walks (flake discovery, loading) skip [`SKIPPED_DIRS`] (`.git`, `.direnv`,
//! `node_modules`…) and `result` / `result-*` (the out-links of `nix build`). Other hidden
//! directories are walked, because dotfile repositories keep flakes in places like
//! `.config/home-manager/`. `.gitignore` files are not applied: which files a flake sees depends on
//! git's index, not on `.gitignore`, and a user editing an ignored file still wants it analysed.
//! Symbolic links to files are read through; symbolic links to directories are not followed, so
//! link loops and links into `/nix/store` cannot make a walk hang or explode.

mod discover;
mod load;
mod nixpkgs_index;
mod read;
pub mod store;
mod watch;

pub use discover::{SKIPPED_DIRS, find_flake_root_upward, find_flake_roots, is_skipped_dir_name};
pub use load::{ChangedPaths, is_analysed_file, load, load_roots, reload};
pub use nixpkgs_index::UnfreeVerdicts;
pub use nixpkgs_index::{
    IndexOrigin, LockedNixpkgs, cache_dir, cache_key_for_path, evaluate_unfree, find_in_path,
    load_cached_index, load_or_scan_nixpkgs, load_package_data, locked_nixpkgs, scan_nixpkgs,
    store_cached_index,
};
pub use nixpkgs_index::{LogLevel, LogLine, ScannedPackages, evaluate_undecided};
pub use read::read_file;
pub use watch::Watcher;

use base::VfsPath;

/// Default cap on the size of a file that is read: 20 MiB.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 20 * 1024 * 1024;

/// How files are read and what the analysis is told about the environment.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct LoadConfig {
    /// Files larger than this many bytes are not read (they become `FileContent::TooLarge`).
    pub max_file_size: u64,
    /// The Nix store directory, passed on to the analysis.
    pub store_dir: String,
}

impl Default for LoadConfig {
    fn default() -> LoadConfig {
        LoadConfig {
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            store_dir: ide::AnalysisConfig::default().store_dir,
        }
    }
}

impl LoadConfig {
    /// The analysis settings this configuration implies.
    pub fn analysis_config(&self) -> ide::AnalysisConfig {
        ide::AnalysisConfig {
            store_dir: self.store_dir.clone(),
            ..ide::AnalysisConfig::default()
        }
    }
}

/// A problem met while loading (an unreadable file or directory), meant for logs.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct LoadIssue {
    /// The path that could not be read.
    pub path: VfsPath,
    /// What went wrong, as a sentence.
    pub message: String,
}

impl std::fmt::Display for LoadIssue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// `path` made absolute against the current directory and normalised lexically (symbolic links
/// are not resolved, so paths stay the ones the user and the editor see).
pub fn absolute(path: &std::path::Path) -> VfsPath {
    match std::path::absolute(path) {
        Ok(abs) => VfsPath::new(abs),
        Err(_) => VfsPath::new(path),
    }
}
