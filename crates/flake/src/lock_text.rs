//! Ranges inside `flake.lock` text (serde_json has no spans): where each node's key is written.

use std::collections::BTreeMap;

use syntax::{TextRange, TextSize};

/// Node id → range of its key (with quotes) inside the top-level `"nodes"` object.
pub type NodeKeys = BTreeMap<String, TextRange>;

/// Scans `text` for the keys of the top-level `"nodes"` object. Tolerates any text (it is a
/// scan, not a parser): malformed input yields fewer keys, never a panic.
pub fn node_keys(text: &str) -> NodeKeys {
    let bytes = text.as_bytes();
    let mut keys = NodeKeys::new();
    // Stack of containers: `true` for objects. `expect_key` is meaningful in objects.
    let mut stack: Vec<bool> = Vec::new();
    let mut expect_key = false;
    let mut in_nodes_depth: Option<usize> = None;
    let mut last_key_top: Option<String> = None;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                let start = i;
                let mut j = i + 1;
                let mut value = String::new();
                while j < bytes.len() && bytes[j] != b'"' {
                    if bytes[j] == b'\\' {
                        j += 1;
                    }
                    j += 1;
                }
                let end = (j + 1).min(bytes.len());
                if let Some(content) = text.get(start + 1..j.min(bytes.len())) {
                    value.push_str(content);
                }
                if expect_key && stack.last() == Some(&true) {
                    let depth = stack.len();
                    if depth == 1 {
                        last_key_top = Some(value.clone());
                    }
                    if in_nodes_depth == Some(depth) {
                        keys.entry(value).or_insert_with(|| {
                            TextRange::new(TextSize::from(start as u32), TextSize::from(end as u32))
                        });
                    }
                    expect_key = false;
                }
                i = end;
                continue;
            }
            b'{' => {
                stack.push(true);
                expect_key = true;
                if stack.len() == 2
                    && last_key_top.as_deref() == Some("nodes")
                    && in_nodes_depth.is_none()
                {
                    in_nodes_depth = Some(2);
                }
            }
            b'[' => stack.push(false),
            b'}' | b']' => {
                if in_nodes_depth == Some(stack.len()) {
                    in_nodes_depth = None;
                    last_key_top = None;
                }
                stack.pop();
                expect_key = false;
            }
            b',' => expect_key = stack.last() == Some(&true),
            _ => {}
        }
        i += 1;
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_node_keys() {
        let text = r#"{
  "nodes": {
    "nixpkgs": { "locked": { "type": "github", "x": {"nixpkgs_2": 1} } },
    "root": { "inputs": { "nixpkgs": "nixpkgs" } }
  },
  "root": "root",
  "version": 7
}"#;
        let keys = node_keys(text);
        let shown: Vec<_> = keys
            .iter()
            .map(|(k, r)| format!("{k}@{:?}={}", r, &text[*r]))
            .collect();
        assert_eq!(
            shown,
            vec!["nixpkgs@19..28=\"nixpkgs\"", "root@93..99=\"root\""]
        );
    }

    #[test]
    fn survives_garbage() {
        for text in [
            "",
            "{",
            "\"",
            "{\"nodes\":{\"a",
            "}}]]{{[[",
            "{\"nodes\": {\"é\\\"\": 1}}",
        ] {
            let _ = node_keys(text);
        }
    }
}
