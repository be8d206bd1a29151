//! `phonon serve`: Phonon as a SuperDirt. A pattern's events, sent over loopback UDP as
//! Tidal sends them to SuperDirt (`/dirt/play` messages in bundles stamped with when they
//! sound, encoded here with rosc), are played to the frame: the recording equals `phonon
//! render` of the same pattern to 1e-6. Around them, what a real rig sends by mistake
//! (garbage, odd arguments, controls Phonon's events lack, other addresses, a late bundle)
//! is counted and reported, and the sound goes on; `/dirt/hello` and `/dirt/handshake` are
//! answered as SuperDirt answers them.

use phonon_compiler::query::query_source;
use phonon_runtime::Rational;
use phonon_runtime::pattern::Value;
use rosc::{OscBundle, OscMessage, OscPacket, OscTime, OscType};
use std::io::{BufRead, BufReader};
use std::net::UdpSocket;
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const SR: f64 = 44_100.0;

/// A cycle at 0.5 cps: eighth notes fall on whole frames (11,025 apart).
const SRC: &str = "cps: 0.5\nd1: s \"bd*2 [sn hh:1] ~ cp:2\" # gain \"0.9 0.7\" # speed \"1 1.5 0.75\" # room 0.3 # pan \"-0.5 0.5\"\n";

fn samples(path: &std::path::Path) -> Vec<f32> {
    hound::WavReader::open(path)
        .unwrap()
        .samples::<f32>()
        .map(Result::unwrap)
        .collect()
}

fn encode(p: OscPacket) -> Vec<u8> {
    rosc::encoder::encode(&p).unwrap()
}

fn bundle(at: SystemTime, args: Vec<OscType>) -> Vec<u8> {
    encode(OscPacket::Bundle(OscBundle {
        timetag: OscTime::try_from(at).unwrap(),
        content: vec![OscPacket::Message(OscMessage {
            addr: "/dirt/play".into(),
            args,
        })],
    }))
}

fn pair(args: &mut Vec<OscType>, name: &str, v: OscType) {
    args.push(OscType::String(name.into()));
    args.push(v);
}

