//! Diagnostic: syntax-error — the parser's errors, with human messages.

use base::{Diagnostic, FileId, FileRange, Severity};

use crate::db::Db;

pub(super) fn check(db: &Db, file_id: FileId, acc: &mut Vec<Diagnostic>) {
    let parse = db.parse(file_id);
    for error in parse.errors() {
        acc.push(Diagnostic::new(
            "syntax-error",
            Severity::Error,
            FileRange { file_id, range: error.range },
            error.message.clone(),
        ));
    }
}
