//! The package data the analysis sees: one index per nixpkgs source plus the bundled fallback.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use crate::index::{IndexSource, PackageIndex, PackageInfo};
use crate::license::LicenseTable;
use crate::license_expr::Freedom;

/// Package indexes by nixpkgs source, and the fallback consulted when they know nothing.
#[derive(Clone, Debug, Default)]
pub struct Packages {
    /// The index used for instances whose source has no index of its own.
    pub default: Option<Arc<PackageIndex>>,
    /// Indexes by source key (a flake input name such as `nixpkgs-unstable`).
    pub by_source: BTreeMap<String, Arc<PackageIndex>>,
    /// Consulted only when the source's index has no verdict for a package.
    pub fallback: Option<Arc<PackageIndex>>,
}

/// The answer to "what is `pkgs.a.b.c`?".
#[derive(Clone, Copy, Debug)]
pub struct PackageLookup<'a> {
    /// The package.
    pub info: &'a PackageInfo,
    /// How many segments of the looked-up path name the package (the rest selects inside it).
    pub segments: usize,
}

impl Packages {
    /// Only the bundled fallback list: what the analysis uses before any scan.
    pub fn bundled() -> Packages {
        Packages {
            fallback: Some(crate::fallback::bundled()),
            ..Packages::default()
        }
    }

    /// Exactly one index and no fallback (tests, or a caller that wants no guesses).
    pub fn only(index: PackageIndex) -> Packages {
        Packages {
            default: Some(Arc::new(index)),
            ..Packages::default()
        }
    }

    /// The index for `source` (or the default one).
    pub fn index_for(&self, source: Option<&str>) -> Option<&Arc<PackageIndex>> {
        source
            .and_then(|s| self.by_source.get(s))
            .or(self.default.as_ref())
    }

    /// Looks up the longest package prefix of `path`: the source's index first; the fallback
    /// only when the index has no entry or no verdict.
    pub fn lookup(&self, source: Option<&str>, path: &[&str]) -> Option<PackageLookup<'_>> {
        let primary = self.index_for(source).and_then(|i| i.get_prefix(path));
        if let Some((segments, info)) = primary
            && info.freedom != Freedom::Unknown
        {
            return Some(PackageLookup { info, segments });
        }
        let fallback = self.fallback.as_ref().and_then(|i| i.get_prefix(path));
        match (primary, fallback) {
            (_, Some((segments, info))) => Some(PackageLookup { info, segments }),
            (Some((segments, info)), None) => Some(PackageLookup { info, segments }),
            (None, None) => None,
        }
    }

    /// Whether `lookup` could call the package at (a prefix of) `path` unfree for some source:
    /// some index or the fallback says so. A cheap test before working out the source.
    pub fn may_be_unfree(&self, path: &[&str]) -> bool {
        self.default
            .iter()
            .chain(self.by_source.values())
            .chain(self.fallback.iter())
            .any(|index| {
                index
                    .get_prefix(path)
                    .is_some_and(|(_, info)| info.freedom == Freedom::Unfree)
            })
    }

    /// Package names that start with `prefix`, from the source's index or else the fallback.
    pub fn complete(&self, source: Option<&str>, prefix: &str, limit: usize) -> Vec<&PackageInfo> {
        match self.index_for(source) {
            Some(index) if !index.is_empty() => index.with_prefix(prefix, limit),
            _ => self
                .fallback
                .as_ref()
                .map(|f| f.with_prefix(prefix, limit))
                .unwrap_or_default(),
        }
    }
}

/// An index built from a table of `attr license[,license] file [pname]` lines: the form fixtures use.
/// License names are looked up in `licenses`.
pub fn index_from_table(
    origin: &str,
    licenses: LicenseTable,
    table: &str,
    source: IndexSource,
) -> PackageIndex {
    let mut packages = Vec::new();
    for line in table.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut fields = line.split_whitespace();
        let (Some(attr), Some(names)) = (fields.next(), fields.next()) else {
            continue;
        };
        let file = fields.next().unwrap_or_default();
        let pname = fields.next().map(str::to_owned);
        let names: Vec<&str> = names.split(',').collect();
        let expr = crate::license_expr::LicenseExpr {
            ops: names
                .iter()
                .map(|n| crate::license_expr::LicenseOp::Named((*n).to_owned()))
                .chain(
                    (names.len() > 1).then_some(crate::license_expr::LicenseOp::List(names.len())),
                )
                .collect(),
        };
        packages.push(PackageInfo {
            attr: attr.to_owned(),
            freedom: expr.freedom(&licenses),
            licenses: expr.display_names(&licenses),
            file: file.to_owned(),
            source,
            pname,
        });
    }
    PackageIndex::new(origin, licenses, packages)
}

/// The bundled index, parsed once.
pub(crate) fn cached(
    cell: &'static OnceLock<Arc<PackageIndex>>,
    make: fn() -> PackageIndex,
) -> Arc<PackageIndex> {
    Arc::clone(cell.get_or_init(|| Arc::new(make())))
}
