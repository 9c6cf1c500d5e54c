//! Deterministic generators of realistic Nix workloads for benchmarks and scale tests.
//!
//! Two shapes: one huge file like nixpkgs' `pkgs/top-level/all-packages.nix`, and a flake
//! configuration with many modules importing each other. The output depends only on the
//! arguments (a small linear congruential generator picks names and shapes), so benchmark
//! figures are comparable between runs and machines.
//!
//! This file uses nothing but `std`, so other crates' benchmarks may also include it with
//! `#[path]` without depending on this crate.

use std::fmt::Write;

/// A tiny deterministic pseudo-random generator (Knuth's MMIX constants).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    /// A number in `0..n` (`n` > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const WORDS: &[&str] = &[
    "foo", "bar", "zlib", "curl", "open", "ssl", "gtk", "qt", "lib", "xml", "json", "rust", "go",
    "node", "py", "perl", "ruby", "tex", "font", "audio", "video", "net", "cloud", "db", "sql",
    "wayland", "x11", "mesa", "vulkan", "llvm", "gcc", "cmake", "meson", "ninja", "boost", "icu",
    "pcre", "glib", "dbus", "pam", "systemd", "util", "tools", "cli", "server", "client", "daemon",
];

const CATEGORIES: &[&str] = &[
    "applications/misc",
    "applications/editors",
    "applications/networking",
    "development/libraries",
    "development/tools",
    "development/python-modules",
    "servers/http",
    "tools/misc",
    "tools/networking",
    "tools/security",
    "os-specific/linux",
    "data/fonts",
    "games",
    "by-name",
];

const FRAMEWORKS: &[&str] = &[
    "Security",
    "CoreServices",
    "Cocoa",
    "AppKit",
    "Foundation",
    "SystemConfiguration",
];

/// A package name such as `curl-ssl` or `gtk3_2`.
fn package_name(rng: &mut Lcg, idx: usize) -> String {
    let mut name = rng.pick(WORDS).to_owned();
    match rng.below(4) {
        0 => {
            name.push('-');
            name.push_str(rng.pick(WORDS));
        }
        1 => name.push_str(rng.pick(WORDS)),
        _ => {}
    }
    // Unique suffix so attribute names never repeat.
    let _ = write!(name, "_{idx}");
    name
}

/// A file shaped like nixpkgs' `pkgs/top-level/all-packages.nix`, at least `target_bytes` long.
///
/// It is one lambda `{ lib, ... }: self: with self; { … }` over a huge attribute set of
/// `callPackage` bindings with `inherit (…)` arguments, overrides, package sets, `inherit`
/// lines, lists, interpolated strings, `let … in` and `if` expressions, and line and block
/// comments. It parses without errors.
pub fn all_packages_like(target_bytes: usize) -> String {
    let mut rng = Lcg(0x05ee_da11_9acc);
    let mut out = String::with_capacity(target_bytes + 4096);
    out.push_str(
        "/* The top-level package collection.\n\n   This file is generated for benchmarks; it has the \
         shape of nixpkgs' all-packages.nix. */\n\
         { lib, noSysDirs, config, overlays, ... }:\nself:\nwith self;\n\n{\n",
    );
    let mut idx = 0;
    while out.len() < target_bytes {
        if idx % 200 == 0 {
            let _ = write!(out, "\n  ### {}\n\n", rng.pick(CATEGORIES).to_uppercase());
        }
        let name = package_name(&mut rng, idx);
        let category = rng.pick(CATEGORIES);
        let dir = format!("../{category}/{}", name.replace('_', "-"));
        match rng.below(14) {
            0 => {
                let _ = writeln!(
                    out,
                    "  {name} = callPackage {dir} {{\n    inherit (darwin.apple_sdk.frameworks) {} {};\n  }};",
                    rng.pick(FRAMEWORKS),
                    rng.pick(FRAMEWORKS)
                );
            }
            1 => {
                let _ = writeln!(
                    out,
                    "  {name} = callPackage {dir} {{ stdenv = gcc12Stdenv; withX = !stdenv.hostPlatform.isDarwin; }};"
                );
            }
            2 => {
                let _ = writeln!(
                    out,
                    "  # {} support is optional here.\n  {name} = {}.override {{ enableTests = false; }};",
                    rng.pick(WORDS),
                    rng.pick(WORDS)
                );
            }
            3 => {
                let _ = writeln!(
                    out,
                    "  {name}Packages = recurseIntoAttrs (callPackage ../top-level/{name}-packages.nix {{ }});"
                );
            }
            4 => {
                let _ = writeln!(
                    out,
                    "  inherit ({name}Packages) {} {} {};",
                    rng.pick(WORDS),
                    package_name(&mut rng, idx + 1_000_000),
                    package_name(&mut rng, idx + 2_000_000)
                );
            }
            5 => {
                let _ = writeln!(
                    out,
                    "  {name} = python3Packages.toPythonApplication python3Packages.{};",
                    rng.pick(WORDS)
                );
            }
            6 => {
                let _ = writeln!(
                    out,
                    "  {name} = callPackage {dir} {{\n    extraPackages = [ {} {} pkgs.{} ];\n    version = \"${{lib.versions.major {}.version}}.{}\";\n  }};",
                    rng.pick(WORDS),
                    rng.pick(WORDS),
                    rng.pick(WORDS),
                    rng.pick(WORDS),
                    rng.below(10)
                );
            }
            7 => {
                let _ = writeln!(
                    out,
                    "  {name} = if stdenv.hostPlatform.isLinux then callPackage {dir} {{ }} else {}-bin;",
                    rng.pick(WORDS)
                );
            }
            8 => {
                let _ = writeln!(
                    out,
                    "  {name} = let\n    base = callPackage {dir} {{ }};\n  in base.overrideAttrs (old: {{\n    patches = (old.patches or [ ]) ++ [ ./patches/{name}.patch ];\n  }});"
                );
            }
            9 => {
                let _ = writeln!(
                    out,
                    "  /* Kept for compatibility; see {dir}. */\n  {name} = {};",
                    rng.pick(WORDS)
                );
            }
            10 => {
                let _ = writeln!(
                    out,
                    "  {name} = writeShellScriptBin \"{name}\" ''\n    exec ${{{}}}/bin/{} \"$@\"\n  '';",
                    rng.pick(WORDS),
                    rng.pick(WORDS)
                );
            }
            _ => {
                let _ = writeln!(out, "  {name} = callPackage {dir} {{ }};");
            }
        }
        idx += 1;
    }
    out.push_str("}\n");
    out
}

