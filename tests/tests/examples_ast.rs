//! Snapshot of `phonon ir FILE --ast` for every example: a change in how any example parses
//! shows up as a reviewable diff.

use std::path::PathBuf;

use phonon_tests::phonon as run;

fn examples() -> Vec<PathBuf> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples"));
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ph"))
        .collect();
    files.sort();
    files
}

#[test]
fn ast_of_every_example() {
    for path in examples() {
        let (code, out, err) = run(&["ir", path.to_str().unwrap(), "--ast"]);
        assert_eq!(code, 0, "{}: {err}", path.display());
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        insta::assert_snapshot!(format!("ast_{name}"), out);
    }
}

/// The signal graph and plan of every example that compiles to audio, and the diagnostic of
/// every one that does not yet: a change in lowering or scheduling shows up as a diff.
#[test]
fn ir_of_every_example() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../");
    for path in examples() {
        let (code, out, err) = run(&["ir", path.to_str().unwrap()]);
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        let shown = match code {
            0 => out,
            1 => format!("does not compile:\n{}", err.replace(dir, "")),
            _ => panic!("{}: exit {code}: {err}", path.display()),
        };
        insta::assert_snapshot!(format!("ir_{name}"), shown);
    }
}

/// Every pattern of every example as `phonon ir --patterns` prints it: a change in what a
/// pattern is made of (and so in what a reload compares) shows up as a diff.
#[test]
fn patterns_of_every_example() {
    for path in examples() {
        let (code, out, _) = run(&["ir", path.to_str().unwrap(), "--patterns"]);
        if code != 0 {
            continue; // an example that does not compile is in its `ir_` snapshot
        }
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        insta::assert_snapshot!(format!("patterns_{name}"), out);
    }
}
