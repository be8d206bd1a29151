//! The `phonon` command line. `run` takes the arguments and output streams so the end-to-end
//! tests can drive the whole CLI in-process.

use clap::{CommandFactory, Parser, Subcommand};
use phonon_compiler::{ast_dump, diagnostic::render_all, front_end};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

mod audio;
pub mod control;
mod live;
mod lsp;
mod plot;

/// Exit codes: 0 success, 1 the program has errors, 2 the command line is wrong.
pub const EXIT_USER_ERROR: i32 = 1;
pub const EXIT_USAGE: i32 = 2;

/// `phonon --version`: the crate's version and the commit it was built from.
const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (", env!("PHONON_COMMIT"), ")");

#[derive(Parser, Debug)]
#[command(
    name = "phonon",
    version = VERSION,
    about = "Phonon: a live-coding music language, compiled",
    long_about = "Phonon compiles `.ph` programs (TidalCycles-style patterns and synthesis in one file) \
                  to native code and plays them.",
    after_help = "Examples:\n  phonon render examples/house.ph -o house.wav --cycles 8\n  phonon render examples/synth16.ph -o synth16.wav --cycles 4\n  phonon compile examples/acid.ph --timings\n  phonon bench examples/synth16.ph --json\n  phonon ir examples/synth16.ph\n  phonon query 'jux rev $ s \"bd sn\"' --from 0 --to 2\n  cat beat.ph | phonon compile -"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where samples come from and how many voices a player may hold.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct SampleArgs {
    /// A folder of sample folders (Dirt-Samples layout), searched first; may be repeated.
    /// Then PHONON_SAMPLES, ./samples, ~/.local/share/phonon/samples, SuperDirt's
    /// Dirt-Samples, and the built-in kit.
    #[arg(long = "samples", value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// Voices each sample player may hold before it steals the oldest (default 2048).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub voices: Option<u32>,
}

/// How a program is played live: the sink, the recording, the block.
#[derive(clap::Args, Debug)]
pub struct PlayArgs {
    /// Where the sound goes: `cpal` the audio device, `null` consumes blocks at
    /// real-time pace without a sound card.
    #[arg(long, default_value = "cpal", value_parser = ["cpal", "null"])]
    sink: String,
    /// The output device: the first whose name contains this (default: the system's).
    #[arg(long)]
    device: Option<String>,
    /// Channels to open the device with (the program plays on the first two, or with
    /// --split on all of them).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=64))]
    channels: Option<u16>,
    /// One stereo pair per output and per orbit (o1 on channels 1-2, o2 on 3-4, ...)
    /// instead of the master mix, on the --channels the device is opened with (and in
    /// the --record file). An output keeps its pair across reloads; outputs beyond the
    /// pairs share the last one.
    #[arg(long, requires = "channels")]
    split: bool,
    /// Write exactly the frames sent to the sink to this WAV file (32-bit float stereo).
    #[arg(long, value_name = "OUT.wav")]
    record: Option<PathBuf>,
    /// Frames per block, and the device's period where it lets phonon choose. Smaller
    /// blocks are heard sooner after a save (two blocks wait ahead of the sink) and leave
    /// less time for each; 256 frames at 44.1 kHz is 5.8 ms.
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u32).range(16..=8192))]
    block: u32,
    /// The null sink's sample rate (a device plays at its own, and the program and its
    /// samples are compiled for that).
    #[arg(long, default_value_t = 44_100, value_parser = clap::value_parser!(u32).range(8000..=192_000))]
    sample_rate: u32,
    /// Worker threads for the heavy stages (default: every core).
    #[arg(long)]
    threads: Option<usize>,
    /// Stop after this many seconds (default: play until interrupted).
    #[arg(long)]
    seconds: Option<f64>,
    /// Blocks rendered ahead of what the sink takes at once: the margin against a render
    /// thread held up by the machine, and the blocks an edit waits before it is heard.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=64))]
    ahead: u32,
    /// Send the mix to the sink without the master limiter (for mastering elsewhere):
    /// samples above 0 dBFS then reach the device and the recording as they are.
    #[arg(long)]
    no_limiter: bool,
    /// On a terminal, draw a level meter per output and an oscilloscope of the mix under the
    /// status line.
    #[arg(long)]
    scope: bool,
    #[command(flatten)]
    samples: SampleArgs,
}

