//! Stopping `phonon live` as people do: Ctrl-C (SIGINT), SIGTERM, SIGHUP (the terminal
//! closed), from a script that started it in the background with SIGINT ignored, a second
//! Ctrl-C during the fade, and SIGKILL, which nothing can handle. Each leaves a recording
//! that ordinary WAV readers open; the graceful stops end with the fade and exit 0.
#![cfg(target_os = "linux")]

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PHONON: &str = env!("CARGO_BIN_EXE_phonon");
const SR: f64 = 44_100.0;

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("phonon-signals-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Starts `phonon live` on a steady sine (easy to check for a fade) with `--record`.
fn start(dir: &Path, ignore_sigint: bool) -> Child {
    let song = dir.join("song.ph");
    std::fs::write(&song, "out: sine 441 * 0.5\n").unwrap();
    let mut cmd = Command::new(PHONON);
    cmd.arg("live")
        .arg(&song)
        .args(["--sink", "null", "--block", "512", "--record"])
        .arg(dir.join("rec.wav"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if ignore_sigint {
        // As a shell does for a command it starts in the background of a script.
        // SAFETY: only `signal`, async-signal-safe, between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                libc::signal(libc::SIGINT, libc::SIG_IGN);
                Ok(())
            });
        }
    }
    cmd.spawn().unwrap()
}

fn send(child: &Child, signal: i32) {
    // SAFETY: a system call with plain integer arguments.
    assert_eq!(unsafe { libc::kill(child.id() as i32, signal) }, 0);
}

/// Waits at most `limit` for the child; its status code (None: killed by a signal), stdout.
fn wait(mut child: Child, limit: Duration) -> (Option<i32>, String) {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            return (
                status.code(),
                String::from_utf8_lossy(&out.stdout).into_owned(),
            );
        }
        assert!(started.elapsed() < limit, "phonon live did not stop");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The left channel of a WAV file, through hound (which checks the header's lengths).
fn left(path: &Path) -> Vec<f32> {
    let r = hound::WavReader::open(path).expect("a valid WAV file");
    let samples: Vec<f32> = r.into_samples::<f32>().map(Result::unwrap).collect();
    samples.iter().step_by(2).copied().collect()
}

/// Plays for `after`, sends `signals` (a few ms apart), and checks a graceful stop.
fn graceful(name: &str, signals: &[i32], ignore_sigint: bool) -> (Vec<f32>, String) {
    let d = dir(name);
    let child = start(&d, ignore_sigint);
    std::thread::sleep(Duration::from_millis(1500));
    for &s in signals {
        send(&child, s);
        std::thread::sleep(Duration::from_millis(3));
    }
    let (code, log) = wait(child, Duration::from_secs(5));
    assert_eq!(code, Some(0), "{name}: {log}");
    let rec = left(&d.join("rec.wav"));
    std::fs::remove_dir_all(&d).unwrap();
    // Everything played is there: the 1.5 s before the signal, less the startup (which a
    // loaded machine, running the other tests, stretches to most of a second), and exactly
    // what the summary says was played (below).
    let seconds = rec.len() as f64 / SR;
    assert!(
        (0.3..2.5).contains(&seconds),
        "{name}: {seconds} s recorded\n{log}"
    );
    let played: f64 = log
        .split("played ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{name}: no summary in {log}"));
    assert!(
        (seconds - played).abs() < 0.02,
        "{name}: {seconds} recorded, {played} played"
    );
    (rec, log)
}

fn peak(x: &[f32]) -> f32 {
    x.iter().fold(0.0f32, |m, v| m.max(v.abs()))
}

/// The end of a graceful stop: the sine at full level, a 20 ms fade, then silence.
fn assert_fades_out(name: &str, rec: &[f32]) {
    let end = rec.iter().rposition(|&x| x != 0.0).expect("sound") + 1;
    let fade = (0.02 * SR) as usize;
    assert!(end > fade + 4410, "{name}");
    assert!(
        (peak(&rec[end - fade - 2000..end - fade]) - 0.5).abs() < 0.01,
        "{name}"
    );
    // Within the fade the level falls steadily: each 2.5 ms lower than the one before.
    let step = fade / 8;
    let levels: Vec<f32> = (0..8)
        .map(|k| peak(&rec[end - fade + k * step..end - fade + (k + 1) * step]))
        .collect();
    assert!(levels.windows(2).all(|w| w[1] < w[0]), "{name}: {levels:?}");
    assert!(levels[7] < 0.1, "{name}: {levels:?}");
    assert!(rec[end..].iter().all(|&x| x == 0.0));
}

#[test]
fn sigint_sigterm_and_sighup_fade_out_finalise_the_recording_and_exit_0() {
    let runs: Vec<_> = [
        ("int", libc::SIGINT, false),
        ("term", libc::SIGTERM, false),
        ("hup", libc::SIGHUP, false),
        ("int_ignored", libc::SIGINT, true),
    ]
    .into_iter()
    .map(|(name, s, ignored)| std::thread::spawn(move || (name, graceful(name, &[s], ignored))))
    .collect();
    for r in runs {
        let (name, (rec, log)) = r.join().unwrap();
        assert!(
            log.contains("stopped by a signal: faded out"),
            "{name}: {log}"
        );
        assert_fades_out(name, &rec);
    }
}

#[test]
fn a_second_signal_cuts_the_fade_short_and_still_leaves_a_valid_file() {
    let (_, log) = graceful("twice", &[libc::SIGINT, libc::SIGINT], false);
    assert!(log.contains("second signal"), "{log}");
}

#[test]
fn sigkill_leaves_a_valid_recording_missing_at_most_about_a_second() {
    let d = dir("kill");
    let child = start(&d, false);
    let started = Instant::now();
    std::thread::sleep(Duration::from_millis(3300));
    send(&child, libc::SIGKILL);
    let wall = started.elapsed().as_secs_f64();
    let (code, _) = wait(child, Duration::from_secs(5));
    assert_eq!(code, None, "killed");
    let rec = left(&d.join("rec.wav"));
    let seconds = rec.len() as f64 / SR;
    // Startup (compiling, the kit) takes some of the wall time; the header is brought up
    // to date every second.
    assert!(
        seconds > wall - 1.6 && seconds <= wall,
        "{seconds} s of {wall} s"
    );
    assert!((peak(&rec[rec.len() - 4410..]) - 0.5).abs() < 0.01);
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn a_render_killed_midway_leaves_the_previous_file_as_it_was() {
    let d = dir("render");
    let out = d.join("out.wav");
    std::fs::write(&out, b"the previous render").unwrap();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/stress_extreme.ph");
    let child = Command::new(PHONON)
        .arg("render")
        .arg(&example)
        .args(["--seconds", "3000", "-o"])
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    send(&child, libc::SIGKILL);
    let (code, _) = wait(child, Duration::from_secs(5));
    assert_eq!(code, None, "killed while rendering");
    assert_eq!(std::fs::read(&out).unwrap(), b"the previous render");
    // A render that completes replaces it, and leaves no temporary file behind.
    let status = Command::new(PHONON)
        .arg("render")
        .arg(&example)
        .args(["--cycles", "1", "-o"])
        .arg(&out)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    assert!(hound::WavReader::open(&out).unwrap().len() > 0);
    let names: Vec<_> = std::fs::read_dir(&d)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("out.wav")]);
    std::fs::remove_dir_all(&d).unwrap();
}
