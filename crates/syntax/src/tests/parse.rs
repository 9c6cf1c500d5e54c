//! Whole-file parsing: odd inputs, byte order marks, pipes, and never panicking.

use proptest::prelude::*;

use crate::{SyntaxKind, parse};

fn tree(text: &str) -> String {
    format!("{:#?}", parse(text).syntax_node())
}

#[test]
fn trees_are_lossless() {
    for text in [
        "",
        "# c\n",
        "{ a = 1; }\r\n",
        "\u{feff}{ }",
        "a\u{0}b",
        "{ a = \"${b}\"; }",
    ] {
        assert_eq!(parse(text).syntax_node().text().to_string(), text);
    }
}

#[test]
fn pipe_operators_parse_without_errors() {
    let parse = parse("[ 1 2 ] |> map (x: x + 1) |> builtins.length");
    assert_eq!(parse.errors(), []);
    let parse = crate::parse("builtins.length <| map (x: x + 1) <| [ 1 2 ]");
    assert_eq!(parse.errors(), []);
    let ops: Vec<SyntaxKind> = parse
        .syntax_node()
        .descendants_with_tokens()
        .map(|e| e.kind())
        .filter(|k| {
            matches!(
                k,
                SyntaxKind::TOKEN_PIPE_LEFT | SyntaxKind::TOKEN_PIPE_RIGHT
            )
        })
        .collect();
    assert_eq!(
        ops,
        [SyntaxKind::TOKEN_PIPE_LEFT, SyntaxKind::TOKEN_PIPE_LEFT]
    );
}

#[test]
fn crlf_parses_like_lf() {
    let parse = parse("{\r\n  a = 1;\r\n  b = [ 1\r\n 2 ];\r\n}\r\n");
    assert_eq!(parse.errors(), []);
}

#[test]
fn byte_order_mark_is_whitespace() {
    let text = "\u{feff}{ a = 1; }";
    let parse = parse(text);
    assert_eq!(parse.errors(), []);
    let first = parse.syntax_node().first_token().unwrap();
    assert_eq!(first.kind(), SyntaxKind::TOKEN_WHITESPACE);
    assert_eq!(first.text(), "\u{feff}");
    // Offsets after the mark are file offsets, and errors point at the right bytes.
    let broken = "\u{feff}{ a = 1 }";
    let err = crate::parse(broken).errors()[0].clone();
    assert_eq!(&broken[std::ops::Range::<usize>::from(err.range)], "}");
    // Only a leading mark is whitespace; one in the middle is an invalid character.
    assert!(!crate::parse("{ a = \u{feff}1; }").errors().is_empty());
    assert!(tree(text).contains("TOKEN_WHITESPACE"));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    /// Arbitrary strings (control characters, surrogate-free Unicode, NULs) never panic and
    /// always give a lossless tree with in-bounds error ranges on char boundaries.
    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        check_invariants(&text);
    }

    /// Strings made of Nix punctuation and words exercise the parser's recovery paths.
    #[test]
    fn nix_soup_never_panics(parts in proptest::collection::vec(
        prop::sample::select(&[
            "{", "}", "[", "]", "(", ")", ";", "=", "\"", "''", "${", "#", "/*", "*/", ".", ":",
            "@", ",", "?", "...", "let", "in", "rec", "with", "if", "then", "else", "or",
            "inherit", "a", "1", "2.5", "./p", "<n>", " ", "\n", "\r", "\u{feff}", "\u{0}",
            "🙂", "-", "!", "//", "++", "|>", "<|",
        ][..]),
        0..40,
    )) {
        check_invariants(&parts.concat());
    }
}

fn check_invariants(text: &str) {
    let parse = parse(text);
    assert_eq!(parse.syntax_node().text().to_string(), text);
    for err in parse.errors() {
        assert!(usize::from(err.range.end()) <= text.len(), "{err:?}");
        assert!(text.is_char_boundary(err.range.start().into()), "{err:?}");
        assert!(text.is_char_boundary(err.range.end().into()), "{err:?}");
        assert!(
            !err.message.contains("TOKEN_") && !err.message.contains("NODE_"),
            "{err:?}"
        );
    }
}