#[test]
fn tidal_bundles_play_exactly_as_phonon_renders_the_pattern() {
    let dir = std::env::temp_dir().join(format!("phonon-serve-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("serve.ph");
    std::fs::write(&file, SRC).unwrap();
    let (rec, want) = (dir.join("rec.wav"), dir.join("want.wav"));
    let phonon = env!("CARGO_BIN_EXE_phonon");

    // What the pattern sounds like, rendered.
    let out = Command::new(phonon)
        .args([
            "render",
            file.to_str().unwrap(),
            "-o",
            want.to_str().unwrap(),
        ])
        .args(["--cycles", "1", "--no-limiter"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A free port (taken back at once: a race no other test here runs).
    let port = UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(phonon)
        .args([
            "serve",
            "--sink",
            "null",
            "--seconds",
            "3.6",
            "--no-limiter",
        ])
        .args([
            "--port",
            &port.to_string(),
            "--record",
            rec.to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    // "... frame 0 played at SECONDS.NANOS s after 1970"
    let at = first
        .split("played at ")
        .nth(1)
        .and_then(|t| t.split(' ').next())
        .unwrap_or_else(|| panic!("{first}"));
    let (secs, nanos) = at.split_once('.').unwrap();
    let origin = UNIX_EPOCH + Duration::new(secs.parse().unwrap(), nanos.parse().unwrap());
    assert!(
        first.contains(&format!("127.0.0.1:{port} (12 orbits)")),
        "{first}"
    );

    let tidal = UdpSocket::bind("127.0.0.1:0").unwrap();
    tidal
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let to = format!("127.0.0.1:{port}");
    // SuperDirt's replies.
    tidal
        .send_to(
            &encode(OscPacket::Message(OscMessage {
                addr: "/dirt/handshake".into(),
                args: vec![],
            })),
            &to,
        )
        .unwrap();
    let mut buf = [0u8; 1024];
    let n = tidal.recv(&mut buf).expect("a handshake reply");
    let (_, reply) = rosc::decoder::decode_udp(&buf[..n]).unwrap();
    let OscPacket::Message(m) = reply else {
        panic!("{reply:?}")
    };
    assert_eq!(m.addr, "/dirt/handshake/reply");
    assert_eq!(m.args[0], OscType::String("&serverHostname".into()));
    tidal
        .send_to(
            &encode(OscPacket::Message(OscMessage {
                addr: "/dirt/hello".into(),
                args: vec![],
            })),
            &to,
        )
        .unwrap();
    let n = tidal.recv(&mut buf).expect("a hello reply");
    let (_, reply) = rosc::decoder::decode_udp(&buf[..n]).unwrap();
    assert!(matches!(reply, OscPacket::Message(m) if m.addr == "/dirt/hello/reply"));

    // What a rig sends by mistake: counted, reported, nothing stops.
    tidal.send_to(b"not osc at all", &to).unwrap();
    let mut odd = Vec::new();
    pair(&mut odd, "s", OscType::String("bd".into()));
    odd.push(OscType::String("n".into()));
    tidal.send_to(&bundle(origin, odd), &to).unwrap();
    tidal
        .send_to(
            &encode(OscPacket::Message(OscMessage {
                addr: "/dirt/unknown".into(),
                args: vec![],
            })),
            &to,
        )
        .unwrap();
    // A bundle already late when it arrives (stamped a second before frame 0): played at
    // once, counted.
    let before = origin - Duration::from_secs(1);
    let mut late = Vec::new();
    pair(&mut late, "s", OscType::String("hh".into()));
    pair(&mut late, "gain", OscType::Float(0.5));
    tidal.send_to(&bundle(before, late), &to).unwrap();
    // A sound nobody has: silent, reported.
    let mut unknown = Vec::new();
    pair(&mut unknown, "s", OscType::String("nosuchsound".into()));
    tidal.send_to(&bundle(before, unknown), &to).unwrap();

    // The pattern's first cycle, as Tidal sends it, one second after frame 0.
    let offset = 44_100i64;
    let pattern = query_source(SRC, "serve.ph", Some("d1")).unwrap();
    let events: Vec<_> = pattern
        .query_span(Rational::ZERO, Rational::int(1))
        .into_iter()
        .filter(|h| h.has_onset())
        .collect();
    assert_eq!(events.len(), 5);
    for (i, h) in events.iter().enumerate() {
        let w = h.whole.unwrap();
        let frame = (w.begin.to_f64() / 0.5 * SR).round() as i64 + offset;
        let mut args = Vec::new();
        pair(&mut args, "_id_", OscType::String("1".into()));
        let Value::Map(m) = &h.value else { panic!() };
        for (k, v) in m.iter() {
            match v {
                Value::Num(x) => pair(&mut args, k, OscType::Float(*x as f32)),
                Value::Str(s) => pair(&mut args, k, OscType::String(s.to_string())),
                Value::List(l) => match l.as_slice() {
                    // `hh:1` is `s "hh"` with `n 1`, as Tidal sends it.
                    [Value::Str(s), Value::Num(n)] => {
                        pair(&mut args, k, OscType::String(s.to_string()));
                        pair(&mut args, "n", OscType::Float(*n as f32));
                    }
                    other => panic!("{other:?}"),
                },
                other => panic!("{other:?}"),
            }
        }
        pair(&mut args, "cps", OscType::Float(0.5));
        pair(&mut args, "cycle", OscType::Float(w.begin.to_f64() as f32));
        let delta = (w.end - w.begin).to_f64() / 0.5;
        pair(&mut args, "delta", OscType::Float(delta as f32));
        pair(&mut args, "orbit", OscType::Int(0));
        if i == 1 {
            // A control SuperDirt would pass to its synth and Phonon's events lack.
            pair(&mut args, "wobble", OscType::Float(3.0));
        }
        let at = origin + Duration::from_secs_f64(frame as f64 / SR);
        tidal.send_to(&bundle(at, args), &to).unwrap();
    }

    let status = child.wait().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(status.success(), "{rest}{stderr}");
    assert!(
        rest.contains("served 7 events from 12 OSC packets: 7 played, 2 late (played at once), 2 malformed packets, messages to /dirt/unknown ×1, events with wobble ×1, events of the unknown sounds nosuchsound ×1"),
        "{rest}"
    );
    // Each kind of problem reported once, as it came.
    for said in [
        "warning: a malformed OSC packet",
        "`/dirt/unknown` is not part of SuperDirt's protocol",
        "`wobble` is not a control Phonon's events have",
        "no sound or synth is named `nosuchsound`",
    ] {
        assert!(rest.contains(said), "{said}: {rest}");
    }

    let got = samples(&rec);
    let want = samples(&want);
    assert_eq!(want.len(), 2 * 88_200);
    let start = 2 * offset as usize;
    // The late hi-hat sounded before the pattern's events.
    assert!(got[..start].iter().any(|x| x.abs() > 0.01));
    assert!(got.len() >= start + want.len(), "{}", got.len());
    let worst = got[start..start + want.len()]
        .iter()
        .zip(&want)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    let first_diff = got[start..]
        .iter()
        .zip(&want)
        .position(|(a, b)| (a - b).abs() > 1e-6);
    assert!(
        worst <= 1e-6,
        "differs from the render by {worst} from sample {first_diff:?} of {}",
        want.len()
    );
    assert!(want.iter().any(|x| x.abs() > 0.1));
    let _ = std::fs::remove_dir_all(&dir);
}
