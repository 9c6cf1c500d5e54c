//! Renaming a flake input from any of its names in `flake.nix` (declaration, `outputs` formal,
//! `inputs.x`, `follows` path). flake.lock is not edited: `nix flake lock` updates it.

use base::{FilePosition, FileRange, SourceChange};

use super::flake_models::flake_models;
use super::flake_module_inputs::module_inputs;
use super::flake_target::{FlakeTarget, Role, follows_name_range, target_at};
use crate::db::Db;
use syntax::SyntaxKind;

/// The range of the input name under the cursor, when it can be renamed here.
pub(crate) fn prepare_rename(db: &Db, pos: FilePosition) -> Option<Result<FileRange, String>> {
    let models = flake_models(db);
    if models.for_file(pos.file_id).is_none() {
        return prepare_in_module(db, pos);
    }
    let entry = models
        .for_file(pos.file_id)
        .filter(|e| e.nix_file == pos.file_id)?;
    let (range, FlakeTarget::Input(path), role) = target_at(entry, pos.file_id, pos.offset)? else {
        return None;
    };
    if role == Role::Url {
        return None;
    }
    let [name] = path.as_slice() else {
        return Some(Err(
            "This names an input of another flake; rename it there.".to_owned(),
        ));
    };
    // A `follows` string: only its first segment is the name.
    let range = entry
        .model
        .all_follows()
        .into_iter()
        .find(|(_, f)| f.range == range)
        .and_then(|(_, f)| follows_name_range(f, name))
        .unwrap_or(range);
    let text = db.text(pos.file_id);
    let written = text
        .get(usize::from(range.start())..usize::from(range.end()))
        .unwrap_or("");
    if written != name.as_str() {
        // A quoted name (`"my.input"`) is not offered.
        return None;
    }
    Some(Ok(FileRange {
        file_id: pos.file_id,
        range,
    }))
}

/// `inputs.<name>` in a module that receives a flake's inputs.
fn prepare_in_module(db: &Db, pos: FilePosition) -> Option<Result<FileRange, String>> {
    let inputs = module_inputs(db);
    let (_, use_) = inputs.use_at(pos.file_id, pos.offset)?;
    let range = FileRange {
        file_id: pos.file_id,
        range: use_.range,
    };
    if written(db, range) != use_.name {
        return None;
    }
    Some(Ok(range))
}

/// The text at `range`.
fn written(db: &Db, range: FileRange) -> String {
    let text = db.text(range.file_id);
    text.get(usize::from(range.range.start())..usize::from(range.range.end()))
        .unwrap_or("")
        .to_owned()
}

/// Renames the input under the cursor: in its `flake.nix`, and in the modules that receive the
/// flake's inputs when every escape of the set into modules was followed.
pub(crate) fn rename(
    db: &Db,
    pos: FilePosition,
    new_name: &str,
) -> Option<Result<SourceChange, String>> {
    let range = match prepare_rename(db, pos)? {
        Ok(range) => range,
        Err(e) => return Some(Err(e)),
    };
    let models = flake_models(db);
    let inputs = module_inputs(db);
    let entry = match models.for_file(pos.file_id) {
        Some(entry) => entry,
        None => models.for_file(inputs.use_at(pos.file_id, pos.offset)?.0)?,
    };
    let old = written(db, range);
    let parse = db.parse(entry.nix_file);
    let elsewhere = inputs.elsewhere.get(&entry.nix_file);
    let followed = elsewhere.map_or(&[][..], |e| e.followed_escapes.as_slice());
    let edits = match flake::rename_input_followed(&entry.model, &parse, &old, new_name, followed) {
        Ok(edits) => edits,
        Err(e) => return Some(Err(e)),
    };
    let mut change = SourceChange::default();
    for edit in edits {
        change.insert(entry.nix_file, edit);
    }
    if elsewhere.is_some() {
        for use_ in inputs.uses_of(entry.nix_file, &old) {
            if written(db, use_) != old || !is_selection(db, use_) {
                return Some(Err(format!(
                    "A module names `{old}` in a way that cannot be renamed here (`inherit (inputs) {old}` binds a variable, or the name is quoted); rename it by hand."
                )));
            }
            change.insert(
                use_.file_id,
                base::TextEdit {
                    range: use_.range,
                    new_text: new_name.to_owned(),
                },
            );
        }
    }
    Some(Ok(change))
}

/// Whether `range` is the attribute right after the set in a selection (`inputs.<name>…`).
fn is_selection(db: &Db, range: FileRange) -> bool {
    let root = db.parse(range.file_id).syntax_node();
    let node = match root.covering_element(range.range) {
        syntax::NodeOrToken::Node(node) => node,
        syntax::NodeOrToken::Token(token) => match token.parent() {
            Some(parent) => parent,
            None => return false,
        },
    };
    node.ancestors()
        .find(|n| n.kind() == SyntaxKind::NODE_ATTRPATH)
        .and_then(|path| path.parent())
        .is_some_and(|p| p.kind() == SyntaxKind::NODE_SELECT)
}
