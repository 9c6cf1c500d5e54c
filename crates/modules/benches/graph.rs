//! The module analysis alone on a 200-module flake (no other layer): cold analysis, and an edit
//! of one leaf module (re-summarise that file, rebuild the graph and all module diagnostics).
//! Run with `cargo bench -p modules --bench graph`.

use std::time::Instant;

use modules::{Files, MemFiles, SummaryCache};

fn workload(n: usize) -> Vec<(String, String)> {
    let mut files = Vec::new();
    let hosts = ["a", "b", "c", "d"];
    let mut flake = String::from(
        "{\n  inputs.nixpkgs.url = \"github:NixOS/nixpkgs\";\n  inputs.home-manager.url = \"github:nix-community/home-manager\";\n  outputs = { self, nixpkgs, home-manager, ... }@inputs: let\n    mkHost = name: nixpkgs.lib.nixosSystem {\n      specialArgs = { inherit inputs; hostName = name; };\n      modules = [ home-manager.nixosModules.home-manager (./hosts + \"/${name}.nix\") ];\n    };\n  in {\n    nixosConfigurations = nixpkgs.lib.genAttrs [ ",
    );
    for h in hosts {
        flake.push_str(&format!("\"{h}\" "));
    }
    flake.push_str("] mkHost;\n  };\n}\n");
    files.push(("/w/flake.nix".to_owned(), flake));
    let per_host = n / hosts.len();
    for (i, h) in hosts.iter().enumerate() {
        let first = i * per_host;
        files.push((
            format!("/w/hosts/{h}.nix"),
            format!(
                "{{ inputs, lib, ... }}: {{\n  imports = [ ../modules/m{first}.nix ];\n  home-manager.extraSpecialArgs = {{ inherit inputs; }};\n  home-manager.users.u{i} = ../home/h{i}.nix;\n}}\n"
            ),
        ));
        files.push((
            format!("/w/home/h{i}.nix"),
            "{ pkgs, inputs, osConfig, ... }: { home.packages = [ pkgs.hello ]; }\n".to_owned(),
        ));
        for k in first..first + per_host {
            let next = if k + 1 < first + per_host {
                format!("./m{}.nix", k + 1)
            } else {
                String::new()
            };
            files.push((
                format!("/w/modules/m{k}.nix"),
                format!(
                    "{{ config, lib, pkgs, inputs, hostName, ... }}:\nlet cfg = config.services.m{k}; in {{\n  imports = [ {next} ];\n  options.services.m{k}.enable = lib.mkEnableOption \"m{k}\";\n  config = lib.mkIf cfg.enable {{\n    environment.systemPackages = [ pkgs.hello ];\n    networking.hostName = lib.mkDefault hostName;\n    environment.etc.\"m{k}\".text = builtins.toJSON {{ inherit (inputs) self; }};\n  }};\n}}\n"
                ),
            ));
        }
    }
    files
}

fn main() {
    let files = workload(200);
    let fixture: String = files.iter().map(|(p, t)| format!("#- {p}\n{t}")).collect();
    let mut mem = MemFiles::from_fixture(&fixture);
    let mut cold = Vec::new();
    for i in 0..10 {
        if i > 0 {
            mem.cache = SummaryCache::new();
        }
        let start = Instant::now();
        let analysis = modules::analyze(&mem);
        cold.push(start.elapsed());
        assert!(analysis.graph.contexts.len() >= 8, "hosts and users found");
    }
    cold.sort();
    println!(
        "modules cold analysis (200 modules, empty summary cache): median {:?}, max {:?}",
        cold[cold.len() / 2],
        cold[cold.len() - 1]
    );

    let leaf = mem.id("/w/modules/m49.nix");
    let _ = modules::analyze(&mem);
    let mut times = Vec::new();
    for i in 0..300 {
        let old = mem.text(leaf).to_string();
        let new = if i % 2 == 0 {
            old.replace("[ pkgs.hello ]", "[  pkgs.hello ]")
        } else {
            old.replace("[  pkgs.hello ]", "[ pkgs.hello ]")
        };
        mem.set_text(leaf, &new);
        let start = Instant::now();
        let analysis = modules::analyze(&mem);
        let _ = analysis.diagnostics(leaf);
        times.push(start.elapsed());
    }
    times.sort();
    let pct = |p: f64| times[((times.len() as f64 - 1.0) * p).round() as usize];
    println!(
        "modules edit leaf -> analysis + diagnostics: p50 {:?}, p99 {:?}, max {:?}",
        pct(0.5),
        pct(0.99),
        times[times.len() - 1]
    );
}
