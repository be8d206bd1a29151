//! Sample folders in the Dirt-Samples layout: one folder per sound, its audio files sorted by
//! name, `name:i` the i-th (wrapping). Loading decodes and resamples on the calling threads
//! (in parallel), never on the audio thread, and keeps what it loaded for the next program.

use super::Sample;
use super::decode::{decode_file, resample};
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// File extensions read as audio (case-insensitive).
pub const AUDIO_EXTENSIONS: &[&str] = &["wav", "flac", "ogg", "mp3"];

/// The directories searched for sample folders, in order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SearchPath {
    pub dirs: Vec<PathBuf>,
}

impl SearchPath {
    /// `explicit` (from `--samples`) first, then `PHONON_SAMPLES` (colon-separated), then
    /// `./samples`, `~/.local/share/phonon/samples` and SuperDirt's Dirt-Samples quark.
    pub fn standard(explicit: &[PathBuf]) -> SearchPath {
        let mut dirs: Vec<PathBuf> = explicit.to_vec();
        if let Some(env) = std::env::var_os("PHONON_SAMPLES") {
            dirs.extend(std::env::split_paths(&env).filter(|p| !p.as_os_str().is_empty()));
        }
        dirs.push(PathBuf::from("samples"));
        if let Some(home) = std::env::var_os("HOME") {
            let share = PathBuf::from(home).join(".local/share");
            dirs.push(share.join("phonon/samples"));
            dirs.push(share.join("SuperCollider/downloaded-quarks/Dirt-Samples"));
        }
        SearchPath { dirs }
    }

    /// Only these directories (tests, and programs that must not see the user's folders).
    pub fn only(dirs: Vec<PathBuf>) -> SearchPath {
        SearchPath { dirs }
    }
}

/// The most audio files one sound's folder may hold (Dirt-Samples' largest holds about 100):
/// every file is decoded when a program names the sound.
pub const MAX_FILES_PER_SOUND: usize = 4096;

/// Finds and loads sample folders; cheap to share (`Arc`), and loaded samples are kept.
pub struct SampleLibrary {
    path: SearchPath,
    loaded: Mutex<HashMap<FileKey, Arc<Sample>>>,
}

/// A decoded file is reused while its path, length and modification time are the same (an
/// edited or replaced sample is decoded again on the next load), at one sample rate.
type FileKey = (PathBuf, u64, Option<std::time::SystemTime>, u32);

fn is_audio(path: &Path) -> bool {
    path.is_file()
        && path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| AUDIO_EXTENSIONS.iter().any(|a| a.eq_ignore_ascii_case(e)))
}

/// A name that can only mean a folder directly inside a search directory.
fn is_plain_name(name: &str) -> bool {
    !name.is_empty() && !name.starts_with('.') && !name.contains(['/', '\\'])
}

impl SampleLibrary {
    pub fn new(path: SearchPath) -> SampleLibrary {
        SampleLibrary {
            path,
            loaded: Mutex::new(HashMap::new()),
        }
    }

    pub fn search_path(&self) -> &SearchPath {
        &self.path
    }

    /// The audio files of the first folder called `name` that has any, sorted by file name.
    /// A folder that exists but cannot be read, or holds more than [`MAX_FILES_PER_SOUND`]
    /// audio files, is an error naming it.
    pub fn files(&self, name: &str) -> Option<Result<Vec<PathBuf>, String>> {
        if !is_plain_name(name) {
            return None;
        }
        self.path.dirs.iter().find_map(|dir| {
            let folder = dir.join(name);
            if !folder.is_dir() {
                return None;
            }
            let entries = match std::fs::read_dir(&folder) {
                Ok(e) => e,
                Err(e) => {
                    return Some(Err(format!("`{}`: cannot read the folder: {e}", folder.display())));
                }
            };
            let mut files: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| is_audio(p))
                .collect();
            if files.len() > MAX_FILES_PER_SOUND {
                return Some(Err(format!(
                    "`{}` holds {} audio files: Phonon loads at most {MAX_FILES_PER_SOUND} per sound",
                    folder.display(),
                    files.len()
                )));
            }
            files.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
            (!files.is_empty()).then_some(Ok(files))
        })
    }

    /// Every sound name the search path offers (for suggestions), sorted.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .path
            .dirs
            .iter()
            .filter_map(|d| std::fs::read_dir(d).ok())
            .flatten()
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_dir())
            .filter_map(|e| e.file_name().to_str().map(String::from))
            .filter(|n| is_plain_name(n))
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// Loads every file of the folder `name` at `sample_rate`, in parallel; `None` when no
    /// folder has that name. A file that cannot be read is an error naming it.
    pub fn load(&self, name: &str, sample_rate: u32) -> Option<Result<Vec<Arc<Sample>>, String>> {
        let files = match self.files(name)? {
            Ok(f) => f,
            Err(e) => return Some(Err(e)),
        };
        Some(
            files
                .par_iter()
                .map(|f| self.load_file(f, sample_rate))
                .collect(),
        )
    }

    fn load_file(&self, file: &Path, sample_rate: u32) -> Result<Arc<Sample>, String> {
        let meta = std::fs::metadata(file).ok();
        let key = (
            file.to_path_buf(),
            meta.as_ref().map_or(0, |m| m.len()),
            meta.and_then(|m| m.modified().ok()),
            sample_rate,
        );
        if let Some(s) = self.loaded.lock().expect("cache lock").get(&key) {
            return Ok(s.clone());
        }
        let name = file.display();
        let (channels, rate) = decode_file(file).map_err(|e| format!("`{name}`: {e}"))?;
        let channels =
            resample(channels, rate, sample_rate).map_err(|e| format!("`{name}`: {e}"))?;
        let sample = Arc::new(Sample::new(channels, name.to_string()));
        self.loaded
            .lock()
            .expect("cache lock")
            .insert(key, sample.clone());
        Ok(sample)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_wav(path: &Path, frames: &[f32]) {
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: 44_100,
            bits_per_sample: 32,
            sample_format: hound::SampleFormat::Float,
        };
        let mut w = hound::WavWriter::create(path, spec).unwrap();
        for &x in frames {
            w.write_sample(x).unwrap();
        }
        w.finalize().unwrap();
    }

    #[test]
    fn a_file_is_decoded_once_until_it_changes() {
        let dir = std::env::temp_dir().join(format!("phonon-library-{}", std::process::id()));
        let folder = dir.join("blip");
        std::fs::create_dir_all(&folder).unwrap();
        let file = folder.join("a.wav");
        write_wav(&file, &[0.5; 100]);
        let library = SampleLibrary::new(SearchPath::only(vec![dir.clone()]));
        let first = library.load("blip", 44_100).unwrap().unwrap();
        let again = library.load("blip", 44_100).unwrap().unwrap();
        assert!(Arc::ptr_eq(&first[0], &again[0]), "decoded twice");
        // The file is replaced by another of a different length: it is read again.
        write_wav(&file, &[0.25; 300]);
        let edited = library.load("blip", 44_100).unwrap().unwrap();
        assert_eq!(edited[0].len(), 300);
        assert_eq!(edited[0].frames(0)[0], 0.25);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
