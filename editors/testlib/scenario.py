"""What the editor tests ask of the example flake. Edit this table to extend every editor's test.

Positions are given by text: the `occurrence`-th (1-based) match of `token` in `file`, cursor on
its first character plus `offset`. Features whose server answer is still empty are reported as
SKIP with the reason; once a feature has landed, set `required: True` so that an empty answer fails.
"""

EXAMPLE = "seed-flake"

# Files added to the copy of the example: a syntax error the server must report in every editor.
EXTRA_FILES = {
    "broken.nix": "{ pkgs, ... }:\n{\n  environment.systemPackages = [ pkgs.hello\n}\n",
}

# Codes that must appear (file, code) in the CLI's JSON and therefore in every editor.
REQUIRED_CODES = [
    ("broken.nix", "syntax-error"),
    ("home.nix", "missing-module-argument"),
    ("*", "unfree-package"),
]

HOVER = [
    # Module arguments: the hover tells where the value comes from (specialArgs in flake.nix for
    # NixOS modules, extraSpecialArgs for home-manager modules).
    {"id": "hover-specialarg", "file": "configuration.nix", "token": "pkgs-unstable", "occurrence": 1,
     "contains": [], "required": False},
    {"id": "hover-extraspecialarg", "file": "home.nix", "token": "inputs", "occurrence": 1,
     "contains": [], "required": False},
]

DEFINITION = [
    # A module argument's definition is where the configuration provides it, in another file.
    {"id": "def-specialarg", "file": "configuration.nix", "token": "pkgs-unstable", "occurrence": 2,
     "target_file": "flake.nix", "required": False},
]

RENAME = [
    # Renaming a specialArgs argument edits the module and flake.nix.
    {"id": "rename-specialarg", "file": "configuration.nix", "token": "pkgs-unstable", "occurrence": 1,
     "new_name": "unstable", "min_files": 2, "required": False},
]

COMPLETION = [
    # Inside a module's body: the module's arguments are offered.
    {"id": "complete-arg", "file": "home.nix", "token": "pkgs.git", "occurrence": 1,
     "offset": 0, "expect_labels": [], "required": False},
]
