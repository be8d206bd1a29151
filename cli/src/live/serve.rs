//! `phonon serve`: Phonon as a SuperDirt. Listens for what Tidal (or Strudel's OSC bridge)
//! sends SuperDirt, `/dirt/play` messages in time-stamped bundles, and plays each event with
//! Phonon's sample player, synths and orbits at its bundle's time, to the frame.
//!
//! The listener turns each message into an event (its controls by Phonon's names, `cps`,
//! `cycle` and `delta` giving its whole, `orbit` wrapped to the orbits there are as
//! SuperDirt's `orbits @@ index` does) and hands it to the player's inbox
//! ([`phonon_runtime::engine::inbox`]); the player starts it in the block its frame falls
//! in. A bundle's time becomes a frame by the moment frame 0 was played (`origin`).
//! Replies as SuperDirt does to `/dirt/hello` and `/dirt/handshake`. What it cannot play
//! (malformed packets, other addresses, controls Phonon's events do not have) is counted
//! and reported once per kind; nothing stops the listening or the sound.

use crate::audio::Compiler;
use phonon_compiler::catalogue::SoundName;
use phonon_runtime::engine::ProgramSpec;
use phonon_runtime::engine::inbox::{Arrival, InboxCounts, InboxSender, NOW};
use phonon_runtime::engine::lines::LineUse;
use phonon_runtime::engine::orbits::MAX_ORBITS;
use phonon_runtime::engine::synths::SynthKind;
use phonon_runtime::pattern::value::Controls;
use phonon_runtime::pattern::{Hap, TimeSpan, Value};
use phonon_runtime::time::Rational;
use rosc::{OscMessage, OscPacket, OscTime, OscType};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Each control name met, and Phonon's name for it (`None`: not a control of Phonon's).
type Names = HashMap<String, Option<&'static str>>;
use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

/// SuperDirt's port.
pub const DEFAULT_PORT: u16 = 57120;

/// The orbits SuperDirt is usually started with (`~dirt.start(57120, 0 ! 12)`).
pub const DEFAULT_ORBITS: u32 = 12;

/// Tidal's default tempo, for an event that does not say its `cps`.
const TIDAL_CPS: f64 = 0.5625;

/// What the listener heard and did, for the summary at the end.
#[derive(Default, Debug)]
pub struct Heard {
    pub packets: u64,
    pub events: u64,
    /// Events that found the player's inbox full: dropped.
    pub overflow: u64,
    pub malformed: u64,
    /// Messages to addresses SuperDirt's protocol does not have, by address.
    pub other_addresses: BTreeMap<String, u64>,
    /// Controls Phonon's events do not have, by name (the rest of the event plays).
    pub unknown_controls: BTreeMap<String, u64>,
    /// Events whose `s` names no sound or synth, by name: silent.
    pub unknown_sounds: BTreeMap<String, u64>,
}

/// Everything the listener needs.
pub struct Listen {
    pub socket: UdpSocket,
    pub orbits: u32,
    pub inbox: InboxSender,
    pub sample_rate: u32,
    /// When frame 0 was played.
    pub origin: SystemTime,
    /// The player's counts: the silence a late block put in (played, not rendered) delays
    /// every frame after it.
    pub(super) stats: Option<Arc<super::Stats>>,
    /// The sounds `s` can play (besides the synths).
    pub sounds: HashSet<String>,
}

/// Room for the bursts Tidal sends (every 1/20 s, a bundle per event of the next 1/20 s:
/// 800 packets at stress_extreme's density) while the listener is not running.
const RECEIVE_BUFFER: usize = 4 << 20;

