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

#[test]
fn notes_and_controls_reach_a_jack_midi_port_on_time() {
    let _one = jack::one_server();
    let _server = jack::start_jack(SERVER);
    // SAFETY: this binary's only test sets it before any thread of its own reads the
    // environment; the JACK library reads it when the client opens.
    unsafe { std::env::set_var("JACK_DEFAULT_SERVER", SERVER) };
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
