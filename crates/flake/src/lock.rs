//! `flake.lock` (versions 5 to 7): nodes, input edges (node ids or `follows` paths), `locked`
//! and `original` references, and resolution of input paths through `follows`.

use std::collections::BTreeMap;

use serde_json::Value;
use syntax::{TextRange, TextSize};

use crate::flake_ref::FlakeRef;
use crate::lock_text::{self, NodeKeys};

/// A parsed and validated `flake.lock`.
#[derive(Clone, Debug)]
pub struct Lock {
    /// The `version` field.
    pub version: u64,
    /// The id of the root node (the flake itself).
    pub root: String,
    /// Every node by id.
    pub nodes: BTreeMap<String, LockNode>,
    /// Where each node's key is written in the text.
    pub node_keys: NodeKeys,
    /// Problems that do not stop Nix from reading the lock (it writes circular `follows` itself
    /// and only fails when such an input is used).
    pub problems: Vec<LockError>,
}

/// One node of the lock graph.
#[derive(Clone, Debug, Default)]
pub struct LockNode {
    /// Its inputs: a node id or a `follows` path.
    pub inputs: BTreeMap<String, LockEdge>,
    /// The exact source (`rev`, `narHash`, `lastModified`…); absent on the root.
    pub locked: Option<FlakeRef>,
    /// The reference as written in the `flake.nix` that asked for it.
    pub original: Option<FlakeRef>,
    /// `false` for `flake = false` inputs.
    pub is_flake: bool,
}

/// Where an input of a node leads.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum LockEdge {
    /// Directly to a node.
    Node(String),
    /// Along a path of input names from the root (`follows`); empty means the root itself.
    Follows(Vec<String>),
}

/// Why a `flake.lock` could not be used.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct LockError {
    /// Where (the start of the file when there is no better place).
    pub range: TextRange,
    /// A sentence.
    pub message: String,
}

impl LockNode {
    /// A `locked` attribute.
    pub fn locked_attr(&self, key: &str) -> Option<&str> {
        self.locked.as_ref()?.get(key)
    }

    /// The locked commit.
    pub fn rev(&self) -> Option<&str> {
        self.locked_attr("rev")
    }

    /// The locked NAR hash (`sha256-…`).
    pub fn nar_hash(&self) -> Option<&str> {
        self.locked_attr("narHash")
    }

    /// The locked source's modification time (seconds since the Unix epoch).
    pub fn last_modified(&self) -> Option<i64> {
        self.locked_attr("lastModified")?.parse().ok()
    }

    /// Where Nix keeps this input's source, under `store_dir`.
    pub fn store_path(&self, store_dir: &str) -> Option<String> {
        crate::store_path(self.nar_hash()?, store_dir)
    }
}

impl Lock {
    /// Parses and validates a lock file. Any error (not JSON, wrong shape, unknown version,
    /// dangling node ids, `follows` paths that lead nowhere or in circles) makes the whole lock
    /// unusable, as it does for Nix.
    pub fn parse(text: &str) -> Result<Lock, LockError> {
        let at_start = TextRange::empty(TextSize::from(0));
        let value: Value = serde_json::from_str(text).map_err(|e| LockError {
            range: json_error_range(text, e.line(), e.column()),
            message: format!("`flake.lock` is not valid JSON: {e}."),
        })?;
        let node_keys = lock_text::node_keys(text);
        let key_range = |id: &str| node_keys.get(id).copied().unwrap_or(at_start);
        let fail = |range: TextRange, message: String| LockError { range, message };
        let Value::Object(top) = value else {
            return Err(fail(
                at_start,
                "`flake.lock` must hold a JSON object.".to_owned(),
            ));
        };
        let version = match top.get("version") {
            Some(Value::Number(n)) => n.as_u64().unwrap_or(0),
            Some(_) => return Err(fail(at_start, "`version` must be a number.".to_owned())),
            None => return Err(fail(at_start, "`flake.lock` has no `version`.".to_owned())),
        };
        if !(5..=7).contains(&version) {
            return Err(fail(
                at_start,
                format!(
                    "`flake.lock` version {version} is not supported (versions 5 to 7 are); run `nix flake lock` with a current Nix."
                ),
            ));
        }
        let root = match top.get("root") {
            Some(Value::String(root)) => root.clone(),
            _ => return Err(fail(at_start, "`root` must name the root node.".to_owned())),
        };
        let Some(Value::Object(raw_nodes)) = top.get("nodes") else {
            return Err(fail(
                at_start,
                "`nodes` must be an object of nodes.".to_owned(),
            ));
        };
        let mut nodes = BTreeMap::new();
        for (id, raw) in raw_nodes {
            let node = parse_node(raw)
                .map_err(|msg| fail(key_range(id), format!("Node `{id}`: {msg}")))?;
            nodes.insert(id.clone(), node);
        }
        if !nodes.contains_key(&root) {
            return Err(fail(
                at_start,
                format!("The root node `{root}` is not in `nodes`."),
            ));
        }
        for (id, node) in &nodes {
            for (name, edge) in &node.inputs {
                if let LockEdge::Node(target) = edge
                    && !nodes.contains_key(target)
                {
                    return Err(fail(
                        key_range(id),
                        format!(
                            "Input `{name}` of node `{id}` points to `{target}`, which is not a node."
                        ),
                    ));
                }
            }
        }
        let mut lock = Lock {
            version,
            root,
            nodes,
            node_keys: node_keys.clone(),
            problems: Vec::new(),
        };
        let mut problems = Vec::new();
        for (id, node) in &lock.nodes {
            for (name, edge) in &node.inputs {
                let LockEdge::Follows(path) = edge else {
                    continue;
                };
                let error = match lock.resolve(path) {
                    Ok(_) => continue,
                    Err(error) => error,
                };
                let problem = fail(
                    key_range(id),
                    format!(
                        "Input `{name}` of node `{id}` follows `{}`, which {error}.",
                        path.join("/")
                    ),
                );
                match error {
                    ResolveError::Missing => return Err(problem),
                    ResolveError::Cycle => problems.push(problem),
                }
            }
        }
        lock.problems = problems;
        Ok(lock)
    }

