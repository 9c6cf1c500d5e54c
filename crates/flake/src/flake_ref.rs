//! Flake references (`github:o/r/ref`, `git+https://…?ref=…`, `path:./x`, `nixpkgs`…): parsing
//! from URL strings, from attribute sets (flake.nix) and from JSON objects (flake.lock), so that
//! the three can be compared the way Nix compares them.

use std::collections::BTreeMap;
use std::fmt;

/// The scheme of a flake reference.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum RefKind {
    /// `github:owner/repo`.
    Github,
    /// `gitlab:owner/repo`.
    Gitlab,
    /// `sourcehut:~owner/repo`.
    Sourcehut,
    /// `git+https://…`, `git+ssh://…`, `git+file://…`.
    Git,
    /// `hg+https://…`.
    Mercurial,
    /// `path:./x`, `./x`, `/abs`.
    Path,
    /// An archive fetched over HTTP(S) or from a file URL.
    Tarball,
    /// A plain file fetched over HTTP(S).
    File,
    /// A flake registry name: `nixpkgs`, `flake:nixpkgs`.
    Indirect,
    /// A type we do not model (kept so comparisons stay exact).
    Other(String),
}

impl RefKind {
    /// The `type` attribute Nix uses for this kind.
    pub fn as_str(&self) -> &str {
        match self {
            RefKind::Github => "github",
            RefKind::Gitlab => "gitlab",
            RefKind::Sourcehut => "sourcehut",
            RefKind::Git => "git",
            RefKind::Mercurial => "hg",
            RefKind::Path => "path",
            RefKind::Tarball => "tarball",
            RefKind::File => "file",
            RefKind::Indirect => "indirect",
            RefKind::Other(other) => other,
        }
    }

    /// The kind named by a `type` attribute.
    pub fn from_type(ty: &str) -> RefKind {
        match ty {
            "github" => RefKind::Github,
            "gitlab" => RefKind::Gitlab,
            "sourcehut" => RefKind::Sourcehut,
            "git" => RefKind::Git,
            "hg" => RefKind::Mercurial,
            "path" => RefKind::Path,
            "tarball" => RefKind::Tarball,
            "file" => RefKind::File,
            "indirect" => RefKind::Indirect,
            other => RefKind::Other(other.to_owned()),
        }
    }
}

/// A flake reference as a set of attributes, the way Nix represents inputs internally.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct FlakeRef {
    /// The scheme.
    pub kind: RefKind,
    /// Every other attribute (`owner`, `repo`, `ref`, `rev`, `url`, `path`, `id`, `dir`, `host`…),
    /// values as strings (`true`, `1` for booleans and numbers).
    pub attrs: BTreeMap<String, String>,
    /// The type was inferred from a plain `http(s)://` or `file://` URL rather than written
    /// (`tarball+https://`, `type = "tarball"`): Nix picks `tarball` or `file` by its version, the
    /// URL's extension and `flake = false`, so either type names the same source.
    pub inferred_type: bool,
}

/// Why a URL could not be read as a flake reference.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RefError(pub String);

