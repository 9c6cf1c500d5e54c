//! Module-argument diagnostics on flake-shaped fixtures: the spec's cases rewritten as
//! `nixosSystem` / `homeManagerConfiguration` / `evalModules` configurations, and the traps that
//! must stay silent.

use expect_test::{Expect, expect};

/// The codes reported by the module analysis; other layers' findings are left out.
const CODES: &[&str] = &[
    "missing-module-argument",
    "module-args-recursion",
    "missing-import",
    "unexpected-module-argument",
    "imports-in-config",
];

fn check(fixture: &str, expect: Expect) {
    let (analysis, _) = test_fixture::analysis_from_fixture(fixture);
    expect.assert_eq(&test_fixture::render_diagnostics_of(&analysis, CODES));
}

const FLAKE_HEAD: &str = r#"
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  inputs.home-manager.url = "github:nix-community/home-manager";
"#;

fn flake(outputs: &str) -> String {
    format!("#- /flake.nix\n{{{FLAKE_HEAD}  outputs = {outputs};\n}}\n")
}

#[test]
fn specialargs_in_imports_ok() {
    // Case 01: `inputs` from specialArgs may drive `imports`.
    let fixture = flake(
        "{ self, nixpkgs, ... }@inputs: {
    nixosConfigurations.host = nixpkgs.lib.nixosSystem {
      specialArgs = { inherit inputs; };
      modules = [ ./host.nix ];
    };
  }",
    ) + "#- /host.nix\n{ inputs, ... }: { imports = [ inputs.sops-nix.nixosModules.default ]; }\n";
    check(&fixture, expect![""]);
}

