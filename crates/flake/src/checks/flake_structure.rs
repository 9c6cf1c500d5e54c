//! Diagnostic: flake-structure — `flake.nix` shapes Nix rejects: not an attribute set, unknown
//! top-level attributes, no `outputs`, `outputs` not a function, an `outputs` pattern that does
//! not accept every input, non-literal `inputs`/`url`/`description`.

use base::{Diagnostic, FileRange, Severity, TextRange, TextSize};

use super::FlakeContext;

pub(super) fn check(cx: &FlakeContext<'_>, acc: &mut Vec<Diagnostic>) {
    let model = cx.model;
    let at = |range: TextRange| FileRange {
        file_id: cx.nix_file,
        range,
    };
    for problem in &model.problems {
        acc.push(Diagnostic::new(
            "flake-structure",
            Severity::Error,
            at(problem.range),
            &problem.message,
        ));
    }
    let Some(top) = model.top_level else { return };
    let Some(outputs) = &model.outputs else {
        let brace = TextRange::at(top.start(), TextSize::from(1));
        acc.push(Diagnostic::new(
            "flake-structure",
            Severity::Error,
            at(brace),
            "This flake has no `outputs`; add `outputs = { self, ... }: { };`.",
        ));
        return;
    };
    let Some(param) = &outputs.param else { return };
    let (Some(pattern), false) = (param.pattern_range, param.ellipsis) else {
        return;
    };
    if model.inputs_incomplete {
        return;
    }
    let accepted = |name: &str| param.formals.iter().any(|f| f.name == name);
    let mut missing: Vec<&str> = Vec::new();
    if !accepted("self") {
        missing.push("self");
    }
    missing.extend(
        model
            .inputs
            .iter()
            .filter(|i| !i.implicit && !accepted(&i.name))
            .map(|i| i.name.as_str()),
    );
    if missing.is_empty() {
        return;
    }
    let list = missing
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut diagnostic = Diagnostic::new(
        "flake-structure",
        Severity::Error,
        at(pattern),
        format!(
            "Nix calls `outputs` with {list}, which this pattern does not accept; add {} or `...`.",
            if missing.len() == 1 { "it" } else { "them" }
        ),
    );
    for name in &missing {
        if let Some(range) = model.input(name).and_then(|i| i.focus_range()) {
            diagnostic =
                diagnostic.with_related(at(range), format!("input `{name}` is declared here"));
        }
    }
    acc.push(diagnostic);
}
