//! Navigation for flake inputs: from a use (`nixpkgs`, `inputs.nixpkgs`, `self.inputs.x`, a
//! `follows` string) to the declaration, from the declaration to its `flake.lock` node, from a
//! lock node back to the declaration; and every reference to an input in `flake.nix`.

use base::{FilePosition, FileRange};

use super::NavigationTarget;
use super::flake_models::{FlakeEntry, flake_models};
use super::flake_module_inputs::module_inputs;
use super::flake_target::{FlakeTarget, Role, follows_name_range, target_at};
use crate::db::Db;

pub(crate) fn goto_definition(db: &Db, pos: FilePosition) -> Vec<NavigationTarget> {
    let models = flake_models(db);
    let Some(entry) = models.for_file(pos.file_id) else {
        // `inputs.<name>` in a module: the declaration in the flake that passes the inputs.
        let inputs = module_inputs(db);
        let Some((flake, use_)) = inputs.use_at(pos.file_id, pos.offset) else {
            return Vec::new();
        };
        return models
            .for_file(flake)
            .and_then(|entry| declaration(entry, std::slice::from_ref(&use_.name)))
            .into_iter()
            .collect();
    };
    let Some((_, target, role)) = target_at(entry, pos.file_id, pos.offset) else {
        return Vec::new();
    };
    match (target, role) {
        (FlakeTarget::Input(path), Role::Declaration | Role::Url) => {
            lock_node_target(entry, &path).into_iter().collect()
        }
        (FlakeTarget::Input(path), _) => {
            // `follows = "hm/nixpkgs"` may name an input declared only in hm's flake: its lock node.
            declaration(entry, &path)
                .or_else(|| lock_node_target(entry, &path))
                .into_iter()
                .collect()
        }
        (FlakeTarget::LockNode(id), _) => {
            let Some(lock) = entry.lock() else {
                return Vec::new();
            };
            entry
                .model
                .inputs
                .iter()
                .filter(|i| lock.root_input(&i.name) == Some(id.as_str()))
                .filter_map(|i| declaration(entry, std::slice::from_ref(&i.name)))
                .collect()
        }
    }
}

pub(crate) fn references(db: &Db, pos: FilePosition) -> Vec<FileRange> {
    let models = flake_models(db);
    let inputs = module_inputs(db);
    let (entry, name) = match models.for_file(pos.file_id) {
        Some(entry) => match input_name_at(entry, pos) {
            Some(name) => (entry, name),
            None => return Vec::new(),
        },
        None => match inputs.use_at(pos.file_id, pos.offset) {
            Some((flake, use_)) => match models.for_file(flake) {
                Some(entry) => (entry, use_.name.clone()),
                None => return Vec::new(),
            },
            None => return Vec::new(),
        },
    };
    let mut refs = flake_references(entry, &name);
    // Uses in modules that receive this flake's inputs.
    refs.extend(inputs.uses_of(entry.nix_file, &name));
    refs
}

/// The top-level input named at `pos` in a `flake.nix` or `flake.lock`.
fn input_name_at(entry: &FlakeEntry, pos: FilePosition) -> Option<String> {
    match target_at(entry, pos.file_id, pos.offset)? {
        (_, FlakeTarget::Input(path), _) if path.len() == 1 => Some(path[0].clone()),
        (_, FlakeTarget::LockNode(id), _) => {
            let lock = entry.lock()?;
            lock.root_node()
                .inputs
                .keys()
                .find(|name| lock.root_input(name) == Some(id.as_str()))
                .cloned()
        }
        _ => None,
    }
}

/// Every reference to the input `name` in `flake.nix`.
fn flake_references(entry: &FlakeEntry, name: &str) -> Vec<FileRange> {
    let name = name.to_owned();
    let model = &entry.model;
    let mut ranges = Vec::new();
    if let Some(input) = model.input(&name) {
        ranges.extend(input.name_ranges.iter().copied());
    }
    if let Some(param) = model.outputs.as_ref().and_then(|o| o.param.as_ref()) {
        ranges.extend(
            param
                .formals
                .iter()
                .filter(|f| f.name == name)
                .map(|f| f.range),
        );
    }
    ranges.extend(
        model
            .uses
            .uses
            .iter()
            .filter(|u| u.name == name)
            .map(|u| u.range),
    );
    ranges.extend(
        model
            .all_follows()
            .into_iter()
            .filter_map(|(_, f)| follows_name_range(f, &name)),
    );
    ranges.sort_by_key(|r| (r.start(), r.end()));
    ranges.dedup();
    ranges
        .into_iter()
        .map(|range| FileRange {
            file_id: entry.nix_file,
            range,
        })
        .collect()
}

/// The declaration of an input (or override): its first name and entry; for an implicit input,
/// the `outputs` formal.
fn declaration(entry: &FlakeEntry, path: &[String]) -> Option<NavigationTarget> {
    let model = &entry.model;
    let input = model.input(path.first()?)?;
    let at = |range| FileRange {
        file_id: entry.nix_file,
        range,
    };
    let mut names = &input.name_ranges;
    let mut spec = &input.spec;
    for name in &path[1..] {
        let nested = spec.nested(name)?;
        names = &nested.name_ranges;
        spec = &nested.spec;
    }
    if let Some(&focus) = names.first() {
        let full = input
            .decl_ranges
            .iter()
            .copied()
            .find(|d| d.contains_range(focus))
            .unwrap_or(focus);
        return Some(NavigationTarget {
            full_range: at(full),
            focus_range: at(focus),
        });
    }
    let param = model.outputs.as_ref()?.param.as_ref()?;
    let formal = param.formals.iter().find(|f| f.name == input.name)?;
    Some(NavigationTarget {
        full_range: at(formal.entry_range),
        focus_range: at(formal.range),
    })
}

/// The `flake.lock` node an input path resolves to.
fn lock_node_target(entry: &FlakeEntry, path: &[String]) -> Option<NavigationTarget> {
    let lock = entry.lock()?;
    let lock_file = entry.lock_file?;
    let id = lock.resolve(path).ok()?;
    let range = lock.node_key_range(id)?;
    let at = FileRange {
        file_id: lock_file,
        range,
    };
    Some(NavigationTarget {
        full_range: at,
        focus_range: at,
    })
}
