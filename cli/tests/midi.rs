//! `phonon live --midi-out`: the events of `s "midi"` reach a real MIDI port as SuperDirt
//! sends them. Through JACK (a server on its dummy driver, which the test starts, and a JACK
//! client of the test's own with a MIDI input): notes with their velocities and channels,
//! note-offs after the sustain, control changes, each at the frame of its time, within 1 ms
//! of the pattern's timing; no note left on when playing stops. Through ALSA's sequencer
//! where this machine has one (`/dev/snd/seq`), else skipped with a message saying so.

mod jack;

use ::jack as jack_crate;
use std::process::Command;
use std::sync::{Arc, Mutex};

const SERVER: &str = "phonon-midi-test";

/// A MIDI message and the JACK frame it arrived at.
type Heard = Arc<Mutex<Vec<(u64, Vec<u8>)>>>;

fn listen(heard: Heard) -> impl Drop {
    let (client, _) =
        jack_crate::Client::new("midi-sink", jack_crate::ClientOptions::NO_START_SERVER)
            .expect("a JACK client of the test's server");
    let input = client
        .register_port("in", jack_crate::MidiIn::default())
        .unwrap();
    let process = jack_crate::contrib::ClosureProcessHandler::new(
        move |_: &jack_crate::Client, ps: &jack_crate::ProcessScope| {
            let start = ps.last_frame_time() as u64;
            let mut h = heard.lock().unwrap();
            for m in input.iter(ps) {
                h.push((start + m.time as u64, m.bytes.to_vec()));
            }
            jack_crate::Control::Continue
        },
    );
    client.activate_async((), process).unwrap()
}

/// The test's JACK server, for as long as the test holds it (one test at a time: they share
/// its name, and a test that keeps time must not share the two cores with another).
/// The server stops before the lock is let go (a tuple drops its first field first).
fn server() -> (jack::Jack, std::sync::MutexGuard<'static, ()>) {
    let one = jack::one_server();
    let server = jack::start_jack(SERVER);
    // SAFETY: every test that sets it sets the same value, while holding the lock above;
    // the JACK library reads it when a client opens.
    unsafe { std::env::set_var("JACK_DEFAULT_SERVER", SERVER) };
    (server, one)
}

