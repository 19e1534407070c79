//! `cargo xtask deps-check`: the dependency policy of `deny.toml` (licenses,
//! bans, sources), checked against `cargo metadata` in a second.
//!
//! cargo-deny is the reference for that policy and the GitHub workflow runs
//! it from a prebuilt binary. `.ci/run` runs on a machine that has no
//! cargo-deny and can only build it from source (about fifteen minutes on
//! two cores), so it runs this check instead, and cargo-deny as well where it
//! is installed. Both read the same `deny.toml`: one policy, two readers.
//!
//! This reader is stricter than cargo-deny where the two differ: it reads
//! every platform's dependencies (not only `[graph] targets`), a crate with
//! no SPDX `license` field fails (cargo-deny would try to recognize a license
//! file's text), and an old-style `MIT/Apache-2.0` is read as `OR`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use serde::Deserialize;
use serde_json::Value;

use crate::BoxError;

/// The parts of `deny.toml` this check reads.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) struct Policy {
    licenses: Licenses,
    bans: Bans,
    sources: Sources,
}

#[derive(Debug, Deserialize)]
struct Licenses {
    allow: Vec<String>,
    #[serde(default)]
    private: Private,
}

#[derive(Debug, Default, Deserialize)]
struct Private {
    #[serde(default)]
    ignore: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Bans {
    #[serde(default)]
    deny: Vec<Banned>,
    #[serde(default)]
    wildcards: Option<String>,
    #[serde(default)]
    allow_wildcard_paths: bool,
}

#[derive(Debug, Deserialize)]
struct Banned {
    name: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Sources {
    #[serde(default)]
    allow_registry: Vec<String>,
    #[serde(default)]
    allow_git: Vec<String>,
}

/// One package of `cargo metadata`, as much of it as the policy needs.
#[derive(Debug)]
pub(crate) struct Package {
    pub(crate) name: String,
    pub(crate) version: String,
    pub(crate) license: Option<String>,
    pub(crate) source: Option<String>,
    /// Whether it is the workspace's own and unpublished (`publish = false`).
    pub(crate) private: bool,
    /// `(dependency name, version requirement, is a path dependency)`.
    pub(crate) requirements: Vec<(String, String, bool)>,
}

/// What the check found.
#[derive(Debug)]
pub(crate) struct Report {
    /// How many packages the tree holds.
    pub(crate) packages: usize,
    /// Breaches of the policy, one a line.
    pub(crate) problems: Vec<String>,
    /// Crates held in more than one version (warnings).
    pub(crate) duplicates: Vec<String>,
}

/// Runs the check in the workspace at `root`.
pub(crate) fn run(root: &Path) -> Result<Report, BoxError> {
    let text = std::fs::read_to_string(root.join("deny.toml"))
        .map_err(|e| format!("cannot read `deny.toml`: {e}"))?;
    let policy: Policy = toml::from_str(&text).map_err(|e| format!("`deny.toml`: {e}"))?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(root)
        .args(["metadata", "--locked", "--format-version", "1"])
        .output()
        .map_err(|e| format!("cannot run `cargo metadata`: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "`cargo metadata` failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )
        .into());
    }
    let metadata: Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("`cargo metadata` printed no JSON: {e}"))?;
    let packages = packages(&metadata)?;
    Ok(Report {
        packages: packages.len(),
        problems: check(&policy, &packages),
        duplicates: duplicates(&packages),
    })
}

