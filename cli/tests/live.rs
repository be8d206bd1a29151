//! `phonon live` with the null sink and a simulated editor: a rename-replace save, a broken
//! save, a fix. Checked on the recorded stream: each good save is swapped in (and heard
//! within a few blocks), the broken one keeps the old sound, the sine that every version
//! shares never jumps (its phase continues, the clock continues), new outputs fade in
//! without a click, no block is late, each new program is heard within two blocks of its
//! compile finishing, and the sink's callback never allocates.

use std::time::Duration;

// The sink's callback runs under `assert_no_alloc`: with this allocator an allocation there
// aborts the test.
#[global_allocator]
static ALLOCATOR: assert_no_alloc::AllocDisabler = assert_no_alloc::AllocDisabler;

const SR: f64 = 44_100.0;

/// The left channel of a recorded stereo WAV.
fn left_channel(wav: &std::path::Path) -> Vec<f32> {
    let samples: Vec<f32> = hound::WavReader::open(wav)
        .unwrap()
        .into_samples::<f32>()
        .map(Result::unwrap)
        .collect();
    samples.iter().step_by(2).copied().collect()
}

fn tone(x: &[f32], hz: f64) -> f64 {
    let (mut re, mut im) = (0.0, 0.0);
    for (i, &v) in x.iter().enumerate() {
        let p = std::f64::consts::TAU * hz * i as f64 / SR;
        re += v as f64 * p.cos();
        im += v as f64 * p.sin();
    }
    2.0 * (re * re + im * im).sqrt() / x.len() as f64
}

