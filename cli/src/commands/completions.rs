//! `pare completions SHELL` and `pare man`: the shell completion scripts and
//! the man page, generated from the clap definitions of [`crate::args`], so
//! that they cannot disagree with the parser.
//!
//! Copies are committed under `cli/share/` for packagers; a test fails when
//! they drift from what the definitions give.

use std::io::Write;

use clap::CommandFactory;
use clap_complete::Shell;

use crate::args::Cli;
use crate::error::Error;
use crate::exit;
use crate::io::Io;

/// The shells a completion script is committed for, with the file's name.
pub const SHELLS: [(Shell, &str); 4] = [
    (Shell::Bash, "completions/pare.bash"),
    (Shell::Zsh, "completions/_pare"),
    (Shell::Fish, "completions/pare.fish"),
    (Shell::PowerShell, "completions/_pare.ps1"),
];

/// The completion script for `shell`.
pub fn script(shell: Shell) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "pare", &mut out);
    out
}

/// The man page of `pare` (no subcommand) or of one subcommand
/// (`pare-refine(1)`), in roff; `None` for a name that is no subcommand.
pub fn man_page(subcommand: Option<&str>) -> Result<Option<Vec<u8>>, Error> {
    let mut command = Cli::command();
    // Sets each subcommand's display name, `pare-refine` as git names its pages.
    command.build();
    // No version on the page: `scripts/bump-patch.sh` raises it on every
    // catalog release, and the committed pages would drift each time.
    let unversioned = |c: clap::Command| c.version(None::<&'static str>);
    let man = match subcommand {
        None => clap_mangen::Man::new(unversioned(command)),
        Some(name) => match command.find_subcommand(name) {
            Some(sub) => {
                clap_mangen::Man::new(unversioned(sub.clone())).title(format!("pare-{name}"))
            }
            None => return Ok(None),
        },
    };
    let man = man.source("pare");
    let mut out = Vec::new();
    man.render(&mut out)?;
    Ok(Some(out))
}

/// Every man page, with its file name under `cli/share/man/`.
pub fn man_pages() -> Result<Vec<(String, Vec<u8>)>, Error> {
    let mut pages = Vec::new();
    let names = std::iter::once(None).chain(
        Cli::command()
            .get_subcommands()
            .map(|s| Some(s.get_name().to_string()))
            .collect::<Vec<_>>(),
    );
    for name in names {
        if let Some(page) = man_page(name.as_deref())? {
            let file = match &name {
                None => "man/pare.1".to_string(),
                Some(name) => format!("man/pare-{name}.1"),
            };
            pages.push((file, page));
        }
    }
    Ok(pages)
}

/// Runs `pare completions SHELL`.
pub fn completions(shell: Shell, io: &mut Io<'_>) -> Result<i32, Error> {
    io.stdout.write_all(&script(shell))?;
    Ok(exit::SUCCESS)
}

/// Runs `pare man [SUBCOMMAND]`.
pub fn man(subcommand: Option<&str>, io: &mut Io<'_>) -> Result<i32, Error> {
    match man_page(subcommand)? {
        Some(page) => io.stdout.write_all(&page)?,
        None => {
            return Err(Error::input(format!(
                "`{}` is not a subcommand of pare; `pare --help` lists them",
                subcommand.unwrap_or_default()
            )));
        }
    }
    Ok(exit::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed copies are what the definitions give. With
    /// `PARE_UPDATE_SHARE=1` the test writes them instead (then review the diff).
    #[test]
    fn committed_completions_and_man_page_have_not_drifted() {
        let share = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("share");
        let mut files: Vec<(String, Vec<u8>)> = SHELLS
            .iter()
            .map(|&(shell, name)| (name.to_string(), script(shell)))
            .collect();
        files.extend(man_pages().unwrap());
        let update = std::env::var_os("PARE_UPDATE_SHARE").is_some_and(|v| v == "1");
        let mut drifted = Vec::new();
        for (name, generated) in files {
            let path = share.join(&name);
            if update {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, &generated).unwrap();
            } else if std::fs::read(&path).ok().as_deref() != Some(generated.as_slice()) {
                drifted.push(name);
            }
        }
        assert!(
            drifted.is_empty(),
            "cli/share/{drifted:?} differ from the clap definitions: run \
             `PARE_UPDATE_SHARE=1 cargo test -p pare-cli drifted` and commit the result"
        );
    }

    #[test]
    fn scripts_name_the_subcommands_and_flags() {
        for (shell, _) in SHELLS {
            let text = String::from_utf8(script(shell)).unwrap();
            for word in [
                "refine",
                "unused",
                "exit-code",
                "policy-kind",
                "completions",
            ] {
                assert!(text.contains(word), "{shell}: no `{word}`");
            }
        }
        let man = String::from_utf8(man_page(None).unwrap().unwrap()).unwrap();
        assert!(man.contains(".TH pare 1"), "{man}");
        assert!(
            man.contains("pare\\-refine"),
            "the man page lists the subcommands"
        );
        let refine = String::from_utf8(man_page(Some("refine")).unwrap().unwrap()).unwrap();
        assert!(refine.contains(".TH pare-refine 1"), "{refine}");
        assert!(refine.contains("exit\\-code"), "{refine}");
        assert!(man_page(Some("nope")).unwrap().is_none());
    }
}
