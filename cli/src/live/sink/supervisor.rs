//! Watches the audio device while it plays. When it goes away (cpal says it is not
//! available, or its callbacks stop: a JACK server that quits, a USB interface unplugged)
//! the feed goes to the null clock, so the clock and the recording go on, and the device
//! (or, without `--device`, whatever is the default now) is opened again every second until
//! it plays at the program's sample rate.

use super::device::{self, Opened, Request};
use super::feed::{NULL_CLOCK, Shared};
use std::sync::atomic::Ordering;
use std::sync::{Arc, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How often the device is looked at.
const TICK: Duration = Duration::from_millis(10);
/// How often a device that is gone is tried again.
const RETRY: Duration = Duration::from_secs(1);
/// A stream just opened has this long to make its first callback.
const FIRST_CALLBACK: Duration = Duration::from_secs(2);
/// A device that has played and then makes no callback for this long (or for four of its
/// callbacks' worth of time, if that is longer) is gone.
const SILENT: Duration = Duration::from_millis(500);

/// Why a device that was playing is taken as gone, if it is.
fn gone(
    now: Instant,
    opened: Instant,
    last_callback: Option<Instant>,
    callback: Duration,
    said_gone: bool,
) -> Option<String> {
    if said_gone {
        return Some("the device says it is not available".into());
    }
    match last_callback {
        None if now - opened > FIRST_CALLBACK => Some(format!(
            "no callback in the {:.1} s since it was opened",
            (now - opened).as_secs_f64()
        )),
        Some(last) if now - last > SILENT.max(callback * 4) => Some(format!(
            "no callback for {:.0} ms",
            (now - last).as_secs_f64() * 1e3
        )),
        _ => None,
    }
}

/// A device stream on a thread of its own, which opens it, keeps it (a cpal stream stays
/// on the thread that made it) and closes it when released. A driver that went away can
/// hang the closing (cpal joins its callback thread, which may be stuck in the driver):
/// then only that thread waits, not the watching or the reconnecting.
struct StreamThread {
    release: mpsc::Sender<()>,
    thread: JoinHandle<()>,
    name: String,
}

/// How long a device has to open and start before the attempt counts as failed.
const START: Duration = Duration::from_secs(5);

impl StreamThread {
    /// Opens (with `open`) and starts a stream that plays `shared` when the feed is handed
    /// to `id`; returns once it plays, or with the reason it does not.
    fn start(
        open: impl FnOnce() -> Result<Opened, String> + Send + 'static,
        shared: Arc<Shared>,
        id: u32,
    ) -> Result<StreamThread, String> {
        let (started, result) = mpsc::sync_channel(1);
        let (release, released) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name(format!("phonon-device-{id}"))
            .spawn(move || {
                let stream = open().and_then(|o| Ok((device::play(&o, &shared, id)?, o.name)));
                match stream {
                    Ok((stream, name)) => {
                        // Nobody waits any more (the attempt took too long): closed at once.
                        if started.send(Ok(name)).is_ok() {
                            let _ = released.recv();
                        }
                        drop(stream);
                    }
                    Err(e) => {
                        let _ = started.send(Err(e));
                    }
                }
            })
            .map_err(|e| e.to_string())?;
        match result.recv_timeout(START) {
            Ok(Ok(name)) => Ok(StreamThread {
                release,
                thread,
                name,
            }),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(format!(
                "the device did not start within {} s",
                START.as_secs()
            )),
        }
    }

    /// Closes the stream, waiting up to `wait` for it to close.
    fn close(self, wait: Duration) {
        let _ = self.release.send(());
        super::join_within(self.thread, wait);
    }
}

/// Plays `first` and watches it on a thread of its own until `shared.stop`. Returns once
/// it plays, or with the reason it does not.
pub fn start(
    first: Opened,
    request: Request,
    rate: u32,
    shared: Arc<Shared>,
    say: Box<dyn Fn(String) + Send>,
) -> Result<JoinHandle<()>, String> {
    let id = NULL_CLOCK + 1;
    let stream = StreamThread::start(move || Ok(first), shared.clone(), id)?;
    let watch = Watch {
        request,
        rate,
        shared,
        say,
        id,
    };
    std::thread::Builder::new()
        .name("phonon-device".into())
        .spawn(move || watch.run(stream))
        .map_err(|e| e.to_string())
}

struct Watch {
    request: Request,
    rate: u32,
    shared: Arc<Shared>,
    say: Box<dyn Fn(String) + Send>,
    /// The number of the stream that plays now, or of the last one.
    id: u32,
}

impl Watch {
    fn run(mut self, stream: StreamThread) {
        let mut playing = Some((stream, Instant::now()));
        let stats = self.shared.stats.clone();
        // Frames played when last looked at, and when that count last moved.
        let mut played = stats.played.load(Ordering::Relaxed);
        let mut last_callback: Option<Instant> = None;
        let mut lost_at = Instant::now();
        let mut next_try = Instant::now();
        let mut last_error = String::new();
        while !self.shared.stop.load(Ordering::Relaxed) {
            std::thread::sleep(TICK);
            let now = Instant::now();
            if let Some((stream, opened)) = &playing {
                let p = stats.played.load(Ordering::Relaxed);
                if p != played {
                    (played, last_callback) = (p, Some(now));
                }
                let frames = stats.callback_frames.load(Ordering::Relaxed);
                let callback = Duration::from_secs_f64(frames as f64 / self.rate as f64);
                let said = self.shared.gone.load(Ordering::Acquire) == self.id;
                if let Some(why) = gone(now, *opened, last_callback, callback, said) {
                    // The clock goes on from the device's last callback.
                    self.shared
                        .hand_to_null_clock(last_callback.unwrap_or(*opened));
                    stats.device_lost.store(true, Ordering::Relaxed);
                    stats.device_losses.fetch_add(1, Ordering::Relaxed);
                    (self.say)(format!(
                        "audio device `{}` lost at {:.1} s ({why}): playing on a null clock, the recording goes on; trying to open it again every second",
                        stream.name,
                        played as f64 / self.rate as f64
                    ));
                    if let Some((stream, _)) = playing.take() {
                        stream.close(Duration::ZERO);
                    }
                    (lost_at, next_try) = (now, now + RETRY);
                    last_error.clear();
                }
            } else if now >= next_try {
                match self.reopen() {
                    Ok(stream) => {
                        (self.say)(format!(
                            "audio device `{}` back after {:.1} s: playing on it again",
                            stream.name,
                            (now - lost_at).as_secs_f64()
                        ));
                        stats.device_lost.store(false, Ordering::Relaxed);
                        played = stats.played.load(Ordering::Relaxed);
                        last_callback = None;
                        playing = Some((stream, Instant::now()));
                    }
                    // Said once for each new reason, not every second.
                    Err(e) if e != last_error => {
                        // The first line: the hint under it is for starting, not this.
                        let why = e.lines().next().unwrap_or_default();
                        (self.say)(format!("audio device not back yet: {why}"));
                        last_error = e;
                    }
                    Err(_) => {}
                }
                next_try = Instant::now() + RETRY;
            }
        }
        if let Some((stream, _)) = playing {
            stream.close(Duration::from_secs(1));
        }
    }

    /// Opens the device again at the program's rate and hands it the feed.
    fn reopen(&mut self) -> Result<StreamThread, String> {
        let (request, rate) = (self.request.clone(), self.rate);
        // A new number: a callback of an earlier stream still alive never plays again.
        self.id += 1;
        let stream = StreamThread::start(
            move || device::open(&request, Some(rate)),
            self.shared.clone(),
            self.id,
        )?;
        self.shared.hand_to(self.id);
        Ok(stream)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_is_gone_when_it_says_so_or_stops_calling_back() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let cb = ms(5);
        // Playing: the last callback was recent.
        assert_eq!(gone(t0 + ms(1000), t0, Some(t0 + ms(990)), cb, false), None);
        // It says it is gone.
        assert!(gone(t0 + ms(1000), t0, Some(t0 + ms(990)), cb, true).is_some());
        // Silent for longer than half a second.
        let why = gone(t0 + ms(1600), t0, Some(t0 + ms(1000)), cb, false).unwrap();
        assert_eq!(why, "no callback for 600 ms");
        // A device with long callbacks gets four of them.
        assert_eq!(
            gone(t0 + ms(1600), t0, Some(t0 + ms(1000)), ms(200), false),
            None
        );
        // A stream just opened gets two seconds for its first callback.
        assert_eq!(gone(t0 + ms(1900), t0, None, cb, false), None);
        assert!(gone(t0 + ms(2100), t0, None, cb, false).is_some());
    }
}
