//! Snapshot tests of the flake.nix model: inputs in every form, outputs patterns, uses.

use expect_test::{Expect, expect};

use crate::FlakeModel;

/// Renders the model compactly: one line per input, formal, use, escape and problem.
fn render(text: &str) -> String {
    let model = FlakeModel::from_text(text);
    let mut out = String::new();
    let snippet = |r: syntax::TextRange| &text[r];
    for input in &model.inputs {
        out.push_str(&format!("input {}", input.name));
        if input.implicit {
            out.push_str(" (implicit)");
        }
        let spec = &input.spec;
        if let Some(url) = &spec.url {
            out.push_str(&format!(" url={}", url.value));
        }
        for (k, v) in &spec.ref_attrs {
            out.push_str(&format!(" {}={}", k.value, v.value));
        }
        if let Some(flake) = &spec.flake {
            out.push_str(&format!(" flake={}", flake.value));
        }
        if let Some(follows) = &spec.follows {
            out.push_str(&format!(" follows={:?}", follows.display()));
        }
        if spec.invalid {
            out.push_str(" INVALID");
        }
        match input.flake_ref() {
            Some(Ok(r)) => out.push_str(&format!(" ref={r}")),
            Some(Err(e)) => out.push_str(&format!(" ref-error={}", e.0)),
            None => {}
        }
        let names: Vec<&str> = input.name_ranges.iter().map(|r| snippet(*r)).collect();
        out.push_str(&format!(" names={names:?}\n"));
        for nested in &spec.inputs {
            out.push_str(&format!("  nested {}", nested.name));
            if let Some(follows) = &nested.spec.follows {
                out.push_str(&format!(" follows={:?}", follows.display()));
            }
            if let Some(url) = &nested.spec.url {
                out.push_str(&format!(" url={}", url.value));
            }
            out.push('\n');
        }
    }
    if let Some(outputs) = &model.outputs {
        match &outputs.param {
            Some(param) => {
                let formals: Vec<String> = param
                    .formals
                    .iter()
                    .map(|f| {
                        if f.has_default {
                            format!("{}?", f.name)
                        } else {
                            f.name.clone()
                        }
                    })
                    .collect();
                out.push_str(&format!(
                    "outputs formals={formals:?} ellipsis={} binding={:?}\n",
                    param.ellipsis,
                    param.binding.as_ref().map(|b| &b.value)
                ));
            }
            None => out.push_str("outputs (not a function literal)\n"),
        }
    }
    for u in &model.uses.uses {
        out.push_str(&format!(
            "use {} at {:?}{}\n",
            u.name,
            snippet(u.range),
            if u.guarded { " (guarded)" } else { "" }
        ));
    }
    for e in &model.uses.escapes {
        out.push_str(&format!("escape {:?}\n", snippet(*e)));
    }
    for p in &model.problems {
        out.push_str(&format!("problem {:?}: {}\n", snippet(p.range), p.message));
    }
    for d in &model.duplicates {
        out.push_str(&format!("duplicate {} at {:?}\n", d.path, snippet(d.range)));
    }
    if model.inputs_incomplete {
        out.push_str("inputs incomplete\n");
    }
    out
}

fn check(text: &str, expect: Expect) {
    expect.assert_eq(&render(text));
}

