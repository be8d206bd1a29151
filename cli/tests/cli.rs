//! The `phonon` binary as a user runs it: exit codes, stdin, help, diagnostics.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn phonon(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_phonon"))
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("phonon runs");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(text.as_bytes())
            .expect("write stdin");
    }
    child.wait_with_output().expect("phonon finishes")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn compile_accepts_every_example() {
    let mut count = 0;
    for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "ph") {
            count += 1;
            let out = phonon(&["compile", "--check", path.to_str().unwrap()], None);
            assert_eq!(
                out.status.code(),
                Some(0),
                "{}: {}",
                path.display(),
                text(&out.stderr)
            );
            assert!(
                text(&out.stdout).contains(": ok ("),
                "{}",
                text(&out.stdout)
            );
        }
    }
    assert!(count >= 12, "only {count} examples");
}

#[test]
fn compile_builds_native_code_for_synthesis_examples() {
    for name in ["synth16", "chords", "feedback"] {
        let path = format!("examples/{name}.ph");
        let out = phonon(&["compile", &path, "--timings"], None);
        assert_eq!(out.status.code(), Some(0), "{path}: {}", text(&out.stderr));
        let stdout = text(&out.stdout);
        assert!(stdout.contains("kernels"), "{stdout}");
        for phase in [
            "parse",
            "lower to IR",
            "schedule",
            "codegen",
            "link",
            "total",
        ] {
            assert!(stdout.contains(phase), "{phase} missing in {stdout}");
        }
    }
}

