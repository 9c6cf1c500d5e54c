//! The model of one `flake.nix`: description, inputs (every way they can be written), the
//! `outputs` function's pattern, and structural problems Nix would reject.

mod build;

use syntax::{Parse, SyntaxNode, TextRange};

use crate::flake_ref::{FlakeRef, RefError};
use crate::literal::Spanned;
use crate::resolve::{InputRef, InputResolver, InputUses};

/// What one `flake.nix` declares.
#[derive(Clone, Debug, Default)]
pub struct FlakeModel {
    /// The top-level attribute set, if the file is one (possibly under `let … in`).
    pub top_level: Option<TextRange>,
    /// `description`, when it is a string literal.
    pub description: Option<Spanned<String>>,
    /// Every input, declared ones first in order of appearance, then implicit ones (outputs
    /// formals that `inputs` does not declare, which Nix takes from the flake registry).
    pub inputs: Vec<Input>,
    /// Where `inputs` is written (each top-level `inputs…` entry), in order.
    pub inputs_entries: Vec<TextRange>,
    /// The `outputs` attribute.
    pub outputs: Option<Outputs>,
    /// The `nixConfig` entries (known, not inputs).
    pub nix_config: Vec<TextRange>,
    /// `inputs.self.…` entries: attributes of this flake's own source (`submodules`, `lfs`),
    /// not an input.
    pub self_attrs: Vec<TextRange>,
    /// Some input declaration could not be read (dynamic names, `inherit`): checks that need the
    /// complete list of inputs stay silent.
    pub inputs_incomplete: bool,
    /// Problems Nix would reject (`flake-structure`).
    pub problems: Vec<StructureProblem>,
    /// Attributes under `inputs` defined twice (`duplicate-input`).
    pub duplicates: Vec<Duplicate>,
    /// References to inputs inside `outputs`.
    pub uses: InputUses,
}

/// One flake input.
#[derive(Clone, Debug)]
pub struct Input {
    /// The input's name.
    pub name: String,
    /// Every place where the name is written in a declaration (`inputs.<name>…`).
    pub name_ranges: Vec<TextRange>,
    /// Every entry that declares part of this input (whole `attrpath = value;` ranges).
    pub decl_ranges: Vec<TextRange>,
    /// What the declaration says.
    pub spec: InputSpec,
    /// Not declared in `inputs`: only an `outputs` formal names it (a flake-registry input).
    pub implicit: bool,
}

/// The attributes of an input, or of an override of an input's own input
/// (`inputs.a.inputs.b.…`).
#[derive(Clone, Debug, Default)]
pub struct InputSpec {
    /// `url = "…";`.
    pub url: Option<Spanned<String>>,
    /// Reference attributes given one by one (`type`, `owner`, `repo`, `ref`, `dir`…).
    pub ref_attrs: Vec<(Spanned<String>, Spanned<String>)>,
    /// `flake = false;` / `flake = true;`.
    pub flake: Option<Spanned<bool>>,
    /// `follows = "a/b";`.
    pub follows: Option<Follows>,
    /// Overrides of this input's own inputs, by name, in order of appearance.
    pub inputs: Vec<NestedInput>,
    /// The declaration is not something Nix accepts (e.g. `inputs.x = "github:…";`).
    pub invalid: bool,
}

/// An override of an input's input: `inputs.<a>.inputs.<b> = { … };`.
#[derive(Clone, Debug)]
pub struct NestedInput {
    /// The overridden input's name (`b`).
    pub name: String,
    /// Where the name is written.
    pub name_ranges: Vec<TextRange>,
    /// What the override says.
    pub spec: InputSpec,
}

/// A `follows` path such as `"nixpkgs"` or `"home-manager/nixpkgs"`; empty for `follows = "";`
/// (the input is this flake itself, as Nix resolves an empty path to the root).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Follows {
    /// The path segments.
    pub path: Vec<String>,
    /// The string literal's range.
    pub range: TextRange,
}

impl Follows {
    /// The path joined with `/`, as written.
    pub fn display(&self) -> String {
        self.path.join("/")
    }
}

/// The `outputs` attribute.
#[derive(Clone, Debug)]
pub struct Outputs {
    /// The whole `outputs = …;` entry.
    pub entry_range: TextRange,
    /// The value.
    pub value_range: TextRange,
    /// The function's parameter, when the value is a function literal.
    pub param: Option<OutputsParam>,
}

/// The parameter of the `outputs` function.
#[derive(Clone, Debug, Default)]
pub struct OutputsParam {
    /// The lambda's range.
    pub lambda_range: TextRange,
    /// The `{ … }` pattern's range, if the parameter is a pattern.
    pub pattern_range: Option<TextRange>,
    /// The pattern's names, in order.
    pub formals: Vec<Formal>,
    /// The pattern has `...`.
    pub ellipsis: bool,
    /// `inputs:` or `{ … }@inputs`: the name bound to the whole set.
    pub binding: Option<Spanned<String>>,
}

/// One name of the `outputs` pattern.
#[derive(Clone, Debug)]
pub struct Formal {
    /// The name.
    pub name: String,
    /// The name's range.
    pub range: TextRange,
    /// The whole entry (`name ? default`).
    pub entry_range: TextRange,
    /// Has a default (`name ? …`).
    pub has_default: bool,
}

/// A construct Nix rejects in `flake.nix`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct StructureProblem {
    /// Where.
    pub range: TextRange,
    /// A sentence.
    pub message: String,
}