impl PlayArgs {
    /// Opens the sink; the arguments `live` plays with, and the sample folders.
    fn open(self, io: &mut Io) -> Result<(live::LiveArgs, SampleArgs), i32> {
        let stems = match (self.split, self.channels) {
            (false, _) => None,
            (true, Some(c)) if c >= 2 && c % 2 == 0 => Some(c as usize / 2),
            (true, c) => {
                let _ = writeln!(
                    io.stderr,
                    "error: --split needs an even --channels of at least 2 (two per output), not {}",
                    c.unwrap_or(0)
                );
                return Err(EXIT_USAGE);
            }
        };
        let (sink, sample_rate) = match live::open_sink(
            &self.sink,
            self.device.as_deref(),
            self.channels,
            self.block as usize,
            self.sample_rate,
        ) {
            Ok(x) => x,
            Err(e) => {
                let _ = writeln!(io.stderr, "error: {e}");
                return Err(EXIT_USER_ERROR);
            }
        };
        let args = live::LiveArgs {
            sink,
            block: self.block as usize,
            sample_rate,
            threads: self
                .threads
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
            seconds: self.seconds,
            record: self.record,
            ahead: self.ahead as usize,
            limit: !self.no_limiter,
            stems,
            osc_out: None,
            midi_out: None,
            midi_in: None,
            midi_clock: None,
            link: None,
            scope: self.scope,
        };
        Ok((args, self.samples))
    }
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Compile a program to native code, reporting every error.
    #[command(
        after_help = "Runs the whole pipeline: parse, check, lower to the signal IR, schedule, and generate native code.\n\
Exit status: 0 when the program compiles (warnings allowed), 1 when it has errors, 2 on a usage error.\n\n\
Examples:\n  phonon compile examples/synth16.ph --timings\n  phonon compile examples/house.ph --check\n  echo 'out: sine 440' | phonon compile -"
    )]
    Compile {
        /// The `.ph` file, or `-` for standard input.
        file: PathBuf,
        /// Print how long each phase took.
        #[arg(long)]
        timings: bool,
        /// Only run the front end (parse, names, arguments): works for every valid program,
        /// including what the audio compiler cannot compile yet.
        #[arg(long, conflicts_with = "timings")]
        check: bool,
        #[command(flatten)]
        samples: SampleArgs,
    },
    /// Show what a program became: the signal IR and the plan, the syntax tree, or the
    /// Cranelift IR of each kernel.
    #[command(
        after_help = "Examples:\n  phonon ir examples/synth16.ph\n  phonon ir examples/house.ph --ast\n  phonon ir examples/feedback.ph --clif"
    )]
    Ir {
        /// The `.ph` file, or `-` for standard input.
        file: PathBuf,
        /// Print the syntax tree: every statement, expression and mini-notation step with its line:col.
        #[arg(long, conflicts_with = "clif")]
        ast: bool,
        /// Print each kernel's Cranelift IR.
        #[arg(long)]
        clif: bool,
        /// Print every pattern the program plays as the tree it is made from (transforms in
        /// the order they apply, mini-notation parsed, buses followed), with line:col.
        #[arg(long, conflicts_with_all = ["ast", "clif"])]
        patterns: bool,
        /// Print each output as a musician reads it: the patterns it plays, its sounds and
        /// synth voices, what processes it, and its share of the block time (measured).
        #[arg(long, conflicts_with_all = ["ast", "clif", "patterns"])]
        summary: bool,
        #[command(flatten)]
        samples: SampleArgs,
    },
    /// Play a program and swap in every saved version of the file.
    #[command(
        after_help = "Watches FILE; each save is compiled on a background thread and swapped in at a block boundary:
the cycle clock continues, nodes that survive the edit keep their state, sample voices ring out, outputs
whose code changed crossfade over 20 ms. A file that does not compile prints its errors and the last good
program keeps playing.