const TOPICS: &[&str] = &[
    "networking",
    "audio",
    "desktop",
    "fonts",
    "users",
    "nix-settings",
    "boot",
    "security",
    "virtualisation",
    "printing",
    "bluetooth",
    "ssh",
    "firewall",
    "locale",
    "gaming",
    "dev-tools",
];

/// A flake configuration: `flake.nix` (inputs nixpkgs, nixpkgs-unstable and home-manager; one
/// `nixosSystem` with `specialArgs = { inherit inputs pkgs-unstable; }` and the home-manager
/// module with `extraSpecialArgs`), a host, a home-manager configuration, `flake.lock`, and
/// `n_modules` modules under `modules/` importing each other as a tree (each `default.nix`
/// imports up to four children; leaves are `{ config, lib, pkgs, inputs, ... }: { … }` with
/// realistic option settings). Paths are relative to the flake's root.
pub fn module_flake(n_modules: usize) -> Vec<(String, String)> {
    let mut files = vec![
        ("flake.nix".to_owned(), FLAKE_NIX.to_owned()),
        ("flake.lock".to_owned(), FLAKE_LOCK.to_owned()),
        (
            "hosts/workstation/default.nix".to_owned(),
            HOST_NIX.to_owned(),
        ),
        (
            "hosts/workstation/hardware-configuration.nix".to_owned(),
            HARDWARE_NIX.to_owned(),
        ),
        ("home/default.nix".to_owned(), HOME_NIX.to_owned()),
        ("home/shell.nix".to_owned(), HOME_SHELL_NIX.to_owned()),
    ];
    if n_modules == 0 {
        files.push((
            "modules/default.nix".to_owned(),
            "{ ... }:\n{\n  imports = [ ];\n}\n".to_owned(),
        ));
        return files;
    }
    // Module 0 is `modules/default.nix`; module `i > 0` is a child of `(i - 1) / 4`.
    let children = |i: usize| 4 * i + 1..(4 * i + 5).min(n_modules);
    let is_dir = |i: usize| 4 * i + 1 < n_modules;
    let mut paths = vec![String::new(); n_modules];
    paths[0] = "modules".to_owned();
    for i in 1..n_modules {
        let parent = &paths[(i - 1) / 4];
        let topic = TOPICS[i % TOPICS.len()];
        paths[i] = format!("{parent}/{topic}-{i}");
    }
    for i in 0..n_modules {
        if is_dir(i) {
            let imports: Vec<String> = children(i)
                .map(|c| {
                    let name = paths[c].rsplit('/').next().unwrap_or_default().to_owned();
                    if is_dir(c) {
                        format!("./{name}")
                    } else {
                        format!("./{name}.nix")
                    }
                })
                .collect();
            let text = format!(
                "{{ ... }}:\n{{\n  imports = [\n    {}\n  ];\n}}\n",
                imports.join("\n    ")
            );
            files.push((format!("{}/default.nix", paths[i]), text));
        } else {
            files.push((format!("{}.nix", paths[i]), leaf_module(i)));
        }
    }
    files
}

