//! Where `phonon live` sends its sound: the null sink (a thread that takes a block per block
//! period, like a sound card nobody hears) or a cpal output device. Both call the same
//! [`Feed`], the only code that runs in the audio callback: it copies rendered frames out of
//! the ring buffer, counts late blocks, and hands what it played to the monitor's ring.

use super::Stats;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The largest callback the render thread keeps frames ready for; a device that asks for
/// more at once is always short (each such callback counts as an xrun).
pub const MAX_CALLBACK_FRAMES: usize = 16_384;

/// Printed under an error opening or starting a device.
pub const DEVICE_HINT: &str = "hint: `phonon live --list-devices` lists the output devices; `--device NAME` picks one, `--sink null` plays without one";

/// Where the sound goes.
pub enum SinkChoice {
    /// Consumed at real-time pace, nowhere to hear it (tests, CI, benchmarks).
    Null,
    /// A cpal output device, with the stream configuration and sample format to open it with.
    #[cfg(feature = "device")]
    Device(cpal::Device, cpal::StreamConfig, cpal::SampleFormat),
}

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
}

impl Feed {
    pub fn new(
        rendered: rtrb::Consumer<f32>,
        played: rtrb::Producer<f32>,
        stats: Arc<Stats>,
    ) -> Feed {
        Feed {
            rendered,
            played,
            stats,
            started: false,
            callbacks: 0,
        }
    }

