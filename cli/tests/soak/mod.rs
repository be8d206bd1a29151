//! The soak harness: `phonon live` on the null sink with `--record`, for a long time, while
//! a simulated editor saves mutations of the examples (about one in ten broken), alternating
//! rename-replace saves and in-place writes. It measures what a long set needs: the process
//! survives, every good save is swapped in, resident memory stays flat, and the recording is
//! as long as the time played. Used by `cli/tests/soak_short.rs` (a minute, in the test
//! suite) and by `cargo run --release -p phonon-cli --example soak` (thirty minutes).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct Config {
    /// The `phonon` binary.
    pub phonon: PathBuf,
    /// The repository's `examples/` folder.
    pub examples: PathBuf,
    /// Where the song and the recording go.
    pub dir: PathBuf,
    pub seconds: f64,
    pub edits: usize,
    pub seed: u64,
    /// Extra options for `phonon live`.
    pub live_args: Vec<String>,
}

#[derive(Debug)]
pub struct Report {
    /// The exit status (None: killed by a signal, a crash).
    pub exit: Option<i32>,
    pub saves: usize,
    /// Saves that compile and change the program: each must be swapped in.
    pub good_saves: usize,
    pub broken_saves: usize,
    /// Reload lines `phonon live` printed, and refusals ("not reloaded").
    pub reloads: usize,
    pub refusals: usize,
    /// (seconds since start, resident set in KiB).
    pub rss: Vec<(f64, u64)>,
    pub xruns: u64,
    pub played_seconds: f64,
    pub recorded_seconds: f64,
    pub wall_seconds: f64,
    pub log: String,
}

impl Report {
    /// Good saves that were not swapped in.
    pub fn failed_to_apply(&self) -> usize {
        self.good_saves.saturating_sub(self.reloads)
    }

    /// Resident memory at the start (after the first second), middle and end, in MiB.
    pub fn rss_mib(&self) -> (f64, f64, f64) {
        let at = |k: usize| self.rss.get(k).map_or(0.0, |r| r.1 as f64 / 1024.0);
        let n = self.rss.len();
        (
            at(1.min(n.saturating_sub(1))),
            at(n / 2),
            at(n.saturating_sub(1)),
        )
    }

    pub fn summary(&self) -> String {
        let (a, b, c) = self.rss_mib();
        format!(
            "exit {:?}; saves {} ({} good, {} broken); reloads {} (failed to apply {}), refusals {}; resident memory start/middle/end {a:.1}/{b:.1}/{c:.1} MiB; xruns {}; played {:.2} s, recorded {:.2} s, wall {:.2} s",
            self.exit,
            self.saves,
            self.good_saves,
            self.broken_saves,
            self.reloads,
            self.failed_to_apply(),
            self.refusals,
            self.xruns,
            self.played_seconds,
            self.recorded_seconds,
            self.wall_seconds
        )
    }
}

/// xorshift64*: deterministic edits for a seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// The examples' texts, in name order.
fn examples(dir: &Path) -> Vec<String> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ph"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

/// One edit of `text`: a number scaled, or (one time in ten) a mistake a person makes.
fn mutate(text: &str, rng: &mut Rng) -> (String, bool) {
    if rng.below(10) == 0 {
        let broken = match rng.below(3) {
            0 => format!("{text}\no9: sine 440 # lfp 300\n"),
            1 => text.replacen(')', "", 1),
            _ => format!("{text}\no9: s \"bd [sn\"\n"),
        };
        return (broken, true);
    }
    // The byte ranges of the plain numbers (digits with at most one dot).
    let bytes = text.as_bytes();
    let mut numbers = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric()) {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
                i += 1;
            }
            if i == bytes.len() || !bytes[i].is_ascii_alphabetic() {
                numbers.push(start..i);
            }
        } else {
            i += 1;
        }
    }
    if numbers.is_empty() {
        return (format!("{text}\n"), false);
    }
    let at = numbers[rng.below(numbers.len())].clone();
    let value: f64 = text[at.clone()]
        .trim_end_matches('.')
        .parse()
        .unwrap_or(1.0);
    let factor = [0.5, 0.75, 1.25, 1.5, 2.0][rng.below(5)];
    let new = if text[at.clone()].contains('.') {
        format!("{:.3}", value * factor)
    } else {
        format!("{}", ((value * factor).round() as i64).max(1))
    };
    (
        format!("{}{new}{}", &text[..at.start], &text[at.end..]),
        false,
    )
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

