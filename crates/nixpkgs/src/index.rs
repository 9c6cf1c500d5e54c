//! The package index of one nixpkgs: attribute path → license verdict, with its provenance.

use std::collections::HashMap;

use crate::license::{License, LicenseTable};
use crate::license_expr::{Freedom, LicenseExpr};

/// Which data decided a package's verdict (shown on hover).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum IndexSource {
    /// A static scan of the nixpkgs source tree.
    Scan,
    /// `nix eval` of `meta.unfree` (opt-in).
    Evaluator,
    /// flake-lsp's bundled list of well-known unfree packages.
    Fallback,
    /// A table given by a test or by the caller.
    Given,
}

impl IndexSource {
    /// A short phrase for hovers and messages.
    pub fn describe(self) -> &'static str {
        match self {
            IndexSource::Scan => "static scan of the nixpkgs source",
            IndexSource::Evaluator => "`nix eval` of meta.unfree",
            IndexSource::Fallback => "flake-lsp's bundled list of unfree packages",
            IndexSource::Given => "the given package table",
        }
    }

    fn code(self) -> char {
        match self {
            IndexSource::Scan => 's',
            IndexSource::Evaluator => 'e',
            IndexSource::Fallback => 'b',
            IndexSource::Given => 'g',
        }
    }

    fn from_code(c: &str) -> Option<IndexSource> {
        Some(match c {
            "s" => IndexSource::Scan,
            "e" => IndexSource::Evaluator,
            "b" => IndexSource::Fallback,
            "g" => IndexSource::Given,
            _ => return None,
        })
    }
}

/// What the index knows of one package.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PackageInfo {
    /// The attribute path (`spotify`, `linuxPackages.nvidia_x11`).
    pub attr: String,
    /// Free, unfree or unknown.
    pub freedom: Freedom,
    /// The license short names, as shown to people.
    pub licenses: Vec<String>,
    /// The nixpkgs file that declares the license, relative to the nixpkgs root.
    pub file: String,
    /// Which data decided.
    pub source: IndexSource,
    /// `lib.getName` of the package (its `pname`), when the scan found a literal one.
    pub pname: Option<String>,
}

/// One package found by a scan, before judging.
#[derive(Clone, Debug)]
pub struct ScannedPackage {
    /// The attribute path.
    pub attr: String,
    /// The file, relative to the nixpkgs root.
    pub file: String,
    /// Every `meta.license` definition found in the file.
    pub licenses: Vec<LicenseExpr>,
    /// The literal `pname`, if found.
    pub pname: Option<String>,
}

/// Packages of one nixpkgs, sorted by attribute path.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct PackageIndex {
    origin: String,
    licenses: LicenseTable,
    packages: Vec<PackageInfo>,
}

const CACHE_HEADER: &str = "flake-lsp nixpkgs index v1";

impl PackageIndex {
    /// An index from already judged packages (duplicates: the first wins).
    pub fn new(
        origin: impl Into<String>,
        licenses: LicenseTable,
        mut packages: Vec<PackageInfo>,
    ) -> Self {
        packages.sort_by(|a, b| a.attr.cmp(&b.attr));
        packages.dedup_by(|later, first| later.attr == first.attr);
        PackageIndex {
            origin: origin.into(),
            licenses,
            packages,
        }
    }

    /// Judges scanned packages against `licenses`; `aliases` (`name → target attr`) copy
    /// the target's verdict.
    pub fn build(
        origin: impl Into<String>,
        licenses: LicenseTable,
        scanned: Vec<ScannedPackage>,
        aliases: Vec<(String, String)>,
    ) -> PackageIndex {
        let mut packages: Vec<PackageInfo> =
            scanned.into_iter().map(|p| judge(&licenses, p)).collect();
        let by_attr: HashMap<String, usize> = packages
            .iter()
            .enumerate()
            .map(|(i, p)| (p.attr.clone(), i))
            .collect();
        let mut extra = Vec::new();
        for (alias, target) in aliases {
            if by_attr.contains_key(&alias) {
                continue;
            }
            if let Some(&i) = by_attr.get(&target) {
                let mut info = packages[i].clone();
                info.attr = alias;
                extra.push(info);
            }
        }
        packages.extend(extra);
        PackageIndex::new(origin, licenses, packages)
    }

    /// Where the data came from (a store path, a directory, "bundled").
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The license table.
    pub fn licenses(&self) -> &LicenseTable {
        &self.licenses
    }

    /// Every package, sorted by attribute path.
    pub fn packages(&self) -> &[PackageInfo] {
        &self.packages
    }

    /// How many packages are indexed.
    pub fn len(&self) -> usize {
        self.packages.len()
    }

    /// Whether no package is indexed.
    pub fn is_empty(&self) -> bool {
        self.packages.is_empty()
    }

