//! Helpers of the tests that play through the real cpal path: a JACK server on its dummy
//! driver (a sound card clocked by a timer, nothing to hear), and ALSA's default device
//! routed to it by a private ALSA configuration (`ALSA_CONFIG_PATH`).
#![allow(dead_code)] // each test binary uses some of them

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const PHONON: &str = env!("CARGO_BIN_EXE_phonon");

/// The JACK server, stopped when the test ends, however it ends.
pub struct Jack(Child);

/// Held by each test while it runs: the tests share one JACK server name, and a test that
/// keeps time must not share the two cores with another phonon.
static ONE_SERVER: std::sync::Mutex<()> = std::sync::Mutex::new(());

pub fn one_server() -> std::sync::MutexGuard<'static, ()> {
    ONE_SERVER.lock().unwrap_or_else(|p| p.into_inner())
}

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

pub fn start_jack(server: &str) -> Jack {
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
    // Its timer driver is late a few times as it starts (jackd logs "XRun" for them), and
    // a late period makes the next callback ask for two: let that pass before phonon plays.
    std::thread::sleep(Duration::from_millis(500));
    jack
}

/// An ALSA configuration: the system's, with the default device playing into JACK.
pub fn alsa_config(dir: &Path) -> PathBuf {
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

pub fn left(wav: &Path) -> (Vec<f32>, u32) {
    let r = hound::WavReader::open(wav).unwrap();
    let rate = r.spec().sample_rate;
    let s: Vec<f32> = r.into_samples::<f32>().map(Result::unwrap).collect();
    (s.iter().step_by(2).copied().collect(), rate)
}
