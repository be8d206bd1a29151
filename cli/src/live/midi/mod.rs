//! `phonon live --midi-out PORT`: the events of the sound `midi` (Tidal's `s "midi"`) go to a
//! MIDI port as SuperDirt sends them ([`messages`]), each message at the time its event
//! sounds plus `--midi-latency`.
//!
//! The players hand the events over through wait-free rings (as for `--osc-out`); this
//! thread empties them, turns each event into messages and gives each message to the port
//! with its time: an ALSA sequencer (CoreMIDI, WinMM) port through midir, sent by this thread
//! when due, or a JACK MIDI port, written by JACK's process callback at the frame of its
//! time ([`ports`]). An event's time is the moment frame 0 was played, plus its frame,
//! plus the silence late blocks put in. When playing stops, every note still sounding gets
//! its note-off at once.

#[cfg(feature = "device")]
mod input;
pub mod messages;
#[cfg(feature = "device")]
mod ports;

use messages::Message;
use std::collections::BTreeSet;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

#[cfg(feature = "device")]
pub use input::open as open_input;
#[cfg(feature = "device")]
pub use ports::{list, open};

/// `--midi-in` without the device feature: there are no MIDI ports.
#[cfg(not(feature = "device"))]
pub fn open_input(name: &str, _beats: f64) -> Result<Box<dyn std::any::Any + Send>, String> {
    Err(format!(
        "cannot open the MIDI input `{name}`: this phonon was built without MIDI (--no-default-features)"
    ))
}

/// Events each player's ring holds.
pub const RING_EVENTS: usize = 4096;

/// Where MIDI messages go.
pub trait Port: Send {
    /// Sends `m` at `at` (at once when that has passed).
    fn schedule(&mut self, at: Instant, m: Message);
    /// Sends what is due by `now`; returns when the next message is due.
    fn poll(&mut self, now: Instant) -> Option<Instant>;
    /// Sends every note-off not yet sent at once and drops the rest (playing stops).
    fn finish(&mut self);
    /// Messages the port could not send (it went away, or its buffer was full).
    fn lost(&self) -> u64;
}

/// `--midi-out` without the device feature: there are no MIDI ports.
#[cfg(not(feature = "device"))]
pub fn open(name: &str) -> Result<Box<dyn Port>, String> {
    Err(format!(
        "cannot open the MIDI port `{name}`: this phonon was built without MIDI (--no-default-features)"
    ))
}

#[cfg(not(feature = "device"))]
pub fn list() -> Result<Vec<String>, String> {
    Err("this phonon was built without MIDI (--no-default-features)".to_string())
}

/// What was sent, for the line at the end.
#[derive(Debug, Default)]
pub struct Sent {
    pub events: u64,
    pub messages: u64,
    pub lost: u64,
}

/// Sends the events from the rings that arrive on `rings` to `port` until no more rings can
/// come and those there are have been emptied and dropped; `say` reports each kind of value
/// that could not be sent as asked, once.
pub(super) fn send(
    name: String,
    mut port: Box<dyn Port>,
    rings: Receiver<super::handed::Rings>,
    timing: super::timing::Timing,
    say: Box<dyn Fn(String) + Send>,
) -> Sent {
    let mut sent = Sent::default();
    let mut reported: BTreeSet<String> = BTreeSet::new();
    let mut report = |what: String| {
        if reported.insert(what.clone()) {
            say(what);
        }
    };
    let mut handed = super::handed::Handed::new(rings);
    loop {
        let more = handed.drain(|e| {
            sent.events += 1;
            let at = timing.instant(e.frame);
            let c = messages::convert(&e);
            for name in &c.clamped {
                report(format!(
                    "warning: MIDI: a `{name}` outside its range was clamped into it (see docs/rig.md)"
                ));
            }
            if let Some(cmd) = &c.unknown_command {
                report(format!(
                    "warning: MIDI: `midicmd \"{cmd}\"` is none of start, stop, continue, midiClock, control (with ctlNum), allNotesOff: not sent"
                ));
            }
            if let Some(name) = c.missing {
                report(format!(
                    "warning: MIDI: `midicmd \"control\"` needs `{name}` (the controller number): not sent"
                ));
            }
            for t in c.messages {
                port.schedule(at + Duration::from_secs_f64(t.after), t.message);
                sent.messages += 1;
            }
        });
        let now = Instant::now();
        let next = port.poll(now);
        // Said once, when messages start to be lost; counted to the end.
        if port.lost() > 0 {
            report(format!(
                "warning: MIDI: messages to {name} are being lost (the port went away or its buffer is full); the sound plays on"
            ));
        }
        if !more {
            port.finish();
            sent.lost = port.lost();
            return sent;
        }
        // Wake for the next message or the next events, whichever is first.
        let wait = next
            .map_or(Duration::from_millis(1), |n| {
                n.saturating_duration_since(now)
            })
            .min(Duration::from_millis(1));
        std::thread::sleep(wait);
    }
}
