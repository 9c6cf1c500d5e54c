//! Nixpkgs knowledge for flake-lsp: which licenses are unfree, which packages carry them
//! (static scan of a nixpkgs tree, cache format, bundled fallback), and what a nixpkgs
//! instance's `config` allows, including the instances overlays add to a package set.
//!
//! Everything here is a pure function of text; reading files and running `nix` live in the
//! `project` crate.

mod fallback;
mod index;
mod instance;
mod license;
mod license_expr;
mod overlays;
mod packages;
mod scopes;
mod sites;
mod syntax_util;
mod top_level;

pub use fallback::bundled;
pub use index::{IndexSource, PackageIndex, PackageInfo, ScannedPackage};
pub use instance::{Allowed, UnfreeConfig, UnfreeSetting};
pub use license::{License, LicenseTable};
pub use license_expr::{
    FreeAttr, Freedom, LicenseExpr, LicenseOp, PackageFile, license_expr, package_licenses,
    scan_package_file,
};
pub use overlays::{
    ConfigSource, ImportOverlays, OverlayAttrSite, OverlayInstance, import_overlays,
    overlay_instance,
};
pub use packages::{PackageLookup, Packages, index_from_table};
pub use scopes::{Scopes, is_rec_set};
pub use sites::{
    InstanceKind, InstanceSite, PackageUse, Resolved, UseKind, package_uses, package_uses_in,
    resolve_package_set, resolve_package_set_in, selects_whole_package,
};
pub use syntax_util::{
    apply_spine, attr_name, attrpath_names, dotted_path, static_string, strip_parens,
};
pub use top_level::{TopLevelEntry, TopLevelTarget, top_level_entries};