#[test]
fn moduleargs_in_imports_recursion() {
    // Case 02: the same with `inputs` from `_module.args`.
    let fixture = flake(
        "{ self, nixpkgs, ... }@inputs: {
    nixosConfigurations.host = nixpkgs.lib.nixosSystem {
      modules = [ { _module.args.inputs = inputs; } ./host.nix ];
    };
  }",
    ) + "#- /host.nix\n{ inputs, ... }: { imports = [ inputs.sops-nix.nixosModules.default ]; }\n";
    check(
        &fixture,
        expect![[r#"
            /host.nix:1:32-1:38 error[module-args-recursion] infinite recursion: `inputs` is used in `imports`, but in `nixosConfigurations.host` it comes from `_module.args` (flake.nix:6) which needs the complete module list. Pass it through specialArgs instead, or import unconditionally and use `lib.mkIf`
                related /flake.nix:6:21-6:40: `inputs` is defined in `_module.args` of `nixosConfigurations.host` here
                fix: Move `inputs` into specialArgs of `nixosConfigurations.host`
        "#]],
    );
}

#[test]
fn moduleargs_in_config_ok_and_missing_used() {
    // Cases 03, 04, 05: config-backed in values is fine; missing+unused is a hint; missing+used an error.
    let fixture = flake(
        "{ self, nixpkgs, ... }@inputs: {
    nixosConfigurations.host = nixpkgs.lib.nixosSystem {
      modules = [ { _module.args.greeting = \"hi\"; } ./host.nix ./home.nix ];
    };
  }",
    ) + "#- /host.nix\n{ greeting, pkgs-unstable, ... }: { environment.etc.x.text = greeting; }\n"
        + "#- /home.nix\n{ pkgs-unstable, ... }: { environment.systemPackages = [ pkgs-unstable.hello ]; }\n";
    check(
        &fixture,
        expect![[r#"
            /host.nix:1:13-1:26 hint[missing-module-argument] `pkgs-unstable` is not provided in `nixosConfigurations.host`; it is unused, so nothing fails, but it can be removed
            /home.nix:1:3-1:16 error[missing-module-argument] `pkgs-unstable` is not provided in `nixosConfigurations.host`: no specialArgs and no `_module.args` definition provides it. Pass it through specialArgs
                related /flake.nix:5:32-7:6: `nixosConfigurations.host` is defined here
        "#]],
    );
}

fn hm_flake(extra_os_module: &str) -> String {
    flake(
        "{ self, nixpkgs, home-manager, ... }@inputs: let
    pkgs-unstable = import inputs.nixpkgs-unstable { system = \"x86_64-linux\"; };
  in {
    nixosConfigurations.kahless = nixpkgs.lib.nixosSystem {
      specialArgs = { inherit inputs pkgs-unstable; };
      modules = [ home-manager.nixosModules.home-manager ./configuration.nix ];
    };
  }",
    ) + "#- /configuration.nix\n"
        + extra_os_module
}

#[test]
fn nested_specialargs_not_inherited() {
    // Case 15: outer specialArgs do not reach home-manager users.
    let fixture = hm_flake(
        "{ pkgs-unstable, ... }: {
  environment.systemPackages = [ pkgs-unstable.hello ];
  home-manager.extraSpecialArgs = { inherit inputs; };
  home-manager.users.roni = import ./home.nix;
}
",
    ) + "#- /home.nix\n{ pkgs, pkgs-unstable, ... }: { home.packages = [ pkgs.hello pkgs-unstable.hello ]; }\n";
    check(
        &fixture,
        expect![[r#"
            /home.nix:1:9-1:22 error[missing-module-argument] `pkgs-unstable` is not provided in `nixosConfigurations.kahless → home-manager.users.roni`: it is passed by `nixosConfigurations.kahless`'s specialArgs (flake.nix:8) but not by home-manager.extraSpecialArgs (configuration.nix:3). Pass it through home-manager.extraSpecialArgs
                related /flake.nix:8:38-8:51: `pkgs-unstable` is passed to `nixosConfigurations.kahless` here
                related /configuration.nix:3:35-3:54: home-manager.extraSpecialArgs of `nixosConfigurations.kahless → home-manager.users.roni` is set here
                fix: Pass `pkgs-unstable` through home-manager.extraSpecialArgs of `nixosConfigurations.kahless → home-manager.users.roni`
        "#]],
    );
}

#[test]
fn nested_extraspecialargs_ok() {
    // Case 16: forwarded through extraSpecialArgs; usable even in imports.
    let fixture = hm_flake(
        "{ inputs, pkgs-unstable, ... }: {
  home-manager.extraSpecialArgs = { inherit inputs pkgs-unstable; };
  home-manager.users.roni = import ./home.nix;
}
",
    ) + "#- /home.nix\n{ pkgs, pkgs-unstable, inputs, lib, ... }: {\n  imports = lib.optional (inputs ? x) ./extra.nix;\n  home.packages = [ pkgs.hello pkgs-unstable.hello ];\n}\n"
        + "#- /extra.nix\n{ home.packages = [ ]; }\n";
    check(&fixture, expect![[r#""#]]);
}

#[test]
fn nested_pkgs_in_imports_and_osconfig() {
    // Cases 17 and 18: HM `pkgs` is config-backed; `osConfig`/`nixosConfig` are direct.
    let fixture = hm_flake(
        "{
  home-manager.users.roni = ./home.nix;
}
",
    ) + "#- /home.nix\n{ pkgs, lib, osConfig, nixosConfig, ... }: {\n  imports = lib.optional pkgs.stdenv.isLinux ./linux.nix\n    ++ lib.optional (osConfig.networking.hostName == \"x\") ./linux.nix;\n  home.packages = [ nixosConfig.networking.hostName ];\n}\n"
        + "#- /linux.nix\n{ }\n";
    check(
        &fixture,
        expect![[r#"
        /home.nix:2:26-2:30 error[module-args-recursion] infinite recursion: `pkgs` is used in `imports`, but in `nixosConfigurations.kahless → home-manager.users.roni` it comes from home-manager's `_module.args` which needs the complete module list. Pass it through home-manager.extraSpecialArgs instead, or import unconditionally and use `lib.mkIf`
    "#]],
    );
}

#[test]
fn inner_module_captures_outer_arguments() {
    // Case 34: an inline HM module closes over the outer `pkgs`/`config`/`inputs`.
    let fixture = hm_flake(
        "{ inputs, pkgs, config, ... }: {
  home-manager.sharedModules = [ inputs.hm-extra.homeManagerModules.default ];
  home-manager.users.alice = { lib, ... }: {
    imports = lib.optional pkgs.stdenv.isLinux ./home-linux.nix
      ++ lib.optional (config.networking.hostName == \"nixos\") ./home-linux.nix;
  };
}
",
    ) + "#- /home-linux.nix\n{ }\n";
    check(&fixture, expect![[r#""#]]);
}

#[test]
fn standalone_home_manager() {
    // Cases 37, 46, 47: extraSpecialArgs are direct; osConfig exists (null) but recurses in imports.
    let fixture = flake(
        "{ self, nixpkgs, home-manager, ... }@inputs: {
    homeConfigurations.alice = home-manager.lib.homeManagerConfiguration {
      pkgs = nixpkgs.legacyPackages.x86_64-linux;
      extraSpecialArgs = { inherit inputs; username = \"alice\"; };
      modules = [ ./home.nix ./os.nix ];
    };
  }",
    ) + "#- /home.nix\n{ inputs, username, pkgs, osConfig ? null, ... }: {\n  imports = [ inputs.stylix.homeManagerModules.stylix ];\n  home.packages = [ username pkgs.hello ];\n  home.file.x.text = if osConfig == null then \"a\" else \"b\";\n}\n"
        + "#- /os.nix\n{ lib, osConfig, ... }: {\n  imports = lib.optional (osConfig != null) ./nixos-only.nix;\n}\n"
        + "#- /nixos-only.nix\n{ }\n";
    check(
        &fixture,
        expect![[r#"
        /os.nix:2:27-2:35 error[module-args-recursion] infinite recursion: `osConfig` is used in `imports`, but in `homeConfigurations.alice` it comes from home-manager's `_module.args` which needs the complete module list. Pass it through extraSpecialArgs instead, or import unconditionally and use `lib.mkIf`
    "#]],
    );
}

fn eval_modules(modules: &str, special_args: &str) -> String {
    flake(&format!(
        "{{ self, nixpkgs, ... }}@inputs: {{
    nixosConfigurations.host = nixpkgs.lib.nixosSystem {{
      specialArgs = {special_args};
      modules = [ {modules} ];
    }};
  }}"
    ))
}

#[test]
fn specialargs_shadow_moduleargs() {
    // Cases 06 and 45: specialArgs win over `_module.args`; `specialArgs`, `_class`, builtins are safe.
    let fixture = eval_modules(
        "{ _module.args.inputs = { }; _module.args.flavor = 1; } ./host.nix",
        "{ inherit inputs; flavor = 2; }",
    ) + "#- /host.nix\n{ config, lib, pkgs, inputs, specialArgs, _class, flavor, ... }:\nlet\n  cfg = config.label;\n  mods = builtins.attrNames (builtins.readDir ./modules.d);\nin {\n  imports = map (f: ./modules.d + \"/${f}\") mods\n    ++ [ inputs.foo.module specialArgs.inputs.foo.module ]\n    ++ lib.optional (_class == \"nixos\") ./nixos-only.nix\n    ++ lib.optional (flavor == 2) ./nixos-only.nix;\n  environment.etc.x.text = \"${pkgs.hello} ${cfg}\";\n}\n"
        + "#- /nixos-only.nix\n{ }\n#- /modules.d/a.nix\n{ }\n";
    check(&fixture, expect![[r#""#]]);
}

#[test]
fn config_pkgs_options_in_strict_positions() {
    // Cases 07, 08, 26, 31, 48, 51: recursion; 32, 49, 50: the lazy look-alikes.
    let fixture = eval_modules("./a.nix ./b.nix ./c.nix ./d.nix ./ok.nix", "{ }")
        + "#- /a.nix\n{ config, lib, ... }: {\n  imports = lib.optional config.enableExtra ./ok.nix;\n}\n"
        + "#- /b.nix\n{ pkgs, lib, options, ... }: {\n  imports = lib.optional pkgs.stdenv.isLinux ./ok.nix ++ lib.optional (options ? services) ./ok.nix;\n}\n"
        + "#- /c.nix\n{ pkgs, ... }:\nif pkgs.stdenv.isLinux then { } else { }\n"
        + "#- /d.nix\n{ lib, features, ... }: {\n  options = lib.optionalAttrs (features != [ ]) { a = 1; };\n  config = { } // lib.optionalAttrs (features != [ ]) { b = 1; };\n  _module.args.features = [ ];\n}\n"
        + "#- /ok.nix\n{ pkgs, config, lib, features, which, ... }: {\n  config = lib.mkIf (pkgs.stdenv.isLinux && config.x) { flags.${config.target} = true; flags.${which} = true; };\n  options.feature = lib.genAttrs features (f: lib.mkEnableOption f);\n  _module.args.which = \"c\";\n}\n";
    check(
        &fixture,
        expect![[r#"
        /a.nix:2:26-2:32 error[module-args-recursion] infinite recursion: `config` is used in `imports`, which must be known before `config` exists. Import unconditionally and guard the imported module's content with `lib.mkIf` instead
        /b.nix:2:26-2:30 error[module-args-recursion] infinite recursion: `pkgs` is used in `imports`, but in `nixosConfigurations.host` it comes from NixOS's `_module.args` which needs the complete module list. Pass it through specialArgs instead, or import unconditionally and use `lib.mkIf`
        /b.nix:2:72-2:79 error[module-args-recursion] infinite recursion: `options` is used in `imports`, which must be known before `options` exists. Import unconditionally and guard the imported module's content with `lib.mkIf` instead
        /c.nix:2:4-2:8 error[module-args-recursion] infinite recursion: `pkgs` is used in the module's top-level structure, but in `nixosConfigurations.host` it comes from NixOS's `_module.args` which needs the complete module list. Pass it through specialArgs instead, or import unconditionally and use `lib.mkIf`
        /d.nix:2:32-2:40 error[module-args-recursion] infinite recursion: `features` is used in the top-level names of `options`, but in `nixosConfigurations.host` it comes from `_module.args` (d.nix:4) which needs the complete module list. Pass it through specialArgs instead, or import unconditionally and use `lib.mkIf`
            related /d.nix:4:3-4:24: `features` is defined in `_module.args` of `nixosConfigurations.host` here
        /d.nix:3:38-3:46 error[module-args-recursion] infinite recursion: `features` is used in the top-level names of `config`, but in `nixosConfigurations.host` it comes from `_module.args` (d.nix:4) which needs the complete module list. Pass it through specialArgs instead, or import unconditionally and use `lib.mkIf`
            related /d.nix:4:3-4:24: `features` is defined in `_module.args` of `nixosConfigurations.host` here
    "#]],
    );
}

#[test]
fn closure_inputs_are_not_arguments() {
    // Case 09: `inputs` captured lexically (curried file, inline module) is safe in imports.
    let fixture = eval_modules(
        "(import ./host.nix inputs) ({ ... }: { imports = [ inputs.extra.nixosModules.default ]; })",
        "{ }",
    ) + "#- /host.nix\ninputs:\n{ lib, ... }: {\n  imports = [ inputs.sops-nix.nixosModules.default ];\n}\n";
    check(&fixture, expect![[r#""#]]);
}

#[test]
fn whole_argument_set() {
    // Cases 10, 11, 36: `args.X` only holds direct names and pattern names.
    let fixture = eval_modules(
        "{ _module.args.greeting = \"hi\"; } ./a.nix ./b.nix ./c.nix",
        "{ fromSpecial = 1; }",
    ) + "#- /a.nix\nargs@{ lib, ... }: { x = [ args.fromSpecial args.greeting ]; }\n"
        + "#- /b.nix\nargs@{ greeting, ... }: { x = [ args.greeting args.fromSpecial ]; }\n"
        + "#- /c.nix\nargs: { x = [ args.fromSpecial (args.greeting or \"\") args.config._module.args.greeting ]; }\n";
    check(
        &fixture,
        expect![[r#"
        /a.nix:1:50-1:58 error[missing-module-argument] `args.greeting` is missing in `nixosConfigurations.host`: `args` only holds the module system's direct arguments, the specialArgs and the names written in the pattern; add `greeting` to the pattern (or write `args.greeting or …`)
    "#]],
    );
}

#[test]
fn module_forms_and_misplaced_imports() {
    // Cases 12, 13, 14, 29.
    let fixture = eval_modules(
        "{ x = 1; } { config.x = 1; } ({ lib, ... }: { }) ./dir (lib.mkIf true { }) ./mkif.nix ./under-config.nix ./closed.nix",
        "{ }",
    ) + "#- /dir/default.nix\n{ }\n"
        + "#- /mkif.nix\n{ lib, ... }:\nlib.mkIf true {\n  imports = [ ./dir ];\n}\n"
        + "#- /under-config.nix\n{ lib, config, ... }: {\n  config = lib.mkIf true { imports = [ ./dir ]; };\n}\n"
        + "#- /closed.nix\n{ lib, config }: { }\n";
    check(
        &fixture,
        expect![[r#"
        /mkif.nix:3:3-3:10 error[imports-in-config] `imports` inside a top-level `mkIf` is not an import (the module becomes config-only) and fails with "The option `imports' does not exist". Keep `imports` unconditional and put `mkIf` on `config`.
        /under-config.nix:2:28-2:35 error[imports-in-config] `imports` under `config` is an ordinary option definition, not an import: the module system reports "The option `imports' does not exist". Move `imports` to the module's top level.
        /closed.nix:1:1-1:16 error[unexpected-module-argument] this module's pattern has no `...`, but the module system always passes more arguments (`options`, `specialArgs`, `_class`, every specialArg…): evaluation fails with "called with unexpected argument"
            fix: Add `...` to the pattern
    "#]],
    );
}

#[test]
fn defaults_never_make_arguments_optional() {
    // Cases 19, 20, 21.
    let fixture = eval_modules("./a.nix ./b.nix", "{ fromSpecial = 1; }")
        + "#- /a.nix\n{ fromSpecial ? 0, neverProvided ? 1, ... }: { x = fromSpecial; }\n"
        + "#- /b.nix\n{ lib, foo ? \"default\", ... }: { x = foo; }\n";
    check(
        &fixture,
        expect![[r#"
        /a.nix:1:20-1:33 hint[missing-module-argument] `neverProvided` is not provided in `nixosConfigurations.host`; it is unused, so nothing fails, but it can be removed
        /b.nix:1:8-1:11 error[missing-module-argument] `foo` is not provided in `nixosConfigurations.host`: no specialArgs and no `_module.args` definition provides it. Pass it through specialArgs
            related /flake.nix:5:32-8:6: `nixosConfigurations.host` is defined here
    "#]],
    );
}

#[test]
fn moduleargs_across_modules_and_conditional_providers() {
    // Cases 22 and 35: `_module.args` from any module; under mkIf = possibly; mkIf false = missing.
    let fixture = eval_modules("./provider.nix ./consumer.nix", "{ }")
        + "#- /provider.nix\n{ lib, config, ... }: {\n  _module.args.flavor = lib.mkDefault \"x\";\n  _module.args.helper = name: name;\n  _module.args.fromConfig = config.label;\n  _module.args.maybe = lib.mkIf config.x 1;\n  _module.args.never = lib.mkIf false 1;\n}\n"
        + "#- /consumer.nix\n{ flavor, helper, fromConfig, maybe, never, ... }: { x = [ flavor (helper \"x\") fromConfig maybe never ]; }\n";
    check(
        &fixture,
        expect![[r#"
        /consumer.nix:1:38-1:43 error[missing-module-argument] `never` is not provided in `nixosConfigurations.host`: its `_module.args` definition (provider.nix:6) is under `mkIf false`, so it has no value. Pass it through specialArgs
            related /flake.nix:5:32-8:6: `nixosConfigurations.host` is defined here
    "#]],
    );
}

#[test]
fn computed_specialargs() {
    // Case 23: `//`, `inherit` and a let-bound helper function.
    let fixture = flake(
        "{ self, nixpkgs, ... }@inputs: let
    extra = { pkgs-unstable = 1; hostName = \"laptop\"; };
    mkHost = specialArgs: nixpkgs.lib.nixosSystem {
      inherit specialArgs;
      modules = [ ./host.nix ];
    };
  in {
    nixosModules.common = ./laptop.nix;
    nixosConfigurations.laptop = mkHost ({ inherit inputs; } // extra);
  }",
    ) + "#- /host.nix\n{ inputs, pkgs-unstable, hostName, lib, missing, ... }: {\n  imports = [ inputs.self.nixosModules.common ] ++ lib.optional (hostName == \"laptop\") ./laptop.nix;\n  x = [ pkgs-unstable missing ];\n}\n"
        + "#- /laptop.nix\n{ }\n";
    check(
        &fixture,
        expect![[r#"
        /host.nix:1:41-1:48 error[missing-module-argument] `missing` is not provided in `nixosConfigurations.laptop`: no specialArgs and no `_module.args` definition provides it. Pass it through specialArgs
            related /flake.nix:6:27-9:6: `nixosConfigurations.laptop` is defined here
    "#]],
    );
}

#[test]
fn lib_override_and_modulespath_and_pkgs_specialarg() {
    // Cases 27 and 33.
    let fixture = eval_modules(
        "./host.nix",
        "{ lib = nixpkgs.lib.extend (f: p: { }); pkgs = import nixpkgs { }; }",
    ) + "#- /host.nix\n{ modulesPath, pkgs, lib, ... }: {\n  imports = [ (modulesPath + \"/profiles/minimal.nix\") ] ++ lib.optional pkgs.stdenv.isLinux ./linux.nix ++ lib.my.hostModules;\n}\n"
        + "#- /linux.nix\n{ }\n";
    check(&fixture, expect![[r#""#]]);
}

#[test]
fn missing_argument_in_imports() {
    // Case 28: the root cause is the missing argument (the evaluator says "infinite recursion").
    let fixture = eval_modules("./host.nix", "{ }")
        + "#- /host.nix\n{ inputs, ... }: {\n  imports = [ inputs.sops-nix.nixosModules.default ];\n}\n";
    check(
        &fixture,
        expect![[r#"
            /host.nix:1:3-1:9 error[missing-module-argument] `inputs` is not provided in `nixosConfigurations.host`: no specialArgs and no `_module.args` definition provides it. It is needed by `imports` (the evaluator reports this as "infinite recursion encountered"). Pass it through specialArgs
                related /flake.nix:5:32-8:6: `nixosConfigurations.host` is defined here
                fix: Pass `inputs` through specialArgs of `nixosConfigurations.host`
        "#]],
    );
}

#[test]
fn helpers_from_other_files_and_generated_hosts() {
    let fixture = flake(
        "{ self, nixpkgs, ... }@inputs: let
    mkHost = import ./lib/mk-host.nix { inherit inputs nixpkgs; };
  in {
    nixosConfigurations = nixpkgs.lib.genAttrs [ \"a\" \"b\" ] mkHost
      // builtins.mapAttrs (name: _: mkHost name) { c = 1; };
  }",
    ) + "#- /lib/mk-host.nix\n{ inputs, nixpkgs }:\nname: nixpkgs.lib.nixosSystem {\n  specialArgs = { inherit inputs; hostName = name; };\n  modules = [ ../common.nix ];\n}\n"
        + "#- /common.nix\n{ inputs, hostName, nope, ... }: { networking.hostName = hostName; x = nope; }\n";
    check(
        &fixture,
        expect![[r#"
            /common.nix:1:21-1:25 error[missing-module-argument] `nope` is not provided in `nixosConfigurations.a`, `nixosConfigurations.b`, `nixosConfigurations.c`: no specialArgs and no `_module.args` definition provides it. Pass it through specialArgs
                related /lib/mk-host.nix:2:7-5:2: `nixosConfigurations.a` is defined here
                related /lib/mk-host.nix:2:7-5:2: `nixosConfigurations.b` is defined here
                related /lib/mk-host.nix:2:7-5:2: `nixosConfigurations.c` is defined here
        "#]],
    );
}

#[test]
fn shared_module_flagged_only_where_missing() {
    let fixture = flake(
        "{ self, nixpkgs, ... }@inputs: {
    nixosConfigurations.a = nixpkgs.lib.nixosSystem { specialArgs = { inherit inputs; }; modules = [ ./common.nix ]; };
    nixosConfigurations.b = nixpkgs.lib.nixosSystem { modules = [ ./common.nix ]; };
  }",
    ) + "#- /common.nix\n{ inputs, ... }: { x = inputs.self; }\n"
        + "#- /not-a-module.nix\n{ whatever, ... }: { x = whatever; }\n";
    check(
        &fixture,
        expect![[r#"
            /common.nix:1:3-1:9 error[missing-module-argument] `inputs` is not provided in `nixosConfigurations.b`: no specialArgs and no `_module.args` definition provides it. Pass it through specialArgs
                related /flake.nix:6:29-6:84: `nixosConfigurations.b` is defined here
                fix: Pass `inputs` through specialArgs of `nixosConfigurations.b`
        "#]],
    );
}

#[test]
fn flake_parts_modules_are_not_flagged() {
    let fixture = "#- /flake.nix
{
  inputs.flake-parts.url = \"github:hercules-ci/flake-parts\";
  outputs = inputs@{ flake-parts, nixpkgs, ... }: flake-parts.lib.mkFlake { inherit inputs; } {
    imports = [ ./parts.nix ];
    perSystem = { pkgs, system, self', inputs', ... }: { packages.x = pkgs.hello; };
    flake.nixosConfigurations.host = nixpkgs.lib.nixosSystem {
      specialArgs = { inherit inputs; };
      modules = [ ./host.nix ];
    };
  };
}
#- /parts.nix
{ withSystem, inputs, self, config, lib, ... }: {
  flake.nixosConfigurations.other = withSystem \"x86_64-linux\" ({ pkgs, ... }: inputs.nixpkgs.lib.nixosSystem {
    specialArgs = { inherit pkgs; };
    modules = [ ./other.nix ];
  });
}
#- /host.nix
{ inputs, missing, ... }: { x = [ inputs missing ]; }
#- /other.nix
{ pkgs, lib, ... }: { imports = lib.optional pkgs.stdenv.isLinux ./host-extra.nix; }
#- /host-extra.nix
{ }
";
    check(
        fixture,
        expect![[r#"
            /host.nix:1:11-1:18 error[missing-module-argument] `missing` is not provided in `nixosConfigurations.host`: no specialArgs and no `_module.args` definition provides it. Pass it through specialArgs
                related /flake.nix:6:38-9:6: `nixosConfigurations.host` is defined here
        "#]],
    );
}

#[test]
fn moduleargs_reexported_through_extraspecialargs() {
    let fixture = hm_flake(
        "{ pkgs-stable, inputs, ... }: {
  _module.args.pkgs-stable = import inputs.nixpkgs-stable { };
  home-manager.extraSpecialArgs = { inherit pkgs-stable; };
  home-manager.users.roni.imports = [ ./home.nix ];
}
",
    ) + "#- /home.nix\n{ pkgs-stable, lib, nope, ... }: { imports = lib.optional (pkgs-stable ? x) ./x.nix; y = nope; }\n#- /x.nix\n{ }\n";
    check(
        &fixture,
        expect![[r#"
        /home.nix:1:21-1:25 error[missing-module-argument] `nope` is not provided in `nixosConfigurations.kahless → home-manager.users.roni`: no home-manager.extraSpecialArgs and no `_module.args` definition provides it. Pass it through home-manager.extraSpecialArgs
            related /configuration.nix:4:3-4:34: `nixosConfigurations.kahless → home-manager.users.roni` is defined here
    "#]],
    );
}

#[test]
fn darwin_with_home_manager() {
    let fixture = "#- /flake.nix
{
  inputs.darwin.url = \"github:LnL7/nix-darwin\";
  outputs = { self, darwin, home-manager, ... }@inputs: {
    darwinConfigurations.mac = darwin.lib.darwinSystem {
      modules = [ home-manager.darwinModules.home-manager { home-manager.users.me = ./home.nix; } ];
    };
  };
}
#- /home.nix
{ darwinConfig, osConfig, nixosConfig, inputs, lib, ... }: { imports = lib.optional (darwinConfig.x) ./x.nix; y = inputs; }
#- /x.nix
{ }
";
    check(
        fixture,
        expect![[r#"
            /home.nix:1:40-1:46 error[missing-module-argument] `inputs` is not provided in `darwinConfigurations.mac → home-manager.users.me`: no home-manager.extraSpecialArgs and no `_module.args` definition provides it. Pass it through home-manager.extraSpecialArgs
                related /flake.nix:5:61-5:82: `darwinConfigurations.mac → home-manager.users.me` is defined here
                fix: Pass `inputs` through home-manager.extraSpecialArgs of `darwinConfigurations.mac → home-manager.users.me`
        "#]],
    );
}

#[test]
fn missing_imports() {
    let fixture = eval_modules("./host.nix", "{ }")
        + "#- /host.nix\n{ ... }: { imports = [ ./nope.nix ./dir ./empty-dir ]; x = import ./gone.nix; }\n"
        + "#- /dir/default.nix\n{ }\n#- /empty-dir/readme.nix\n{ }\n"
        + "#- /unrelated.nix\n{ imports = [ ./also-gone.nix ]; y = ./not-an-import.nix; }\n";
    check(
        &fixture,
        expect![[r#"
            /host.nix:1:24-1:34 error[missing-import] `./nope.nix` does not exist
            /host.nix:1:41-1:52 error[missing-import] `./empty-dir` is a directory without a `default.nix`, so it cannot be imported
            /host.nix:1:67-1:77 error[missing-import] `./gone.nix` does not exist
            /unrelated.nix:1:15-1:30 error[missing-import] `./also-gone.nix` does not exist
        "#]],
    );
}

/// Applies the fix of the first diagnostic with `code` and shows every changed file.
fn check_fix(fixture: &str, code: &str, expect: Expect) {
    let (analysis, _) = test_fixture::analysis_from_fixture(fixture);
    let fix = analysis
        .files()
        .into_iter()
        .flat_map(|f| analysis.diagnostics(f))
        .filter(|d| d.code.as_str() == code)
        .find_map(|d| d.fixes.into_iter().next());
    let out = match fix {
        Some(fix) => {
            let mut out = format!("{}\n", fix.label);
            for (f, edits) in &fix.change.edits {
                out.push_str(&format!(
                    "{}:\n{}",
                    analysis.file_path(*f),
                    test_fixture::apply_edits(&analysis.file_text(*f), edits)
                ));
            }
            out
        }
        None => "no fix".to_owned(),
    };
    expect.assert_eq(&out);
}

#[test]
fn fixes() {
    // Recursion: move `_module.args.inputs` into a new specialArgs.
    let fixture = flake(
        "{ self, nixpkgs, ... }@inputs: {
    nixosConfigurations.host = nixpkgs.lib.nixosSystem {
      modules = [ { _module.args.inputs = inputs; } ./host.nix ];
    };
  }",
    ) + "#- /host.nix\n{ inputs, ... }: { imports = [ inputs.sops-nix.nixosModules.default ]; }\n";
    check_fix(
        &fixture,
        "module-args-recursion",
        expect![[r#"
            Move `inputs` into specialArgs of `nixosConfigurations.host`
            /flake.nix:
            {
              inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
              inputs.home-manager.url = "github:nix-community/home-manager";
              outputs = { self, nixpkgs, ... }@inputs: {
                nixosConfigurations.host = nixpkgs.lib.nixosSystem { specialArgs = { inherit inputs; };
                  modules = [ {  } ./host.nix ];
                };
              };
            }
        "#]],
    );
    // Missing: add to the existing specialArgs.
    let fixture = eval_modules("./host.nix", "{ inherit self; }")
        + "#- /host.nix\n{ inputs, ... }: { x = inputs; }\n";
    check_fix(
        &fixture,
        "missing-module-argument",
        expect![[r#"
            Pass `inputs` through specialArgs of `nixosConfigurations.host`
            /flake.nix:
            {
              inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
              inputs.home-manager.url = "github:nix-community/home-manager";
              outputs = { self, nixpkgs, ... }@inputs: {
                nixosConfigurations.host = nixpkgs.lib.nixosSystem {
                  specialArgs = { inherit inputs; inherit self; };
                  modules = [ ./host.nix ];
                };
              };
            }
        "#]],
    );
    // A home-manager user without extraSpecialArgs: define it next to the user.
    let fixture = hm_flake(
        "{ pkgs-unstable, ... }: {
  home-manager.users.roni = import ./home.nix;
}
",
    ) + "#- /home.nix\n{ pkgs-unstable, ... }: { home.packages = [ pkgs-unstable.hello ]; }\n";
    check_fix(
        &fixture,
        "missing-module-argument",
        expect![[r#"
        Pass `pkgs-unstable` through home-manager.extraSpecialArgs of `nixosConfigurations.kahless → home-manager.users.roni`
        /configuration.nix:
        { pkgs-unstable, ... }: { home-manager.extraSpecialArgs.pkgs-unstable = pkgs-unstable;
          home-manager.users.roni = import ./home.nix;
        }
    "#]],
    );
    // No `...`.
    let fixture = eval_modules("./host.nix", "{ }") + "#- /host.nix\n{ lib, config }: { }\n";
    check_fix(
        &fixture,
        "unexpected-module-argument",
        expect![[r#"
        Add `...` to the pattern
        /host.nix:
        { lib, config, ... }: { }
    "#]],
    );
}

#[test]
fn per_user_and_submodule_module_args() {
    // Case 30 shape: `_module.args` of a nested evaluation never leaks to the outer one, but a
    // user's own `_module.args` (set from outside) reaches that user's modules.
    let fixture = hm_flake(
        "{ userHelper, ... }: {
  x = userHelper;
  users.users.alice._module.args.userHelper = 1;
  home-manager.users.roni._module.args.hmHelper = 1;
  home-manager.users.roni.imports = [ ./home.nix ];
}
",
    ) + "#- /home.nix\n{ hmHelper, userHelper, ... }: { x = [ hmHelper userHelper ]; }\n";
    check(
        &fixture,
        expect![[r#"
        /configuration.nix:1:3-1:13 error[missing-module-argument] `userHelper` is not provided in `nixosConfigurations.kahless`: no specialArgs and no `_module.args` definition provides it. Pass it through specialArgs
            related /flake.nix:7:35-10:6: `nixosConfigurations.kahless` is defined here
        /home.nix:1:13-1:23 error[missing-module-argument] `userHelper` is not provided in `nixosConfigurations.kahless → home-manager.users.roni`: no home-manager.extraSpecialArgs and no `_module.args` definition provides it. Pass it through home-manager.extraSpecialArgs
            related /configuration.nix:5:3-5:34: `nixosConfigurations.kahless → home-manager.users.roni` is defined here
    "#]],
    );
}

#[test]
fn realistic_flake_is_clean() {
    let fixture = r#"
#- /flake.nix
{
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
    home-manager = { url = "github:nix-community/home-manager"; inputs.nixpkgs.follows = "nixpkgs"; };
    nixos-hardware.url = "github:NixOS/nixos-hardware";
  };
  outputs = { self, nixpkgs, home-manager, ... }@inputs: let
    system = "x86_64-linux";
    pkgs = nixpkgs.legacyPackages.${system};
    inherit (self) outputs;
  in {
    nixosConfigurations.laptop = nixpkgs.lib.nixosSystem {
      inherit system;
      specialArgs = { inherit inputs outputs; };
      modules = [
        ./hosts/laptop/configuration.nix
        home-manager.nixosModules.home-manager
        {
          home-manager.useGlobalPkgs = true;
          home-manager.useUserPackages = true;
          home-manager.users.me = import ./home;
          home-manager.extraSpecialArgs = { inherit inputs outputs; };
        }
      ];
    };
    homeConfigurations."me@laptop" = home-manager.lib.homeManagerConfiguration {
      inherit pkgs;
      extraSpecialArgs = { inherit inputs outputs; };
      modules = [ ./home ];
    };
    devShells.${system}.default = pkgs.mkShell { };
  };
}
#- /hosts/laptop/configuration.nix
{ config, pkgs, lib, inputs, outputs, modulesPath, ... }:
{
  imports = [
    ./hardware-configuration.nix
    inputs.nixos-hardware.nixosModules.lenovo-thinkpad-x1
    (modulesPath + "/installer/scan/not-detected.nix")
  ];
  nixpkgs.config.allowUnfree = true;
  networking.hostName = "laptop";
  environment.systemPackages = with pkgs; [ git vim ];
  users.users.me.shell = pkgs.zsh;
  services.openssh.enable = lib.mkDefault config.networking.hostName == "laptop";
  system.stateVersion = "24.05";
}
#- /hosts/laptop/hardware-configuration.nix
{ config, lib, pkgs, modulesPath, ... }:
{
  imports = [ (modulesPath + "/installer/scan/not-detected.nix") ];
  boot.initrd.availableKernelModules = [ "xhci_pci" ];
  hardware.cpu.intel.updateMicrocode = lib.mkDefault config.hardware.enableRedistributableFirmware;
}
#- /home/default.nix
{ config, pkgs, lib, inputs, osConfig ? null, ... }:
{
  imports = [ ./programs ];
  home.username = "me";
  home.homeDirectory = "/home/me";
  home.packages = [ pkgs.ripgrep ];
  home.stateVersion = "24.05";
}
#- /home/programs/default.nix
{ pkgs, lib, ... }:
{
  imports = [ ./git.nix ];
  programs.zsh.enable = true;
}
#- /home/programs/git.nix
{ config, ... }:
{
  programs.git = { enable = true; userName = config.home.username; };
}
"#;
    check(fixture, expect![""]);
    // Not silenced by imports built from `modulesPath`: a real mistake is still reported.
    let broken = fixture
        .replace(
            "{ config, pkgs, lib, inputs, outputs, modulesPath, ... }:",
            "{ config, pkgs, lib, inputs, outputs, modulesPath, typo, ... }:",
        )
        .replace(
            "networking.hostName = \"laptop\";",
            "networking.hostName = typo;",
        );
    check(
        &broken,
        expect![[r#"
        /hosts/laptop/configuration.nix:1:52-1:56 error[missing-module-argument] `typo` is not provided in `nixosConfigurations.laptop`: no specialArgs and no `_module.args` definition provides it. Pass it through specialArgs
            related /flake.nix:12:34-25:6: `nixosConfigurations.laptop` is defined here
    "#]],
    );
    // The configurations were really found: the home module belongs to both.
    let with_cursor = fixture.replace(
        "{ config, pkgs, lib, inputs, osConfig",
        "{ config, pkgs, lib, $0inputs, osConfig",
    );
    let (analysis, pos) = test_fixture::analysis_from_fixture(&with_cursor);
    let hover = analysis
        .hover(pos.expect("cursor"))
        .map(|h| h.markdown)
        .unwrap_or_default();
    expect![[r#"
        **`inputs`** — module argument

        - in `homeConfigurations."me@laptop"`: extraSpecialArgs (flake.nix:28) ← `@inputs` of the function at flake.nix:7 — passed directly: safe anywhere, even in `imports`
        - in `nixosConfigurations.laptop → home-manager.users.me`: home-manager.extraSpecialArgs (flake.nix:22) ← `@inputs` of the function at flake.nix:7 — passed directly: safe anywhere, even in `imports`"#]].assert_eq(&hover);
}

#[test]
fn imports_outside_the_flake_are_not_judged() {
    let fixture = eval_modules("./host.nix", "{ }").replace("#- /flake.nix", "#- /repo/flake.nix")
        + "#- /repo/host.nix\n{ ... }: { imports = [ ../elsewhere/x.nix /etc/nixos/hardware-configuration.nix ./gone.nix ]; }\n";
    check(
        &fixture,
        expect![[r#"
        /repo/host.nix:1:81-1:91 error[missing-import] `./gone.nix` does not exist
    "#]],
    );
}

#[test]
fn submodule_evaluations() {
    // Cases 24 and 25: `name` is config-backed in a submodule (fine in values, recursion in
    // imports); a submodule gets only its own specialArgs, never the outer `pkgs`; the outer
    // `pkgs` captured lexically is fine.
    let fixture = eval_modules("./options.nix", "{ inherit inputs; }")
        + r#"#- /options.nix
{ lib, pkgs, inputs, ... }:
let
  userOpts = { name, config, ... }: {
    options.greeting = lib.mkOption { default = "hi ${name} ${pkgs.hello.name}"; };
  };
in {
  options.users = lib.mkOption { type = lib.types.attrsOf (lib.types.submodule userOpts); };
  options.hosts = lib.mkOption {
    type = lib.types.attrsOf (lib.types.submodule ({ name, pkgs, fromDefinition, ... }: {
      imports = [ (./per-host + "/${name}.nix") ];
      options.pkg = lib.mkOption { default = [ pkgs.hello fromDefinition ]; };
    }));
  };
  options.with = lib.mkOption {
    type = lib.types.submoduleWith {
      specialArgs = { inherit inputs; };
      modules = [ ({ inputs, lib, ... }: { imports = [ inputs.x.module ]; }) ];
    };
  };
}
"#;
    check(&fixture, expect![""]);
}

#[test]
fn files_being_edited_silence_their_contexts() {
    // A provider with a syntax error might lose its `_module.args`: its consumers stay silent.
    let fixture = eval_modules("./provider.nix ./consumer.nix", "{ }")
        + "#- /provider.nix\n{ lib, ... }: { _module.args.helper = 1; x = ; }\n"
        + "#- /consumer.nix\n{ helper, nope, ... }: { x = [ helper nope ]; }\n";
    check(&fixture, expect![[r#""#]]);
}

#[test]
fn colmena_hive() {
    let fixture = "#- /flake.nix
{
  inputs.nixpkgs.url = \"github:NixOS/nixpkgs\";
  outputs = { self, nixpkgs, ... }@inputs: {
    colmena = {
      meta = {
        nixpkgs = import nixpkgs { system = \"x86_64-linux\"; };
        specialArgs = { inherit inputs; };
        nodeSpecialArgs.web = { role = \"web\"; };
      };
      defaults = { pkgs, name, nodes, ... }: { networking.hostName = name; };
      web = { role, inputs, ... }: { imports = [ ./web.nix ]; };
      db = { role, ... }: { x = role; };
    };
  };
}
#- /web.nix
{ lib, role, name, ... }: { imports = lib.optional (role == \"web\" && name != \"\") ./extra.nix; }
#- /extra.nix
{ }
";
    check(
        fixture,
        expect![[r#"
        /flake.nix:12:14-12:18 error[missing-module-argument] `role` is not provided in `colmena.db`: no specialArgs and no `_module.args` definition provides it. Pass it through specialArgs
            related /flake.nix:12:7-12:9: `colmena.db` is defined here
    "#]],
    );
}

#[test]
fn per_system_home_configurations() {
    let fixture = flake(
        "{ self, nixpkgs, home-manager, ... }@inputs: {
    legacyPackages.x86_64-linux.homeConfigurations.alice = home-manager.lib.homeManagerConfiguration {
      pkgs = nixpkgs.legacyPackages.x86_64-linux;
      modules = [ ./home.nix ];
    };
  }",
    ) + "#- /home.nix\n{ nope, ... }: { x = nope; }\n";
    check(
        &fixture,
        expect![[r#"
        /home.nix:1:3-1:7 error[missing-module-argument] `nope` is not provided in `legacyPackages.x86_64-linux.homeConfigurations.alice`: no extraSpecialArgs and no `_module.args` definition provides it. Pass it through extraSpecialArgs
            related /flake.nix:5:60-8:6: `legacyPackages.x86_64-linux.homeConfigurations.alice` is defined here
    "#]],
    );
}

#[test]
fn malformed_string_in_a_module_is_a_syntax_error_not_a_panic() {
    // rnix asserts on a string node holding an error node (here the attribute name
    // `"  e54 … ${nix; …"`); every reader of strings goes through `syntax::str_parts`, which
    // treats it as unknown, so the file gets its syntax errors and nothing panics.
    let fixture = flake(
        "{ self, nixpkgs, ... }@inputs: {
    nixosConfigurations.host = nixpkgs.lib.nixosSystem {
      specialArgs = { inherit inputs; };
      modules = [ ./host.nix ];
    };
  }",
    ) + "#- /host.nix\n{\n \"  e54 = import ./n0-54.${nix;\n  c137 = { imports = [ ./a137.nix (./b137.nix./) ../c/${x}.nix ]; };\n  }l140 = let x = { modules = [ /abs/m140.nix ]; }; in x;\n  n151 = { a = { b = {\" sharedModules = [ ./sh151.nix ]; }; \n";
    let (analysis, _) = test_fixture::analysis_from_fixture(&fixture);
    let rendered = test_fixture::render_diagnostics(&analysis);
    assert!(rendered.contains("syntax-error"), "{rendered}");
}
