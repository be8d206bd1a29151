//! The commands that run the whole compiler: `compile`, `ir`, `render`, `bench`.

use crate::{EXIT_USER_ERROR, Io, SampleArgs, SourceFile, read_source};
use phonon_compiler::diagnostic::Diagnostic;
use phonon_compiler::diagnostic::render_all;
use phonon_compiler::program::{Compiled, Options};
use phonon_runtime::engine::Engine;
use phonon_runtime::engine::voices::DEFAULT_VOICE_CAP;
use phonon_runtime::master::Master;
use phonon_runtime::render::{Rendered, channels as render_channels, render_into};
use phonon_runtime::samples::{SampleLibrary, SearchPath};
use phonon_runtime::wav::{WavFile, write_wav};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Reads and compiles a file, printing diagnostics (errors and warnings) to stderr.
fn compiled(path: &PathBuf, with: &Compiler, io: &mut Io) -> Result<(SourceFile, Compiled), i32> {
    let source = read_source(path, io)?;
    match with.compile(&source.text) {
        Ok(c) => {
            if !c.warnings.is_empty() {
                let _ = writeln!(
                    io.stderr,
                    "{}",
                    render_all(&c.warnings, &source.name, &source.text, io.color)
                );
            }
            Ok((source, c))
        }
        Err(diags) => {
            let _ = writeln!(
                io.stderr,
                "{}",
                render_all(&diags, &source.name, &source.text, io.color)
            );
            let n = diags.iter().filter(|d| d.is_error()).count();
            let _ = writeln!(
                io.stderr,
                "{}: {n} error{} found",
                source.name,
                if n == 1 { "" } else { "s" }
            );
            Err(EXIT_USER_ERROR)
        }
    }
}

/// The compiler's options and the sample folders the command line names: what every
/// command that compiles a program needs.
#[derive(Clone)]
pub(crate) struct Compiler {
    pub options: Options,
    pub library: Arc<SampleLibrary>,
}

impl Compiler {
    /// Compiles `src` and loads the sounds it plays.
    pub fn compile(&self, src: &str) -> Result<Compiled, Vec<Diagnostic>> {
        phonon_sounds::compile(src, &self.library, &self.options)
    }
}

impl SampleArgs {
    pub(crate) fn compiler(&self, sample_rate: u32) -> Compiler {
        Compiler {
            options: Options {
                sample_rate,
                keep_clif: false,
                voice_cap: self.voices.map_or(DEFAULT_VOICE_CAP, |v| v as usize),
                plays: true,
                midi: false,
            },
            library: Arc::new(SampleLibrary::new(SearchPath::standard(&self.dirs))),
        }
    }
}