impl FlakeRef {
    /// An attribute's value.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.attrs.get(key).map(String::as_str)
    }

    /// The `owner` attribute.
    pub fn owner(&self) -> Option<&str> {
        self.get("owner")
    }

    /// The `repo` attribute.
    pub fn repo(&self) -> Option<&str> {
        self.get("repo")
    }

    /// The branch or tag (`ref`).
    pub fn git_ref(&self) -> Option<&str> {
        self.get("ref")
    }

    /// The commit (`rev`).
    pub fn rev(&self) -> Option<&str> {
        self.get("rev")
    }

    /// The subdirectory holding the flake (`dir`).
    pub fn dir(&self) -> Option<&str> {
        self.get("dir")
    }

    /// Parses a flake URL as written in `inputs.<name>.url`.
    pub fn parse(url: &str) -> Result<FlakeRef, RefError> {
        let url = url.trim();
        if url.is_empty() {
            return Err(RefError("the URL is empty".to_owned()));
        }
        let (base, query) = match url.split_once('?') {
            Some((base, query)) => (base, Some(query)),
            None => (url, None),
        };
        let params = parse_query(query.unwrap_or(""));
        if let Some(rest) = base.strip_prefix("flake:") {
            return indirect(rest, params, url);
        }
        if let Some((scheme, rest)) = base.split_once(':') {
            return match scheme {
                "github" | "gitlab" | "sourcehut" => forge(scheme, rest, params, url),
                "path" => {
                    let mut attrs = params;
                    attrs.insert("path".to_owned(), rest.to_owned());
                    Ok(FlakeRef {
                        kind: RefKind::Path,
                        attrs,
                        inferred_type: false,
                    })
                }
                _ if scheme.starts_with("git+") => {
                    url_kind(RefKind::Git, &base["git+".len()..], params)
                }
                _ if scheme.starts_with("hg+") => {
                    url_kind(RefKind::Mercurial, &base["hg+".len()..], params)
                }
                _ if scheme.starts_with("tarball+") => {
                    url_kind(RefKind::Tarball, &base["tarball+".len()..], params)
                }
                _ if scheme.starts_with("file+") => {
                    url_kind(RefKind::File, &base["file+".len()..], params)
                }
                // `git://host/repo` is a git input as written.
                "git" => url_kind(RefKind::Git, base, params),
                "http" | "https" | "file" => {
                    let kind = if is_archive(base) {
                        RefKind::Tarball
                    } else {
                        RefKind::File
                    };
                    if scheme == "file" && kind == RefKind::File {
                        // `file:///x` without an archive extension is a path in Nix.
                        let mut attrs = params;
                        attrs.insert(
                            "path".to_owned(),
                            base.trim_start_matches("file://").to_owned(),
                        );
                        return Ok(FlakeRef {
                            kind: RefKind::Path,
                            attrs,
                            inferred_type: false,
                        });
                    }
                    let mut reference = url_kind(kind, base, params)?;
                    reference.inferred_type = true;
                    Ok(reference)
                }
                _ => Err(RefError(format!(
                    "`{scheme}:` is not a flake URL scheme Nix knows"
                ))),
            };
        }
        if base.starts_with('.') || base.starts_with('/') {
            let mut attrs = params;
            attrs.insert("path".to_owned(), base.to_owned());
            return Ok(FlakeRef {
                kind: RefKind::Path,
                attrs,
                inferred_type: false,
            });
        }
        indirect(base, params, url)
    }

    /// Builds a reference from attributes (`{ type = "github"; owner = …; }` in flake.nix or an
    /// `original`/`locked` object in flake.lock). `None` without a `type`.
    pub fn from_attrs(attrs: impl IntoIterator<Item = (String, String)>) -> Option<FlakeRef> {
        let mut attrs: BTreeMap<String, String> = attrs.into_iter().collect();
        let ty = attrs.remove("type")?;
        Some(FlakeRef {
            kind: RefKind::from_type(&ty),
            attrs,
            inferred_type: false,
        })
    }

    /// The same reference without lock-only attributes (`narHash`, `lastModified`, `revCount`).
    pub fn without_lock_attrs(&self) -> FlakeRef {
        let mut out = self.clone();
        for key in ["narHash", "lastModified", "lastModifiedDate", "revCount"] {
            out.attrs.remove(key);
        }
        out
    }

    /// Whether two references name the same thing for the purpose of lock freshness: the same
    /// type and the same attributes, where an attribute present on one side only counts as a
    /// difference for the identifying ones (`owner`, `repo`, `url`, `path`, `id`, `ref`, `rev`,
    /// `dir`, `host`).
    pub fn same_source(&self, other: &FlakeRef) -> bool {
        let downloads = |kind: &RefKind| matches!(kind, RefKind::Tarball | RefKind::File);
        let interchangeable = (self.inferred_type || other.inferred_type)
            && downloads(&self.kind)
            && downloads(&other.kind);
        if self.kind != other.kind && !interchangeable {
            return false;
        }
        const IDENTIFYING: &[&str] = &[
            "owner", "repo", "url", "path", "id", "ref", "rev", "dir", "host",
        ];
        for key in IDENTIFYING {
            let (a, b) = (self.get(key), other.get(key));
            let same = match (a, b) {
                (Some(a), Some(b)) if matches!(*key, "owner" | "repo" | "host") => {
                    percent_decode(a).eq_ignore_ascii_case(&percent_decode(b))
                }
                (Some(a), Some(b)) if *key == "dir" => {
                    a.trim_end_matches('/') == b.trim_end_matches('/')
                }
                (Some(a), Some(b)) if *key == "path" => same_path(a, b),
                (Some(a), Some(b)) if *key == "url" => canonical_url(a) == canonical_url(b),
                (a, b) => a == b,
            };
            if !same {
                return false;
            }
        }
        for (key, value) in &self.attrs {
            if let Some(other_value) = other.attrs.get(key)
                && !IDENTIFYING.contains(&key.as_str())
                && normalise_flag(value) != normalise_flag(other_value)
            {
                return false;
            }
        }
        true
    }

    /// The forge page of the commit `rev` of this reference's repository (GitHub, GitLab,
    /// SourceHut), if it has one.
    pub fn commit_url(&self, rev: &str) -> Option<String> {
        let (owner, repo) = (self.owner()?, self.repo()?);
        match self.kind {
            RefKind::Github => {
                let host = self.get("host").unwrap_or("github.com");
                Some(format!("https://{host}/{owner}/{repo}/commit/{rev}"))
            }
            RefKind::Gitlab => {
                let host = self.get("host").unwrap_or("gitlab.com");
                Some(format!("https://{host}/{owner}/{repo}/-/commit/{rev}"))
            }
            RefKind::Sourcehut => {
                let host = self.get("host").unwrap_or("git.sr.ht");
                let owner = if owner.starts_with('~') {
                    owner.to_owned()
                } else {
                    format!("~{owner}")
                };
                Some(format!("https://{host}/{owner}/{repo}/commit/{rev}"))
            }
            _ => None,
        }
    }

    /// A web page for this reference (forge tree view, or the HTTP(S) URL itself), if any.
    pub fn web_url(&self) -> Option<String> {
        let tree = |base: String| {
            let rev = self.git_ref().or(self.rev());
            let mut url = base;
            match (rev, self.dir()) {
                (Some(rev), Some(dir)) => url.push_str(&format!("/tree/{rev}/{dir}")),
                (Some(rev), None) => url.push_str(&format!("/tree/{rev}")),
                (None, _) => {}
            }
            Some(url)
        };
        match self.kind {
            RefKind::Github => {
                let host = self.get("host").unwrap_or("github.com");
                tree(format!("https://{host}/{}/{}", self.owner()?, self.repo()?))
            }
            RefKind::Gitlab => {
                let host = self.get("host").unwrap_or("gitlab.com");
                let base = format!("https://{host}/{}/{}", self.owner()?, self.repo()?);
                let rev = self.git_ref().or(self.rev());
                Some(match rev {
                    Some(rev) => format!("{base}/-/tree/{rev}"),
                    None => base,
                })
            }
            RefKind::Sourcehut => {
                let host = self.get("host").unwrap_or("git.sr.ht");
                let owner = self.owner()?;
                let owner = if owner.starts_with('~') {
                    owner.to_owned()
                } else {
                    format!("~{owner}")
                };
                tree(format!("https://{host}/{owner}/{}", self.repo()?))
            }
            RefKind::Git | RefKind::Mercurial | RefKind::Tarball | RefKind::File => {
                let url = self.get("url")?;
                (url.starts_with("https://") || url.starts_with("http://")).then(|| url.to_owned())
            }
            RefKind::Path | RefKind::Indirect | RefKind::Other(_) => None,
        }
    }
}