Examples:
  phonon live song.ph --seconds 60 --record set.wav
  phonon live examples/house.ph --sink null"
    )]
    Live {
        /// The `.ph` file to play and watch.
        #[arg(required_unless_present_any = ["list_devices", "list_midi"])]
        file: Option<PathBuf>,
        /// List the output devices and exit.
        #[arg(long)]
        list_devices: bool,
        #[command(flatten)]
        play: PlayArgs,
        /// Send the sample players' events to SuperDirt (or anything that reads its
        /// `/dirt/play`) at HOST:PORT instead of playing them (e.g. 127.0.0.1:57120).
        #[arg(long, value_name = "HOST:PORT", value_parser = socket_address)]
        osc_out: Option<std::net::SocketAddr>,
        /// Seconds the OSC bundles are sent ahead of when they sound (Tidal's default).
        #[arg(long, default_value_t = live::osc::DEFAULT_LATENCY, requires = "osc_out")]
        osc_latency: f64,
        /// Play the events of the sound `midi` (`s "midi"`, as Tidal) on this MIDI port: the
        /// first system port whose name contains PORT, or a JACK port as jack:CLIENT:PORT.
        #[arg(long, value_name = "PORT")]
        midi_out: Option<String>,
        /// Seconds MIDI messages are sent after their events sound from the audio device (its
        /// own latency is measured), for what the synth adds.
        #[arg(long, default_value_t = 0.0, requires = "midi_out")]
        midi_latency: f64,
        /// Read this MIDI input (a system port whose name contains PORT, or jack:CLIENT:PORT):
        /// its controllers are `cc N`, its last note `notein`.
        #[arg(long, value_name = "PORT")]
        midi_in: Option<String>,
        /// Follow the --midi-in port's MIDI clock: each cycle at its tempo, BEATS beats (24
        /// clocks each) a cycle.
        #[arg(long, value_name = "BEATS", requires = "midi_in", num_args = 0..=1, default_missing_value = "4")]
        midi_clock: Option<f64>,
        /// List the MIDI ports --midi-out and --midi-in can name, and exit.
        #[arg(long)]
        list_midi: bool,
        /// Join an Ableton Link session: the cycles follow its tempo and phase, a tempo set
        /// in the file goes to its peers (needs a phonon built with the `link` feature).
        #[arg(long)]
        link: bool,
        /// With --link, the beats of the session a cycle has.
        #[arg(long, value_name = "BEATS", default_value_t = 4.0, requires = "link")]
        link_quantum: f64,
    },
    /// Play what Tidal sends SuperDirt: Phonon as a drop-in SuperDirt.
    #[command(
        after_help = "Listens for SuperDirt's OSC messages (/dirt/play in time-stamped bundles, /dirt/hello,
/dirt/handshake) and plays each event with Phonon's sample player, synths and orbits at its
bundle's time. Tidal needs no change: stop SuperDirt (it holds the port) and start this.

Examples:
  phonon serve
  phonon serve --port 57120 --orbits 12 --record tidal.wav"
    )]
    Serve {
        /// The UDP port to listen on (SuperDirt's), on 127.0.0.1.
        #[arg(long, default_value_t = live::serve::DEFAULT_PORT)]
        port: u16,
        /// Orbits, numbered from 0 (an event's `orbit` wraps around them, as SuperDirt's).
        #[arg(long, default_value_t = live::serve::DEFAULT_ORBITS, value_parser = clap::value_parser!(u32).range(1..=16))]
        orbits: u32,
        #[command(flatten)]
        play: PlayArgs,
    },
    /// Render a program to a 32-bit float WAV file.
    #[command(after_help = "Without --cycles or --seconds, renders 4 cycles.\n\n\
Examples:\n  phonon render examples/synth16.ph -o synth16.wav\n  phonon render examples/chords.ph -o chords.wav --seconds 20 --sample-rate 48000\n  phonon render examples/arithmetic.ph -o stems.wav --split")]
    Render {
        /// The `.ph` file, or `-` for standard input.
        file: PathBuf,
        /// The WAV file to write.
        #[arg(short, long)]
        output: PathBuf,
        /// Length in cycles.
        #[arg(long, conflicts_with = "seconds")]
        cycles: Option<f64>,
        /// Length in seconds.
        #[arg(long)]
        seconds: Option<f64>,
        #[arg(long, default_value_t = 44_100, value_parser = clap::value_parser!(u32).range(8_000..=384_000))]
        sample_rate: u32,
        /// Frames per block.
        #[arg(long, default_value_t = 512, value_parser = clap::value_parser!(u32).range(1..=65_536))]
        block: u32,
        /// Worker threads (default: the number of cores).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=256))]
        threads: Option<u32>,
        /// One stereo pair per output (o1 in channels 1-2, o2 in 3-4, ...) instead of the master mix.
        #[arg(long)]
        split: bool,
        /// Write without the master limiter (each stem's own with --split): samples above
        /// 0 dBFS are written as they are.
        #[arg(long)]
        no_limiter: bool,
        /// Also draw what was rendered into this PNG: the waveform over a spectrogram, of the
        /// mix or (with --split) of each output.
        #[arg(long, value_name = "OUT.png")]
        plot: Option<PathBuf>,
        #[command(flatten)]
        samples: SampleArgs,
    },
    /// Measure a program: compile time and the time of each block, rendered without writing.
    #[command(
        after_help = "The real-time factor is audio time rendered over wall time (300 means 300x faster than real time).\n\n\
Examples:\n  phonon bench examples/synth16.ph\n  phonon bench examples/synth16.ph --blocks 4000 --threads 1 --json"
    )]
    Bench {
        /// The `.ph` file, or `-` for standard input.
        file: PathBuf,
        /// Blocks to render.
        #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u32).range(1..))]
        blocks: u32,
        /// Frames per block.
        #[arg(long, default_value_t = 512, value_parser = clap::value_parser!(u32).range(1..=65_536))]
        block: u32,
        #[arg(long, default_value_t = 44_100, value_parser = clap::value_parser!(u32).range(8_000..=384_000))]
        sample_rate: u32,
        /// Worker threads (default: the number of cores).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=256))]
        threads: Option<u32>,
        /// Print one JSON object instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        samples: SampleArgs,
    },
    /// List the built-in sample kit, or write it out as WAV files in the Dirt-Samples layout.
    #[command(
        after_help = "Examples:\n  phonon kit\n  phonon kit --export ~/.local/share/phonon/samples"
    )]
    Kit {
        /// Write every sound as DIR/<name>/<name><variant>.wav (32-bit float, mono).
        #[arg(long, value_name = "DIR")]
        export: Option<PathBuf>,
        #[arg(long, default_value_t = 44_100, value_parser = clap::value_parser!(u32).range(8_000..=384_000))]
        sample_rate: u32,
    },
    /// Print a shell's completion script for phonon.
    #[command(
        after_help = "Examples:\n  phonon completions bash > ~/.local/share/bash-completion/completions/phonon\n  phonon completions zsh > ~/.zfunc/_phonon\n  phonon completions fish > ~/.config/fish/completions/phonon.fish"
    )]
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
    /// Run a language server on stdin/stdout for editors (diagnostics as you type, hover,
    /// completion, outline).
    #[command(
        after_help = "Speaks the Language Server Protocol (JSON-RPC over stdin/stdout): point an editor's LSP client
