//! Diagnostic: undeclared-input — `inputs.foo`, `self.inputs.foo` or an `outputs` formal `foo`
//! where the flake declares no input `foo`.

use base::{Diagnostic, FileRange, Fix, Severity, SourceChange};

use super::FlakeContext;
use crate::{FlakeModel, InputUse, InputUses, UseKind, edits};

/// The uses in `uses` that name an input `model` does not have (not `self`, not guarded by
/// `or`). Empty when the input list is incomplete. The modules crate calls this for modules that
/// receive this flake's `inputs`.
pub fn undeclared_input_uses<'a>(model: &FlakeModel, uses: &'a InputUses) -> Vec<&'a InputUse> {
    if model.inputs_incomplete {
        return Vec::new();
    }
    uses.uses
        .iter()
        .filter(|u| {
            u.kind == UseKind::Attribute
                && !u.guarded
                && u.name != "self"
                && !model.has_input(&u.name)
        })
        .collect()
}

pub(super) fn check(cx: &FlakeContext<'_>, acc: &mut Vec<Diagnostic>) {
    let model = cx.model;
    let at = |range| FileRange {
        file_id: cx.nix_file,
        range,
    };
    let add_fix = |name: &str| -> Option<Fix> {
        let edit = edits::add_input(model, cx.nix_text, name)?;
        Some(Fix {
            label: format!("Declare input `{name}`"),
            change: SourceChange::single(cx.nix_file, edit),
        })
    };
    for use_ in undeclared_input_uses(model, &model.uses) {
        let mut d = Diagnostic::new(
            "undeclared-input",
            Severity::Error,
            at(use_.range),
            format!(
                "This flake has no input `{}`; declare it in `inputs`.",
                use_.name
            ),
        );
        if let Some(fix) = add_fix(&use_.name) {
            d = d.with_fix(fix);
        }
        acc.push(d);
    }
    if model.inputs_incomplete {
        return;
    }
    let Some(param) = model.outputs.as_ref().and_then(|o| o.param.as_ref()) else {
        return;
    };
    for formal in &param.formals {
        let implicit = model.input(&formal.name).is_some_and(|i| i.implicit);
        if !implicit || formal.has_default {
            continue;
        }
        let locked = cx
            .lock
            .lock()
            .is_some_and(|l| l.root_node().inputs.contains_key(&formal.name));
        let severity = if locked {
            Severity::Info
        } else {
            Severity::Warning
        };
        let mut d = Diagnostic::new(
            "undeclared-input",
            severity,
            at(formal.range),
            format!(
                "`{0}` is not declared in `inputs`, so Nix looks it up in the flake registry (`flake:{0}`); declare it with a URL to pin where it comes from.",
                formal.name
            ),
        );
        if let Some(fix) = add_fix(&formal.name) {
            d = d.with_fix(fix);
        }
        acc.push(d);
    }
}
