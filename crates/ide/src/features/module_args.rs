//! Module-argument features: hover (where the value comes from, per configuration), go to
//! definition (the specialArgs key or `_module.args` definition), references and rename of an
//! argument across the modules of its configurations, and completion in module patterns.

use std::collections::BTreeSet;

use base::{FilePosition, FileRange, SourceChange, TextEdit};

use crate::db::Db;
use crate::diagnostics::module_graph::{DbFiles, analysis};
use crate::features::{CompletionItem, CompletionKind, HoverResult, NavigationTarget};

/// Hover on a module's formal or a use of it.
pub(crate) fn hover(db: &Db, pos: FilePosition) -> Option<HoverResult> {
    let files = DbFiles::new(db);
    let analysis = analysis(db);
    let arg = analysis.argument_at(&files, pos.file_id, pos.offset)?;
    Some(HoverResult {
        range: arg.range,
        markdown: analysis.hover_markdown(&files, &arg),
    })
}

/// From a formal (or a use) to where its value is given.
pub(crate) fn goto_definition(db: &Db, pos: FilePosition) -> Vec<NavigationTarget> {
    let files = DbFiles::new(db);
    let analysis = analysis(db);
    let Some(arg) = analysis.argument_at(&files, pos.file_id, pos.offset) else {
        return Vec::new();
    };
    analysis
        .definitions(&arg)
        .into_iter()
        .map(|r| NavigationTarget {
            full_range: r,
            focus_range: r,
        })
        .collect()
}

/// Every place the argument's name flows through: the specialArgs/`_module.args` keys, and the
/// formal and uses in every module of the same configurations that asks for it.
pub(crate) fn references(db: &Db, pos: FilePosition) -> Vec<FileRange> {
    let files = DbFiles::new(db);
    let analysis = analysis(db);
    let Some(arg) = analysis.argument_at(&files, pos.file_id, pos.offset) else {
        return Vec::new();
    };
    let mut out: BTreeSet<(base::FileId, u32, u32)> = BTreeSet::new();
    for r in analysis.references(&files, &arg) {
        out.insert((r.file_id, r.range.start().into(), r.range.end().into()));
    }
    out.into_iter()
        .map(|(f, s, e)| FileRange {
            file_id: f,
            range: base::TextRange::new(s.into(), e.into()),
        })
        .collect()
}

/// The range a rename would change.
pub(crate) fn prepare_rename(db: &Db, pos: FilePosition) -> Option<Result<FileRange, String>> {
    let files = DbFiles::new(db);
    let analysis = analysis(db);
    let arg = analysis.argument_at(&files, pos.file_id, pos.offset)?;
    Some(match analysis.rename_blocker(&arg) {
        Some(why) => Err(why),
        None => Ok(FileRange {
            file_id: pos.file_id,
            range: arg.range,
        }),
    })
}

/// Renames a module argument everywhere it flows, as one change.
pub(crate) fn rename(
    db: &Db,
    pos: FilePosition,
    new_name: &str,
) -> Option<Result<SourceChange, String>> {
    let files = DbFiles::new(db);
    let analysis = analysis(db);
    let arg = analysis.argument_at(&files, pos.file_id, pos.offset)?;
    if let Some(why) = analysis.rename_blocker(&arg) {
        return Some(Err(why));
    }
    if !is_identifier(new_name) {
        return Some(Err(format!("`{new_name}` is not a valid Nix identifier.")));
    }
    let mut change = SourceChange::default();
    for edit in analysis.rename_edits(&files, &arg, new_name) {
        change.insert(
            edit.0,
            TextEdit {
                range: edit.1,
                new_text: edit.2,
            },
        );
    }
    Some(Ok(change))
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '\''))
        && !matches!(
            name,
            "if" | "then" | "else" | "let" | "in" | "with" | "rec" | "inherit" | "assert" | "or"
        )
}

/// Completion inside a module's argument pattern.
pub(crate) fn completions(db: &Db, pos: FilePosition) -> Vec<CompletionItem> {
    let files = DbFiles::new(db);
    let analysis = analysis(db);
    let Some((replace, items)) = analysis.pattern_completions(&files, pos.file_id, pos.offset)
    else {
        return Vec::new();
    };
    items
        .into_iter()
        .map(|c| CompletionItem {
            label: c.name,
            kind: CompletionKind::Argument,
            detail: Some(c.detail),
            replace_range: replace,
        })
        .collect()
}
