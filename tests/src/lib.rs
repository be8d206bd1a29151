//! Helpers for the end-to-end tests in `tests/`: compile and render a program in memory, and
//! analyse the frames (levels, tone amplitudes, peak frequencies).

use phonon_compiler::diagnostic::Diagnostic;
use phonon_compiler::program::{Compiled, Options};
use phonon_runtime::engine::Engine;
use phonon_runtime::render::{Rendered, render};
use phonon_runtime::samples::{SampleLibrary, SearchPath};
use std::path::PathBuf;

pub const SAMPLE_RATE: u32 = 44_100;

/// Compiles `src` with the built-in kit and the sample folders in `dirs` only (never the
/// user's), and loads the sounds it plays.
pub fn compile_in(
    src: &str,
    dirs: &[PathBuf],
    opts: &Options,
) -> Result<Compiled, Vec<Diagnostic>> {
    let library = SampleLibrary::new(SearchPath::only(dirs.to_vec()));
    phonon_sounds::compile(src, &library, opts)
}

/// [`compile_in`] with the kit only, at 44.1 kHz.
pub fn compile(src: &str) -> Result<Compiled, Vec<Diagnostic>> {
    compile_in(src, &[], &Options::default())
}

/// Compiles `src` and renders `frames` frames in blocks of `block` on `threads` threads.
/// Panics with the diagnostics if the program does not compile.
pub fn render_src(src: &str, frames: usize, block: usize, threads: usize, split: bool) -> Rendered {
    render_with(src, &[], frames, block, threads, split)
}

/// [`render_src`] with the sample folders in `dirs` besides the kit.
pub fn render_with(
    src: &str,
    dirs: &[PathBuf],
    frames: usize,
    block: usize,
    threads: usize,
    split: bool,
) -> Rendered {
    let compiled = compile_in(src, dirs, &Options::default()).unwrap_or_else(|diags| {
        let messages: Vec<String> = diags.iter().map(|d| d.message.clone()).collect();
        panic!("`{src}` does not compile: {messages:?}")
    });
    let mut engine = Engine::new(compiled.spec, block, threads).expect("a valid program");
    engine.run(|engine| render(engine, frames, block, split, false, &mut |_| {}))
}

/// Plays `before` through a live [`Player`](phonon_runtime::live::Player) for `at` blocks of
/// `block` frames, hands it `after`, plays `then` more blocks. Returns the left channel of
/// the whole stream, the swap's report, and the channel the player hands retired programs
/// to.
pub fn play_through(
    before: &str,
    after: &str,
    at: usize,
    then: usize,
    block: usize,
) -> (
    Vec<f32>,
    phonon_runtime::live::Swapped,
    std::sync::mpsc::Receiver<Box<Engine>>,
) {
    use phonon_runtime::live::{Incoming, Player};
    use std::sync::mpsc::channel;
    let engine = |src: &str| {
        let compiled = compile(src).unwrap_or_else(|d| panic!("{:?}", d[0].message));
        Box::new(Engine::new(compiled.spec, block, 1).expect("a valid program"))
    };
    let (incoming_tx, incoming_rx) = channel();
    let (retired_tx, retired_rx) = channel();
    let (swap_tx, swap_rx) = channel();
    let mut player = Player::new(engine(before), incoming_rx, retired_tx, swap_tx);
    let mut left = Vec::new();
    let mut out = vec![0.0f32; 2 * block];
    for b in 0..at + then {
        if b == at {
            incoming_tx
                .send(Incoming {
                    engine: engine(after),
                    noticed: std::time::Instant::now(),
                    compile_ms: 0.0,
                    played_when_ready: 0,
                })
                .unwrap();
        }
        player.next_block(block, &mut out);
        left.extend(out.iter().step_by(2));
    }
    (left, swap_rx.try_recv().unwrap(), retired_rx)
}

/// One channel of interleaved audio.
pub fn channel(audio: &Rendered, index: usize) -> Vec<f32> {
    audio
        .samples
        .iter()
        .skip(index)
        .step_by(audio.channels)
        .copied()
        .collect()
}

pub fn rms(x: &[f32]) -> f64 {
    (x.iter().map(|&v| v as f64 * v as f64).sum::<f64>() / x.len() as f64).sqrt()
}

pub fn db(ratio: f64) -> f64 {
    20.0 * ratio.log10()
}

/// The amplitude of the component of `x` at `hz` (a Hann-windowed single-bin DFT, scaled so
/// that a full-scale sine reads 1).
pub fn tone_amplitude(x: &[f32], hz: f64) -> f64 {
    let n = x.len();
    let w = std::f64::consts::TAU * hz / SAMPLE_RATE as f64;
    let (mut re, mut im, mut window_sum) = (0.0, 0.0, 0.0);
    for (i, &v) in x.iter().enumerate() {
        let hann = 0.5 - 0.5 * (std::f64::consts::TAU * i as f64 / (n - 1) as f64).cos();
        let phase = w * i as f64;
        re += hann * v as f64 * phase.cos();
        im -= hann * v as f64 * phase.sin();
        window_sum += hann;
    }
    2.0 * (re * re + im * im).sqrt() / window_sum
}

/// The frequency in `lo..hi` Hz with the largest amplitude: a 5 Hz scan, then a 0.01 Hz
/// scan around its best bin.
pub fn peak_frequency(x: &[f32], lo: f64, hi: f64) -> f64 {
    let best = |from: f64, to: f64, step: f64| {
        let steps = ((to - from) / step).round() as usize;
        (0..=steps)
            .map(|i| from + i as f64 * step)
            .map(|f| (f, tone_amplitude(x, f)))
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(f, _)| f)
            .expect("a non-empty range")
    };
    let coarse = best(lo, hi, 5.0);
    best(coarse - 5.0, coarse + 5.0, 0.01)
}

/// Runs the `phonon` command line in-process with `args` (without the program name):
/// (exit code, stdout, stderr).
pub fn phonon(args: &[&str]) -> (i32, String, String) {
    let args: Vec<String> = std::iter::once("phonon")
        .chain(args.iter().copied())
        .map(String::from)
        .collect();
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let code = phonon_cli::run(
        &args,
        phonon_cli::Io {
            stdin: &mut std::io::empty(),
            stdout: &mut stdout,
            stderr: &mut stderr,
            color: false,
        },
    );
    (
        code,
        String::from_utf8(stdout).unwrap(),
        String::from_utf8(stderr).unwrap(),
    )
}

/// Writes `frames` as a one-channel 32-bit float WAV file `dir/name/a.wav`, 44.1 kHz: a sample
/// folder in the Dirt layout for tests that need a sound of known content.
pub fn write_sample_folder(dir: &std::path::Path, name: &str, frames: &[f32]) {
    let folder = dir.join(name);
    std::fs::create_dir_all(&folder).unwrap();
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: SAMPLE_RATE,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(folder.join("a.wav"), spec).unwrap();
    for &x in frames {
        w.write_sample(x).unwrap();
    }
    w.finalize().unwrap();
}