impl fmt::Display for FlakeRef {
    /// A URL-like rendering (`github:o/r/ref`, `git+https://…?ref=…`), for messages and hovers.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut skip: Vec<&str> = Vec::new();
        match &self.kind {
            RefKind::Github | RefKind::Gitlab | RefKind::Sourcehut => {
                write!(
                    f,
                    "{}:{}/{}",
                    self.kind.as_str(),
                    self.owner().unwrap_or("?"),
                    self.repo().unwrap_or("?")
                )?;
                skip.extend(["owner", "repo"]);
                if let Some(rev) = self.git_ref().or(self.rev()) {
                    write!(f, "/{rev}")?;
                    skip.push(if self.git_ref().is_some() {
                        "ref"
                    } else {
                        "rev"
                    });
                }
            }
            RefKind::Git | RefKind::Mercurial => {
                write!(
                    f,
                    "{}+{}",
                    self.kind.as_str(),
                    self.get("url").unwrap_or("?")
                )?;
                skip.push("url");
            }
            RefKind::Tarball | RefKind::File => {
                write!(f, "{}", self.get("url").unwrap_or("?"))?;
                skip.push("url");
            }
            RefKind::Path => {
                write!(f, "path:{}", self.get("path").unwrap_or("?"))?;
                skip.push("path");
            }
            RefKind::Indirect => {
                write!(f, "flake:{}", self.get("id").unwrap_or("?"))?;
                skip.push("id");
                if let Some(rev) = self.git_ref().or(self.rev()) {
                    write!(f, "/{rev}")?;
                    skip.push(if self.git_ref().is_some() {
                        "ref"
                    } else {
                        "rev"
                    });
                }
            }
            RefKind::Other(ty) => write!(f, "{ty}:")?,
        }
        let mut sep = '?';
        for (key, value) in &self.attrs {
            if skip.contains(&key.as_str())
                || matches!(key.as_str(), "narHash" | "lastModified" | "revCount")
            {
                continue;
            }
            write!(f, "{sep}{key}={value}")?;
            sep = '&';
        }
        Ok(())
    }
}