for .ph files at `phonon lsp`. See editors/ for VS Code and Neovim."
    )]
    Lsp {
        #[command(flatten)]
        samples: SampleArgs,
    },
    /// Tell the `phonon live` playing a file what an editor's keys would: evaluate a text,
    /// hush, mute or solo an output, play an expression once.
    #[command(after_help = "Commands:
  eval                      play the program on standard input in place of the file's (saved or not)
  hush                      silence every output until the next evaluation or save
  mute|unmute|solo|unsolo OUTPUT
                            held over saves until undone
  once [EXPR]               play one cycle of EXPR (or of standard input) once, from the next cycle;
                            output lines (`d1: ...`) each play their expression

The live process listens on a Unix socket found from the file's path (see docs/live.md for the
protocol). Prints the answer; exit status 1 when the command failed (e.g. the text has errors).

Examples:
  phonon send set.ph mute d2
  phonon send set.ph once 's \"crash\"'
  phonon send set.ph eval < set.ph")]
    Send {
        /// The file `phonon live` plays.
        file: PathBuf,
        /// eval, hush, mute, unmute, solo, unsolo or once.
        command: String,
        /// The output (mute ...) or the expression (once).
        argument: Vec<String>,
    },
    /// Draw the events of a few cycles: a pianoroll of notes and rows of samples, per output.
    #[command(
        after_help = "Each output is a band of its own colour; samples are rows by sound name, notes a pitch axis,
other values rows by value; each event is a rectangle from its start to its end, as opaque as its gain.
Cycle lines run down the picture. Writes SVG, or PNG when the file ends in .png.

Examples:
  phonon plot examples/house.ph --cycles 2 -o house.svg
  phonon plot 'n \"0 .. 7\" # s \"superpiano\"' -o scale.png"
    )]
    Plot {
        /// A pattern expression, or a `.ph` file (every output, or the one --out names).
        expr_or_file: String,
        /// The picture to write: .svg or .png.
        #[arg(short, long)]
        output: PathBuf,
        /// Cycles to draw.
        #[arg(long, default_value = "4")]
        cycles: String,
        /// The first cycle drawn.
        #[arg(long, default_value = "0")]
        from: String,
        /// Only this output of the file.
        #[arg(long)]
        out: Option<String>,
    },
    /// Print the events of a pattern as JSON lines (the format of the Strudel oracle).
    #[command(
        after_help = "Each line is {\"whole\":[bn,bd,en,ed] or null,\"part\":[bn,bd,en,ed],\"value\":...}: exact reduced fractions, \
sorted by part begin, whole begin, then value. Every fragment in the span is printed.\n\n\
Examples:\n  phonon query '\"bd*2 [sn cp]\" $ fast 2'\n  phonon query 'jux rev $ s \"bd sn\"' --from 0 --to 2\n  phonon query examples/euclid.ph --out o2 --from 1/3 --to 7/4"
    )]
    Query {
        /// A pattern expression, or a `.ph` file (`-` for standard input).
        expr_or_file: String,
        /// Start of the span in cycles: `0`, `1/3`, `0.25`.
        #[arg(long, default_value = "0", allow_hyphen_values = true)]
        from: String,
        /// End of the span in cycles.
        #[arg(long, default_value = "1", allow_hyphen_values = true)]
        to: String,
        /// Which output of a file: `out`, `o2`, `d1`, ..., `once`/`first` (or `once:LINE`)
        /// (needed when the file has several).
        #[arg(long)]
        out: Option<String>,
    },
}

