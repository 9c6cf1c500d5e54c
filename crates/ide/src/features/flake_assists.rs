//! Assist on an input declaration: make the input's own copy of an input follow the flake's
//! input of the same name (`inputs.hm.inputs.nixpkgs.follows = "nixpkgs";`), when flake.lock
//! shows two different copies.

use base::{FileRange, Fix, SourceChange};
use flake::LockEdge;

use super::flake_models::flake_models;
use super::flake_target::{FlakeTarget, Role, target_at};
use crate::db::Db;

pub(crate) fn assists(db: &Db, range: FileRange) -> Vec<Fix> {
    let models = flake_models(db);
    let Some(entry) = models
        .for_file(range.file_id)
        .filter(|e| e.nix_file == range.file_id)
    else {
        return Vec::new();
    };
    let Some((_, FlakeTarget::Input(path), Role::Declaration)) =
        target_at(entry, range.file_id, range.range.start())
    else {
        return Vec::new();
    };
    let ([name], Some(lock)) = (path.as_slice(), entry.lock()) else {
        return Vec::new();
    };
    let model = &entry.model;
    let Some(input) = model.input(name) else {
        return Vec::new();
    };
    let Some(node) = lock.root_input(name).and_then(|id| lock.nodes.get(id)) else {
        return Vec::new();
    };
    let text = db.text(entry.nix_file);
    let mut fixes = Vec::new();
    for (nested, edge) in &node.inputs {
        let LockEdge::Node(their) = edge else {
            continue;
        };
        if input.spec.nested(nested).is_some() || !model.has_input(nested) {
            continue;
        }
        let Some(ours) = lock.root_input(nested) else {
            continue;
        };
        if ours == their {
            continue;
        }
        let Some(edit) = flake::edits::add_nested_follows(model, &text, name, nested, nested)
        else {
            continue;
        };
        fixes.push(Fix {
            label: format!("Make `{name}` use this flake's `{nested}` (follows)"),
            change: SourceChange::single(entry.nix_file, edit),
        });
    }
    fixes
}