/// One leaf module; the shape cycles through common kinds of NixOS configuration.
fn leaf_module(i: usize) -> String {
    let head = "{ config, lib, pkgs, inputs, ... }:";
    match i % 7 {
        0 => format!(
            "{head}\n{{\n  networking.hostName = \"host-{i}\";\n  networking.networkmanager.enable = true;\n  networking.firewall.allowedTCPPorts = [ 22 80 443 ];\n}}\n"
        ),
        1 => format!(
            "{head}\nlet\n  cfg = config.my.service{i};\nin\n{{\n  options.my.service{i}.enable = lib.mkEnableOption \"service {i}\";\n\n  config = lib.mkIf cfg.enable {{\n    systemd.services.svc{i} = {{\n      wantedBy = [ \"multi-user.target\" ];\n      serviceConfig.ExecStart = \"${{pkgs.hello}}/bin/hello --greeting=${{toString {i}}}\";\n    }};\n  }};\n}}\n"
        ),
        2 => format!(
            "{head}\n{{\n  nix.registry.nixpkgs.flake = inputs.nixpkgs;\n  nix.nixPath = [ \"nixpkgs=${{inputs.nixpkgs}}\" ];\n  nix.settings.experimental-features = [ \"nix-command\" \"flakes\" ];\n  nix.gc = {{ automatic = true; dates = \"weekly\"; options = \"--delete-older-than {}d\"; }};\n}}\n",
            7 + i % 30
        ),
        3 => "{ config, lib, pkgs, inputs, pkgs-unstable, ... }:\n{\n  environment.systemPackages = with pkgs; [\n    git\n    vim\n    ripgrep\n  ] ++ [ pkgs-unstable.neovim ];\n}\n".to_owned(),
        4 => format!(
            "{head}\n{{\n  users.users.user{i} = {{\n    isNormalUser = true;\n    extraGroups = [ \"wheel\" \"networkmanager\" ];\n    shell = pkgs.zsh;\n  }};\n  programs.zsh.enable = lib.mkDefault true;\n}}\n"
        ),
        5 => format!(
            "{head}\n{{\n  fonts.packages = with pkgs; [ noto-fonts noto-fonts-emoji ];\n  i18n.defaultLocale = \"en_US.UTF-8\";\n  time.timeZone = lib.mkForce \"Europe/Berlin\"; # module {i}\n}}\n"
        ),
        _ => format!(
            "{head}\n{{\n  nixpkgs.config.allowUnfreePredicate = pkg:\n    builtins.elem (lib.getName pkg) [ \"steam\" \"steam-original\" ];\n  programs.steam.enable = config.networking.hostName != \"server-{i}\";\n  hardware.bluetooth.enable = true;\n}}\n"
        ),
    }
}

const FLAKE_NIX: &str = r#"{
  description = "NixOS configuration";

  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.05";
    nixpkgs-unstable.url = "github:NixOS/nixpkgs/nixos-unstable";
    home-manager = {
      url = "github:nix-community/home-manager/release-24.05";
      inputs.nixpkgs.follows = "nixpkgs";
    };
  };

  outputs = { self, nixpkgs, nixpkgs-unstable, home-manager, ... }@inputs:
    let
      system = "x86_64-linux";
      pkgs-unstable = import nixpkgs-unstable {
        inherit system;
        config.allowUnfree = true;
      };
    in
    {
      nixosConfigurations.workstation = nixpkgs.lib.nixosSystem {
        inherit system;
        specialArgs = { inherit inputs pkgs-unstable; };
        modules = [
          ./hosts/workstation
          home-manager.nixosModules.home-manager
          {
            home-manager.useGlobalPkgs = true;
            home-manager.useUserPackages = true;
            home-manager.extraSpecialArgs = { inherit inputs pkgs-unstable; };
            home-manager.users.alice = import ./home;
          }
        ];
      };
    };
}
"#;

const HOST_NIX: &str = r#"{ config, pkgs, ... }:
{
  imports = [
    ./hardware-configuration.nix
    ../../modules
  ];

  boot.loader.systemd-boot.enable = true;
  boot.loader.efi.canTouchEfiVariables = true;
  system.stateVersion = "24.05";
}
"#;