/// The manual page of `phonon` (roff), as `docs/phonon.1` holds it: the version without the
/// commit, so that it changes only with the command line.
pub fn man_page() -> Vec<u8> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command().version(env!("CARGO_PKG_VERSION")))
        .render(&mut out)
        .expect("writing to memory cannot fail");
    out
}

/// `HOST:PORT`, the host a name or an address.
fn socket_address(s: &str) -> Result<std::net::SocketAddr, String> {
    use std::net::ToSocketAddrs;
    s.to_socket_addrs()
        .map_err(|e| format!("{e} (write HOST:PORT, e.g. 127.0.0.1:57120)"))?
        .next()
        .ok_or_else(|| format!("{s} names no address"))
}

/// Where the CLI writes, and whether it may use colour.
pub struct Io<'a> {
    pub stdin: &'a mut dyn Read,
    pub stdout: &'a mut dyn Write,
    pub stderr: &'a mut dyn Write,
    pub color: bool,
}

/// Runs the CLI with `args` (including the program name) and returns the exit code.
pub fn run(args: &[String], mut io: Io) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = e.exit_code();
            let text = if io.color {
                e.render().ansi().to_string()
            } else {
                e.render().to_string()
            };
            // Help and version go to stdout and succeed; usage errors go to stderr.
            if code == 0 {
                let _ = write!(io.stdout, "{text}");
                return 0;
            }
            let _ = write!(io.stderr, "{text}");
            return EXIT_USAGE;
        }
    };
    match cli.command {
        Command::Compile {
            file,
            timings,
            check,
            samples,
        } => {
            if check {
                compile_check(&file, io)
            } else {
                audio::compile(&file, timings, &samples, io)
            }
        }
        Command::Ir {
            file,
            ast,
            clif,
            patterns,
            summary,
            samples,
        } => {
            if ast {
                ir_ast(&file, io)
            } else if summary {
                audio::ir_summary(&file, &samples, io)
            } else {
                let dump = match (clif, patterns) {
                    (true, _) => audio::Dump::Clif,
                    (_, true) => audio::Dump::Patterns,
                    _ => audio::Dump::Graph,
                };
                audio::ir(&file, dump, &samples, io)
            }
        }
        Command::Kit {
            export,
            sample_rate,
        } => audio::kit(export.as_deref(), sample_rate, io),
        Command::Live {
            file,
            list_devices,
            play,
            osc_out,
            osc_latency,
            midi_out,
            midi_latency,
            midi_in,
            midi_clock,
            list_midi,
            link,
            link_quantum,
        } => {
            if list_midi {
                return print_names(live::midi::list(), "MIDI ports", io);
            }
            if list_devices {
                return print_names(live::device_names(), "audio devices", io);
            }
            let (mut args, samples) = match play.open(&mut io) {
                Ok(x) => x,
                Err(code) => return code,
            };
            args.osc_out = osc_out.map(|to| (to, osc_latency));
            args.midi_out = midi_out.map(|port| (port, midi_latency));
            args.midi_in = midi_in;
            if let Some(b) = midi_clock
                && !(b > 0.0 && b.is_finite())
            {
                let _ = writeln!(
                    io.stderr,
                    "error: --midi-clock takes the beats a cycle has, a number above 0, not {b}"
                );
                return EXIT_USAGE;
            }
            args.midi_clock = midi_clock;
            if link {
                if !(link_quantum > 0.0 && link_quantum.is_finite()) {
                    let _ = writeln!(
                        io.stderr,
                        "error: --link-quantum takes the beats a cycle has, a number above 0, not {link_quantum}"
                    );
                    return EXIT_USAGE;
                }
                if !cfg!(feature = "link") {
                    let _ = writeln!(
                        io.stderr,
                        "error: this phonon was built without Ableton Link\n  hint: build it with the `link` feature (GPL-2.0 code): cargo install --locked --path cli --features link"
                    );
                    return EXIT_USAGE;
                }
                if midi_clock.is_some() {
                    let _ = writeln!(
                        io.stderr,
                        "error: --link and --midi-clock both set the tempo: choose one"
                    );
                    return EXIT_USAGE;
                }
                args.link = Some(link_quantum);
            }
            let file = file.expect("clap requires the file without --list-devices");
            live::live(&file, &samples, args, io)
        }
        Command::Serve { port, orbits, play } => {
            let (args, samples) = match play.open(&mut io) {
                Ok(x) => x,
                Err(code) => return code,
            };
            live::serve(&samples, port, orbits, args, io)
        }
        Command::Render {
            file,
            output,
            cycles,
            seconds,
            sample_rate,
            block,
            threads,
            split,
            no_limiter,
            plot,
            samples,
        } => audio::render(
            &file,
            &samples,
            &audio::RenderArgs {
                output,
                cycles,
                seconds,
                sample_rate,
                block: block as usize,
                threads: threads.map(|t| t as usize),
                split,
                limit: !no_limiter,
                plot,
            },
            io,
        ),
        Command::Bench {
            file,
            blocks,
            block,
            sample_rate,
            threads,
            json,
            samples,
        } => audio::bench(
            &file,
            &samples,
            &audio::BenchArgs {
                blocks: blocks as usize,
                block: block as usize,
                sample_rate,
                threads: threads.map(|t| t as usize),
                json,
            },
            io,
        ),
        Command::Query {
            expr_or_file,
            from,
            to,
            out,
        } => query(&expr_or_file, &from, &to, out.as_deref(), io),
        Command::Send {
            file,
            command,
            argument,
        } => send(&file, &command, &argument, io),
        Command::Lsp { samples } => {
            let mut with = samples.compiler(44_100);
            // Checked as `phonon compile` checks: nothing is played.
            (with.options.plays, with.options.midi) = (false, true);
            match lsp::serve(with) {
                Ok(()) => 0,
                Err(e) => {
                    let _ = writeln!(io.stderr, "error: {e}");
                    EXIT_USER_ERROR
                }
            }
        }
        Command::Plot {
            expr_or_file,
            output,
            cycles,
            from,
            out,
        } => plot(&expr_or_file, &output, &cycles, &from, out.as_deref(), io),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "phonon", io.stdout);
            0
        }
    }
}

