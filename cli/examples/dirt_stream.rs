//! A load generator for `phonon serve` (or SuperDirt): sends `/dirt/play` bundles as Tidal
//! does, every 1/20 s the events of the next 1/20 s stamped `--latency` ahead, at a density
//! of `--events` per cycle at `--cps`.
//!
//! ```text
//! phonon serve --sink null --seconds 14 &
//! cargo run --release -p phonon-cli --example dirt_stream -- --events 8192 --cps 2 --seconds 10
//! ```

use rosc::{OscBundle, OscMessage, OscPacket, OscTime, OscType};
use std::net::UdpSocket;
use std::time::{Duration, Instant, SystemTime};

/// Tidal's `cFrameTimespan`: the scheduler's tick.
const TICK: f64 = 1.0 / 20.0;

const SOUNDS: [&str; 6] = ["bd", "sn", "hh", "cp", "oh", "rim"];

fn arg(args: &[String], name: &str, default: &str) -> String {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
        .unwrap_or_else(|| default.to_string())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let to = arg(&args, "--to", "127.0.0.1:57120");
    let per_cycle: u64 = arg(&args, "--events", "8192").parse().expect("--events N");
    let cps: f64 = arg(&args, "--cps", "2").parse().expect("--cps X");
    let seconds: f64 = arg(&args, "--seconds", "10").parse().expect("--seconds S");
    let latency: f64 = arg(&args, "--latency", "0.2").parse().expect("--latency S");
    let socket = UdpSocket::bind("127.0.0.1:0").expect("a socket");
    let (start, wall) = (Instant::now(), SystemTime::now());
    let mut sent = 0u64;
    let mut next = 0u64;
    let mut tick = 0u64;
    while (tick as f64) * TICK < seconds {
        // The events whose onsets fall in this tick.
        let until = ((tick + 1) as f64 * TICK * cps * per_cycle as f64).floor() as u64;
        while next < until {
            let cycle = next as f64 / per_cycle as f64;
            let at = wall + Duration::from_secs_f64(cycle / cps + latency);
            let i = next as usize;
            let args = vec![
                OscType::String("_id_".into()),
                OscType::String("1".into()),
                OscType::String("s".into()),
                OscType::String(SOUNDS[i % SOUNDS.len()].into()),
                OscType::String("n".into()),
                OscType::Float((i / SOUNDS.len() % 3) as f32),
                OscType::String("gain".into()),
                OscType::Float(0.2),
                OscType::String("speed".into()),
                OscType::Float(1.0 + (i % 7) as f32 * 0.1),
                OscType::String("pan".into()),
                OscType::Float((i % 5) as f32 / 4.0),
                OscType::String("cps".into()),
                OscType::Float(cps as f32),
                OscType::String("cycle".into()),
                OscType::Float(cycle as f32),
                OscType::String("delta".into()),
                OscType::Float((1.0 / per_cycle as f64 / cps) as f32),
                OscType::String("orbit".into()),
                OscType::Int((i % 2) as i32),
            ];
            let packet = OscPacket::Bundle(OscBundle {
                timetag: OscTime::try_from(at).expect("a time after 1900"),
                content: vec![OscPacket::Message(OscMessage {
                    addr: "/dirt/play".into(),
                    args,
                })],
            });
            let bytes = rosc::encoder::encode(&packet).expect("encodes");
            if socket.send_to(&bytes, &to).is_ok() {
                sent += 1;
            }
            next += 1;
        }
        tick += 1;
        let due = Duration::from_secs_f64(tick as f64 * TICK);
        if let Some(wait) = due.checked_sub(start.elapsed()) {
            std::thread::sleep(wait);
        }
    }
    println!(
        "sent {sent} events to {to} in {:.2} s",
        start.elapsed().as_secs_f64()
    );
}
