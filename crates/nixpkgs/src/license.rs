//! The license table of one nixpkgs: which licenses are free, read from `lib/licenses*.nix`.

use syntax::ast::{self, HasEntry};
use syntax::{SyntaxKind, SyntaxNode};

use crate::syntax_util::{attr_name, bool_literal, string_literal};

/// One license of `lib.licenses`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct License {
    /// The attribute name (`unfreeRedistributable`).
    pub name: String,
    /// `shortName` (defaults to the attribute name).
    pub short_name: String,
    /// `free` as the file says; `None` when it is not a literal (then freedom is unknown).
    pub free: Option<bool>,
    /// `redistributable` (defaults to `free`).
    pub redistributable: Option<bool>,
}

/// Every license of one nixpkgs, sorted by attribute name.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct LicenseTable {
    licenses: Vec<License>,
}

impl LicenseTable {
    /// A table from licenses in any order; later duplicates win.
    pub fn new(mut licenses: Vec<License>) -> LicenseTable {
        licenses.reverse();
        licenses.sort_by(|a, b| a.name.cmp(&b.name));
        licenses.dedup_by(|a, b| a.name == b.name);
        LicenseTable { licenses }
    }

    /// Reads the table from the text of `lib/licenses.nix` or `lib/licenses/licenses.nix`.
    ///
    /// A license is an attribute whose value is an attribute set with `fullName`, `spdxId`,
    /// `shortName` or `free`; freedom is what its `free` attribute says (default: free).
    pub fn from_licenses_nix(text: &str) -> LicenseTable {
        let parse = syntax::parse(text);
        let root = parse.syntax_node();
        let mut licenses = Vec::new();
        for node in root.descendants() {
            if node.kind() != SyntaxKind::NODE_ATTRPATH_VALUE {
                continue;
            }
            if let Some(license) = license_entry(&node) {
                licenses.push(license);
            }
        }
        LicenseTable::new(licenses)
    }

    /// The license named `name`.
    pub fn get(&self, name: &str) -> Option<&License> {
        self.licenses
            .binary_search_by(|l| l.name.as_str().cmp(name))
            .ok()
            .map(|i| &self.licenses[i])
    }

    /// Every license, by name.
    pub fn iter(&self) -> impl Iterator<Item = &License> {
        self.licenses.iter()
    }

    /// How many licenses there are.
    pub fn len(&self) -> usize {
        self.licenses.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.licenses.is_empty()
    }
}

/// `name = { fullName = …; free = false; };` directly inside the big license attrset.
fn license_entry(node: &SyntaxNode) -> Option<License> {
    use rowan::ast::AstNode;
    let entry = ast::AttrpathValue::cast(node.clone())?;
    let mut attrs = entry.attrpath()?.attrs();
    let name = attr_name(&attrs.next()?)?;
    if attrs.next().is_some() {
        return None;
    }
    let ast::Expr::AttrSet(value) = entry.value()? else {
        return None;
    };
    // Only top-level entries of a license list: the parent set holds other entries, and we
    // are not inside another license.
    let mut short_name = None;
    let mut free = Some(true);
    let mut free_seen = false;
    let mut redistributable = None;
    let mut looks_like_license = false;
    for inner in value.attrpath_values() {
        let mut path = inner.attrpath()?.attrs();
        let Some(key) = path.next().and_then(|a| attr_name(&a)) else {
            continue;
        };
        if path.next().is_some() {
            continue;
        }
        let value = inner.value();
        match key.as_str() {
            "fullName" | "spdxId" | "url" => looks_like_license = true,
            "shortName" => {
                looks_like_license = true;
                short_name = value.as_ref().and_then(string_literal);
            }
            "free" => {
                looks_like_license = true;
                free_seen = true;
                free = value.as_ref().and_then(bool_literal);
            }
            "redistributable" => redistributable = Some(value.as_ref().and_then(bool_literal)),
            _ => {}
        }
    }
    if !looks_like_license {
        return None;
    }
    let _ = free_seen;
    let redistributable = match redistributable {
        Some(literal) => literal,
        None => free,
    };
    Some(License {
        short_name: short_name.unwrap_or_else(|| name.clone()),
        name,
        free,
        redistributable,
    })
}

#[cfg(test)]
mod tests {
    use super::LicenseTable;

    #[test]
    fn freedom_comes_from_the_file_not_the_name() {
        let table = LicenseTable::from_licenses_nix(
            r#"{ lib }:
            lib.mapAttrs mkLicense ({
              mit = { spdxId = "MIT"; fullName = "MIT License"; };
              unfree = { fullName = "Unfree"; free = false; };
              unfreeRedistributable = { fullName = "Unfree redistributable"; free = false; redistributable = true; };
              unfreeRedistributableFirmware = { fullName = "Unfree redistributable firmware"; redistributable = true; };
              nvidiaCuda = { shortName = "CUDA EULA"; fullName = "CUDA Toolkit EULA"; free = false; };
              weird = { fullName = "Computed"; free = lib.versionAtLeast "1" "2"; };
              notALicense = { foo = 1; };
            } // { bsl11 = { spdxId = "BUSL-1.1"; free = false; redistributable = true; }; })"#,
        );
        let show: Vec<String> = table
            .iter()
            .map(|l| {
                format!(
                    "{} {:?} {:?} {:?}",
                    l.name, l.short_name, l.free, l.redistributable
                )
            })
            .collect();
        expect_test::expect![[r#"
            [
                "bsl11 \"bsl11\" Some(false) Some(true)",
                "mit \"mit\" Some(true) Some(true)",
                "nvidiaCuda \"CUDA EULA\" Some(false) Some(false)",
                "unfree \"unfree\" Some(false) Some(false)",
                "unfreeRedistributable \"unfreeRedistributable\" Some(false) Some(true)",
                "unfreeRedistributableFirmware \"unfreeRedistributableFirmware\" Some(true) Some(true)",
                "weird \"weird\" None None",
            ]
        "#]]
        .assert_debug_eq(&show);
        assert_eq!(table.get("unfree").map(|l| l.free), Some(Some(false)));
        assert!(table.get("notALicense").is_none());
    }
}
