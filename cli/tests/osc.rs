//! `phonon live --osc-out`: the sample players' events leave as SuperDirt's `/dirt/play`
//! bundles over UDP, decoded here with rosc as SuperDirt would: exactly the events
//! `phonon query` gives, each stamped with its time (0.5 s apart at 1 cps, to 1 ms), and
//! nothing of them played by Phonon itself.

use phonon_compiler::query::query_source;
use phonon_runtime::Rational;
use rosc::{OscPacket, OscType};
use std::net::UdpSocket;
use std::process::Command;
use std::time::Duration;

/// The seconds of an OSC time tag.
fn seconds(t: rosc::OscTime) -> f64 {
    t.seconds as f64 + t.fractional as f64 / 4_294_967_296.0
}

/// A message's name/value pairs.
fn pairs(args: &[OscType]) -> Vec<(String, OscType)> {
    args.chunks(2)
        .map(|p| match &p[0] {
            OscType::String(k) => (k.clone(), p[1].clone()),
            other => panic!("a name, not {other:?}"),
        })
        .collect()
}

#[test]
fn sample_events_go_to_superdirt_as_tidal_sends_them() {
    let dir = std::env::temp_dir().join(format!("phonon-osc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = "tempo: 1\nout: s \"bd sn:2\" # gain 0.9\n";
    let file = dir.join("osc.ph");
    std::fs::write(&file, src).unwrap();
    let rec = dir.join("rec.wav");
    let listener = UdpSocket::bind("127.0.0.1:0").unwrap();
    listener
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let to = listener.local_addr().unwrap().to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_phonon"))
        .args([
            "live",
            file.to_str().unwrap(),
            "--sink",
            "null",
            "--seconds",
            "1.3",
        ])
        .args(["--osc-out", &to, "--record", rec.to_str().unwrap()])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!("sent 3 events to {to} (/dirt/play)")),
        "{stdout}"
    );

    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while got.len() < 3 {
        let n = listener.recv(&mut buf).expect("a bundle");
        let (_, packet) = rosc::decoder::decode_udp(&buf[..n]).unwrap();
        let OscPacket::Bundle(b) = packet else {
            panic!("a bundle, not {packet:?}");
        };
        let [OscPacket::Message(m)] = b.content.as_slice() else {
            panic!("one message");
        };
        assert_eq!(m.addr, "/dirt/play");
        got.push((seconds(b.timetag), pairs(&m.args)));
    }
    // The events `phonon query` gives for the 1.3 s played, in order.
    let pattern = query_source(src, "osc.ph", Some("out")).unwrap();
    let mut want: Vec<_> = pattern
        .query_span(Rational::ZERO, Rational::new(13, 10))
        .into_iter()
        .filter(|h| h.has_onset())
        .collect();
    want.sort_by_key(|h| h.whole.unwrap().begin);
    got.sort_by(|a, b| a.0.total_cmp(&b.0));
    assert_eq!(want.len(), 3);
    for ((_, args), h) in got.iter().zip(&want) {
        let value = |k: &str| args.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let phonon_runtime::pattern::Value::Map(m) = &h.value else {
            panic!("controls");
        };
        // Every control of the event, as SuperDirt reads it.
        for (k, v) in m.iter() {
            let sent = value(k).unwrap_or_else(|| panic!("{k} missing"));
            match v {
                phonon_runtime::pattern::Value::Num(x) => {
                    assert_eq!(sent, OscType::Float(*x as f32), "{k}")
                }
                phonon_runtime::pattern::Value::Str(s) => {
                    assert_eq!(sent, OscType::String(s.to_string()), "{k}")
                }
                other => panic!("{other:?}"),
            }
        }
        let w = h.whole.unwrap();
        assert_eq!(value("cps"), Some(OscType::Float(1.0)));
        assert_eq!(
            value("cycle"),
            Some(OscType::Float(w.begin.to_f64() as f32))
        );
        assert_eq!(value("delta"), Some(OscType::Float(0.5)));
        assert_eq!(value("orbit"), Some(OscType::Int(0)));
        // Tidal names the pattern: the output's name (`d1` would be `1`).
        assert_eq!(args[0], ("_id_".to_string(), OscType::String("out".into())));
    }
    // Stamped half a second apart, as the events are at 1 cps.
    for pair in got.windows(2) {
        let gap = pair[1].0 - pair[0].0;
        assert!((gap - 0.5).abs() < 0.001, "{gap}");
    }
    // Phonon itself played none of them.
    let samples: Vec<f32> = hound::WavReader::open(&rec)
        .unwrap()
        .samples::<f32>()
        .map(Result::unwrap)
        .collect();
    assert!(!samples.is_empty());
    assert!(samples.iter().all(|v| *v == 0.0));
    let _ = std::fs::remove_dir_all(&dir);
}