#[test]
fn notes_and_controls_reach_a_jack_midi_port_on_time() {
    let _jack = server();
    let heard: Heard = Arc::default();
    let sink = listen(heard.clone());

    let dir = std::env::temp_dir().join(format!("phonon-midi-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("midi.ph");
    std::fs::write(
        &file,
        "cps: 1\n\
         d1: note \"0 4 7 12\" # s \"midi\" # midichan 2 # legato 0.5\n\
         d2: ccv \"0 64\" # ccn 74 # s \"midi\"\n",
    )
    .unwrap();
    let out = Command::new(jack::PHONON)
        .args([
            "live",
            file.to_str().unwrap(),
            "--sink",
            "null",
            "--seconds",
            "2.2",
        ])
        // Sent 50 ms after they sound (as for a device's latency): the first events, made
        // before playing starts, are not late either.
        .args(["--midi-out", "jack:midi-sink:in", "--midi-latency", "0.05"])
        .env("JACK_DEFAULT_SERVER", SERVER)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::thread::sleep(std::time::Duration::from_millis(100));
    drop(sink);
    let heard = heard.lock().unwrap().clone();
    let rate = 48_000.0;
    let ms = |frames: u64| frames as f64 / rate * 1e3;

    // Cycles 0 and 1 (and the first note of cycle 2 when it fell before the stop).
    let ons: Vec<_> = heard.iter().filter(|(_, b)| b[0] == 0x92).collect();
    let offs: Vec<_> = heard.iter().filter(|(_, b)| b[0] == 0x82).collect();
    assert!(ons.len() >= 8, "{heard:?}");
    for (i, (_, b)) in ons.iter().take(8).enumerate() {
        // Note 0 is c5, MIDI 60; SuperDirt's velocity 0.4 · 127 → 50.
        assert_eq!(b, &vec![0x92, [60, 64, 67, 72][i % 4], 50], "{i}");
    }
    for pair in ons.windows(2) {
        let gap = ms(pair[1].0 - pair[0].0);
        assert!(
            (gap - 250.0).abs() <= 1.0,
            "notes {gap} ms apart: {heard:?}"
        );
    }
    // Every note ends, after legato 0.5 of its quarter second less SuperDirt's 1 ms.
    assert_eq!(offs.len(), ons.len(), "{heard:?}");
    for (on, off) in ons.iter().zip(&offs) {
        assert_eq!(off.1[1], on.1[1]);
        let held = ms(off.0 - on.0);
        if held < 120.0 {
            // The last note, ended when playing stopped.
            assert!(
                std::ptr::eq(*on, *ons.last().unwrap()),
                "{held} ms: {heard:?}"
            );
            continue;
        }
        assert!((held - 124.0).abs() <= 1.0, "held {held} ms");
    }
    // The control changes, on the beat with the notes.
    let ccs: Vec<_> = heard.iter().filter(|(_, b)| b[0] == 0xB0).collect();
    assert!(ccs.len() >= 4, "{heard:?}");
    for (i, (at, b)) in ccs.iter().take(4).enumerate() {
        assert_eq!(b, &vec![0xB0, 74, [0, 64][i % 2]]);
        let from_first = ms(at - ons[0].0);
        assert!(
            (from_first - 500.0 * i as f64).abs() <= 1.0,
            "control {i} at {from_first} ms"
        );
    }
    assert!(stdout.contains("to jack:midi-sink:in"), "{stdout}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_missing_port_is_an_error_naming_the_ports() {
    let dir = std::env::temp_dir().join(format!("phonon-midi-missing-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("m.ph");
    std::fs::write(&file, "d1: note 0 # s \"midi\"\n").unwrap();
    let out = Command::new(jack::PHONON)
        .args([
            "live",
            file.to_str().unwrap(),
            "--sink",
            "null",
            "--seconds",
            "0.2",
        ])
        .args(["--midi-out", "jack:nobody:here"])
        .env("JACK_DEFAULT_SERVER", "phonon-midi-nobody")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("jack:nobody:here"), "{stderr}");
    assert!(stderr.contains("phonon live --list-midi"), "{stderr}");
    // Without a port, `midi` is an error where it is written.
    let out = Command::new(jack::PHONON)
        .args(["render", file.to_str().unwrap(), "-o"])
        .arg(dir.join("m.wav"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("`midi` plays on a MIDI port"), "{stderr}");
    assert!(stderr.contains("--midi-out"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn notes_reach_an_alsa_sequencer_port() {
    if !std::path::Path::new("/dev/snd/seq").exists() {
        eprintln!(
            "SKIPPED notes_reach_an_alsa_sequencer_port: this machine has no ALSA sequencer (/dev/snd/seq); the JACK test covers the timing"
        );
        return;
    }
    use midir::os::unix::VirtualInput;
    let heard: Heard = Arc::default();
    let into = heard.clone();
    let input = midir::MidiInput::new("phonon-test").unwrap();
    let _port = input
        .create_virtual(
            "phonon-test-in",
            move |us, bytes, _| into.lock().unwrap().push((us, bytes.to_vec())),
            (),
        )
        .unwrap();
    let dir = std::env::temp_dir().join(format!("phonon-midi-alsa-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("m.ph");
    std::fs::write(&file, "cps: 1\nd1: note \"0 7\" # s \"midi\"\n").unwrap();
    let out = Command::new(jack::PHONON)
        .args([
            "live",
            file.to_str().unwrap(),
            "--sink",
            "null",
            "--seconds",
            "1.2",
        ])
        .args(["--midi-out", "phonon-test-in"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let heard = heard.lock().unwrap().clone();
    let ons: Vec<_> = heard.iter().filter(|(_, b)| b[0] == 0x90).collect();
    assert!(ons.len() >= 2, "{heard:?}");
    assert_eq!(ons[0].1, vec![0x90, 60, 50]);
    assert_eq!(ons[1].1, vec![0x90, 67, 50]);
    let gap = (ons[1].0 - ons[0].0) as f64 / 1e3;
    assert!((gap - 500.0).abs() <= 1.0, "{gap} ms");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The test's JACK client for the input test: sends controller 74 at 127, then a MIDI clock
/// at 120 BPM, from the frame set in `start` (once phonon listens), and records what phonon
/// sends back.
fn talk(heard: Heard, start: Arc<std::sync::atomic::AtomicU64>) -> impl Drop {
    use std::sync::atomic::Ordering;
    let (client, _) =
        jack_crate::Client::new("midi-io", jack_crate::ClientOptions::NO_START_SERVER).unwrap();
    let input = client
        .register_port("in", jack_crate::MidiIn::default())
        .unwrap();
    let mut output = client
        .register_port("out", jack_crate::MidiOut::default())
        .unwrap();
    let process = jack_crate::contrib::ClosureProcessHandler::new(
        move |_: &jack_crate::Client, ps: &jack_crate::ProcessScope| {
            let first = ps.last_frame_time() as u64;
            let n = ps.n_frames() as u64;
            let mut h = heard.lock().unwrap();
            for m in input.iter(ps) {
                h.push((first + m.time as u64, m.bytes.to_vec()));
            }
            let from = start.load(Ordering::Relaxed);
            if from == 0 {
                return jack_crate::Control::Continue;
            }
            let mut w = output.writer(ps);
            for f in first..first + n {
                let at = (f - first) as u32;
                if f == from {
                    let _ = w.write(&jack_crate::RawMidi {
                        time: at,
                        bytes: &[0xB5, 74, 127],
                    });
                }
                // 24 clocks a beat at 120 BPM: every 1000 frames at 48 kHz.
                if f > from && (f - from).is_multiple_of(1000) {
                    let _ = w.write(&jack_crate::RawMidi {
                        time: at,
                        bytes: &[0xF8],
                    });
                }
            }
            jack_crate::Control::Continue
        },
    );
    client.activate_async((), process).unwrap()
}

#[test]
fn controllers_notes_and_a_clock_come_in_from_a_jack_midi_port() {
    use std::sync::atomic::{AtomicU64, Ordering};
    let _jack = server();
    let heard: Heard = Arc::default();
    let start = Arc::new(AtomicU64::new(0));
    let io = talk(heard.clone(), start.clone());

    let dir = std::env::temp_dir().join(format!("phonon-midi-in-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (file, rec) = (dir.join("in.ph"), dir.join("in.wav"));
    std::fs::write(
        &file,
        "cps: 1\n\
         d1: note \"0*4\" # s \"midi\"\n\
         d2: ccv (segment 1 $ cc 74 * 100) # ccn 1 # s \"midi\"\n\
         out: sine 440 * cc 74 * 0.5\n",
    )
    .unwrap();
    let child = Command::new(jack::PHONON)
        .args([
            "live",
            file.to_str().unwrap(),
            "--sink",
            "null",
            "--seconds",
            "6.5",
        ])
        .args(["--midi-in", "jack:midi-io:out", "--midi-clock"])
        .args(["--midi-out", "jack:midi-io:in", "--midi-latency", "0.05"])
        .args(["--record", rec.to_str().unwrap()])
        .env("JACK_DEFAULT_SERVER", SERVER)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Once phonon listens, the controller goes out a third of a second later.
    let (probe, _) =
        jack_crate::Client::new("midi-probe", jack_crate::ClientOptions::NO_START_SERVER).unwrap();
    let waited = std::time::Instant::now();
    loop {
        let listening = probe
            .port_by_name("midi-io:out")
            .and_then(|p| p.connected_count().ok())
            .unwrap_or(0);
        if listening > 0 {
            break;
        }
        assert!(waited.elapsed().as_secs() < 10, "phonon never listened");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    start.store(probe.frame_time() as u64 + 16_000, Ordering::Relaxed);
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    std::thread::sleep(std::time::Duration::from_millis(100));
    drop(io);
    let heard = heard.lock().unwrap().clone();
    let ms = |frames: u64| frames as f64 / 48.0;

    // The clock (120 BPM, 4 beats a cycle: 0.5 cps) takes over from cps 1 within a few
    // cycles: the notes go from 250 ms apart to 500 ms apart.
    let ons: Vec<u64> = heard
        .iter()
        .filter(|(_, b)| b[0] == 0x90)
        .map(|(at, _)| *at)
        .collect();
    let gaps: Vec<f64> = ons.windows(2).map(|w| ms(w[1] - w[0])).collect();
    assert!(gaps.len() >= 8, "{gaps:?}");
    for g in &gaps[..3] {
        assert!((g - 250.0).abs() <= 1.0, "{gaps:?}");
    }
    for g in &gaps[gaps.len() - 3..] {
        assert!((g - 500.0).abs() <= 1.0, "{gaps:?}");
    }
    // The controller as a pattern: 0 before it came, then 127/127 · 100.
    let echoed: Vec<u8> = heard
        .iter()
        .filter(|(_, b)| b[0] == 0xB0 && b[1] == 1)
        .map(|(_, b)| b[2])
        .collect();
    assert_eq!(echoed.first(), Some(&0), "{echoed:?}");
    assert_eq!(echoed.last(), Some(&100), "{echoed:?}");
    // And as a signal: silence before it came, the 440 Hz tone at half level after.
    let (left, rate) = jack::left(&rec);
    let head = &left[..(0.2 * rate as f64) as usize];
    assert!(head.iter().all(|x| x.abs() < 1e-6));
    let tail = &left[left.len() - rate as usize..left.len() - rate as usize / 2];
    let peak = tail.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    assert!((peak - 0.5).abs() < 0.01, "{peak}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_port_that_goes_away_is_reported_and_the_sound_plays_on() {
    let _jack = server();
    let heard: Heard = Arc::default();
    let sink = listen(heard.clone());

    let dir = std::env::temp_dir().join(format!("phonon-midi-gone-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (file, rec) = (dir.join("gone.ph"), dir.join("gone.wav"));
    std::fs::write(
        &file,
        "cps: 1\nd1: note \"0*8\" # s \"midi\"\nout: sine 440 * 0.5\n",
    )
    .unwrap();
    let child = Command::new(jack::PHONON)
        .args(["live", file.to_str().unwrap(), "--sink", "null"])
        .args(["--seconds", "3", "--midi-out", "jack:midi-sink:in"])
        .args(["--record", rec.to_str().unwrap()])
        .env("JACK_DEFAULT_SERVER", SERVER)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The synth's client quits a second in: its port is gone.
    std::thread::sleep(std::time::Duration::from_millis(1200));
    drop(sink);
    let before = heard.lock().unwrap().len();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(before >= 8, "{before} messages before the port went away");
    assert!(
        stdout.contains("messages to jack:midi-sink:in are being lost"),
        "{stdout}"
    );
    let lost: u64 = stdout
        .lines()
        .find(|l| l.starts_with("sent "))
        .and_then(|l| l.split(" lost (the port went away").next())
        .and_then(|s| s.rsplit(", ").next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count of lost messages: {stdout}"));
    // About 1.8 s of notes at 8 a second, each a note-on and a note-off.
    assert!(lost >= 20, "{lost} lost: {stdout}");
    // The sine played to the end.
    let samples: Vec<f32> = hound::WavReader::open(&rec)
        .unwrap()
        .into_samples::<f32>()
        .map(Result::unwrap)
        .collect();
    let last: Vec<f32> = samples
        .iter()
        .rev()
        .step_by(2)
        .take(11_025)
        .copied()
        .collect();
    let peak = last.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    assert!(peak > 0.1, "the last quarter second peaks at {peak}");
    let _ = std::fs::remove_dir_all(&dir);
}
