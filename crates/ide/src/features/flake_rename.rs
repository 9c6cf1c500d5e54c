//! Renaming a flake input from any of its names in `flake.nix` (declaration, `outputs` formal,
//! `inputs.x`, `follows` path). flake.lock is not edited: `nix flake lock` updates it.

use base::{FilePosition, FileRange, SourceChange};

use super::flake_models::flake_models;
use super::flake_target::{FlakeTarget, Role, follows_name_range, target_at};
use crate::db::Db;

/// The range of the input name under the cursor, when it can be renamed here.
pub(crate) fn prepare_rename(db: &Db, pos: FilePosition) -> Option<Result<FileRange, String>> {
    let models = flake_models(db);
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

/// Renames the input under the cursor.
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
    let entry = models.for_file(pos.file_id)?;
    let text = db.text(pos.file_id);
    let old = text
        .get(usize::from(range.range.start())..usize::from(range.range.end()))?
        .to_owned();
    let parse = db.parse(pos.file_id);
    Some(
        flake::rename_input(&entry.model, &parse, &old, new_name).map(|edits| {
            let mut change = SourceChange::default();
            for edit in edits {
                change.insert(pos.file_id, edit);
            }
            change
        }),
    )
}
