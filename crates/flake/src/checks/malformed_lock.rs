//! Diagnostic: malformed-lock — a `flake.lock` that is not JSON, has the wrong shape, an
//! unsupported version, dangling node ids or circular `follows`. Reported on `flake.lock`; the
//! other checks then run without lock data.

use base::{Diagnostic, FileRange, Severity};

use super::{FlakeContext, LockState};

pub(super) fn check(cx: &FlakeContext<'_>, acc: &mut Vec<Diagnostic>) {
    let (LockState::Malformed(error), Some(file_id)) = (cx.lock, cx.lock_file) else {
        return;
    };
    acc.push(Diagnostic::new(
        "malformed-lock",
        Severity::Error,
        FileRange { file_id, range: error.range },
        format!(
            "{} Nix cannot use this lock file; delete it and run `nix flake lock` to write a new one.",
            error.message
        ),
    ));
}
