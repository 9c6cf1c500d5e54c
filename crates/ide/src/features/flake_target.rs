//! What flake thing is under the cursor in a `flake.nix` or `flake.lock`: an input (by its path
//! of names, `["hm", "nixpkgs"]` for an override) or a lock node.

use base::{FileId, TextRange, TextSize};

use super::flake_models::FlakeEntry;

/// A flake thing under the cursor.
#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) enum FlakeTarget {
    /// An input, by its path of names from the flake (`["nixpkgs"]`, `["hm", "nixpkgs"]`).
    Input(Vec<String>),
    /// A node of `flake.lock`, by id.
    LockNode(String),
}

/// How the cursor names the target.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Role {
    /// The name in a declaration (`inputs.<name>…`).
    Declaration,
    /// A reference (a use in `outputs`, an `outputs` formal, a `follows` string).
    Reference,
    /// A node key in `flake.lock`.
    LockKey,
    /// The input's `url` string.
    Url,
}

/// The target at `offset` in `file_id` (a file of `entry`), with the range naming it.
pub(crate) fn target_at(
    entry: &FlakeEntry,
    file_id: FileId,
    offset: TextSize,
) -> Option<(TextRange, FlakeTarget, Role)> {
    let hit = |r: &TextRange| r.contains_inclusive(offset);
    if Some(file_id) == entry.lock_file {
        let lock = entry.lock()?;
        let (id, range) = lock.node_keys.iter().find(|(_, r)| hit(r))?;
        return Some((*range, FlakeTarget::LockNode(id.clone()), Role::LockKey));
    }
    if file_id != entry.nix_file {
        return None;
    }
    let model = &entry.model;
    for input in &model.inputs {
        if let Some(range) = input.name_ranges.iter().find(|r| hit(r)) {
            return Some((
                *range,
                FlakeTarget::Input(vec![input.name.clone()]),
                Role::Declaration,
            ));
        }
        // The URL string: hover shows the same as on the name.
        if let Some(url) = input.spec.url.as_ref().filter(|u| hit(&u.range)) {
            return Some((
                url.range,
                FlakeTarget::Input(vec![input.name.clone()]),
                Role::Url,
            ));
        }
        // Overrides of the input's own inputs, at any depth.
        let mut stack: Vec<(Vec<String>, &flake::InputSpec)> =
            vec![(vec![input.name.clone()], &input.spec)];
        while let Some((path, spec)) = stack.pop() {
            for nested in &spec.inputs {
                let mut nested_path = path.clone();
                nested_path.push(nested.name.clone());
                if let Some(range) = nested.name_ranges.iter().find(|r| hit(r)) {
                    return Some((*range, FlakeTarget::Input(nested_path), Role::Declaration));
                }
                stack.push((nested_path, &nested.spec));
            }
        }
    }
    if let Some(u) = model.uses.uses.iter().find(|u| hit(&u.range)) {
        return Some((
            u.range,
            FlakeTarget::Input(vec![u.name.clone()]),
            Role::Reference,
        ));
    }
    if let Some(param) = model.outputs.as_ref().and_then(|o| o.param.as_ref())
        && let Some(formal) = param
            .formals
            .iter()
            .find(|f| f.name != "self" && hit(&f.range))
    {
        return Some((
            formal.range,
            FlakeTarget::Input(vec![formal.name.clone()]),
            Role::Reference,
        ));
    }
    for (_, follows) in model.all_follows() {
        if hit(&follows.range) && !follows.path.is_empty() {
            return Some((
                follows.range,
                FlakeTarget::Input(follows.path.clone()),
                Role::Reference,
            ));
        }
    }
    None
}

/// The range of `name` inside a `follows` string literal whose first segment is `name`.
pub(crate) fn follows_name_range(follows: &flake::Follows, name: &str) -> Option<TextRange> {
    (follows.path.first().map(String::as_str) == Some(name)).then(|| {
        let start = follows.range.start() + TextSize::from(1);
        TextRange::at(start, TextSize::of(name))
    })
}
