//! Text edits and multi-file source changes (the result of fixes and renames).

use std::collections::BTreeMap;

use text_size::TextRange;

use crate::FileId;

/// Replace `range` with `new_text`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct TextEdit {
    /// The replaced range (UTF-8 byte offsets in the file as analysed).
    pub range: TextRange,
    /// The new text.
    pub new_text: String,
}

/// Edits across files, applied together by the client.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct SourceChange {
    /// Non-overlapping edits per file, in any order.
    pub edits: BTreeMap<FileId, Vec<TextEdit>>,
}

impl SourceChange {
    /// Adds one edit to `file_id`.
    pub fn insert(&mut self, file_id: FileId, edit: TextEdit) {
        self.edits.entry(file_id).or_default().push(edit);
    }

    /// A change holding a single edit.
    pub fn single(file_id: FileId, edit: TextEdit) -> SourceChange {
        let mut change = SourceChange::default();
        change.insert(file_id, edit);
        change
    }
}

/// A named quick fix.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Fix {
    /// Shown in the editor's code-action menu.
    pub label: String,
    /// What it does.
    pub change: SourceChange,
}
