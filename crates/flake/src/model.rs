//! The model of one `flake.nix`: description, inputs (every way they can be written), the
//! `outputs` function's pattern, and structural problems Nix would reject.

use std::collections::BTreeMap;

use rowan::ast::AstNode;
use syntax::ast::{self, HasEntry};
use syntax::{Parse, SyntaxKind, SyntaxNode, TextRange};

use crate::flake_ref::{FlakeRef, RefError};
use crate::literal::{Spanned, attr_name, attrpath_names, bool_value, string_value, strip_parens};
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
        Builder::default().build(&parse.syntax_node())
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

#[derive(Default)]
struct Builder {
    model: FlakeModel,
    leaves: BTreeMap<Vec<String>, TextRange>,
    /// For each attribute path under `inputs` defined so far, its direct keys and where each
    /// was first written (Nix's rule for merging attribute set literals).
    keys: BTreeMap<Vec<String>, BTreeMap<String, TextRange>>,
    outputs_node: Option<SyntaxNode>,
}

struct Leaf {
    path: Vec<Spanned<String>>,
    value: SyntaxNode,
    entry: TextRange,
}

impl Builder {
    fn build(mut self, root: &SyntaxNode) -> FlakeModel {
        let Some(expr) = root.children().next() else {
            return self.model;
        };
        let mut top = strip_parens(expr);
        // Nix rejects `let … in { … }` at the top ("must be an attribute set"); the body is still
        // modelled so that the other checks and the editor features keep working.
        let mut fuel = 64;
        while top.kind() == SyntaxKind::NODE_LET_IN && fuel > 0 {
            fuel -= 1;
            if fuel == 63 {
                let at = top
                    .first_token()
                    .map_or(top.text_range(), |t| t.text_range());
                self.problem(
                    at,
                    "`flake.nix` must be an attribute set written directly, not under `let … in`; Nix does not evaluate it.",
                );
            }
            match ast::LetIn::cast(top.clone()).and_then(|l| l.body()) {
                Some(body) => top = strip_parens(body.syntax().clone()),
                None => return self.model,
            }
        }
        let Some(set) = ast::AttrSet::cast(top.clone()) else {
            if top.kind() != SyntaxKind::NODE_ERROR {
                let what = if top.kind() == SyntaxKind::NODE_LAMBDA {
                    ", not a function"
                } else {
                    ""
                };
                self.problem(
                    top.text_range(),
                    format!("`flake.nix` must be an attribute set{what}."),
                );
            }
            return self.model;
        };
        self.model.top_level = Some(set.syntax().text_range());
        let mut input_leaves = Vec::new();
        for entry in set.entries() {
            match entry {
                ast::Entry::AttrpathValue(apv) => self.top_entry(&apv, &mut input_leaves),
                ast::Entry::Inherit(inherit) => {
                    for attr in inherit.attrs() {
                        if attr_name(&attr).as_deref() == Some("inputs") {
                            self.model.inputs_incomplete = true;
                            self.problem(
                                attr.syntax().text_range(),
                                "`inputs` must be written as an attribute set in `flake.nix`; Nix does not evaluate it from a variable.",
                            );
                        }
                        if attr_name(&attr).as_deref() == Some("outputs") {
                            self.model.outputs = Some(Outputs {
                                entry_range: inherit.syntax().text_range(),
                                value_range: attr.syntax().text_range(),
                                param: None,
                            });
                        }
                    }
                }
            }
        }
        self.flatten_inputs(input_leaves);
        self.model
            .duplicates
            .sort_by_key(|d| (d.range.start(), d.range.end()));
        self.model.duplicates.dedup_by_key(|d| d.range);
        self.add_implicit_inputs();
        self.model.uses = self.outputs_uses();
        self.model
    }

    fn problem(&mut self, range: TextRange, message: impl Into<String>) {
        self.model.problems.push(StructureProblem {
            range,
            message: message.into(),
        });
    }

