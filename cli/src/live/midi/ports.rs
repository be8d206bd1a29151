//! The MIDI ports: the system's (ALSA's sequencer on Linux, CoreMIDI, WinMM) through midir,
//! and JACK's through the jack crate, named `jack:CLIENT:PORT`.

use super::Port;
use super::messages::Message;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The ports `--midi-out` and `--midi-in` can name, as `out: NAME` and `in: NAME`: the
/// system's, then JACK's when a JACK server runs. An error only when there is no way to ask.
pub fn list() -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    let outputs = midir::MidiOutput::new("phonon").map_err(|e| e.to_string());
    if let Ok(out) = &outputs {
        for p in out.ports() {
            if let Ok(n) = out.port_name(&p) {
                names.push(format!("out: {n}"));
            }
        }
    }
    if let Ok(input) = midir::MidiInput::new("phonon") {
        for p in input.ports() {
            if let Ok(n) = input.port_name(&p) {
                names.push(format!("in: {n}"));
            }
        }
    }
    let jack = jack_ports();
    if let Ok((ins, outs)) = &jack {
        names.extend(ins.iter().map(|p| format!("out: jack:{p}")));
        names.extend(outs.iter().map(|p| format!("in: jack:{p}")));
    }
    match (outputs, jack) {
        (Err(a), Err(b)) => Err(format!(
            "no MIDI system to ask: {a} (the ALSA sequencer needs /dev/snd/seq); no JACK server: {b}"
        )),
        _ => Ok(names),
    }
}

/// JACK's MIDI inputs (where `--midi-out` can send) and outputs (what `--midi-in` can read).
fn jack_ports() -> Result<(Vec<String>, Vec<String>), String> {
    let (client, _) = jack::Client::new("phonon-list", jack::ClientOptions::NO_START_SERVER)
        .map_err(|e| e.to_string())?;
    let ins = client.ports(None, Some("midi"), jack::PortFlags::IS_INPUT);
    let outs = client.ports(None, Some("midi"), jack::PortFlags::IS_OUTPUT);
    Ok((ins, outs))
}

/// Opens the port `name`: `jack:CLIENT:PORT` is a JACK MIDI input, anything else the first
/// of the system's ports whose name contains it (case ignored).
pub fn open(name: &str) -> Result<Box<dyn Port>, String> {
    if let Some(target) = name.strip_prefix("jack:") {
        return JackPort::open(target).map(|p| Box::new(p) as Box<dyn Port>);
    }
    let out = midir::MidiOutput::new("phonon").map_err(|e| {
        format!("cannot open the MIDI port `{name}`: {e} (the ALSA sequencer needs /dev/snd/seq; a JACK port is named jack:CLIENT:PORT)")
    })?;
    let port = find(&out, name, "port")?;
    let conn = out
        .connect(&port, "phonon-out")
        .map_err(|e| format!("cannot connect to the MIDI port `{name}`: {e}"))?;
    Ok(Box::new(SystemPort {
        conn,
        pending: BinaryHeap::new(),
        seq: 0,
        sounding: Box::new([0; 16 * 128]),
        lost: 0,
    }))
}

/// The first of the system's ports (inputs or outputs: `what`) whose name contains `name`,
/// case ignored; an error naming those there are.
pub fn find<T: midir::MidiIO>(io: &T, name: &str, what: &str) -> Result<T::Port, String> {
    let want = name.to_lowercase();
    let ports = io.ports();
    if let Some(p) = ports.iter().find(|p| {
        io.port_name(p)
            .is_ok_and(|n| n.to_lowercase().contains(&want))
    }) {
        return Ok(p.clone());
    }
    let names: Vec<String> = ports.iter().filter_map(|p| io.port_name(p).ok()).collect();
    Err(format!(
        "no MIDI {what} is named like `{name}`; there are: {}",
        if names.is_empty() {
            "none".to_string()
        } else {
            names.join(", ")
        }
    ))
}

/// A message waiting to be sent: its time, its place among messages of that time, its bytes
/// and their count (ordered by time, then place).
type Waiting = Reverse<(Instant, u64, [u8; 3], u8)>;

