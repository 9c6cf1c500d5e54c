//! What a nixpkgs instance's `config` allows (rules U2, U4), read statically from the
//! expression that configures it.

use rowan::ast::AstNode;
use syntax::TextRange;
use syntax::ast::{self, HasEntry};

use crate::syntax_util::{
    apply_spine, attrpath_names, bool_literal, dotted_path, let_value, string_literal, strip_parens,
};

/// `config.allowUnfree` of an instance.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum UnfreeSetting {
    /// Not set, or `false`.
    Off,
    /// `true`.
    On,
    /// Computed: the analysis cannot tell.
    Unknown,
}

/// The unfree-related part of a nixpkgs `config`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct UnfreeConfig {
    /// The whole config is unknown (computed, imported, or inherited from somewhere opaque).
    pub unknown: bool,
    /// `allowUnfree`.
    pub allow_unfree: UnfreeSetting,
    /// Names admitted by a static `allowUnfreePredicate` (`builtins.elem (lib.getName pkg) [ … ]`).
    pub predicate_names: Vec<String>,
    /// An `allowUnfreePredicate` the analysis cannot read (it may allow anything).
    pub opaque_predicate: bool,
    /// `allowUnfreePackages` names.
    pub allowed_packages: Vec<String>,
    /// `allowUnfreePackages` is computed.
    pub opaque_packages: bool,
    /// `allowlistedLicenses` by attribute name (`unfreeRedistributable`).
    pub allowlisted_licenses: Vec<String>,
    /// `allowlistedLicenses` is computed.
    pub opaque_allowlist: bool,
    /// The range of the predicate's name list (where a quick fix adds a name).
    pub predicate_list: Option<TextRange>,
    /// The range of the `allowUnfree` definition, when there is one.
    pub allow_unfree_range: Option<TextRange>,
}

/// Whether an instance lets a given unfree package be built.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Allowed {
    /// Yes, and why.
    Yes(String),
    /// No: evaluation will refuse the package.
    No,
    /// The analysis cannot tell (stay silent).
    Maybe,
}

impl Default for UnfreeConfig {
    fn default() -> UnfreeConfig {
        UnfreeConfig {
            unknown: false,
            allow_unfree: UnfreeSetting::Off,
            predicate_names: Vec::new(),
            opaque_predicate: false,
            allowed_packages: Vec::new(),
            opaque_packages: false,
            allowlisted_licenses: Vec::new(),
            opaque_allowlist: false,
            predicate_list: None,
            allow_unfree_range: None,
        }
    }
}

impl UnfreeConfig {
    /// nixpkgs' default config: no unfree package allowed (pure evaluation ignores
    /// `NIXPKGS_ALLOW_UNFREE` and `~/.config/nixpkgs`).
    pub fn default_config() -> UnfreeConfig {
        UnfreeConfig::default()
    }

    /// A config the analysis cannot read.
    pub fn unknown() -> UnfreeConfig {
        UnfreeConfig {
            unknown: true,
            ..UnfreeConfig::default()
        }
    }

    /// Whether an unfree package is allowed. `name` is its `lib.getName` (pname) when known;
    /// `licenses` are the attribute names of its licenses.
    pub fn allows(&self, name: Option<&str>, licenses: &[String]) -> Allowed {
        if self.unknown {
            return Allowed::Maybe;
        }
        match self.allow_unfree {
            UnfreeSetting::On => return Allowed::Yes("`allowUnfree = true`".to_owned()),
            UnfreeSetting::Unknown => return Allowed::Maybe,
            UnfreeSetting::Off => {}
        }
        if let Some(name) = name {
            if self.predicate_names.iter().any(|n| n == name) {
                return Allowed::Yes(format!("`allowUnfreePredicate` admits \"{name}\""));
            }
            if self.allowed_packages.iter().any(|n| n == name) {
                return Allowed::Yes(format!("`allowUnfreePackages` lists \"{name}\""));
            }
        }
        if licenses
            .iter()
            .any(|l| self.allowlisted_licenses.contains(l))
        {
            return Allowed::Yes("`allowlistedLicenses` lists its license".to_owned());
        }
        if self.opaque_predicate || self.opaque_packages || self.opaque_allowlist {
            return Allowed::Maybe;
        }
        let has_names = !self.predicate_names.is_empty() || !self.allowed_packages.is_empty();
        if name.is_none() && has_names {
            return Allowed::Maybe;
        }
        Allowed::No
    }

