//! Samples in memory, ready for the voice kernels: planar f32 at the engine's rate, padded
//! with silence on both sides so a kernel's vector loads and interpolation never leave the
//! allocation.

mod decode;
mod library;

pub use decode::{decode_file, resample};
pub use library::{AUDIO_EXTENSIONS, SampleLibrary, SearchPath};

/// Frames of silence before and after every sample's data.
pub const PAD: usize = 16;

/// One sound: one or two channels of `len` frames.
#[derive(Debug)]
pub struct Sample {
    /// Each channel is `PAD + len + PAD` floats; the sound is `[PAD, PAD + len)`.
    channels: Vec<Vec<f32>>,
    len: usize,
    /// Where it came from (a file path, or `kit:bd:0`), for messages.
    pub origin: String,
}

impl Sample {
    /// `channels` holds one (mono) or two (stereo) channels of equal length; more channels
    /// are mixed down to two by the caller.
    pub fn new(channels: Vec<Vec<f32>>, origin: impl Into<String>) -> Sample {
        assert!(
            matches!(channels.len(), 1 | 2),
            "a sample has one or two channels"
        );
        let len = channels[0].len();
        let channels = channels
            .into_iter()
            .map(|c| {
                assert_eq!(c.len(), len, "channels of one sample have one length");
                let mut padded = vec![0.0f32; PAD + len + PAD];
                padded[PAD..PAD + len].copy_from_slice(&c);
                padded
            })
            .collect();
        Sample {
            channels,
            len,
            origin: origin.into(),
        }
    }

    /// A mono sample whose frames are written straight into its padded storage by `fill`
    /// (given the `len` frames to write), saving [`Sample::new`]'s copy; `fill` may refuse
    /// the data, and then there is no sample.
    pub fn mono_filled<E>(
        len: usize,
        origin: impl Into<String>,
        fill: impl FnOnce(&mut [f32]) -> Result<(), E>,
    ) -> Result<Sample, E> {
        let mut padded = vec![0.0f32; PAD + len + PAD];
        fill(&mut padded[PAD..PAD + len])?;
        Ok(Sample {
            channels: vec![padded],
            len,
            origin: origin.into(),
        })
    }

    /// Length in frames.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn is_stereo(&self) -> bool {
        self.channels.len() == 2
    }

    /// The frames of a channel (the right channel of a mono sample is its only channel).
    pub fn frames(&self, channel: usize) -> &[f32] {
        let c = &self.channels[channel.min(self.channels.len() - 1)];
        &c[PAD..PAD + self.len]
    }

    /// Pointer to frame 0 of a channel; `PAD` frames of silence lie on either side.
    pub fn data(&self, channel: usize) -> *const f32 {
        let c = &self.channels[channel.min(self.channels.len() - 1)];
        // SAFETY: PAD < c.len(), so the offset stays inside the allocation.
        unsafe { c.as_ptr().add(PAD) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_surrounds_the_data() {
        let s = Sample::new(vec![vec![1.0, 2.0, 3.0]], "test");
        assert_eq!(s.len(), 3);
        assert_eq!(s.frames(0), &[1.0, 2.0, 3.0]);
        assert_eq!(s.frames(1), &[1.0, 2.0, 3.0]);
        // SAFETY: PAD frames either side belong to the allocation.
        let around = unsafe { std::slice::from_raw_parts(s.data(0).sub(PAD), 2 * PAD + 3) };
        assert!(around[..PAD].iter().all(|&x| x == 0.0));
        assert!(around[PAD + 3..].iter().all(|&x| x == 0.0));
    }
}
