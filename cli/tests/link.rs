//! `phonon live --link` (built with the `link` feature): two phonon processes join one
//! Ableton Link session over loopback. One changes its file's tempo; the other follows, and
//! from the cycle after, both start their cycles at the same Link time to within 1 ms, at
//! the new tempo. Measured on their recordings: each cycle starts a 1 kHz beep, whose
//! first sample's frame is turned into Link time through the `frame 0 played at Link time`
//! each process prints.
#![cfg(feature = "link")]

use std::process::{Command, Stdio};
use std::time::Duration;

const SR: f64 = 44_100.0;

/// The Link times (µs) of the beeps' onsets in `wav`, given its frame 0's.
fn onsets(wav: &std::path::Path, origin: f64) -> Vec<f64> {
    let samples: Vec<f32> = hound::WavReader::open(wav)
        .unwrap()
        .into_samples::<f32>()
        .map(Result::unwrap)
        .collect();
    let mut out = Vec::new();
    let mut quiet = usize::MAX;
    for (k, x) in samples.iter().step_by(2).enumerate() {
        if x.abs() > 0.01 {
            if quiet > 2000 {
                out.push(origin + k as f64 / SR * 1e6);
            }
            quiet = 0;
        } else {
            quiet = quiet.saturating_add(1);
        }
    }
    out
}

/// Whether the machine has a network interface that is up and carries multicast (Link finds
/// its peers by multicast, also between processes of one machine).
fn multicast_interface() -> Option<String> {
    let mut list: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: getifaddrs fills `list`, freed below; each entry is read while it lives.
    if unsafe { libc::getifaddrs(&mut list) } != 0 {
        return None;
    }
    let mut found = None;
    let mut at = list;
    while !at.is_null() {
        let entry = unsafe { &*at };
        let flags = entry.ifa_flags as libc::c_int;
        let wanted = libc::IFF_UP | libc::IFF_MULTICAST;
        if flags & wanted == wanted && flags & libc::IFF_LOOPBACK == 0 {
            let name = unsafe { std::ffi::CStr::from_ptr(entry.ifa_name) };
            found = Some(name.to_string_lossy().into_owned());
            break;
        }
        at = entry.ifa_next;
    }
    unsafe { libc::freeifaddrs(list) };
    found
}

fn origin(log: &str) -> f64 {
    log.split("frame 0 played at Link time ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("no Link time in:\n{log}"))
}

#[test]
fn two_phonons_follow_one_session_in_tempo_and_phase() {
    let Some(interface) = multicast_interface() else {
        eprintln!(
            "SKIPPED: no network interface is up with multicast, which Link's peers find each other by"
        );
        return;
    };
    let dir = std::env::temp_dir().join(format!("phonon-link-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let beep = |bpm: u32| format!("bpm: {bpm}\nd1: sine 1000 * \"1 ~ ~ ~\"\n");
    let start = |name: &str, seconds: &str| {
        let file = dir.join(format!("{name}.ph"));
        std::fs::write(&file, beep(120)).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_phonon"))
            .args(["live", file.to_str().unwrap(), "--sink", "null", "--link"])
            .args(["--seconds", seconds, "--record"])
            .arg(dir.join(format!("{name}.wav")))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        (file, child)
    };
    let (_, a) = start("a", "13");
    std::thread::sleep(Duration::from_millis(1300));
    let (b_file, b) = start("b", "11");
    // B sets 140 bpm once both have settled.
    std::thread::sleep(Duration::from_millis(5000));
    std::fs::write(&b_file, beep(140)).unwrap();
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    let text = |o: &std::process::Output| {
        String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr)
    };
    let (a_log, b_log) = (text(&a), text(&b));
    assert!(a.status.success() && b.status.success(), "{a_log}\n{b_log}");
    assert!(
        a_log.contains("link: 1 peer, "),
        "no peer over {interface}:\n{a_log}"
    );
    assert!(b_log.contains("link: 1 peer, 120.00 bpm"), "{b_log}");
    let a_on = onsets(&dir.join("a.wav"), origin(&a_log));
    let b_on = onsets(&dir.join("b.wav"), origin(&b_log));
    // B's save came 6.3 s after A started: from A's cycle after next, at 140 bpm a cycle
    // (4 beats) lasts 1,714.29 ms, in both.
    let after = a_on[0] + 8.5e6;
    let late = |on: &[f64]| {
        on.iter()
            .copied()
            .filter(|&t| t > after)
            .collect::<Vec<f64>>()
    };
    let (a_late, b_late) = (late(&a_on), late(&b_on));
    assert!(a_late.len() >= 2 && b_late.len() >= 2, "{a_on:?}\n{b_on:?}");
    for w in a_late.windows(2).chain(b_late.windows(2)) {
        assert!(
            ((w[1] - w[0]) / 1e3 - 1714.29).abs() < 1.0,
            "{a_on:?}\n{b_on:?}"
        );
    }
    // And in phase: each of B's cycles starts within 1 ms of one of A's.
    for t in &b_late {
        let nearest = a_on.iter().map(|a| (a - t).abs()).fold(f64::MAX, f64::min);
        assert!(
            nearest < 1000.0,
            "{} ms apart\n{a_on:?}\n{b_on:?}",
            nearest / 1e3
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_tempo_pattern_cannot_play_with_link() {
    let dir = std::env::temp_dir().join(format!("phonon-link-pattern-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("t.ph");
    std::fs::write(&file, "cps: \"<0.5 0.6>\"\nd1: s \"bd\"\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_phonon"))
        .args(["live", file.to_str().unwrap(), "--sink", "null", "--link"])
        .args(["--seconds", "1"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("a tempo pattern cannot"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}
