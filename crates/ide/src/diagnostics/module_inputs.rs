//! Diagnostic: undeclared-input in modules — `inputs.foo` in a module whose `inputs` parameter
//! receives, in every configuration that includes the module, the whole input set of a flake
//! that declares no input `foo` (names added on the way, `inputs // { foo = …; }`, count).

use base::{Diagnostic, FileId, FileRange, Fix, Severity, SourceChange};

use crate::db::Db;
use crate::diagnostics::module_graph::{self, DbFiles};
use crate::features::flake_models::flake_models;
use crate::features::flake_module_inputs::module_inputs;

pub(super) fn check(db: &Db, file_id: FileId, acc: &mut Vec<Diagnostic>) {
    let models = flake_models(db);
    if models.flakes.is_empty() || models.for_file(file_id).is_some() {
        return;
    }
    // Receivers are modules: a file that is no module of any configuration has none, and
    // needs no tracing of the whole workspace's arguments.
    if !module_graph::analysis(db).graph.has_module_in(file_id) {
        return;
    }
    let inputs = module_inputs(db);
    for receiver in inputs.in_file(file_id) {
        let Some(entry) = models.for_file(receiver.flake) else {
            continue;
        };
        if entry.nix_broken {
            continue;
        }
        let flake_path = modules::Files::display_path(&DbFiles::new(db), entry.nix_file);
        for use_ in flake::undeclared_input_uses(&entry.model, &receiver.uses) {
            if receiver.extras.contains(&use_.name) {
                continue;
            }
            let mut d = Diagnostic::new(
                "undeclared-input",
                Severity::Error,
                FileRange {
                    file_id,
                    range: use_.range,
                },
                format!(
                    "The flake that passes `inputs` here ({flake_path}) has no input `{}`; declare it in its `inputs`.",
                    use_.name
                ),
            );
            let text = db.text(entry.nix_file);
            if let Some(edit) = flake::edits::add_input(&entry.model, &text, &use_.name) {
                d = d.with_fix(Fix {
                    label: format!("Declare input `{}` in {flake_path}", use_.name),
                    change: SourceChange::single(entry.nix_file, edit),
                });
            }
            acc.push(d);
        }
    }
}