pub fn run(cfg: &Config) -> Report {
    use phonon_compiler::program::Options;
    use phonon_runtime::samples::{SampleLibrary, SearchPath};
    std::fs::create_dir_all(&cfg.dir).unwrap();
    let song = cfg.dir.join("song.ph");
    let rec = cfg.dir.join("set.wav");
    let texts = examples(&cfg.examples);
    let mut rng = Rng(cfg.seed.max(1));
    let mut base = texts[0].clone();
    std::fs::write(&song, &base).unwrap();

    let started = Instant::now();
    let mut child = Command::new(&cfg.phonon)
        .arg("live")
        .arg(&song)
        .args(["--sink", "null", "--record"])
        .arg(&rec)
        .args(["--seconds", &cfg.seconds.to_string()])
        .args(&cfg.live_args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("phonon starts");
    let pid = child.id();
    let log = Arc::new(Mutex::new(String::new()));
    let reader = {
        let (out, log) = (child.stdout.take().unwrap(), log.clone());
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                let mut l = log.lock().unwrap();
                l.push_str(&line);
                l.push('\n');
            }
        })
    };

    // What the compiler will make of each save, to know which must be swapped in.
    let opts = Options::default();
    let library = SampleLibrary::new(SearchPath::standard(&[]));
    let mut playing = base.clone();
    let (mut good, mut broken) = (0, 0);
    let mut rss = Vec::new();
    let interval = cfg.seconds * 0.9 / cfg.edits as f64;
    let mut next_rss = 0.0;
    for k in 0..cfg.edits {
        let due = Duration::from_secs_f64(0.5 + k as f64 * interval);
        while started.elapsed() < due {
            let t = started.elapsed().as_secs_f64();
            if t >= next_rss {
                if let Some(r) = rss_kib(pid) {
                    rss.push((t, r));
                }
                next_rss += 1.0;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        // Every twentieth edit starts from another example (every output changes).
        if k % 20 == 19 {
            base = texts[rng.below(texts.len())].clone();
        }
        let (text, is_broken) = mutate(&base, &mut rng);
        if !is_broken && phonon_sounds::compile(&text, &library, &opts).is_ok() {
            base = text.clone();
            if text != playing {
                good += 1;
                playing = text.clone();
            }
        } else {
            broken += 1;
        }
        if k % 2 == 0 {
            // Rename-replace, as vim and most IDEs save.
            let tmp = cfg.dir.join(".song.ph.swp");
            std::fs::write(&tmp, &text).unwrap();
            std::fs::rename(&tmp, &song).unwrap();
        } else {
            std::fs::write(&song, &text).unwrap();
        }
    }
    let limit = Duration::from_secs_f64(cfg.seconds + 30.0);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        let t = started.elapsed().as_secs_f64();
        if t >= next_rss {
            if let Some(r) = rss_kib(pid) {
                rss.push((t, r));
            }
            next_rss += 1.0;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let wall = started.elapsed().as_secs_f64();
    reader.join().unwrap();
    let log = log.lock().unwrap().clone();
    let number_after = |key: &str| -> Option<f64> {
        log.rsplit(key)
            .next()
            .filter(|_| log.contains(key))?
            .split([' ', ',', '('])
            .next()?
            .parse()
            .ok()
    };
    let recorded = hound::WavReader::open(&rec)
        .map(|r| r.duration() as f64 / r.spec().sample_rate as f64)
        .unwrap_or(0.0);
    Report {
        exit: status.code(),
        saves: cfg.edits,
        good_saves: good,
        broken_saves: broken,
        reloads: log.matches("reloaded: compiled").count(),
        refusals: log.matches("not reloaded").count(),
        rss,
        xruns: number_after("xruns ").unwrap_or(f64::NAN) as u64,
        played_seconds: number_after("played ").unwrap_or(0.0),
        recorded_seconds: recorded,
        wall_seconds: wall,
        log,
    }
}
