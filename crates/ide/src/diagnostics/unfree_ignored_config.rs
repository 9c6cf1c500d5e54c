//! Diagnostic: ignored-nixpkgs-config — a `nixpkgs.config` definition that has no effect,
//! because the context's `pkgs` does not come from it: a home-manager module under NixOS /
//! nix-darwin with `home-manager.useGlobalPkgs = true` (home-manager then uses the system's
//! `pkgs` and warns), or a NixOS / nix-darwin configuration whose `pkgs` is given by
//! `nixpkgs.pkgs` or `specialArgs.pkgs`.

use base::{Diagnostic, FileId, FileRange, Severity};
use modules::{Certainty, ContextKind, PkgsSourceKind};

use super::module_graph;
use super::unfree_contexts::{nixpkgs_config, use_global_pkgs};
use crate::db::Db;

pub(super) fn check(db: &Db, file_id: FileId, acc: &mut Vec<Diagnostic>) {
    let analysis = module_graph::analysis(db);
    let graph = &analysis.graph;
    let mut seen = Vec::new();
    for ctx in &graph.contexts {
        if !ctx.modules.iter().any(|m| m.file == file_id) {
            continue;
        }
        let reason = match ctx.kind {
            ContextKind::HomeManagerNested(_) => match use_global_pkgs(db, ctx) {
                Some(true) => {
                    "`home-manager.useGlobalPkgs = true` makes home-manager use the system's \
                               `pkgs`, so home-manager's `nixpkgs.config` is ignored; set it in the NixOS \
                               / nix-darwin configuration instead"
                }
                _ => continue,
            },
            ContextKind::Nixos | ContextKind::Darwin => {
                let given = ctx.pkgs.iter().find(|s| {
                    matches!(
                        s.kind,
                        PkgsSourceKind::NixpkgsPkgs | PkgsSourceKind::SpecialArgsPkgs
                    ) && s.certainty == Certainty::Always
                });
                match given.map(|s| s.kind) {
                    Some(PkgsSourceKind::NixpkgsPkgs) => {
                        "`nixpkgs.pkgs` is set, so `pkgs` is that instance and `nixpkgs.config` is \
                         ignored; configure the instance given to `nixpkgs.pkgs` instead"
                    }
                    Some(_) => {
                        "`pkgs` is passed through `specialArgs`, so `nixpkgs.config` is ignored; \
                         configure the instance passed there instead"
                    }
                    None => continue,
                }
            }
            _ => continue,
        };
        let mut definitions: Vec<FileRange> = Vec::new();
        let _ = nixpkgs_config(db, &ctx.modules, &mut definitions);
        for def in definitions.into_iter().filter(|d| d.file_id == file_id) {
            if seen.contains(&def.range) {
                continue;
            }
            seen.push(def.range);
            acc.push(Diagnostic::new(
                "ignored-nixpkgs-config",
                Severity::Warning,
                def,
                format!(
                    "This `nixpkgs.config` setting has no effect in {}: {reason}.",
                    ctx.full_name
                ),
            ));
        }
    }
}
