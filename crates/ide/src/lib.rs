//! flake-lsp's analysis facade.
//!
//! [`AnalysisHost`] owns the current state and takes [`Change`]s; [`Analysis`] is an immutable,
//! cheap-to-clone snapshot on which every IDE feature is a plain function. This crate knows no
//! LSP types and does no IO: paths and file contents arrive through `Change`.

mod change;
mod db;
mod diagnostics;
mod features;

use std::sync::Arc;

pub use base::{
    Diagnostic, DiagnosticCode, FileId, FilePosition, FileRange, Fix, Related, Severity,
    SourceChange, TextEdit, TextRange, TextSize, VfsPath,
};
pub use change::{AnalysisConfig, Change, FileContent};
pub use features::{CompletionItem, CompletionKind, DocumentLink, HoverResult, NavigationTarget};
pub use nixpkgs::{PackageIndex, Packages};
pub use syntax::{LineCol, LineIndex, Parse, PositionEncoding};

use db::Db;

/// Every diagnostic code the analysis can emit; each is documented in `docs/diagnostics/<code>.md`.
pub const DIAGNOSTIC_CODES: &[&str] = diagnostics::codes::CODES;

/// Owns the latest state of every file; applies changes and hands out snapshots.
#[derive(Default)]
pub struct AnalysisHost {
    db: Arc<Db>,
}

impl AnalysisHost {
    /// An empty host.
    pub fn new() -> AnalysisHost {
        AnalysisHost::default()
    }

    /// Applies a change. Text edits are applied (and trees reparsed) before this returns.
    pub fn apply_change(&mut self, change: Change) {
        Arc::make_mut(&mut self.db).apply_change(change);
    }

    /// An immutable snapshot of the current state.
    pub fn analysis(&self) -> Analysis {
        Analysis {
            db: Arc::clone(&self.db),
        }
    }
}

/// An immutable snapshot; every query is a pure function of it.
#[derive(Clone)]
pub struct Analysis {
    db: Arc<Db>,
}

impl Analysis {
    /// The id of a known file.
    pub fn file_id(&self, path: &VfsPath) -> Option<FileId> {
        self.db.file_id(path)
    }

    /// The path of a file.
    pub fn file_path(&self, file_id: FileId) -> VfsPath {
        self.db.path(file_id).clone()
    }

    /// Every known file, in id order.
    pub fn files(&self) -> Vec<FileId> {
        self.db.files().collect()
    }

    /// The text of a file (empty for files that could not be read as text).
    pub fn file_text(&self, file_id: FileId) -> Arc<str> {
        self.db.text(file_id)
    }

    /// The line index of a file.
    pub fn line_index(&self, file_id: FileId) -> Arc<LineIndex> {
        self.db.line_index(file_id)
    }

    /// The parse of a file.
    pub fn parse(&self, file_id: FileId) -> Parse {
        self.db.parse(file_id)
    }

    /// Diagnostics whose primary location is in `file_id`.
    pub fn diagnostics(&self, file_id: FileId) -> Vec<Diagnostic> {
        diagnostics::file_diagnostics(&self.db, file_id)
    }

    /// Hover information at a position.
    pub fn hover(&self, pos: FilePosition) -> Option<HoverResult> {
        features::hover(&self.db, pos)
    }

    /// Where the thing under the cursor is defined.
    pub fn goto_definition(&self, pos: FilePosition) -> Vec<NavigationTarget> {
        features::goto_definition(&self.db, pos)
    }

    /// Every reference to the thing under the cursor, across files.
    pub fn references(&self, pos: FilePosition) -> Vec<FileRange> {
        features::references(&self.db, pos)
    }

    /// The range that a rename at `pos` would change, or why it cannot be renamed.
    pub fn prepare_rename(&self, pos: FilePosition) -> Result<FileRange, String> {
        features::prepare_rename(&self.db, pos)
    }

    /// Renames the thing under the cursor everywhere, or says why it cannot.
    pub fn rename(&self, pos: FilePosition, new_name: &str) -> Result<SourceChange, String> {
        features::rename(&self.db, pos, new_name)
    }

    /// Completions at a position.
    pub fn completions(&self, pos: FilePosition) -> Vec<CompletionItem> {
        features::completions(&self.db, pos)
    }

    /// Quick fixes and refactorings for a range.
    pub fn code_actions(&self, range: FileRange) -> Vec<Fix> {
        let mut fixes: Vec<Fix> = self
            .diagnostics(range.file_id)
            .into_iter()
            .filter(|d| d.location.range.intersect(range.range).is_some())
            .flat_map(|d| d.fixes)
            .collect();
        fixes.extend(features::assists(&self.db, range));
        fixes
    }

    /// Links to external pages (e.g. forge pages of flake inputs).
    pub fn document_links(&self, file_id: FileId) -> Vec<DocumentLink> {
        features::document_links(&self.db, file_id)
    }
}