    /// A short description of what the config allows, for hovers.
    pub fn describe(&self) -> String {
        if self.unknown {
            return "a config the analysis cannot read".to_owned();
        }
        let mut parts = Vec::new();
        match self.allow_unfree {
            UnfreeSetting::On => parts.push("`allowUnfree = true`".to_owned()),
            UnfreeSetting::Unknown => parts.push("a computed `allowUnfree`".to_owned()),
            UnfreeSetting::Off => {}
        }
        if !self.predicate_names.is_empty() {
            parts.push(format!(
                "`allowUnfreePredicate` for {}",
                quoted(&self.predicate_names)
            ));
        }
        if self.opaque_predicate {
            parts.push("a computed `allowUnfreePredicate`".to_owned());
        }
        if !self.allowed_packages.is_empty() {
            parts.push(format!(
                "`allowUnfreePackages` {}",
                quoted(&self.allowed_packages)
            ));
        }
        if !self.allowlisted_licenses.is_empty() || self.opaque_allowlist {
            parts.push("`allowlistedLicenses`".to_owned());
        }
        if parts.is_empty() {
            "no unfree packages".to_owned()
        } else {
            parts.join(", ")
        }
    }

    /// Reads a `config` value: an attrset, a function `{ pkgs, lib }: { … }`, or a name bound
    /// by `let` in the same file. Anything else is unknown.
    pub fn from_config_expr(expr: &ast::Expr) -> UnfreeConfig {
        let mut expr = strip_parens(expr.clone());
        for _ in 0..8 {
            match expr {
                ast::Expr::AttrSet(set) => {
                    let mut config = UnfreeConfig::default();
                    for entry in set.attrpath_values() {
                        let Some(path) = entry.attrpath().and_then(|p| attrpath_names(&p)) else {
                            return UnfreeConfig::unknown();
                        };
                        let path: Vec<&str> = path.iter().map(String::as_str).collect();
                        let Some(value) = entry.value() else { continue };
                        config.set(&path, &value, entry.syntax().text_range());
                    }
                    if set.entries().any(|e| matches!(e, ast::Entry::Inherit(_))) {
                        config.read_inherits(&set);
                    }
                    return config;
                }
                ast::Expr::Lambda(lambda) => match lambda.body() {
                    Some(body) => expr = strip_parens(body),
                    None => return UnfreeConfig::unknown(),
                },
                ast::Expr::Ident(ref ident) => {
                    let Some(token) = ident.ident_token() else {
                        return UnfreeConfig::unknown();
                    };
                    match let_value(ident.syntax(), token.text()) {
                        Some(value) => expr = strip_parens(value),
                        None => return UnfreeConfig::unknown(),
                    }
                }
                _ => return UnfreeConfig::unknown(),
            }
        }
        UnfreeConfig::unknown()
    }

    /// Reads the `config` of `import nixpkgs { … }` arguments. `None` when the arguments
    /// have no `config` at all (then the default config applies); `Some(unknown)` when
    /// the arguments themselves are not a literal attrset.
    pub fn from_import_args(args: &ast::Expr) -> Option<UnfreeConfig> {
        let ast::Expr::AttrSet(set) = strip_parens(args.clone()) else {
            return Some(UnfreeConfig::unknown());
        };
        let mut result: Option<UnfreeConfig> = None;
        for entry in set.entries() {
            match entry {
                ast::Entry::Inherit(inherit) => {
                    if inherit
                        .attrs()
                        .any(|a| crate::attr_name(&a).as_deref() == Some("config"))
                    {
                        return Some(UnfreeConfig::unknown());
                    }
                }
                ast::Entry::AttrpathValue(av) => {
                    let Some(path) = av.attrpath().and_then(|p| attrpath_names(&p)) else {
                        continue;
                    };
                    if path.first().map(String::as_str) != Some("config") {
                        continue;
                    }
                    let Some(value) = av.value() else { continue };
                    if path.len() == 1 {
                        return Some(UnfreeConfig::from_config_expr(&value));
                    }
                    let rest: Vec<&str> = path[1..].iter().map(String::as_str).collect();
                    result.get_or_insert_with(UnfreeConfig::default).set(
                        &rest,
                        &value,
                        av.syntax().text_range(),
                    );
                }
            }
        }
        result
    }

    /// Applies one module definition below `nixpkgs.config` (`path` is what follows
    /// `nixpkgs.config`; empty for `nixpkgs.config = …` itself). Definitions from several modules
    /// merge the way the NixOS option does: lists add up, any `allowUnfree = true` wins.
    pub fn apply_definition(&mut self, path: &[&str], value: &ast::Expr, range: TextRange) {
        if !path.is_empty() {
            self.set(path, value, range);
            return;
        }
        let other = UnfreeConfig::from_config_expr(value);
        self.merge(other);
    }

    /// Merges another definition of the same config into this one.
    pub fn merge(&mut self, other: UnfreeConfig) {
        self.unknown |= other.unknown;
        self.allow_unfree = match (self.allow_unfree, other.allow_unfree) {
            (UnfreeSetting::On, _) | (_, UnfreeSetting::On) => UnfreeSetting::On,
            (UnfreeSetting::Unknown, _) | (_, UnfreeSetting::Unknown) => UnfreeSetting::Unknown,
            _ => UnfreeSetting::Off,
        };
        self.predicate_names.extend(other.predicate_names);
        self.opaque_predicate |= other.opaque_predicate;
        self.allowed_packages.extend(other.allowed_packages);
        self.opaque_packages |= other.opaque_packages;
        self.allowlisted_licenses.extend(other.allowlisted_licenses);
        self.opaque_allowlist |= other.opaque_allowlist;
        self.predicate_list = self.predicate_list.or(other.predicate_list);
        self.allow_unfree_range = self.allow_unfree_range.or(other.allow_unfree_range);
    }