/// A system port: messages wait here, in order of time, and are sent when due.
struct SystemPort {
    conn: midir::MidiOutputConnection,
    pending: BinaryHeap<Waiting>,
    /// Keeps messages of the same time in the order they were given.
    seq: u64,
    /// Note-ons sent and not yet ended, by channel and note.
    sounding: Box<[u16; 16 * 128]>,
    lost: u64,
}

impl SystemPort {
    fn send(&mut self, m: Message) {
        if m.is_note_off() {
            let k = key(&m);
            self.sounding[k] = self.sounding[k].saturating_sub(1);
        } else if m.bytes[0] & 0xF0 == 0x90 {
            self.sounding[key(&m)] += 1;
        }
        if self.conn.send(m.as_slice()).is_err() {
            self.lost += 1;
        }
    }
}

impl Port for SystemPort {
    fn schedule(&mut self, at: Instant, m: Message) {
        self.seq += 1;
        self.pending.push(Reverse((at, self.seq, m.bytes, m.len)));
    }

    fn poll(&mut self, now: Instant) -> Option<Instant> {
        while let Some(Reverse((at, _, bytes, len))) = self.pending.peek().copied() {
            if at > now {
                return Some(at);
            }
            self.pending.pop();
            self.send(Message { bytes, len });
        }
        None
    }

    fn finish(&mut self) {
        // The note-offs of the notes sounding, at once; the rest is dropped.
        while let Some(Reverse((_, _, bytes, len))) = self.pending.pop() {
            let m = Message { bytes, len };
            if m.is_note_off() && self.sounding[key(&m)] > 0 {
                self.send(m);
            }
        }
    }

    fn lost(&self) -> u64 {
        self.lost
    }
}

/// Messages the JACK callback holds that are not due yet.
const JACK_PENDING: usize = 8192;

/// A note message's place among the 16 channels' 128 notes.
fn key(m: &Message) -> usize {
    (m.bytes[0] & 0x0F) as usize * 128 + (m.bytes[1] & 0x7F) as usize
}

/// A message for the JACK callback: its time on JACK's clock (µs).
#[derive(Clone, Copy)]
struct JackTimed {
    usecs: u64,
    message: Message,
}

/// A JACK process callback.
pub(super) type Process =
    Box<dyn FnMut(&jack::Client, &jack::ProcessScope) -> jack::Control + Send>;

/// A running JACK client of Phonon's.
pub(super) type Active = jack::AsyncClient<(), jack::contrib::ClosureProcessHandler<(), Process>>;

/// Starts the JACK client `client` with one MIDI port `port` of `spec`, whose process
/// callback `process` makes from the port (and the client, for its rate); returns it and
/// the port's full name, for the caller to connect. `what` names the port in errors.
pub(super) fn start_jack<S: jack::PortSpec + Send + 'static>(
    client: &str,
    port: &str,
    spec: S,
    what: &str,
    process: impl FnOnce(jack::Port<S>, &jack::Client) -> Process,
) -> Result<(Active, String), String> {
    let (client, _) = jack::Client::new(client, jack::ClientOptions::NO_START_SERVER)
        .map_err(|e| format!("cannot open the JACK MIDI port `{what}`: no JACK server ({e})"))?;
    let port = client
        .register_port(port, spec)
        .map_err(|e| format!("cannot make a JACK MIDI port: {e}"))?;
    let own = port
        .name()
        .map_err(|e| format!("cannot name the JACK MIDI port: {e}"))?;
    let process = process(port, &client);
    let active = client
        .activate_async((), jack::contrib::ClosureProcessHandler::new(process))
        .map_err(|e| format!("cannot start the JACK client: {e}"))?;
    Ok((active, own))
}

/// A JACK MIDI output port connected to `target`: JACK's process callback writes each
/// message at the frame of its period where its time falls (late ones at the first).
struct JackPort {
    _client: Active,
    ring: rtrb::Producer<JackTimed>,
    /// The same moment on both clocks: JACK's (µs) and this process's.
    jack_then: u64,
    then: Instant,
    /// Set when playing stops: the callback sends every note-off it holds at once and drops
    /// the rest (a note-on due later would otherwise follow its own note-off and hang).
    stopping: Arc<AtomicBool>,
    lost: Arc<AtomicU64>,
}

