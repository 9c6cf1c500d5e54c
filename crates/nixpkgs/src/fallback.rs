//! The bundled list of well-known unfree packages, used only when neither a scan of the
//! locked nixpkgs nor the evaluator has a verdict. Each entry names the nixpkgs file that
//! declares its license (checked against nixpkgs when the list was written).

use std::sync::{Arc, OnceLock};

use crate::index::{IndexSource, PackageIndex};
use crate::license::{License, LicenseTable};
use crate::packages::{cached, index_from_table};

/// `attr  license[,license]  file` per line.
const FALLBACK: &str = include_str!("fallback.txt");

/// The unfree licenses named by the fallback list, with their `free = false` status as in
/// nixpkgs' `lib/licenses/licenses.nix`.
const FALLBACK_LICENSES: &[(&str, &str, bool)] = &[
    ("unfree", "unfree", false),
    ("unfreeRedistributable", "unfreeRedistributable", true),
    ("nvidiaCuda", "CUDA EULA", false),
    ("nvidiaCudaRedist", "CUDA EULA", true),
    ("obsidian", "obsidian", false),
    ("postman", "postman", false),
    ("bsl11", "bsl11", true),
    ("elastic20", "elastic20", false),
    ("sspl", "sspl", true),
    ("teamspeak", "teamspeak", true),
    ("virtualbox-puel", "virtualbox-puel", false),
    ("databricks", "databricks", false),
    ("geogebra", "geogebra", false),
    ("intel-eula", "intel-eula", false),
];

fn make() -> PackageIndex {
    let licenses = LicenseTable::new(
        FALLBACK_LICENSES
            .iter()
            .map(|(name, short, redistributable)| License {
                name: (*name).to_owned(),
                short_name: (*short).to_owned(),
                free: Some(false),
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
        assert!(index.len() >= 20, "only {} entries", index.len());
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
}
