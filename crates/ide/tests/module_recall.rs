//! Shapes of real-world configurations (written from scratch, not copied): paths outside the
//! flake roots, merged libraries (`nixpkgs.lib // home-manager.lib`), `self.outputs`, strict
//! positions in contexts with unknown modules, helpers with `if` on the system kind, and files
//! with syntax errors while the user types.

use base::VfsPath;
use expect_test::{Expect, expect};
use test_fixture::Fixture;

const CODES: &[&str] = &[
    "[missing-module-argument]",
    "[module-args-recursion]",
    "[missing-import]",
    "[unexpected-module-argument]",
    "[imports-in-config]",
];

/// The module diagnostics of an analysis, rendered.
fn module_diagnostics(analysis: &ide::Analysis) -> String {
    let rendered = test_fixture::render_diagnostics(analysis);
    let mut out = String::new();
    let mut keep = false;
    for line in rendered.lines() {
        if !line.starts_with(' ') {
            keep = CODES.iter().any(|c| line.contains(c));
        }
        if keep {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

fn check(fixture: &str, expect: Expect) {
    let (analysis, _) = test_fixture::analysis_from_fixture(fixture);
    expect.assert_eq(&module_diagnostics(&analysis));
}

#[test]
fn imports_outside_every_root_are_unknown() {
    // A flake in a subfolder imports a sibling folder and the machine's /etc/nixos: neither is
    // under the flake root, so their existence is unknown. `./gone.nix` is under it: flagged.
    let fixture = r#"
#- /repo/nixos/flake.nix
{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  outputs = { nixpkgs, ... }: {
    nixosConfigurations.h = nixpkgs.lib.nixosSystem { modules = [ ./host.nix ]; };
  };
}
#- /repo/nixos/host.nix
{ ... }: { imports = [ /etc/nixos/hardware-configuration.nix ../common/x.nix ./gone.nix ]; }
"#;
    check(
        fixture,
        expect![[r#"
            /repo/nixos/host.nix:1:78-1:88 error[missing-import] `./gone.nix` does not exist
        "#]],
    );
}

#[test]
fn loose_files_without_a_root_are_unknown() {
    let fixture = "#- /somewhere/configuration.nix\n{ ... }: { imports = [ ./hardware-configuration.nix ]; }\n";
    check(fixture, expect![""]);
}

#[test]
fn imports_inside_skipped_directories_are_unknown() {
    // The load lists a skipped directory (`result`, `.direnv`…) but nothing below it.
    let fixture = Fixture::parse(
        r#"
#- /f/flake.nix
{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  outputs = { nixpkgs, ... }: {
    nixosConfigurations.h = nixpkgs.lib.nixosSystem { modules = [ ./host.nix ]; };
  };
}
#- /f/host.nix
{ ... }: { imports = [ ./result/sw.nix ./real/gone.nix ./nope/x.nix ]; }
#- /f/real/other.nix
{ }
"#,
    );
    let mut change = fixture.to_change();
    if let Some(existing) = change.existing_paths.as_mut() {
        existing.insert(VfsPath::new("/f/result"));
    }
    let mut host = ide::AnalysisHost::new();
    host.apply_change(change);
    expect![[r#"
        /f/host.nix:1:40-1:55 error[missing-import] `./real/gone.nix` does not exist
        /f/host.nix:1:56-1:68 error[missing-import] `./nope/x.nix` does not exist
    "#]]
    .assert_eq(&module_diagnostics(&host.analysis()));
}

/// A flake whose `lib` merges nixpkgs' and home-manager's libraries.
fn merged_lib_flake(special_args: &str, extra_special_args: &str) -> String {
    format!(
        r#"
#- /flake.nix
{{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  inputs.home-manager.url = "github:nix-community/home-manager";
  inputs.hardware.url = "github:NixOS/nixos-hardware";
  inputs.impermanence.url = "github:nix-community/impermanence";
  outputs = {{ self, nixpkgs, home-manager, ... }}@inputs: let
    inherit (self) outputs;
    lib = nixpkgs.lib // home-manager.lib;
  in {{
    nixosModules = import ./modules/nixos;
    nixosConfigurations.desk = lib.nixosSystem {{
      modules = [ ./hosts/desk ];
      specialArgs = {{ {special_args} }};
    }};
    homeConfigurations."me@desk" = lib.homeManagerConfiguration {{
      pkgs = nixpkgs.legacyPackages.x86_64-linux;
      modules = [ ./home/me.nix ];
      extraSpecialArgs = {{ {special_args} }};
    }};
  }};
}}
#- /modules/nixos/default.nix
{{ wireguard = import ./wireguard.nix; }}
#- /modules/nixos/wireguard.nix
{{ lib, ... }}: {{ options.my.wg.enable = lib.mkEnableOption "wg"; }}
#- /hosts/desk/default.nix
{{ inputs, outputs, ... }}: {{
  imports = [ inputs.hardware.nixosModules.common-cpu-amd ./users.nix ]
    ++ builtins.attrValues outputs.nixosModules;
  home-manager.extraSpecialArgs = {{ {extra_special_args} }};
  home-manager.users.me = ../../home/me.nix;
}}
#- /hosts/desk/users.nix
{{ pkgs, ... }}: {{ users.users.me.shell = pkgs.fish; }}
#- /home/me.nix
{{ inputs, pkgs, ... }}: {{ imports = [ inputs.impermanence.homeManagerModules.impermanence ]; home.packages = [ pkgs.hello ]; }}
"#
    )
}

#[test]
fn merged_libraries_find_configurations() {
    check(
        &merged_lib_flake("inherit inputs outputs;", "inherit inputs outputs;"),
        expect![""],
    );
    check(
        &merged_lib_flake("inherit outputs;", "inherit inputs outputs;"),
        expect![[r#"
            /hosts/desk/default.nix:1:3-1:9 error[missing-module-argument] `inputs` is not provided in `nixosConfigurations.desk`: no specialArgs and no `_module.args` definition provides it. It is needed by `imports` (the evaluator reports this as "infinite recursion encountered"). Pass it through specialArgs
                related /flake.nix:11:32-14:6: `nixosConfigurations.desk` is defined here
                fix: Pass `inputs` through specialArgs of `nixosConfigurations.desk`
            /home/me.nix:1:3-1:9 error[missing-module-argument] `inputs` is not provided in `homeConfigurations."me@desk"`: no extraSpecialArgs and no `_module.args` definition provides it. It is needed by `imports` (the evaluator reports this as "infinite recursion encountered"). Pass it through extraSpecialArgs
                related /flake.nix:15:36-19:6: `homeConfigurations."me@desk"` is defined here
                fix: Pass `inputs` through extraSpecialArgs of `homeConfigurations."me@desk"`
        "#]],
    );
    check(
        &merged_lib_flake("inherit inputs outputs;", "inherit outputs;"),
        expect![[r#"
            /home/me.nix:1:3-1:9 error[missing-module-argument] `inputs` is not provided in `nixosConfigurations.desk → home-manager.users.me`: it is passed by `nixosConfigurations.desk`'s specialArgs (flake.nix:13) but not by home-manager.extraSpecialArgs (hosts/desk/default.nix:4). It is needed by `imports` (the evaluator reports this as "infinite recursion encountered"). Pass it through home-manager.extraSpecialArgs
                related /flake.nix:13:31-13:37: `inputs` is passed to `nixosConfigurations.desk` here
                related /hosts/desk/default.nix:4:35-4:55: home-manager.extraSpecialArgs of `nixosConfigurations.desk → home-manager.users.me` is set here
                fix: Pass `inputs` through home-manager.extraSpecialArgs of `nixosConfigurations.desk → home-manager.users.me`
        "#]],
    );
}

/// Modules of a host that the evaluator cannot see (`readDir`-generated), so its `_module.args`
/// are not fully known; its specialArgs are.
fn open_modules_flake(host: &str) -> String {
    format!(
        r#"
#- /flake.nix
{{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  outputs = {{ self, nixpkgs, ... }}@inputs: {{
    nixosConfigurations.box = nixpkgs.lib.nixosSystem {{
      specialArgs = {{ inherit inputs; }};
      modules = [ ./host.nix ] ++ map (n: ./modules + "/${{n}}") (builtins.attrNames (builtins.readDir ./modules));
    }};
  }};
}}
#- /modules/a.nix
{{ }}
#- /host.nix
{host}
"#
    )
}

#[test]
fn strict_positions_need_only_known_special_args() {
    // `secrets` is not a specialArg: in `imports` it can only come from `_module.args`, which
    // is a recursion whatever the unseen modules define.
    check(
        &open_modules_flake(
            "{ inputs, secrets, lib, ... }: { imports = [ inputs.self.nixosModules.x ] ++ lib.optional secrets.enable ./s.nix; }",
        ),
        expect![[r#"
            /host.nix:1:91-1:98 error[module-args-recursion] infinite recursion: `secrets` is used in `imports`, but `nixosConfigurations.box` does not pass it through specialArgs, so it could only come from `_module.args`, which needs the complete module list. Pass it through specialArgs
                related /flake.nix:5:21-5:40: specialArgs of `nixosConfigurations.box`
        "#]],
    );
    // Look-alikes: the same name in a value (an unseen module may define `_module.args.secrets`),
    // and specialArgs names in `imports`, stay silent.
    check(
        &open_modules_flake(
            "{ inputs, secrets, lib, modulesPath, ... }: { imports = [ (modulesPath + \"/x.nix\") ]; x = secrets.enable; y = inputs; }",
        ),
        expect![""],
    );
}

/// A helper in another file picks the system function with `if darwin`, builds paths with
/// interpolation and names the home-manager user dynamically.
fn mk_system_flake(home: &str) -> String {
    format!(
        r#"
#- /flake.nix
{{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  inputs.darwin.url = "github:LnL7/nix-darwin";
  inputs.home-manager.url = "github:nix-community/home-manager";
  outputs = {{ nixpkgs, ... }}@inputs: let
    mkSystem = import ./lib/mksystem.nix {{ inherit nixpkgs inputs; }};
  in {{
    nixosConfigurations.vm = mkSystem "vm" {{ system = "x86_64-linux"; user = "ann"; }};
    darwinConfigurations.mac = mkSystem "mac" {{ system = "aarch64-darwin"; user = "ann"; darwin = true; }};
  }};
}}
#- /lib/mksystem.nix
{{ nixpkgs, inputs }}: name: {{ system, user, darwin ? false }}:
let
  systemFunc = if darwin then inputs.darwin.lib.darwinSystem else nixpkgs.lib.nixosSystem;
  hm = if darwin then inputs.home-manager.darwinModules else inputs.home-manager.nixosModules;
in systemFunc {{
  inherit system;
  modules = [
    ../machines/${{name}}.nix
    hm.home-manager
    {{
      home-manager.users.${{user}} = import ../users/${{user}}/home.nix {{ inherit inputs; }};
    }}
    {{ config._module.args = {{ currentSystemUser = user; inherit inputs; }}; }}
  ];
}}
#- /machines/vm.nix
{{ pkgs, currentSystemUser, ... }}: {{ users.users.${{currentSystemUser}}.shell = pkgs.fish; }}
#- /machines/mac.nix
{{ inputs, ... }}: {{ imports = [ inputs.home-manager.darwinModules.default ]; }}
#- /users/ann/home.nix
{home}
"#
    )
}

#[test]
fn helper_with_if_on_the_system_kind() {
    // `darwin = true` selects darwinSystem: `darwinConfigurations.mac` is a nix-darwin context,
    // and `inputs` from `_module.args` in its `imports` is a recursion. The user module closes
    // over `inputs` (lexical) and takes only home-manager's own arguments: fine.
    check(
        &mk_system_flake("{ inputs }: { pkgs, lib, ... }: { home.packages = [ pkgs.hello ]; }"),
        expect![[r#"
            /machines/mac.nix:1:32-1:38 error[module-args-recursion] infinite recursion: `inputs` is used in `imports`, but in `darwinConfigurations.mac` it comes from `_module.args` (lib/mksystem.nix:13) which needs the complete module list. Pass it through specialArgs instead, or import unconditionally and use `lib.mkIf`
                related /lib/mksystem.nix:13:65-13:71: `inputs` is defined in `_module.args` of `darwinConfigurations.mac` here
        "#]],
    );
    // The home module asks for an argument no source gives, in both systems' user contexts.
    check(
        &mk_system_flake(
            "{ inputs }: { pkgs, currentSystemUser, ... }: { home.username = currentSystemUser; }",
        ),
        expect![[r#"
            /machines/mac.nix:1:32-1:38 error[module-args-recursion] infinite recursion: `inputs` is used in `imports`, but in `darwinConfigurations.mac` it comes from `_module.args` (lib/mksystem.nix:13) which needs the complete module list. Pass it through specialArgs instead, or import unconditionally and use `lib.mkIf`
                related /lib/mksystem.nix:13:65-13:71: `inputs` is defined in `_module.args` of `darwinConfigurations.mac` here
            /users/ann/home.nix:1:21-1:38 error[missing-module-argument] `currentSystemUser` is not provided in `darwinConfigurations.mac → home-manager.users.ann`, `nixosConfigurations.vm → home-manager.users.ann`: no home-manager.extraSpecialArgs and no `_module.args` definition provides it. Pass it through home-manager.extraSpecialArgs
                related /lib/mksystem.nix:11:7-11:33: `darwinConfigurations.mac → home-manager.users.ann` is defined here
                related /lib/mksystem.nix:11:7-11:33: `nixosConfigurations.vm → home-manager.users.ann` is defined here
        "#]],
    );
}

#[test]
fn helper_with_unknown_condition_is_silent() {
    // Which function runs is unknown (`pathExists`): the configuration is not judged at all.
    let fixture = mk_system_flake("{ inputs }: { nope, ... }: { x = nope; }").replace(
        "if darwin then",
        "if builtins.pathExists ./darwin-marker then",
    );
    check(&fixture, expect![""]);
}

#[test]
fn specialargs_from_the_inputs_set() {
    // `specialArgs = inputs // { … }`: the inputs set holds exactly the declared inputs and
    // `self`, so its names are known: `home-manager` is passed, `hostName` is not.
    let fixture = r#"
#- /flake.nix
{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  inputs.home-manager.url = "github:nix-community/home-manager";
  outputs = { nixpkgs, ... }@inputs: let user = "ann"; in {
    nixosConfigurations.pc = nixpkgs.lib.nixosSystem {
      specialArgs = inputs // { inherit user; };
      modules = [ ./pc.nix ];
    };
  };
}
#- /pc.nix
{ home-manager, self, user, hostName, ... }: {
  imports = [ home-manager.nixosModules.home-manager ];
  users.users.${user}.description = hostName;
}
"#;
    check(
        fixture,
        expect![[r#"
        /pc.nix:1:29-1:37 error[missing-module-argument] `hostName` is not provided in `nixosConfigurations.pc`: no specialArgs and no `_module.args` definition provides it. Pass it through specialArgs
            related /flake.nix:5:30-8:6: `nixosConfigurations.pc` is defined here
    "#]],
    );
}

/// Applies one text edit (insert `text` at the first occurrence of `at` in `path`).
fn type_into(host: &mut ide::AnalysisHost, path: &str, at: &str, text: &str) {
    let analysis = host.analysis();
    let file = analysis.file_id(&VfsPath::new(path)).expect("file");
    let offset = analysis.file_text(file).find(at).expect("anchor");
    let offset = base::TextSize::try_from(offset).expect("small");
    let mut change = ide::Change::default();
    change.edits.push((
        VfsPath::new(path),
        vec![base::TextEdit {
            range: base::TextRange::empty(offset),
            new_text: text.to_owned(),
        }],
    ));
    host.apply_change(change);
}

const TYPING: &str = r#"
#- /flake.nix
{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  outputs = { nixpkgs, ... }@inputs: {
    nixosConfigurations.pc = nixpkgs.lib.nixosSystem {
      modules = [ ./pc.nix ./extra.nix ];
    };
  };
}
#- /pc.nix
{ inputs, ... }: {
  imports = [ inputs.nixos-hardware.nixosModules.common-cpu-amd ];
  networking.hostName = "pc";
}
#- /extra.nix
{ hostName, ... }: { x = hostName; }
"#;

#[test]
fn typing_keeps_the_last_error_free_graph() {
    let mut host = Fixture::parse(TYPING).to_host();
    let before = module_diagnostics(&host.analysis());
    expect![[r#"
        /pc.nix:1:3-1:9 error[missing-module-argument] `inputs` is not provided in `nixosConfigurations.pc`: no specialArgs and no `_module.args` definition provides it. It is needed by `imports` (the evaluator reports this as "infinite recursion encountered"). Pass it through specialArgs
            related /flake.nix:4:30-6:6: `nixosConfigurations.pc` is defined here
            fix: Pass `inputs` through specialArgs of `nixosConfigurations.pc`
        /extra.nix:1:3-1:11 error[missing-module-argument] `hostName` is not provided in `nixosConfigurations.pc`: no specialArgs and no `_module.args` definition provides it. Pass it through specialArgs
            related /flake.nix:4:30-6:6: `nixosConfigurations.pc` is defined here
    "#]]
    .assert_eq(&before);

    // Half-typed flake.nix: the other files keep their diagnostics; the related location in
    // flake.nix lies after the edit and moves with it, and fixes editing flake.nix are dropped.
    type_into(
        &mut host,
        "/flake.nix",
        "    nixosConfigurations",
        "    specialArgs = { inherit ",
    );
    expect![[r#"
        /pc.nix:1:3-1:9 error[missing-module-argument] `inputs` is not provided in `nixosConfigurations.pc`: no specialArgs and no `_module.args` definition provides it. It is needed by `imports` (the evaluator reports this as "infinite recursion encountered"). Pass it through specialArgs
            related /flake.nix:4:58-6:6: `nixosConfigurations.pc` is defined here
        /extra.nix:1:3-1:11 error[missing-module-argument] `hostName` is not provided in `nixosConfigurations.pc`: no specialArgs and no `_module.args` definition provides it. Pass it through specialArgs
            related /flake.nix:4:58-6:6: `nixosConfigurations.pc` is defined here
    "#]]
    .assert_eq(&module_diagnostics(&host.analysis()));

    // Half-typed pc.nix (below the pattern): its diagnostic before the edit stays, extra.nix's too.
    let mut host = Fixture::parse(TYPING).to_host();
    let _ = module_diagnostics(&host.analysis());
    type_into(&mut host, "/pc.nix", "  networking", "  boot.loader = ");
    expect![[r#"
        /pc.nix:1:3-1:9 error[missing-module-argument] `inputs` is not provided in `nixosConfigurations.pc`: no specialArgs and no `_module.args` definition provides it. It is needed by `imports` (the evaluator reports this as "infinite recursion encountered"). Pass it through specialArgs
            related /flake.nix:4:30-6:6: `nixosConfigurations.pc` is defined here
            fix: Pass `inputs` through specialArgs of `nixosConfigurations.pc`
        /extra.nix:1:3-1:11 error[missing-module-argument] `hostName` is not provided in `nixosConfigurations.pc`: no specialArgs and no `_module.args` definition provides it. Pass it through specialArgs
            related /flake.nix:4:30-6:6: `nixosConfigurations.pc` is defined here
    "#]]
    .assert_eq(&module_diagnostics(&host.analysis()));

    // An edit inside the reported name itself (`inputs` → `in{puts`): that range cannot be
    // mapped, so it is not reported; the other file's diagnostic stays.
    let mut host = Fixture::parse(TYPING).to_host();
    let _ = module_diagnostics(&host.analysis());
    type_into(&mut host, "/pc.nix", "puts, ...", "{");
    expect![[r#"
        /extra.nix:1:3-1:11 error[missing-module-argument] `hostName` is not provided in `nixosConfigurations.pc`: no specialArgs and no `_module.args` definition provides it. Pass it through specialArgs
            related /flake.nix:4:30-6:6: `nixosConfigurations.pc` is defined here
    "#]]
    .assert_eq(&module_diagnostics(&host.analysis()));
}

#[test]
fn a_file_broken_from_the_start_is_unknown() {
    // No error-free state to fall back on: the context is open and nothing is reported.
    let fixture = TYPING.replace("networking.hostName = \"pc\";", "networking.hostName = ;");
    check(&fixture, expect![""]);
}

#[test]
fn user_module_chosen_by_the_outer_config_is_unknown() {
    // The user's module depends on the NixOS `config` (fine: it is a value there), so the user's
    // modules are unknown: a shared module's argument may be defined by them.
    let fixture = r#"
#- /flake.nix
{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  inputs.home-manager.url = "github:nix-community/home-manager";
  outputs = { nixpkgs, home-manager, ... }: {
    nixosConfigurations.pc = nixpkgs.lib.nixosSystem {
      modules = [ home-manager.nixosModules.home-manager ./pc.nix ];
    };
  };
}
#- /pc.nix
{ config, ... }: {
  networking.hostName = "pc";
  home-manager.users.me = import (./home + "/${config.networking.hostName}.nix");
  home-manager.sharedModules = [ ./shared.nix ];
}
#- /home/pc.nix
{ ... }: { _module.args.theme = "dark"; }
#- /shared.nix
{ theme, ... }: { x = theme; }
"#;
    check(fixture, expect![""]);
    // Look-alike: a known user module that does not define it: reported.
    let known = fixture.replace(
        "import (./home + \"/${config.networking.hostName}.nix\")",
        "./home/other.nix",
    ) + "#- /home/other.nix\n{ ... }: { }\n";
    check(
        &known,
        expect![[r#"
        /shared.nix:1:3-1:8 error[missing-module-argument] `theme` is not provided in `nixosConfigurations.pc → home-manager.users.me`: no home-manager.extraSpecialArgs and no `_module.args` definition provides it. Pass it through home-manager.extraSpecialArgs
            related /pc.nix:3:3-3:24: `nixosConfigurations.pc → home-manager.users.me` is defined here
    "#]],
    );
}

#[test]
fn merged_libraries_pick_the_side_that_has_the_function() {
    // `home-manager.lib // nixpkgs-darwin.lib`: nixosSystem is not in home-manager's lib and
    // `nixpkgs-darwin` is a nixpkgs; darwinSystem from `darwin.lib // nixpkgs.lib` comes from
    // the left. Both configurations are found and judged.
    let fixture = r#"
#- /flake.nix
{
  inputs.nixpkgs-darwin.url = "github:NixOS/nixpkgs/nixpkgs-25.05-darwin";
  inputs.darwin.url = "github:LnL7/nix-darwin";
  inputs.home-manager.url = "github:nix-community/home-manager";
  outputs = { nixpkgs-darwin, darwin, home-manager, ... }: let
    lib = nixpkgs-darwin.lib // home-manager.lib;
    dlib = darwin.lib // nixpkgs-darwin.lib;
  in {
    nixosConfigurations.a = lib.nixosSystem { modules = [ ./m.nix ]; };
    darwinConfigurations.b = dlib.darwinSystem { modules = [ ./m.nix ]; };
  };
}
#- /m.nix
{ nope, ... }: { x = nope; }
"#;
    check(
        fixture,
        expect![[r#"
        /m.nix:1:3-1:7 error[missing-module-argument] `nope` is not provided in `darwinConfigurations.b`, `nixosConfigurations.a`: no specialArgs and no `_module.args` definition provides it. Pass it through specialArgs
            related /flake.nix:10:30-10:74: `darwinConfigurations.b` is defined here
            related /flake.nix:9:29-9:71: `nixosConfigurations.a` is defined here
    "#]],
    );
}

#[test]
fn unknown_condition_choosing_the_same_function() {
    // Both branches build a NixOS system (from two nixpkgs): judged. A branch choosing between
    // nix-darwin and NixOS stays unknown (see `helper_with_unknown_condition_is_silent`).
    let fixture = r#"
#- /flake.nix
{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  inputs.nixpkgs-stable.url = "github:NixOS/nixpkgs/nixos-25.05";
  outputs = { nixpkgs, nixpkgs-stable, ... }: let
    stable = builtins.pathExists ./stable;
    mk = (if stable then nixpkgs-stable.lib else nixpkgs.lib).nixosSystem;
    mk2 = if stable then nixpkgs-stable.lib.nixosSystem else nixpkgs.lib.nixosSystem;
  in {
    nixosConfigurations.a = mk { modules = [ ./m.nix ]; };
    nixosConfigurations.b = mk2 { modules = [ ./m.nix ]; };
  };
}
#- /m.nix
{ nope, ... }: { x = nope; }
"#;
    check(
        fixture,
        expect![[r#"
        /m.nix:1:3-1:7 error[missing-module-argument] `nope` is not provided in `nixosConfigurations.a`, `nixosConfigurations.b`: no specialArgs and no `_module.args` definition provides it. Pass it through specialArgs
            related /flake.nix:9:29-9:58: `nixosConfigurations.a` is defined here
            related /flake.nix:10:29-10:59: `nixosConfigurations.b` is defined here
    "#]],
    );
}