    /// Fills `data`, `channels` interleaved, with the next frames: the program's stereo on
    /// the first two channels and silence on the rest, or on a mono device the two mixed.
    /// Runs in the audio callback: it must not allocate, lock, block or do I/O (checked by
    /// `assert_no_alloc` in debug builds).
    pub fn fill<T: Copy>(&mut self, data: &mut [T], channels: usize, convert: fn(f32) -> T) {
        assert_no_alloc::assert_no_alloc(|| {
            let frames = data.len() / channels;
            if self.callbacks > 0 {
                self.stats
                    .callback_frames
                    .fetch_max(frames.min(MAX_CALLBACK_FRAMES) as u64, Ordering::Relaxed);
            }
            self.callbacks += 1;
            let mut ready = (self.rendered.slots() / 2).min(frames);
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
            for (i, frame) in data.chunks_mut(channels).enumerate() {
                let (l, r) = if i < ready {
                    let l = self.rendered.pop().unwrap_or(0.0);
                    (l, self.rendered.pop().unwrap_or(0.0))
                } else {
                    (0.0, 0.0)
                };
                if channels == 1 {
                    frame[0] = convert(0.5 * (l + r));
                } else {
                    for (c, x) in frame.iter_mut().enumerate() {
                        *x = match c {
                            0 => convert(l),
                            1 => convert(r),
                            _ => zero,
                        };
                    }
                }
                // A full ring means the monitor thread stalled (a slow disk): the frames
                // are lost to the recording, and counted.
                if self.played.push(l).is_err() | self.played.push(r).is_err() {
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

/// A sink that is playing; dropping it stops it.
pub struct Running {
    /// The null sink's thread, and the flag that stops it.
    thread: Option<(Arc<AtomicBool>, std::thread::JoinHandle<()>)>,
    /// Held only to keep the device playing: dropping it closes the stream.
    #[cfg(feature = "device")]
    _stream: Option<cpal::Stream>,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some((stop, thread)) = self.thread.take() {
            stop.store(true, Ordering::Relaxed);
            let _ = thread.join();
        }
    }
}

/// Starts the sink pulling from `feed`.
pub fn start(
    sink: &SinkChoice,
    mut feed: Feed,
    block: usize,
    sample_rate: u32,
) -> Result<Running, String> {
    match sink {
        SinkChoice::Null => {
            let stop = Arc::new(AtomicBool::new(false));
            let thread = {
                let stop = stop.clone();
                std::thread::spawn(move || {
                    // Paced by the clock, one block per block period, like a sound card.
                    let period = Duration::from_secs_f64(block as f64 / sample_rate as f64);
                    let start = Instant::now();
                    let mut out = vec![0.0f32; 2 * block];
                    let mut k: u32 = 0;
                    while !stop.load(Ordering::Relaxed) {
                        if let Some(wait) =
                            (start + period * k).checked_duration_since(Instant::now())
                        {
                            std::thread::sleep(wait);
                        }
                        k += 1;
                        feed.fill(&mut out, 2, |x| x);
                    }
                })
            };
            Ok(Running {
                thread: Some((stop, thread)),
                #[cfg(feature = "device")]
                _stream: None,
            })
        }
        #[cfg(feature = "device")]
        SinkChoice::Device(device, config, format) => device::start(device, config, *format, feed),
    }
}

#[cfg(feature = "device")]
mod device {
    use super::{DEVICE_HINT, Feed, Running, SinkChoice};
    use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
    use cpal::{FromSample, SampleFormat, SizedSample};

    /// The sample rate a device is opened at when it offers it.
    const PREFERRED_RATE: u32 = 48_000;

    pub fn start(
        device: &cpal::Device,
        config: &cpal::StreamConfig,
        format: SampleFormat,
        feed: Feed,
    ) -> Result<Running, String> {
        let stream = match format {
            SampleFormat::F32 => build::<f32>(device, config, feed),
            SampleFormat::F64 => build::<f64>(device, config, feed),
            SampleFormat::I16 => build::<i16>(device, config, feed),
            SampleFormat::I32 => build::<i32>(device, config, feed),
            SampleFormat::U16 => build::<u16>(device, config, feed),
            other => {
                return Err(format!(
                    "the device wants {other} samples, which phonon does not write"
                ));
            }
        }
        .map_err(|e| e.to_string())?;
        stream.play().map_err(|e| e.to_string())?;
        Ok(Running {
            thread: None,
            _stream: Some(stream),
        })
    }

    fn build<T: SizedSample + FromSample<f32>>(
        device: &cpal::Device,
        config: &cpal::StreamConfig,
        mut feed: Feed,
    ) -> Result<cpal::Stream, cpal::BuildStreamError> {
        // A device may refuse a buffer size its own range allows (ALSA plugins constrain it
        // further). A failed build would take the feed with it, so the size is tried first
        // on a stream that never plays; if it is refused, the device chooses.
        let mut config = config.clone();
        if config.buffer_size != cpal::BufferSize::Default
            && device
                .build_output_stream(&config, |_: &mut [T], _: &_| {}, |_| {}, None)
                .is_err()
        {
            config.buffer_size = cpal::BufferSize::Default;
        }
        let channels = config.channels as usize;
        let errors = feed.stats.clone();
        device.build_output_stream(
            &config,
            move |data: &mut [T], _: &cpal::OutputCallbackInfo| {
                feed.fill(data, channels, T::from_sample)
            },
            // cpal's own thread, not the callback; counted, and shown in the summary.
            move |_| {
                errors
                    .device_errors
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            },
            None,
        )
    }

    /// The names of the output devices cpal's default host offers.
    pub fn names() -> Result<Vec<String>, String> {
        let host = cpal::default_host();
        let devices = host.output_devices().map_err(|e| e.to_string())?;
        Ok(devices.filter_map(|d| d.name().ok()).collect())
    }

    /// The default device, or the first whose name contains `name`, opened at its own
    /// sample rate and format with callbacks of about `block` frames where it allows.
    pub fn open(
        name: Option<&str>,
        channels: Option<u16>,
        block: usize,
    ) -> Result<(SinkChoice, u32), String> {
        let host = cpal::default_host();
        let dev = match name {
            None => host
                .default_output_device()
                .ok_or_else(|| format!("there is no default audio output device\n{DEVICE_HINT}"))?,
            Some(name) => host
                .output_devices()
                .map_err(|e| e.to_string())?
                .find(|d| d.name().is_ok_and(|n| n.contains(name)))
                .ok_or_else(|| {
                    format!("no output device is called `{name}` (see `--list-devices`)")
                })?,
        };
        let mut default = dev.default_output_config().map_err(|e| {
            let name = dev.name().unwrap_or_else(|_| "default".into());
            format!("cannot open the audio device `{name}`: {e}\n{DEVICE_HINT}")
        })?;
        // cpal prefers 44.1 kHz wherever a device accepts it, but most devices and sound
        // servers run at 48 kHz and would resample everything (and then refuse a fixed
        // buffer size, whose frame counts no longer divide evenly): 48 kHz where offered.
        if default.sample_rate().0 != PREFERRED_RATE
            && let Some(native) = dev.supported_output_configs().ok().and_then(|mut all| {
                all.find(|c| {
                    c.channels() == default.channels()
                        && c.sample_format() == default.sample_format()
                        && (c.min_sample_rate().0..=c.max_sample_rate().0).contains(&PREFERRED_RATE)
                })
            })
        {
            default = native.with_sample_rate(cpal::SampleRate(PREFERRED_RATE));
        }
        // ALSA's fixed size is the whole device buffer, cut in four periods (one callback
        // each); elsewhere it is the callback's size.
        let wanted = if host.id() == cpal::HostId::Alsa {
            4 * block
        } else {
            block
        } as u32;
        let buffer_size = match default.buffer_size() {
            cpal::SupportedBufferSize::Range { min, max } if (*min..=*max).contains(&wanted) => {
                cpal::BufferSize::Fixed(wanted)
            }
            _ => cpal::BufferSize::Default,
        };
        let config = cpal::StreamConfig {
            channels: channels.unwrap_or(default.channels()).max(1),
            sample_rate: default.sample_rate(),
            buffer_size,
        };
        let rate = config.sample_rate.0;
        Ok((
            SinkChoice::Device(dev, config, default.sample_format()),
            rate,
        ))
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
    return device::open(device, channels, block);
    #[cfg(not(feature = "device"))]
    {
        let _ = (device, channels, block);
        Err(NO_DEVICE.into())
    }
}

#[cfg(not(feature = "device"))]
const NO_DEVICE: &str = "this phonon was built without audio devices (`--no-default-features`): build it with the `device` feature (needs libasound2-dev on Linux), or play with `--sink null`";

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
        let feed = Feed::new(rx, played, Arc::new(Stats::default()));
        // The producer is dropped: what is in the ring stays readable.
        drop(tx);
        (feed, monitor)
    }

    #[test]
    fn frames_go_to_the_first_two_channels_and_the_rest_are_silent() {
        let (mut f, mut monitor) = feed(8);
        let mut data = [9.0f32; 4 * 3];
        f.fill(&mut data, 4, |x| x);
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
        f.fill(&mut mono, 1, |x| x);
        assert_eq!(mono, [0.0, 0.25]);
        let (mut f, _m) = feed(4);
        let mut ints = [0i16; 4];
        f.fill(&mut ints, 2, |x| (x * 1000.0) as i16);
        assert_eq!(ints, [0, 0, 1000, -500]);
    }

    #[test]
    fn short_callbacks_are_silent_while_starting_and_xruns_after() {
        let (mut f, _m) = feed(3);
        let mut data = [5.0f32; 2 * 4];
        // Four frames wanted, three ready: still starting, so silence, nothing taken.
        f.fill(&mut data, 2, |x| x);
        assert!(data.iter().all(|&x| x == 0.0));
        assert_eq!(f.stats.xruns.load(Ordering::Relaxed), 0);
        assert_eq!(f.stats.consumed.load(Ordering::Relaxed), 0);
        // Two wanted, three ready: the program starts from its first frame.
        let mut two = [5.0f32; 4];
        f.fill(&mut two, 2, |x| x);
        assert_eq!(two, [0.0, 0.0, 1.0, -0.5]);
        // Two wanted, one left: played as far as it goes, and counted as late.
        f.fill(&mut two, 2, |x| x);
        assert_eq!(two, [2.0, -1.0, 0.0, 0.0]);
        assert_eq!(f.stats.xruns.load(Ordering::Relaxed), 1);
        assert_eq!(f.stats.consumed.load(Ordering::Relaxed), 3);
        assert_eq!(f.stats.played.load(Ordering::Relaxed), 8);
        // The first callback does not set the size the render thread plans for; later ones do.
        assert_eq!(f.stats.callback_frames.load(Ordering::Relaxed), 2);
    }
}
