//! When a rendered frame sounds: frame 0 when the sink played it, later frames after it at
//! the sample rate, delayed by the silence late blocks inserted before them (the sink plays
//! silence for a block that was not ready, and every later frame comes that much later),
//! and moved to where an audio device plays it ([`super::device_clock`]).
//! What `--osc-out` stamps its bundles with and `--midi-out` sends its messages at.

use super::Stats;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

pub(super) struct Timing {
    /// When the sink played frame 0, on the monotonic clock and on the wall clock.
    pub(super) origin: Instant,
    pub(super) origin_wall: SystemTime,
    pub(super) sample_rate: u32,
    /// Added to every time: how long after its frame plays a message is due.
    pub(super) latency: f64,
    pub(super) stats: Arc<Stats>,
}

impl Timing {
    /// Seconds from frame 0's playing to `frame`'s, plus the latency.
    fn after(&self, frame: i64) -> Duration {
        let seconds = self.stats.seconds_of(frame, self.sample_rate) + self.latency;
        Duration::from_secs_f64(seconds.max(0.0))
    }

    pub(super) fn instant(&self, frame: i64) -> Instant {
        self.origin + self.after(frame)
    }

    pub(super) fn wall(&self, frame: i64) -> SystemTime {
        self.origin_wall + self.after(frame)
    }
}
