//! The module analysis alone on a 200-module flake (no other layer): cold analysis, and an edit
//! of one leaf module (re-summarise that file, rebuild the graph and all module diagnostics).
//! Run with `cargo bench -p modules --bench graph`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Instant;

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

#[allow(dead_code)]
impl Mem {
    #[allow(dead_code)]
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

/// A flake with 4 NixOS hosts, a home-manager user per host and `n` modules in chains.
fn workload(n: usize) -> Vec<(String, String)> {
    let mut files = Vec::new();
    let hosts = ["a", "b", "c", "d"];
    let mut flake = String::from(
        "{\n  inputs.nixpkgs.url = \"github:NixOS/nixpkgs\";\n  inputs.home-manager.url = \"github:nix-community/home-manager\";\n  outputs = { self, nixpkgs, home-manager, ... }@inputs: let\n    mkHost = name: nixpkgs.lib.nixosSystem {\n      specialArgs = { inherit inputs; hostName = name; };\n      modules = [ home-manager.nixosModules.home-manager (./hosts + \"/${name}.nix\") ];\n    };\n  in {\n    nixosConfigurations = nixpkgs.lib.genAttrs [ ",
    );
    for h in hosts {
        flake.push_str(&format!("\"{h}\" "));
    }
    flake.push_str("] mkHost;\n  };\n}\n");
    files.push(("/w/flake.nix".to_owned(), flake));
    let per_host = n / hosts.len();
    for (i, h) in hosts.iter().enumerate() {
        let first = i * per_host;
        files.push((
            format!("/w/hosts/{h}.nix"),
            format!(
                "{{ inputs, lib, ... }}: {{\n  imports = [ ../modules/m{first}.nix ];\n  home-manager.extraSpecialArgs = {{ inherit inputs; }};\n  home-manager.users.u{i} = ../home/h{i}.nix;\n}}\n"
            ),
        ));
        files.push((
            format!("/w/home/h{i}.nix"),
            "{ pkgs, inputs, osConfig, ... }: { home.packages = [ pkgs.hello ]; }\n".to_owned(),
        ));
        for k in first..first + per_host {
            let next = if k + 1 < first + per_host {
                format!("./m{}.nix", k + 1)
            } else {
                String::new()
            };
            files.push((
                format!("/w/modules/m{k}.nix"),
                format!(
                    "{{ config, lib, pkgs, inputs, hostName, ... }}:\nlet cfg = config.services.m{k}; in {{\n  imports = [ {next} ];\n  options.services.m{k}.enable = lib.mkEnableOption \"m{k}\";\n  config = lib.mkIf cfg.enable {{\n    environment.systemPackages = [ pkgs.hello ];\n    networking.hostName = lib.mkDefault hostName;\n    environment.etc.\"m{k}\".text = builtins.toJSON {{ inherit (inputs) self; }};\n  }};\n}}\n"
                ),
            ));
        }
    }
    files
}

fn main() {
    let files = workload(200);
    let fixture: String = files.iter().map(|(p, t)| format!("#- {p}\n{t}")).collect();
    let mut mem = Mem::new(&fixture);
    let mut cold = Vec::new();
    for i in 0..10 {
        if i > 0 {
            mem.cache = SummaryCache::new();
        }
        let start = Instant::now();
        let analysis = modules::analyze(&mem);
        cold.push(start.elapsed());
        assert!(analysis.graph.contexts.len() >= 8, "hosts and users found");
    }
    cold.sort();
    println!(
        "modules cold analysis (200 modules, empty summary cache): median {:?}, max {:?}",
        cold[cold.len() / 2],
        cold[cold.len() - 1]
    );

    let leaf = mem.id("/w/modules/m49.nix");
    let _ = modules::analyze(&mem);
    let mut times = Vec::new();
    for i in 0..300 {
        let old = mem.texts[leaf.0 as usize].to_string();
        let new = if i % 2 == 0 {
            old.replace("[ pkgs.hello ]", "[  pkgs.hello ]")
        } else {
            old.replace("[  pkgs.hello ]", "[ pkgs.hello ]")
        };
        mem.texts[leaf.0 as usize] = Arc::from(new.as_str());
        let start = Instant::now();
        let analysis = modules::analyze(&mem);
        let _ = analysis.diagnostics(leaf);
        times.push(start.elapsed());
    }
    times.sort();
    let pct = |p: f64| times[((times.len() as f64 - 1.0) * p).round() as usize];
    println!(
        "modules edit leaf -> analysis + diagnostics: p50 {:?}, p99 {:?}, max {:?}",
        pct(0.5),
        pct(0.99),
        times[times.len() - 1]
    );
}
