//! `--format sarif`: SARIF 2.1.0 for code-scanning dashboards.
//!
//! Hand-written serde structs for the subset flake-lsp emits (serde-sarif models the whole schema
//! and pulls three more crates for a few dozen lines of output).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::report::{Place, Report};

/// Where relative artifact URIs are rooted (the directory paths are relative to).
const BASE_ID: &str = "SRCROOT";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool,
    original_uri_base_ids: BTreeMap<&'static str, ArtifactLocation>,
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    information_uri: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: &'static str,
    help_uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Message<'a>,
    locations: Vec<Location<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location<'a>>,
}

#[derive(Serialize)]
struct Message<'a> {
    text: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Message<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
}

/// The report as a SARIF 2.1.0 log with one run (pretty-printed, with a final newline).
pub(crate) fn render(report: &Report) -> String {
    let mut codes: Vec<&'static str> = report
        .findings
        .iter()
        .map(|f| f.diagnostic.code.as_str())
        .collect();
    codes.sort_unstable();
    codes.dedup();
    let rules = codes
        .iter()
        .map(|code| Rule {
            id: code,
            help_uri: format!("{}/blob/main/docs/diagnostics/{code}.md", repository()),
        })
        .collect();
    let results = report
        .findings
        .iter()
        .map(|f| {
            let code = f.diagnostic.code.as_str();
            SarifResult {
                rule_id: code,
                rule_index: codes.binary_search(&code).unwrap_or(0),
                level: match f.diagnostic.severity {
                    ide::Severity::Error => "error",
                    ide::Severity::Warning => "warning",
                    ide::Severity::Info | ide::Severity::Hint => "note",
                },
                message: Message {
                    text: &f.diagnostic.message,
                },
                locations: vec![location(None, &f.place, None)],
                related_locations: f
                    .related
                    .iter()
                    .enumerate()
                    .map(|(i, r)| location(Some(i), &r.place, Some(Message { text: &r.message })))
                    .collect(),
            }
        })
        .collect();
    let mut base_uri = format!(
        "file://{}",
        encode_path(&report.base.as_path().to_string_lossy())
    );
    if !base_uri.ends_with('/') {
        base_uri.push('/');
    }
    let log = Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "flake-lsp",
                    version: env!("CARGO_PKG_VERSION"),
                    information_uri: repository(),
                    rules,
                },
            },
            original_uri_base_ids: BTreeMap::from([(
                BASE_ID,
                ArtifactLocation {
                    uri: base_uri,
                    uri_base_id: None,
                },
            )]),
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    let mut text = serde_json::to_string_pretty(&log).unwrap_or_default();
    text.push('\n');
    text
}

fn repository() -> &'static str {
    env!("CARGO_PKG_REPOSITORY")
}

fn location<'a>(id: Option<usize>, place: &Place, message: Option<Message<'a>>) -> Location<'a> {
    Location {
        id,
        physical_location: PhysicalLocation {
            artifact_location: ArtifactLocation {
                uri: encode_path(&place.file),
                uri_base_id: Some(BASE_ID),
            },
            region: Region {
                start_line: place.start.line,
                start_column: place.start.column,
                end_line: place.end.line,
                end_column: place.end.column,
            },
        },
        message,
    }
}

/// Percent-encodes a `/`-separated path for use in a URI (RFC 3986 unreserved characters and
/// `/` stay as they are).
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::encode_path;

    #[test]
    fn encodes_paths() {
        assert_eq!(
            encode_path("hosts/my host/ä.nix"),
            "hosts/my%20host/%C3%A4.nix"
        );
        assert_eq!(encode_path("../x-y_z~.nix"), "../x-y_z~.nix");
    }
}