/// Runs `phonon live FILE --sink null` in-process with `extra` arguments; `terminal`: as on a
/// terminal, where the status line is drawn. Returns (exit code, stdout, stderr).
fn live(file: &std::path::Path, extra: &[&str], terminal: bool) -> (i32, String, String) {
    let args: Vec<String> = ["phonon", "live", file.to_str().unwrap(), "--sink", "null"]
        .iter()
        .chain(extra)
        .map(|s| s.to_string())
        .collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = phonon_cli::run(
        &args,
        phonon_cli::Io {
            stdin: &mut std::io::empty(),
            stdout: &mut out,
            stderr: &mut err,
            color: terminal,
        },
    );
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

#[test]
fn live_reloads_on_save_and_keeps_playing_through_errors() {
    let dir = std::env::temp_dir().join(format!("phonon-live-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let song = dir.join("song.ph");
    let rec = dir.join("rec.wav");
    std::fs::write(&song, "out: sine 441 # gain 0.5\n").unwrap();
    let editor = {
        let (song, dir) = (song.clone(), dir.clone());
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(900));
            // Editors like vim write a new file and rename it over the old one.
            let tmp = dir.join(".song.ph.swp");
            std::fs::write(
                &tmp,
                "out: sine 441 # gain 0.5\no2: sine 661.5 # gain 0.2\n",
            )
            .unwrap();
            std::fs::rename(&tmp, &song).unwrap();
            std::thread::sleep(Duration::from_millis(700));
            std::fs::write(
                &song,
                "out: sine 441 # gain 0.5\no2: sine 661.5 # lfp 300\n",
            )
            .unwrap();
            std::thread::sleep(Duration::from_millis(700));
            std::fs::write(&song, "out: sine 441 # gain 0.5\no2: sine 882 # gain 0.2\n").unwrap();
        })
    };
    let (code, log, err) = live(
        &song,
        &[
            "--seconds",
            "3.2",
            // 11.6 ms of margin for a render thread held up by a busy CI machine.
            "--block",
            "512",
            "--record",
            rec.to_str().unwrap(),
        ],
        false,
    );
    editor.join().unwrap();
    assert_eq!(code, 0, "{log}{err}");
    // Two reloads, one refusal with its diagnostic, no late block.
    let swaps: Vec<usize> = log
        .lines()
        .filter_map(|l| l.split("playing from frame ").nth(1))
        .map(|r| r.split(' ').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(swaps.len(), 2, "{log}");
    // Each lands within two blocks of its compile finishing.
    let waits: Vec<f64> = log
        .lines()
        .filter_map(|l| {
            l.split(" blocks after the compile")
                .next()?
                .rsplit('(')
                .next()
        })
        .filter_map(|w| w.parse().ok())
        .collect();
    assert_eq!(waits.len(), 2, "{log}");
    assert!(waits.iter().all(|&w| w <= 2.0), "{waits:?}");
    assert!(log.contains("unknown function `lfp`"), "{log}");
    assert!(log.contains("the last good program keeps playing"), "{log}");
    assert!(log.contains("xruns 0"), "{log}");

    let left = left_channel(&rec);
    assert!(
        left.len() as f64 > 3.0 * SR,
        "{} frames recorded",
        left.len()
    );
    // The shared sine never jumps: its steepest step is 2π·441/44100·0.5 ≈ 0.031, plus
    // 0.2·2π·882/44100 ≈ 0.025 for the second voice. A restart or a click would jump further.
    let jump = left
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0f32, f32::max);
    assert!(jump < 0.06, "jump of {jump}");
    let window = |from: usize| &left[from..from + 4410];
    let (first, second) = (swaps[0], swaps[1]);
    // Before the first reload: the 441 Hz sine alone.
    assert!((tone(window(first - 8000), 441.0) - 0.5).abs() < 0.01);
    assert!(tone(window(first - 8000), 661.5) < 0.01);
    // After it: 661.5 Hz joins; through the broken save it keeps playing.
    let between = first + 2000..second - 5000;
    for at in between.step_by(4410) {
        assert!((tone(window(at), 441.0) - 0.5).abs() < 0.01, "441 at {at}");
        assert!(
            (tone(window(at), 661.5) - 0.2).abs() < 0.01,
            "661.5 at {at}"
        );
    }
    // After the fix: 882 Hz instead of 661.5.
    assert!((tone(window(second + 2000), 882.0) - 0.2).abs() < 0.01);
    assert!(tone(window(second + 2000), 661.5) < 0.01);
    assert!((tone(window(second + 2000), 441.0) - 0.5).abs() < 0.01);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_status_line_shows_cycle_tempo_load_voices_xruns_and_the_last_reload() {
    let dir = std::env::temp_dir().join(format!("phonon-status-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let song = dir.join("song.ph");
    std::fs::write(&song, "tempo: 2\nout: s \"bd*4\"\n").unwrap();
    let editor = {
        let song = song.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(400));
            std::fs::write(&song, "tempo: 2\nout: s \"bd*4 hh*8\"\n").unwrap();
        })
    };
    let (code, _, err) = live(&song, &["--seconds", "1.2", "--block", "512"], true);
    editor.join().unwrap();
    assert_eq!(code, 0, "{err}");
    let last = err
        .split("\r\x1b[J")
        .filter(|l| l.starts_with("cycle "))
        .last()
        .unwrap_or_else(|| panic!("no status line in {err:?}"));
    let field = |name: &str| -> f64 {
        let rest = last.split(&format!("{name} ")).nth(1).unwrap();
        rest.split([' ', '%']).next().unwrap().parse().unwrap()
    };
    // About a second in at 2 cycles per second: cycle 2 or so.
    assert!((1.5..3.0).contains(&field("cycle")), "{last}");
    assert_eq!(field("cps"), 2.0, "{last}");
    assert!((0.0..100.0).contains(&field("load")), "{last}");
    assert!(field("voices") >= 1.0, "{last}");
    assert!(field("xruns") >= 0.0, "{last}");
    assert!(last.contains("reload at 0."), "{last}");
    assert!(last.contains(" ms"), "{last}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `--split`: each output and orbit on its own stereo pair of the device (and of the
/// recording), kept by name across a reload that reorders, removes and adds outputs.
#[test]
fn split_plays_each_output_and_orbit_on_a_pair_of_its_own_across_reloads() {
    let dir = std::env::temp_dir().join(format!("phonon-live-split-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let song = dir.join("song.ph");
    let rec = dir.join("rec.wav");
    std::fs::write(
        &song,
        "o1: sine 441 # gain 0.5\no2: sine 661.5 # gain 0.3\no3: s \"arpy*4\" # room 0.4 # orbit 1\n",
    )
    .unwrap();
    let editor = {
        let song = song.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(1000));
            std::fs::write(
                &song,
                "o2: sine 661.5 # gain 0.3\no4: sine 882 # gain 0.2\no1: sine 441 # gain 0.5\n",
            )
            .unwrap();
        })
    };
    let args = [
        "--seconds",
        "2.2",
        "--block",
        "512",
        "--channels",
        "10",
        "--split",
        "--record",
        rec.to_str().unwrap(),
    ];
    let (code, log, err) = live(&song, &args, false);
    editor.join().unwrap();
    assert_eq!(code, 0, "{log}{err}");
    assert!(
        log.contains("stems: 1-2 o1, 3-4 o2, 5-6 o3, 7-8 orbit 0, 9-10 orbit 1\n"),
        "{log}"
    );
    assert!(
        log.contains("stems: 1-2 o1, 3-4 o2, 5-6 o4, 9-10 orbit 1\n"),
        "{log}"
    );
    let swap: usize = log
        .lines()
        .find_map(|l| l.split("playing from frame ").nth(1))
        .map(|r| r.split(' ').next().unwrap().parse().unwrap())
        .expect("a reload");
    let reader = hound::WavReader::open(&rec).unwrap();
    assert_eq!(reader.spec().channels, 10);
    let samples: Vec<f32> = reader.into_samples::<f32>().map(Result::unwrap).collect();
    let channel = |c: usize| -> Vec<f32> { samples.iter().skip(c).step_by(10).copied().collect() };
    let left: Vec<Vec<f32>> = (0..5).map(|p| channel(2 * p)).collect();
    let rms = |x: &[f32]| (x.iter().map(|v| v * v).sum::<f32>() / x.len() as f32).sqrt();
    let (before, after) = (swap - 12_000..swap - 7_590, swap + 3_000..swap + 7_410);
    for span in [before.clone(), after.clone()] {
        // o1 on 1-2 and o2 on 3-4, each alone, before and after the reload reordered them.
        let (a, b) = (&left[0][span.clone()], &left[1][span.clone()]);
        assert!((tone(a, 441.0) - 0.5).abs() < 0.01, "o1 {span:?}");
        assert!(tone(a, 661.5) < 0.01 && tone(a, 882.0) < 0.01);
        assert!((tone(b, 661.5) - 0.3).abs() < 0.01, "o2 {span:?}");
        assert!(tone(b, 441.0) < 0.01);
    }
    // o3 (the arpy, four a cycle) on 5-6; its orbit's reverb on 9-10, without the sines.
    let long_before = swap - 35_000..swap - 2_000;
    assert!(rms(&left[2][long_before.clone()]) > 0.01);
    assert!(tone(&left[2][long_before.clone()], 882.0) < 0.01);
    let room = &left[4][long_before];
    assert!(rms(room) > 1e-3 && tone(room, 441.0) < 0.01);
    // o4, new, on the pair o3 left (every pair was given out): its tone alone there.
    let o4 = &left[2][after];
    assert!((tone(o4, 882.0) - 0.2).abs() < 0.01 && tone(o4, 441.0) < 0.01);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn split_needs_an_even_channel_count() {
    let song = std::env::temp_dir().join(format!("phonon-split-usage-{}.ph", std::process::id()));
    std::fs::write(&song, "out: sine 441\n").unwrap();
    let (code, _, err) = live(&song, &["--channels", "3", "--split"], false);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--split needs an even --channels of at least 2"),
        "{err}"
    );
    let (code, _, err) = live(&song, &["--split"], false);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--channels"), "{err}");
    std::fs::remove_file(&song).unwrap();
}

/// After a save that does not compile, the status line says where the error is and which
/// version still plays, until a save compiles again; a file that never compiled says it is
/// silent.
#[test]
fn the_status_line_says_when_the_file_is_not_what_plays() {
    let dir = std::env::temp_dir().join(format!("phonon-status-err-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let song = dir.join("song.ph");
    let good = "tempo: 2\nout: s \"bd*4\"\n";
    let broken = "tempo: 2\nout: s \"bd*4\" # nonsense 3\n";
    std::fs::write(&song, good).unwrap();
    let editor = {
        let song = song.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(400));
            std::fs::write(&song, broken).unwrap();
            std::thread::sleep(Duration::from_millis(700));
            std::fs::write(&song, good.replace("bd*4", "bd*2")).unwrap();
        })
    };
    let (code, _, err) = live(&song, &["--seconds", "1.8"], true);
    editor.join().unwrap();
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = err
        .split("\r\x1b[J")
        .filter(|l| l.starts_with("cycle "))
        .collect();
    // `nonsense` is at line 2, column 17.
    let failing: Vec<&&str> = lines
        .iter()
        .filter(|l| l.contains("errors at 2:17, playing the version of "))
        .collect();
    assert!(failing.len() >= 2, "{lines:#?}");
    let time = failing[0].split("playing the version of ").nth(1).unwrap();
    let hms: Vec<&str> = time.trim_end().split(':').collect();
    assert!(
        hms.len() == 3 && hms.iter().all(|p| p.len() == 2 && p.parse::<u32>().is_ok()),
        "{time}"
    );
    // Fixed: back to the last reload.
    assert!(lines.last().unwrap().contains("reload at "), "{lines:#?}");

    // A file that never compiled.
    std::fs::write(&song, broken).unwrap();
    let (code, _, err) = live(&song, &["--seconds", "0.6"], true);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("errors at 2:17, silent until the file compiles"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `--scope`: under the status line, each output's level (its peak in dBFS) as a bar, and
/// the mix as braille dots.
#[test]
fn the_scope_shows_each_outputs_level_and_the_mix() {
    let dir = std::env::temp_dir().join(format!("phonon-scope-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let song = dir.join("song.ph");
    std::fs::write(&song, "out: sine 441 * 0.5\no2: sine 220.5 * 0.25\n").unwrap();
    let (code, _, err) = live(&song, &["--seconds", "1", "--scope"], true);
    assert_eq!(code, 0, "{err}");
    let last = err
        .split("\r\x1b[J")
        .filter(|l| l.contains("load "))
        .last()
        .unwrap_or_else(|| panic!("no status in {err:?}"));
    let lines: Vec<&str> = last.split("\n\x1b[K").collect();
    let meter = |name: &str| {
        lines
            .iter()
            .find(|l| l.starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no meter for {name} in {lines:#?}"))
            .to_string()
    };
    // A sine at 0.5 peaks at -6.0 dBFS, at 0.25 at -12.0; the bar is 60 dB long.
    let (out, o2) = (meter("out"), meter("o2 "));
    assert!(out.contains(" -6.0 dB"), "{out}");
    assert!(o2.contains("-12.0 dB"), "{o2}");
    let filled = |l: &str| l.chars().filter(|c| *c == '█').count();
    assert!(filled(&out) > filled(&o2), "{out}\n{o2}");
    // The scope: four rows of braille, with dots on them.
    let scope: Vec<&&str> = lines
        .iter()
        .filter(|l| {
            l.contains('\u{2800}') || l.chars().any(|c| ('\u{2801}'..='\u{28ff}').contains(&c))
        })
        .collect();
    assert!(scope.len() >= 4, "{lines:#?}");
    assert!(scope[0].starts_with("mix "), "{lines:#?}");
    let dotted: usize = scope
        .iter()
        .map(|l| {
            l.chars()
                .filter(|c| ('\u{2801}'..='\u{28ff}').contains(c))
                .count()
        })
        .sum();
    assert!(dotted > 20, "{lines:#?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `phonon send FILE ...` in-process: (exit code, stdout + stderr).
fn send(file: &std::path::Path, words: &[&str], stdin: &str) -> (i32, String) {
    let args: Vec<String> = ["phonon", "send", file.to_str().unwrap()]
        .iter()
        .chain(words)
        .map(|s| s.to_string())
        .collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = phonon_cli::run(
        &args,
        phonon_cli::Io {
            stdin: &mut stdin.as_bytes(),
            stdout: &mut out,
            stderr: &mut err,
            color: false,
        },
    );
    (
        code,
        String::from_utf8(out).unwrap() + &String::from_utf8(err).unwrap(),
    )
}

#[test]
fn editor_commands_mute_evaluate_solo_play_once_and_hush() {
    let dir = std::env::temp_dir().join(format!("phonon-send-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let set = dir.join("set.ph");
    let rec = dir.join("rec.wav");
    std::fs::write(&set, "cps: 2\nd1: sine 440 * 0.2\nd2: sine 1000 * 0.2\n").unwrap();
    let (code, said) = send(&set, &["hush"], "");
    assert_eq!(code, 1);
    assert!(said.contains("no phonon live is playing"), "{said}");
    let editor = {
        let set = set.clone();
        std::thread::spawn(move || {
            // Ready when a harmless command is answered.
            let mut tries = 0;
            while send(&set, &["unmute", "d1"], "").0 != 0 {
                tries += 1;
                assert!(tries < 200, "phonon live never listened");
                std::thread::sleep(Duration::from_millis(20));
            }
            let mut answers = Vec::new();
            let mut step = |words: &[&str], stdin: &str| {
                // Long enough after `once` for its cycle (from the next, of 0.5 s) to end:
                // a reload cuts it short.
                let after_once = answers.len() == 5;
                std::thread::sleep(Duration::from_millis(if after_once { 1300 } else { 700 }));
                answers.push(send(&set, words, stdin));
            };
            step(&["mute", "d1"], "");
            let three = "cps: 2\nd1: sine 440 * 0.2\nd2: sine 1000 * 0.2\nd3: sine 2500 * 0.2\n";
            step(&["eval"], three);
            step(&["solo", "d3"], "");
            step(&["unsolo", "d3"], "");
            step(&["once", "sine", "300", "*", "0.2"], "");
            step(&["hush"], "");
            // Refused: nothing changes.
            answers.push(send(&set, &["mute", "d9"], ""));
            answers.push(send(&set, &["eval"], "d1: lfp 3\n"));
            answers.push(send(&set, &["once"], "~x: sine 3\n"));
            answers
        })
    };
    let (code, log, err) = live(
        &set,
        &["--seconds", "6.5", "--record", rec.to_str().unwrap()],
        false,
    );
    let answers = editor.join().unwrap();
    assert_eq!(code, 0, "{log}{err}");
    let said: Vec<&str> = answers.iter().map(|(_, s)| s.trim()).collect();
    let codes: Vec<i32> = answers.iter().map(|(c, _)| *c).collect();
    assert_eq!(codes, [0, 0, 0, 0, 0, 0, 1, 1, 1], "{said:?}\n{log}");
    assert_eq!(said[0], "mute d1");
    assert_eq!(said[1], "playing the editor's text (3 outputs)");
    assert_eq!(said[4], "playing the selection once, from the next cycle");
    assert!(said[6].contains("no output `d9`: the outputs playing are d1, d2, d3"));
    assert!(said[7].starts_with("error: 1:5:"), "{}", said[7]);
    assert!(said[8].contains("`~x: sine 3` is neither"), "{}", said[8]);
    assert!(log.contains("editor commands at "), "{log}");

    // Which tones sound, 50 ms at a time; runs shorter than 0.2 s are the crossfades.
    let left = left_channel(&rec);
    let mut states: Vec<(Vec<u32>, usize)> = Vec::new();
    for w in left.chunks_exact(2205) {
        let levels: Vec<f64> = [300, 440, 1000, 2500]
            .iter()
            .map(|&hz| tone(w, hz as f64))
            .collect();
        if levels.iter().any(|&l| l > 0.01 && l < 0.05) {
            continue; // fading
        }
        let on: Vec<u32> = [300, 440, 1000, 2500]
            .into_iter()
            .zip(&levels)
            .filter(|(_, l)| **l >= 0.05)
            .map(|(hz, _)| hz)
            .collect();
        match states.last_mut() {
            Some((s, n)) if *s == on => *n += 1,
            _ => states.push((on, 1)),
        }
    }
    let heard: Vec<Vec<u32>> = states
        .into_iter()
        .filter(|(_, n)| *n >= 4)
        .map(|(s, _)| s)
        .fold(Vec::new(), |mut v, s| {
            if v.last() != Some(&s) {
                v.push(s);
            }
            v
        });
    assert_eq!(
        heard,
        [
            vec![440, 1000],
            vec![1000],
            vec![1000, 2500],
            vec![2500],
            vec![1000, 2500],
            vec![300, 1000, 2500],
            vec![1000, 2500],
            vec![],
        ],
        "{log}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