    fn top_entry(&mut self, apv: &ast::AttrpathValue, input_leaves: &mut Vec<Leaf>) {
        let Some(path) = apv.attrpath().and_then(|p| attrpath_names(&p)) else {
            return;
        };
        let Some(value) = apv.value().map(|v| v.syntax().clone()) else {
            return;
        };
        let Some(first) = path.first() else { return };
        let entry = apv.syntax().text_range();
        match first.value.as_str() {
            "description" => {
                if path.len() > 1 {
                    self.problem(entry, "`description` must be a string, not an attribute set.");
                } else {
                    match string_value(&value) {
                        Some(text) => {
                            self.model.description = Some(Spanned::new(text, value.text_range()))
                        }
                        None => self.problem(
                            value.text_range(),
                            "`description` must be a string literal (Nix reads it without evaluating).",
                        ),
                    }
                }
            }
            "inputs" => {
                self.model.inputs_entries.push(entry);
                input_leaves.push(Leaf { path: path[1..].to_vec(), value, entry });
            }
            "outputs" => {
                if path.len() > 1 {
                    self.problem(entry, "`outputs` must be a function, not an attribute set.");
                    return;
                }
                if self.model.outputs.is_some() {
                    // A second definition is a Nix parse error that `duplicate-input` does not
                    // cover; report it here.
                    self.problem(first.range, "`outputs` is defined twice.");
                    return;
                }
                let param = self.outputs_param(&value);
                self.outputs_node = Some(value.clone());
                self.model.outputs =
                    Some(Outputs { entry_range: entry, value_range: value.text_range(), param });
            }
            "nixConfig" => self.model.nix_config.push(entry),
            other => self.problem(
                first.range,
                format!(
                    "`{other}` is not a flake attribute; `flake.nix` may only define `description`, `inputs`, `outputs` and `nixConfig`."
                ),
            ),
        }
    }

    fn outputs_param(&mut self, value: &SyntaxNode) -> Option<OutputsParam> {
        let value = strip_parens(value.clone());
        let Some(lambda) = ast::Lambda::cast(value.clone()) else {
            let literal = matches!(
                value.kind(),
                SyntaxKind::NODE_STRING
                    | SyntaxKind::NODE_LITERAL
                    | SyntaxKind::NODE_LIST
                    | SyntaxKind::NODE_ATTR_SET
                    | SyntaxKind::NODE_PATH_ABS
                    | SyntaxKind::NODE_PATH_REL
                    | SyntaxKind::NODE_PATH_HOME
                    | SyntaxKind::NODE_PATH_SEARCH
            );
            if literal {
                self.problem(
                    value.text_range(),
                    "`outputs` must be a function of the inputs.",
                );
            } else if value.kind() == SyntaxKind::NODE_APPLY {
                self.problem(
                    value.text_range(),
                    "`outputs` must be a function written in `flake.nix` (Nix does not evaluate a call here); write `outputs = inputs: (…) inputs;`.",
                );
            }
            return None;
        };
        let mut param = OutputsParam {
            lambda_range: lambda.syntax().text_range(),
            ..OutputsParam::default()
        };
        match lambda.param()? {
            ast::Param::IdentParam(ident) => {
                let ident = ident.ident()?;
                param.binding = Some(Spanned::new(
                    ident.syntax().text().to_string(),
                    ident.syntax().text_range(),
                ));
            }
            ast::Param::Pattern(pattern) => {
                param.pattern_range = Some(pattern.syntax().text_range());
                param.ellipsis = pattern.ellipsis_token().is_some();
                if let Some(ident) = pattern.pat_bind().and_then(|b| b.ident()) {
                    param.binding = Some(Spanned::new(
                        ident.syntax().text().to_string(),
                        ident.syntax().text_range(),
                    ));
                }
                for entry in pattern.pat_entries() {
                    let Some(ident) = entry.ident() else { continue };
                    param.formals.push(Formal {
                        name: ident.syntax().text().to_string(),
                        range: ident.syntax().text_range(),
                        entry_range: entry.syntax().text_range(),
                        has_default: entry.default().is_some(),
                    });
                }
            }
        }
        Some(param)
    }

