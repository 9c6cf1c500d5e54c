//! Diagnostics: stale-lock — `flake.lock` does not match `flake.nix` (an input missing from the
//! lock, a changed URL or `follows`, an input the lock keeps but `flake.nix` dropped);
//! no-lock-file — there is no `flake.lock` yet (a note, not an error).

use base::{Diagnostic, FileRange, Severity, TextRange, TextSize};

use super::{FlakeContext, LockState};
use crate::{FlakeModel, Input, InputSpec, Lock, LockEdge};

const FIX_HINT: &str = "run `nix flake lock` to update flake.lock";

pub(super) fn check(cx: &FlakeContext<'_>, acc: &mut Vec<Diagnostic>) {
    let model = cx.model;
    let at = |range| FileRange {
        file_id: cx.nix_file,
        range,
    };
    let lock = match cx.lock {
        LockState::Loaded(lock) => lock,
        LockState::Malformed(_) => return,
        LockState::Missing => {
            // Without inputs there is nothing to lock (Nix writes a root-only lock).
            if model.inputs.is_empty() {
                return;
            }
            let range = match (model.inputs_entries.first(), model.inputs.first()) {
                (Some(entry), _) => TextRange::at(entry.start(), TextSize::from(6)),
                (None, Some(input)) => match implicit_formal_range(model, input) {
                    Some(range) => range,
                    None => return,
                },
                (None, None) => return,
            };
            acc.push(Diagnostic::new(
                "no-lock-file",
                Severity::Info,
                at(range),
                "This flake has no flake.lock yet; Nix writes one on the first `nix build` or `nix flake lock`. Lock data (revisions, store paths) is unavailable until then.",
            ));
            return;
        }
    };
    let defaulted = |name: &str| {
        let param = model.outputs.as_ref().and_then(|o| o.param.as_ref());
        param.is_some_and(|p| p.formals.iter().any(|f| f.name == name && f.has_default))
    };
    for input in &model.inputs {
        // `{ extra ? null }`: the author expects it may be missing; leave it alone.
        if input.implicit && defaulted(&input.name) {
            continue;
        }
        let Some(problem) = input_problem(input, lock) else {
            continue;
        };
        let range = input
            .focus_range()
            .or_else(|| implicit_formal_range(model, input));
        let Some(range) = range else { continue };
        acc.push(Diagnostic::new(
            "stale-lock",
            Severity::Warning,
            at(range),
            format!("flake.lock is out of date: {problem}; {FIX_HINT}."),
        ));
    }
    let Some(lock_file) = cx.lock_file else {
        return;
    };
    if model.inputs_incomplete {
        return;
    }
    for (name, edge) in &lock.root_node().inputs {
        if model.has_input(name) {
            continue;
        }
        let key = match edge {
            LockEdge::Node(id) => lock.node_key_range(id),
            LockEdge::Follows(_) => None,
        };
        let range = key
            .or_else(|| lock.node_key_range(&lock.root))
            .unwrap_or_default();
        acc.push(Diagnostic::new(
            "stale-lock",
            Severity::Warning,
            FileRange { file_id: lock_file, range },
            format!("flake.lock still has input `{name}`, which flake.nix no longer declares; {FIX_HINT}."),
        ));
    }
}

/// Whether `lock` has the top-level input `name` exactly as `flake.nix` declares it.
pub(crate) fn input_is_fresh(model: &FlakeModel, lock: &Lock, name: &str) -> bool {
    model
        .input(name)
        .is_some_and(|input| input_problem(input, lock).is_none())
}

fn implicit_formal_range(model: &FlakeModel, input: &Input) -> Option<TextRange> {
    let param = model.outputs.as_ref()?.param.as_ref()?;
    param
        .formals
        .iter()
        .find(|f| f.name == input.name)
        .map(|f| f.range)
}

/// What differs between a top-level input and its lock entry, as a phrase.
fn input_problem(input: &Input, lock: &Lock) -> Option<String> {
    if input.spec.invalid {
        return None;
    }
    let name = &input.name;
    let Some(edge) = lock.root_node().inputs.get(name) else {
        return Some(format!("input `{name}` is not in it"));
    };
    if let Some(problem) = edge_problem(name, &input.spec, edge, lock, input.flake_ref()) {
        return Some(problem);
    }
    // Overrides of the input's own inputs (`inputs.<name>.inputs.<x>…`), one level deep.
    let LockEdge::Node(id) = edge else {
        return None;
    };
    let node = lock.nodes.get(id)?;
    for nested in &input.spec.inputs {
        let Some(nested_edge) = node.inputs.get(&nested.name) else {
            continue;
        };
        let label = format!("{name}/{}", nested.name);
        let reference = nested.spec.explicit_ref();
        if nested.spec.follows.is_none() && reference.is_none() {
            continue;
        }
        if let Some(problem) = edge_problem(&label, &nested.spec, nested_edge, lock, reference) {
            return Some(problem);
        }
    }
    None
}

fn edge_problem(
    label: &str,
    spec: &InputSpec,
    edge: &LockEdge,
    lock: &Lock,
    reference: Option<Result<crate::FlakeRef, crate::RefError>>,
) -> Option<String> {
    match (edge, &spec.follows) {
        (LockEdge::Follows(locked), Some(follows)) => (locked != &follows.path).then(|| {
            format!(
                "input `{label}` follows `{}` in it but `{}` in flake.nix",
                locked.join("/"),
                follows.display()
            )
        }),
        (LockEdge::Follows(locked), None) => Some(format!(
            "input `{label}` follows `{}` in it, but flake.nix gives it its own source",
            locked.join("/")
        )),
        (LockEdge::Node(_), Some(follows)) => Some(format!(
            "flake.nix makes input `{label}` follow `{}`, but the lock has a separate copy",
            follows.display()
        )),
        (LockEdge::Node(id), None) => {
            let node = lock.nodes.get(id)?;
            if spec.is_flake() != node.is_flake {
                return Some(format!(
                    "input `{label}` changed `flake = {}`",
                    spec.is_flake()
                ));
            }
            let wanted = reference?.ok()?;
            let original = node.original.as_ref()?;
            if wanted.same_source(original) {
                return None;
            }
            let (was, now) = (original.to_string(), wanted.to_string());
            Some(if was == now {
                // Only the type differs (`file+https://…` against a `tarball` lock).
                format!(
                    "input `{label}` is locked from `{was}` as type `{}`, but flake.nix now asks for type `{}`",
                    original.kind.as_str(),
                    wanted.kind.as_str()
                )
            } else {
                format!("input `{label}` is locked from `{was}`, but flake.nix now says `{now}`")
            })
        }
    }
}
