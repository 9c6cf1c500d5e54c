//! Diagnostic: invalid-input-url — an input `url` that is not a flake reference Nix can read
//! (an unknown scheme such as `githb:`, `github:` without `owner/repo`, a branch given both in the
//! path and as `?ref=`).

use base::{Diagnostic, FileRange, Severity};

use super::FlakeContext;
use crate::InputSpec;

pub(super) fn check(cx: &FlakeContext<'_>, acc: &mut Vec<Diagnostic>) {
    let mut stack: Vec<&InputSpec> = cx.model.inputs.iter().map(|i| &i.spec).collect();
    while let Some(spec) = stack.pop() {
        stack.extend(spec.inputs.iter().map(|n| &n.spec));
        let (Some(url), Some(Err(error))) = (&spec.url, spec.explicit_ref()) else {
            continue;
        };
        acc.push(Diagnostic::new(
            "invalid-input-url",
            Severity::Warning,
            FileRange {
                file_id: cx.nix_file,
                range: url.range,
            },
            format!("Nix cannot read this flake URL: {}.", error.0),
        ));
    }
}
