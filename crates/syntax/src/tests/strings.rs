//! String literals read safely: rnix asserts on malformed string nodes, which broken input makes.

use rowan::ast::AstNode;

use crate::{ast, parse, static_string, str_parts};

fn strings(text: &str) -> Vec<ast::Str> {
    parse(text)
        .syntax_node()
        .descendants()
        .filter_map(ast::Str::cast)
        .collect()
}

#[test]
fn well_formed_strings_are_read() {
    let found = strings("[ \"a\\tb\" ''\n    x\n  '' \"a${b}\" ]");
    let [plain, indented, interpolated] = &found[..] else {
        panic!("three strings");
    };
    assert_eq!(static_string(plain).as_deref(), Some("a\tb"));
    assert_eq!(static_string(indented).as_deref(), Some("x\n"));
    assert_eq!(static_string(interpolated), None);
    assert_eq!(str_parts(interpolated).map(|p| p.len()), Some(2));
}

#[test]
fn malformed_strings_are_unknown_not_a_panic() {
    // Each parses into a string node holding an error node (rnix's `parts()` would assert).
    for text in ["{ \"a${b\" = 1; }", "\"a\\", "{ x = \"${)\"; }"] {
        let found = strings(text);
        assert!(
            found.iter().any(|s| str_parts(s).is_none()),
            "{text:?} has a malformed string node"
        );
        // Reading every string node of the tree is safe.
        for s in &found {
            let _ = static_string(s);
        }
    }
}