    fn set(&mut self, path: &[&str], value: &ast::Expr, range: TextRange) {
        match path {
            ["allowUnfree"] => {
                let setting = match bool_literal(value) {
                    Some(true) => UnfreeSetting::On,
                    Some(false) => UnfreeSetting::Off,
                    None => UnfreeSetting::Unknown,
                };
                if self.allow_unfree != UnfreeSetting::On {
                    self.allow_unfree = setting;
                    self.allow_unfree_range = Some(range);
                }
            }
            ["allowUnfreePredicate"] => self.read_predicate(value),
            ["allowUnfreePackages"] => match string_list(value) {
                Some((names, _)) => self.allowed_packages.extend(names),
                None => self.opaque_packages = true,
            },
            ["allowlistedLicenses"] | ["whitelistedLicenses"] => match license_list(value) {
                Some(names) => self.allowlisted_licenses.extend(names),
                None => self.opaque_allowlist = true,
            },
            _ => {}
        }
    }

    fn read_inherits(&mut self, set: &ast::AttrSet) {
        for entry in set.entries() {
            let ast::Entry::Inherit(inherit) = entry else {
                continue;
            };
            for attr in inherit.attrs() {
                match crate::attr_name(&attr).as_deref() {
                    Some("allowUnfree") => self.allow_unfree = UnfreeSetting::Unknown,
                    Some("allowUnfreePredicate") => self.opaque_predicate = true,
                    Some("allowUnfreePackages") => self.opaque_packages = true,
                    Some("allowlistedLicenses") => self.opaque_allowlist = true,
                    _ => {}
                }
            }
        }
    }

    /// `pkg: builtins.elem (lib.getName pkg) [ "a" "b" ]` and close variants; anything else
    /// that could be a function is opaque.
    fn read_predicate(&mut self, value: &ast::Expr) {
        let value = strip_parens(value.clone());
        let lambda = match value {
            ast::Expr::Lambda(lambda) => lambda,
            // nixpkgs ignores a predicate that is not a function.
            ast::Expr::Literal(_)
            | ast::Expr::Str(_)
            | ast::Expr::List(_)
            | ast::Expr::AttrSet(_) => {
                return;
            }
            ast::Expr::Ident(ref i) if i.ident_token().is_some_and(|t| t.text() == "null") => {
                return;
            }
            _ => {
                self.opaque_predicate = true;
                return;
            }
        };
        let body = lambda.body().map(strip_parens);
        let names = match body {
            Some(ast::Expr::Apply(apply)) => apply_spine(&apply).and_then(|(f, args)| {
                let f = dotted_path(&f)?;
                if f.last().map(String::as_str) != Some("elem") || args.len() != 2 {
                    return None;
                }
                string_list(&args[1])
            }),
            _ => None,
        };
        match names {
            Some((names, range)) => {
                self.predicate_names.extend(names);
                self.predicate_list = range;
            }
            None => self.opaque_predicate = true,
        }
    }
}

fn quoted(names: &[String]) -> String {
    let shown: Vec<String> = names.iter().take(8).map(|n| format!("\"{n}\"")).collect();
    let more = if names.len() > 8 { " …" } else { "" };
    format!("[ {}{more} ]", shown.join(" "))
}

/// A literal list of strings (possibly bound by `let` in the same file), with the list's range.
fn string_list(expr: &ast::Expr) -> Option<(Vec<String>, Option<TextRange>)> {
    let mut expr = strip_parens(expr.clone());
    for _ in 0..8 {
        match expr {
            ast::Expr::List(list) => {
                let names: Option<Vec<String>> = list.items().map(|i| string_literal(&i)).collect();
                return names.map(|n| (n, Some(list.syntax().text_range())));
            }
            ast::Expr::Ident(ref ident) => {
                let token = ident.ident_token()?;
                expr = strip_parens(let_value(ident.syntax(), token.text())?);
            }
            _ => return None,
        }
    }
    None
}

/// `[ lib.licenses.a licenses.b ]` or `with lib.licenses; [ a b ]` → attribute names.
fn license_list(expr: &ast::Expr) -> Option<Vec<String>> {
    let mut expr = strip_parens(expr.clone());
    let mut under_with = false;
    if let ast::Expr::With(with) = &expr {
        under_with = with
            .namespace()
            .and_then(|ns| dotted_path(&ns))
            .is_some_and(|p| p.last().is_some_and(|l| l == "licenses"));
        expr = strip_parens(with.body()?);
    }
    let ast::Expr::List(list) = expr else {
        return None;
    };
    list.items()
        .map(|item| {
            let path = dotted_path(&item)?;
            match path.as_slice() {
                [.., licenses, name] if licenses == "licenses" => Some(name.clone()),
                [name] if under_with => Some(name.clone()),
                _ => None,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
