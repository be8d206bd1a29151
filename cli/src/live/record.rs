//! `--record`: the frames played, written so that the file is a valid WAV at every moment a
//! process could die in. Every [`SYNC_INTERVAL`] the header is rewritten with the length so
//! far and the file is synced to the disk, so a process killed with SIGKILL (or a machine
//! that loses power) leaves a playable file missing at most that much of its end; a normal
//! stop finalises it exactly. A WAV file holds at most 4 GiB of sample data (about 3 hours
//! of 32-bit stereo at 48 kHz): past [`PART_BYTES`] the recording continues in
//! `NAME-2.wav`, `NAME-3.wav`, ..., each complete in itself.

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How often the header is brought up to date and the file synced.
pub const SYNC_INTERVAL: Duration = Duration::from_secs(1);

/// Sample bytes per file before the recording moves on to the next part (under WAV's 4 GiB).
pub const PART_BYTES: u64 = 4_000_000_000;

/// A buffered file whose `flush` also reaches the disk.
struct Synced(BufWriter<File>);

impl Write for Synced {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()?;
        self.0.get_ref().sync_data()
    }
}

impl Seek for Synced {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        self.0.seek(pos)
    }
}

pub struct Recorder {
    path: PathBuf,
    sample_rate: u32,
    channels: u16,
    writer: Option<hound::WavWriter<Synced>>,
    part: u32,
    bytes: u64,
    last_sync: Instant,
    /// The first error, reported once (the recording stops there; playing goes on).
    pub error: Option<String>,
}

impl Recorder {
    /// Creates `path` (`channels` of 32-bit float at `sample_rate`), failing at once if it
    /// cannot.
    pub fn create(path: &Path, sample_rate: u32, channels: u16) -> Result<Recorder, String> {
        let writer = open(path, sample_rate, channels)?;
        Ok(Recorder {
            path: path.to_path_buf(),
            sample_rate,
            channels,
            writer: Some(writer),
            part: 1,
            bytes: 0,
            last_sync: Instant::now(),
            error: None,
        })
    }

    /// Appends interleaved samples; every [`SYNC_INTERVAL`], makes the file on disk a
    /// valid WAV of everything so far.
    pub fn write(&mut self, samples: &[f32]) {
        let frame = 4 * self.channels as u64;
        for &x in samples {
            if self.bytes + 4 > PART_BYTES && self.bytes.is_multiple_of(frame) {
                self.next_part();
            }
            let Some(w) = &mut self.writer else { return };
            if let Err(e) = w.write_sample(x) {
                self.fail(e);
                return;
            }
            self.bytes += 4;
        }
        // Only between whole frames: the monitor's ring can hand over part of a frame, and
        // a WAV cannot hold half a frame (hound refuses to write such a header).
        if self.bytes.is_multiple_of(frame) && self.last_sync.elapsed() >= SYNC_INTERVAL {
            self.last_sync = Instant::now();
            if let Some(w) = &mut self.writer
                && let Err(e) = w.flush()
            {
                self.fail(e);
            }
        }
    }

    fn next_part(&mut self) {
        if let Some(w) = self.writer.take()
            && let Err(e) = w.finalize()
        {
            self.fail(e);
            return;
        }
        self.part += 1;
        let stem = self.path.file_stem().unwrap_or_default().to_string_lossy();
        let ext = self
            .path
            .extension()
            .map_or_else(String::new, |e| format!(".{}", e.to_string_lossy()));
        let next = self
            .path
            .with_file_name(format!("{stem}-{}{ext}", self.part));
        match open(&next, self.sample_rate, self.channels) {
            Ok(w) => {
                self.writer = Some(w);
                self.bytes = 0;
            }
            Err(e) => self.error = self.error.take().or(Some(e)),
        }
    }

    fn fail(&mut self, e: hound::Error) {
        if self.error.is_none() {
            self.error = Some(format!("cannot write `{}`: {e}", self.path.display()));
        }
        // Keep what was written valid; nothing more goes in.
        if let Some(w) = self.writer.take() {
            let _ = w.finalize();
        }
    }

    /// Writes the final header. The parts written, in order.
    pub fn finish(mut self) -> Result<u32, String> {
        if let Some(w) = self.writer.take()
            && let Err(e) = w.finalize()
        {
            self.fail(e);
        }
        match self.error {
            Some(e) => Err(e),
            None => Ok(self.part),
        }
    }
}

fn open(path: &Path, sample_rate: u32, channels: u16) -> Result<hound::WavWriter<Synced>, String> {
    let spec = hound::WavSpec {
        channels,
        sample_rate,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let fail = |e: String| format!("cannot write `{}`: {e}", path.display());
    let file = File::create(path).map_err(|e| fail(e.to_string()))?;
    let mut w = hound::WavWriter::new(Synced(BufWriter::new(file)), spec)
        .map_err(|e| fail(e.to_string()))?;
    // A valid (empty) file from the start.
    w.flush().map_err(|e| fail(e.to_string()))?;
    Ok(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_is_valid_after_each_sync_without_finishing() {
        let dir = std::env::temp_dir().join(format!("phonon-record-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("set.wav");
        let mut rec = Recorder::create(&path, 48_000, 2).unwrap();
        // Valid and empty before anything is written.
        assert_eq!(hound::WavReader::open(&path).unwrap().len(), 0);
        rec.write(&[0.25; 2000]);
        rec.last_sync = Instant::now() - SYNC_INTERVAL;
        rec.write(&[0.5; 2]);
        // As if killed now: the reader sees everything up to the last sync.
        let r = hound::WavReader::open(&path).unwrap();
        assert_eq!(r.len(), 2002);
        assert_eq!(r.spec().sample_rate, 48_000);
        std::mem::forget(rec);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_sync_due_in_the_middle_of_a_frame_waits_for_its_right_sample() {
        let dir = std::env::temp_dir().join(format!("phonon-halves-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("set.wav");
        let mut rec = Recorder::create(&path, 48_000, 2).unwrap();
        rec.last_sync = Instant::now() - SYNC_INTERVAL;
        // A left sample alone: no sync yet, and no error.
        rec.write(&[0.25; 3]);
        assert_eq!(rec.error, None);
        assert_eq!(hound::WavReader::open(&path).unwrap().len(), 0);
        // Its right sample: the sync comes, and the file holds both frames.
        rec.write(&[0.5]);
        assert_eq!(rec.error, None);
        assert_eq!(hound::WavReader::open(&path).unwrap().len(), 4);
        assert_eq!(rec.finish(), Ok(1));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_recording_past_the_part_size_continues_in_numbered_files() {
        let dir = std::env::temp_dir().join(format!("phonon-parts-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("set.wav");
        let mut rec = Recorder::create(&path, 44_100, 2).unwrap();
        rec.write(&[0.1; 6]);
        // Pretend the part is full after three frames.
        rec.bytes = PART_BYTES;
        rec.write(&[0.2; 4]);
        assert_eq!(rec.finish(), Ok(2));
        let first: Vec<f32> = hound::WavReader::open(&path)
            .unwrap()
            .samples()
            .map(Result::unwrap)
            .collect();
        assert_eq!(first, vec![0.1; 6]);
        let second: Vec<f32> = hound::WavReader::open(dir.join("set-2.wav"))
            .unwrap()
            .samples()
            .map(Result::unwrap)
            .collect();
        assert_eq!(second, vec![0.2; 4]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
