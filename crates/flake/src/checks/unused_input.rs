//! Diagnostic: unused-input — a declared input that `outputs` never references (directly,
//! through the `inputs`/`@` binding or `self.inputs`) and no `follows` points to. Silent when the
//! whole input set escapes somewhere we cannot follow (a function call, `specialArgs`,
//! `inherit inputs`…), because then any input may be used.

use base::{Diagnostic, FileRange, Fix, Severity, SourceChange};

use super::FlakeContext;
use super::UsesElsewhere;
use crate::{FlakeModel, Input, edits};

/// The declared inputs nothing uses, counting what `elsewhere` reports. Empty whenever we cannot
/// see every use.
pub fn unused_inputs<'a>(model: &'a FlakeModel, elsewhere: &UsesElsewhere) -> Vec<&'a Input> {
    let visible = model.outputs.as_ref().is_some_and(|o| o.param.is_some());
    let unfollowed = model
        .uses
        .escapes
        .iter()
        .any(|e| !elsewhere.followed_escapes.contains(e));
    if !visible || model.inputs_incomplete || unfollowed {
        return Vec::new();
    }
    let followed: Vec<&str> = model
        .all_follows()
        .into_iter()
        .filter_map(|(_, f)| f.path.first().map(String::as_str))
        .collect();
    model
        .inputs
        .iter()
        .filter(|i| !i.implicit)
        .filter(|i| !model.uses.mentions(&i.name))
        .filter(|i| !followed.contains(&i.name.as_str()))
        .filter(|i| !elsewhere.inputs.contains(&i.name))
        .collect()
}

pub(super) fn check(cx: &FlakeContext<'_>, acc: &mut Vec<Diagnostic>) {
    for input in unused_inputs(cx.model, cx.used_elsewhere) {
        let Some(range) = input.focus_range() else {
            continue;
        };
        let mut d = Diagnostic::new(
            "unused-input",
            Severity::Warning,
            FileRange {
                file_id: cx.nix_file,
                range,
            },
            format!(
                "Input `{}` is never used: `outputs` does not reference it and no `follows` points to it.",
                input.name
            ),
        );
        d.unnecessary = true;
        let removal = edits::remove_input(cx.model, cx.nix_text, &input.name);
        if !removal.is_empty() {
            let mut change = SourceChange::default();
            for edit in removal {
                change.insert(cx.nix_file, edit);
            }
            d = d.with_fix(Fix {
                label: format!("Remove input `{}`", input.name),
                change,
            });
        }
        acc.push(d);
    }
}