/// A source file as read, with the name used in diagnostics.
pub(crate) struct SourceFile {
    pub(crate) name: String,
    pub(crate) text: String,
}

pub(crate) fn read_source(path: &PathBuf, io: &mut Io) -> Result<SourceFile, i32> {
    if path.as_os_str() == "-" {
        let mut text = String::new();
        return match io.stdin.read_to_string(&mut text) {
            Ok(_) => Ok(SourceFile {
                name: "<stdin>".to_string(),
                text,
            }),
            Err(e) => {
                let _ = writeln!(io.stderr, "error: cannot read standard input: {e}");
                Err(EXIT_USER_ERROR)
            }
        };
    }
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(SourceFile {
            name: path.display().to_string(),
            text,
        }),
        Err(e) => {
            let _ = writeln!(io.stderr, "error: cannot read `{}`: {e}", path.display());
            Err(EXIT_USER_ERROR)
        }
    }
}

/// Runs the front end and prints its diagnostics. Returns the result when it has no errors.
fn checked_front_end(
    path: &PathBuf,
    io: &mut Io,
) -> Result<(SourceFile, phonon_compiler::FrontEnd), i32> {
    let source = read_source(path, io)?;
    let result = front_end(&source.text);
    if !result.diagnostics.is_empty() {
        let _ = writeln!(
            io.stderr,
            "{}",
            render_all(&result.diagnostics, &source.name, &source.text, io.color)
        );
    }
    if result.has_errors() {
        let n = result.errors().count();
        let _ = writeln!(
            io.stderr,
            "{}: {n} error{} found",
            source.name,
            if n == 1 { "" } else { "s" }
        );
        return Err(EXIT_USER_ERROR);
    }
    Ok((source, result))
}

fn compile_check(path: &PathBuf, mut io: Io) -> i32 {
    match checked_front_end(path, &mut io) {
        Ok((source, result)) => {
            let c = &result.checked;
            let tempo = match c.tempo {
                Some(_) => "tempo a pattern".to_string(),
                None => format!("{} cps", c.cps),
            };
            let _ = writeln!(
                io.stdout,
                "{}: ok ({} output{}, {} bus{}, {tempo})",
                source.name,
                c.outputs.len(),
                if c.outputs.len() == 1 { "" } else { "s" },
                c.buses.len(),
                if c.buses.len() == 1 { "" } else { "es" },
            );
            0
        }
        Err(code) => code,
    }
}

fn ir_ast(path: &PathBuf, mut io: Io) -> i32 {
    match checked_front_end(path, &mut io) {
        Ok((source, result)) => {
            let _ = write!(
                io.stdout,
                "{}",
                ast_dump::dump_checked(&result.checked, &source.text)
            );
            0
        }
        Err(code) => code,
    }
}

