//! The kit rendered once per machine rather than once per process: each sound's variants at
//! a sample rate are kept in a file under the user's cache folder (`$PHONON_CACHE`, else
//! `$XDG_CACHE_HOME/phonon`, else `~/.cache/phonon`), in a folder named by a key of what made
//! them: the kit's programs, phonon's version and the running executable's size and date (a
//! rebuilt phonon may synthesise differently, so it renders afresh). A file that is missing,
//! short or malformed is rendered again; files are written beside their name and renamed, so
//! no reader sees half of one. When a folder is made, those of other keys untouched for a
//! day are removed, and all but the newest few.

use super::{SOUNDS, VARIANTS};
use phonon_runtime::samples::Sample;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

/// The first bytes of a kit file, with the format's version.
const MAGIC: &[u8; 8] = b"PHKIT\0\0\x01";

/// Folders of other keys left alone for this long are removed when a new one is made.
const STALE: Duration = Duration::from_secs(24 * 3600);

/// Kit folders kept at most, this one included (each build of phonon, and each test binary,
/// has its own).
const KEEP: usize = 8;

/// This executable's kit folder, if the user has a cache folder.
pub fn folder() -> Option<PathBuf> {
    static FOLDER: OnceLock<Option<PathBuf>> = OnceLock::new();
    FOLDER
        .get_or_init(|| {
            let base = match std::env::var_os("PHONON_CACHE").filter(|p| !p.is_empty()) {
                Some(p) => PathBuf::from(p),
                None => match std::env::var_os("XDG_CACHE_HOME").filter(|p| !p.is_empty()) {
                    Some(p) => PathBuf::from(p).join("phonon"),
                    None => PathBuf::from(std::env::var_os("HOME")?).join(".cache/phonon"),
                },
            };
            Some(base.join(format!("kit-{:016x}", key())))
        })
        .clone()
}