fn threads_or_cores(threads: Option<usize>) -> usize {
    threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

pub fn compile(path: &PathBuf, timings: bool, samples: &SampleArgs, mut io: Io) -> i32 {
    // Compiled to be checked and timed, not played.
    let mut with = samples.compiler(44_100);
    with.options.plays = false;
    // What `live --midi-out` would play is a program too.
    with.options.midi = true;
    let (source, c) = match compiled(path, &with, &mut io) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let sum = c.summary();
    let tempo = if sum.tempo_is_pattern {
        "tempo a pattern".to_string()
    } else {
        format!("{} cps", sum.cps)
    };
    let _ = writeln!(
        io.stdout,
        "{}: ok ({} output{}, {} nodes, {} stages, {} kernels compiled as {} functions, {tempo})",
        source.name,
        sum.outputs,
        if sum.outputs == 1 { "" } else { "s" },
        sum.nodes,
        sum.stages,
        sum.kernels,
        sum.functions,
    );
    if timings {
        let t = &c.timings;
        for (name, d) in [
            ("parse + check", t.front_end),
            ("lower to IR", t.lower),
            // Loaded while the code is generated: the total is less than the sum.
            ("samples (parallel)", t.samples),
            ("schedule", t.schedule),
            ("codegen (Cranelift)", t.codegen),
            ("link", t.link),
            ("total", t.total),
        ] {
            let _ = writeln!(io.stdout, "  {name:<20} {:>8.3} ms", ms(d));
        }
    }
    0
}

/// What `phonon ir` prints.
pub enum Dump {
    /// The signal graph and the plan.
    Graph,
    /// Each kernel's Cranelift IR.
    Clif,
    /// Every pattern as its tree (`--patterns`).
    Patterns,
}

pub fn ir(path: &PathBuf, dump: Dump, samples: &SampleArgs, mut io: Io) -> i32 {
    let mut with = samples.compiler(44_100);
    with.options.keep_clif = matches!(dump, Dump::Clif);
    with.options.plays = false;
    // What `live --midi-out` would play is a program too.
    with.options.midi = true;
    let (source, c) = match compiled(path, &with, &mut io) {
        Ok(x) => x,
        Err(code) => return code,
    };
    match dump {
        Dump::Clif => {
            for (i, text) in c.clif.iter().enumerate() {
                let _ = writeln!(io.stdout, "; kernel {i}\n{text}");
            }
        }
        Dump::Patterns => {
            let _ = write!(io.stdout, "{}", c.print_patterns(&source.text));
        }
        Dump::Graph => {
            let _ = write!(io.stdout, "{}", c.print_ir());
        }
    }
    0
}

/// Blocks each program of `phonon ir --summary` runs, after as many again to warm up.
const SUMMARY_BLOCKS: usize = 200;
const SUMMARY_BLOCK: usize = 512;

/// The median time of a 512-frame block of `src`, from 200 blocks after 200 to warm up.
fn median_block_ms(with: &Compiler, src: &str, threads: usize) -> Option<f64> {
    let c = with.compile(src).ok()?;
    let mut engine = Engine::new(c.spec, SUMMARY_BLOCK, threads).ok()?;
    let mut times = Vec::with_capacity(SUMMARY_BLOCKS);
    engine.run(|engine| {
        for i in 0..2 * SUMMARY_BLOCKS {
            let t = Instant::now();
            engine.process(SUMMARY_BLOCK);
            if i >= SUMMARY_BLOCKS {
                times.push(ms(t.elapsed()));
            }
        }
    });
    times.sort_by(|a, b| a.total_cmp(b));
    Some(times[times.len() / 2])
}

/// `phonon ir --summary`: each output's patterns, sounds, processing, and share of the block
/// time: how much faster a block is on one thread with the output muted (`mute NAME`
/// appended), of the whole program's block time.
pub fn ir_summary(path: &PathBuf, samples: &SampleArgs, mut io: Io) -> i32 {
    let with = samples.compiler(44_100);
    let (source, c) = match compiled(path, &with, &mut io) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let outputs = c.output_summaries();
    // One thread: each output's share is then the time its own work takes (with the stages
    // run in parallel, muting one output changes how the others share the cores).
    let threads = 1;
    let budget = SUMMARY_BLOCK as f64 / 44_100.0 * 1e3;
    let whole = median_block_ms(&with, &source.text, threads);
    let sum = c.summary();
    let _ = write!(
        io.stdout,
        "{}: {} output{}, {}",
        source.name,
        outputs.len(),
        if outputs.len() == 1 { "" } else { "s" },
        if sum.tempo_is_pattern {
            "tempo a pattern".to_string()
        } else {
            format!("{} cps", sum.cps)
        }
    );
    match whole {
        Some(t) => {
            let _ = writeln!(
                io.stdout,
                "; a block of {SUMMARY_BLOCK} frames takes {t:.3} ms of its {budget:.2} ms ({:.1}%) on {threads} thread{}",
                t / budget * 100.0,
                if threads == 1 { "" } else { "s" }
            );
        }
        None => {
            let _ = writeln!(io.stdout);
        }
    }
    for o in &outputs {
        let share = whole.and_then(|t| {
            let muted = format!("{}\nmute {}\n", source.text, o.name);
            let without = median_block_ms(&with, &muted, threads)?;
            Some(((t - without) / t * 100.0).clamp(0.0, 100.0))
        });
        let _ = writeln!(
            io.stdout,
            "\n{}  (line {}){}",
            o.name,
            o.line,
            share.map_or(String::new(), |s| format!("  {s:.0}% of the block time"))
        );
        for (kind, origin, label) in &o.patterns {
            let label: String = label.chars().take(60).collect();
            let _ = writeln!(io.stdout, "    {kind:<8} {origin:<6} {label}");
        }
        if !o.sounds.is_empty() {
            let _ = writeln!(io.stdout, "    sounds   {}", o.sounds.join(" "));
        }
        if !o.processing.is_empty() {
            let _ = writeln!(io.stdout, "    signal   {}", o.processing.join(" "));
        }
    }
    0
}

pub struct RenderArgs {
    pub output: PathBuf,
    pub cycles: Option<f64>,
    pub seconds: Option<f64>,
    pub sample_rate: u32,
    pub block: usize,
    pub threads: Option<usize>,
    pub split: bool,
    /// Through the master limiter (`--no-limiter` turns it off).
    pub limit: bool,
    /// `--plot`: a picture of what was rendered (waveform and spectrogram).
    pub plot: Option<PathBuf>,
}

pub fn render(path: &PathBuf, samples: &SampleArgs, args: &RenderArgs, mut io: Io) -> i32 {
    let with = samples.compiler(args.sample_rate);
    let (source, c) = match compiled(path, &with, &mut io) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let sr = args.sample_rate as f64;
    let seconds = match (args.seconds, args.cycles) {
        (Some(s), _) => s,
        (None, Some(n)) => c.seconds_for_cycles(n),
        (None, None) => c.seconds_for_cycles(4.0),
    };
    if !(seconds.is_finite() && seconds > 0.0 && seconds <= 24.0 * 3600.0) {
        let _ = writeln!(
            io.stderr,
            "error: the length must be positive and at most a day (got {seconds} s)"
        );
        return crate::EXIT_USAGE;
    }
    let frames = (seconds * sr).round() as usize;
    let mut engine = match Engine::new(c.spec, args.block, threads_or_cores(args.threads)) {
        Ok(e) => e,
        Err(e) => {
            let _ = writeln!(io.stderr, "error: {e}");
            return EXIT_USER_ERROR;
        }
    };
    // The stems' order: the named outputs, then the orbits' effects.
    let stems: Vec<String> = engine.outputs().iter().map(|o| o.name.clone()).collect();
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(frames as u64),
        if io.color && seconds > 30.0 {
            indicatif::ProgressDrawTarget::stderr()
        } else {
            indicatif::ProgressDrawTarget::hidden()
        },
    );
    let channels = render_channels(&engine, args.split);
    // Written while it renders (the limiter and the file on a thread of their own).
    let mut file = match WavFile::create(&args.output, args.sample_rate, channels) {
        Ok(f) => f,
        Err(e) => {
            let _ = writeln!(io.stderr, "error: {e}");
            return EXIT_USER_ERROR;
        }
    };
    let started = Instant::now();
    let (block, split, limit) = (args.block, args.split, args.limit);
    // The largest sample written, for the summary.
    let mut peak = 0f32;
    let blowups = engine.run(|engine| {
        render_into(
            engine,
            frames,
            block,
            split,
            limit,
            &mut |done| bar.set_position(done as u64),
            &mut |samples| {
                peak = samples.iter().fold(peak, |m, v| m.max(v.abs()));
                file.write(samples)
            },
        );
        let outputs = engine.outputs();
        let blowups: Vec<String> = engine
            .blowups()
            .iter()
            .map(|b| b.describe(&outputs[b.output], args.sample_rate))
            .chain(engine.refusals().iter().map(|r| r.describe()))
            .collect();
        blowups
    });
    bar.finish_and_clear();
    let took = started.elapsed();
    for b in &blowups {
        let _ = writeln!(io.stderr, "warning: {}:{b}", source.name);
    }
    if let Err(e) = file.finish() {
        let _ = writeln!(io.stderr, "error: {e}");
        return EXIT_USER_ERROR;
    }
    let level = if peak > 0.0 {
        format!("peak {:.1} dBFS", 20.0 * peak.log10())
    } else {
        "silent".to_string()
    };
    let _ = writeln!(
        io.stdout,
        "{}: wrote {} ({:.2} s, {} channel{}{}, {} Hz, 32-bit float, {level}) in {:.2} s",
        source.name,
        args.output.display(),
        frames as f64 / sr,
        channels,
        if channels == 1 { "" } else { "s" },
        if args.split {
            format!(", one stereo pair per output: {}", stems.join(", "))
        } else {
            String::new()
        },
        args.sample_rate,
        took.as_secs_f64()
    );
    let path = args.output.display();
    let _ = writeln!(
        io.stdout,
        "play it with `aplay {path}`, `ffplay -nodisp -autoexit {path}` or any audio player"
    );
    if let Some(picture) = &args.plot {
        let names = if args.split {
            stems
        } else {
            vec!["mix".to_string()]
        };
        match plot_rendered(&args.output, picture, &source.name, &names) {
            Ok(()) => {
                let _ = writeln!(io.stdout, "drew {}", picture.display());
            }
            Err(e) => {
                let _ = writeln!(io.stderr, "error: cannot draw {}: {e}", picture.display());
                return EXIT_USER_ERROR;
            }
        }
    }
    0
}

