//! cpal output devices: finding one (by name, or the default), the configuration to open
//! it with, and streams that play a [`Shared`] feed.

use super::DEVICE_HINT;
use super::feed::Shared;
use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{FromSample, SampleFormat, SizedSample};
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// The sample rate a device is opened at when it offers it.
const PREFERRED_RATE: u32 = 48_000;

/// A device found, and how to open it.
pub struct Opened {
    pub device: cpal::Device,
    pub config: cpal::StreamConfig,
    pub format: SampleFormat,
    pub name: String,
}

/// Which device to open, again when it comes back: the one whose name contains `name`, or
/// the default; with `channels` if given; with callbacks of about `block` frames.
#[derive(Clone)]
pub struct Request {
    pub name: Option<String>,
    pub channels: Option<u16>,
    pub block: usize,
}

/// The names of the output devices cpal's default host offers.
pub fn names() -> Result<Vec<String>, String> {
    let host = cpal::default_host();
    let devices = host.output_devices().map_err(|e| e.to_string())?;
    Ok(devices.filter_map(|d| d.name().ok()).collect())
}

/// Finds the device `request` names and its configuration: at `rate` if given (a device
/// that comes back must play at the rate the program was compiled for), else at its own
/// rate, 48 kHz where offered.
pub fn open(request: &Request, rate: Option<u32>) -> Result<Opened, String> {
    let host = cpal::default_host();
    let dev = match &request.name {
        None => host
            .default_output_device()
            .ok_or_else(|| format!("there is no default audio output device\n{DEVICE_HINT}"))?,
        Some(name) => host
            .output_devices()
            .map_err(|e| e.to_string())?
            .find(|d| d.name().is_ok_and(|n| n.contains(name.as_str())))
            .ok_or_else(|| format!("no output device is called `{name}` (see `--list-devices`)"))?,
    };
    let name = dev.name().unwrap_or_else(|_| "default".into());
    let mut default = dev
        .default_output_config()
        .map_err(|e| format!("cannot open the audio device `{name}`: {e}\n{DEVICE_HINT}"))?;
    // cpal prefers 44.1 kHz wherever a device accepts it, but most devices and sound
    // servers run at 48 kHz and would resample everything (and then refuse a fixed buffer
    // size, whose frame counts no longer divide evenly): 48 kHz where offered.
    let wanted_rate = rate.unwrap_or(PREFERRED_RATE);
    if default.sample_rate().0 != wanted_rate
        && let Some(native) = dev.supported_output_configs().ok().and_then(|mut all| {
            all.find(|c| {
                c.channels() == default.channels()
                    && c.sample_format() == default.sample_format()
                    && (c.min_sample_rate().0..=c.max_sample_rate().0).contains(&wanted_rate)
            })
        })
    {
        default = native.with_sample_rate(cpal::SampleRate(wanted_rate));
    }
    if let Some(rate) = rate
        && default.sample_rate().0 != rate
    {
        return Err(format!(
            "the audio device `{name}` plays at {} Hz, not at the {rate} Hz the program was compiled for",
            default.sample_rate().0
        ));
    }
    // ALSA's fixed size is the whole device buffer, cut in four periods (one callback
    // each); elsewhere it is the callback's size.
    let wanted = if host.id() == cpal::HostId::Alsa {
        4 * request.block
    } else {
        request.block
    } as u32;
    let buffer_size = match default.buffer_size() {
        cpal::SupportedBufferSize::Range { min, max } if (*min..=*max).contains(&wanted) => {
            cpal::BufferSize::Fixed(wanted)
        }
        _ => cpal::BufferSize::Default,
    };
    let config = cpal::StreamConfig {
        channels: request.channels.unwrap_or(default.channels()).max(1),
        sample_rate: default.sample_rate(),
        buffer_size,
    };
    Ok(Opened {
        device: dev,
        config,
        format: default.sample_format(),
        name,
    })
}

/// Opens a stream on the device that plays `shared` whenever the feed is handed to `id`
/// (silence otherwise), and starts it.
pub fn play(opened: &Opened, shared: &Arc<Shared>, id: u32) -> Result<cpal::Stream, String> {
    let Opened {
        device,
        config,
        format,
        ..
    } = opened;
    let stream = match format {
        SampleFormat::F32 => build::<f32>(device, config, shared, id),
        SampleFormat::F64 => build::<f64>(device, config, shared, id),
        SampleFormat::I16 => build::<i16>(device, config, shared, id),
        SampleFormat::I32 => build::<i32>(device, config, shared, id),
        SampleFormat::U16 => build::<u16>(device, config, shared, id),
        other => {
            return Err(format!(
                "the device wants {other} samples, which phonon does not write"
            ));
        }
    }
    .map_err(|e| e.to_string())?;
    stream.play().map_err(|e| e.to_string())?;
    Ok(stream)
}

fn build<T: SizedSample + FromSample<f32>>(
    device: &cpal::Device,
    config: &cpal::StreamConfig,
    shared: &Arc<Shared>,
    id: u32,
) -> Result<cpal::Stream, cpal::BuildStreamError> {
    // A device may refuse a buffer size its own range allows (ALSA plugins constrain it
    // further), so the size is tried first on a stream that never plays; if it is refused,
    // the device chooses.
    let mut config = config.clone();
    if config.buffer_size != cpal::BufferSize::Default
        && device
            .build_output_stream(&config, |_: &mut [T], _: &_| {}, |_| {}, None)
            .is_err()
    {
        config.buffer_size = cpal::BufferSize::Default;
    }
    let channels = config.channels as usize;
    let (feed, errors) = (shared.clone(), shared.clone());
    device.build_output_stream(
        &config,
        move |data: &mut [T], info: &cpal::OutputCallbackInfo| {
            // When the buffer will play: now plus what the backend predicts beyond the
            // callback (the device's latency).
            let t = info.timestamp();
            let ahead = t.playback.duration_since(&t.callback).unwrap_or_default();
            let plays_at = std::time::Instant::now() + ahead;
            feed.fill_as(id, data, channels, T::from_sample, false, Some(plays_at));
        },
        // Counted and shown in the summary; a device gone is handed to the supervisor,
        // which plays on the null clock until it is back.
        move |e| {
            errors.stats.device_errors.fetch_add(1, Ordering::Relaxed);
            if matches!(e, cpal::StreamError::DeviceNotAvailable) {
                errors.gone.store(id, Ordering::Release);
            }
        },
        None,
    )
}
