//! Diagnostic: not-utf8, file-too-large — files whose content cannot be analysed.

use base::{Diagnostic, FileId, FileRange, Severity, TextRange};

use crate::change::FileContent;
use crate::db::Db;

pub(super) fn check(db: &Db, file_id: FileId, acc: &mut Vec<Diagnostic>) {
    let Some(file) = db.file(file_id) else { return };
    let location = FileRange {
        file_id,
        range: TextRange::empty(0.into()),
    };
    match &file.content {
        FileContent::Text(_) => {}
        FileContent::NotUtf8 => acc.push(Diagnostic::new(
            "not-utf8",
            Severity::Error,
            location,
            "This file is not valid UTF-8, so it was not analysed. Nix source files must be UTF-8.",
        )),
        FileContent::TooLarge { size, limit } => acc.push(Diagnostic::new(
            "file-too-large",
            Severity::Warning,
            location,
            format!(
                "This file has {size} bytes, more than the limit of {limit} bytes \
                 (setting `flake-lsp.maxFileSize`), so it was not analysed."
            ),
        )),
    }
}
