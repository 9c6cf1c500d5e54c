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
