//! The only code that runs in the audio callback: [`Feed`] copies rendered frames out of the
//! ring buffer, counts late blocks, and hands what it played to the monitor's ring. It lives
//! in a [`Shared`] that says who drives it: the device's stream, the null clock, or nobody
//! while the two hand over (a device went away, or came back).

use super::super::Stats;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, TryLockError};
use std::time::{Duration, Instant};

/// The largest callback the render thread keeps frames ready for; a device that asks for
/// more at once is always short (each such callback counts as an xrun).
pub const MAX_CALLBACK_FRAMES: usize = 16_384;

/// The most interleaved channels a rendered frame has (as many as a device is opened with).
pub const MAX_WIDTH: usize = 64;

/// Nobody plays the feed (a handover is under way).
pub const NOBODY: u32 = 0;
/// The null clock plays the feed. Device streams are numbered from 2, one number per
/// stream opened, so a stream that outlives its turn never plays again.
pub const NULL_CLOCK: u32 = 1;

/// The audio callback's side of the two rings: rendered frames in, played frames out.
pub struct Feed {
    rendered: rtrb::Consumer<f32>,
    /// Everything the sink is given, for the monitor thread (the recording, swap reports).
    played: rtrb::Producer<f32>,
    stats: Arc<Stats>,
    /// Set by the first callback that found all its frames ready: before it, the render
    /// thread is still starting, a short callback gets silence and is not an xrun.
    started: bool,
    /// Callbacks seen (the first fills a device's whole buffer at once, so it does not set
    /// the size the render thread plans for).
    callbacks: u64,
    /// Interleaved channels of a rendered frame: 2, or two per stem when split.
    width: usize,
    /// Where a device plays its frames (fitted from its callbacks' playback times).
    fit: crate::live::device_clock::Fit,
}

impl Feed {
    /// `width`: interleaved channels of a rendered frame (2 to [`MAX_WIDTH`]).
    pub fn new(
        rendered: rtrb::Consumer<f32>,
        played: rtrb::Producer<f32>,
        stats: Arc<Stats>,
        width: usize,
        fit: crate::live::device_clock::Fit,
    ) -> Feed {
        Feed {
            rendered,
            played,
            stats,
            started: false,
            callbacks: 0,
            width: width.clamp(2, MAX_WIDTH),
            fit,
        }
    }

    /// Interleaved channels of a rendered frame.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Fills `data`, `channels` interleaved, with the next frames: the rendered channels on
    /// the first ones (the program's stereo, or its stems pair by pair) and silence on the
    /// rest, or on a mono device the first pair mixed.
    /// Runs in the audio callback: it must not allocate, lock, block or do I/O (checked by
    /// `assert_no_alloc` in debug builds). `plays_at`: when a device will play the first
    /// frame (`None` on the null clock, which is the system clock).
    pub fn fill<T: Copy>(
        &mut self,
        data: &mut [T],
        channels: usize,
        convert: fn(f32) -> T,
        plays_at: Option<Instant>,
    ) {
        assert_no_alloc::assert_no_alloc(|| {
            let frames = data.len() / channels;
            if let Some(at) = plays_at {
                let frame = self.stats.played.load(Ordering::Relaxed);
                self.fit.note(frame, at, &self.stats.device_clock);
            }
            if self.callbacks > 0 {
                self.stats
                    .callback_frames
                    .fetch_max(frames.min(MAX_CALLBACK_FRAMES) as u64, Ordering::Relaxed);
            }
            self.callbacks += 1;
            let width = self.width;
            let mut ready = (self.rendered.slots() / width).min(frames);
            if ready == frames {
                self.started = true;
            } else if self.started {
                if self.stats.xruns.fetch_add(1, Ordering::Relaxed) == 0 {
                    let at = self.stats.played.load(Ordering::Relaxed);
                    self.stats.first_xrun.store(at, Ordering::Relaxed);
                }
            } else {
                // Still starting: silence, and the program starts whole at a later callback
                // rather than in pieces.
                ready = 0;
            }
            let zero = convert(0.0);
            let mut frame_in = [0.0f32; MAX_WIDTH];
            for (i, frame) in data.chunks_mut(channels).enumerate() {
                let x = &mut frame_in[..width];
                if i < ready {
                    for v in x.iter_mut() {
                        *v = self.rendered.pop().unwrap_or(0.0);
                    }
                } else {
                    x.fill(0.0);
                }
                if channels == 1 {
                    frame[0] = convert(0.5 * (x[0] + x[1]));
                } else {
                    for (c, out) in frame.iter_mut().enumerate() {
                        *out = x.get(c).map_or(zero, |v| convert(*v));
                    }
                }
                // A full ring means the monitor thread stalled (a slow disk): the frames
                // are lost to the recording, and counted.
                let mut lost = false;
                for v in x.iter() {
                    lost |= self.played.push(*v).is_err();
                }
                if lost {
                    self.stats.unrecorded.fetch_add(1, Ordering::Relaxed);
                }
            }
            self.stats
                .played
                .fetch_add(frames as i64, Ordering::Relaxed);
            self.stats
                .consumed
                .fetch_add(ready as i64, Ordering::Relaxed);
        })
    }
}

