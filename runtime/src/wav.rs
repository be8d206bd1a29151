//! Writing 32-bit float WAV files safely: a file being written is not at its path until it
//! is complete, so a failed, interrupted or killed write leaves whatever the path held
//! before, and no partial file behind.
//!
//! On Linux the file is written unnamed in the destination's folder (`O_TMPFILE`: a killed
//! process leaves nothing), given a temporary name only when complete and renamed over the
//! path; elsewhere, or on a file system without unnamed files, it is written under the
//! temporary name from the start. Either way the rename is atomic.

use crate::render::Rendered;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

/// Samples written between starts of the file's writeback (256 KB).
const WRITEBACK_SAMPLES: usize = 64 * 1024;

/// A 32-bit float WAV being written (see the module comment).
pub struct WavFile {
    path: PathBuf,
    temp: PathBuf,
    /// Whether the file has no name yet (Linux's `O_TMPFILE`): it gets `temp` when finished.
    unnamed: bool,
    /// Whether the file is at `temp`: removed unless it is finished.
    at_temp: bool,
    writer: Option<hound::WavWriter<BufWriter<File>>>,
    /// The same file: to start its writeback as it grows, and to name it.
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    file: File,
    /// Samples written since writeback was last started.
    unflushed: usize,
    /// The first error while writing: the rest is not written, and [`WavFile::finish`]
    /// reports it.
    failed: Option<String>,
}

impl WavFile {
    /// Starts a file of interleaved `channels` at `sample_rate` that will be at `path`.
    pub fn create(path: &Path, sample_rate: u32, channels: usize) -> Result<WavFile, String> {
        let spec = hound::WavSpec {
            channels: channels as u16,
            sample_rate,
            bits_per_sample: 32,
            sample_format: hound::SampleFormat::Float,
        };
        let fail = |e: &dyn std::fmt::Display| format!("cannot write `{}`: {e}", path.display());
        let temp = temporary_beside(path);
        let (file, unnamed) = match unnamed_beside(path) {
            Some(file) => (file, true),
            None => (File::create(&temp).map_err(|e| fail(&e))?, false),
        };
        let made = file.try_clone().map_err(|e| fail(&e)).and_then(|clone| {
            hound::WavWriter::new(BufWriter::new(clone), spec).map_err(|e| fail(&e))
        });
        let mut wav = WavFile {
            path: path.to_path_buf(),
            temp,
            unnamed,
            at_temp: !unnamed,
            writer: None,
            file,
            unflushed: 0,
            failed: None,
        };
        // On an error `wav` is dropped, and takes a named temporary file with it.
        wav.writer = Some(made?);
        Ok(wav)
    }

    /// Appends interleaved samples.
    pub fn write(&mut self, samples: &[f32]) {
        let Some(w) = self.writer.as_mut() else {
            return;
        };
        for &s in samples {
            if let Err(e) = w.write_sample(s) {
                self.failed = Some(format!("cannot write `{}`: {e}", self.path.display()));
                self.writer = None;
                return;
            }
        }
        self.unflushed += samples.len();
        if self.unflushed >= WRITEBACK_SAMPLES {
            self.unflushed = 0;
            self.start_writeback();
        }
    }

    /// Starts writing back to the disk what the file holds so far, without waiting for it.
    /// Replacing a file by renaming (as [`WavFile::finish`] does) makes some file systems
    /// (ext4) write back the whole new file first, on the spot: several milliseconds for a
    /// few megabytes, which happen while the file is written instead.
    fn start_writeback(&self) {
        #[cfg(target_os = "linux")]
        {
            use std::os::fd::AsRawFd;
            // SAFETY: a plain system call on a file descriptor this value owns (`file`);
            // its failure only means the writeback happens later.
            unsafe {
                libc::sync_file_range(self.file.as_raw_fd(), 0, 0, libc::SYNC_FILE_RANGE_WRITE);
            }
        }
    }

    /// Completes the file and puts it at its path; on an error removes what was written.
    pub fn finish(mut self) -> Result<(), String> {
        let path = self.path.clone();
        let fail = |e: &dyn std::fmt::Display| format!("cannot write `{}`: {e}", path.display());
        let finalized = match (self.failed.take(), self.writer.take()) {
            (Some(e), _) => Err(e),
            (None, Some(w)) => w.finalize().map_err(|e| fail(&e)),
            (None, None) => Ok(()),
        };
        let named = finalized.and_then(|()| {
            if self.unnamed {
                self.name().map_err(|e| fail(&e))?;
                self.at_temp = true;
            }
            Ok(())
        });
        let placed =
            named.and_then(|()| std::fs::rename(&self.temp, &self.path).map_err(|e| fail(&e)));
        if placed.is_err() && self.at_temp {
            let _ = std::fs::remove_file(&self.temp);
        }
        self.at_temp = false;
        placed
    }

