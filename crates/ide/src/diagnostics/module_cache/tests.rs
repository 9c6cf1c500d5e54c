//! The cached module analysis is reused exactly when nothing it read changed.

use std::collections::BTreeSet;
use std::sync::Arc;

use base::{Severity, TextEdit, TextRange, TextSize, VfsPath};

use crate::change::Change;
use crate::db::Db;
use crate::diagnostics::module_graph::analysis;

const FLAKE: &str = r#"{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  outputs = { nixpkgs, ... }: {
    nixosConfigurations.host = nixpkgs.lib.nixosSystem { modules = [ ./host.nix ]; };
  };
}
"#;

fn path(p: &str) -> VfsPath {
    VfsPath::new(p)
}

fn db() -> Db {
    let mut change = Change::new();
    change.roots = Some(vec![path("/")]);
    change.set_text(path("/flake.nix"), FLAKE);
    change.set_text(path("/host.nix"), "{ foo, ... }: { x = foo; }\n");
    change.set_text(path("/other.nix"), "{ a = 1; }\n");
    let mut db = Db::default();
    db.apply_change(change);
    db
}

fn insert(db: &mut Db, file: &str, at: u32, text: &str) {
    let mut change = Change::new();
    let at = TextSize::from(at);
    change.edit_file(
        path(file),
        vec![TextEdit {
            range: TextRange::empty(at),
            new_text: text.to_owned(),
        }],
    );
    db.apply_change(change);
}

/// Errors for arguments nobody passes (an unused one is only a hint).
fn missing_args(db: &Db) -> usize {
    let host = db.file_id(&path("/host.nix")).expect("host.nix is known");
    analysis(db)
        .diagnostics(host)
        .iter()
        .filter(|d| d.code.as_str() == "missing-module-argument" && d.severity == Severity::Error)
        .count()
}

#[test]
fn an_edit_outside_the_graph_reuses_the_analysis() {
    let mut db = db();
    let before = analysis(&db);
    assert_eq!(missing_args(&db), 1);
    insert(&mut db, "/other.nix", 2, "b = 2; ");
    assert!(Arc::ptr_eq(&before, &analysis(&db)));
}

#[test]
fn an_edit_inside_the_graph_recomputes_it() {
    let mut db = db();
    let before = analysis(&db);
    // `{ foo, ... }: { x = foo; }` → `{ foo, ... }: { x = 1; }`: nothing uses `foo` any more.
    let mut change = Change::new();
    change.edit_file(
        path("/host.nix"),
        vec![TextEdit {
            range: TextRange::new(20.into(), 23.into()),
            new_text: "1".to_owned(),
        }],
    );
    db.apply_change(change);
    assert!(!Arc::ptr_eq(&before, &analysis(&db)));
    assert_eq!(missing_args(&db), 0);
}

#[test]
fn a_new_file_recomputes_it() {
    let mut db = db();
    let before = analysis(&db);
    let mut change = Change::new();
    change.set_text(path("/new.nix"), "{ }\n");
    db.apply_change(change);
    assert!(!Arc::ptr_eq(&before, &analysis(&db)));
}

#[test]
fn new_existence_facts_recompute_it() {
    let mut db = db();
    let before = analysis(&db);
    let mut change = Change::new();
    change.existing_paths = Some(BTreeSet::from([path("/flake.nix"), path("/host.nix")]));
    db.apply_change(change);
    assert!(!Arc::ptr_eq(&before, &analysis(&db)));
}

#[test]
fn a_broken_module_keeps_its_last_good_analysis_while_it_stays_broken() {
    let mut db = db();
    assert_eq!(missing_args(&db), 1);
    // Typing an unfinished binding: the file stops parsing, the diagnostics keep coming from its
    // last error-free state, and further keystrokes in the broken file reuse that analysis.
    insert(&mut db, "/host.nix", 16, "y = ");
    let host = db.file_id(&path("/host.nix")).expect("host.nix is known");
    let mut first = Vec::new();
    crate::diagnostics::module_graph::check(&db, host, &mut first);
    insert(&mut db, "/host.nix", 20, "(");
    let mut second = Vec::new();
    crate::diagnostics::module_graph::check(&db, host, &mut second);
    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(first, second);
}
