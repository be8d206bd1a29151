//! `phonon live --osc-out HOST:PORT`: the sample players' events go to SuperDirt (or
//! anything that reads its protocol) instead of Phonon's own voices, as Tidal sends them:
//! one `/dirt/play` message per event, every control as a name and a value, with `cps`,
//! `cycle` and `delta`, in a bundle stamped with the time it should sound, sent ahead by the
//! latency (Tidal's default 0.2 s) so that the receiver schedules it exactly.
//!
//! The players hand their events over through wait-free rings (the audio thread neither
//! allocates nor waits); this thread empties them every millisecond.

use phonon_runtime::engine::voices::SentEvent;
use phonon_runtime::pattern::Value;
use rosc::{OscBundle, OscMessage, OscPacket, OscTime, OscType};
use std::net::{SocketAddr, UdpSocket};
use std::sync::mpsc::Receiver;
use std::time::{Duration, SystemTime};

/// Events each player's ring holds: a second of stress_extreme's busiest player, emptied
/// every millisecond.
pub const RING_EVENTS: usize = 4096;

/// Tidal's `oLatency` for SuperDirt.
pub const DEFAULT_LATENCY: f64 = 0.2;

/// An event as SuperDirt's `/dirt/play` message: `_id_` (the output's name as Tidal's,
/// `1` for `d1`), its controls in their order (numbers as floats, words as strings; a list
/// value, as `bd:3` makes, as its first word), then `cps`, `cycle` and `delta`, and
/// `orbit` 0 when the event names none.
pub fn message(e: &SentEvent) -> OscMessage {
    let mut args = Vec::new();
    let mut push = |name: &str, v: OscType| {
        args.push(OscType::String(name.to_string()));
        args.push(v);
    };
    let value = |v: &Value| match v {
        Value::Num(x) => Some(OscType::Float(*x as f32)),
        Value::Str(s) => Some(OscType::String(s.to_string())),
        Value::List(items) => match items.first() {
            Some(Value::Str(s)) => Some(OscType::String(s.to_string())),
            Some(Value::Num(x)) => Some(OscType::Float(*x as f32)),
            _ => None,
        },
        Value::Map(_) => None,
    };
    let mut has_orbit = false;
    push("_id_", OscType::String(e.id.to_string()));
    match &e.value {
        Value::Map(m) => {
            for (k, v) in m.iter() {
                if let Some(v) = value(v) {
                    has_orbit |= k == "orbit";
                    push(k, v);
                }
            }
        }
        v => {
            if let Some(v) = value(v) {
                push("s", v);
            }
        }
    }
    push("cps", OscType::Float(e.cps as f32));
    push("cycle", OscType::Float(e.cycle as f32));
    push("delta", OscType::Float(e.delta as f32));
    if !has_orbit {
        push("orbit", OscType::Int(0));
    }
    OscMessage {
        addr: "/dirt/play".to_string(),
        args,
    }
}

/// The packet for `e` sounding at `at`.
pub fn bundle(e: &SentEvent, at: SystemTime) -> Option<Vec<u8>> {
    let packet = OscPacket::Bundle(OscBundle {
        timetag: OscTime::try_from(at).ok()?,
        content: vec![OscPacket::Message(message(e))],
    });
    rosc::encoder::encode(&packet).ok()
}

/// Sends every event from the rings that arrive on `rings` (one list per version of the
/// program) to `to`, stamped with when its frame sounds plus the latency (`timing`);
/// returns how many were sent once no more rings can come and those there are have been
/// emptied and dropped.
pub(super) fn send(
    to: SocketAddr,
    timing: super::timing::Timing,
    rings: Receiver<super::handed::Rings>,
) -> std::io::Result<u64> {
    let local: SocketAddr = if to.is_ipv4() {
        "0.0.0.0:0".parse().expect("an address")
    } else {
        "[::]:0".parse().expect("an address")
    };
    let socket = UdpSocket::bind(local)?;
    let mut sent = 0;
    let mut handed = super::handed::Handed::new(rings);
    loop {
        let more = handed.drain(|e| {
            if let Some(bytes) = bundle(&e, timing.wall(e.frame))
                && socket.send_to(&bytes, to).is_ok()
            {
                sent += 1;
            }
        });
        if !more {
            return Ok(sent);
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}
