//! The generated workloads are valid Nix.

use super::workload::{all_packages_like, module_flake};
use crate::parse;

#[test]
fn all_packages_like_parses_without_errors() {
    let text = all_packages_like(200_000);
    let parse = parse(&text);
    assert_eq!(parse.errors(), []);
    assert!(parse.nesting < 60, "{}", parse.nesting);
}

#[test]
fn module_flake_parses_without_errors() {
    for (path, text) in module_flake(100) {
        if path.ends_with(".nix") {
            assert_eq!(parse(&text).errors(), [], "{path}:\n{text}");
        }
    }
}
