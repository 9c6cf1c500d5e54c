//! Diagnostic: duplicate-input — an attribute under `inputs` defined twice (Nix: "attribute
//! already defined").

use base::{Diagnostic, FileRange, Severity};

use super::FlakeContext;

pub(super) fn check(cx: &FlakeContext<'_>, acc: &mut Vec<Diagnostic>) {
    for dup in &cx.model.duplicates {
        acc.push(
            Diagnostic::new(
                "duplicate-input",
                Severity::Error,
                FileRange {
                    file_id: cx.nix_file,
                    range: dup.range,
                },
                format!("`{}` is defined twice; Nix rejects the file.", dup.path),
            )
            .with_related(
                FileRange {
                    file_id: cx.nix_file,
                    range: dup.first,
                },
                "first defined here",
            ),
        );
    }
}