/// `--list-midi`, `--list-devices`: the names, a line each, or why there are none.
fn print_names(names: Result<Vec<String>, String>, what: &str, io: Io) -> i32 {
    match names {
        Ok(names) => {
            for n in names {
                let _ = writeln!(io.stdout, "{n}");
            }
            0
        }
        Err(e) => {
            let _ = writeln!(io.stderr, "error: cannot list {what}: {e}");
            EXIT_USER_ERROR
        }
    }
}

/// `phonon send`: one command to the `phonon live` playing `file`.
fn send(file: &Path, command: &str, argument: &[String], mut io: Io) -> i32 {
    use control::{Command as C, Playback};
    let stdin_text = |io: &mut Io| {
        let mut text = String::new();
        io.stdin.read_to_string(&mut text).map(|_| text)
    };
    let what = match (command, argument) {
        ("eval", []) => match stdin_text(&mut io) {
            Ok(t) => C::Eval(t),
            Err(e) => {
                let _ = writeln!(io.stderr, "error: cannot read standard input: {e}");
                return EXIT_USER_ERROR;
            }
        },
        ("hush", []) => C::Hush,
        ("once", []) => match stdin_text(&mut io) {
            Ok(t) => C::Once(t),
            Err(e) => {
                let _ = writeln!(io.stderr, "error: cannot read standard input: {e}");
                return EXIT_USER_ERROR;
            }
        },
        ("once", words) => C::Once(words.join(" ")),
        (w, [output]) if Playback::from_word(w).is_some() => {
            C::Playback(Playback::from_word(w).expect("checked"), output.clone())
        }
        _ => {
            let _ = writeln!(
                io.stderr,
                "error: `{command}` with {} argument(s) is no command\n  hint: eval (text on standard input), hush, mute/unmute/solo/unsolo OUTPUT, once [EXPR]",
                argument.len()
            );
            return EXIT_USAGE;
        }
    };
    match control::send(file, &what) {
        Ok(message) => {
            let _ = writeln!(io.stdout, "{message}");
            0
        }
        Err(e) => {
            let _ = writeln!(io.stderr, "error: {e}");
            EXIT_USER_ERROR
        }
    }
}

fn query(expr_or_file: &str, from: &str, to: &str, out: Option<&str>, mut io: Io) -> i32 {
    use phonon_compiler::query::{query_expression, query_outputs, query_source, rational_arg};
    let (Some(begin), Some(end)) = (rational_arg(from), rational_arg(to)) else {
        let _ = writeln!(
            io.stderr,
            "error: --from and --to take numbers like 0, 1/3 or 0.25 (got `{from}`, `{to}`)"
        );
        return EXIT_USAGE;
    };
    let is_file = expr_or_file == "-"
        || expr_or_file.ends_with(".ph") && std::path::Path::new(expr_or_file).exists();
    if !is_file {
        return match query_expression(expr_or_file) {
            Ok(p) => {
                print_events(&p, begin, end, "", &mut io);
                0
            }
            Err(message) => {
                let _ = writeln!(io.stderr, "{message}");
                EXIT_USER_ERROR
            }
        };
    }
    let source = match read_source(&PathBuf::from(expr_or_file), &mut io) {
        Ok(s) => s,
        Err(code) => return code,
    };
    if out.is_some() {
        return match query_source(&source.text, &source.name, out) {
            Ok(p) => {
                print_events(&p, begin, end, "", &mut io);
                0
            }
            Err(message) => {
                let _ = writeln!(io.stderr, "{message}");
                EXIT_USER_ERROR
            }
        };
    }
    // The whole file: every output's patterns. One output that is a pattern prints as an
    // expression does (the oracle's format); otherwise each event says its output, and for
    // an output of signals, which pattern it comes from.
    let outputs = match query_outputs(&source.text, &source.name) {
        Ok(o) => o,
        Err(message) => {
            let _ = writeln!(io.stderr, "{message}");
            return EXIT_USER_ERROR;
        }
    };
    if let [one] = outputs.as_slice()
        && let [(origin, p)] = one.patterns.as_slice()
        && origin.is_empty()
    {
        print_events(p, begin, end, "", &mut io);
        return 0;
    }
    for o in &outputs {
        for (origin, p) in &o.patterns {
            let mut tag = format!("\"output\":{}", json_string(&o.output));
            if !origin.is_empty() {
                tag += &format!(",\"pattern\":{}", json_string(origin));
            }
            print_events(p, begin, end, &tag, &mut io);
        }
    }
    0
}

