//! What an event of the sound `midi` sends: SuperDirt's MIDI event (`DirtEventTypes.sc`,
//! `midiEvent`) message for message, with SuperCollider's `MIDIOut` byte layouts.
//!
//! In SuperDirt's order: a control change (`ccn` with `ccv`), an NRPN (`nrpnn` with `nrpnv`:
//! CCs 99, 98, 6, 38, then 101 and 100 at 127), a program change (`progNum`), a pitch bend
//! (`midibend`), channel aftertouch (`miditouch`); then, when the event has a `note` or an
//! `n`, its note: polyphonic aftertouch when it has `polyTouch`, else a note-on and, `sustain`
//! seconds later, its note-off; then a system message (`midicmd`: `start`, `stop`,
//! `continue`, `midiClock`, and SuperCollider's `control` with `ctlNum` and `control`, and
//! `allNotesOff`). The note is `note` (or
//! `n`) plus 12·`octave` (octave 5 by default, so Phonon's note 0, c5, is MIDI note 60), rounded;
//! the velocity SuperDirt's: `amp` (0.4 by default) · (min(`gain`, 2) + `overgain`)⁴ · 127,
//! truncated; Phonon also multiplies it by `velocity` (1 by default), which SuperDirt leaves
//! to its synths. The sustain is SuperDirt's: `sustain`, else the event's `delta` times
//! `legato` when it has one, less SuperDirt's 1 ms fade. The channel is `midichan` (0..15,
//! counted from 0). A value outside its range is clamped into it and named, so it can be
//! reported.

use phonon_runtime::engine::voices::SentEvent;
use phonon_runtime::pattern::Value;
use phonon_runtime::pattern::value::Controls;

/// A MIDI message of one to three bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Message {
    pub bytes: [u8; 3],
    pub len: u8,
}

impl Message {
    fn three(status: u8, a: u8, b: u8) -> Message {
        Message {
            bytes: [status, a, b],
            len: 3,
        }
    }

    fn two(status: u8, a: u8) -> Message {
        Message {
            bytes: [status, a, 0],
            len: 2,
        }
    }

    fn one(status: u8) -> Message {
        Message {
            bytes: [status, 0, 0],
            len: 1,
        }
    }

    #[cfg_attr(not(feature = "device"), allow(dead_code))] // the ports use it
    pub fn as_slice(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }

    /// Whether it is a note-off (sent at once when playing stops, so no note hangs).
    #[cfg_attr(not(feature = "device"), allow(dead_code))]
    pub fn is_note_off(&self) -> bool {
        self.bytes[0] & 0xF0 == 0x80
    }
}

/// A message `after` seconds after its event's time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Timed {
    pub after: f64,
    pub message: Message,
}

/// What an event sends, and what it asked for that could not be sent as asked.
#[derive(Debug, Default, PartialEq)]
pub struct Converted {
    pub messages: Vec<Timed>,
    /// Controls whose value lay outside its range (clamped into it).
    pub clamped: Vec<&'static str>,
    /// A `midicmd` that is none of Tidal's system messages Phonon sends.
    pub unknown_command: Option<String>,
    /// The control a `midicmd` needs and the event lacks (`ctlNum` for `control`).
    pub missing: Option<&'static str>,
}

/// SuperDirt's default `amp`.
const AMP: f64 = 0.4;

/// SuperDirt's `fadeTime`, by which a sustain is shortened.
const FADE: f64 = 0.001;

fn get(m: &Controls, k: &str) -> Option<f64> {
    match m.get(k)? {
        Value::Num(x) if x.is_finite() => Some(*x),
        _ => None,
    }
}

/// `x` as an integer in `0..=max`, naming `name` in `clamped` when it was outside.
fn ranged(x: f64, max: u16, name: &'static str, clamped: &mut Vec<&'static str>) -> u16 {
    let v = x.floor();
    if v < 0.0 || v > max as f64 {
        clamped.push(name);
    }
    v.clamp(0.0, max as f64) as u16
}

