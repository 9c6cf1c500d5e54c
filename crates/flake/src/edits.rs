//! Source edits for flake fixes and assists: declaring a missing input, removing an unused one,
//! making an input's input follow one of the flake's own.

use base::TextEdit;
use rowan::ast::AstNode;
use syntax::ast::{self, HasEntry};
use syntax::{NodeOrToken, SyntaxKind, SyntaxNode, TextRange, TextSize};

use crate::FlakeModel;
use crate::literal::attrpath_names;

/// Where well-known inputs usually come from; anything else gets an `OWNER` placeholder.
fn guess_url(name: &str) -> String {
    let known = match name {
        "nixpkgs" => "github:NixOS/nixpkgs/nixos-unstable",
        "home-manager" => "github:nix-community/home-manager",
        "nix-darwin" | "darwin" => "github:nix-darwin/nix-darwin",
        "flake-utils" => "github:numtide/flake-utils",
        "flake-parts" => "github:hercules-ci/flake-parts",
        "nixos-hardware" => "github:NixOS/nixos-hardware",
        "sops-nix" => "github:Mic92/sops-nix",
        "agenix" => "github:ryantm/agenix",
        "disko" => "github:nix-community/disko",
        "impermanence" => "github:nix-community/impermanence",
        "nur" => "github:nix-community/NUR",
        "treefmt-nix" => "github:numtide/treefmt-nix",
        "systems" => "github:nix-systems/default",
        "rust-overlay" => "github:oxalica/rust-overlay",
        "nix-index-database" => "github:nix-community/nix-index-database",
        _ => return format!("github:OWNER/{name}"),
    };
    known.to_owned()
}

/// `name` as an attribute name (quoted unless it is an identifier).
fn attr(name: &str) -> String {
    let ident = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '\''));
    if ident {
        name.to_owned()
    } else {
        format!("{name:?}")
    }
}

fn top_level(model: &FlakeModel, root: &SyntaxNode) -> Option<ast::AttrSet> {
    let range = model.top_level?;
    root.descendants()
        .filter(|n| n.text_range() == range)
        .find_map(ast::AttrSet::cast)
}

/// The whitespace before `offset` on its line, if only whitespace precedes it.
fn indent_at(text: &str, offset: TextSize) -> Option<&str> {
    let offset = usize::from(offset);
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let before = &text[line_start..offset];
    before
        .chars()
        .all(|c| c == ' ' || c == '\t')
        .then_some(before)
}

fn line_start(text: &str, offset: TextSize) -> TextSize {
    let offset = usize::from(offset);
    TextSize::from(text[..offset].rfind('\n').map_or(0, |i| i + 1) as u32)
}

fn after_line(text: &str, offset: TextSize) -> TextSize {
    let offset = usize::from(offset);
    TextSize::from(
        text[offset..]
            .find('\n')
            .map_or(text.len(), |i| offset + i + 1) as u32,
    )
}