#[test]
fn compile_refuses_a_feedback_loop_through_a_delay_line_in_place() {
    let out = phonon(
        &["compile", "-"],
        Some("~a: (impulse 1 + ~a) # delay 0.1 0.5\nout: ~a\n"),
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    // At the loop, in the bus definition (not where an output plays the bus).
    assert!(err.contains("<stdin>:1:6"), "{err}");
    assert!(err.contains("passes through `delay`"), "{err}");
}

#[test]
fn compile_reports_all_five_planted_errors_and_exits_1() {
    let out = phonon(&["compile", "tests/data/five_errors.ph"], None);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    for place in [
        "five_errors.ph:5:14",
        "five_errors.ph:6:21",
        "five_errors.ph:7:13",
        "five_errors.ph:8:5",
        "five_errors.ph:9:11",
    ] {
        assert!(err.contains(place), "missing {place} in:\n{err}");
    }
    assert!(err.contains("did you mean `lpf`?"), "{err}");
    assert!(err.contains("5 errors found"), "{err}");
    // Not a terminal: no colour codes.
    assert!(!err.contains('\u{1b}'), "{err}");
}

#[test]
fn stdin_is_read_with_dash() {
    let out = phonon(&["compile", "--check", "-"], Some("out: s \"bd sn\"\n"));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("<stdin>: ok"));
    let out = phonon(
        &["compile", "--check", "-"],
        Some("out: s \"bd sn\" # lfp 3\n"),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("<stdin>:1:18"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(phonon(&["compile"], None).status.code(), Some(2));
    assert_eq!(phonon(&["frobnicate"], None).status.code(), Some(2));
    assert_eq!(phonon(&["ir"], None).status.code(), Some(2));
    // render needs somewhere to write
    assert_eq!(
        phonon(&["render", "examples/synth16.ph"], None)
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn a_missing_file_is_a_clear_error() {
    let out = phonon(&["compile", "no/such/file.ph"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("cannot read `no/such/file.ph`"));
}

#[test]
fn help_has_examples() {
    let out = phonon(&["--help"], None);
    assert_eq!(out.status.code(), Some(0));
    let help = text(&out.stdout);
    assert!(
        help.contains("compile") && help.contains("Examples:"),
        "{help}"
    );
    for sub in ["compile", "ir"] {
        let out = phonon(&[sub, "--help"], None);
        assert_eq!(out.status.code(), Some(0));
        assert!(text(&out.stdout).contains("Examples:"), "{sub}");
    }
}

#[test]
fn ir_ast_prints_the_tree() {
    let out = phonon(
        &["ir", "-", "--ast"],
        Some("out: jux rev $ s \"bd [sn sn]\"\n"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let tree = text(&out.stdout);
    assert!(
        tree.starts_with("output out (written `out`) @1:1\n  dollar (subject: element 1) @1:6\n"),
        "{tree}"
    );
    assert!(tree.contains("atom sn @1:23"), "{tree}");
}

#[test]
fn query_prints_oracle_format_sorted() {
    let out = phonon(&["query", "\"bd*2 [sn cp]\" $ fast 2", "--to", "1/2"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        concat!(
            "{\"whole\":[0,1,1,8],\"part\":[0,1,1,8],\"value\":\"bd\"}\n",
            "{\"whole\":[1,8,1,4],\"part\":[1,8,1,4],\"value\":\"bd\"}\n",
            "{\"whole\":[1,4,3,8],\"part\":[1,4,3,8],\"value\":\"sn\"}\n",
            "{\"whole\":[3,8,1,2],\"part\":[3,8,1,2],\"value\":\"cp\"}\n",
        )
    );
}

#[test]
fn query_prints_fragments_and_reads_files() {
    // An event that started before --from appears with its clipped part.
    let out = phonon(
        &["query", "\"a b\" $ slow 4", "--from", "1/3", "--to", "7/4"],
        None,
    );
    assert_eq!(
        text(&out.stdout),
        "{\"whole\":[0,1,2,1],\"part\":[1,3,7,4],\"value\":\"a\"}\n"
    );
    let out = phonon(
        &["query", "examples/euclid.ph", "--out", "o3", "--to", "1/4"],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("\"pan\":-0.5"),
        "{}",
        text(&out.stdout)
    );
    // A whole file: every output's events, each line saying its output; an output of
    // signals gives the patterns it reads (its synth's notes, its parameters), each saying
    // where it is written.
    let dir = std::env::temp_dir().join(format!("phonon-query-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("q.ph");
    std::fs::write(
        &file,
        "cps: 1\nd1: s \"bd sn\"\no2: saw (note \"c3 e3\") # lpf (range 300 900 sine) 0.3\n",
    )
    .unwrap();
    let out = phonon(&["query", file.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "{\"output\":\"o1\",\"whole\":[0,1,1,2],\"part\":[0,1,1,2],\"value\":{\"s\":\"bd\"}}\n\
         {\"output\":\"o1\",\"whole\":[1,2,1,1],\"part\":[1,2,1,1],\"value\":{\"s\":\"sn\"}}\n\
         {\"output\":\"o2\",\"pattern\":\"3:10\",\"whole\":[0,1,1,2],\"part\":[0,1,1,2],\"value\":{\"note\":\"c3\"}}\n\
         {\"output\":\"o2\",\"pattern\":\"3:10\",\"whole\":[1,2,1,1],\"part\":[1,2,1,1],\"value\":{\"note\":\"e3\"}}\n\
         {\"output\":\"o2\",\"pattern\":\"3:31\",\"whole\":null,\"part\":[0,1,1,1],\"value\":600}\n"
    );
    let out = phonon(&["query", "examples/euclid.ph", "--to", "1/8"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    for o in ["o1", "o2", "o3"] {
        assert!(
            text(&out.stdout).contains(&format!("{{\"output\":\"{o}\",")),
            "{}",
            text(&out.stdout)
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `phonon ir --summary`: each output with the patterns it plays (and where), its sounds,
/// what processes it, and its share of the block time; the shares are measured, so only
/// their range and rough sum are checked.
#[test]
fn ir_summary_shows_each_output_as_a_musician_reads_it() {
    let out = phonon(&["ir", "--summary", "examples/effects.ph"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    assert!(
        s.starts_with("examples/effects.ph: 4 outputs, 0.5 cps; a block of 512 frames takes "),
        "{s}"
    );
    for want in [
        "\no1  (line 10)",
        "    samples  10:5   ~drums\n    sounds   bd sn cp\n    signal   bitcrush compressor\n",
        "    values   6:12   \"c3 c3 eb3 g2\"\n    signal   saw lpf distortion chorus\n",
        "\no3  (line 12)",
        "    notes    7:12   \"<c5'min7 ab4'maj7>\"\n    signal   tri adsr reverb\n",
        "    notes    8:15   \"<g5 bb5> ~ ~ eb6\"\n    signal   square ar lpf delay\n",
    ] {
        assert!(s.contains(want), "{want:?} in\n{s}");
    }
    let shares: Vec<f64> = s
        .lines()
        .filter_map(|l| l.strip_suffix("% of the block time"))
        .map(|l| l.rsplit(' ').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(shares.len(), 4, "{s}");
    assert!(
        shares.iter().all(|x| (0.0..=100.0).contains(x)),
        "{shares:?}"
    );
    let total: f64 = shares.iter().sum();
    assert!((50.0..=150.0).contains(&total), "{shares:?}");
}