    /// Gives the unnamed file its temporary name.
    #[cfg(target_os = "linux")]
    fn name(&self) -> std::io::Result<()> {
        use std::ffi::CString;
        use std::os::fd::AsRawFd;
        use std::os::unix::ffi::OsStrExt;
        let proc = CString::new(format!("/proc/self/fd/{}", self.file.as_raw_fd()))?;
        let temp = CString::new(self.temp.as_os_str().as_bytes())?;
        // SAFETY: two valid C strings; `linkat` only reads them.
        let linked = unsafe {
            libc::linkat(
                libc::AT_FDCWD,
                proc.as_ptr(),
                libc::AT_FDCWD,
                temp.as_ptr(),
                libc::AT_SYMLINK_FOLLOW,
            )
        };
        if linked == 0 {
            Ok(())
        } else {
            Err(std::io::Error::last_os_error())
        }
    }

    #[cfg(not(target_os = "linux"))]
    fn name(&self) -> std::io::Result<()> {
        unreachable!("files are unnamed only on Linux")
    }
}

impl Drop for WavFile {
    /// Not finished: nothing is put in place (an unnamed file vanishes by itself).
    fn drop(&mut self) {
        if self.at_temp {
            self.writer = None;
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// An unnamed file in `path`'s folder (Linux's `O_TMPFILE`), or none where that is not
/// available.
fn unnamed_beside(path: &Path) -> Option<File> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        std::fs::OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_TMPFILE)
            .mode(0o666)
            .open(dir)
            .ok()
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = path;
        None
    }
}

/// Writes `audio` as a 32-bit float WAV at `path` (through a [`WavFile`]).
pub fn write_wav(path: &Path, sample_rate: u32, audio: &Rendered) -> Result<(), String> {
    let mut file = WavFile::create(path, sample_rate, audio.channels)?;
    file.write(&audio.samples);
    file.finish()
}

/// A name in the same folder as `path` (so a rename is atomic), hidden and unique to this
/// process: `dir/.name.PID.part`.
pub fn temporary_beside(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    path.with_file_name(format!(".{name}.{}.part", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("phonon-wav-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn names(d: &Path) -> Vec<String> {
        let mut n: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        n.sort();
        n
    }

    #[test]
    fn a_finished_file_replaces_the_old_one_and_leaves_nothing_else() {
        let d = dir("finish");
        let out = d.join("out.wav");
        std::fs::write(&out, b"before").unwrap();
        let mut wav = WavFile::create(&out, 44_100, 2).unwrap();
        wav.write(&[0.5, -0.5, 0.25, -0.25]);
        // Until it is finished the old file is there, and (on Linux) nothing else is.
        assert_eq!(std::fs::read(&out).unwrap(), b"before");
        if cfg!(target_os = "linux") {
            assert_eq!(names(&d), ["out.wav"]);
        }
        wav.finish().unwrap();
        let mut r = hound::WavReader::open(&out).unwrap();
        assert_eq!(r.spec().channels, 2);
        let s: Vec<f32> = r.samples::<f32>().map(Result::unwrap).collect();
        assert_eq!(s, [0.5, -0.5, 0.25, -0.25]);
        assert_eq!(names(&d), ["out.wav"]);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_file_dropped_unfinished_leaves_the_old_one() {
        let d = dir("drop");
        let out = d.join("out.wav");
        std::fs::write(&out, b"before").unwrap();
        let mut wav = WavFile::create(&out, 48_000, 1).unwrap();
        wav.write(&vec![0.1; 200_000]);
        drop(wav);
        assert_eq!(std::fs::read(&out).unwrap(), b"before");
        assert_eq!(names(&d), ["out.wav"]);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_folder_that_does_not_exist_is_an_error_naming_the_path() {
        let out = std::env::temp_dir().join("phonon-no-such-folder/x/out.wav");
        let e = WavFile::create(&out, 44_100, 2).err().unwrap();
        assert!(e.contains("phonon-no-such-folder/x/out.wav"), "{e}");
    }
}