pub fn convert(e: &SentEvent) -> Converted {
    let mut out = Converted::default();
    let Value::Map(m) = &e.value else {
        return out;
    };
    let clamped = &mut out.clamped;
    let messages = &mut out.messages;
    let mut now = |message: Message| {
        messages.push(Timed {
            after: 0.0,
            message,
        })
    };
    let chan = ranged(get(m, "midichan").unwrap_or(0.0), 15, "midichan", clamped) as u8;
    if let (Some(n), Some(v)) = (get(m, "ccn"), get(m, "ccv")) {
        let n = ranged(n, 127, "ccn", clamped) as u8;
        let v = ranged(v, 127, "ccv", clamped) as u8;
        now(Message::three(0xB0 | chan, n, v));
    }
    if let Some(n) = get(m, "nrpn") {
        let n = ranged(n, 16_383, "nrpnn", clamped);
        let v = ranged(get(m, "val").unwrap_or(0.0), 16_383, "nrpnv", clamped);
        for (cc, value) in [
            (99, n >> 7),
            (98, n & 127),
            (6, v >> 7),
            (38, v & 127),
            (101, 127),
            (100, 127),
        ] {
            now(Message::three(0xB0 | chan, cc, value as u8));
        }
    }
    if let Some(p) = get(m, "progNum") {
        now(Message::two(
            0xC0 | chan,
            ranged(p, 127, "progNum", clamped) as u8,
        ));
    }
    if let Some(b) = get(m, "midibend") {
        let b = ranged(b, 16_383, "midibend", clamped);
        now(Message::three(0xE0 | chan, (b & 127) as u8, (b >> 7) as u8));
    }
    if let Some(t) = get(m, "miditouch") {
        now(Message::two(
            0xD0 | chan,
            ranged(t, 127, "miditouch", clamped) as u8,
        ));
    }
    if let Some(pitch) = get(m, "note").or_else(|| get(m, "n")) {
        let octave = get(m, "octave").unwrap_or(5.0);
        let note = ranged((pitch + 12.0 * octave).round(), 127, "note", clamped) as u8;
        match get(m, "polyTouch") {
            Some(t) => now(Message::three(
                0xA0 | chan,
                note,
                ranged(t, 127, "polyTouch", clamped) as u8,
            )),
            None => {
                let gain =
                    get(m, "gain").unwrap_or(1.0).min(2.0) + get(m, "overgain").unwrap_or(0.0);
                let amp =
                    get(m, "amp").unwrap_or(AMP) * gain.powi(4) * get(m, "velocity").unwrap_or(1.0);
                // SuperCollider's `asInteger((amp * 127).clip(0, 127))`: clipped, truncated.
                let velocity = (amp * 127.0).clamp(0.0, 127.0) as u8;
                now(Message::three(0x90 | chan, note, velocity));
                let sustain =
                    get(m, "sustain").unwrap_or_else(|| e.delta * get(m, "legato").unwrap_or(1.0));
                let fade = FADE.min(sustain * 0.19098);
                messages.push(Timed {
                    after: (sustain - fade).max(0.0),
                    message: Message::three(0x80 | chan, note, velocity),
                });
            }
        }
    }
    if let Some(Value::Str(cmd)) = m.get("midicmd") {
        match &**cmd {
            "start" => messages.push(Timed {
                after: 0.0,
                message: Message::one(0xFA),
            }),
            "continue" => messages.push(Timed {
                after: 0.0,
                message: Message::one(0xFB),
            }),
            "stop" => messages.push(Timed {
                after: 0.0,
                message: Message::one(0xFC),
            }),
            "midiClock" => messages.push(Timed {
                after: 0.0,
                message: Message::one(0xF8),
            }),
            // SuperCollider's `midiEventFunctions`, which SuperDirt calls for the others:
            // `control` takes `ctlNum` and `control` (125 when not given).
            "control" => match get(m, "ctlNum") {
                Some(n) => {
                    let n = ranged(n, 127, "ctlNum", clamped) as u8;
                    let v = ranged(get(m, "control").unwrap_or(125.0), 127, "control", clamped);
                    messages.push(Timed {
                        after: 0.0,
                        message: Message::three(0xB0 | chan, n, v as u8),
                    });
                }
                None => out.missing = Some("ctlNum"),
            },
            // `MIDIOut.allNotesOff`: controller 123.
            "allNotesOff" => messages.push(Timed {
                after: 0.0,
                message: Message::three(0xB0 | chan, 123, 0),
            }),
            other => out.unknown_command = Some(other.to_string()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn event(controls: &[(&'static str, Value)], delta: f64) -> SentEvent {
        let mut m = Controls::new();
        m.insert("s", Value::str("midi"));
        for (k, v) in controls {
            m.insert(k, v.clone());
        }
        SentEvent {
            frame: 0,
            cycle: 0.0,
            delta,
            cps: 1.0,
            value: Value::map(m),
            id: Arc::from("1"),
        }
    }

    fn bytes(c: &Converted) -> Vec<(f64, Vec<u8>)> {
        c.messages
            .iter()
            .map(|t| ((t.after * 1e6).round() / 1e6, t.message.as_slice().to_vec()))
            .collect()
    }

    #[test]
    fn a_note_is_note_on_then_note_off_after_its_sustain_as_superdirt_sends_it() {
        // note 0 (c5) is MIDI 60; velocity 0.4·1⁴·127 = 50.8 → 50; delta 0.5 s less 1 ms.
        let c = convert(&event(&[("note", Value::Num(0.0))], 0.5));
        assert_eq!(
            bytes(&c),
            [(0.0, vec![0x90, 60, 50]), (0.499, vec![0x80, 60, 50])]
        );
        // Channel 9, n 7 an octave down, gain 1.2, legato 0.5 of 0.25 s.
        let c = convert(&event(
            &[
                ("n", Value::Num(7.0)),
                ("octave", Value::Num(4.0)),
                ("midichan", Value::Num(9.0)),
                ("gain", Value::Num(1.2)),
                ("legato", Value::Num(0.5)),
            ],
            0.25,
        ));
        // 0.4 · 1.2⁴ · 127 = 105.3
        assert_eq!(
            bytes(&c),
            [(0.0, vec![0x99, 55, 105]), (0.124, vec![0x89, 55, 105])]
        );
        // `sustain` wins; `velocity` scales; `amp` replaces SuperDirt's 0.4.
        let c = convert(&event(
            &[
                ("note", Value::Num(-60.0)),
                ("sustain", Value::Num(2.0)),
                ("amp", Value::Num(1.0)),
                ("velocity", Value::Num(0.5)),
            ],
            0.5,
        ));
        assert_eq!(
            bytes(&c),
            [(0.0, vec![0x90, 0, 63]), (1.999, vec![0x80, 0, 63])]
        );
    }

    #[test]
    fn controls_bends_programs_and_system_messages() {
        let c = convert(&event(
            &[
                ("ccn", Value::Num(74.0)),
                ("ccv", Value::Num(100.0)),
                ("nrpn", Value::Num(1000.0)),
                ("val", Value::Num(8000.0)),
                ("progNum", Value::Num(5.0)),
                ("midibend", Value::Num(12000.0)),
                ("miditouch", Value::Num(33.0)),
                ("midicmd", Value::str("start")),
                ("midichan", Value::Num(2.0)),
            ],
            0.5,
        ));
        assert_eq!(
            bytes(&c),
            [
                (0.0, vec![0xB2, 74, 100]),
                (0.0, vec![0xB2, 99, 7]),
                (0.0, vec![0xB2, 98, 104]),
                (0.0, vec![0xB2, 6, 62]),
                (0.0, vec![0xB2, 38, 64]),
                (0.0, vec![0xB2, 101, 127]),
                (0.0, vec![0xB2, 100, 127]),
                (0.0, vec![0xC2, 5]),
                (0.0, vec![0xE2, 0x60, 0x5D]),
                (0.0, vec![0xD2, 33]),
                (0.0, vec![0xFA]),
            ]
        );
        assert!(c.clamped.is_empty());
        // Polyphonic aftertouch replaces the note.
        let c = convert(&event(
            &[("note", Value::Num(4.0)), ("polyTouch", Value::Num(90.0))],
            0.5,
        ));
        assert_eq!(bytes(&c), [(0.0, vec![0xA0, 64, 90])]);
    }

    #[test]
    fn values_out_of_range_are_clamped_and_named() {
        let c = convert(&event(
            &[
                ("ccn", Value::Num(200.0)),
                ("ccv", Value::Num(-3.0)),
                ("midichan", Value::Num(16.0)),
                ("midicmd", Value::str("reboot")),
            ],
            0.5,
        ));
        assert_eq!(bytes(&c), [(0.0, vec![0xBF, 127, 0])]);
        assert_eq!(c.clamped, ["midichan", "ccn", "ccv"]);
        assert_eq!(c.unknown_command.as_deref(), Some("reboot"));
    }

    #[test]
    fn midicmd_control_sends_ctlnum_and_control_as_supercollider_does() {
        let c = convert(&event(
            &[
                ("midicmd", Value::str("control")),
                ("ctlNum", Value::Num(74.0)),
                ("control", Value::Num(64.0)),
                ("midichan", Value::Num(2.0)),
            ],
            0.5,
        ));
        assert_eq!(bytes(&c), [(0.0, vec![0xB2, 74, 64])]);
        // `control` is 125 when not given; without `ctlNum` nothing is sent.
        let c = convert(&event(
            &[
                ("midicmd", Value::str("control")),
                ("ctlNum", Value::Num(1.0)),
            ],
            0.5,
        ));
        assert_eq!(bytes(&c), [(0.0, vec![0xB0, 1, 125])]);
        let c = convert(&event(&[("midicmd", Value::str("control"))], 0.5));
        assert!(bytes(&c).is_empty());
        assert_eq!(c.missing, Some("ctlNum"));
        let c = convert(&event(&[("midicmd", Value::str("allNotesOff"))], 0.5));
        assert_eq!(bytes(&c), [(0.0, vec![0xB0, 123, 0])]);
    }
}