/// Asks the system for a larger receive buffer (it grants up to its own limit, e.g. Linux's
/// `net.core.rmem_max`).
fn enlarge_receive_buffer(socket: &UdpSocket) {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let size = RECEIVE_BUFFER as libc::c_int;
        // SAFETY: a plain setsockopt on a socket this process owns, with a pointer to an int
        // and its size.
        unsafe {
            libc::setsockopt(
                socket.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_RCVBUF,
                (&size as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            );
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (socket, RECEIVE_BUFFER);
}

/// Listens until `stop`; `say` reports each new kind of problem as it is first met.
pub fn listen(mut l: Listen, stop: Arc<AtomicBool>, say: Box<dyn Fn(String) + Send>) -> Heard {
    let mut heard = Heard::default();
    let _ = l.socket.set_read_timeout(Some(Duration::from_millis(5)));
    enlarge_receive_buffer(&l.socket);
    let mut names = HashMap::new();
    let mut buf = vec![0u8; rosc::decoder::MTU];
    while !stop.load(Ordering::Relaxed) {
        l.inbox.collect();
        let (n, from) = match l.socket.recv_from(&mut buf) {
            Ok(x) => x,
            Err(_) => continue,
        };
        heard.packets += 1;
        match rosc::decoder::decode_udp(&buf[..n]) {
            Ok((_, packet)) => l.packet(packet, None, from, &mut heard, &mut names, &*say),
            Err(e) => l.malformed(&mut heard, &*say, from, &format!("{e}")),
        }
    }
    heard
}

impl Listen {
    /// A packet; `at` is the time of the bundle it is in (none: play at once).
    fn packet(
        &mut self,
        p: OscPacket,
        at: Option<OscTime>,
        from: SocketAddr,
        heard: &mut Heard,
        names: &mut Names,
        say: &dyn Fn(String),
    ) {
        match p {
            OscPacket::Bundle(b) => {
                for inner in b.content {
                    self.packet(inner, Some(b.timetag), from, heard, names, say);
                }
            }
            OscPacket::Message(m) => self.message(m, at, from, heard, names, say),
        }
    }

    fn message(
        &mut self,
        m: OscMessage,
        at: Option<OscTime>,
        from: SocketAddr,
        heard: &mut Heard,
        names: &mut Names,
        say: &dyn Fn(String),
    ) {
        match m.addr.as_str() {
            "/dirt/play" => match self.event(&m.args, at, heard, names, say) {
                Ok(Some(a)) => {
                    heard.events += 1;
                    if self.inbox.incoming.push(a).is_err() {
                        heard.overflow += 1;
                    }
                }
                Ok(None) => {}
                Err(why) => self.malformed(heard, say, from, &why),
            },
            "/dirt/hello" => self.reply(from, "/dirt/hello/reply", Vec::new()),
            // SuperDirt answers with where its SuperCollider server is and its control
            // buses; Phonon has neither server nor buses, so it names itself and none.
            "/dirt/handshake" => {
                let port = self.socket.local_addr().map_or(0, |a| a.port());
                let args = vec![
                    OscType::String("&serverHostname".into()),
                    OscType::String("127.0.0.1".into()),
                    OscType::String("&serverPort".into()),
                    OscType::Int(port as i32),
                    OscType::String("&controlBusIndices".into()),
                ];
                self.reply(from, "/dirt/handshake/reply", args);
            }
            other => {
                let n = heard.other_addresses.entry(other.to_string()).or_default();
                if *n == 0 {
                    say(format!(
                        "warning: OSC from {from}: `{other}` is not part of SuperDirt's protocol that phonon serve plays (/dirt/play, /dirt/hello, /dirt/handshake); such messages are counted and ignored"
                    ));
                }
                *n += 1;
            }
        }
    }

    fn reply(&self, to: SocketAddr, addr: &str, args: Vec<OscType>) {
        let packet = OscPacket::Message(OscMessage {
            addr: addr.to_string(),
            args,
        });
        if let Ok(bytes) = rosc::encoder::encode(&packet) {
            let _ = self.socket.send_to(&bytes, to);
        }
    }

    fn malformed(&self, heard: &mut Heard, say: &dyn Fn(String), from: SocketAddr, why: &str) {
        if heard.malformed == 0 {
            say(format!(
                "warning: a malformed OSC packet from {from}: {why}; such packets are counted and ignored"
            ));
        }
        heard.malformed += 1;
    }

    /// A `/dirt/play` message as an event: `Ok(None)` when it is one to skip.
    fn event(
        &self,
        args: &[OscType],
        at: Option<OscTime>,
        heard: &mut Heard,
        names: &mut Names,
        say: &dyn Fn(String),
    ) -> Result<Option<Arrival>, String> {
        if !args.len().is_multiple_of(2) {
            return Err(format!(
                "/dirt/play takes names and values in pairs, not {} arguments",
                args.len()
            ));
        }
        let (mut cps, mut delta) = (TIDAL_CPS, None);
        let mut controls = Controls::with_capacity(args.len() / 2);
        for pair in args.chunks_exact(2) {
            let name = match &pair[0] {
                OscType::String(s) => s.as_str(),
                other => return Err(format!("a control's name must be a string, not {other:?}")),
            };
            let value = match &pair[1] {
                OscType::Float(x) => Value::Num(*x as f64),
                OscType::Double(x) => Value::Num(*x),
                OscType::Int(x) => Value::Num(*x as f64),
                OscType::Long(x) => Value::Num(*x as f64),
                OscType::Bool(b) => Value::Num(*b as u8 as f64),
                OscType::String(s) => Value::str(s),
                other => {
                    return Err(format!(
                        "`{name}` has a value of no kind a control has: {other:?}"
                    ));
                }
            };
            let number = match value {
                Value::Num(x) if x.is_finite() => Some(x),
                _ => None,
            };
            match name {
                "cps" => cps = number.filter(|c| *c > 0.0).unwrap_or(cps),
                // Where the event's whole starts: nothing the player reads.
                "cycle" => {}
                "delta" => delta = number.filter(|d| *d >= 0.0),
                // Tidal's name of the pattern: nothing to play.
                "_id_" => {}
                "orbit" => {
                    let orbit = number.unwrap_or(0.0).floor() as i64;
                    let wrapped = orbit.rem_euclid(self.orbits.max(1) as i64);
                    controls.insert("orbit", Value::Num(wrapped as f64));
                }
                "s" => {
                    if let Value::Str(sound) = &value
                        && !self.sounds.contains(&**sound)
                        && SynthKind::from_name(sound).is_none()
                    {
                        let n = heard.unknown_sounds.entry(sound.to_string()).or_default();
                        if *n == 0 {
                            say(format!(
                                "warning: no sound or synth is named `{sound}`: such events are silent (the sounds are the sample folders on the search path and the kit; see docs/samples.md)"
                            ));
                        }
                        *n += 1;
                    }
                    controls.insert("s", value);
                }
                _ => match lookup(names, name) {
                    Some(c) => controls.insert(c, value),
                    None => {
                        let n = heard.unknown_controls.entry(name.to_string()).or_default();
                        if *n == 0 {
                            say(format!(
                                "warning: `{name}` is not a control Phonon's events have: events that carry it play without it (see docs/rig.md)"
                            ));
                        }
                        *n += 1;
                    }
                },
            }
        }
        let frame = match at {
            // OSC's "immediately".
            None => NOW,
            Some(t) if t.seconds == 0 && t.fractional == 1 => NOW,
            Some(t) => {
                let at = SystemTime::from(t);
                let seconds = match at.duration_since(self.origin) {
                    Ok(d) => d.as_secs_f64(),
                    Err(e) => -e.duration().as_secs_f64(),
                };
                // Frames are the program's, as the sink plays them (`Stats::frame_at`).
                match &self.stats {
                    Some(s) => s.frame_at(seconds, self.sample_rate),
                    None => (seconds * self.sample_rate as f64).round() as i64,
                }
            }
        };
        // The whole as long as `delta` seconds at `cps` (a cycle without one): the player
        // reads only its length (where it starts, `cycle`, changes nothing it plays, and
        // fractions of two unrelated floats would make needlessly large terms).
        let length = delta.map_or(Rational::int(1), |d| Rational::from_f64(d * cps));
        let whole = TimeSpan::new(Rational::ZERO, length);
        Ok(Some(Arrival {
            frame,
            cps,
            hap: Hap::new(Some(whole), whole, Value::map(controls)),
        }))
    }
}

/// Phonon's name for a control, looked up in the built-ins once per name.
fn lookup(names: &mut Names, name: &str) -> Option<&'static str> {
    if let Some(&known) = names.get(name) {
        return known;
    }
    let known = phonon_compiler::builtins::dirt_control(name);
    names.insert(name.to_string(), known);
    known
}

/// Events in flight between the listener and the player.
pub const INBOX_EVENTS: usize = 16_384;

/// The program `phonon serve` plays: one sample player (a program of Phonon's own, so it is
/// compiled, linked and mixed exactly as `phonon render` does a file's) that can play every
/// sound of the library and the kit, every synth and every effect with lines, and
/// `orbits` orbits numbered from 0. Every sound is loaded before the first event, as
/// SuperDirt loads its samples at start.
pub fn program(with: &Compiler, orbits: u32) -> Result<(ProgramSpec, HashSet<String>), String> {
    if orbits == 0 || orbits as usize > MAX_ORBITS {
        return Err(format!("--orbits must be 1 to {MAX_ORBITS}, not {orbits}"));
    }
    let numbers: Vec<String> = (0..orbits).map(|o| o.to_string()).collect();
    let src = format!(
        "cps: {TIDAL_CPS}\nout: s \"bd\" # orbit \"{}\"\n",
        numbers.join(" ")
    );
    let mut compiled = with
        .compile(&src)
        .map_err(|d| format!("cannot build the player: {}", messages(&d)))?;
    let every: Vec<SoundName> = phonon_sounds::catalogue(&with.library)
        .names()
        .map(|name| SoundName {
            name: name.to_string(),
            span: 0..0,
        })
        .collect();
    let sounds = phonon_sounds::load(&every, &with.library, with.options.sample_rate)
        .map_err(|d| format!("cannot load the sounds: {}", messages(&d)))?;
    let names: HashSet<String> = sounds.keys().cloned().collect();
    let spec = &mut compiled.spec;
    let bank = spec
        .banks
        .first_mut()
        .ok_or("the player's program has no sample player")?;
    bank.pattern = phonon_runtime::pattern::silence();
    bank.sounds = sounds;
    bank.synths = true;
    bank.lines = LineUse {
        phaser: true,
        squiz: true,
        comb: true,
    };
    Ok((compiled.spec, names))
}

fn messages(d: &[phonon_compiler::diagnostic::Diagnostic]) -> String {
    let all: Vec<String> = d
        .iter()
        .map(|d| match &d.hint {
            Some(h) => format!("{} ({h})", d.message),
            None => d.message.clone(),
        })
        .collect();
    all.join("; ")
}

/// The line printed at the end.
pub fn summary(heard: &Heard, counts: &InboxCounts) -> String {
    let mut line = format!(
        "served {} events from {} OSC packets: {} played, {} late (played at once)",
        heard.events,
        heard.packets,
        counts.played.load(Ordering::Relaxed),
        counts.late.load(Ordering::Relaxed),
    );
    let dropped = heard.overflow + counts.dropped.load(Ordering::Relaxed);
    if dropped > 0 {
        line += &format!(", {dropped} dropped (too many ahead)");
    }
    if heard.malformed > 0 {
        line += &format!(", {} malformed packets", heard.malformed);
    }
    for (what, map) in [
        ("messages to", &heard.other_addresses),
        ("events with", &heard.unknown_controls),
        ("events of the unknown sounds", &heard.unknown_sounds),
    ] {
        if !map.is_empty() {
            let each: Vec<String> = map.iter().map(|(k, n)| format!("{k} ×{n}")).collect();
            line += &format!(", {what} {}", each.join(" "));
        }
    }
    line
}
