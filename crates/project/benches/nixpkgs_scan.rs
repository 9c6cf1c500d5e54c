//! Benchmark of the nixpkgs license index on a GENERATED tree of nixpkgs' size.
//!
//! `cargo bench -p project --bench nixpkgs_scan [-- PACKAGES]` writes ~20,000 package files
//! (by-name and top-level `callPackage` entries, mixed license forms) into a temporary
//! directory, then reports the cold scan time, the cached load time and the peak RSS.
//! Targets: cold scan ≤ 5 s on 2 cores, cached load ≤ 50 ms, memory ≤ 100 MB.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    if let Some(parent) = path.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    std::fs::write(path, text).expect("write generated file");
}

const LICENSES: &[&str] = &[
    "mit",
    "gpl2Only",
    "gpl3Plus",
    "asl20",
    "bsd3",
    "unfree",
    "unfreeRedistributable",
];

/// A package file of a typical size (~1.5 KB) with one of several license forms.
fn package_text(i: usize, name: &str) -> String {
    let lic = LICENSES[i % LICENSES.len()];
    let license = match i % 5 {
        0 => format!("lib.licenses.{lic}"),
        1 => format!("with lib.licenses; [ mit {lic} ]"),
        2 => format!("lib.licenses.OR [ lib.licenses.{lic} lib.licenses.mit ]"),
        3 => format!("licenses.{lic}"),
        _ => format!(
            "{{ fullName = \"Vendor {i}\"; free = {}; }}",
            i.is_multiple_of(2)
        ),
    };
    let mut deps = String::new();
    for d in 0..12 {
        let _ = writeln!(deps, "    dep{d}");
    }
    format!(
        r#"{{
  lib,
  stdenv,
  fetchFromGitHub,
{deps}}}:

stdenv.mkDerivation (finalAttrs: {{
  pname = "{name}";
  version = "1.{i}.0";

  src = fetchFromGitHub {{
    owner = "someone";
    repo = "{name}";
    rev = "v${{finalAttrs.version}}";
    hash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  }};

  buildInputs = [ dep0 dep1 dep2 dep3 ];
  nativeBuildInputs = [ dep4 dep5 ];

  postInstall = ''
    mkdir -p $out/share/{name}
    cp -r assets $out/share/{name}/
  '';

  meta = with lib; {{
    description = "Generated package number {i}";
    homepage = "https://example.org/{name}";
    license = {license};
    maintainers = with maintainers; [ someone ];
    platforms = platforms.unix;
  }};
}})
"#
    )
}

fn generate(root: &Path, n: usize) {
    let mut licenses = String::from("{ lib }: lib.mapAttrs mkLicense {\n");
    for l in LICENSES {
        let free = !l.starts_with("unfree");
        let _ = writeln!(
            licenses,
            "  {l} = {{ fullName = \"{l}\"; free = {free}; }};"
        );
    }
    for k in 0..300 {
        let _ = writeln!(
            licenses,
            "  generated{k} = {{ spdxId = \"G-{k}\"; fullName = \"Generated {k}\"; }};"
        );
    }
    licenses.push_str("}\n");
    write(root, "lib/licenses/licenses.nix", &licenses);
    let by_name = n * 7 / 10;
    for i in 0..by_name {
        let name = format!("pkg{i}");
        write(
            root,
            &format!("pkgs/by-name/{}/{name}/package.nix", &name[..2]),
            &package_text(i, &name),
        );
    }
    let mut top = String::from("{ lib, config }: res: pkgs: super: with pkgs; {\n");
    for i in by_name..n {
        let name = format!("top{i}");
        let dir = format!("pkgs/applications/group{}/{name}", i % 40);
        write(root, &format!("{dir}/default.nix"), &package_text(i, &name));
        let _ = writeln!(
            top,
            "  {name} = callPackage ../applications/group{}/{name} {{ }};",
            i % 40
        );
        if i % 10 == 0 {
            let _ = writeln!(top, "  {name}-alias = {name};");
        }
    }
    top.push_str("}\n");
    write(root, "pkgs/top-level/all-packages.nix", &top);
}

fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(20_000);
    let tree = tempfile::tempdir().expect("tempdir");
    let cache = tempfile::tempdir().expect("tempdir");
    let t = Instant::now();
    generate(tree.path(), n);
    println!(
        "generated {n} packages in {:.2?} (peak RSS so far {:.1} MB)",
        t.elapsed(),
        peak_rss_mb().unwrap_or(0.0)
    );

    let t = Instant::now();
    let (index, origin) =
        project::load_or_scan_nixpkgs(tree.path(), "bench", Some(cache.path())).expect("scan");
    let cold = t.elapsed();
    assert_eq!(origin, project::IndexOrigin::Scanned);
    let unfree = index
        .packages()
        .iter()
        .filter(|p| p.freedom == nixpkgs::Freedom::Unfree)
        .count();
    println!(
        "cold scan: {cold:.2?} for {} packages ({unfree} unfree), {} threads",
        index.len(),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    let cache_bytes: u64 = std::fs::read_dir(cache.path())
        .expect("cache dir")
        .flatten()
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum();
    drop(index);

    let mut best = std::time::Duration::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        let (index, origin) =
            project::load_or_scan_nixpkgs(tree.path(), "bench", Some(cache.path())).expect("load");
        best = best.min(t.elapsed());
        assert_eq!(origin, project::IndexOrigin::Cache);
        assert!(index.len() >= n);
    }
    println!(
        "cached load: {best:.2?} (best of 5; cache file {:.1} MB)",
        cache_bytes as f64 / 1e6
    );
    println!("peak RSS (VmHWM): {:.1} MB", peak_rss_mb().unwrap_or(0.0));
}