/// Paths compare equal when identical, or when one is relative (`./a`, `a`) and the other is an
/// absolute path ending in it: Nix 2.8 locks a bare `./a` URL as the absolute path of `a` inside
/// the flake's store copy.
fn same_path(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim_end_matches('/'), b.trim_end_matches('/'));
    if a == b {
        return true;
    }
    let relative_tail = |rel: &str, abs: &str| {
        let rel = rel.trim_start_matches("./");
        !rel.starts_with('/')
            && !rel.starts_with("..")
            && abs.starts_with('/')
            && abs.ends_with(&format!("/{rel}"))
    };
    relative_tail(a, b) || relative_tail(b, a)
}

/// A URL in the form Nix compares: percent-decoded (Nix writes `*` as `%2A` into the lock),
/// scheme and host in lower case, query parameters sorted (Nix keeps them in a map), without the
/// parameters that are attributes rather than part of the download (`dir`: Nix 2.8 keeps `?dir=`
/// inside a git input's locked `url` as well as in `dir`; `narHash`…), without a fragment.
fn canonical_url(url: &str) -> String {
    let url = url.split('#').next().unwrap_or(url);
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let base = match base.split_once("://") {
        Some((scheme, rest)) => {
            let (host, path) = match rest.find('/') {
                Some(i) => rest.split_at(i),
                None => (rest, ""),
            };
            format!(
                "{}://{}{}",
                scheme.to_ascii_lowercase(),
                host.to_ascii_lowercase(),
                percent_decode(path)
            )
        }
        None => percent_decode(base),
    };
    let mut params: Vec<(String, String)> = parse_query(query)
        .into_iter()
        .filter(|(key, _)| !CURL_ATTRS.contains(&key.as_str()))
        .collect();
    params.sort();
    let mut out = base;
    let mut sep = '?';
    for (key, value) in params {
        out.push(sep);
        out.push_str(&key);
        out.push('=');
        out.push_str(&value);
        sep = '&';
    }
    out
}

/// `1`/`0` as written in URLs and `true`/`false` as written in lock files mean the same.
fn normalise_flag(value: &str) -> &str {
    match value {
        "1" => "true",
        "0" => "false",
        other => other,
    }
}