/// An edit declaring input `name` in the style the file already uses: inside `inputs = { … };`,
/// after the last `inputs.x… = …;`, or before `outputs`.
pub fn add_input(model: &FlakeModel, text: &str, name: &str) -> Option<TextEdit> {
    let parse = syntax::parse(text);
    let top = top_level(model, &parse.syntax_node())?;
    let url = guess_url(name);
    let entries: Vec<ast::AttrpathValue> = top.attrpath_values().collect();
    let path_of = |apv: &ast::AttrpathValue| -> Vec<String> {
        apv.attrpath()
            .and_then(|p| attrpath_names(&p))
            .map(|names| names.into_iter().map(|s| s.value).collect())
            .unwrap_or_default()
    };
    // `inputs = { … };`
    for apv in &entries {
        if path_of(apv) != ["inputs"] {
            continue;
        }
        let Some(ast::Expr::AttrSet(set)) = apv.value() else {
            continue;
        };
        let close = set.r_curly_token()?;
        let last = set.entries().last();
        let line = format!("{}.url = \"{url}\";", attr(name));
        let close_start = close.text_range().start();
        if let Some(close_indent) = indent_at(text, close_start) {
            let indent = match last
                .as_ref()
                .and_then(|e| indent_at(text, e.syntax().text_range().start()))
            {
                Some(indent) => indent.to_owned(),
                None => format!("{close_indent}  "),
            };
            let at = line_start(text, close_start);
            return Some(TextEdit {
                range: TextRange::empty(at),
                new_text: format!("{indent}{line}\n"),
            });
        }
        return Some(TextEdit {
            range: TextRange::empty(close_start),
            new_text: format!("{line} "),
        });
    }
    let line = format!("inputs.{}.url = \"{url}\";", attr(name));
    // After the last `inputs.x… = …;`, else before `outputs`.
    let anchor = entries
        .iter()
        .rfind(|apv| path_of(apv).first().is_some_and(|f| f == "inputs"))
        .map(|apv| (apv.syntax().text_range(), true))
        .or_else(|| {
            entries
                .iter()
                .find(|apv| path_of(apv).first().is_some_and(|f| f == "outputs"))
                .map(|apv| (apv.syntax().text_range(), false))
        })?;
    let (range, after) = anchor;
    match indent_at(text, range.start()) {
        Some(indent) if after => Some(TextEdit {
            range: TextRange::empty(after_line(text, range.end())),
            new_text: format!("{indent}{line}\n"),
        }),
        Some(indent) => Some(TextEdit {
            range: TextRange::empty(line_start(text, range.start())),
            new_text: format!("{indent}{line}\n"),
        }),
        None if after => Some(TextEdit {
            range: TextRange::empty(range.end()),
            new_text: format!(" {line}"),
        }),
        None => Some(TextEdit {
            range: TextRange::empty(range.start()),
            new_text: format!("{line} "),
        }),
    }
}

/// Edits removing input `name`: every declaration entry (whole lines when they stand alone) and
/// its name in the `outputs` pattern.
pub fn remove_input(model: &FlakeModel, text: &str, name: &str) -> Vec<TextEdit> {
    let Some(input) = model.input(name) else {
        return Vec::new();
    };
    let ranges: Vec<TextRange> = input
        .decl_ranges
        .iter()
        .copied()
        .filter(|r| {
            !input
                .decl_ranges
                .iter()
                .any(|o| o != r && o.contains_range(*r))
        })
        .collect();
    let mut edits: Vec<TextEdit> = ranges.into_iter().map(|r| delete_lines(text, r)).collect();
    let formal = model
        .outputs
        .as_ref()
        .and_then(|o| o.param.as_ref())
        .and_then(|p| p.formals.iter().find(|f| f.name == name));
    if let Some(formal) = formal {
        let parse = syntax::parse(text);
        let entry = parse.syntax_node().descendants().find(|n| {
            n.kind() == SyntaxKind::NODE_PAT_ENTRY && n.text_range() == formal.entry_range
        });
        if let Some(entry) = entry {
            edits.push(delete_pattern_entry(&entry));
        }
    }
    edits.sort_by_key(|e| e.range.start());
    edits.dedup_by(|b, a| a.range.contains_range(b.range));
    edits
}

fn delete_lines(text: &str, range: TextRange) -> TextEdit {
    let mut start = range.start();
    let mut end = usize::from(range.end());
    let rest = &text[end..];
    let spaces = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    let whole_line = indent_at(text, range.start()).is_some() && rest[spaces..].starts_with('\n')
        || rest[spaces..].is_empty();
    if whole_line && indent_at(text, range.start()).is_some() {
        start = line_start(text, range.start());
        end += spaces + usize::from(rest[spaces..].starts_with('\n'));
    } else {
        end += spaces;
    }
    TextEdit {
        range: TextRange::new(start, TextSize::from(end as u32)),
        new_text: String::new(),
    }
}