impl Feed {
    /// Starts over on a new device: silence until the first callback it can fill whole
    /// (a device's first callback asks for its whole buffer at once), as at the start.
    pub fn restart(&mut self) {
        self.started = false;
        self.callbacks = 0;
        self.fit.restart();
    }

    /// Whole frames rendered and not yet played.
    fn ready(&self) -> usize {
        self.rendered.slots() / self.width
    }
}

/// What came of asking to fill a buffer.
#[derive(Debug, PartialEq, Eq)]
pub enum Filled {
    /// Frames were played (or, while starting or late, silence counted as played).
    Played,
    /// Someone else drives the feed now, or is in it this instant: the buffer is silence
    /// and nothing was counted.
    NotMine,
    /// `whole` was asked and fewer frames than the buffer holds were ready: nothing done.
    NotReady,
}

/// The feed and who may play it now.
pub struct Shared {
    feed: Mutex<Feed>,
    driver: AtomicU32,
    /// Set when the sink stops: the null clock's thread ends.
    pub stop: AtomicBool,
    /// Where the null clock's schedule begins when it takes over (nanoseconds after
    /// `epoch`): when the device last played, so the clock loses no time to the device's
    /// silence before it was found gone.
    null_from: AtomicU64,
    epoch: Instant,
    /// The device stream that reported itself gone (`DeviceNotAvailable`), by number.
    #[cfg(feature = "device")]
    pub gone: AtomicU32,
    /// The sink is a device, for which the null clock only stands in while it is gone (its
    /// frames are counted apart).
    pub stands_in: bool,
    pub stats: Arc<Stats>,
    width: usize,
}

impl Shared {
    pub fn new(feed: Feed, driver: u32, stands_in: bool) -> Arc<Shared> {
        let stats = feed.stats.clone();
        let width = feed.width();
        Arc::new(Shared {
            width,
            feed: Mutex::new(feed),
            driver: AtomicU32::new(driver),
            stop: AtomicBool::new(false),
            null_from: AtomicU64::new(0),
            epoch: Instant::now(),
            #[cfg(feature = "device")]
            gone: AtomicU32::new(NOBODY),
            stands_in,
            stats,
        })
    }

    pub fn driver(&self) -> u32 {
        self.driver.load(Ordering::Acquire)
    }

    /// Interleaved channels of a rendered frame (fixed for the feed's life).
    pub fn width(&self) -> usize {
        self.width
    }