    /// The package at exactly `attr`.
    pub fn get(&self, attr: &str) -> Option<&PackageInfo> {
        self.packages
            .binary_search_by(|p| p.attr.as_str().cmp(attr))
            .ok()
            .map(|i| &self.packages[i])
    }

    /// The longest prefix of `path` that is a package, and how many segments it uses.
    pub fn get_prefix(&self, path: &[&str]) -> Option<(usize, &PackageInfo)> {
        let mut key = String::new();
        let mut best = None;
        for (i, segment) in path.iter().enumerate() {
            if i > 0 {
                key.push('.');
            }
            key.push_str(segment);
            if let Some(info) = self.get(&key) {
                best = Some((i + 1, info));
            } else if !self.has_prefix(&format!("{key}.")) {
                break;
            }
        }
        best
    }

    fn has_prefix(&self, prefix: &str) -> bool {
        let start = self.packages.partition_point(|p| p.attr.as_str() < prefix);
        self.packages
            .get(start)
            .is_some_and(|p| p.attr.starts_with(prefix))
    }

    /// Packages whose attribute path starts with `prefix`, at most `limit` of them, in order.
    pub fn with_prefix(&self, prefix: &str, limit: usize) -> Vec<&PackageInfo> {
        let start = self.packages.partition_point(|p| p.attr.as_str() < prefix);
        self.packages[start..]
            .iter()
            .take_while(|p| p.attr.starts_with(prefix))
            .take(limit)
            .collect()
    }

    /// Packages whose verdict is unknown (candidates for the evaluator backend).
    pub fn undecided(&self) -> impl Iterator<Item = &PackageInfo> {
        self.packages
            .iter()
            .filter(|p| p.freedom == Freedom::Unknown)
    }

    /// Records evaluator verdicts (`attr → unfree?`).
    pub fn apply_evaluated(&mut self, verdicts: &[(String, bool)]) {
        for (attr, unfree) in verdicts {
            if let Ok(i) = self
                .packages
                .binary_search_by(|p| p.attr.as_str().cmp(attr))
            {
                let info = &mut self.packages[i];
                info.freedom = if *unfree {
                    Freedom::Unfree
                } else {
                    Freedom::Free
                };
                info.source = IndexSource::Evaluator;
            }
        }
    }

    /// The compact line format of the on-disk cache.
    pub fn to_cache_string(&self) -> String {
        let mut out = String::with_capacity(64 * (self.packages.len() + self.licenses.len()) + 64);
        out.push_str(CACHE_HEADER);
        out.push('\n');
        out.push_str("O\t");
        out.push_str(&clean(&self.origin));
        out.push('\n');
        for l in self.licenses.iter() {
            out.push_str(&format!(
                "L\t{}\t{}\t{}\t{}\n",
                clean(&l.name),
                clean(&l.short_name),
                tri(l.free),
                tri(l.redistributable)
            ));
        }
        for p in &self.packages {
            let freedom = match p.freedom {
                Freedom::Free => 'f',
                Freedom::Unfree => 'u',
                Freedom::Unknown => '?',
            };
            let licenses: Vec<String> = p
                .licenses
                .iter()
                .map(|l| clean(l).replace(',', ";"))
                .collect();
            out.push_str(&format!(
                "P\t{}\t{}\t{}\t{}\t{}\t{}\n",
                clean(&p.attr),
                freedom,
                p.source.code(),
                licenses.join(","),
                clean(&p.file),
                p.pname.as_deref().map(clean).unwrap_or_default()
            ));
        }
        out
    }

    /// Reads the cache format; any malformed line fails the whole load.
    pub fn from_cache_str(text: &str) -> Result<PackageIndex, String> {
        let mut lines = text.lines();
        if lines.next() != Some(CACHE_HEADER) {
            return Err("not a flake-lsp nixpkgs index (or another version)".to_owned());
        }
        let mut origin = String::new();
        let mut licenses = Vec::new();
        let mut packages = Vec::new();
        for (n, line) in lines.enumerate() {
            let bad = || format!("line {}: malformed", n + 2);
            let mut fields = line.split('\t');
            match fields.next() {
                Some("O") => origin = fields.next().unwrap_or_default().to_owned(),
                Some("L") => {
                    let name = fields.next().ok_or_else(bad)?.to_owned();
                    let short_name = fields.next().ok_or_else(bad)?.to_owned();
                    let free = parse_tri(fields.next().ok_or_else(bad)?).ok_or_else(bad)?;
                    let redistributable =
                        parse_tri(fields.next().ok_or_else(bad)?).ok_or_else(bad)?;
                    licenses.push(License {
                        name,
                        short_name,
                        free,
                        redistributable,
                    });
                }
                Some("P") => {
                    let attr = fields.next().ok_or_else(bad)?.to_owned();
                    let freedom = match fields.next().ok_or_else(bad)? {
                        "f" => Freedom::Free,
                        "u" => Freedom::Unfree,
                        "?" => Freedom::Unknown,
                        _ => return Err(bad()),
                    };
                    let source =
                        IndexSource::from_code(fields.next().ok_or_else(bad)?).ok_or_else(bad)?;
                    let names = fields.next().ok_or_else(bad)?;
                    let licenses = if names.is_empty() {
                        Vec::new()
                    } else {
                        names.split(',').map(str::to_owned).collect()
                    };
                    let file = fields.next().ok_or_else(bad)?.to_owned();
                    let pname = fields.next().filter(|p| !p.is_empty()).map(str::to_owned);
                    packages.push(PackageInfo {
                        attr,
                        freedom,
                        licenses,
                        file,
                        source,
                        pname,
                    });
                }
                Some("") => {}
                _ => return Err(bad()),
            }
        }
        Ok(PackageIndex::new(
            origin,
            LicenseTable::new(licenses),
            packages,
        ))
    }
}