impl JackPort {
    fn open(target: &str) -> Result<JackPort, String> {
        let (ring, mut incoming) = rtrb::RingBuffer::<JackTimed>::new(JACK_PENDING);
        let lost = Arc::new(AtomicU64::new(0));
        let lost_in = lost.clone();
        let stopping = Arc::new(AtomicBool::new(false));
        let stop_in = stopping.clone();
        let mut pending: Vec<JackTimed> = Vec::with_capacity(JACK_PENDING);
        // Note-ons written and not yet ended, by channel and note.
        let mut sounding = [0u16; 16 * 128];
        let make = move |mut out: jack::Port<jack::MidiOut>, _: &jack::Client| -> Process {
            Box::new(move |_, ps| {
                while let Ok(t) = incoming.pop() {
                    if pending.len() < pending.capacity() {
                        pending.push(t);
                    } else {
                        lost_in.fetch_add(1, Ordering::Relaxed);
                    }
                }
                if stop_in.load(Ordering::Relaxed) {
                    // Only the note-offs of notes sounding, at once.
                    pending.retain(|t| t.message.is_note_off() && sounding[key(&t.message)] > 0);
                    for t in pending.iter_mut() {
                        t.usecs = 0;
                    }
                }
                let Ok(times) = ps.cycle_times() else {
                    return jack::Control::Continue;
                };
                let n = ps.n_frames() as u64;
                let (start, next) = (
                    times.current_usecs,
                    times.next_usecs.max(times.current_usecs + 1),
                );
                // The due ones to the front, in order of time.
                let mut due = 0;
                for i in 0..pending.len() {
                    if pending[i].usecs < next {
                        pending.swap(due, i);
                        due += 1;
                    }
                }
                pending[..due].sort_unstable_by_key(|t| t.usecs);
                // The port written to went away (its client quit): what is due is lost.
                if out.connected_count().unwrap_or(0) == 0 {
                    lost_in.fetch_add(due as u64, Ordering::Relaxed);
                    pending.drain(..due);
                    return jack::Control::Continue;
                }
                let mut writer = out.writer(ps);
                for t in &pending[..due] {
                    let m = &t.message;
                    if m.is_note_off() {
                        let k = key(m);
                        if sounding[k] == 0 && stop_in.load(Ordering::Relaxed) {
                            continue;
                        }
                        sounding[k] = sounding[k].saturating_sub(1);
                    } else if m.bytes[0] & 0xF0 == 0x90 {
                        sounding[key(m)] += 1;
                    }
                    let frame = t.usecs.saturating_sub(start) * n / (next - start);
                    let raw = jack::RawMidi {
                        time: frame.min(n - 1) as u32,
                        bytes: t.message.as_slice(),
                    };
                    if writer.write(&raw).is_err() {
                        lost_in.fetch_add(1, Ordering::Relaxed);
                    }
                }
                pending.drain(..due);
                jack::Control::Continue
            })
        };
        let what = format!("jack:{target}");
        let (active, own) =
            start_jack("phonon", "midi_out", jack::MidiOut::default(), &what, make)?;
        active
            .as_client()
            .connect_ports_by_name(&own, target)
            .map_err(|e| format!("cannot connect to the JACK MIDI port `{target}`: {e}"))?;
        let (jack_then, then) = (active.as_client().time(), Instant::now());
        Ok(JackPort {
            _client: active,
            ring,
            jack_then,
            then,
            stopping,
            lost,
        })
    }

    fn usecs(&self, at: Instant) -> u64 {
        match at.checked_duration_since(self.then) {
            Some(d) => self.jack_then + d.as_micros() as u64,
            None => self
                .jack_then
                .saturating_sub(self.then.duration_since(at).as_micros() as u64),
        }
    }
}

impl Port for JackPort {
    fn schedule(&mut self, at: Instant, m: Message) {
        let t = JackTimed {
            usecs: self.usecs(at),
            message: m,
        };
        if self.ring.push(t).is_err() {
            self.lost.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn poll(&mut self, _now: Instant) -> Option<Instant> {
        // JACK's callback sends them.
        None
    }

    fn finish(&mut self) {
        self.stopping.store(true, Ordering::Relaxed);
        // Two periods of any usual size, for the callback to write the note-offs.
        std::thread::sleep(Duration::from_millis(50));
    }

    fn lost(&self) -> u64 {
        self.lost.load(Ordering::Relaxed)
    }
}
