//! Audio files to planar f32 (symphonia: WAV, FLAC, OGG Vorbis, MP3), and resampling to the
//! engine's rate (rubato's FFT resampler: band-limited, for a fixed ratio).

use rubato::{FftFixedIn, Resampler};
use std::path::Path;
use symphonia::core::audio::SampleBuffer;
use symphonia::core::codecs::{CODEC_TYPE_NULL, DecoderOptions};
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::FormatOptions;
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;

/// The longest sample Phonon loads: ten minutes (a 2 GB file would need gigabytes of memory
/// as floats, and take a minute to decode before the first sound).
pub const MAX_SAMPLE_SECONDS: u64 = 600;

/// Decodes a whole file: one or two channels (more are reduced to the first two) and the
/// file's sample rate. A file cut short (its header promises more frames than it holds, for
/// the formats whose headers say it exactly: WAV and FLAC) or longer than
/// [`MAX_SAMPLE_SECONDS`] is an error that says so.
pub fn decode_file(path: &Path) -> Result<(Vec<Vec<f32>>, u32), String> {
    let fail = |what: &str, e: &dyn std::fmt::Display| format!("{what}: {e}");
    let file = std::fs::File::open(path).map_err(|e| fail("cannot open", &e))?;
    let mss = MediaSourceStream::new(Box::new(file), Default::default());
    let mut hint = Hint::new();
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(ext);
    }
    let probed = symphonia::default::get_probe()
        .format(
            &hint,
            mss,
            &FormatOptions::default(),
            &MetadataOptions::default(),
        )
        .map_err(|e| fail("not a readable audio file", &e))?;
    let mut format = probed.format;
    let track = format
        .tracks()
        .iter()
        .find(|t| t.codec_params.codec != CODEC_TYPE_NULL)
        .ok_or("no audio track")?;
    let track_id = track.id;
    let rate = track
        .codec_params
        .sample_rate
        .ok_or("the file does not say its sample rate")?;
    let too_long = |frames: u64| {
        format!(
            "the sample is {:.0} s long: Phonon loads samples of at most {} minutes",
            frames as f64 / rate as f64,
            MAX_SAMPLE_SECONDS / 60
        )
    };
    let max_frames = MAX_SAMPLE_SECONDS * rate as u64;
    let promised = track.codec_params.n_frames;
    if let Some(n) = promised
        && n > max_frames
    {
        return Err(too_long(n));
    }
    let exact_length = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("wav") || e.eq_ignore_ascii_case("flac"));
    let mut decoder = symphonia::default::get_codecs()
        .make(&track.codec_params, &DecoderOptions::default())
        .map_err(|e| fail("unsupported codec", &e))?;
    let mut channels: Vec<Vec<f32>> = Vec::new();
    let mut buffer: Option<SampleBuffer<f32>> = None;
    loop {
        let packet = match format.next_packet() {
            Ok(p) => p,
            Err(SymphoniaError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                break;
            }
            Err(SymphoniaError::ResetRequired) => break,
            Err(e) => return Err(fail("cannot read", &e)),
        };
        if packet.track_id() != track_id {
            continue;
        }
        let decoded = match decoder.decode(&packet) {
            Ok(d) => d,
            // A damaged packet is skipped, as players do.
            Err(SymphoniaError::DecodeError(_)) => continue,
            Err(e) => return Err(fail("cannot decode", &e)),
        };
        let spec = *decoded.spec();
        let n = spec.channels.count();
        if n == 0 {
            return Err("the file has no channels".into());
        }
        let buf = match &mut buffer {
            Some(b) if b.capacity() >= decoded.capacity() * n => b,
            _ => buffer.insert(SampleBuffer::new(decoded.capacity() as u64, spec)),
        };
        buf.copy_interleaved_ref(decoded);
        let keep = n.min(2);
        if channels.is_empty() {
            channels = vec![Vec::new(); keep];
        }
        for frame in buf.samples().chunks_exact(n) {
            for (c, ch) in channels.iter_mut().enumerate().take(keep) {
                ch.push(frame[c]);
            }
        }
        if channels[0].len() as u64 > max_frames {
            return Err(too_long(channels[0].len() as u64));
        }
    }
    if channels.is_empty() || channels[0].is_empty() {
        return Err("the file holds no audio".into());
    }
    if exact_length
        && let Some(n) = promised
        && (channels[0].len() as u64) < n
    {
        return Err(format!(
            "the file is cut short: its header promises {n} frames, it holds {}",
            channels[0].len()
        ));
    }
    Ok((channels, rate))
}

/// Resamples every channel from `from` Hz to `to` Hz; the result has
/// `round(len · to / from)` frames, aligned with the input (the resampler's delay removed).
pub fn resample(channels: Vec<Vec<f32>>, from: u32, to: u32) -> Result<Vec<Vec<f32>>, String> {
    if from == to {
        return Ok(channels);
    }
    let len = channels[0].len();
    let want = ((len as u64 * to as u64 + from as u64 / 2) / from as u64) as usize;
    let mut resampler = FftFixedIn::<f32>::new(from as usize, to as usize, 1024, 2, channels.len())
        .map_err(|e| format!("cannot resample from {from} Hz to {to} Hz: {e}"))?;
    let delay = resampler.output_delay();
    let mut out: Vec<Vec<f32>> = vec![Vec::with_capacity(want + delay + 2048); channels.len()];
    let mut at = 0;
    let err = |e: rubato::ResampleError| format!("resampling failed: {e}");
    while out[0].len() < want + delay {
        let need = resampler.input_frames_next();
        let chunk: Vec<&[f32]> = channels
            .iter()
            .map(|c| &c[at.min(len)..(at + need).min(len)])
            .collect();
        let produced = if at + need <= len {
            resampler.process(&chunk, None).map_err(err)?
        } else if at < len {
            resampler.process_partial(Some(&chunk), None).map_err(err)?
        } else {
            resampler
                .process_partial(None::<&[&[f32]]>, None)
                .map_err(err)?
        };
        at += need;
        for (o, p) in out.iter_mut().zip(produced) {
            o.extend_from_slice(&p);
        }
    }
    Ok(out
        .into_iter()
        .map(|c| c[delay..delay + want].to_vec())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resampling_keeps_length_pitch_and_alignment() {
        // A 1 kHz sine at 22050 Hz, to 44100 Hz.
        let input: Vec<f32> = (0..22050)
            .map(|i| (std::f32::consts::TAU * 1000.0 * i as f32 / 22050.0).sin())
            .collect();
        let out = resample(vec![input], 22050, 44100).unwrap();
        assert_eq!(out[0].len(), 44100);
        // Away from the edges it is the same sine at the new rate, in phase.
        for i in (2000..42000).step_by(97) {
            let want = (std::f32::consts::TAU * 1000.0 * i as f32 / 44100.0).sin();
            assert!(
                (out[0][i] - want).abs() < 1e-3,
                "frame {i}: {} vs {want}",
                out[0][i]
            );
        }
    }
}
