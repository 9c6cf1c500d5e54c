//! The public API other layers call (contexts, `pkgs` sources, value origins), on an in-memory
//! set of files.

use modules::{Files, MemFiles};

const FLAKE: &str = r#"
#- /flake.nix
{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  outputs = { self, nixpkgs, home-manager, nixpkgs-unstable, ... }@inputs: let
    pkgs-unstable = import nixpkgs-unstable { system = "x86_64-linux"; config.allowUnfree = true; };
  in {
    nixosConfigurations.kahless = nixpkgs.lib.nixosSystem {
      specialArgs = { inherit inputs pkgs-unstable; };
      modules = [ home-manager.nixosModules.home-manager ./configuration.nix ];
    };
    homeConfigurations.roni = home-manager.lib.homeManagerConfiguration {
      pkgs = nixpkgs.legacyPackages.x86_64-linux;
      modules = [ ./home.nix { nixpkgs.config.allowUnfree = true; } ];
    };
  };
}
#- /configuration.nix
{ pkgs-unstable, ... }: {
  nixpkgs.config.allowUnfree = true;
  home-manager.useGlobalPkgs = true;
  home-manager.extraSpecialArgs = { inherit pkgs-unstable; };
  home-manager.users.roni = import ./home.nix;
}
#- /home.nix
{ pkgs, pkgs-unstable ? null, ... }: { home.packages = [ pkgs.hello ]; }
"#;