    /// Turns every `inputs…` entry into leaves (`path = scalar`) and reads them.
    fn flatten_inputs(&mut self, mut stack: Vec<Leaf>) {
        stack.reverse();
        while let Some(leaf) = stack.pop() {
            let value = strip_parens(leaf.value.clone());
            let descend = value.kind() == SyntaxKind::NODE_ATTR_SET
                && (leaf.path.last().is_none_or(|last| last.value == "inputs")
                    || spec_prefix_len(&leaf.path) == leaf.path.len());
            if descend {
                if !leaf.path.is_empty() {
                    self.spec_at(&leaf.path, leaf.entry);
                }
                let Some(set) = ast::AttrSet::cast(value) else {
                    continue;
                };
                let mut children = Vec::new();
                let here: Vec<String> = leaf.path.iter().map(|s| s.value.clone()).collect();
                // Merging this literal into attributes defined before: its keys must be new.
                let existing = self.keys.get(&here).cloned().unwrap_or_default();
                let mut conflicts = Vec::new();
                for entry in set.entries() {
                    match entry {
                        ast::Entry::AttrpathValue(apv) => {
                            let Some(names) = apv.attrpath().and_then(|p| attrpath_names(&p))
                            else {
                                self.model.inputs_incomplete = true;
                                continue;
                            };
                            if let Some(first) = names.first()
                                && let Some(earlier) = existing.get(&first.value)
                            {
                                // Nix stops here; the entry's content is not read.
                                conflicts.push((here.clone(), first.clone(), *earlier));
                                continue;
                            }
                            let Some(value) = apv.value() else { continue };
                            let mut path = leaf.path.clone();
                            path.extend(names);
                            children.push(Leaf {
                                path,
                                value: value.syntax().clone(),
                                entry: apv.syntax().text_range(),
                            });
                        }
                        ast::Entry::Inherit(inherit) => {
                            self.model.inputs_incomplete = true;
                            if leaf.path.is_empty() {
                                for attr in inherit.attrs() {
                                    if let Some(name) = attr_name(&attr) {
                                        let input = self.input_mut(&name);
                                        input.name_ranges.push(attr.syntax().text_range());
                                        input.decl_ranges.push(inherit.syntax().text_range());
                                        input.spec.invalid = true;
                                    }
                                }
                            }
                        }
                    }
                }
                for (here, key, earlier) in conflicts {
                    let path = std::iter::once("inputs")
                        .chain(here.iter().map(String::as_str))
                        .chain(std::iter::once(key.value.as_str()));
                    self.model.duplicates.push(Duplicate {
                        path: path.collect::<Vec<_>>().join("."),
                        range: key.range,
                        first: earlier,
                    });
                }
                for child in &children {
                    self.register_keys(&child.path);
                }
                children.reverse();
                stack.extend(children);
                continue;
            }
            self.leaf(leaf);
        }
    }

    fn input_mut(&mut self, name: &str) -> &mut Input {
        let index = match self.model.inputs.iter().position(|i| i.name == name) {
            Some(index) => index,
            None => {
                self.model.inputs.push(Input {
                    name: name.to_owned(),
                    name_ranges: Vec::new(),
                    decl_ranges: Vec::new(),
                    spec: InputSpec::default(),
                    implicit: false,
                });
                self.model.inputs.len() - 1
            }
        };
        &mut self.model.inputs[index]
    }

    /// The spec at a spec-level path (`[a]`, `[a, inputs, b]`…), created on first sight, with
    /// the names' ranges recorded.
    fn spec_at(&mut self, path: &[Spanned<String>], entry: TextRange) -> &mut InputSpec {
        let name = &path[0];
        let input = self.input_mut(&name.value);
        push_unique(&mut input.name_ranges, name.range);
        push_unique(&mut input.decl_ranges, entry);
        let mut spec = &mut input.spec;
        let mut rest = &path[1..];
        while let [_inputs, nested_name, tail @ ..] = rest {
            let index = match spec.inputs.iter().position(|n| n.name == nested_name.value) {
                Some(index) => index,
                None => {
                    spec.inputs.push(NestedInput {
                        name: nested_name.value.clone(),
                        name_ranges: Vec::new(),
                        spec: InputSpec::default(),
                    });
                    spec.inputs.len() - 1
                }
            };
            let nested = &mut spec.inputs[index];
            push_unique(&mut nested.name_ranges, nested_name.range);
            spec = &mut nested.spec;
            rest = tail;
        }
        spec
    }

    /// Records every prefix of `path` as defined (for the literal-merging rule).
    fn register_keys(&mut self, path: &[Spanned<String>]) {
        let mut prefix: Vec<String> = Vec::new();
        for segment in path {
            self.keys
                .entry(prefix.clone())
                .or_default()
                .entry(segment.value.clone())
                .or_insert(segment.range);
            prefix.push(segment.value.clone());
        }
    }

