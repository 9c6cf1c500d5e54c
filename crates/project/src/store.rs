//! Which locked inputs' store paths exist on this machine, for hovers ("present on this
//! machine"). The analysis computes store paths from `narHash`es but cannot look at the disk;
//! this module does the looking and reports through `ide::Change::store_path_presence`.

use std::collections::BTreeMap;
use std::path::Path;

use ide::{Change, FileContent};

/// Whether the store path (`<store_dir>/<hash>-source`) of every node of the given `flake.lock`
/// texts exists on disk. Unreadable locks contribute nothing.
pub fn store_path_presence<'a>(
    lock_texts: impl IntoIterator<Item = &'a str>,
    store_dir: &str,
) -> BTreeMap<String, bool> {
    let mut presence = BTreeMap::new();
    for text in lock_texts {
        let Ok(lock) = flake::Lock::parse(text) else {
            continue;
        };
        for node in lock.nodes.values() {
            let Some(path) = node.store_path(store_dir) else {
                continue;
            };
            if let std::collections::btree_map::Entry::Vacant(entry) = presence.entry(path) {
                let exists = Path::new(entry.key()).exists();
                entry.insert(exists);
            }
        }
    }
    presence
}

/// Adds to `change.store_path_presence` the store paths of the `flake.lock` files the change
/// carries (the analysis merges them with what it knew). Call it on every change that loads or
/// reloads files; a change without locks is left alone.
pub fn fill_store_paths(change: &mut Change, store_dir: &str) {
    let locks: Vec<&str> = change
        .files
        .iter()
        .filter(|(path, _)| path.file_name() == Some("flake.lock"))
        .filter_map(|(_, content)| match content {
            Some(FileContent::Text(text)) => Some(&**text),
            _ => None,
        })
        .collect();
    let presence = store_path_presence(locks, store_dir);
    change.store_path_presence.extend(presence);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_present_paths() {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().to_str().unwrap().to_owned();
        let nar_hash = "sha256-J+PeFKSDV+pHL7ukkfpVzCOO7mBSrrpJ3svwBFABbhI=";
        let lock = format!(
            r#"{{ "version": 7, "root": "root", "nodes": {{
                "a": {{ "locked": {{ "type": "github", "owner": "o", "repo": "a", "narHash": "{nar_hash}" }} }},
                "b": {{ "locked": {{ "type": "github", "owner": "o", "repo": "b", "narHash": "sha256-OnpEWzNxF/AU4KlqBXM2s5PWvfI5/BS6xQrPvkF5tO8=" }} }},
                "root": {{ "inputs": {{ "a": "a", "b": "b" }} }} }} }}"#
        );
        let path_a = flake::store_path(nar_hash, &store).unwrap();
        std::fs::create_dir(&path_a).unwrap();
        let presence = store_path_presence([lock.as_str(), "not json"], &store);
        let present: Vec<&String> = presence
            .iter()
            .filter(|(_, e)| **e)
            .map(|(p, _)| p)
            .collect();
        assert_eq!(present, vec![&path_a]);
        assert_eq!(presence.len(), 2);

        let mut change = Change::new();
        change.set_text(base::VfsPath::new("/w/flake.lock"), lock.as_str());
        fill_store_paths(&mut change, &store);
        assert_eq!(change.store_path_presence.len(), 2);
    }
}
