//! Stack safety: pathological nesting parses and drops on a 2 MiB thread.

use expect_test::expect;

use crate::{MAX_NESTING, parse};

/// Parses and drops `text` on a thread with a 2 MiB stack (the size of tokio's workers) and
/// returns the errors as `range: message` lines.
fn parse_on_small_stack(text: String) -> String {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let parse = parse(&text);
            assert_eq!(
                parse.syntax_node().text().len(),
                text.len().try_into().unwrap()
            );
            let errors: Vec<String> = parse
                .errors()
                .iter()
                .map(|e| format!("{:?}: {}", e.range, e.message))
                .collect();
            drop(parse);
            errors.join("\n")
        })
        .unwrap()
        .join()
        .unwrap()
}

#[test]
fn nested_lists() {
    let n = 10_000;
    let errors = parse_on_small_stack(format!("{}{}", "[".repeat(n), "]".repeat(n)));
    expect!["9999..10000: this expression nests too deeply to analyse (depth 10000, counting each bracket and operator once and each set, `let`, function or parenthesis four times; the limit is 2000)"]
        .assert_eq(&errors);
}

#[test]
fn nested_parens() {
    let n = 10_000;
    let errors = parse_on_small_stack(format!("{}x{}", "(".repeat(n), ")".repeat(n)));
    expect!["9999..10000: this expression nests too deeply to analyse (depth 40000, counting each bracket and operator once and each set, `let`, function or parenthesis four times; the limit is 2000)"]
        .assert_eq(&errors);
}

#[test]
fn nested_attribute_sets() {
    let n = 10_000;
    let errors = parse_on_small_stack(format!("{}1{}", "{a=".repeat(n), ";}".repeat(n)));
    expect!["29997..29998: this expression nests too deeply to analyse (depth 40000, counting each bracket and operator once and each set, `let`, function or parenthesis four times; the limit is 2000)"]
        .assert_eq(&errors);
}

#[test]
fn unary_chains() {
    let errors = parse_on_small_stack(format!("{}x", "!".repeat(10_000)));
    expect!["9999..10000: this expression nests too deeply to analyse (depth 10000, counting each bracket and operator once and each set, `let`, function or parenthesis four times; the limit is 2000)"]
        .assert_eq(&errors);
    let errors = parse_on_small_stack(format!("{}1", "- ".repeat(10_000)));
    expect!["19998..19999: this expression nests too deeply to analyse (depth 10000, counting each bracket and operator once and each set, `let`, function or parenthesis four times; the limit is 2000)"]
        .assert_eq(&errors);
}

#[test]
fn operator_chains() {
    let errors = parse_on_small_stack(format!("a{}", " // a".repeat(50_000)));
    expect!["249997..249999: this expression nests too deeply to analyse (depth 50000, counting each bracket and operator once and each set, `let`, function or parenthesis four times; the limit is 2000)"]
        .assert_eq(&errors);
    let errors = parse_on_small_stack(format!("a{}", " + a".repeat(50_000)));
    expect!["199998..199999: this expression nests too deeply to analyse (depth 50000, counting each bracket and operator once and each set, `let`, function or parenthesis four times; the limit is 2000)"]
        .assert_eq(&errors);
    let errors = parse_on_small_stack(format!("f{}", " a".repeat(50_000)));
    expect!["100000..100001: this expression nests too deeply to analyse (depth 50000, counting each bracket and operator once and each set, `let`, function or parenthesis four times; the limit is 2000)"]
        .assert_eq(&errors);
}

#[test]
fn prefix_chains() {
    for unit in [
        "x: ",
        "with a; ",
        "assert a; ",
        "let a = 1; in ",
        "if a then 1 else ",
    ] {
        let errors = parse_on_small_stack(format!("{}x", unit.repeat(10_000)));
        assert!(
            errors.contains("nests too deeply to analyse"),
            "{unit}: {errors}"
        );
    }
}

#[test]
fn interpolation() {
    let n = 10_000;
    let errors = parse_on_small_stack(format!("{}x{}", "\"${".repeat(n), "}\"".repeat(n)));
    assert!(errors.contains("nests too deeply to analyse"), "{errors}");
}

#[test]
fn just_below_the_cap_parses_for_real() {
    // 1,999 nested lists stay under the cap: a real tree, no errors, and still fine on 2 MiB.
    let n = (MAX_NESTING - 1) as usize;
    let errors = parse_on_small_stack(format!("{}{}", "[".repeat(n), "]".repeat(n)));
    assert_eq!(errors, "");
    let errors = parse_on_small_stack(format!("{}x{}", "(".repeat(499), ")".repeat(499)));
    assert_eq!(errors, "");
}

#[test]
fn realistic_code_is_far_below_the_cap() {
    // Long but flat code: many bindings, long lists, long inherits, many `with`/lambdas in
    // sequence must not accumulate.
    let mut text = String::from("{ lib, pkgs, ... }: with lib; {\n");
    for i in 0..5_000 {
        text.push_str(&format!(
            "  a{i} = x: y: with pkgs; f x y [ a.b c.d e ] // {{ inherit (p) q r s; }};\n"
        ));
    }
    text.push_str("  l = [\n");
    for i in 0..5_000 {
        text.push_str(&format!("    pkgs.p{i} \"s${{x}}\" ./p{i}\n"));
    }
    text.push_str("  ];\n  inherit");
    for i in 0..5_000 {
        text.push_str(&format!(" n{i}"));
    }
    text.push_str(";\n}\n");
    let parse = parse(&text);
    assert_eq!(parse.errors(), []);
    assert!(parse.nesting < 40, "{}", parse.nesting);
}
