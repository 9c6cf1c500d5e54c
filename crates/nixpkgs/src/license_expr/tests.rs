use expect_test::{Expect, expect};

use super::{Freedom, package_licenses};
use crate::license::LicenseTable;

fn table() -> LicenseTable {
    LicenseTable::from_licenses_nix(
        r#"lib.mapAttrs mkLicense {
          mit = { spdxId = "MIT"; };
          gpl2Only = { spdxId = "GPL-2.0-only"; };
          classpathException20 = { spdxId = "Classpath-exception-2.0"; };
          unfree = { fullName = "Unfree"; free = false; };
          unfreeRedistributable = { fullName = "Unfree redistributable"; free = false; redistributable = true; };
          unfreeRedistributableFirmware = { fullName = "Unfree redistributable firmware"; redistributable = true; };
        }"#,
    )
}

fn check(package: &str, expect: Expect) {
    let table = table();
    let exprs = package_licenses(package);
    let shown: Vec<String> = exprs
        .iter()
        .map(|e| {
            format!(
                "{} {:?}",
                e.freedom(&table).as_str(),
                e.display_names(&table)
            )
        })
        .collect();
    expect.assert_eq(&shown.join("\n"));
}

#[test]
fn select_forms() {
    check(
        "{ lib }: mk { meta.license = lib.licenses.unfree; }",
        expect![[r#"unfree ["unfree"]"#]],
    );
    check(
        "{ lib }: mk { meta = { license = lib.licenses.unfreeRedistributable; }; }",
        expect![[r#"unfree ["unfreeRedistributable"]"#]],
    );
    check(
        "{ lib }: mk { meta = with lib; { license = licenses.unfreeRedistributableFirmware; }; }",
        expect![[r#"free ["unfreeRedistributableFirmware"]"#]],
    );
    check(
        "{ stdenv }: mk { meta = { license = stdenv.lib.licenses.mit; }; }",
        expect![[r#"free ["mit"]"#]],
    );
}

#[test]
fn with_scopes_and_lets() {
    check(
        "{ lib }: mk { meta = { license = with lib.licenses; [ mit unfree ]; }; }",
        expect![[r#"unfree ["mit", "unfree"]"#]],
    );
    check(
        "{ lib }: let l = lib.licenses.unfree; meta = { license = l; }; in mk { inherit meta; }",
        expect![[r#"unfree ["unfree"]"#]],
    );
    check(
        "{ lib }: let inherit (lib.licenses) unfree; in mk { meta.license = unfree; }",
        expect![[r#"unfree ["unfree"]"#]],
    );
    // `unfree` is a parameter here, not the license.
    check(
        "{ unfree }: mk { meta.license = unfree; }",
        expect![[r#"unknown ["unknown"]"#]],
    );
    check(
        "{ lib }: with lib.licenses; let unfree = mit; in mk { meta.license = unfree; }",
        expect![[r#"free ["mit"]"#]],
    );
}

#[test]
fn compound_and_custom() {
    check(
        "{ lib }: mk { meta.license = with lib.licenses; OR [ mit unfree ]; }",
        expect![[r#"free ["mit", "unfree"]"#]],
    );
    check(
        "{ lib }: mk { meta.license = lib.licenses.AND [ lib.licenses.mit lib.licenses.unfree ]; }",
        expect![[r#"unfree ["mit", "unfree"]"#]],
    );
    check(
        "{ lib }: mk { meta.license = with lib.licenses; WITH gpl2Only classpathException20; }",
        expect![[r#"free ["gpl2Only", "classpathException20"]"#]],
    );
    check(
        r#"mk { meta.license = { fullName = "Vendor EULA"; free = false; }; }"#,
        expect![[r#"unfree ["Vendor EULA"]"#]],
    );
    check(
        r#"mk { meta.license = { fullName = "Something"; }; }"#,
        expect![[r#"free ["Something"]"#]],
    );
    // A string alone is free; in a list it is not.
    check(
        r#"mk { meta.license = "unfree"; }"#,
        expect![[r#"free ["unfree"]"#]],
    );
    check(
        r#"{ lib }: mk { meta.license = [ lib.licenses.mit "bsd" ]; }"#,
        expect![[r#"unfree ["mit", "bsd"]"#]],
    );
    check(
        "{ lib }: mk { meta.license = lib.licenses.mit // { x = 1; }; }",
        expect![[r#"unknown ["unknown"]"#]],
    );
    check(
        "{ lib }: mk { meta.license = lib.licenses.nope; }",
        expect![[r#"unknown ["nope"]"#]],
    );
}

#[test]
fn not_meta_licenses() {
    check(
        "{ lib }: mk { license = lib.licenses.unfree; }",
        expect![[""]],
    );
    check(
        "{ lib }: mk { passthru = { license = lib.licenses.unfree; }; }",
        expect![[""]],
    );
    assert_eq!(Freedom::Unfree.as_str(), "unfree");
}

#[test]
fn inherited_and_passthru_meta() {
    // steam's shape: the license comes from another package's meta; a passthru derivation has
    // its own (free) license that must not count.
    check(
        r#"{ lib, steam-unwrapped, steamEnv }: steamEnv {
  passthru.run = steamEnv { meta = (steam-unwrapped.meta or { }) // { license = lib.licenses.mit; }; };
  meta = (steam-unwrapped.meta or { }) // { description = "Steam"; };
}"#,
        expect![[r#"unknown ["unknown"]"#]],
    );
    check(
        "{ lib, base }: mk { meta = base.meta // { license = lib.licenses.unfree; }; }",
        expect![[r#"unfree ["unfree"]"#]],
    );
}
