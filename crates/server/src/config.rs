//! User settings, read from `initializationOptions`, `workspace/didChangeConfiguration` and
//! `workspace/configuration`, all under the key `flake-lsp`.
//!
//! Adding a setting is one field here (with its default in the `Default` impl) plus a row in
//! `docs/configuration.md`. Unknown keys are ignored with a log line.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The section name clients nest our settings under.
pub(crate) const SECTION: &str = "flake-lsp";

/// Every setting of the server. Field names are camelCase on the wire.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Config {
    /// Files larger than this many bytes are not read (a diagnostic says so).
    pub max_file_size: u64,
    /// Diagnostics settings.
    pub diagnostics: DiagnosticsConfig,
    /// Log level of the server's stderr log: off, error, warn, info, debug or trace.
    pub log_level: LogLevel,
    /// The Nix store directory.
    pub store_dir: String,
    /// Settings of the package (unfree license) index.
    pub nixpkgs: NixpkgsConfig,
    /// Settings of the unfree-package check.
    pub unfree: UnfreeConfig,
}

/// Settings under `nixpkgs`.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NixpkgsConfig {
    /// A nixpkgs source tree to read package licenses from when no locked nixpkgs is present.
    pub path: Option<String>,
}

/// Settings under `unfree`.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct UnfreeConfig {
    /// Ask `nix eval` about packages the static scan cannot decide (runs `nix`; off by default).
    pub evaluate: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            max_file_size: project::DEFAULT_MAX_FILE_SIZE,
            diagnostics: DiagnosticsConfig::default(),
            log_level: LogLevel::Info,
            store_dir: "/nix/store".to_owned(),
            nixpkgs: NixpkgsConfig::default(),
            unfree: UnfreeConfig::default(),
        }
    }
}

/// Settings under `diagnostics`.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DiagnosticsConfig {
    /// How long the document must stay unchanged before diagnostics are recomputed.
    pub debounce_ms: u64,
}

impl Default for DiagnosticsConfig {
    fn default() -> DiagnosticsConfig {
        DiagnosticsConfig { debounce_ms: 50 }
    }
}

/// How much the server logs to stderr.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    /// Nothing.
    Off,
    /// Errors only.
    Error,
    /// Errors and warnings.
    Warn,
    /// The default: also notable events (workspace loads).
    Info,
    /// Also per-request detail.
    Debug,
    /// Everything.
    Trace,
}

impl LogLevel {
    /// The matching `log` filter.
    pub fn to_filter(self) -> log::LevelFilter {
        match self {
            LogLevel::Off => log::LevelFilter::Off,
            LogLevel::Error => log::LevelFilter::Error,
            LogLevel::Warn => log::LevelFilter::Warn,
            LogLevel::Info => log::LevelFilter::Info,
            LogLevel::Debug => log::LevelFilter::Debug,
            LogLevel::Trace => log::LevelFilter::Trace,
        }
    }
}

impl Config {
    /// The settings that change analysis results.
    pub fn analysis_config(&self) -> ide::AnalysisConfig {
        ide::AnalysisConfig {
            store_dir: self.store_dir.clone(),
            nixpkgs_path: self.nixpkgs.path.clone(),
            unfree_evaluate: self.unfree.evaluate,
        }
    }

    /// The settings that change how files are read.
    #[allow(clippy::needless_update)] // Fields the loader adds later keep their defaults.
    pub fn load_config(&self) -> project::LoadConfig {
        project::LoadConfig {
            max_file_size: self.max_file_size,
            store_dir: self.store_dir.clone(),
            ..project::LoadConfig::default()
        }
    }

    /// Reads settings from a JSON object; keys that are absent keep their defaults. Returns the
    /// settings and a message per problem: unknown keys are ignored, and a setting whose value
    /// has the wrong type keeps its default (the other settings still apply).
    pub fn from_json(value: &Value) -> (Config, Vec<String>) {
        let mut problems = Vec::new();
        let Some(object) = value.as_object() else {
            // Lua clients (Neovim) serialise an empty table as `[]`: that is "no settings".
            let empty_list = value.as_array().is_some_and(|a| a.is_empty());
            if !value.is_null() && !empty_list {
                problems.push(format!(
                    "`{SECTION}` settings must be an object, not {value}"
                ));
            }
            return (Config::default(), problems);
        };
        for key in unknown_keys(value) {
            problems.push(format!("ignoring unknown setting `{SECTION}.{key}`"));
        }
        let mut object = object.clone();
        // Drop the top-level settings that fail alone, so that one typo costs one setting.
        object.retain(|key, inner| {
            let mut alone = serde_json::Map::new();
            alone.insert(key.clone(), inner.clone());
            match Config::deserialize(Value::Object(alone)) {
                Ok(_) => true,
                Err(err) => {
                    problems.push(format!("invalid setting `{SECTION}.{key}`: {err}"));
                    false
                }
            }
        });
        let config = Config::deserialize(Value::Object(object)).unwrap_or_default();
        (config, problems)
    }
}

