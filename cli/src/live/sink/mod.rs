//! Where `phonon live` sends its sound: the null sink (a clock that takes a block per block
//! period, like a sound card nobody hears) or a cpal output device, watched, with the null
//! clock standing in while it is gone. Both play the same [`Feed`], the only code that runs
//! in the audio callback.

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

#[cfg(feature = "device")]
mod device;
mod feed;
mod null_clock;
#[cfg(feature = "device")]
mod supervisor;

pub use feed::{Feed, MAX_CALLBACK_FRAMES};
use feed::{NOBODY, Shared};

/// Printed under an error opening or starting a device.
pub const DEVICE_HINT: &str = "hint: `phonon live --list-devices` lists the output devices; `--device NAME` picks one, `--sink null` plays without one";

/// Where the sound goes.
pub enum SinkChoice {
    /// Consumed at real-time pace, nowhere to hear it (tests, CI, benchmarks).
    Null,
    /// A cpal output device, found and with its configuration, and how to find it again.
    #[cfg(feature = "device")]
    Device(device::Opened, device::Request),
}

/// A sink that is playing; dropping it stops it.
pub struct Running {
    shared: Arc<Shared>,
    null_clock: Option<JoinHandle<()>>,
    /// The thread that holds the device's stream and watches it.
    device: Option<JoinHandle<()>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        // Nothing is played (or recorded) from here on, however long the device takes to
        // close.
        self.shared.hand_to(NOBODY);
        self.shared
            .stop
            .store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(device) = self.device.take() {
            // Closing a stream normally takes a moment; one stuck in a driver that went
            // away is left behind rather than holding up the stop (and the recording).
            join_within(device, Duration::from_secs(2));
        }
        if let Some(clock) = self.null_clock.take() {
            let _ = clock.join();
        }
    }
}

/// Joins `thread` if it ends within `wait`; otherwise leaves it running (a driver that went
/// away can hang a thread that closes its stream).
fn join_within(thread: JoinHandle<()>, wait: Duration) {
    let asked = Instant::now();
    while !thread.is_finished() && asked.elapsed() < wait {
        std::thread::sleep(Duration::from_millis(5));
    }
    if thread.is_finished() {
        let _ = thread.join();
    }
}

/// Starts the sink playing `feed`. `say` prints a line (a device lost, or back).
pub fn start(
    sink: SinkChoice,
    feed: Feed,
    block: usize,
    sample_rate: u32,
    say: Box<dyn Fn(String) + Send>,
) -> Result<Running, String> {
    let stands_in = !matches!(sink, SinkChoice::Null);
    let shared = Shared::new(feed, NOBODY, stands_in);
    if !stands_in {
        shared.hand_to_null_clock(Instant::now());
    }
    let null_clock = {
        let shared = shared.clone();
        std::thread::Builder::new()
            .name("phonon-null-clock".into())
            .spawn(move || null_clock::run(shared, block, sample_rate))
            .map_err(|e| e.to_string())?
    };
    // Stopped by dropping it, also if the device fails to start below.
    #[allow(unused_mut)] // set only with the `device` feature
    let mut running = Running {
        shared: shared.clone(),
        null_clock: Some(null_clock),
        device: None,
    };
    match sink {
        SinkChoice::Null => {
            let _ = say;
            Ok(running)
        }
        #[cfg(feature = "device")]
        SinkChoice::Device(opened, request) => {
            // The first stream is number 2 (see `feed::NULL_CLOCK`).
            shared.hand_to(feed::NULL_CLOCK + 1);
            running.device = Some(supervisor::start(
                opened,
                request,
                sample_rate,
                shared,
                say,
            )?);
            Ok(running)
        }
    }
}

/// The names of the output devices.
pub fn device_names() -> Result<Vec<String>, String> {
    #[cfg(feature = "device")]
    return device::names();
    #[cfg(not(feature = "device"))]
    Err(NO_DEVICE.into())
}

/// Opens the sink: `null`, or a cpal device (the default one, or the first whose name
/// contains `device`) at its own sample rate, which the program is then compiled for.
pub fn open_sink(
    kind: &str,
    device: Option<&str>,
    channels: Option<u16>,
    block: usize,
    sample_rate: u32,
) -> Result<(SinkChoice, u32), String> {
    if kind == "null" {
        return Ok((SinkChoice::Null, sample_rate));
    }
    #[cfg(feature = "device")]
    {
        let request = device::Request {
            name: device.map(str::to_string),
            channels,
            block,
        };
        let opened = device::open(&request, None)?;
        let rate = opened.config.sample_rate.0;
        Ok((SinkChoice::Device(opened, request), rate))
    }
    #[cfg(not(feature = "device"))]
    {
        let _ = (device, channels, block);
        Err(NO_DEVICE.into())
    }
}

#[cfg(not(feature = "device"))]
const NO_DEVICE: &str = "this phonon was built without audio devices (`--no-default-features`): build it with the `device` feature (needs libasound2-dev on Linux), or play with `--sink null`";