    /// Fills `data` as [`Feed::fill`] does if `driver` drives the feed now; silence
    /// otherwise. Runs in the audio callback, so it never waits: the feed is only ever
    /// try-locked, and the lock is contended only for the instant of a handover, when the
    /// side that loses plays silence. With `whole`, fills only if the whole buffer is ready.
    /// `plays_at`: as for [`Feed::fill`].
    pub fn fill_as<T: Copy>(
        &self,
        driver: u32,
        data: &mut [T],
        channels: usize,
        convert: fn(f32) -> T,
        whole: bool,
        plays_at: Option<Instant>,
    ) -> Filled {
        if self.driver() == driver {
            let feed = match self.feed.try_lock() {
                Ok(f) => Some(f),
                Err(TryLockError::Poisoned(p)) => Some(p.into_inner()),
                Err(TryLockError::WouldBlock) => None,
            };
            if let Some(mut feed) = feed {
                if whole && feed.ready() < data.len() / channels {
                    return Filled::NotReady;
                }
                feed.fill(data, channels, convert, plays_at);
                return Filled::Played;
            }
        }
        data.fill(convert(0.0));
        Filled::NotMine
    }

    /// Hands the feed to `driver`. Whoever drove it before plays silence from now on; a
    /// fill of theirs under way finishes first. A new device's stream starts over as at the
    /// start (see [`Feed::restart`]).
    pub fn hand_to(&self, driver: u32) {
        self.driver.store(NOBODY, Ordering::Release);
        let mut feed = loop {
            match self.feed.try_lock() {
                Ok(f) => break f,
                Err(TryLockError::Poisoned(p)) => break p.into_inner(),
                // Never a blocking lock: its waiter would make the callback's unlock a
                // system call.
                Err(TryLockError::WouldBlock) => std::thread::sleep(Duration::from_micros(100)),
            }
        };
        if driver > NULL_CLOCK {
            feed.restart();
        }
        drop(feed);
        self.driver.store(driver, Ordering::Release);
    }

    /// Hands the feed to the null clock, whose schedule begins at `from`.
    pub fn hand_to_null_clock(&self, from: Instant) {
        // The null clock is the system clock: no device's timing to correct for.
        self.stats.device_clock.clear();
        let nanos = from.saturating_duration_since(self.epoch).as_nanos() as u64;
        self.null_from.store(nanos, Ordering::Release);
        self.hand_to(NULL_CLOCK);
    }

