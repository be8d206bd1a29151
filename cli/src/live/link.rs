//! `--link`: joining an Ableton Link session (rusty_link, Ableton's own library; GPL-2.0 or
//! later, so only in builds with the opt-in `link` feature). Each cycle is `quantum` beats of
//! the session: the cycle clock follows the session's tempo and phase (a cycle starts where
//! the session's beat is a multiple of the quantum), and a tempo the file sets is sent to
//! the session.
//!
//! A thread of its own reads the session every few milliseconds and publishes its timeline
//! (a beat at a time, and the tempo: exact until the tempo changes) through a [`SeqLock`];
//! the render thread turns it into the tempo of each beat of the cycle clock two beats ahead
//! ([`phonon_runtime::tempo::Timeline`]), without locks or allocation. Rendered frame `f`
//! plays at Link time `origin + (f + silence)/rate`, moved to where an audio device plays
//! it (its latency and drift, [`super::device_clock`]): `origin` is when the sink played
//! frame 0, `silence` what late blocks inserted since.

use super::Stats;
use super::seqlock::SeqLock;
use phonon_runtime::Rational;
use phonon_runtime::tempo::Timeline;
use rusty_link::{AblLink, SessionState};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::{Duration, Instant};

/// How often the session's timeline is read.
const READ_EVERY: Duration = Duration::from_millis(5);

/// `origin` before the sink has played frame 0.
const UNKNOWN: i64 = i64::MIN;

/// The session's timeline as last read: at Link time `time` (µs) the session's beat was
/// `beat`, at `bpm` (one writer: the reader thread); and the Link time when the sink played
/// frame 0.
struct Published {
    timeline: SeqLock<3>,
    origin: AtomicI64,
}

impl Published {
    fn new(origin: i64) -> Published {
        Published {
            timeline: SeqLock::new(),
            origin: AtomicI64::new(origin),
        }
    }

    fn write(&self, time: i64, beat: f64, bpm: f64) {
        self.timeline
            .write([time as u64, beat.to_bits(), bpm.to_bits()]);
    }

    /// (time, beat, bpm).
    fn read(&self) -> Option<(i64, f64, f64)> {
        let [time, beat, bpm] = self.timeline.read()?;
        Some((time as i64, f64::from_bits(beat), f64::from_bits(bpm)))
    }
}

/// A joined session: dropping it leaves.
pub struct Session {
    link: Arc<AblLink>,
    published: Arc<Published>,
    quantum: f64,
    stop: Arc<AtomicBool>,
    reader: Option<std::thread::JoinHandle<()>>,
}

/// What the cycle clock follows.
struct Follower {
    published: Arc<Published>,
    stats: Arc<Stats>,
    quantum: f64,
    sample_rate: u32,
}

impl Timeline for Follower {
    fn cps_between(&self, from: Rational, frame: i64, to: Rational) -> Option<f64> {
        let origin = self.published.origin.load(Ordering::Relaxed);
        if origin == UNKNOWN {
            return None;
        }
        let (time, beat, bpm) = self.published.read()?;
        if !bpm.is_finite() || bpm <= 0.0 {
            return None;
        }
        let at = origin as f64 + self.stats.seconds_of(frame, self.sample_rate) * 1e6;
        let q = self.quantum;
        let beat_from = beat + (at - time as f64) * bpm / 60e6;
        // `to` lands on the session's beat of its phase in the cycle nearest where it
        // falls at the session's tempo.
        let span = (to - from).to_f64() * q;
        let phase = (to - to.floor()).to_f64() * q;
        let whole = ((beat_from + span - phase) / q).round();
        let beats = (phase + q * whole - beat_from).clamp(0.5 * span, 1.5 * span);
        Some((to - from).to_f64() / (beats * 60.0 / bpm))
    }
}