    /// The root node.
    pub fn root_node(&self) -> &LockNode {
        // `parse` checked that the root exists.
        static EMPTY: std::sync::OnceLock<LockNode> = std::sync::OnceLock::new();
        self.nodes
            .get(&self.root)
            .unwrap_or_else(|| EMPTY.get_or_init(LockNode::default))
    }

    /// The node id an input path from the root leads to (`["home-manager", "nixpkgs"]`),
    /// following `follows` edges.
    pub fn resolve(&self, path: &[String]) -> Result<&str, ResolveError> {
        let mut current: &str = &self.root;
        let mut pending: Vec<&str> = path.iter().rev().map(String::as_str).collect();
        let mut fuel = 64 + 8 * self.nodes.len();
        while let Some(segment) = pending.pop() {
            fuel = fuel.checked_sub(1).ok_or(ResolveError::Cycle)?;
            let node = self.nodes.get(current).ok_or(ResolveError::Missing)?;
            match node.inputs.get(segment).ok_or(ResolveError::Missing)? {
                LockEdge::Node(id) => current = id,
                LockEdge::Follows(target) => {
                    current = &self.root;
                    pending.extend(target.iter().rev().map(String::as_str));
                }
            }
        }
        Ok(current)
    }

    /// The top-level inputs whose source is nixpkgs (`github:NixOS/nixpkgs…`, the registry's
    /// `nixpkgs`, a git or tarball URL of a nixpkgs repository or channel), with their node ids,
    /// in input-name order. For `nixpkgs.lib`-style questions: which inputs can carry package
    /// and license data, and (via [`LockNode::store_path`]) where their source is.
    pub fn nixpkgs_inputs(&self) -> Vec<(&str, &str)> {
        let mut out = Vec::new();
        for name in self.root_node().inputs.keys() {
            let Some(id) = self.root_input(name) else {
                continue;
            };
            let Some(node) = self.nodes.get(id) else {
                continue;
            };
            let looks = |r: &Option<FlakeRef>| r.as_ref().is_some_and(is_nixpkgs);
            if looks(&node.original) || looks(&node.locked) {
                out.push((name.as_str(), id));
            }
        }
        out
    }

    /// The node a top-level input of the flake resolves to.
    pub fn root_input(&self, name: &str) -> Option<&str> {
        self.resolve(&[name.to_owned()]).ok()
    }

    /// The range of a node's key in the lock text.
    pub fn node_key_range(&self, id: &str) -> Option<TextRange> {
        self.node_keys.get(id).copied()
    }
}

/// Why an input path leads nowhere.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ResolveError {
    /// Some node along it has no such input.
    Missing,
    /// `follows` edges go round in circles.
    Cycle,
}

impl std::fmt::Display for ResolveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ResolveError::Missing => "does not exist",
            ResolveError::Cycle => "goes round in a circle of `follows`",
        })
    }
}