/// `render --plot`: the WAV just written, a panel per stereo pair (each the mean of its two
/// channels), named `names`.
fn plot_rendered(
    wav: &std::path::Path,
    picture: &std::path::Path,
    title: &str,
    names: &[String],
) -> Result<(), String> {
    let reader = hound::WavReader::open(wav).map_err(|e| e.to_string())?;
    let spec = reader.spec();
    let channels = spec.channels as usize;
    let samples: Vec<f32> = reader
        .into_samples::<f32>()
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    let frames = samples.len() / channels.max(1);
    let panels: Vec<(String, Vec<f32>)> = (0..channels / 2)
        .map(|p| {
            let mono = (0..frames)
                .map(|f| 0.5 * (samples[f * channels + 2 * p] + samples[f * channels + 2 * p + 1]))
                .collect();
            let name = names
                .get(p)
                .cloned()
                .unwrap_or_else(|| format!("pair {}", p + 1));
            (name, mono)
        })
        .collect();
    let png = crate::plot::sound::png(title, &panels, spec.sample_rate)?;
    std::fs::write(picture, png).map_err(|e| e.to_string())
}

pub struct BenchArgs {
    pub blocks: usize,
    pub block: usize,
    pub sample_rate: u32,
    pub threads: Option<usize>,
    pub json: bool,
}

