//! IDE features as plain functions over a snapshot. Each feature asks the semantic layers
//! (flake, modules, nixpkgs) in turn; the first that knows the thing under the cursor answers.

use base::{FileId, FilePosition, FileRange, Fix, SourceChange, TextRange};

use crate::db::Db;

mod package_completion;
mod package_hover;

/// Markdown shown on hover, and the range it describes.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct HoverResult {
    /// The hovered range.
    pub range: TextRange,
    /// Markdown text.
    pub markdown: String,
}

/// A place to jump to.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct NavigationTarget {
    /// The whole definition.
    pub full_range: FileRange,
    /// The name inside it (what the cursor lands on).
    pub focus_range: FileRange,
}

/// What a completion item stands for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CompletionKind {
    /// A flake input.
    Input,
    /// A module argument.
    Argument,
    /// A package attribute.
    Package,
    /// Anything else.
    Other,
}

/// One completion suggestion.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct CompletionItem {
    /// Shown and inserted.
    pub label: String,
    /// What it is.
    pub kind: CompletionKind,
    /// A short detail (where it comes from).
    pub detail: Option<String>,
    /// The range the insertion replaces.
    pub replace_range: TextRange,
}

/// A link from a range of text to an external target (a URL).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct DocumentLink {
    /// The linked text.
    pub range: TextRange,
    /// The target URL.
    pub target: String,
}

pub(crate) fn hover(db: &Db, pos: FilePosition) -> Option<HoverResult> {
    package_hover::hover(db, pos)
}

pub(crate) fn goto_definition(_db: &Db, _pos: FilePosition) -> Vec<NavigationTarget> {
    Vec::new()
}

pub(crate) fn references(_db: &Db, _pos: FilePosition) -> Vec<FileRange> {
    Vec::new()
}

pub(crate) fn prepare_rename(_db: &Db, _pos: FilePosition) -> Result<FileRange, String> {
    Err("Nothing to rename here.".to_owned())
}

pub(crate) fn rename(_db: &Db, _pos: FilePosition, _new_name: &str) -> Result<SourceChange, String> {
    Err("Nothing to rename here.".to_owned())
}

pub(crate) fn completions(db: &Db, pos: FilePosition) -> Vec<super::CompletionItem> {
    package_completion::completions(db, pos)
}

pub(crate) fn assists(_db: &Db, _range: FileRange) -> Vec<Fix> {
    Vec::new()
}

pub(crate) fn document_links(_db: &Db, _file_id: FileId) -> Vec<DocumentLink> {
    Vec::new()
}
