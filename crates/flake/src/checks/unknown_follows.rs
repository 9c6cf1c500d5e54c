//! Diagnostic: unknown-follows — a `follows` path naming an input that does not exist, or
//! `follows` that go round in a circle; with a lock, also overrides of an input's inputs that the
//! locked input does not have.

use base::{Diagnostic, FileRange, Severity};

use super::{FlakeContext, stale_lock};
use crate::ResolveError;

pub(super) fn check(cx: &FlakeContext<'_>, acc: &mut Vec<Diagnostic>) {
    let model = cx.model;
    if model.inputs_incomplete {
        return;
    }
    let at = |range| FileRange {
        file_id: cx.nix_file,
        range,
    };
    for (owner, follows) in model.all_follows() {
        let Some(first) = follows.path.first() else {
            continue;
        };
        if !model.has_input(first) {
            acc.push(Diagnostic::new(
                "unknown-follows",
                Severity::Error,
                at(follows.range),
                format!(
                    "`follows = \"{}\"` names `{first}`, which is not an input of this flake.",
                    follows.display()
                ),
            ));
            continue;
        }
        if owner.len() == 1 && follows_cycle(cx, owner[0]) {
            acc.push(Diagnostic::new(
                "unknown-follows",
                Severity::Error,
                at(follows.range),
                format!(
                    "Input `{}` follows itself through a circle of `follows`.",
                    owner[0]
                ),
            ));
            continue;
        }
        let Some(lock) = cx.lock.lock() else { continue };
        // Lock data only speaks for inputs it has exactly as flake.nix declares them.
        let fresh = stale_lock::input_is_fresh(model, lock, first)
            && (owner.len() == 1 || stale_lock::input_is_fresh(model, lock, owner[0]));
        if !fresh {
            continue;
        }
        if follows.path.len() > 1 && lock.resolve(&follows.path) == Err(ResolveError::Missing) {
            acc.push(Diagnostic::new(
                "unknown-follows",
                Severity::Warning,
                at(follows.range),
                format!(
                    "`follows = \"{}\"`: according to flake.lock, that input does not exist.",
                    follows.display()
                ),
            ));
            continue;
        }
        if owner.len() >= 2 {
            let parent: Vec<String> = owner[..owner.len() - 1]
                .iter()
                .map(|s| (*s).to_owned())
                .collect();
            let has_input = lock
                .resolve(&parent)
                .ok()
                .and_then(|id| lock.nodes.get(id))
                .map(|node| node.inputs.contains_key(owner[owner.len() - 1]));
            if has_input == Some(false) {
                acc.push(Diagnostic::new(
                    "unknown-follows",
                    Severity::Warning,
                    at(follows.range),
                    format!(
                        "According to flake.lock, input `{}` has no input `{}`, so this override does nothing.",
                        parent.join("/"),
                        owner[owner.len() - 1]
                    ),
                ));
            }
        }
    }
}

/// Whether following the top-level `follows` chain from `name` comes back to it.
fn follows_cycle(cx: &FlakeContext<'_>, name: &str) -> bool {
    let mut current = name;
    for _ in 0..=cx.model.inputs.len() {
        let Some(next) = cx
            .model
            .input(current)
            .and_then(|i| i.spec.follows.as_ref())
            .filter(|f| f.path.len() == 1)
            .map(|f| f.path[0].as_str())
        else {
            return false;
        };
        if next == name {
            return true;
        }
        current = next;
    }
    false
}