impl Session {
    /// Joins (or starts) a session at `bpm`; the session's tempo wins if it has peers.
    pub fn join(bpm: f64, quantum: f64) -> Session {
        let link = Arc::new(AblLink::new(bpm));
        link.enable(true);
        let published = Arc::new(Published::new(UNKNOWN));
        let stop = Arc::new(AtomicBool::new(false));
        let reader = {
            let (link, published, stop) = (link.clone(), published.clone(), stop.clone());
            std::thread::Builder::new()
                .name("phonon-link".into())
                .spawn(move || {
                    let mut state = SessionState::new();
                    while !stop.load(Ordering::Relaxed) {
                        link.capture_app_session_state(&mut state);
                        let now = link.clock_micros();
                        published.write(now, state.beat_at_time(now, quantum), state.tempo());
                        std::thread::sleep(READ_EVERY);
                    }
                })
                .expect("a thread can be started")
        };
        Session {
            link,
            published,
            quantum,
            stop,
            reader: Some(reader),
        }
    }

    /// What the cycle clock follows, and how often its tempo changes (a beat).
    pub fn follower(&self, stats: Arc<Stats>, sample_rate: u32) -> (Arc<dyn Timeline>, Rational) {
        let follower = Follower {
            published: self.published.clone(),
            stats,
            quantum: self.quantum,
            sample_rate,
        };
        (Arc::new(follower), Rational::from_f64(1.0 / self.quantum))
    }

    /// The sink played frame 0 at `played` (an `Instant`): its Link time, now known.
    pub fn set_origin(&self, played: Instant) -> i64 {
        let origin = self.link.clock_micros() - played.elapsed().as_micros() as i64;
        self.published.origin.store(origin, Ordering::Relaxed);
        origin
    }

    /// Sets the session's tempo (a file's new `cps:`/`bpm:`), for every peer.
    pub fn set_tempo(&self, cps: f64) {
        let mut state = SessionState::new();
        self.link.capture_app_session_state(&mut state);
        state.set_tempo(cps * 60.0 * self.quantum, self.link.clock_micros());
        self.link.commit_app_session_state(&state);
    }

    pub fn peers(&self) -> u64 {
        self.link.num_peers()
    }

    /// The session's tempo in beats per minute, as last read.
    pub fn bpm(&self) -> f64 {
        self.published.read().map_or(0.0, |(_, _, bpm)| bpm)
    }

    pub fn quantum(&self) -> f64 {
        self.quantum
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
        self.link.enable(false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_follower_lands_each_beat_on_the_sessions_beat_of_its_phase() {
        // The session: 120 bpm, beat 10.5 at Link time 1 s; frame 0 played at 1 s.
        let published = Arc::new(Published::new(1_000_000));
        published.write(1_000_000, 10.5, 120.0);
        let f = Follower {
            published,
            stats: Arc::new(Stats::default()),
            quantum: 4.0,
            sample_rate: 48_000,
        };
        let quarter = Rational::new(1, 4);
        // From cycle 0 at frame 0 (beat 10.5: phase 2.5 of 4) to cycle 1/4 (phase 1): the
        // nearest beat of phase 1 is 13, 2.5 beats on: clamped to 1.5 beats (0.75 s).
        let cps = f.cps_between(Rational::ZERO, 0, quarter).unwrap();
        assert!((cps - 0.25 / 0.75).abs() < 1e-9, "{cps}");
        // In phase: from cycle 1/4 where the session's beat is 13 (phase 1) to 1/2 (phase
        // 2): one beat, 0.5 s.
        let cps = f.cps_between(quarter, 60_000, Rational::new(1, 2)).unwrap();
        assert!((cps - 0.5).abs() < 1e-9, "{cps}");
        // Late by a tenth of a beat: the step is shortened by it.
        let cps = f
            .cps_between(quarter, 60_000 + 2_400, Rational::new(1, 2))
            .unwrap();
        assert!((cps - 0.25 / 0.45).abs() < 1e-9, "{cps}");
    }
}