fn parse_node(raw: &Value) -> Result<LockNode, String> {
    let Value::Object(obj) = raw else {
        return Err("a node must be an object.".to_owned());
    };
    let mut node = LockNode {
        is_flake: true,
        ..LockNode::default()
    };
    if let Some(inputs) = obj.get("inputs") {
        let Value::Object(inputs) = inputs else {
            return Err("`inputs` must be an object.".to_owned());
        };
        for (name, edge) in inputs {
            let edge = match edge {
                Value::String(id) => LockEdge::Node(id.clone()),
                Value::Array(path) => LockEdge::Follows(
                    path.iter()
                        .map(|s| s.as_str().map(str::to_owned))
                        .collect::<Option<Vec<_>>>()
                        .ok_or_else(|| {
                            format!(
                                "the `follows` path of input `{name}` must be a list of strings."
                            )
                        })?,
                ),
                _ => {
                    return Err(format!(
                        "input `{name}` must be a node id or a list of input names."
                    ));
                }
            };
            node.inputs.insert(name.clone(), edge);
        }
    }
    for key in ["locked", "original"] {
        let Some(value) = obj.get(key) else { continue };
        let reference = flake_ref_from_json(value)
            .ok_or_else(|| format!("`{key}` must be an object with a `type`."))?;
        match key {
            "locked" => node.locked = Some(reference),
            _ => node.original = Some(reference),
        }
    }
    // Version 5 keeps `narHash` and `lastModified` in a separate `info` object.
    if let (Some(locked), Some(Value::Object(info))) = (&mut node.locked, obj.get("info")) {
        for (key, value) in info {
            let text = match value {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => continue,
            };
            locked.attrs.entry(key.clone()).or_insert(text);
        }
    }
    match obj.get("flake") {
        None => {}
        Some(Value::Bool(flag)) => node.is_flake = *flag,
        Some(_) => return Err("`flake` must be a boolean.".to_owned()),
    }
    Ok(node)
}

/// Whether a reference names nixpkgs: the GitHub repository `NixOS/nixpkgs` (any case), the
/// registry entry `nixpkgs`, or a git/tarball URL whose path mentions `nixpkgs` or a NixOS
/// channel (`nixexprs.tar.xz` under `channels.nixos.org` / `nixos.org/channels`).
pub fn is_nixpkgs(reference: &FlakeRef) -> bool {
    use crate::RefKind;
    match reference.kind {
        RefKind::Github | RefKind::Gitlab | RefKind::Sourcehut => reference
            .repo()
            .is_some_and(|r| r.eq_ignore_ascii_case("nixpkgs")),
        RefKind::Indirect => reference.get("id") == Some("nixpkgs"),
        RefKind::Git | RefKind::Tarball | RefKind::File | RefKind::Mercurial => {
            reference.get("url").is_some_and(|url| {
                let url = url.to_ascii_lowercase();
                url.contains("nixpkgs")
                    || url.contains("channels.nixos.org")
                    || url.contains("nixos.org/channels")
            })
        }
        RefKind::Path | RefKind::Other(_) => false,
    }
}

/// A reference from a JSON object of scalar attributes (`locked`, `original`).
pub fn flake_ref_from_json(value: &Value) -> Option<FlakeRef> {
    let Value::Object(obj) = value else {
        return None;
    };
    let mut attrs = Vec::with_capacity(obj.len());
    for (key, value) in obj {
        let text = match value {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            // Nested values (e.g. a future `parent` list) are not identifying; skip them.
            _ => continue,
        };
        attrs.push((key.clone(), text));
    }
    FlakeRef::from_attrs(attrs)
}