fn plot(
    expr_or_file: &str,
    output: &std::path::Path,
    cycles: &str,
    from: &str,
    out: Option<&str>,
    mut io: Io,
) -> i32 {
    use phonon_compiler::query::{query_expression, query_outputs, query_source, rational_arg};
    let (Some(from), Some(cycles)) = (rational_arg(from), rational_arg(cycles)) else {
        let _ = writeln!(
            io.stderr,
            "error: --from and --cycles take numbers like 0, 1/3 or 0.25 (got `{from}`, `{cycles}`)"
        );
        return EXIT_USAGE;
    };
    if cycles <= phonon_runtime::Rational::ZERO || cycles > phonon_runtime::Rational::int(64) {
        let _ = writeln!(io.stderr, "error: --cycles must be above 0 and at most 64");
        return EXIT_USAGE;
    }
    let png = match output.extension().and_then(|e| e.to_str()) {
        Some("svg") => false,
        Some("png") => true,
        _ => {
            let _ = writeln!(
                io.stderr,
                "error: -o takes a .svg or .png file, not `{}`",
                output.display()
            );
            return EXIT_USAGE;
        }
    };
    let is_file = expr_or_file == "-"
        || expr_or_file.ends_with(".ph") && std::path::Path::new(expr_or_file).exists();
    let fail = |io: &mut Io, message: String| {
        let _ = writeln!(io.stderr, "{message}");
        EXIT_USER_ERROR
    };
    let (title, lanes) = if !is_file {
        match query_expression(expr_or_file) {
            Ok(p) => (
                expr_or_file.to_string(),
                vec![plot::Lane {
                    name: "pattern".to_string(),
                    events: plot::events(&p, from, cycles),
                }],
            ),
            Err(m) => return fail(&mut io, m),
        }
    } else {
        let source = match read_source(&PathBuf::from(expr_or_file), &mut io) {
            Ok(s) => s,
            Err(code) => return code,
        };
        let lanes = match out {
            Some(name) => match query_source(&source.text, &source.name, Some(name)) {
                Ok(p) => vec![plot::Lane {
                    name: name.to_string(),
                    events: plot::events(&p, from, cycles),
                }],
                Err(m) => return fail(&mut io, m),
            },
            None => match query_outputs(&source.text, &source.name) {
                Ok(outputs) => outputs
                    .into_iter()
                    .map(|o| plot::Lane {
                        name: o.output,
                        events: o
                            .patterns
                            .iter()
                            .flat_map(|(_, p)| plot::events(p, from, cycles))
                            .collect(),
                    })
                    .collect(),
                Err(m) => return fail(&mut io, m),
            },
        };
        (source.name, lanes)
    };
    let title = format!("{title}: cycles {from} to {}", from + cycles);
    let svg = plot::svg(&title, &lanes, from, cycles);
    let bytes = if png {
        match plot::png(&svg) {
            Ok(b) => b,
            Err(e) => return fail(&mut io, format!("error: cannot draw the PNG: {e}")),
        }
    } else {
        svg.into_bytes()
    };
    if let Err(e) = std::fs::write(output, bytes) {
        return fail(
            &mut io,
            format!("error: cannot write `{}`: {e}", output.display()),
        );
    }
    let events: usize = lanes.iter().map(|l| l.events.len()).sum();
    let _ = writeln!(
        io.stdout,
        "wrote {}: {} output{}, {events} events",
        output.display(),
        lanes.len(),
        if lanes.len() == 1 { "" } else { "s" }
    );
    0
}

/// A string as JSON.
fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The events of `pattern` from `begin` to `end` as JSON lines in the oracle's order, each
/// with the fields `tag` first (none when empty).
fn print_events(
    pattern: &phonon_runtime::pattern::Pattern,
    begin: phonon_runtime::Rational,
    end: phonon_runtime::Rational,
    tag: &str,
    io: &mut Io,
) {
    let mut haps = pattern.query_span(begin, end);
    haps.sort_by(|a, b| {
        a.part
            .begin
            .cmp(&b.part.begin)
            .then_with(|| match (&a.whole, &b.whole) {
                (None, None) => std::cmp::Ordering::Equal,
                (None, Some(_)) => std::cmp::Ordering::Less,
                (Some(_), None) => std::cmp::Ordering::Greater,
                (Some(x), Some(y)) => x.begin.cmp(&y.begin),
            })
            .then_with(|| a.value.to_json().cmp(&b.value.to_json()))
            .then_with(|| a.part.end.cmp(&b.part.end))
            .then_with(|| {
                let e = |h: &phonon_runtime::pattern::Hap| h.whole.map(|w| w.end);
                e(a).cmp(&e(b))
            })
    });
    for h in &haps {
        let json = phonon_runtime::pattern::hap_to_json(h);
        let line = match (tag.is_empty(), json.strip_prefix('{')) {
            (false, Some(rest)) => format!("{{{tag},{rest}"),
            _ => json,
        };
        let _ = writeln!(io.stdout, "{line}");
    }
}
