//! Shared by the unfree tests: a small license and package table (never the bundled fallback
//! list), a host built from a fixture, and the renderers for diagnostics and applied fixes.

#![allow(dead_code)]

use std::sync::Arc;

use expect_test::Expect;
use ide::{Analysis, AnalysisHost, Change, Packages};
use nixpkgs::{IndexSource, LicenseTable, index_from_table};
use test_fixture::{Fixture, apply_edits};

pub const LICENSES: &str = r#"{ lib }: lib.mapAttrs mkLicense {
  mit = { spdxId = "MIT"; };
  gpl3Plus = { spdxId = "GPL-3.0-or-later"; };
  unfree = { fullName = "Unfree"; free = false; };
  unfreeRedistributable = { fullName = "Unfree redistributable"; free = false; redistributable = true; };
  unfreeRedistributableFirmware = { fullName = "Unfree redistributable firmware"; redistributable = true; };
}"#;

pub const PACKAGES: &str = "
hello gpl3Plus pkgs/by-name/he/hello/package.nix hello
spotify unfree pkgs/by-name/sp/spotify/package.nix spotify
vscode unfree pkgs/applications/editors/vscode/vscode.nix vscode
steam unfreeRedistributable pkgs/by-name/st/steam/package.nix steam
linux-firmware unfreeRedistributableFirmware pkgs/by-name/li/linux-firmware/package.nix linux-firmware
zoom-us unfree pkgs/by-name/zo/zoom-us/package.nix zoom
linuxPackages.nvidia_x11 unfreeRedistributable pkgs/os-specific/linux/nvidia-x11/generic.nix nvidia-x11
";

pub fn packages() -> Arc<Packages> {
    let licenses = LicenseTable::from_licenses_nix(LICENSES);
    Arc::new(Packages::only(index_from_table(
        "fixture",
        licenses,
        PACKAGES,
        IndexSource::Given,
    )))
}

pub fn host(fixture: &Fixture) -> AnalysisHost {
    let mut change: Change = fixture.to_change();
    change.packages = Some(packages());
    let mut host = AnalysisHost::new();
    host.apply_change(change);
    host
}

pub fn render(analysis: &Analysis) -> String {
    test_fixture::render_diagnostics_of(analysis, &["unfree-package"])
}

pub fn check(fixture: &str, expect: Expect) {
    let fixture = Fixture::parse(fixture);
    expect.assert_eq(&render(&host(&fixture).analysis()));
}

/// Applies fix number `index` of the first diagnostic, re-analyses, and shows the edited files
/// and what remains.
pub fn check_fix(fixture: &str, index: usize, expect: Expect) {
    check_fix_of(fixture, "", index, expect);
}

/// [`check_fix`] for the first diagnostic whose message mentions `word`.
pub fn check_fix_of(fixture: &str, word: &str, index: usize, expect: Expect) {
    let mut fixture = Fixture::parse(fixture);
    let analysis = host(&fixture).analysis();
    let diag = analysis
        .files()
        .into_iter()
        .flat_map(|f| analysis.diagnostics(f))
        .find(|d| d.code.as_str() == "unfree-package" && d.message.contains(word))
        .expect("a diagnostic");
    let fix = &diag.fixes[index];
    let mut out = format!("fix: {}\n", fix.label);
    for (file_id, edits) in &fix.change.edits {
        let path = analysis.file_path(*file_id).to_string();
        let text = apply_edits(&analysis.file_text(*file_id), edits);
        out.push_str(&format!("--- {path}\n{text}"));
        for f in &mut fixture.files {
            if f.path == path {
                f.text = text.clone();
            }
        }
    }
    out.push_str(&format!(
        "--- after\n{}",
        render(&host(&fixture).analysis())
    ));
    expect.assert_eq(&out);
}

/// The hover at the fixture's `$0`: its range and markdown, or `no hover`.
pub fn hover(fixture: &str) -> String {
    let fixture = Fixture::parse(fixture);
    hover_in(&fixture, &host(&fixture).analysis())
}

/// [`hover`] in a given analysis of the fixture.
pub fn hover_in(fixture: &Fixture, analysis: &Analysis) -> String {
    let marker = fixture.marker(0).expect("$0");
    let file_id = analysis
        .file_id(&ide::VfsPath::new(&marker.path))
        .expect("file");
    match analysis.hover(ide::FilePosition {
        file_id,
        offset: marker.offset,
    }) {
        Some(h) => format!(
            "{}\n{}",
            test_fixture::render_range(analysis, file_id, h.range),
            h.markdown
        ),
        None => "no hover".to_owned(),
    }
}

/// The completions at the fixture's `$0`, one `label detail` a line.
pub fn completions(fixture: &str) -> String {
    let fixture = Fixture::parse(fixture);
    completions_in(&fixture, &host(&fixture).analysis())
}

/// [`completions`] in a given analysis of the fixture.
pub fn completions_in(fixture: &Fixture, analysis: &Analysis) -> String {
    let marker = fixture.marker(0).expect("$0");
    let file_id = analysis
        .file_id(&ide::VfsPath::new(&marker.path))
        .expect("file");
    let items = analysis.completions(ide::FilePosition {
        file_id,
        offset: marker.offset,
    });
    items
        .iter()
        .map(|i| format!("{} {:?}", i.label, i.detail))
        .collect::<Vec<_>>()
        .join("\n")
}
