//! `phonon live` through the real cpal path: ALSA's default device, routed by a private
//! ALSA configuration to a JACK server that this test starts with its dummy driver (a sound
//! card clocked by a timer, nothing to hear). ALSA's own `null` device would not do: it takes
//! audio as fast as it can be made (alsa-lib's pcm_null reports its whole buffer free at all
//! times), so it would measure how fast phonon renders, not whether it keeps time.
//!
//! Needs `jackd` (Debian: jackd2) and ALSA's JACK plugin (libasound2-plugins); `.ci/run`
//! installs both. Checked: no late block, no device error, and the recording of what went to
//! the device is exactly what `phonon render` makes of the program, after the silence the
//! device's first callbacks get while the first blocks are rendered.
#![cfg(feature = "device")]

mod jack;

use jack::{PHONON, alsa_config, left, one_server, start_jack};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

#[test]
fn an_example_plays_on_the_default_device_with_no_late_block() {
    let dir = std::env::temp_dir().join(format!("phonon-device-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // One name for every run: a run killed before it could stop its server leaves an entry
    // that the next run's server takes over.
    let server = "phonon-test";
    let _one = one_server();
    let _jack = start_jack(server);
    let config = alsa_config(&dir);
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/house.ph");
    let rec = dir.join("live.wav");

    let started = Instant::now();
    let live = Command::new(PHONON)
        .arg("live")
        .arg(&example)
        .args(["--seconds", "4", "--record"])
        .arg(&rec)
        .env("ALSA_CONFIG_PATH", &config)
        .env("JACK_DEFAULT_SERVER", server)
        .env("JACK_NO_START_SERVER", "1")
        .output()
        .unwrap();
    let wall = started.elapsed();
    let log = String::from_utf8_lossy(&live.stdout).into_owned();
    let errors = String::from_utf8_lossy(&live.stderr);
    assert!(live.status.success(), "{log}{errors}");
    assert!(log.contains(", xruns 0,"), "{log}");
    assert!(!log.contains("errors from the audio device"), "{log}");
    // Its clock, fitted from its callbacks' playback times: some milliseconds after the
    // system clock's time for a frame, and running within a few hundred ppm of it.
    let clock = log
        .split("the audio device played ")
        .nth(1)
        .unwrap_or_else(|| panic!("no device clock: {log}"));
    let late: f64 = clock.split(" ms").next().unwrap().parse().unwrap();
    let ppm: f64 = clock
        .split("its clock ")
        .nth(1)
        .and_then(|r| r.split(" ppm").next())
        .unwrap()
        .parse()
        .unwrap();
    assert!((-50.0..500.0).contains(&late), "{late} ms: {log}");
    assert!(ppm.abs() < 1000.0, "{ppm} ppm: {log}");
    eprintln!("device clock: {late} ms, {ppm} ppm");

    let (played, rate) = left(&rec);
    // The device took the audio at its own pace: about 4 s of it in about 4 s.
    let seconds = played.len() as f64 / rate as f64;
    assert!((3.8..4.5).contains(&seconds), "{seconds} s recorded");
    assert!(wall < Duration::from_secs(8), "{wall:?}");

    // The same program rendered offline, at the rate the device chose.
    let reference = dir.join("render.wav");
    let render = Command::new(PHONON)
        .arg("render")
        .arg(&example)
        .args(["--seconds", "5", "--sample-rate", &rate.to_string(), "-o"])
        .arg(&reference)
        .output()
        .unwrap();
    assert!(render.status.success());
    let (want, _) = left(&reference);
    // The device's first callbacks come while the first blocks are still being rendered:
    // they get silence, and the program starts whole after them. Find that silence by
    // aligning the last second; then the program plays from its first frame, without a gap.
    // The stream ends with the 20 ms fade-out of a stop: compare what comes before it.
    let n = played.len() - (0.03 * rate as f64) as usize;
    let played = &played[..n];
    let tail = n - rate as usize..n;
    let gap = (0..rate as usize / 5)
        .find(|&g| tail.clone().all(|k| (played[k] - want[k - g]).abs() < 1e-6))
        .expect("the recording lines up with the render");
    assert!(played[..gap].iter().all(|&x| x == 0.0));
    let rest = &played[gap..];
    let worst = rest
        .iter()
        .zip(&want)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(
        worst < 1e-6,
        "the played stream differs from the render by {worst}"
    );
    assert!(rest.len() > 3 * rate as usize);
    assert!(rest.iter().any(|x| x.abs() > 0.1), "silence");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_device_that_cannot_be_opened_is_a_clear_error_with_a_hint() {
    // Not beside another device test: it would take their CPU while they keep time.
    let _one = one_server();
    let dir = std::env::temp_dir().join(format!("phonon-nodevice-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = alsa_config(&dir);
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/house.ph");
    // The default device plays into a JACK server that is not running.
    let live = Command::new(PHONON)
        .arg("live")
        .arg(&example)
        .args(["--seconds", "1"])
        .env("ALSA_CONFIG_PATH", &config)
        .env("JACK_DEFAULT_SERVER", "phonon-test-absent")
        .env("JACK_NO_START_SERVER", "1")
        .output()
        .unwrap();
    let errors = String::from_utf8_lossy(&live.stderr);
    assert_eq!(live.status.code(), Some(1), "{errors}");
    assert!(errors.contains("error: cannot "), "{errors}");
    assert!(
        errors.contains("hint: `phonon live --list-devices`"),
        "{errors}"
    );
    assert!(errors.contains("`--sink null`"), "{errors}");
    std::fs::remove_dir_all(&dir).unwrap();
}