pub fn bench(path: &PathBuf, samples: &SampleArgs, args: &BenchArgs, mut io: Io) -> i32 {
    let with = samples.compiler(args.sample_rate);
    let (source, c) = match compiled(path, &with, &mut io) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let compile_ms = ms(c.timings.total);
    let threads = threads_or_cores(args.threads);
    let mut engine = match Engine::new(c.spec, args.block, threads) {
        Ok(e) => e,
        Err(e) => {
            let _ = writeln!(io.stderr, "error: {e}");
            return EXIT_USER_ERROR;
        }
    };
    let mut times = Vec::with_capacity(args.blocks);
    // The master (mix of the outputs and the limiter), timed apart from the program's blocks.
    let mut master_times = Vec::with_capacity(args.blocks);
    let mut master = Master::new(args.sample_rate, 1, true);
    let mut mix = vec![0.0f32; 2 * args.block];
    let started = Instant::now();
    let (blocks, block) = (args.blocks, args.block);
    engine.run(|engine| {
        for _ in 0..blocks {
            let t = Instant::now();
            engine.process(block);
            times.push(ms(t.elapsed()));
            let t = Instant::now();
            engine.mix_master(block, &mut mix);
            master.process(&mut mix);
            master_times.push(ms(t.elapsed()));
        }
    });
    // The program's own speed: the master's share of the time is reported apart.
    let wall = started.elapsed().as_secs_f64() - master_times.iter().sum::<f64>() / 1e3;
    times.sort_by(|a, b| a.total_cmp(b));
    master_times.sort_by(|a, b| a.total_cmp(b));
    let master_median = master_times[master_times.len() / 2];
    let pick = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    let (min, median, p99, max) = (times[0], pick(0.5), pick(0.99), times[times.len() - 1]);
    let audio_seconds = (args.blocks * args.block) as f64 / args.sample_rate as f64;
    let realtime = audio_seconds / wall;
    let counters = engine.counters();
    let events_per_block = counters.events as f64 / counters.blocks.max(1) as f64;
    let (voices_peak, voices_stolen) = (counters.voices_peak, counters.voices_stolen);
    if args.json {
        let _ = writeln!(
            io.stdout,
            "{{\"compile_ms\":{compile_ms:.4},\"block_ms\":{{\"min\":{min:.5},\"median\":{median:.5},\"p99\":{p99:.5},\"max\":{max:.5}}},\"realtime_factor\":{realtime:.2},\"events_per_block\":{events_per_block:.3},\"voices_peak\":{voices_peak},\"voices_stolen\":{voices_stolen},\"master_ms\":{master_median:.5},\"threads\":{threads},\"block\":{},\"sample_rate\":{}}}",
            args.block, args.sample_rate
        );
    } else {
        let budget = args.block as f64 / args.sample_rate as f64 * 1e3;
        let _ = writeln!(
            io.stdout,
            "{}: {} blocks of {} frames at {} Hz on {threads} thread{} (budget {budget:.2} ms per block)\n\
             compile       {compile_ms:>9.3} ms\n\
             block min     {min:>9.4} ms\n\
             block median  {median:>9.4} ms\n\
             block p99     {p99:>9.4} ms\n\
             block max     {max:>9.4} ms\n\
             real time     {realtime:>9.1}x\n\
             events/block  {events_per_block:>9.2}\n\
             voices peak   {voices_peak:>9}\n\
             voices stolen {voices_stolen:>9}\n\
             master median {master_median:>9.4} ms (mix and limiter, not in the block times)",
            source.name,
            args.blocks,
            args.block,
            args.sample_rate,
            if threads == 1 { "" } else { "s" },
        );
    }
    0
}

