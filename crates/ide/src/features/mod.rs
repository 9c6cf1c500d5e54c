//! IDE features as plain functions over a snapshot. Each feature asks the semantic layers
//! (flake, modules, nixpkgs) in turn; the first that knows the thing under the cursor answers.

use base::{FileId, FilePosition, FileRange, Fix, SourceChange, TextRange};

use crate::db::Db;

mod flake_assists;
mod flake_completion;
mod flake_hover;
mod flake_links;
pub(crate) mod flake_models;
pub(crate) mod flake_module_inputs;
mod flake_nav;
mod flake_rename;
mod flake_target;
mod module_args;

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
    module_args::hover(db, pos)
        .or_else(|| flake_hover::hover(db, pos))
        .or_else(|| package_hover::hover(db, pos))
}

pub(crate) fn goto_definition(db: &Db, pos: FilePosition) -> Vec<NavigationTarget> {
    let mut targets = module_args::goto_definition(db, pos);
    targets.extend(flake_nav::goto_definition(db, pos));
    targets
}

pub(crate) fn references(db: &Db, pos: FilePosition) -> Vec<FileRange> {
    let mut refs = module_args::references(db, pos);
    refs.extend(flake_nav::references(db, pos));
    refs
}

pub(crate) fn prepare_rename(db: &Db, pos: FilePosition) -> Result<FileRange, String> {
    module_args::prepare_rename(db, pos)
        .or_else(|| flake_rename::prepare_rename(db, pos))
        .unwrap_or_else(|| Err("Nothing to rename here.".to_owned()))
}

pub(crate) fn rename(db: &Db, pos: FilePosition, new_name: &str) -> Result<SourceChange, String> {
    module_args::rename(db, pos, new_name)
        .or_else(|| flake_rename::rename(db, pos, new_name))
        .unwrap_or_else(|| Err("Nothing to rename here.".to_owned()))
}

pub(crate) fn completions(db: &Db, pos: FilePosition) -> Vec<super::CompletionItem> {
    let module_items = module_args::completions(db, pos);
    if !module_items.is_empty() {
        return module_items;
    }
    let flake_items = flake_completion::completions(db, pos);
    if !flake_items.is_empty() {
        return flake_items;
    }
    package_completion::completions(db, pos)
}

pub(crate) fn assists(db: &Db, range: FileRange) -> Vec<Fix> {
    flake_assists::assists(db, range)
}

pub(crate) fn document_links(db: &Db, file_id: FileId) -> Vec<DocumentLink> {
    flake_links::document_links(db, file_id)
}
