//! Renaming an input inside `flake.nix`: its declarations, the `outputs` formal and the
//! variables bound to it, `inputs.x` / `self.inputs.x` / `inherit (inputs) x`, and `follows`
//! paths that start with it. Refused whenever a use could be missed or a name captured.

use base::TextEdit;
use syntax::{Parse, SyntaxKind, TextRange, TextSize};

use crate::resolve::binding_site;
use crate::{FlakeModel, UseKind};

const KEYWORDS: &[&str] = &[
    "if", "then", "else", "assert", "with", "let", "in", "rec", "inherit", "or",
];

/// The edits renaming input `old` to `new` in `flake.nix` (flake.lock is left to `nix flake lock`).
pub fn rename_input(
    model: &FlakeModel,
    parse: &Parse,
    old: &str,
    new: &str,
) -> Result<Vec<TextEdit>, String> {
    rename_input_followed(model, parse, old, new, &[])
}

/// Like [`rename_input`], for a caller that renames the uses behind the escapes in `followed`
/// itself (the modules that receive the inputs through `specialArgs`); other escapes still refuse.
pub fn rename_input_followed(
    model: &FlakeModel,
    parse: &Parse,
    old: &str,
    new: &str,
    followed: &[TextRange],
) -> Result<Vec<TextEdit>, String> {
    let valid = new
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && new
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '\''))
        && !KEYWORDS.contains(&new);
    if !valid {
        return Err(format!("`{new}` is not a valid input name."));
    }
    if new == old {
        return Ok(Vec::new());
    }
    if new == "self" || model.has_input(new) {
        return Err(format!("This flake already has an input `{new}`."));
    }
    let input = model
        .input(old)
        .ok_or_else(|| format!("This flake has no input `{old}`."))?;
    if input.implicit {
        return Err(format!(
            "`{old}` is not declared in `inputs`; declare it before renaming it."
        ));
    }
    if model.inputs_incomplete {
        return Err(
            "Some inputs are not written literally, so not every declaration can be found."
                .to_owned(),
        );
    }
    if model.uses.escapes.iter().any(|e| !followed.contains(e)) {
        return Err("The inputs are passed on from `outputs` (e.g. to `specialArgs`), so uses outside flake.nix could not be renamed.".to_owned());
    }
    let root = parse.syntax_node();
    let outputs = model.outputs.as_ref();
    if let Some(outputs) = outputs {
        let clash = root.descendants().any(|n| {
            n.kind() == SyntaxKind::NODE_IDENT
                && outputs.value_range.contains_range(n.text_range())
                && n.text() == new
        });
        if clash {
            return Err(format!(
                "`{new}` is already a name inside `outputs`; renaming could change what it refers to."
            ));
        }
    }
    let mut edits: Vec<TextEdit> = Vec::new();
    let mut replace = |range: TextRange, text: String| {
        edits.push(TextEdit {
            range,
            new_text: text,
        })
    };
    let as_attr = |name: &str| {
        if valid_ident(name) {
            name.to_owned()
        } else {
            format!("{name:?}")
        }
    };
    for range in &input.name_ranges {
        replace(*range, as_attr(new));
    }
    // Binding names that become `new`: the formal, and `inherit (inputs) old;` attributes.
    let mut renamed_sites: Vec<TextRange> = Vec::new();
    if let Some(formal) = outputs
        .and_then(|o| o.param.as_ref())
        .and_then(|p| p.formals.iter().find(|f| f.name == old))
    {
        renamed_sites.push(formal.range);
        replace(formal.range, new.to_owned());
    }
    for use_ in model
        .uses
        .uses
        .iter()
        .filter(|u| u.name == old && u.kind == UseKind::Attribute)
    {
        let in_inherit = root
            .covering_element(use_.range)
            .parent_ancestors_kind()
            .is_some_and(|k| k == SyntaxKind::NODE_INHERIT);
        if in_inherit {
            renamed_sites.push(use_.range);
            replace(use_.range, new.to_owned());
        } else {
            replace(use_.range, as_attr(new));
        }
    }
    // Variables bound to a renamed name.
    for use_ in model
        .uses
        .uses
        .iter()
        .filter(|u| u.kind == UseKind::Variable)
    {
        let Some(ident) = root
            .covering_element(use_.range)
            .into_node()
            .or_else(|| root.covering_element(use_.range).parent())
            .filter(|n| n.kind() == SyntaxKind::NODE_IDENT)
        else {
            continue;
        };
        if ident.text() == old
            && binding_site(&ident).is_some_and(|site| renamed_sites.contains(&site))
        {
            replace(use_.range, new.to_owned());
        }
    }
    for (_, follows) in model.all_follows() {
        if follows.path.first().map(String::as_str) == Some(old) {
            let start = follows.range.start() + TextSize::from(1);
            replace(TextRange::at(start, TextSize::of(old)), new.to_owned());
        }
    }
    edits.sort_by_key(|e| (e.range.start(), e.range.end()));
    edits.dedup_by_key(|e| e.range);
    Ok(edits)
}

