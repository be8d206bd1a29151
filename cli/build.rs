//! The git commit `phonon --version` names: `git describe` of the checkout it is built from,
//! or "unknown commit" outside one (a crate downloaded without its history).

use std::process::Command;

fn main() {
    let commit = Command::new("git")
        .args(["describe", "--always", "--dirty", "--abbrev=12"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown commit".to_string());
    println!("cargo:rustc-env=PHONON_COMMIT={commit}");
    // A new commit, a checkout, or staged changes rebuild the version string.
    for path in ["../.git/HEAD", "../.git/index", "../.git/refs/heads"] {
        println!("cargo:rerun-if-changed={path}");
    }
}