const HARDWARE_NIX: &str = r#"{ config, lib, pkgs, modulesPath, ... }:
{
  imports = [ (modulesPath + "/installer/scan/not-detected.nix") ];

  boot.initrd.availableKernelModules = [ "xhci_pci" "nvme" "usb_storage" "sd_mod" ];
  fileSystems."/" = {
    device = "/dev/disk/by-uuid/5e1f0a4c-2b8e-4c5e-9f43-0c1d2e3f4a5b";
    fsType = "ext4";
  };
  nixpkgs.hostPlatform = lib.mkDefault "x86_64-linux";
}
"#;

const HOME_NIX: &str = r#"{ config, pkgs, inputs, pkgs-unstable, ... }:
{
  imports = [ ./shell.nix ];

  home.username = "alice";
  home.homeDirectory = "/home/alice";
  home.packages = [ pkgs.htop pkgs-unstable.helix ];
  programs.git = {
    enable = true;
    userName = "Alice";
    userEmail = "alice@example.org";
  };
  home.stateVersion = "24.05";
}
"#;

const HOME_SHELL_NIX: &str = r#"{ config, lib, pkgs, ... }:
{
  programs.zsh = {
    enable = true;
    shellAliases.ll = "ls -l";
    initExtra = ''
      export EDITOR=${pkgs.vim}/bin/vim
    '';
  };
}
"#;

const FLAKE_LOCK: &str = r#"{
  "nodes": {
    "home-manager": {
      "inputs": {
        "nixpkgs": [
          "nixpkgs"
        ]
      },
      "locked": {
        "lastModified": 1719677234,
        "narHash": "sha256-qO9WZsj/0E6zcK4Ht1GPMBvhmTZLNVC8CBTp4HY1xDg=",
        "owner": "nix-community",
        "repo": "home-manager",
        "rev": "a9a5a5de3e8b6e8b8b4a9f7c1d2e3f4a5b6c7d8e",
        "type": "github"
      },
      "original": {
        "owner": "nix-community",
        "ref": "release-24.05",
        "repo": "home-manager",
        "type": "github"
      }
    },
    "nixpkgs": {
      "locked": {
        "lastModified": 1719506693,
        "narHash": "sha256-C8e9S7RzshSdHB7L+v9I51af1gDM5unhJ2xO1ywxNH8=",
        "owner": "NixOS",
        "repo": "nixpkgs",
        "rev": "b2852eb9365c6de48ffb0dc2c9562591f652242a",
        "type": "github"
      },
      "original": {
        "owner": "NixOS",
        "ref": "nixos-24.05",
        "repo": "nixpkgs",
        "type": "github"
      }
    },
    "nixpkgs-unstable": {
      "locked": {
        "lastModified": 1719690277,
        "narHash": "sha256-0xSej1g7eP2kaUF+JQp8jdyNmpmCJKRpO12mKl/36Kc=",
        "owner": "NixOS",
        "repo": "nixpkgs",
        "rev": "2741b4b489b55df32afac57bc4bfd220e8bf617e",
        "type": "github"
      },
      "original": {
        "owner": "NixOS",
        "ref": "nixos-unstable",
        "repo": "nixpkgs",
        "type": "github"
      }
    },
    "root": {
      "inputs": {
        "home-manager": "home-manager",
        "nixpkgs": "nixpkgs",
        "nixpkgs-unstable": "nixpkgs-unstable"
      }
    }
  },
  "root": "root",
  "version": 7
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generators_are_deterministic() {
        assert_eq!(all_packages_like(50_000), all_packages_like(50_000));
        assert_eq!(module_flake(30), module_flake(30));
    }

    #[test]
    fn all_packages_reaches_its_size() {
        let text = all_packages_like(1_500_000);
        assert!(
            (1_500_000..1_510_000).contains(&text.len()),
            "{}",
            text.len()
        );
    }

    #[test]
    fn module_tree_imports_every_module_once() {
        let files = module_flake(40);
        let modules: Vec<&(String, String)> = files
            .iter()
            .filter(|(p, _)| p.starts_with("modules/"))
            .collect();
        assert_eq!(modules.len(), 40);
        // Every module except the root is imported by exactly one `default.nix`.
        for (path, _) in &modules[1..] {
            let dir = path
                .trim_end_matches("/default.nix")
                .trim_end_matches(".nix");
            let (parent, name) = dir.rsplit_once('/').unwrap();
            let parent_file = format!("{parent}/default.nix");
            let parent_text = &files.iter().find(|(p, _)| *p == parent_file).unwrap().1;
            let import = if path.ends_with("/default.nix") {
                format!("./{name}\n")
            } else {
                format!("./{name}.nix")
            };
            assert_eq!(
                parent_text.matches(&import).count(),
                1,
                "{path} in {parent_file}"
            );
        }
        assert!(
            files
                .iter()
                .any(|(p, t)| p == "flake.lock" && t.contains("\"version\": 7"))
        );
    }
}
