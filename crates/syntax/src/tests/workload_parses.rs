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

/// Types `typed` one character at a time at the first `needle` (plus `skip`) of `text`, as an
/// editor that auto-closes brackets and quotes (before whitespace or a closer) would, reparsing incrementally; returns how
/// each keystroke was handled.
fn type_chars(text: &str, needle: &str, skip: usize, typed: &str) -> Vec<crate::ParseOrigin> {
    let mut text = text.to_owned();
    let mut current = parse(&text);
    let mut at = text.find(needle).unwrap() + skip;
    let mut origins = Vec::new();
    for c in typed.chars() {
        // Editors close brackets and quotes as they are typed, and step over the closer when
        // it is typed next.
        if matches!(c, '}' | ']' | ')' | '"') && text[at..].starts_with(c) {
            at += 1;
            continue;
        }
        let closes = text[at..]
            .chars()
            .next()
            .is_none_or(|n| n.is_whitespace() || ";)]}".contains(n));
        let insert = match c {
            '{' if closes => "{}".to_owned(),
            '[' if closes => "[]".to_owned(),
            '(' if closes => "()".to_owned(),
            '"' if closes => "\"\"".to_owned(),
            _ => c.to_string(),
        };
        let range = crate::TextRange::empty((at as u32).into());
        text.insert_str(at, &insert);
        at += c.len_utf8();
        let fresh = parse(&text);
        current = match current.reparse(range, &insert, &text) {
            Some(incremental) => {
                assert_eq!(
                    format!("{:#?}", incremental.syntax_node()),
                    format!("{:#?}", fresh.syntax_node())
                );
                assert_eq!(incremental.errors(), fresh.errors());
                origins.push(incremental.origin());
                incremental
            }
            None => {
                origins.push(crate::ParseOrigin::Full);
                fresh
            }
        };
    }
    origins
}

#[test]
fn typing_in_a_big_set_stays_incremental() {
    let text = all_packages_like(6_000);
    let cases = [
        // A new top-level binding, typed between two others. Some edits really do change the
        // parse of the rest of the file and need a full parse: a name typed inside `{ }` (rnix
        // reads `{ i }` as a lambda pattern until it becomes `{ inherit … }`), and `()` (rnix
        // closes a parenthesis with whatever token follows the missing expression), and a
        // trailing `.` (`pkgs.` before `]` makes rnix skip ahead to the next name), and `${`
        // typed in a string before its closing brace.
        (";\n  ", 2, "newpkg = callPackage ../tools/newpkg { };\n  "),
        // New list elements (a list, a string) at the end of an existing list.
        (" ];\n    version", 0, " openssl [ systemd ]"),
        (" ];\n    version", 0, " zlib \"x-1.0 (beta)\""),
        // A comment.
        ("# ", 2, "TODO: check this (see #123) "),
    ];
    for (needle, skip, typed) in cases {
        let origins = type_chars(&text, needle, skip, typed);
        let full = origins
            .iter()
            .filter(|o| **o == crate::ParseOrigin::Full)
            .count();
        let marks: String = typed
            .chars()
            .zip(&origins)
            .map(|(c, o)| {
                if *o == crate::ParseOrigin::Full {
                    format!("[{c}]")
                } else {
                    c.to_string()
                }
            })
            .collect();
        assert_eq!(full, 0, "{marks}");
    }
}