#[test]
fn contexts_and_pkgs_sources() {
    let files = MemFiles::from_fixture(FLAKE);
    let analysis = modules::analyze(&files);
    let mut out = String::new();
    for c in &analysis.graph.contexts {
        out.push_str(&format!("{:?} {}\n", c.kind, c.full_name));
        for m in &c.modules {
            out.push_str(&format!("  module {}\n", files.path(m.file)));
        }
        for p in &c.pkgs {
            out.push_str(&format!(
                "  pkgs {:?} {:?} [{}] = {}\n",
                p.kind,
                p.certainty,
                p.path.join("."),
                files.show(p.value)
            ));
        }
    }
    expect_test::expect![[r#"
        HomeManagerStandalone homeConfigurations.roni
          module /home.nix
          module /flake.nix
          pkgs CallPkgs Always [] = /flake.nix:`nixpkgs.legacyPackages.x86_64-linux`
          pkgs NixpkgsConfig Always [allowUnfree] = /flake.nix:`true`
        Nixos nixosConfigurations.kahless
          module /configuration.nix
          pkgs NixpkgsConfig Always [allowUnfree] = /configuration.nix:`true`
        HomeManagerNested(Nixos) nixosConfigurations.kahless → home-manager.users.roni
          module /home.nix
          pkgs UseGlobalPkgs Always [] = /configuration.nix:`true`
    "#]]
    .assert_eq(&out);
}

#[test]
fn value_origins_cross_contexts() {
    let files = MemFiles::from_fixture(FLAKE);
    let analysis = modules::analyze(&files);
    let home = files.id("/home.nix");
    let ctx = analysis
        .graph
        .contexts
        .iter()
        .position(|c| c.name == "home-manager.users.roni")
        .expect("nested context");
    let modules_here = analysis.modules_at(home, 0.into());
    assert!(modules_here.iter().any(|(_, ctxs)| ctxs.contains(&ctx)));
    let mut out = String::new();
    for o in analysis.value_origins(&files, "pkgs-unstable", ctx) {
        out.push_str(&format!(
            "source {:?} key {}\n",
            o.source.kind,
            o.source.key.map(|k| files.show(k)).unwrap_or_default()
        ));
        for s in &o.steps {
            out.push_str(&format!("  via {}\n", files.show(*s)));
        }
        out.push_str(&format!(
            "  expr {}\n",
            o.expr.map(|e| files.show(e)).unwrap_or_default()
        ));
    }
    expect_test::expect![[r#"
        source SpecialArgs key /configuration.nix:`pkgs-unstable`
          via /configuration.nix:`pkgs-unstable`
          via /flake.nix:`pkgs-unstable`
          via /flake.nix:`pkgs-unstable`
          expr /flake.nix:`import nixpkgs-unstable { system = "x86_64-linux"; config.allowUnfree = true; }`
    "#]].assert_eq(&out);
}

#[test]
fn deep_expressions_do_not_overflow() {
    // A long `//` chain and deeply nested `let`s in specialArgs: evaluation gives up (open)
    // instead of recursing without bound.
    // Below the parser's nesting limit (`syntax::MAX_NESTING`), far above the evaluator's cap.
    let chain = vec!["{ a = 1; }"; 500].join(" // ");
    let lets = format!("{}{{ }}{}", "let x = 1; in ".repeat(150), "");
    let fixture = format!(
        "#- /flake.nix\n{{ outputs = {{ nixpkgs, ... }}: {{ nixosConfigurations.a = nixpkgs.lib.nixosSystem {{ specialArgs = {chain} // ({lets}); modules = [ ./a.nix ]; }}; }}; }}\n#- /a.nix\n{{ nope, ... }}: {{ x = nope; }}\n"
    );
    let files = MemFiles::from_fixture(&fixture);
    let handle = std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(move || {
            let analysis = modules::analyze(&files);
            (
                analysis.graph.contexts.len(),
                analysis.graph.contexts.iter().all(|c| c.is_open()),
            )
        })
        .expect("thread");
    let (n, open) = handle.join().expect("no overflow");
    assert_eq!((n, open), (1, true));
}

#[test]
fn ten_thousand_deep_evaluation_on_a_small_stack() {
    // The evaluator recurses, capped at a fixed nesting depth (`MAX_DEPTH`) whatever the input;
    // summaries walk trees iteratively. Syntax cannot nest 10,000 deep (the parser stops with
    // "recursion limit exceeded"), but evaluation can: chains of 10,000 `let` bindings, each
    // forcing the previous one, in specialArgs and in a module's `imports`. They must not
    // overflow a 2 MiB stack; the part beyond the cap is unknown, so nothing is reported.
    const N: usize = 10_000;
    let mut chain = String::from("a0 = { inherit inputs; };");
    let mut mods = String::from("m0 = ./b.nix;");
    for i in 1..=N {
        chain.push_str(&format!(" a{i} = a{} // {{ }};", i - 1));
        mods.push_str(&format!(" m{i} = m{};", i - 1));
    }
    let fixture = format!(
        "#- /flake.nix\n{{ outputs = {{ nixpkgs, ... }}@inputs: let {chain} in {{ nixosConfigurations.a = nixpkgs.lib.nixosSystem {{ specialArgs = a{N}; modules = [ ./a.nix ]; }}; }}; }}\n#- /a.nix\n{{ inputs, nope, ... }}: let {mods} in {{ imports = [ m{N} ]; x = nope; }}\n#- /b.nix\n{{ }}\n"
    );
    let files = MemFiles::from_fixture(&fixture);
    let handle = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let analysis = modules::analyze(&files);
            let contexts = analysis.graph.contexts.len();
            let open = analysis.graph.contexts.iter().all(|c| c.is_open());
            let diags: usize = files
                .files()
                .into_iter()
                .map(|f| analysis.diagnostics(f).len())
                .sum();
            (contexts, open, diags)
        })
        .expect("thread");
    let result = handle.join().expect("no overflow");
    assert_eq!(result, (1, true, 0));
}

#[test]
fn overlays_of_each_context() {
    let files = MemFiles::from_fixture(
        r#"
#- /flake.nix
{
  outputs = { self, nixpkgs, nur, ... }@inputs: let
    inherit (self) outputs;
  in {
    overlays = import ./overlays { inherit inputs; };
    nixosConfigurations.a = nixpkgs.lib.nixosSystem {
      specialArgs = { inherit inputs outputs; };
      modules = [ ./a.nix ];
    };
    nixosConfigurations.b = nixpkgs.lib.nixosSystem {
      specialArgs = { inherit inputs; };
      modules = [ ./b.nix ];
    };
  };
}
#- /overlays/default.nix
{ inputs, ... }: {
  unstable-packages = final: _prev: {
    unstable = import inputs.nixpkgs-unstable { system = final.system; config.allowUnfree = true; };
  };
}
#- /a.nix
{ outputs, inputs, ... }: {
  nixpkgs.overlays = [
    outputs.overlays.unstable-packages
    (final: prev: let x = 1; in { inherit x; stable = import inputs.nixpkgs-stable { inherit (final) config; }; })
  ];
}
#- /b.nix
{ lib, inputs, ... }: {
  nixpkgs.overlays = [ inputs.nur.overlays.default ];
  nixpkgs = lib.mkIf false { overlays = [ (final: prev: { never = 1; }) ]; };
}
"#,
    );
    let analysis = modules::analyze(&files);
    let mut out = String::new();
    for c in &analysis.graph.contexts {
        let o = &c.overlays;
        out.push_str(&format!(
            "{} open={} foreign={}\n",
            c.full_name, o.open, o.foreign
        ));
        for (name, defs) in &o.attrs {
            for d in defs {
                let value = d.value.map(|v| files.show(v)).unwrap_or_default();
                out.push_str(&format!("  {name} = {value}\n"));
            }
        }
    }
    expect_test::expect![[r#"
        nixosConfigurations.a open=false foreign=false
          stable = /a.nix:`import inputs.nixpkgs-stable { inherit (final) config; }`
          unstable = /overlays/default.nix:`import inputs.nixpkgs-unstable { system = final.system; config.allowUnfree = true; }`
          x = /a.nix:`x`
        nixosConfigurations.b open=false foreign=true
    "#]]
    .assert_eq(&out);
}

#[test]
fn overlays_of_imports_in_flake_outputs() {
    let files = MemFiles::from_fixture(
        r#"
#- /flake.nix
{
  outputs = { self, nixpkgs, ... }@inputs: let
    system = "x86_64-linux";
    local = final: prev: { local = 1; };
    pkgs = import nixpkgs { inherit system; overlays = [ self.overlays.default local ]; };
  in {
    overlays.default = import ./overlay.nix inputs;
    packages.${system} = builtins.mapAttrs (name: p: import nixpkgs { overlays = [ p ]; }) { };
  };
}
#- /overlay.nix
inputs: final: prev: {
  unstable = import inputs.nixpkgs-unstable { inherit (final) system config; };
}
"#,
    );
    let analysis = modules::analyze(&files);
    let mut out = String::new();
    for i in &analysis.graph.import_overlays {
        let o = &i.overlays;
        out.push_str(&format!(
            "{} open={} foreign={}\n",
            files.show(i.import).lines().next().unwrap_or_default(),
            o.open,
            o.foreign
        ));
        for (name, defs) in &o.attrs {
            for d in defs {
                let value = d.value.map(|v| files.show(v)).unwrap_or_default();
                out.push_str(&format!("  {name} = {value}\n"));
            }
        }
    }
    expect_test::expect![[r#"
        /flake.nix:`import nixpkgs { inherit system; overlays = [ self.overlays.default local ]; }` open=false foreign=false
          local = /flake.nix:`1`
          unstable = /overlay.nix:`import inputs.nixpkgs-unstable { inherit (final) system config; }`
        /flake.nix:`import nixpkgs { overlays = [ p ]; }` open=true foreign=false
    "#]].assert_eq(&out);
}
