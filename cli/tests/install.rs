//! What makes `phonon` a tool one installs: `--version` with its commit, shell completions,
//! the man page in `docs/phonon.1` (kept in sync here: `PHONON_BLESS=1` rewrites it), and a
//! render that says what it wrote and how to hear it.

use std::process::Command;

fn phonon(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_phonon"))
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .expect("phonon runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn version_names_the_commit() {
    let (code, out, _) = phonon(&["--version"]);
    assert_eq!(code, 0);
    let rest = out
        .strip_prefix(&format!("phonon {} (", env!("CARGO_PKG_VERSION")))
        .unwrap_or_else(|| panic!("{out}"));
    let commit = rest.trim_end().strip_suffix(')').expect("closed");
    // A hexadecimal commit (perhaps `-dirty`), or said to be unknown outside a checkout.
    let hex = commit.trim_end_matches("-dirty");
    assert!(
        commit == "unknown commit"
            || (hex.len() >= 7 && hex.chars().all(|c| c.is_ascii_hexdigit())),
        "{commit}"
    );
}

#[test]
fn completions_cover_the_commands() {
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef phonon"),
        ("fish", "complete -c phonon"),
    ] {
        let (code, out, err) = phonon(&["completions", shell]);
        assert_eq!(code, 0, "{shell}: {err}");
        assert!(out.contains(marker), "{shell}");
        for command in ["render", "live", "compile", "query", "completions"] {
            assert!(out.contains(command), "{shell} lacks {command}");
        }
    }
    let (code, _, err) = phonon(&["completions", "tcsh"]);
    assert_eq!(code, 2);
    assert!(err.contains("possible values"), "{err}");
}

#[test]
fn the_man_page_in_docs_is_the_command_lines() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/phonon.1");
    let now = phonon_cli::man_page();
    if std::env::var_os("PHONON_BLESS").is_some() {
        std::fs::write(path, &now).unwrap();
    }
    let written = std::fs::read(path).expect("docs/phonon.1 (PHONON_BLESS=1 writes it)");
    assert!(
        written == now,
        "docs/phonon.1 is out of date: run PHONON_BLESS=1 cargo test -p phonon-cli --test install"
    );
    let page = String::from_utf8(now).unwrap();
    assert!(page.contains(".TH phonon 1"), "{}", &page[..200]);
    assert!(page.contains("render") && page.contains("live"));
}

#[test]
fn a_render_says_what_it_wrote_and_how_to_hear_it() {
    let out = std::env::temp_dir().join(format!("phonon-install-{}.wav", std::process::id()));
    let path = out.to_str().unwrap();
    let (code, stdout, err) = phonon(&["render", "examples/house.ph", "-o", path, "--cycles", "1"]);
    assert_eq!(code, 0, "{err}");
    assert!(stdout.contains(&format!("wrote {path} (")), "{stdout}");
    // The limiter's ceiling is -1 dBFS; the house beat reaches it.
    assert!(stdout.contains("peak -1.0 dBFS"), "{stdout}");
    assert!(
        stdout.contains(&format!("play it with `aplay {path}`")),
        "{stdout}"
    );
    let _ = std::fs::remove_file(&out);
    // Silence says so.
    let silent = std::env::temp_dir().join(format!("phonon-silent-{}.ph", std::process::id()));
    std::fs::write(&silent, "out: 0\n").unwrap();
    let (code, stdout, _) = phonon(&[
        "render",
        silent.to_str().unwrap(),
        "-o",
        path,
        "--seconds",
        "0.1",
    ]);
    assert_eq!(code, 0);
    assert!(stdout.contains(", silent)"), "{stdout}");
    let _ = std::fs::remove_file(&out);
    let _ = std::fs::remove_file(&silent);
}

#[test]
fn the_readme_commands_are_the_ones_ci_runs() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).unwrap();
    let section = &readme[readme.find("## The two commands").expect("the section")..];
    let blocks: Vec<&str> = section
        .split("```sh\n")
        .skip(1)
        .take(2)
        .map(|b| b.split("\n```").next().unwrap())
        .collect();
    assert_eq!(
        blocks,
        [
            "./setup && cargo run --release -p phonon-cli -- render examples/house.ph -o house.wav",
            "./setup --tests && cargo test --workspace --features phonon-cli/link",
        ]
    );
    let ci = std::fs::read_to_string(format!("{root}/.ci/run")).unwrap();
    assert!(ci.lines().any(|l| l == blocks[1]), "{ci}");
    // The set-up step is there, executable, and refuses what it does not know.
    let setup = std::path::Path::new(root).join("setup");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert!(setup.metadata().unwrap().permissions().mode() & 0o111 != 0);
    }
    let out = Command::new(&setup).arg("--what").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}