    /// Where the null clock's schedule begins.
    pub fn null_from(&self) -> Instant {
        self.epoch + Duration::from_nanos(self.null_from.load(Ordering::Acquire))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A feed whose ring holds `frames` rendered stereo frames: left k, right -k/2.
    fn feed(frames: usize) -> (Feed, rtrb::Consumer<f32>) {
        let (mut tx, rx) = rtrb::RingBuffer::new(4096);
        for k in 0..frames {
            tx.push(k as f32).unwrap();
            tx.push(-(k as f32) / 2.0).unwrap();
        }
        let (played, monitor) = rtrb::RingBuffer::new(4096);
        let fit = crate::live::device_clock::Fit::new(Instant::now(), 48_000);
        let feed = Feed::new(rx, played, Arc::new(Stats::default()), 2, fit);
        // The producer is dropped: what is in the ring stays readable.
        drop(tx);
        (feed, monitor)
    }

    #[test]
    fn frames_go_to_the_first_two_channels_and_the_rest_are_silent() {
        let (mut f, mut monitor) = feed(8);
        let mut data = [9.0f32; 4 * 3];
        f.fill(&mut data, 4, |x| x, None);
        assert_eq!(
            data,
            [0.0, 0.0, 0.0, 0.0, 1.0, -0.5, 0.0, 0.0, 2.0, -1.0, 0.0, 0.0]
        );
        // The monitor gets the stereo frames played.
        let got: Vec<f32> = std::iter::from_fn(|| monitor.pop().ok()).collect();
        assert_eq!(got, [0.0, 0.0, 1.0, -0.5, 2.0, -1.0]);
    }

    #[test]
    fn a_mono_device_gets_both_channels_mixed_and_other_formats_are_converted() {
        let (mut f, _m) = feed(4);
        let mut mono = [1.0f32; 2];
        f.fill(&mut mono, 1, |x| x, None);
        assert_eq!(mono, [0.0, 0.25]);
        let (mut f, _m) = feed(4);
        let mut ints = [0i16; 4];
        f.fill(&mut ints, 2, |x| (x * 1000.0) as i16, None);
        assert_eq!(ints, [0, 0, 1000, -500]);
    }

    #[test]
    fn short_callbacks_are_silent_while_starting_and_xruns_after() {
        let (mut f, _m) = feed(3);
        let mut data = [5.0f32; 2 * 4];
        // Four frames wanted, three ready: still starting, so silence, nothing taken.
        f.fill(&mut data, 2, |x| x, None);
        assert!(data.iter().all(|&x| x == 0.0));
        assert_eq!(f.stats.xruns.load(Ordering::Relaxed), 0);
        assert_eq!(f.stats.consumed.load(Ordering::Relaxed), 0);
        // Two wanted, three ready: the program starts from its first frame.
        let mut two = [5.0f32; 4];
        f.fill(&mut two, 2, |x| x, None);
        assert_eq!(two, [0.0, 0.0, 1.0, -0.5]);
        // Two wanted, one left: played as far as it goes, and counted as late.
        f.fill(&mut two, 2, |x| x, None);
        assert_eq!(two, [2.0, -1.0, 0.0, 0.0]);
        assert_eq!(f.stats.xruns.load(Ordering::Relaxed), 1);
        assert_eq!(f.stats.consumed.load(Ordering::Relaxed), 3);
        assert_eq!(f.stats.played.load(Ordering::Relaxed), 8);
        // The first callback does not set the size the render thread plans for; later ones do.
        assert_eq!(f.stats.callback_frames.load(Ordering::Relaxed), 2);
    }

    #[test]
    fn only_the_driver_plays_and_a_new_device_starts_whole() {
        let (f, mut monitor) = feed(8);
        let shared = Shared::new(f, NULL_CLOCK, true);
        let mut data = [7.0f32; 4];
        // The null clock drives: a device stream's callback gets silence, takes nothing.
        assert_eq!(
            shared.fill_as(2, &mut data, 2, |x| x, false, None),
            Filled::NotMine
        );
        assert_eq!(data, [0.0; 4]);
        assert!(monitor.pop().is_err());
        assert_eq!(
            shared.fill_as(NULL_CLOCK, &mut data, 2, |x| x, false, None),
            Filled::Played
        );
        assert_eq!(data, [0.0, 0.0, 1.0, -0.5]);
        // Asked for whole buffers only, and fewer frames ready: nothing happens.
        let mut big = [7.0f32; 2 * 7];
        assert_eq!(
            shared.fill_as(NULL_CLOCK, &mut big, 2, |x| x, true, None),
            Filled::NotReady
        );
        assert_eq!(big, [7.0; 14]);
        // Handed to device stream 3: the null clock is silenced, and the device starts
        // over (silence until it can be filled whole; 6 frames are left, it asks for 7).
        shared.hand_to(3);
        assert_eq!(
            shared.fill_as(NULL_CLOCK, &mut data, 2, |x| x, false, None),
            Filled::NotMine
        );
        assert_eq!(
            shared.fill_as(3, &mut big, 2, |x| x, false, None),
            Filled::Played
        );
        assert_eq!(big, [0.0; 14]);
        assert_eq!(shared.stats.xruns.load(Ordering::Relaxed), 0);
        assert_eq!(
            shared.fill_as(3, &mut data, 2, |x| x, false, None),
            Filled::Played
        );
        assert_eq!(data, [2.0, -1.0, 3.0, -1.5]);
        // The null clock's schedule starts where it is told (a moment in the past).
        let from = Instant::now();
        std::thread::sleep(Duration::from_millis(3));
        shared.hand_to_null_clock(from);
        assert_eq!(shared.driver(), NULL_CLOCK);
        assert!(shared.null_from().duration_since(from) < Duration::from_micros(1));
    }
}