fn judge(table: &LicenseTable, p: ScannedPackage) -> PackageInfo {
    let mut freedom = None;
    let mut names = Vec::new();
    for expr in &p.licenses {
        let f = expr.freedom(table);
        freedom = Some(match freedom {
            None => f,
            Some(prev) if prev == f => f,
            Some(_) => Freedom::Unknown,
        });
        for name in expr.display_names(table) {
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    PackageInfo {
        attr: p.attr,
        freedom: freedom.unwrap_or(Freedom::Unknown),
        licenses: names,
        file: p.file,
        source: IndexSource::Scan,
        pname: p.pname,
    }
}

fn clean(s: &str) -> String {
    s.replace(['\t', '\n', '\r'], " ")
}

fn tri(b: Option<bool>) -> char {
    match b {
        Some(true) => '1',
        Some(false) => '0',
        None => '?',
    }
}

fn parse_tri(s: &str) -> Option<Option<bool>> {
    match s {
        "1" => Some(Some(true)),
        "0" => Some(Some(false)),
        "?" => Some(None),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::{IndexSource, PackageIndex, ScannedPackage};
    use crate::license::LicenseTable;
    use crate::license_expr::{Freedom, LicenseExpr};

    fn sample() -> PackageIndex {
        let table = LicenseTable::from_licenses_nix(
            "{ mit = { spdxId = \"MIT\"; }; unfree = { fullName = \"Unfree\"; free = false; }; }",
        );
        let pkg = |attr: &str, lic: &[&str]| ScannedPackage {
            attr: attr.to_owned(),
            file: format!("pkgs/by-name/{attr}/package.nix"),
            licenses: lic.iter().map(|l| LicenseExpr::named(l)).collect(),
            pname: Some(attr.to_owned()),
        };
        PackageIndex::build(
            "/nix/store/x-source",
            table,
            vec![
                pkg("spotify", &["unfree"]),
                pkg("hello", &["mit"]),
                pkg("mixed", &["mit", "unfree"]),
                pkg("nolicense", &[]),
                pkg("jetbrains.idea", &["unfree"]),
            ],
            vec![
                ("spotify-alias".to_owned(), "spotify".to_owned()),
                ("x".to_owned(), "missing".to_owned()),
            ],
        )
    }

    #[test]
    fn judges_and_aliases() {
        let index = sample();
        let show: Vec<String> = index
            .packages()
            .iter()
            .map(|p| format!("{} {} {:?}", p.attr, p.freedom.as_str(), p.licenses))
            .collect();
        expect_test::expect![[r#"
            [
                "hello free [\"mit\"]",
                "jetbrains.idea unfree [\"unfree\"]",
                "mixed unknown [\"mit\", \"unfree\"]",
                "nolicense unknown []",
                "spotify unfree [\"unfree\"]",
                "spotify-alias unfree [\"unfree\"]",
            ]
        "#]]
        .assert_debug_eq(&show);
        assert_eq!(
            index
                .get_prefix(&["jetbrains", "idea", "override"])
                .map(|(n, p)| (n, p.attr.as_str())),
            Some((2, "jetbrains.idea"))
        );
        assert_eq!(index.get_prefix(&["nothing", "here"]).map(|(n, _)| n), None);
        assert_eq!(index.with_prefix("sp", 10).len(), 2);
    }

    #[test]
    fn cache_round_trip() {
        let mut index = sample();
        index.apply_evaluated(&[("mixed".to_owned(), true)]);
        let text = index.to_cache_string();
        let back = PackageIndex::from_cache_str(&text).expect("valid cache");
        assert_eq!(back, index);
        assert_eq!(
            back.get("mixed").map(|p| (p.freedom, p.source)),
            Some((Freedom::Unfree, IndexSource::Evaluator))
        );
        assert!(PackageIndex::from_cache_str("garbage").is_err());
        assert!(PackageIndex::from_cache_str("flake-lsp nixpkgs index v1\nP\tx\tz\n").is_err());
    }
}
