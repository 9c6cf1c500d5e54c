//! Which locked inputs' store paths exist on this machine, for hovers ("present on this
//! machine"). The analysis computes store paths from `narHash`es but cannot look at the disk;
//! this module does the looking and reports through `ide::Change::store_paths_present`.

use std::collections::BTreeSet;
use std::path::Path;

use ide::{Change, FileContent};

/// The store paths (`<store_dir>/<hash>-source`) of every node of the given `flake.lock` texts
/// that exist on disk. Unreadable locks contribute nothing.
pub fn present_store_paths<'a>(
    lock_texts: impl IntoIterator<Item = &'a str>,
    store_dir: &str,
) -> BTreeSet<String> {
    let mut present = BTreeSet::new();
    for text in lock_texts {
        let Ok(lock) = flake::Lock::parse(text) else {
            continue;
        };
        for node in lock.nodes.values() {
            let Some(path) = node.store_path(store_dir) else {
                continue;
            };
            if !present.contains(&path) && Path::new(&path).exists() {
                present.insert(path);
            }
        }
    }
    present
}

/// Sets `change.store_paths_present` from the `flake.lock` files the change carries. It replaces
/// the whole set, so call it on changes that carry every lock (the initial load, or a reload
/// after a lock changed with all locks re-read); changes without any lock are left alone.
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
    if locks.is_empty() {
        return;
    }
    change.store_paths_present = Some(present_store_paths(locks, store_dir));
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
        let present = present_store_paths([lock.as_str(), "not json"], &store);
        assert_eq!(
            present.into_iter().collect::<Vec<_>>(),
            vec![path_a.clone()]
        );

        let mut change = Change::new();
        change.set_text(base::VfsPath::new("/w/flake.lock"), lock.as_str());
        fill_store_paths(&mut change, &store);
        assert_eq!(change.store_paths_present.map(|p| p.len()), Some(1));
    }
}
