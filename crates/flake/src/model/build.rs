//! Reading `flake.nix` into a [`FlakeModel`]: the top-level attributes, every spelling of
//! `inputs` (flattened to leaves, merged like Nix merges attribute set literals), the `outputs`
//! pattern, implicit registry inputs and the uses of inputs inside `outputs`.

use std::collections::BTreeMap;

use rowan::ast::AstNode;
use syntax::ast::{self, HasEntry};
use syntax::{SyntaxKind, SyntaxNode, TextRange};

use super::{
    Duplicate, FlakeModel, Follows, Formal, Input, InputSpec, NestedInput, Outputs, OutputsParam,
    StructureProblem,
};
use crate::literal::{Spanned, attr_name, attrpath_names, bool_value, string_value, strip_parens};
use crate::resolve::InputUses;

/// Builds the model of the file whose root is `root`.
pub(super) fn build(root: &SyntaxNode) -> FlakeModel {
    Builder::default().build(root)
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
        // `inputs.self.submodules = true;` (Nix 2.27+) sets attributes of this flake's own
        // source; `self` is not an input.
        if let Some(index) = self.model.inputs.iter().position(|i| i.name == "self") {
            let own = self.model.inputs.remove(index);
            self.model.self_attrs = own.decl_ranges;
        }
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