    fn leaf(&mut self, leaf: Leaf) {
        self.register_keys(&leaf.path);
        let key: Vec<String> = leaf.path.iter().map(|s| s.value.clone()).collect();
        let value_range = leaf.value.text_range();
        let at = leaf.path.last().map_or(leaf.entry, |s| s.range);
        if let Some(first) = self.leaves.get(&key) {
            let path = std::iter::once("inputs").chain(key.iter().map(String::as_str));
            self.model.duplicates.push(Duplicate {
                path: path.collect::<Vec<_>>().join("."),
                range: at,
                first: *first,
            });
            return;
        }
        self.leaves.insert(key, at);
        if leaf.path.is_empty() {
            self.model.inputs_incomplete = true;
            self.problem(
                value_range,
                "`inputs` must be an attribute set written in `flake.nix`; Nix does not evaluate it.",
            );
            return;
        }
        let spec_len = spec_prefix_len(&leaf.path);
        let mut problems = Vec::new();
        let spec = self.spec_at(&leaf.path[..spec_len], leaf.entry);
        match &leaf.path[spec_len..] {
            [] => {
                spec.invalid = true;
                let hint = match string_value(&leaf.value) {
                    Some(url) => format!(" such as `{{ url = \"{url}\"; }}`"),
                    None => String::new(),
                };
                problems.push((
                    value_range,
                    format!("An input must be an attribute set{hint}."),
                ));
            }
            [key] if key.value == "inputs" => {
                spec.invalid = true;
                problems.push((
                    value_range,
                    "`inputs` of an input must be an attribute set.".to_owned(),
                ));
            }
            [key] => read_key(spec, key, &leaf.value, &mut problems),
            [key, ..] => problems.push((
                key.range,
                format!(
                    "`{}` of an input is a single value, not an attribute set.",
                    key.value
                ),
            )),
        }
        for (range, message) in problems {
            self.problem(range, message);
        }
    }

    fn add_implicit_inputs(&mut self) {
        let Some(param) = self.model.outputs.as_ref().and_then(|o| o.param.clone()) else {
            return;
        };
        for formal in &param.formals {
            if formal.name == "self" || self.model.has_input(&formal.name) {
                continue;
            }
            self.model.inputs.push(Input {
                name: formal.name.clone(),
                name_ranges: Vec::new(),
                decl_ranges: Vec::new(),
                spec: InputSpec::default(),
                implicit: true,
            });
        }
    }

    fn outputs_uses(&self) -> InputUses {
        let Some(outputs) = &self.model.outputs else {
            return InputUses::default();
        };
        match (&self.outputs_node, &outputs.param) {
            (Some(node), Some(_)) => self.model.resolver().collect_uses(node),
            // Without a visible function we cannot see what happens to the inputs.
            _ => InputUses {
                escapes: vec![outputs.value_range],
                ..InputUses::default()
            },
        }
    }
}

/// The length of the longest prefix of `path` (relative to `inputs`) that names an input spec:
/// `[a]`, `[a, inputs, b]`… (0 for an empty path).
fn spec_prefix_len(path: &[Spanned<String>]) -> usize {
    if path.is_empty() {
        return 0;
    }
    let mut len = 1;
    while path.len() >= len + 2 && path[len].value == "inputs" {
        len += 2;
    }
    len
}

fn push_unique(ranges: &mut Vec<TextRange>, range: TextRange) {
    if !ranges.contains(&range) {
        ranges.push(range);
    }
}

fn read_key(
    spec: &mut InputSpec,
    key: &Spanned<String>,
    value: &SyntaxNode,
    problems: &mut Vec<(TextRange, String)>,
) {
    let range = value.text_range();
    match key.value.as_str() {
        "url" => match string_value(value) {
            Some(url) => spec.url = Some(Spanned::new(url, range)),
            None => {
                spec.invalid = true;
                problems.push((range, "`url` must be a string literal without `${…}`; Nix reads it without evaluating.".to_owned()));
            }
        },
        "flake" => match bool_value(value) {
            Some(flag) => spec.flake = Some(Spanned::new(flag, range)),
            None => problems.push((range, "`flake` must be `true` or `false`.".to_owned())),
        },
        "follows" => match string_value(value) {
            Some(text) => {
                let path = if text.is_empty() {
                    Vec::new()
                } else {
                    text.split('/').map(str::to_owned).collect()
                };
                spec.follows = Some(Follows { path, range });
            }
            None => {
                spec.invalid = true;
                problems.push((
                    range,
                    "`follows` must be a string literal such as `\"nixpkgs\"`.".to_owned(),
                ));
            }
        },
        _ => {
            let text = string_value(value)
                .or_else(|| bool_value(value).map(|b| b.to_string()))
                .or_else(|| {
                    let node = strip_parens(value.clone());
                    let token = node.first_token()?;
                    (node.kind() == SyntaxKind::NODE_LITERAL
                        && token.kind() == SyntaxKind::TOKEN_INTEGER)
                        .then(|| token.text().to_owned())
                });
            match text {
                Some(text) => spec
                    .ref_attrs
                    .push((key.clone(), Spanned::new(text, range))),
                None => {
                    spec.invalid = true;
                    problems.push((
                        range,
                        format!("`{}` must be a literal string, number or boolean; Nix reads it without evaluating.", key.value),
                    ));
                }
            }
        }
    }
}