/// Picks our section out of `initializationOptions` or `settings`: the value under `flake-lsp`
/// when there is one; otherwise, if `bare_ok`, the object itself (some clients send the
/// section's content directly in `initializationOptions`).
pub(crate) fn section(value: &Value, bare_ok: bool) -> Option<&Value> {
    match value.get(SECTION) {
        Some(inner) => Some(inner),
        None if bare_ok && value.is_object() => Some(value),
        None => None,
    }
}

/// Keys of our section that belong to editor extensions, not to the server (VS Code's
/// `flake-lsp.server.path`, `flake-lsp.trace.server`); they are ignored without a log line.
const CLIENT_KEYS: &[&str] = &["server", "trace"];

/// Dotted paths of keys in `value` that no setting has, found by comparing with the default
/// configuration's shape.
fn unknown_keys(value: &Value) -> Vec<String> {
    let known = serde_json::to_value(Config::default()).unwrap_or(Value::Null);
    let mut acc = Vec::new();
    let mut stack = vec![(String::new(), value, &known)];
    while let Some((prefix, value, known)) = stack.pop() {
        let (Some(object), Some(known)) = (value.as_object(), known.as_object()) else {
            continue;
        };
        for (key, inner) in object {
            let path = if prefix.is_empty() {
                key.clone()
            } else {
                format!("{prefix}.{key}")
            };
            match known.get(key) {
                Some(known_inner) => stack.push((path, inner, known_inner)),
                None if prefix.is_empty() && CLIENT_KEYS.contains(&key.as_str()) => {}
                None => acc.push(path),
            }
        }
    }
    acc.sort();
    acc
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn reads_partial_settings() {
        let (config, problems) = Config::from_json(&json!({ "diagnostics": { "debounceMs": 0 } }));
        assert_eq!(config.diagnostics.debounce_ms, 0);
        assert_eq!(config.max_file_size, Config::default().max_file_size);
        assert!(problems.is_empty());
        assert_eq!(
            Config::from_json(&Value::Null),
            (Config::default(), Vec::new())
        );
    }

    #[test]
    fn empty_lua_table_is_no_settings() {
        assert_eq!(
            Config::from_json(&json!([])),
            (Config::default(), Vec::new())
        );
        let (_, problems) = Config::from_json(&json!([1]));
        assert_eq!(problems.len(), 1);
    }

    #[test]
    fn finds_unknown_keys() {
        let value =
            json!({ "storeDir": "/s", "bogus": 1, "diagnostics": { "debounceMs": 1, "x": 2 } });
        assert_eq!(
            unknown_keys(&value),
            vec!["bogus".to_owned(), "diagnostics.x".to_owned()]
        );
        let (config, problems) = Config::from_json(&value);
        assert_eq!(config.store_dir, "/s");
        assert_eq!(problems.len(), 2);
    }

    #[test]
    fn skips_wrong_types_with_a_message() {
        let (config, problems) =
            Config::from_json(&json!({ "logLevel": "loud", "storeDir": "/s" }));
        assert_eq!(config.store_dir, "/s", "the valid setting still applies");
        assert_eq!(config.log_level, LogLevel::Info);
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].contains("logLevel") && problems[0].contains("loud"),
            "{problems:?}"
        );
    }

    #[test]
    fn picks_the_section() {
        let nested = json!({ "flake-lsp": { "logLevel": "debug" } });
        assert_eq!(
            section(&nested, false),
            Some(&json!({ "logLevel": "debug" }))
        );
        let bare = json!({ "logLevel": "debug" });
        assert_eq!(section(&bare, true), Some(&bare));
        assert_eq!(section(&bare, false), None);
    }
}
