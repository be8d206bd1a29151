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

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PHONON: &str = env!("CARGO_BIN_EXE_phonon");

/// The JACK server, stopped when the test ends, however it ends.
struct Jack(Child);

impl Drop for Jack {
    fn drop(&mut self) {
        // SIGTERM, so the server takes its entry out of JACK's shared registry (a killed
        // server leaves it behind, and the registry holds only a few).
        let stopped = Command::new("kill")
            .arg(self.0.id().to_string())
            .status()
            .is_ok_and(|s| s.success());
        if !stopped {
            let _ = self.0.kill();
        }
        let _ = self.0.wait();
    }
}

/// Removes what a JACK server of this name left in /dev/shm if it was killed: its socket
/// would make the next one believe it is still running.
fn clear_stale(server: &str) {
    let check = Command::new("jack_wait")
        .arg("-c")
        .env("JACK_DEFAULT_SERVER", server)
        .output();
    if !check.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("not running")) {
        return;
    }
    let Ok(entries) = std::fs::read_dir("/dev/shm") else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with(&format!("jack_{server}_"))
            || name.starts_with("jack_sem.") && name.contains(&format!("_{server}_"))
        {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

fn start_jack(server: &str) -> Jack {
    clear_stale(server);
    let child = Command::new("jackd")
        .args([
            "--no-realtime",
            "-n",
            server,
            "-d",
            "dummy",
            "-r",
            "48000",
            "-p",
            "256",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot start jackd ({e}): install jackd2 and libasound2-plugins, as .ci/run does"
            )
        });
    let jack = Jack(child);
    let ready = Command::new("jack_wait")
        .args(["-w", "-t", "10"])
        .env("JACK_DEFAULT_SERVER", server)
        .output()
        .expect("jack_wait comes with jackd2");
    assert!(ready.status.success(), "the JACK server did not start");
    jack
}

/// An ALSA configuration: the system's, with the default device playing into JACK.
fn alsa_config(dir: &Path) -> PathBuf {
    let path = dir.join("alsa.conf");
    let system = ["/usr/share/alsa/alsa.conf", "/etc/alsa/alsa.conf"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("ALSA's configuration (libasound2-data)");
    std::fs::write(
        &path,
        format!(
            "<{system}>\n\
             pcm.!default {{\n  type plug\n  slave.pcm {{\n    type jack\n    \
             playback_ports {{ 0 system:playback_1 1 system:playback_2 }}\n  }}\n}}\n"
        ),
    )
    .unwrap();
    path
}

fn left(wav: &Path) -> (Vec<f32>, u32) {
    let r = hound::WavReader::open(wav).unwrap();
    let rate = r.spec().sample_rate;
    let s: Vec<f32> = r.into_samples::<f32>().map(Result::unwrap).collect();
    (s.iter().step_by(2).copied().collect(), rate)
}

#[test]
fn an_example_plays_on_the_default_device_with_no_late_block() {
    let dir = std::env::temp_dir().join(format!("phonon-device-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // One name for every run: a run killed before it could stop its server leaves an entry
    // that the next run's server takes over.
    let server = "phonon-test";
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
