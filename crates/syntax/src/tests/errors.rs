//! Human syntax-error messages and their ranges, over a table of broken inputs.

use expect_test::{Expect, expect};

use crate::parse;

/// Parses each input and prints `input` followed by `range: message` per error, where the
/// range is shown as the text it covers.
fn check(inputs: &[&str], expect: Expect) {
    let mut out = String::new();
    for input in inputs {
        out.push_str(&format!("{input:?}\n"));
        let parse = parse(input);
        for err in parse.errors() {
            let covered = &input[std::ops::Range::<usize>::from(err.range)];
            out.push_str(&format!("  {:?} {covered:?}: {}\n", err.range, err.message));
        }
    }
    expect.assert_eq(&out);
}

#[test]
fn bindings() {
    check(
        &[
            "{ a = 1 }",
            "{\n  a = 1\n  b = 2;\n}",
            "{ foo.; b = 1; }",
            "{ a 1; }",
            "{ = 1; }",
            "{ in = 1; }",
            "{ inherit a }",
            "let a = 1 in a",
            "let a = 1;",
            "with pkgs x",
            "assert x y",
        ],
        expect![[r#"
            "{ a = 1 }"
              8..9 "}": missing `;` after the binding (found `}`)
            "{\n  a = 1\n  b = 2;\n}"
              14..15 "=": missing `;` after the binding (found `=`)
            "{ foo.; b = 1; }"
              6..7 ";": unexpected `;`, expected an attribute name
            "{ a 1; }"
              4..5 "1": unexpected number `1`, expected `=`
            "{ = 1; }"
              2..3 "=": unexpected `=`, expected an attribute name
            "{ in = 1; }"
              2..4 "in": unexpected keyword `in`, expected an attribute name (keywords must be quoted to be used as names: `"in"`)
            "{ inherit a }"
              12..13 "}": missing `;` at the end of `inherit` (found `}`)
            "let a = 1 in a"
              10..12 "in": missing `;` after the binding (found keyword `in`)
            "let a = 1;"
              0..3 "let": this `let` has no `in`
              10..10 "": unexpected end of file, expected `in`
            "with pkgs x"
              11..11 "": unexpected end of file, expected `;`
            "assert x y"
              10..10 "": unexpected end of file, expected `;`
        "#]],
    );
}

#[test]
fn unclosed_and_unmatched() {
    check(
        &[
            "{ a = 1;",
            "{ a = [ 1 2",
            "(1 + 2",
            "[ 1 2 ]]",
            "{ a = 1; }}",
            "f (x",
            "\"abc",
            "''abc",
            "\"${x\"",
            "{ a = 1; } b = 2;",
            "/* unterminated",
        ],
        expect![[r#"
            "{ a = 1;"
              0..1 "{": unclosed `{`
              8..8 "": unexpected end of file, expected `}`
            "{ a = [ 1 2"
              0..1 "{": unclosed `{`
              6..7 "[": unclosed `[`
              11..11 "": unexpected end of file, expected `]`
            "(1 + 2"
              0..1 "(": unclosed `(`
              6..6 "": unexpected end of file, expected `)`
            "[ 1 2 ]]"
              7..8 "]": unmatched `]`
            "{ a = 1; }}"
              10..11 "}": unmatched `}`
            "f (x"
              2..3 "(": unclosed `(`
              4..4 "": unexpected end of file, expected `)`
            "\"abc"
              0..1 "\"": unterminated string
            "''abc"
              0..2 "''": unterminated string
            "\"${x\""
              0..1 "\"": unterminated string
              1..3 "${": unclosed `${`
              4..5 "\"": unterminated string
              5..5 "": unexpected end of file, expected the end of the string
            "{ a = 1; } b = 2;"
              13..14 "=": unexpected `=` after the end of the expression
            "/* unterminated"
              0..15 "/* unterminated": unterminated comment: `/*` has no matching `*/`
        "#]],
    );
}

#[test]
fn expressions() {
    check(
        &[
            "",
            "# only a comment\n",
            "1 +",
            "if a then b",
            "if a b else c",
            "x: ",
            "{ a, b }: ",
            "{ a, 1 }: a",
            "a@b@{ }: a",
            "a.b.",
            "[ ; ]",
            "a ==",
        ],
        expect![[r##"
            ""
              0..0 "": the file is empty, but a Nix file must contain an expression
            "# only a comment\n"
              0..0 "": the file contains only comments, but a Nix file must contain an expression
            "1 +"
              3..3 "": unexpected end of file, expected an expression
            "if a then b"
              11..11 "": unexpected end of file, expected `else`
            "if a b else c"
              7..11 "else": unexpected keyword `else`, expected `then`
            "x: "
              2..2 "": unexpected end of file, expected an expression
            "{ a, b }: "
              9..9 "": unexpected end of file, expected an expression
            "{ a, 1 }: a"
              5..6 "1": unexpected number `1`, expected an argument name, `...` or `}`
            "a@b@{ }: a"
              2..3 "b": unexpected identifier `b`, expected `{`
            "a.b."
              4..4 "": unexpected end of file, expected an attribute name
            "[ ; ]"
              2..3 ";": unexpected `;`, expected an expression
            "a =="
              4..4 "": unexpected end of file, expected an expression
        "##]],
    );
}

#[test]
fn bad_tokens() {
    check(
        &[
            "a % b",
            "./foo/",
            "~foo",
            "<nixpkgs",
            "1.5e",
            "a\u{0}b",
            "{ a = \u{feff}1; }",
            "x: x \u{1F642}",
        ],
        expect![[r#"
            "a % b"
              2..3 "%": invalid character `%`
            "./foo/"
              0..6 "./foo/": a path cannot end with `/`: `./foo/`
            "~foo"
              0..2 "~f": a home path must start with `~/`
            "<nixpkgs"
              0..1 "<": unexpected `<`, expected an expression
            "1.5e"
              0..4 "1.5e": invalid number `1.5e`: the exponent has no digits
            "a\0b"
              1..2 "\0": invalid character U+0000
            "{ a = \u{feff}1; }"
              6..9 "\u{feff}": invalid character U+FEFF
            "x: x 🙂"
              5..9 "🙂": invalid character `🙂`
        "#]],
    );
}