/// An attribute under `inputs` defined twice.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Duplicate {
    /// The dotted path, e.g. `inputs.nixpkgs.url`.
    pub path: String,
    /// The second definition.
    pub range: TextRange,
    /// The first definition.
    pub first: TextRange,
}

impl InputSpec {
    /// The flake reference this spec names: its `url`, else its reference attributes. `None` when
    /// it names none (a `follows`-only or empty spec).
    pub fn explicit_ref(&self) -> Option<Result<FlakeRef, RefError>> {
        if let Some(url) = &self.url {
            let mut parsed = FlakeRef::parse(&url.value);
            // Attributes next to `url` (e.g. `dir = "x";`) refine it.
            if let Ok(parsed) = &mut parsed {
                for (key, value) in &self.ref_attrs {
                    parsed.attrs.insert(key.value.clone(), value.value.clone());
                }
            }
            return Some(parsed);
        }
        if self.ref_attrs.is_empty() {
            return None;
        }
        let attrs = self
            .ref_attrs
            .iter()
            .map(|(k, v)| (k.value.clone(), v.value.clone()));
        Some(FlakeRef::from_attrs(attrs).ok_or_else(|| {
            RefError("the input has reference attributes but no `type` or `url`".to_owned())
        }))
    }

    /// The nested override named `name`.
    pub fn nested(&self, name: &str) -> Option<&NestedInput> {
        self.inputs.iter().find(|n| n.name == name)
    }

    /// Whether the input is a flake (`flake = false` says it is not).
    pub fn is_flake(&self) -> bool {
        self.flake.as_ref().is_none_or(|f| f.value)
    }
}

impl Input {
    /// The flake reference Nix uses for this input: the explicit one, or the registry entry
    /// named like the input when there is neither a reference nor a `follows`.
    pub fn flake_ref(&self) -> Option<Result<FlakeRef, RefError>> {
        if let Some(r) = self.spec.explicit_ref() {
            return Some(r);
        }
        if self.spec.follows.is_some() {
            return None;
        }
        Some(Ok(FlakeRef {
            kind: crate::flake_ref::RefKind::Indirect,
            attrs: [("id".to_owned(), self.name.clone())].into_iter().collect(),
            inferred_type: false,
        }))
    }

    /// The range to point at for this input: its first name in a declaration, else (implicit
    /// inputs) the outputs formal.
    pub fn focus_range(&self) -> Option<TextRange> {
        self.name_ranges.first().copied()
    }
}

impl FlakeModel {
    /// Builds the model of a `flake.nix` from its parse.
    pub fn from_parse(parse: &Parse) -> FlakeModel {
        build::build(&parse.syntax_node())
    }

    /// Parses `text` and builds its model.
    pub fn from_text(text: &str) -> FlakeModel {
        FlakeModel::from_parse(&syntax::parse(text))
    }

    /// The input named `name`.
    pub fn input(&self, name: &str) -> Option<&Input> {
        self.inputs.iter().find(|i| i.name == name)
    }

    /// Whether an input of that name exists (declared or implicit).
    pub fn has_input(&self, name: &str) -> bool {
        self.input(name).is_some()
    }

    /// A resolver that knows the `outputs` function's bindings (`self`, each formal, the
    /// `@inputs` / `inputs:` name).
    pub fn resolver(&self) -> InputResolver {
        let mut seeds = Vec::new();
        if let Some(param) = self.outputs.as_ref().and_then(|o| o.param.as_ref()) {
            for formal in &param.formals {
                let meaning = if formal.name == "self" {
                    InputRef::SelfFlake { path: Vec::new() }
                } else {
                    InputRef::Input {
                        name: formal.name.clone(),
                        path: Vec::new(),
                    }
                };
                seeds.push((formal.range, meaning));
            }
            if let Some(binding) = &param.binding {
                seeds.push((binding.range, InputRef::AllInputs));
            }
        }
        InputResolver::new(seeds)
    }

    /// Which input (or `self`, or the whole input set) `expr` denotes, for an expression inside
    /// this flake's `outputs`: `nixpkgs`, `inputs.nixpkgs`, `self.inputs.x`, a `let` alias,
    /// `inherit (inputs) x`… `None` when it is none of these or we cannot tell.
    pub fn resolve_input(&self, expr: &SyntaxNode) -> Option<InputRef> {
        self.resolver().resolve(expr)
    }

    /// Every `follows` in `inputs`, at any depth, with the path of input names that owns it
    /// (`["hm", "nixpkgs"]` for `inputs.hm.inputs.nixpkgs.follows`).
    pub fn all_follows(&self) -> Vec<(Vec<&str>, &Follows)> {
        let mut out = Vec::new();
        let mut stack: Vec<(Vec<&str>, &InputSpec)> = self
            .inputs
            .iter()
            .map(|i| (vec![i.name.as_str()], &i.spec))
            .collect();
        stack.reverse();
        while let Some((owner, spec)) = stack.pop() {
            if let Some(follows) = &spec.follows {
                out.push((owner.clone(), follows));
            }
            for nested in spec.inputs.iter().rev() {
                let mut path = owner.clone();
                path.push(nested.name.as_str());
                stack.push((path, &nested.spec));
            }
        }
        out
    }

    /// The input a name range (declaration or `outputs` formal) belongs to.
    pub fn input_at(&self, offset: syntax::TextSize) -> Option<&Input> {
        self.inputs
            .iter()
            .find(|i| i.name_ranges.iter().any(|r| r.contains_inclusive(offset)))
    }
}