/// Deletes a pattern entry with the comma that separates it from its neighbour.
fn delete_pattern_entry(entry: &SyntaxNode) -> TextEdit {
    let is_trivia =
        |k: SyntaxKind| matches!(k, SyntaxKind::TOKEN_WHITESPACE | SyntaxKind::TOKEN_COMMENT);
    let range = entry.text_range();
    // `entry,  next` → delete through the comma and the whitespace after it.
    let mut end = range.end();
    let mut next = entry.next_sibling_or_token();
    while let Some(el) = next.clone().filter(|el| is_trivia(el.kind())) {
        next = el.next_sibling_or_token();
    }
    if let Some(NodeOrToken::Token(comma)) = next.filter(|el| el.kind() == SyntaxKind::TOKEN_COMMA)
    {
        end = comma.text_range().end();
        let mut after = comma.next_sibling_or_token();
        while let Some(el) = after.filter(|el| el.kind() == SyntaxKind::TOKEN_WHITESPACE) {
            end = el.text_range().end();
            after = el.next_sibling_or_token();
        }
        return TextEdit {
            range: TextRange::new(range.start(), end),
            new_text: String::new(),
        };
    }
    // Last entry: delete the comma before it instead.
    let mut start = range.start();
    let mut prev = entry.prev_sibling_or_token();
    while let Some(el) = prev.clone().filter(|el| is_trivia(el.kind())) {
        prev = el.prev_sibling_or_token();
    }
    if let Some(NodeOrToken::Token(comma)) = prev.filter(|el| el.kind() == SyntaxKind::TOKEN_COMMA)
    {
        start = comma.text_range().start();
    }
    TextEdit {
        range: TextRange::new(start, end),
        new_text: String::new(),
    }
}

/// An edit adding `inputs.<input>.inputs.<nested>.follows = "<target>";` in the style of the
/// input's declaration: inside its `{ … }` when it has one, else as a sibling line.
pub fn add_nested_follows(
    model: &FlakeModel,
    text: &str,
    input: &str,
    nested: &str,
    target: &str,
) -> Option<TextEdit> {
    let decl = model.input(input)?;
    let parse = syntax::parse(text);
    let root = parse.syntax_node();
    let entries: Vec<ast::AttrpathValue> = decl
        .decl_ranges
        .iter()
        .filter_map(|range| {
            root.descendants()
                .filter(|n| n.text_range() == *range)
                .find_map(ast::AttrpathValue::cast)
        })
        .collect();
    let names = |apv: &ast::AttrpathValue| -> Vec<String> {
        apv.attrpath()
            .and_then(|p| attrpath_names(&p))
            .map(|names| names.into_iter().map(|s| s.value).collect())
            .unwrap_or_default()
    };
    let line = |prefix: &str| format!("{prefix}inputs.{}.follows = \"{target}\";", attr(nested));
    // `x = { … };` or `inputs.x = { … };`: insert inside the braces.
    for apv in &entries {
        let path = names(apv);
        let is_spec = path.last().is_some_and(|l| l == input);
        let Some(ast::Expr::AttrSet(set)) = apv.value() else {
            continue;
        };
        if !is_spec {
            continue;
        }
        let close = set.r_curly_token()?.text_range().start();
        let new_line = line("");
        if let Some(close_indent) = indent_at(text, close) {
            let indent = match set
                .entries()
                .last()
                .and_then(|e| indent_at(text, e.syntax().text_range().start()))
            {
                Some(indent) => indent.to_owned(),
                None => format!("{close_indent}  "),
            };
            return Some(TextEdit {
                range: TextRange::empty(line_start(text, close)),
                new_text: format!("{indent}{new_line}\n"),
            });
        }
        return Some(TextEdit {
            range: TextRange::empty(close),
            new_text: format!("{new_line} "),
        });
    }
    // Dotted declarations: a sibling line after the last one, with the same prefix.
    let last = entries
        .iter()
        .max_by_key(|apv| apv.syntax().text_range().end())?;
    let path = names(last);
    let at = path.iter().position(|p| p == input)?;
    let prefix: String = path[..=at]
        .iter()
        .map(|p| format!("{}.", attr(p)))
        .collect();
    let new_line = line(&prefix);
    let range = last.syntax().text_range();
    Some(match indent_at(text, range.start()) {
        Some(indent) => TextEdit {
            range: TextRange::empty(after_line(text, range.end())),
            new_text: format!("{indent}{new_line}\n"),
        },
        None => TextEdit {
            range: TextRange::empty(range.end()),
            new_text: format!(" {new_line}"),
        },
    })
}
