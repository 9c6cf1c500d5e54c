//! Diagnostic: syntax-error — the parser's errors, with human messages.
//! Diagnostic: nesting-too-deep — valid code nested beyond what the analysis walks.

use base::{Diagnostic, FileId, FileRange, Severity};

use crate::db::Db;

pub(super) fn check(db: &Db, file_id: FileId, acc: &mut Vec<Diagnostic>) {
    let parse = db.parse(file_id);
    // A file over the nesting cap is kept as a flat, lossless tree: the code may well be valid
    // Nix, so this is a warning that the analysis stops here, not a syntax error.
    let (code, severity) = if parse.is_too_deep() {
        ("nesting-too-deep", Severity::Warning)
    } else {
        ("syntax-error", Severity::Error)
    };
    for error in parse.errors() {
        acc.push(Diagnostic::new(
            code,
            severity,
            FileRange {
                file_id,
                range: error.range,
            },
            error.message.clone(),
        ));
    }
}