/// The packages of a `cargo metadata` document.
pub(crate) fn packages(metadata: &Value) -> Result<Vec<Package>, BoxError> {
    let members: BTreeSet<&str> = metadata["workspace_members"]
        .as_array()
        .ok_or("`cargo metadata` has no `workspace_members`")?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let list = metadata["packages"]
        .as_array()
        .ok_or("`cargo metadata` has no `packages`")?;
    let mut out = Vec::with_capacity(list.len());
    for p in list {
        let text = |key: &str| p[key].as_str().map(str::to_string);
        let id = p["id"].as_str().unwrap_or_default();
        // `publish = false` is `"publish": []`.
        let unpublished = p["publish"].as_array().is_some_and(Vec::is_empty);
        let requirements = p["dependencies"]
            .as_array()
            .map(|deps| {
                deps.iter()
                    .map(|d| {
                        (
                            d["name"].as_str().unwrap_or_default().to_string(),
                            d["req"].as_str().unwrap_or_default().to_string(),
                            d["path"].is_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.push(Package {
            name: text("name").ok_or("a package without a name")?,
            version: text("version").unwrap_or_default(),
            license: text("license"),
            source: text("source"),
            private: members.contains(id) && unpublished,
            requirements,
        });
    }
    Ok(out)
}

/// What breaks the policy, one line each, sorted.
pub(crate) fn check(policy: &Policy, packages: &[Package]) -> Vec<String> {
    let allowed: BTreeSet<&str> = policy.licenses.allow.iter().map(String::as_str).collect();
    let banned: BTreeSet<&str> = policy.bans.deny.iter().map(|b| b.name.as_str()).collect();
    let registries: BTreeSet<String> = policy
        .sources
        .allow_registry
        .iter()
        .map(|r| format!("registry+{r}"))
        .collect();
    let mut problems = BTreeSet::new();
    for p in packages {
        let who = format!("{} {}", p.name, p.version);
        if banned.contains(p.name.as_str()) {
            problems.insert(format!("{who}: banned by deny.toml [bans] deny"));
        }
        if let Some(source) = &p.source {
            let git_allowed = source.strip_prefix("git+").is_some_and(|url| {
                policy
                    .sources
                    .allow_git
                    .iter()
                    .any(|g| url.starts_with(g.as_str()))
            });
            if !registries.contains(source) && !git_allowed {
                problems.insert(format!(
                    "{who}: comes from `{source}`, not an allowed source"
                ));
            }
        }
        if !(p.private && policy.licenses.private.ignore) {
            match &p.license {
                None => {
                    problems.insert(format!("{who}: has no SPDX `license` field"));
                }
                Some(expr) => match satisfied(expr, &allowed) {
                    Ok(true) => {}
                    Ok(false) => {
                        problems.insert(format!(
                            "{who}: license `{expr}` is not allowed by deny.toml"
                        ));
                    }
                    Err(e) => {
                        problems.insert(format!("{who}: license `{expr}`: {e}"));
                    }
                },
            }
        }
        if policy.bans.wildcards.as_deref() == Some("deny") {
            for (dep, req, path) in &p.requirements {
                if req.trim() == "*" && !(*path && policy.bans.allow_wildcard_paths) {
                    problems.insert(format!("{who}: depends on `{dep}` with a wildcard version"));
                }
            }
        }
    }
    problems.into_iter().collect()
}

/// The crates the tree holds in more than one version (a warning, as in
/// deny.toml's `multiple-versions = "warn"`).
pub(crate) fn duplicates(packages: &[Package]) -> Vec<String> {
    let mut versions: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for p in packages {
        versions.entry(&p.name).or_default().insert(&p.version);
    }
    versions
        .into_iter()
        .filter(|(_, v)| v.len() > 1)
        .map(|(name, v)| format!("{name} ({})", v.into_iter().collect::<Vec<_>>().join(", ")))
        .collect()
}

/// Whether an SPDX license expression is satisfied by licenses from
/// `allowed`: `OR` takes either side, `AND` needs both, `WITH` names one
/// license (`Apache-2.0 WITH LLVM-exception` is allowed only as a whole),
/// parentheses group. The old `/` separator reads as `OR`.
pub(crate) fn satisfied(expr: &str, allowed: &BTreeSet<&str>) -> Result<bool, String> {
    let spaced = expr
        .replace('(', " ( ")
        .replace(')', " ) ")
        .replace('/', " OR ");
    let tokens: Vec<&str> = spaced.split_whitespace().collect();
    let mut parser = Expr {
        tokens: &tokens,
        at: 0,
        allowed,
    };
    let value = parser.or()?;
    if let Some(extra) = parser.peek() {
        return Err(format!("unexpected `{extra}`"));
    }
    Ok(value)
}

struct Expr<'a> {
    tokens: &'a [&'a str],
    at: usize,
    allowed: &'a BTreeSet<&'a str>,
}

impl<'a> Expr<'a> {
    fn peek(&self) -> Option<&'a str> {
        self.tokens.get(self.at).copied()
    }

    fn or(&mut self) -> Result<bool, String> {
        let mut value = self.and()?;
        while self.peek() == Some("OR") {
            self.at += 1;
            value |= self.and()?;
        }
        Ok(value)
    }

    fn and(&mut self) -> Result<bool, String> {
        let mut value = self.term()?;
        while self.peek() == Some("AND") {
            self.at += 1;
            value &= self.term()?;
        }
        Ok(value)
    }

    fn term(&mut self) -> Result<bool, String> {
        match self.peek() {
            None => Err("ends too early".to_string()),
            Some("(") => {
                self.at += 1;
                let value = self.or()?;
                if self.peek() != Some(")") {
                    return Err("a `(` is not closed".to_string());
                }
                self.at += 1;
                Ok(value)
            }
            Some(op @ (")" | "OR" | "AND" | "WITH")) => Err(format!("unexpected `{op}`")),
            Some(id) => {
                self.at += 1;
                if self.peek() == Some("WITH") {
                    self.at += 1;
                    let exception = self.peek().ok_or("`WITH` names no exception")?;
                    self.at += 1;
                    return Ok(self
                        .allowed
                        .contains(format!("{id} WITH {exception}").as_str()));
                }
                // `MIT+` is "MIT or later": no later MIT exists to allow.
                Ok(self.allowed.contains(id))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed() -> BTreeSet<&'static str> {
        [
            "MIT",
            "Apache-2.0",
            "Apache-2.0 WITH LLVM-exception",
            "Unicode-3.0",
        ]
        .into_iter()
        .collect()
    }

    #[test]
    fn license_expressions_as_cargo_deny_reads_them() {
        let cases = [
            ("MIT", true),
            ("MIT OR Apache-2.0", true),
            ("GPL-3.0 OR MIT", true),
            ("GPL-3.0", false),
            ("MIT AND GPL-3.0", false),
            ("(MIT OR Apache-2.0) AND Unicode-3.0", true),
            ("(MIT OR GPL-3.0) AND LGPL-2.1-or-later", false),
            ("MIT/Apache-2.0", true),
            ("GPL-2.0/LGPL-2.1", false),
            ("Apache-2.0 WITH LLVM-exception", true),
            ("MIT WITH LLVM-exception", false),
            ("Apache-2.0 WITH LLVM-exception OR GPL-3.0", true),
            ("MIT OR LGPL-2.1-or-later AND GPL-3.0", true),
            ("LGPL-2.1-or-later AND GPL-3.0 OR MIT", true),
        ];
        for (expr, want) in cases {
            assert_eq!(satisfied(expr, &allowed()), Ok(want), "{expr}");
        }
    }

    #[test]
    fn malformed_expressions_are_errors() {
        for expr in ["", "MIT OR", "(MIT", "MIT)", "AND MIT", "Apache-2.0 WITH"] {
            assert!(satisfied(expr, &allowed()).is_err(), "{expr:?}");
        }
    }

    fn package(name: &str, license: Option<&str>, source: Option<&str>) -> Package {
        Package {
            name: name.to_string(),
            version: "1.0.0".to_string(),
            license: license.map(str::to_string),
            source: source.map(str::to_string),
            private: false,
            requirements: Vec::new(),
        }
    }

    const CRATES_IO: &str = "registry+https://github.com/rust-lang/crates.io-index";

    #[test]
    fn each_rule_of_the_policy_reports_its_breach() {
        let policy: Policy = toml::from_str(
            r#"
            [licenses]
            allow = ["MIT"]
            [licenses.private]
            ignore = true
            [bans]
            wildcards = "deny"
            allow-wildcard-paths = true
            deny = [{ name = "openssl-sys" }]
            [sources]
            allow-registry = ["https://github.com/rust-lang/crates.io-index"]
            "#,
        )
        .unwrap();
        let mut own = package("pare-cli", None, None);
        own.private = true;
        own.requirements = vec![
            ("pare-engine".into(), "*".into(), true),
            ("serde".into(), "*".into(), false),
        ];
        let packages = [
            package("good", Some("MIT"), Some(CRATES_IO)),
            package("gpl", Some("GPL-3.0"), Some(CRATES_IO)),
            package("bare", None, Some(CRATES_IO)),
            package("openssl-sys", Some("MIT"), Some(CRATES_IO)),
            package(
                "forked",
                Some("MIT"),
                Some("git+https://example.com/forked"),
            ),
            own,
        ];
        assert_eq!(
            check(&policy, &packages),
            [
                "bare 1.0.0: has no SPDX `license` field",
                "forked 1.0.0: comes from `git+https://example.com/forked`, not an allowed source",
                "gpl 1.0.0: license `GPL-3.0` is not allowed by deny.toml",
                "openssl-sys 1.0.0: banned by deny.toml [bans] deny",
                "pare-cli 1.0.0: depends on `serde` with a wildcard version",
            ]
        );
    }

    #[test]
    fn the_repository_policy_reads() {
        let text = include_str!("../../deny.toml");
        let policy: Policy = toml::from_str(text).unwrap();
        assert!(policy.licenses.allow.iter().any(|l| l == "MIT"));
        assert!(policy.bans.deny.iter().any(|b| b.name == "openssl-sys"));
        assert_eq!(policy.sources.allow_registry.len(), 1);
    }

    #[test]
    fn duplicates_are_listed_with_their_versions() {
        let mut a = package("windows-sys", Some("MIT"), Some(CRATES_IO));
        let mut b = package("windows-sys", Some("MIT"), Some(CRATES_IO));
        a.version = "0.52.0".into();
        b.version = "0.59.0".into();
        let c = package("serde", Some("MIT"), Some(CRATES_IO));
        assert_eq!(duplicates(&[a, b, c]), ["windows-sys (0.52.0, 0.59.0)"]);
    }
}
