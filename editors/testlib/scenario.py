"""What the editor tests ask of the example flake. Edit this table to extend every editor's test.

Positions are given by text: the `occurrence`-th (1-based) match of `token` in `file`, cursor on
its first character plus `offset`. With `required: False` an empty server answer is reported as
SKIP with the reason (for a feature still being written); with `required: True` it fails.
"""

EXAMPLE = "seed-flake"

# Files added to the copy of the example:
# - a syntax error the server must report in every editor;
# - a second, nested flake whose configuration has only local modules, so that its module
#   arguments can be renamed across files (in the seed flake the server rightly refuses: the
#   sops-nix module may use any argument).
EXTRA_FILES = {
    "broken.nix": "{ pkgs, ... }:\n{\n  environment.systemPackages = [ pkgs.hello\n}\n",
    "rename-demo/flake.nix": """{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-25.05";
  outputs = { self, nixpkgs, ... }:
    let
      greeting = "hello";
    in
    {
      nixosConfigurations.box = nixpkgs.lib.nixosSystem {
        system = "x86_64-linux";
        specialArgs = { inherit greeting; };
        modules = [ ./motd.nix ./users.nix ];
      };
    };
}
""",
    "rename-demo/motd.nix": "{ config, greeting, ... }:\n{\n  environment.etc.motd.text = greeting;\n}\n",
    "rename-demo/users.nix": "{ pkgs, greeting, ... }:\n{\n  users.motd = greeting;\n}\n",
}

# Codes that must appear (file, code) in the CLI's JSON and therefore in every editor; a missing
# one fails every editor test (the example exists to show them).
REQUIRED_CODES = [
    ("broken.nix", "syntax-error"),
    ("home.nix", "missing-module-argument"),
    ("home.nix", "unfree-package"),
]

HOVER = [
    # Module arguments: the hover tells where the value comes from.
    {"id": "hover-specialarg", "file": "configuration.nix", "token": "pkgs-unstable", "occurrence": 1,
     "contains": ["specialArgs", "flake.nix:35"], "required": True},
    {"id": "hover-extraspecialarg", "file": "home.nix", "token": "inputs", "occurrence": 1,
     "contains": ["extraSpecialArgs"], "required": True},
    {"id": "hover-missing", "file": "home.nix", "token": "pkgs-unstable", "occurrence": 1,
     "contains": ["not provided"], "required": True},
]

DEFINITION = [
    # A module argument's definition is where the configuration provides it, in another file.
    {"id": "def-specialarg", "file": "configuration.nix", "token": "pkgs-unstable", "occurrence": 2,
     "target_file": "flake.nix", "required": True},
]

RENAME = [
    # Renaming a specialArgs argument edits both modules and the specialArgs in flake.nix.
    {"id": "rename-specialarg", "file": "rename-demo/motd.nix", "token": "greeting", "occurrence": 1,
     "new_name": "banner", "min_files": 3, "required": True},
]

COMPLETION = [
    # In a home-manager module's argument pattern: the arguments it can take.
    {"id": "complete-arg", "file": "home.nix", "token": "...", "occurrence": 1,
     "offset": 0, "expect_labels": ["osConfig", "lib"], "required": True},
]
