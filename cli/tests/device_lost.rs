//! `phonon live` on the real cpal path (see `jack/mod.rs`) while its device goes away: the
//! JACK server is stopped mid-set and started again. A test binary of its own: a JACK server
//! started just after another one of the same name has stopped is late for a while, which
//! would make a test that follows it in the same process see late blocks.
#![cfg(feature = "device")]

mod jack;

use jack::{PHONON, alsa_config, left, one_server, start_jack};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// The offset `g` (frames of silence the recording has before the program, up to `most`)
/// at which `played[k] == want[k - g]` for every `k` in `range`.
fn offset(
    played: &[f32],
    want: &[f32],
    range: std::ops::Range<usize>,
    most: usize,
    log: &str,
) -> usize {
    (0..most)
        .find(|&g| {
            range
                .clone()
                .all(|k| (played[k] - want[k - g]).abs() < 1e-6)
        })
        .unwrap_or_else(|| {
            panic!("the recording does not line up with the render in {range:?}\n{log}")
        })
}

#[test]
fn the_clock_and_the_recording_go_on_while_the_device_is_gone_and_it_plays_again_when_back() {
    let dir = std::env::temp_dir().join(format!("phonon-device-lost-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let server = "phonon-test";
    let _one = one_server();
    let jack = start_jack(server);
    let config = alsa_config(&dir);
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/house.ph");
    let rec = dir.join("live.wav");
    let seconds = 9.0;
    let live = Command::new(PHONON)
        .arg("live")
        .arg(&example)
        .args(["--seconds", &seconds.to_string(), "--record"])
        .arg(&rec)
        .env("ALSA_CONFIG_PATH", &config)
        .env("JACK_DEFAULT_SERVER", server)
        .env("JACK_NO_START_SERVER", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The server goes away three seconds in and comes back two and a half seconds later.
    std::thread::sleep(Duration::from_secs(3));
    drop(jack);
    std::thread::sleep(Duration::from_millis(2500));
    let _jack = start_jack(server);
    let live = live.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&live.stdout).into_owned();
    let errors = String::from_utf8_lossy(&live.stderr);
    assert!(live.status.success(), "{log}{errors}");
    assert!(log.contains("audio device `default` lost at "), "{log}");
    assert!(log.contains("(no callback for "), "{log}");
    assert!(log.contains("audio device `default` back after "), "{log}");
    assert!(log.contains("the audio device went away 1 time: "), "{log}");
    assert!(!log.contains("still gone"), "{log}");

    // The recording is as long as the set (the null clock stood in while the device was
    // gone), and it is the program without a frame missing: only silence inserted where
    // each stream started (the device at the start, and again when it came back).
    let (played, rate) = left(&rec);
    let recorded = played.len() as f64 / rate as f64;
    assert!(
        (seconds - 0.2..seconds + 0.5).contains(&recorded),
        "{recorded} s recorded{log}"
    );
    let reference = dir.join("render.wav");
    let render = Command::new(PHONON)
        .arg("render")
        .arg(&example)
        .args(["--seconds", "11", "--sample-rate", &rate.to_string(), "-o"])
        .arg(&reference)
        .output()
        .unwrap();
    assert!(render.status.success());
    let (want, _) = left(&reference);
    let r = rate as usize;
    // Before the server went away, and after it came back (before the final fade).
    let first = offset(&played, &want, r..2 * r, r / 5, &log);
    // The set ends with the stop's 20 ms fade: compare what comes before it.
    let sounding = played.iter().rposition(|x| *x != 0.0).unwrap_or(0);
    let end = sounding - (0.03 * rate as f64) as usize;
    let last = offset(&played, &want, end - r..end, r / 2, &log);
    // The program without a gap from the start through the loss; where the device came
    // back, at most the silence of a new stream's start (none if its first callback found
    // enough frames ready), then the program from where it stopped.
    let resumed = (first..end)
        .find(|&k| (played[k] - want[k - first]).abs() >= 1e-6)
        .unwrap_or(end);
    let through = resumed as f64 / rate as f64;
    assert!(through > 5.0, "the program stops at {through} s{log}");
    assert!(last - first <= r / 10, "{} frames inserted", last - first);
    let gap = &played[resumed..(resumed + last - first).min(end)];
    assert!(gap.iter().all(|&x| x == 0.0), "not silence at {through} s");
    let worst = (resumed + last - first..end)
        .map(|k| (played[k] - want[k - last]).abs())
        .fold(0.0f32, f32::max);
    assert!(worst < 1e-6, "after {through} s: differs by {worst}");
    // The null clock stood in for the two and a half seconds the server was away (plus
    // the half second it takes to be sure a device is gone, and the reconnection): the
    // device played the rest.
    let stood_in: f64 = log
        .split("went away 1 time: ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|s| s.parse().ok())
        .expect("the null clock's seconds");
    assert!(
        (2.5..4.5).contains(&stood_in),
        "{stood_in} s on the null clock"
    );
    // No late block: the null clock waits for the render thread, and each device stream
    // starts whole.
    assert!(log.contains(", xruns 0,"), "{log}");
    std::fs::remove_dir_all(&dir).unwrap();
}