/// The range of a serde_json error position (1-based line, 1-based column).
fn json_error_range(text: &str, line: usize, column: usize) -> TextRange {
    let mut offset = 0usize;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            offset += column.saturating_sub(1).min(l.len());
            break;
        }
        offset += l.len();
    }
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let end = text[offset..]
        .chars()
        .next()
        .map_or(offset, |c| offset + c.len_utf8());
    TextRange::new(TextSize::from(offset as u32), TextSize::from(end as u32))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const LOCK: &str = r#"{
  "nodes": {
    "hm": {
      "inputs": { "nixpkgs": ["nixpkgs"] },
      "locked": { "lastModified": 1727348695, "narHash": "sha256-J+PeFKSDV+pHL7ukkfpVzCOO7mBSrrpJ3svwBFABbhI=", "owner": "nix-community", "repo": "home-manager", "rev": "1925c603f17fc89f4c8f6bf6f631a802ad85d784", "type": "github" },
      "original": { "owner": "nix-community", "repo": "home-manager", "type": "github" }
    },
    "nixpkgs": {
      "locked": { "lastModified": 1700000000, "narHash": "sha256-OnpEWzNxF/AU4KlqBXM2s5PWvfI5/BS6xQrPvkF5tO8=", "owner": "NixOS", "repo": "nixpkgs", "rev": "7f8d4b088e2df7fdb6b513bc2d6941f1d422a013", "type": "github" },
      "original": { "id": "nixpkgs", "type": "indirect" }
    },
    "src": {
      "flake": false,
      "locked": { "narHash": "sha256-i3Rc/ENnz62BcrSloeVmAyPicEh4WsrEEYR+INs9TYw=", "type": "tarball", "url": "https://example.org/x.tar.gz" },
      "original": { "type": "tarball", "url": "https://example.org/x.tar.gz" }
    },
    "root": { "inputs": { "hm": "hm", "nixpkgs": "nixpkgs", "np": ["hm", "nixpkgs"], "src": "src", "me": [] } }
  },
  "root": "root",
  "version": 7
}"#;

    #[test]
    fn resolves_follows() {
        let lock = Lock::parse(LOCK).unwrap();
        let path = |p: &[&str]| p.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(lock.resolve(&path(&["hm", "nixpkgs"])), Ok("nixpkgs"));
        assert_eq!(lock.resolve(&path(&["np"])), Ok("nixpkgs"));
        assert_eq!(lock.resolve(&path(&["me"])), Ok("root"));
        assert_eq!(
            lock.resolve(&path(&["hm", "nope"])),
            Err(ResolveError::Missing)
        );
        let src = &lock.nodes["src"];
        assert!(!src.is_flake);
        assert_eq!(
            src.store_path("/nix/store").as_deref(),
            Some("/nix/store/5kpc3nfysy4f19ijzdjw4rcncr64cji3-source")
        );
        assert_eq!(lock.nodes["hm"].last_modified(), Some(1727348695));
        assert_eq!(
            lock.nodes["nixpkgs"]
                .original
                .as_ref()
                .map(|o| o.to_string())
                .as_deref(),
            Some("flake:nixpkgs")
        );
        assert_eq!(
            lock.nixpkgs_inputs(),
            vec![("nixpkgs", "nixpkgs"), ("np", "nixpkgs")]
        );
        let key = lock.node_key_range("hm").unwrap();
        assert_eq!(&LOCK[key], "\"hm\"");
    }

    #[test]
    fn version_5_info() {
        let text = r#"{ "version": 5, "root": "n1", "nodes": {
            "n1": { "inputs": { "nixpkgs": "n2" } },
            "n2": { "info": { "lastModified": 1580555482, "narHash": "sha256-OnpEWzNxF/AU4KlqBXM2s5PWvfI5/BS6xQrPvkF5tO8=" },
                    "inputs": {},
                    "locked": { "owner": "edolstra", "repo": "nixpkgs", "rev": "7f8d4b088e2df7fdb6b513bc2d6941f1d422a013", "type": "github" },
                    "original": { "id": "nixpkgs", "type": "indirect" } } } }"#;
        let lock = Lock::parse(text).unwrap();
        let node = &lock.nodes["n2"];
        assert_eq!(node.last_modified(), Some(1580555482));
        assert_eq!(
            node.store_path("/nix/store").as_deref(),
            Some("/nix/store/i975z4hcjhc4bw99j68avr95b2j06iza-source")
        );
        assert_eq!(lock.nixpkgs_inputs(), vec![("nixpkgs", "n2")]);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let text = String::from_utf8_lossy(&bytes);
            let _ = Lock::parse(&text);
        }

        #[test]
        fn never_panics_on_mutated_locks(cut in 0usize..LOCK.len(), insert in "[\\[\\]{}\",:a-z0-9 ]{0,8}") {
            let mut text = LOCK.to_owned();
            let mut cut = cut;
            while !text.is_char_boundary(cut) { cut -= 1; }
            text.insert_str(cut, &insert);
            let _ = Lock::parse(&text);
            text.truncate(cut);
            let _ = Lock::parse(&text);
        }

        #[test]
        fn never_panics_on_random_graphs(edges in proptest::collection::vec(("[a-c]", "[a-c]|root", any::<bool>()), 0..8)) {
            let mut nodes: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for (from, to, follows) in &edges {
                let target = if *follows { format!("[\"{to}\"]") } else { format!("\"{to}\"") };
                nodes.entry(from.clone()).or_default().push(format!("\"{to}\": {target}"));
            }
            let body: Vec<String> = nodes.iter().map(|(id, inputs)| format!("\"{id}\": {{ \"inputs\": {{ {} }} }}", inputs.join(", "))).collect();
            let text = format!("{{ \"version\": 7, \"root\": \"a\", \"nodes\": {{ {} }} }}", body.join(", "));
            let _ = Lock::parse(&text);
        }
    }
}
