//! Reading literal values (strings, booleans, attribute names) out of syntax nodes.

use rowan::ast::AstNode;
use syntax::ast;
use syntax::{NodeOrToken, SyntaxKind, SyntaxNode, TextRange};

/// A value together with the range of text it was read from.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where it is written.
    pub range: TextRange,
}

impl<T> Spanned<T> {
    /// Pairs a value with its range.
    pub fn new(value: T, range: TextRange) -> Spanned<T> {
        Spanned { value, range }
    }
}

/// The static name of an attribute (`foo`, `"foo"`), or `None` for `${…}` and interpolated strings.
pub fn attr_name(attr: &ast::Attr) -> Option<String> {
    match attr {
        ast::Attr::Ident(ident) => Some(ident.syntax().text().to_string()),
        ast::Attr::Str(s) => string_value(s.syntax()),
        ast::Attr::Dynamic(dynamic) => {
            // `${"foo"}` is a static name too.
            let expr = dynamic.expr()?;
            match expr {
                ast::Expr::Str(s) => string_value(s.syntax()),
                _ => None,
            }
        }
    }
}

/// The static names of an attribute path with their ranges; `None` if any part is dynamic.
pub fn attrpath_names(path: &ast::Attrpath) -> Option<Vec<Spanned<String>>> {
    path.attrs()
        .map(|attr| Some(Spanned::new(attr_name(&attr)?, attr.syntax().text_range())))
        .collect()
}

/// The value of a string literal without interpolation (`"…"`, `''…''`, or a bare URI), else `None`.
pub fn string_value(node: &SyntaxNode) -> Option<String> {
    let node = &strip_parens(node.clone());
    match node.kind() {
        SyntaxKind::NODE_STRING => {}
        SyntaxKind::NODE_LITERAL => {
            let token = node.first_token()?;
            return (token.kind() == SyntaxKind::TOKEN_URI).then(|| token.text().to_owned());
        }
        _ => return None,
    }
    let mut raw = String::new();
    let mut indented = false;
    for child in node.children_with_tokens() {
        match child {
            NodeOrToken::Token(token) => match token.kind() {
                SyntaxKind::TOKEN_STRING_START => indented = token.text() == "''",
                SyntaxKind::TOKEN_STRING_CONTENT => raw.push_str(token.text()),
                SyntaxKind::TOKEN_STRING_END => {}
                _ => return None,
            },
            NodeOrToken::Node(_) => return None,
        }
    }
    Some(if indented {
        unescape_indented(&raw)
    } else {
        unescape_plain(&raw)
    })
}

/// Whether `node` is the literal `true` or `false` (identifiers in Nix).
pub fn bool_value(node: &SyntaxNode) -> Option<bool> {
    let node = strip_parens(node.clone());
    if node.kind() != SyntaxKind::NODE_IDENT {
        return None;
    }
    match node.text().to_string().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

pub use syntax::strip_parens;

fn unescape_plain(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

fn unescape_indented(raw: &str) -> String {
    // Escapes first (`''$`, `'''`, `''\x`), then the common indentation is removed and a first
    // line holding only spaces is dropped, as Nix does.
    let mut text = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(pos) = rest.find("''") {
        text.push_str(&rest[..pos]);
        let after = &rest[pos + 2..];
        let mut chars = after.chars();
        match chars.next() {
            Some('$') => text.push('$'),
            Some('\'') => text.push('\''),
            Some('\\') => match chars.next() {
                Some('n') => text.push('\n'),
                Some('r') => text.push('\r'),
                Some('t') => text.push('\t'),
                Some(other) => text.push(other),
                None => {}
            },
            Some(other) => {
                text.push_str("''");
                text.push(other);
            }
            None => text.push_str("''"),
        }
        rest = chars.as_str();
    }
    text.push_str(rest);
    let min_indent = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.len() - line.trim_start_matches(' ').len())
        .min()
        .unwrap_or(0);
    let mut out = String::with_capacity(text.len());
    let mut lines = text.split('\n').peekable();
    let mut first = true;
    while let Some(line) = lines.next() {
        if first && line.chars().all(|c| c == ' ') && lines.peek().is_some() {
            first = false;
            continue;
        }
        first = false;
        let strip = min_indent.min(line.len() - line.trim_start_matches(' ').len());
        out.push_str(&line[strip..]);
        if lines.peek().is_some() {
            out.push('\n');
        }
    }
    // A last line made only of spaces is dropped with its indentation.
    if let Some(pos) = out.rfind('\n')
        && out[pos + 1..].chars().all(|c| c == ' ')
    {
        out.truncate(pos + 1);
    }
    out
}

#[cfg(test)]
mod tests {
    use syntax::ast;

    use super::*;

    fn value_of(text: &str) -> Option<String> {
        let parse = syntax::parse(text);
        let expr = parse.tree().expr()?;
        string_value(expr.syntax())
    }

    #[test]
    fn strings() {
        assert_eq!(value_of(r#""github:a/b""#).as_deref(), Some("github:a/b"));
        assert_eq!(value_of(r#""a\"b\n""#).as_deref(), Some("a\"b\n"));
        assert_eq!(
            value_of("''\n    github:a/b\n  ''").as_deref(),
            Some("github:a/b\n")
        );
        assert_eq!(value_of("''github:a/b''").as_deref(), Some("github:a/b"));
        assert_eq!(value_of("github:a/b").as_deref(), Some("github:a/b"));
        assert_eq!(value_of(r#""a${b}""#), None);
        assert_eq!(value_of("x"), None);
    }

    #[test]
    fn attr_names() {
        let parse = syntax::parse(r#"{ a."b".${"c"}.${d} = 1; }"#);
        let path = parse
            .syntax_node()
            .descendants()
            .find_map(ast::Attrpath::cast)
            .unwrap();
        let names: Vec<_> = path.attrs().map(|a| attr_name(&a)).collect();
        assert_eq!(
            names,
            vec![Some("a".into()), Some("b".into()), Some("c".into()), None]
        );
    }
}