#[test]
fn inputs_every_form() {
    check(
        r#"{
  description = "x";
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  inputs = {
    hm = { url = "github:nix-community/home-manager"; inputs.nixpkgs.follows = "nixpkgs"; };
    src = { url = "git+https://example.org/src.git?ref=main"; flake = false; };
    utils.url = ''github:numtide/flake-utils'';
  };
  inputs.attrs = { type = "github"; owner = "o"; repo = "r"; ref = "dev"; };
  inputs.alias.follows = "hm/nixpkgs";
  inputs.gone.follows = "";
  inputs.reg.url = "nixpkgs";
  inputs.onlynested.inputs.nixpkgs.follows = "nixpkgs";
  nixConfig.extra-substituters = [ "https://x" ];
  outputs = { self, nixpkgs, ... }@inputs: { };
}"#,
        expect![[r#"
            input nixpkgs url=github:NixOS/nixpkgs/nixos-unstable ref=github:NixOS/nixpkgs/nixos-unstable names=["nixpkgs"]
            input hm url=github:nix-community/home-manager ref=github:nix-community/home-manager names=["hm"]
              nested nixpkgs follows="nixpkgs"
            input src url=git+https://example.org/src.git?ref=main flake=false ref=git+https://example.org/src.git?ref=main names=["src"]
            input utils url=github:numtide/flake-utils ref=github:numtide/flake-utils names=["utils"]
            input attrs type=github owner=o repo=r ref=dev ref=github:o/r/dev names=["attrs"]
            input alias follows="hm/nixpkgs" names=["alias"]
            input gone follows="" names=["gone"]
            input reg url=nixpkgs ref=flake:nixpkgs names=["reg"]
            input onlynested ref=flake:onlynested names=["onlynested"]
              nested nixpkgs follows="nixpkgs"
            outputs formals=["self", "nixpkgs"] ellipsis=true binding=Some("inputs")
        "#]],
    );
}

#[test]
fn uses_through_every_binding() {
    check(
        r#"{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  inputs.a.url = "github:o/a";
  inputs.b.url = "github:o/b";
  inputs.c.url = "github:o/c";
  inputs.d.url = "github:o/d";
  inputs.e.url = "github:o/e";
  outputs = { self, nixpkgs, ... }@inputs:
    let
      np = inputs.nixpkgs;
      inherit (inputs) a;
      all = inputs;
      sb = self.inputs.b;
    in {
      x = np.lib;
      y = a.packages;
      z = all.c;
      w = self.inputs.d.x or null;
      v = inputs."e";
      pkgs = nixpkgs.legacyPackages;
      out = "${self}";
      p = self.packages;
    };
}"#,
        expect![[r#"
            input nixpkgs url=github:NixOS/nixpkgs ref=github:NixOS/nixpkgs names=["nixpkgs"]
            input a url=github:o/a ref=github:o/a names=["a"]
            input b url=github:o/b ref=github:o/b names=["b"]
            input c url=github:o/c ref=github:o/c names=["c"]
            input d url=github:o/d ref=github:o/d names=["d"]
            input e url=github:o/e ref=github:o/e names=["e"]
            outputs formals=["self", "nixpkgs"] ellipsis=true binding=Some("inputs")
            use nixpkgs at "nixpkgs"
            use a at "a"
            use b at "b"
            use nixpkgs at "np"
            use a at "a"
            use c at "c"
            use d at "d" (guarded)
            use e at "\"e\""
            use nixpkgs at "nixpkgs"
        "#]],
    );
}

#[test]
fn escapes() {
    check(
        r#"{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  outputs = { self, ... }@inputs: {
    nixosConfigurations.x = nixpkgs.lib.nixosSystem { specialArgs = { inherit inputs; }; };
    a = f inputs;
    b = with inputs; nixpkgs;
    c = inputs.${name};
    d = import ./x.nix { inherit self; };
    e = self // { };
  };
}"#,
        expect![[r#"
            input nixpkgs url=github:NixOS/nixpkgs ref=github:NixOS/nixpkgs names=["nixpkgs"]
            outputs formals=["self"] ellipsis=true binding=Some("inputs")
            escape "inputs"
            escape "inputs"
            escape "inputs"
            escape "inputs.${name}"
            escape "self"
            escape "self"
        "#]],
    );
}

#[test]
fn shadowing_and_plain_param() {
    check(
        r#"{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  outputs = inputs: let nixpkgs = 1; f = inputs: inputs.foo; in {
    a = nixpkgs;
    b = inputs.nixpkgs;
    c = inputs ? nixpkgs;
  };
}"#,
        expect![[r#"
            input nixpkgs url=github:NixOS/nixpkgs ref=github:NixOS/nixpkgs names=["nixpkgs"]
            outputs formals=[] ellipsis=false binding=Some("inputs")
            use nixpkgs at "nixpkgs" (guarded)
        "#]],
    );
}

#[test]
fn implicit_and_default_formals() {
    check(
        r#"{
  outputs = { self, nixpkgs, extra ? null }: { x = nixpkgs; };
}"#,
        expect![[r#"
            input nixpkgs (implicit) ref=flake:nixpkgs names=[]
            input extra (implicit) ref=flake:extra names=[]
            outputs formals=["self", "nixpkgs", "extra?"] ellipsis=false binding=None
            use nixpkgs at "nixpkgs"
        "#]],
    );
}

#[test]
fn structure_problems() {
    check(
        r#"{
  description = 1;
  inputs.a = "github:o/a";
  inputs.b.url = "github:${x}";
  inputs.c.flake = "no";
  inputs.d.url.x = "y";
  inputs.e.url = "github:o/e";
  inputs.e.url = "github:o/f";
  foo = 1;
  outputs = import ./outputs.nix;
}"#,
        expect![[r#"
            input a INVALID ref=flake:a names=["a"]
            input b INVALID ref=flake:b names=["b"]
            input c ref=flake:c names=["c"]
            input d ref=flake:d names=["d"]
            input e url=github:o/e ref=github:o/e names=["e"]
            outputs (not a function literal)
            escape "import ./outputs.nix"
            problem "1": `description` must be a string literal (Nix reads it without evaluating).
            problem "foo": `foo` is not a flake attribute; `flake.nix` may only define `description`, `inputs`, `outputs` and `nixConfig`.
            problem "import ./outputs.nix": `outputs` must be a function written in `flake.nix` (Nix does not evaluate a call here); write `outputs = inputs: (…) inputs;`.
            problem "\"github:o/a\"": An input must be an attribute set such as `{ url = "github:o/a"; }`.
            problem "\"github:${x}\"": `url` must be a string literal without `${…}`; Nix reads it without evaluating.
            problem "\"no\"": `flake` must be `true` or `false`.
            problem "url": `url` of an input is a single value, not an attribute set.
            duplicate inputs.e.url at "url"
        "#]],
    );
    check(
        "inputs: { }",
        expect![[r#"
        problem "inputs: { }": `flake.nix` must be an attribute set, not a function.
    "#]],
    );
    check(
        r#"{ inputs = import ./inputs.nix; outputs = _: { }; }"#,
        expect![[r#"
        outputs formals=[] ellipsis=false binding=Some("_")
        problem "import ./inputs.nix": `inputs` must be an attribute set written in `flake.nix`; Nix does not evaluate it.
        inputs incomplete
    "#]],
    );
    check(
        r#"let x = 1; in { outputs = { self }: { }; }"#,
        expect![[r#"
            outputs formals=["self"] ellipsis=false binding=None
            problem "let": `flake.nix` must be an attribute set written directly, not under `let … in`; Nix does not evaluate it.
        "#]],
    );
    check(
        r#"{ outputs = { self }: { }; outputs = 1; }"#,
        expect![[r#"
        outputs formals=["self"] ellipsis=false binding=None
        problem "outputs": `outputs` is defined twice.
    "#]],
    );
    check("{ inputs.", expect![[r#""#]]);
}

#[test]
fn literal_merging_follows_nix() {
    // Checked with Nix 2.8: a literal merged after a dotted path may not repeat its keys…
    check(
        r#"{ inputs.a.url = "path:./a"; inputs = { a.flake = true; }; outputs = { self, a }: { }; }"#,
        expect![[r#"
            input a url=path:./a ref=path:./a names=["a"]
            outputs formals=["self", "a"] ellipsis=false binding=None
            duplicate inputs.a at "a"
        "#]],
    );
    // …while the other order, and disjoint literals, are fine.
    check(
        r#"{ inputs = { a.flake = true; }; inputs.a.url = "path:./a"; outputs = { self, a }: { }; }"#,
        expect![[r#"
            input a url=path:./a flake=true ref=path:./a names=["a", "a"]
            outputs formals=["self", "a"] ellipsis=false binding=None
        "#]],
    );
    check(
        r#"{ inputs.a = { url = "path:./a"; }; inputs.a = { flake = true; }; outputs = { self, a }: { }; }"#,
        expect![[r#"
            input a url=path:./a flake=true ref=path:./a names=["a", "a"]
            outputs formals=["self", "a"] ellipsis=false binding=None
        "#]],
    );
    check(
        r#"{ inputs.a = { url = "path:./a"; }; inputs.a = { url = "path:./b"; }; outputs = { self, a }: { }; }"#,
        expect![[r#"
            input a url=path:./a ref=path:./a names=["a", "a"]
            outputs formals=["self", "a"] ellipsis=false binding=None
            duplicate inputs.a.url at "url"
        "#]],
    );
}

#[test]
fn rec_sets_bind() {
    check(
        r#"{
  inputs.a.url = "github:o/a";
  outputs = { self, ... }@inputs: rec { x = inputs.a; y = x; z = { w = y; }; };
}"#,
        expect![[r#"
            input a url=github:o/a ref=github:o/a names=["a"]
            outputs formals=["self"] ellipsis=true binding=Some("inputs")
            use a at "a"
            use a at "x"
            use a at "y"
        "#]],
    );
}