/// FNV-1a over what makes the kit: stable across runs (unlike `DefaultHasher`).
fn key() -> u64 {
    let mut text = format!("{} {MAGIC:?}\n", env!("CARGO_PKG_VERSION"));
    for s in SOUNDS {
        for v in 0..VARIANTS {
            let (expr, secs) = s.variant(v);
            text.push_str(&format!("{}:{v} {secs} {expr}\n", s.name));
        }
    }
    if let Some(meta) = std::env::current_exe().ok().and_then(|e| e.metadata().ok()) {
        let made = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        text.push_str(&format!("exe {} {made}\n", meta.len()));
    }
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

fn file(folder: &Path, name: &str, sample_rate: u32) -> PathBuf {
    folder.join(format!("{name}-{sample_rate}.kit"))
}

/// The variants of `name` at `sample_rate` kept in `folder`, if they are there whole. The
/// frames are read straight into the samples' buffers (no copy of the file in between:
/// loading the kit is most of what starting a program that plays it costs).
pub fn load(folder: &Path, name: &str, sample_rate: u32) -> Option<Vec<Arc<Sample>>> {
    let file = std::fs::File::open(file(folder, name, sample_rate)).ok()?;
    let left = file.metadata().ok()?.len();
    let mut r = Reader { file, left };
    let mut magic = [0u8; MAGIC.len()];
    r.take(&mut magic)?;
    if magic != *MAGIC || r.u32()? as usize != VARIANTS {
        return None;
    }
    let mut variants = Vec::with_capacity(VARIANTS);
    for v in 0..VARIANTS {
        let len = r.u32()? as usize;
        // Checked before allocating, so a damaged length cannot ask for more than the file.
        if (len as u64).checked_mul(4)? > r.left {
            return None;
        }
        let sample = Sample::mono_filled(len, format!("kit:{name}:{v}"), |frames| {
            r.take(bytemuck::cast_slice_mut(frames)).ok_or(())?;
            let mut finite = true;
            for x in frames.iter_mut() {
                *x = f32::from_bits(u32::from_le(x.to_bits()));
                finite &= x.is_finite();
            }
            if finite { Ok(()) } else { Err(()) }
        })
        .ok()?;
        variants.push(Arc::new(sample));
    }
    (r.left == 0).then_some(variants)
}

/// A kit file read in order, with the bytes it has left.
struct Reader {
    file: std::fs::File,
    left: u64,
}

impl Reader {
    fn take(&mut self, bytes: &mut [u8]) -> Option<()> {
        self.left = self.left.checked_sub(bytes.len() as u64)?;
        self.file.read_exact(bytes).ok()
    }

    fn u32(&mut self) -> Option<u32> {
        let mut n = [0u8; 4];
        self.take(&mut n)?;
        Some(u32::from_le_bytes(n))
    }
}

/// Keeps the variants of `name` at `sample_rate` in `folder`. Failing to is not an error:
/// the kit is rendered again next time.
pub fn store(folder: &Path, name: &str, sample_rate: u32, variants: &[Arc<Sample>]) {
    let fresh = !folder.exists();
    if std::fs::create_dir_all(folder).is_err() {
        return;
    }
    if fresh {
        remove_stale(folder);
    }
    let mut bytes = MAGIC.to_vec();
    bytes.extend((variants.len() as u32).to_le_bytes());
    for v in variants {
        let frames = v.frames(0);
        bytes.extend((frames.len() as u32).to_le_bytes());
        bytes.extend(frames.iter().flat_map(|x| x.to_le_bytes()));
    }
    let path = file(folder, name, sample_rate);
    // A name of its own for each writer, in this process and others.
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let part = folder.join(format!(
        ".{name}-{sample_rate}.{}-{n}.part",
        std::process::id()
    ));
    if std::fs::write(&part, &bytes).is_err() || std::fs::rename(&part, &path).is_err() {
        let _ = std::fs::remove_file(&part);
    }
}

/// Removes the kit folders of other keys (other builds, test binaries) beside `folder`:
/// those nobody has written to for [`STALE`], and all but the [`KEEP`] newest.
fn remove_stale(folder: &Path) {
    let (Some(parent), Some(own)) = (folder.parent(), folder.file_name()) else {
        return;
    };
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    let mut others: Vec<(Duration, PathBuf)> = entries
        .flatten()
        .filter(|e| e.file_name() != own && e.file_name().to_string_lossy().starts_with("kit-"))
        .map(|e| {
            let age = e
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .unwrap_or_default();
            (age, e.path())
        })
        .collect();
    others.sort();
    for (i, (age, path)) in others.iter().enumerate() {
        if *age > STALE || i + 1 >= KEEP {
            let _ = std::fs::remove_dir_all(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn variants() -> Vec<Arc<Sample>> {
        (0..VARIANTS)
            .map(|v| {
                let x: Vec<f32> = (0..100 + v).map(|k| (k as f32 * 0.1).sin()).collect();
                Arc::new(Sample::new(vec![x], format!("kit:bd:{v}")))
            })
            .collect()
    }

    #[test]
    fn variants_come_back_as_they_were_kept_and_a_damaged_file_is_not_used() {
        let folder =
            std::env::temp_dir().join(format!("phonon-kit-cache-{}/kit-1", std::process::id()));
        assert!(load(&folder, "bd", 48_000).is_none());
        let kept = variants();
        store(&folder, "bd", 48_000, &kept);
        let back = load(&folder, "bd", 48_000).expect("kept");
        assert_eq!(back.len(), VARIANTS);
        for (a, b) in kept.iter().zip(&back) {
            assert_eq!(a.frames(0), b.frames(0));
            assert_eq!(a.origin, b.origin);
        }
        // Another rate is another file.
        assert!(load(&folder, "bd", 44_100).is_none());
        // Cut short, or with a byte changed in its header: rendered again.
        let path = file(&folder, "bd", 48_000);
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
        assert!(load(&folder, "bd", 48_000).is_none());
        let mut wrong = bytes.clone();
        wrong[8] = 9;
        std::fs::write(&path, &wrong).unwrap();
        assert!(load(&folder, "bd", 48_000).is_none());
        std::fs::write(&path, &bytes).unwrap();
        assert!(load(&folder, "bd", 48_000).is_some());
        let _ = std::fs::remove_dir_all(folder.parent().unwrap());
    }

    #[test]
    fn a_new_folder_keeps_only_the_newest_few_of_other_builds() {
        let parent = std::env::temp_dir().join(format!("phonon-kit-keep-{}", std::process::id()));
        for k in 0..10 {
            std::fs::create_dir_all(parent.join(format!("kit-old{k}"))).unwrap();
        }
        std::fs::create_dir_all(parent.join("not-a-kit")).unwrap();
        store(&parent.join("kit-new"), "bd", 48_000, &variants());
        let left: Vec<String> = std::fs::read_dir(&parent)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        let kits = left.iter().filter(|n| n.starts_with("kit-")).count();
        assert_eq!(kits, KEEP, "{left:?}");
        assert!(left.contains(&"kit-new".to_string()));
        assert!(left.contains(&"not-a-kit".to_string()));
        let _ = std::fs::remove_dir_all(&parent);
    }
}
