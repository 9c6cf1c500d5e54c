//! The bundled list of well-known unfree packages, used only when neither a scan of the
//! locked nixpkgs nor the evaluator has a verdict. Each entry names the nixpkgs file that
//! declares its license (checked against nixpkgs when the list was written).

use std::sync::{Arc, OnceLock};

use crate::index::{IndexSource, PackageIndex};
use crate::license::{License, LicenseTable};
use crate::packages::{cached, index_from_table};

/// `attr  license[,license]  file  [pname]` per line.
const FALLBACK: &str = include_str!("fallback.txt");

/// The licenses named by the fallback list, with `free` and `redistributable` as nixpkgs'
/// `lib/licenses/licenses.nix` declares them (`custom-unfree` stands for a license attrset
/// written in the package file with `free = false`).
const FALLBACK_LICENSES: &[(&str, &str, bool, bool)] = &[
    ("unfree", "unfree", false, false),
    (
        "unfreeRedistributable",
        "unfreeRedistributable",
        false,
        true,
    ),
    ("obsidian", "obsidian", false, false),
    ("postman", "postman", false, false),
    ("lens", "lens", false, false),
    ("bsl11", "bsl11", false, true),
    ("sspl", "sspl", false, true),
    (
        "cockroachdb-community-license",
        "cockroachdb-community-license",
        false,
        false,
    ),
    (
        "custom-unfree",
        "custom license (free = false)",
        false,
        false,
    ),
    ("mit", "mit", true, true),
    ("lgpl21", "lgpl21", true, true),
];

fn make() -> PackageIndex {
    let licenses = LicenseTable::new(
        FALLBACK_LICENSES
            .iter()
            .map(|(name, short, free, redistributable)| License {
                name: (*name).to_owned(),
                short_name: (*short).to_owned(),
                free: Some(*free),
                redistributable: Some(*redistributable),
            })
            .collect(),
    );
    index_from_table("bundled", licenses, FALLBACK, IndexSource::Fallback)
}

/// The bundled fallback index.
pub fn bundled() -> Arc<PackageIndex> {
    static CELL: OnceLock<Arc<PackageIndex>> = OnceLock::new();
    cached(&CELL, make)
}

#[cfg(test)]
mod tests {
    use crate::license_expr::Freedom;

    #[test]
    fn every_entry_is_unfree_and_names_a_file() {
        let index = super::bundled();
        assert!(index.len() >= 100, "only {} entries", index.len());
        for p in index.packages() {
            assert_eq!(
                p.freedom,
                Freedom::Unfree,
                "{} is not unfree: {:?}",
                p.attr,
                p.licenses
            );
            assert!(
                p.file.starts_with("pkgs/") && p.file.ends_with(".nix"),
                "{}: {}",
                p.attr,
                p.file
            );
        }
    }

    #[test]
    fn well_known_entries() {
        let index = super::bundled();
        let show = |path: &[&str]| {
            index
                .get_prefix(path)
                .map(|(n, p)| format!("{n} {} {:?} {:?}", p.attr, p.licenses, p.pname))
        };
        expect_test::expect![[r#"
            [
                Some(
                    "1 spotify [\"unfree\"] Some(\"spotify\")",
                ),
                Some(
                    "1 zoom-us [\"unfree\"] Some(\"zoom\")",
                ),
                Some(
                    "2 linuxPackages.nvidia_x11 [\"unfreeRedistributable\"] None",
                ),
                Some(
                    "2 jetbrains.idea-ultimate [\"unfree\"] Some(\"idea\")",
                ),
                None,
            ]
        "#]]
        .assert_debug_eq(&[
            show(&["spotify"]),
            show(&["zoom-us"]),
            show(&["linuxPackages", "nvidia_x11", "bin"]),
            show(&["jetbrains", "idea-ultimate"]),
            show(&["hello"]),
        ]);
    }
}
