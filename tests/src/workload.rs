//! Benchmark workloads: a big nixpkgs-`all-packages.nix`-shaped file and a flake with many
//! modules. (Stand-in until `test_fixture::workload` provides the shared generators.)

use std::fmt::Write as _;

/// A file shaped like nixpkgs' `pkgs/top-level/all-packages.nix`, at least `min_bytes` long:
/// one big attribute set of `callPackage` lines with comments, `inherit`s and overrides.
pub fn all_packages_like(min_bytes: usize) -> String {
    let mut out = String::with_capacity(min_bytes + 4096);
    out.push_str("{ lib, noSysDirs, config, overlays, pkgs, callPackage, ... }:\n");
    out.push_str("let\n  inherit (lib) optionalAttrs;\nin\n{\n");
    let mut i = 0usize;
    while out.len() < min_bytes {
        let name = format!("package-{i:06}");
        match i % 10 {
            0 => {
                let _ = writeln!(out, "\n  ### SECTION {i}\n");
            }
            3 => {
                let _ = writeln!(
                    out,
                    "  {name} = callPackage ../development/libraries/{name} {{ withDocs = false; }};"
                );
            }
            6 => {
                let _ = writeln!(
                    out,
                    "  {name} = {name}-unwrapped.override {{ stdenv = pkgs.gccStdenv; }};"
                );
            }
            8 => {
                let _ = writeln!(out, "  # {name} was renamed; see aliases.nix.");
            }
            _ => {
                let _ = writeln!(out, "  {name} = callPackage ../tools/misc/{name} {{ }};");
            }
        }
        i += 1;
    }
    out.push_str("}\n");
    out
}

/// A flake with one NixOS configuration whose module list holds `n` modules, each importing
/// nothing and using `pkgs`, `lib` and a `specialArgs` argument. Paths are relative to the flake.
pub fn module_flake(n: usize) -> Vec<(String, String)> {
    let mut files = Vec::with_capacity(n + 1);
    let mut modules = String::new();
    for i in 0..n {
        let _ = writeln!(modules, "          ./modules/m{i:03}.nix");
    }
    let flake = format!(
        r#"{{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  outputs = {{ self, nixpkgs, ... }}@inputs: {{
    nixosConfigurations.host = nixpkgs.lib.nixosSystem {{
      system = "x86_64-linux";
      specialArgs = {{ inherit inputs; hostName = "host"; }};
      modules = [
{modules}      ];
    }};
  }};
}}
"#
    );
    files.push(("flake.nix".to_owned(), flake));
    for i in 0..n {
        let text = format!(
            r#"{{ config, lib, pkgs, hostName, ... }}:
{{
  options.custom.m{i:03}.enable = lib.mkEnableOption "module {i}";
  config = lib.mkIf config.custom.m{i:03}.enable {{
    environment.systemPackages = [ pkgs.hello pkgs.jq ];
    networking.hostName = lib.mkDefault hostName;
  }};
}}
"#
        );
        files.push((format!("modules/m{i:03}.nix"), text));
    }
    files
}