fn valid_ident(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '\''))
}

/// `parent_ancestors().find(inherit)` for a syntax element, as a kind.
trait ParentKind {
    fn parent_ancestors_kind(&self) -> Option<SyntaxKind>;
}

impl ParentKind for syntax::NodeOrToken<syntax::SyntaxNode, syntax::SyntaxToken> {
    fn parent_ancestors_kind(&self) -> Option<SyntaxKind> {
        let node = match self {
            syntax::NodeOrToken::Node(node) => node.clone(),
            syntax::NodeOrToken::Token(token) => token.parent()?,
        };
        // The attribute of `inherit (inputs) x;` is a direct child of the `inherit`.
        let node =
            if node.kind() == SyntaxKind::NODE_IDENT || node.kind() == SyntaxKind::NODE_STRING {
                node.parent()?
            } else {
                node
            };
        Some(node.kind())
    }
}

#[cfg(test)]
mod tests {
    use expect_test::{Expect, expect};

    use super::*;

    fn check(text: &str, old: &str, new: &str, expect: Expect) {
        let parse = syntax::parse(text);
        let model = FlakeModel::from_parse(&parse);
        let actual = match rename_input(&model, &parse, old, new) {
            Ok(edits) => {
                let mut out = text.to_owned();
                for edit in edits.iter().rev() {
                    out.replace_range(
                        usize::from(edit.range.start())..usize::from(edit.range.end()),
                        &edit.new_text,
                    );
                }
                out
            }
            Err(e) => format!("error: {e}"),
        };
        expect.assert_eq(&actual);
    }

    #[test]
    fn renames_every_spelling() {
        check(
            r#"{
  inputs.np.url = "github:NixOS/nixpkgs";
  inputs = { hm = { url = "github:o/hm"; inputs.np.follows = "np"; }; };
  inputs.x.follows = "np";
  outputs = { self, np, hm, ... }@inputs: let
    inherit (inputs) np;
    alias = np;
    p = inputs.np;
    q = self.inputs.np or null;
  in { a = np.lib; b = alias; c = [ p q hm ]; d = (inputs.x); };
}"#,
            "np",
            "nixpkgs",
            expect![[r#"
                {
                  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
                  inputs = { hm = { url = "github:o/hm"; inputs.np.follows = "nixpkgs"; }; };
                  inputs.x.follows = "nixpkgs";
                  outputs = { self, nixpkgs, hm, ... }@inputs: let
                    inherit (inputs) nixpkgs;
                    alias = nixpkgs;
                    p = inputs.nixpkgs;
                    q = self.inputs.nixpkgs or null;
                  in { a = nixpkgs.lib; b = alias; c = [ p q hm ]; d = (inputs.x); };
                }"#]],
        );
    }

    #[test]
    fn refuses_what_it_cannot_do_safely() {
        let escape =
            r#"{ inputs.a.url = "github:o/a"; outputs = { self, a, ... }@inputs: f inputs; }"#;
        check(
            escape,
            "a",
            "b",
            expect![
                "error: The inputs are passed on from `outputs` (e.g. to `specialArgs`), so uses outside flake.nix could not be renamed."
            ],
        );
        let clash = r#"{ inputs.a.url = "github:o/a"; outputs = { self, a }: let b = 1; in a; }"#;
        check(
            clash,
            "a",
            "b",
            expect![
                "error: `b` is already a name inside `outputs`; renaming could change what it refers to."
            ],
        );
        let taken = r#"{ inputs.a.url = "github:o/a"; inputs.b.url = "github:o/b"; outputs = { self, a, b }: [ a b ]; }"#;
        check(
            taken,
            "a",
            "b",
            expect!["error: This flake already has an input `b`."],
        );
        check(
            taken,
            "a",
            "let",
            expect!["error: `let` is not a valid input name."],
        );
    }
}