/// `phonon kit`: lists the built-in sounds, or writes them as WAV files in Dirt layout.
pub fn kit(export: Option<&std::path::Path>, sample_rate: u32, io: Io) -> i32 {
    use phonon_sounds::kit;
    let names: Vec<&str> = kit::names().collect();
    let sounds = match kit::sounds(&names, sample_rate) {
        Ok(s) => s,
        Err(e) => {
            let _ = writeln!(io.stderr, "error: {e}");
            return EXIT_USER_ERROR;
        }
    };
    let Some(dir) = export else {
        let mut total = 0.0;
        for s in kit::SOUNDS {
            let lengths: Vec<String> = sounds[s.name]
                .iter()
                .map(|x| {
                    let secs = x.len() as f64 / sample_rate as f64;
                    total += secs;
                    format!("{secs:.2}")
                })
                .collect();
            let _ = writeln!(
                io.stdout,
                "{:<6} {:<58} {} s",
                s.name,
                s.description,
                lengths.join(" ")
            );
        }
        let count = kit::SOUNDS.len() * kit::VARIANTS;
        let _ = writeln!(
            io.stdout,
            "{} sounds, {} variants each: {count} samples, mean length {:.2} s",
            kit::SOUNDS.len(),
            kit::VARIANTS,
            total / count as f64
        );
        return 0;
    };
    for s in kit::SOUNDS {
        let folder = dir.join(s.name);
        if let Err(e) = std::fs::create_dir_all(&folder) {
            let _ = writeln!(
                io.stderr,
                "error: cannot create `{}`: {e}",
                folder.display()
            );
            return EXIT_USER_ERROR;
        }
        for (v, sample) in sounds[s.name].iter().enumerate() {
            let path = folder.join(format!("{}{v}.wav", s.name));
            let audio = Rendered {
                channels: 1,
                frames: sample.len(),
                samples: sample.frames(0).to_vec(),
            };
            if let Err(e) = write_wav(&path, sample_rate, &audio) {
                let _ = writeln!(io.stderr, "error: {e}");
                return EXIT_USER_ERROR;
            }
        }
    }
    let _ = writeln!(
        io.stdout,
        "wrote {} sounds x {} variants to {} (Dirt-Samples layout, {} Hz)",
        kit::SOUNDS.len(),
        kit::VARIANTS,
        dir.display(),
        sample_rate
    );
    0
}
