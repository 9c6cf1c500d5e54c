//! Diagnostic: malformed-lock — a `flake.lock` that is not JSON, has the wrong shape, an
//! unsupported version, dangling node ids or circular `follows`. Reported on `flake.lock`; the
//! other checks then run without lock data.

use base::{Diagnostic, FileRange, Severity};

use super::{FlakeContext, LockState};

pub(super) fn check(cx: &FlakeContext<'_>, acc: &mut Vec<Diagnostic>) {
    let Some(file_id) = cx.lock_file else { return };
    if let LockState::Loaded(lock) = cx.lock {
        // Circular `follows`: Nix writes such locks and fails only when the input is used.
        for problem in &lock.problems {
            acc.push(Diagnostic::new(
                "malformed-lock",
                Severity::Error,
                FileRange { file_id, range: problem.range },
                format!(
                    "{} Evaluating that input overflows Nix's stack; fix the `follows` in flake.nix and run `nix flake lock`.",
                    problem.message
                ),
            ));
        }
    }
    let LockState::Malformed(error) = cx.lock else {
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