fn parse_query(query: &str) -> BTreeMap<String, String> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((key, value)) => (percent_decode(key), percent_decode(value)),
            None => (percent_decode(pair), String::new()),
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(hi), Some(lo)) = (hex_val(bytes[i + 1]), hex_val(bytes[i + 2]))
        {
            out.push(hi * 16 + lo);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_val(byte: u8) -> Option<u8> {
    (byte as char).to_digit(16).map(|d| d as u8)
}

fn is_rev(text: &str) -> bool {
    text.len() == 40 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

fn is_archive(url: &str) -> bool {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    [
        ".zip", ".tar", ".tgz", ".tar.gz", ".tar.xz", ".tar.bz2", ".tar.zst",
    ]
    .iter()
    .any(|ext| path.ends_with(ext))
}

fn indirect(rest: &str, params: BTreeMap<String, String>, url: &str) -> Result<FlakeRef, RefError> {
    let mut parts = rest.split('/');
    let id = parts.next().unwrap_or("");
    let valid_id = id.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid_id {
        return Err(RefError(format!(
            "`{url}` is not a flake URL or a flake registry name"
        )));
    }
    let mut attrs = params;
    attrs.insert("id".to_owned(), id.to_owned());
    let rest: Vec<&str> = parts.collect();
    match rest.as_slice() {
        [] => {}
        [one] if is_rev(one) => {
            attrs.insert("rev".to_owned(), (*one).to_owned());
        }
        [one] => {
            attrs.insert("ref".to_owned(), (*one).to_owned());
        }
        [git_ref, rev] if is_rev(rev) => {
            attrs.insert("ref".to_owned(), (*git_ref).to_owned());
            attrs.insert("rev".to_owned(), (*rev).to_owned());
        }
        _ => {
            return Err(RefError(format!(
                "`{url}` has too many `/` parts for a registry name"
            )));
        }
    }
    Ok(FlakeRef {
        kind: RefKind::Indirect,
        attrs,
        inferred_type: false,
    })
}

fn forge(
    scheme: &str,
    rest: &str,
    params: BTreeMap<String, String>,
    url: &str,
) -> Result<FlakeRef, RefError> {
    // Nix tokenizes the path on `/` and skips empty segments, so `github:/o/r/`, `github:o//r`
    // and `github:o/r/` all name `o/r`; segments past the third form a ref (`feature/x`).
    let parts: Vec<&str> = rest.split('/').filter(|p| !p.is_empty()).collect();
    let (owner, repo, rev_or_ref) = match parts.as_slice() {
        [owner, repo] => (*owner, *repo, None),
        [owner, repo, tail @ ..] => (*owner, *repo, Some(tail.join("/"))),
        _ => {
            return Err(RefError(format!(
                "`{url}` needs the form `{scheme}:owner/repo`"
            )));
        }
    };
    let mut attrs = params;
    attrs.insert("owner".to_owned(), owner.to_owned());
    attrs.insert("repo".to_owned(), repo.to_owned());
    if let Some(rev_or_ref) = rev_or_ref {
        // A path commit with `?rev=`, or a path branch with `?ref=`, is given twice; a branch in
        // the path with `?rev=` is accepted by current Nix.
        let key = if is_rev(&rev_or_ref) { "rev" } else { "ref" };
        if attrs.contains_key(key) {
            let what = if key == "rev" {
                "commit"
            } else {
                "branch or tag"
            };
            return Err(RefError(format!(
                "`{url}` gives a {what} both in the path and as a `?{key}=` parameter"
            )));
        }
        attrs.insert(key.to_owned(), rev_or_ref);
    }
    let kind = match scheme {
        "github" => RefKind::Github,
        "gitlab" => RefKind::Gitlab,
        _ => RefKind::Sourcehut,
    };
    Ok(FlakeRef {
        kind,
        attrs,
        inferred_type: false,
    })
}

/// Query parameters a `tarball`/`file` input takes as attributes (Nix removes them from the
/// URL it downloads; `dir` belongs to the flake reference); any other parameter stays part of the
/// URL.
const CURL_ATTRS: &[&str] = &[
    "narHash",
    "rev",
    "revCount",
    "lastModified",
    "name",
    "unpack",
    "dir",
];

fn url_kind(
    kind: RefKind,
    base: &str,
    mut params: BTreeMap<String, String>,
) -> Result<FlakeRef, RefError> {
    let mut url = base.to_owned();
    if matches!(kind, RefKind::Tarball | RefKind::File) {
        let mut sep = '?';
        params.retain(|key, value| {
            if CURL_ATTRS.contains(&key.as_str()) {
                return true;
            }
            url.push(sep);
            url.push_str(key);
            if !value.is_empty() {
                url.push('=');
                url.push_str(value);
            }
            sep = '&';
            false
        });
    }
    params.insert("url".to_owned(), url);
    Ok(FlakeRef {
        kind,
        attrs: params,
        inferred_type: false,
    })
}

#[cfg(test)]
mod tests {
    use expect_test::{Expect, expect};

    use super::*;

    fn check(url: &str, expect: Expect) {
        let actual = match FlakeRef::parse(url) {
            Ok(r) => format!(
                "{} {:?}\n  display: {}\n  web: {:?}",
                r.kind.as_str(),
                r.attrs,
                r,
                r.web_url()
            ),
            Err(e) => format!("error: {}", e.0),
        };
        expect.assert_eq(&actual);
    }

    #[test]
    fn github() {
        check(
            "github:NixOS/nixpkgs/nixos-unstable",
            expect![[r#"
                github {"owner": "NixOS", "ref": "nixos-unstable", "repo": "nixpkgs"}
                  display: github:NixOS/nixpkgs/nixos-unstable
                  web: Some("https://github.com/NixOS/nixpkgs/tree/nixos-unstable")"#]],
        );
        check(
            "github:o/r?dir=sub&ref=main",
            expect![[r#"
                github {"dir": "sub", "owner": "o", "ref": "main", "repo": "r"}
                  display: github:o/r/main?dir=sub
                  web: Some("https://github.com/o/r/tree/main/sub")"#]],
        );
        check(
            "github:o/r/0123456789abcdef0123456789abcdef01234567",
            expect![[r#"
                github {"owner": "o", "repo": "r", "rev": "0123456789abcdef0123456789abcdef01234567"}
                  display: github:o/r/0123456789abcdef0123456789abcdef01234567
                  web: Some("https://github.com/o/r/tree/0123456789abcdef0123456789abcdef01234567")"#]],
        );
        check(
            "github:onlyowner",
            expect!["error: `github:onlyowner` needs the form `github:owner/repo`"],
        );
    }

    #[test]
    fn other_forges() {
        check(
            "gitlab:o/r",
            expect![[r#"
                gitlab {"owner": "o", "repo": "r"}
                  display: gitlab:o/r
                  web: Some("https://gitlab.com/o/r")"#]],
        );
        check(
            "sourcehut:~sir/hut/dev",
            expect![[r#"
                sourcehut {"owner": "~sir", "ref": "dev", "repo": "hut"}
                  display: sourcehut:~sir/hut/dev
                  web: Some("https://git.sr.ht/~sir/hut/tree/dev")"#]],
        );
    }

    #[test]
    fn urls() {
        check(
            "git+https://example.org/x.git?ref=main&dir=nix",
            expect![[r#"
                git {"dir": "nix", "ref": "main", "url": "https://example.org/x.git"}
                  display: git+https://example.org/x.git?dir=nix&ref=main
                  web: Some("https://example.org/x.git")"#]],
        );
        check(
            "https://example.org/x.tar.gz",
            expect![[r#"
                tarball {"url": "https://example.org/x.tar.gz"}
                  display: https://example.org/x.tar.gz
                  web: Some("https://example.org/x.tar.gz")"#]],
        );
        check(
            "path:./sub",
            expect![[r#"
                path {"path": "./sub"}
                  display: path:./sub
                  web: None"#]],
        );
        check(
            "./sub",
            expect![[r#"
                path {"path": "./sub"}
                  display: path:./sub
                  web: None"#]],
        );
    }

    #[test]
    fn registry() {
        check(
            "nixpkgs",
            expect![[r#"
                indirect {"id": "nixpkgs"}
                  display: flake:nixpkgs
                  web: None"#]],
        );
        check(
            "flake:nixpkgs/nixos-24.05",
            expect![[r#"
                indirect {"id": "nixpkgs", "ref": "nixos-24.05"}
                  display: flake:nixpkgs/nixos-24.05
                  web: None"#]],
        );
        check(
            "weird:thing",
            expect!["error: `weird:` is not a flake URL scheme Nix knows"],
        );
        check("", expect!["error: the URL is empty"]);
    }

    /// `inputs.a.url` → the `original` Nix 2.8 wrote into flake.lock (`nix flake lock --offline`).
    const NIX_ORIGINALS: &[(&str, &str)] = &[
        (
            "./a",
            r#"{"path": "/nix/store/kczznh70wkmzmwf3h5lbxhy5pmm4cxz4-source/a", "type": "path"}"#,
        ),
        ("path:./a", r#"{"path": "./a", "type": "path"}"#),
        ("path:/tmp/fl/a", r#"{"path": "/tmp/fl/a", "type": "path"}"#),
        ("/tmp/fl/a", r#"{"path": "/tmp/fl/a", "type": "path"}"#),
        (
            "git+file:///tmp/fl/repo",
            r#"{"type": "git", "url": "file:///tmp/fl/repo"}"#,
        ),
        (
            "git+file:///tmp/fl/repo?ref=main",
            r#"{"ref": "main", "type": "git", "url": "file:///tmp/fl/repo"}"#,
        ),
        (
            "git+file:///tmp/fl/repo?dir=sub",
            r#"{"dir": "sub", "type": "git", "url": "file:///tmp/fl/repo?dir=sub"}"#,
        ),
        (
            "git+file:///tmp/fl/repo?ref=main&dir=sub",
            r#"{"dir": "sub", "ref": "main", "type": "git", "url": "file:///tmp/fl/repo?dir=sub"}"#,
        ),
        (
            "git+file:///tmp/fl/repo?shallow=1",
            r#"{"shallow": true, "type": "git", "url": "file:///tmp/fl/repo"}"#,
        ),
    ];

    #[test]
    fn matches_what_nix_locks() {
        for (url, original) in NIX_ORIGINALS {
            let ours = FlakeRef::parse(url).unwrap();
            let json: serde_json::Value = serde_json::from_str(original).unwrap();
            let theirs = crate::flake_ref_from_json(&json).unwrap();
            assert!(ours.same_source(&theirs), "{url}: {ours:?} vs {theirs:?}");
        }
        let changed = FlakeRef::parse("git+file:///tmp/fl/repo?ref=dev").unwrap();
        let json: serde_json::Value = serde_json::from_str(NIX_ORIGINALS[5].1).unwrap();
        assert!(!changed.same_source(&crate::flake_ref_from_json(&json).unwrap()));
        let other_dir = FlakeRef::parse("path:./b").unwrap();
        let json: serde_json::Value = serde_json::from_str(NIX_ORIGINALS[0].1).unwrap();
        assert!(!other_dir.same_source(&crate::flake_ref_from_json(&json).unwrap()));
    }

    #[test]
    fn comparison() {
        let a = FlakeRef::parse("github:NixOS/nixpkgs/nixos-unstable").unwrap();
        let b = FlakeRef::from_attrs([
            ("type".to_owned(), "github".to_owned()),
            ("owner".to_owned(), "nixos".to_owned()),
            ("repo".to_owned(), "nixpkgs".to_owned()),
            ("ref".to_owned(), "nixos-unstable".to_owned()),
        ])
        .unwrap();
        assert!(a.same_source(&b));
        let c = FlakeRef::parse("github:NixOS/nixpkgs/nixos-24.05").unwrap();
        assert!(!a.same_source(&c));
        let d = FlakeRef::parse("github:NixOS/nixpkgs?dir=lib&ref=nixos-unstable").unwrap();
        assert!(!a.same_source(&d));
    }
}
