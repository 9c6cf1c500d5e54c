//! The public API other layers call (contexts, `pkgs` sources, value origins), on an in-memory
//! set of files.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use base::{FileId, FileRange, VfsPath};
use modules::{FileSummary, Files, SummaryCache};
use syntax::Parse;

struct Mem {
    paths: Vec<VfsPath>,
    texts: Vec<Arc<str>>,
    existing: BTreeSet<VfsPath>,
    cache: SummaryCache,
    parses: std::sync::Mutex<std::collections::HashMap<usize, (Arc<str>, Parse)>>,
    ids: std::collections::HashMap<VfsPath, FileId>,
}

impl Mem {
    /// `#- /path` headers, as in the ide fixtures.
    fn new(fixture: &str) -> Mem {
        let mut files: BTreeMap<String, String> = BTreeMap::new();
        let mut current: Option<String> = None;
        for line in fixture.lines() {
            if let Some(path) = line.strip_prefix("#- ") {
                current = Some(path.trim().to_owned());
                files.insert(path.trim().to_owned(), String::new());
            } else if let Some(c) = &current {
                let text = files.get_mut(c).expect("current file");
                text.push_str(line);
                text.push('\n');
            }
        }
        let mut existing = BTreeSet::new();
        for p in files.keys() {
            let mut d = VfsPath::new(p).parent();
            while let Some(dir) = d {
                d = dir.parent();
                existing.insert(dir);
            }
            existing.insert(VfsPath::new(p));
        }
        Mem {
            paths: files.keys().map(VfsPath::new).collect(),
            texts: files.values().map(|t| Arc::from(t.as_str())).collect(),
            existing,
            cache: SummaryCache::new(),
            parses: Default::default(),
            ids: files
                .keys()
                .enumerate()
                .map(|(i, p)| (VfsPath::new(p), FileId(i as u32)))
                .collect(),
        }
    }

    fn id(&self, path: &str) -> FileId {
        self.file_id(&VfsPath::new(path)).expect("known file")
    }

    fn show(&self, r: FileRange) -> String {
        let text = &self.texts[r.file_id.0 as usize];
        format!("{}:`{}`", self.paths[r.file_id.0 as usize], &text[r.range])
    }
}

impl Files for Mem {
    fn files(&self) -> Vec<FileId> {
        (0..self.paths.len() as u32).map(FileId).collect()
    }
    fn file_id(&self, path: &VfsPath) -> Option<FileId> {
        self.ids.get(path).copied()
    }
    fn path(&self, file: FileId) -> VfsPath {
        self.paths[file.0 as usize].clone()
    }
    fn text(&self, file: FileId) -> Arc<str> {
        Arc::clone(&self.texts[file.0 as usize])
    }
    fn parse(&self, file: FileId) -> Parse {
        // Parses are cached per text, as the ide's database does.
        let text = &self.texts[file.0 as usize];
        let mut parses = self.parses.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((t, p)) = parses.get(&(file.0 as usize))
            && Arc::ptr_eq(t, text)
        {
            return p.clone();
        }
        let p = syntax::parse(text);
        parses.insert(file.0 as usize, (Arc::clone(text), p.clone()));
        p
    }
    fn summary(&self, file: FileId) -> Arc<FileSummary> {
        self.cache.get(&self.texts[file.0 as usize], || {
            self.parse(file).syntax_node()
        })
    }
    fn has_existence_info(&self) -> bool {
        true
    }
    fn exists(&self, path: &VfsPath) -> bool {
        self.existing.contains(path)
    }
    fn is_dir(&self, path: &VfsPath) -> bool {
        self.existing
            .range((std::ops::Bound::Excluded(path), std::ops::Bound::Unbounded))
            .next()
            .is_some_and(|p| p.as_path().starts_with(path.as_path()))
    }
    fn is_in_workspace(&self, _path: &VfsPath) -> bool {
        true
    }
    fn display_path(&self, file: FileId) -> String {
        self.paths[file.0 as usize].to_string()
    }
}

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
    let files = Mem::new(FLAKE);
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
    let files = Mem::new(FLAKE);
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
    let files = Mem::new(&fixture);
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
    let files = Mem::new(&fixture);
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
