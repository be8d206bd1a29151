//! `phonon live`: plays a file and swaps in each saved version.
//!
//! Threads: the watcher (notify, on the file's folder, so editors that save by renaming a
//! new file over the old one are seen) wakes the compiler thread, which debounces, compiles
//! and builds the new engine; the render thread runs the [`Player`] a few blocks ahead of
//! the sink into a ring buffer (rtrb); the sink takes one block per block period (`null`:
//! paced by the clock; a late block is an xrun) and writes what it plays to `--record`;
//! a janitor drops retired programs (freeing their JIT code) off the render thread. The
//! calling thread prints what the others report and the status line.
//!
//! Stopping (`--seconds` elapsed, or SIGINT, SIGTERM, SIGHUP: see [`signals`]): the render
//! thread fades the master out over the crossfade time, the sink plays the fade, then
//! everything stops and the recording is finalised. A second signal skips the fade.

use crate::audio::Compiler;
use crate::{EXIT_USAGE, EXIT_USER_ERROR, Io, SampleArgs};
use phonon_compiler::diagnostic::render_all;
use phonon_runtime::Rational;
use phonon_runtime::engine::ProgramSpec;
use phonon_runtime::engine::inbox::{Inbox, InboxCounts};
use phonon_runtime::engine::{Engine, dsp_pool};
use phonon_runtime::live::{CROSSFADE_SECONDS, Incoming, Player, Swapped};
use phonon_runtime::master::Master;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

mod device_clock;
mod handed;
#[cfg(feature = "link")]
mod link;
pub mod midi;
pub mod osc;
mod record;
mod reload;
mod scope;
mod seqlock;
pub mod serve;
mod signals;
mod sink;
mod timing;

pub use sink::{SinkChoice, device_names, open_sink};

pub struct LiveArgs {
    pub sink: SinkChoice,
    pub block: usize,
    pub sample_rate: u32,
    pub threads: usize,
    pub seconds: Option<f64>,
    pub record: Option<PathBuf>,
    /// Blocks the render thread keeps ready beyond what the sink takes at once: the margin
    /// for a render thread held up (by the machine, not the program), and as many blocks of
    /// delay before an edit is heard.
    pub ahead: usize,
    /// The master limiter on the mix (`--no-limiter` turns it off).
    pub limit: bool,
    /// Each output on a stereo pair of its own, of this many (`--split`), instead of the mix.
    pub stems: Option<usize>,
    /// `--osc-out`: where the sample players' events go instead, and the latency they are
    /// sent ahead by.
    pub osc_out: Option<(std::net::SocketAddr, f64)>,
    /// `--midi-out`: the MIDI port the events of the sound `midi` go to, and the seconds
    /// they are sent after they sound (`--midi-latency`, for the audio device's latency).
    pub midi_out: Option<(String, f64)>,
    /// `--midi-in`: the MIDI input `cc` and `notein` read, and with `--midi-clock` the beats
    /// of its clock a cycle has (the tempo follows it).
    pub midi_in: Option<String>,
    pub midi_clock: Option<f64>,
    /// `--link`: the beats of a cycle in the Ableton Link session joined.
    pub link: Option<f64>,
    /// `--scope`: level meters and an oscilloscope under the status line.
    pub scope: bool,
}

/// Saves closer together than this are one edit: editors write in several steps (truncate,
/// write, close; or write a new file and rename it), microseconds apart for a source file.
const DEBOUNCE: Duration = Duration::from_millis(2);

/// What the other threads tell the printing thread: a line to print, and for a reload
/// its compile time (for the status line).
struct Report {
    text: String,
    compile_ms: Option<f64>,
    /// A save that did not load: where its first error is (`LINE:COL`), or what failed.
    failed: Option<String>,
}

impl Report {
    fn text(text: String) -> Report {
        Report {
            text,
            compile_ms: None,
            failed: None,
        }
    }

    fn failure(text: String, failed: String) -> Report {
        Report {
            text,
            compile_ms: None,
            failed: Some(failed),
        }
    }
}

/// A thread's way to have a line printed: a report through `report`.
fn sayer(report: &mpsc::Sender<Report>) -> Box<dyn Fn(String) + Send> {
    let report = report.clone();
    Box::new(move |text| {
        let _ = report.send(Report::text(text));
    })
}

/// Where the first error of a failed compile is, as the status line says it.
fn first_error(d: &[phonon_compiler::diagnostic::Diagnostic], text: &str) -> String {
    match d.iter().find(|d| d.is_error()).or(d.first()) {
        Some(e) => {
            let (line, col) = e.line_col(text);
            format!("errors at {line}:{col}")
        }
        None => "errors".to_string(),
    }
}

/// A wall-clock time as HH:MM:SS, local where the system says what local is (Linux), else
/// UTC.
fn clock_time(t: std::time::SystemTime) -> String {
    let secs = t
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs()) as i64;
    #[cfg(target_os = "linux")]
    {
        // SAFETY: `localtime_r` writes only the `tm` it is given.
        let mut tm: libc::tm = unsafe { std::mem::zeroed() };
        let time = secs as libc::time_t;
        if !unsafe { libc::localtime_r(&time, &mut tm) }.is_null() {
            return format!("{:02}:{:02}:{:02}", tm.tm_hour, tm.tm_min, tm.tm_sec);
        }
    }
    let day = secs.rem_euclid(86_400);
    format!("{:02}:{:02}:{:02}", day / 3600, day / 60 % 60, day % 60)
}

#[derive(Default)]
struct Stats {
    /// Frames the sink has played, silence of late blocks included.
    played: AtomicI64,
    /// Rendered frames the sink has taken: the program's own frame count at the sink (behind
    /// `played` by the silence of late blocks), what swap frames are compared with.
    consumed: AtomicI64,
    /// The cycle the render thread has reached (f64 bits).
    cycle: AtomicU64,
    xruns: AtomicU64,
    /// Render time of the last block and the most of any block, in microseconds.
    last_block_us: AtomicU64,
    max_block_us: AtomicU64,
    /// Voices sounding at the end of the last block rendered, and the most in any block.
    voices: AtomicU64,
    voices_peak: AtomicU64,
    /// The playing program's cycles per second (f64 bits).
    cps: AtomicU64,
    /// The most frames the sink has asked for at once (after its first call): the render
    /// thread keeps that much, plus `ahead` blocks, ready.
    callback_frames: AtomicU64,
    /// Errors the audio device reported.
    device_errors: AtomicU64,
    /// The `played` frame of the first xrun.
    first_xrun: AtomicI64,
    /// Frames played that the recording lost (its thread fell eight seconds behind).
    unrecorded: AtomicU64,
    /// Frames the render thread has put in the ring.
    pushed: AtomicI64,
    /// Set to stop: the render thread fades the master out, then renders silence.
    fade_out: AtomicBool,
    /// The ring position (in `pushed` frames) where the fade-out ends, once it has.
    faded_at: AtomicI64,
    /// The lowest master limiter gain since the status line last read it (f64 bits; bits
    /// of positive floats order as the floats do).
    limiter_gain: AtomicU64,
    /// The audio device is gone and the null clock plays in its place.
    device_lost: AtomicBool,
    /// Times the audio device went away.
    device_losses: AtomicU64,
    /// Frames the null clock played while the device was gone.
    null_clock_frames: AtomicU64,
    /// Where the device plays each frame against the system clock (see [`device_clock`]).
    device_clock: device_clock::Correction,
}

impl Stats {
    /// Seconds from when the sink played frame 0 to when rendered frame `frame` plays: the
    /// silence late blocks put before it, and where the device plays it against the system
    /// clock ([`device_clock`]). The one rule by which MIDI, OSC, `phonon serve` and Link
    /// place frames in system-clock time.
    fn seconds_of(&self, frame: i64, sample_rate: u32) -> f64 {
        let played = frame + self.silence();
        played as f64 / sample_rate as f64 + self.device_clock.nanos(played) * 1e-9
    }

    /// The rendered frame that plays `seconds` after frame 0 did (the inverse of
    /// [`Stats::seconds_of`]).
    fn frame_at(&self, seconds: f64, sample_rate: u32) -> i64 {
        let nominal = (seconds * sample_rate as f64) as i64;
        let device = self.device_clock.nanos(nominal) * 1e-9;
        ((seconds - device) * sample_rate as f64).round() as i64 - self.silence()
    }

    /// Frames of silence late blocks have put in so far.
    fn silence(&self) -> i64 {
        self.played.load(Ordering::Relaxed) - self.consumed.load(Ordering::Relaxed)
    }
}

/// Where changes to what plays come from.
enum Changes {
    /// Saved versions of the file, each compiled and swapped in.
    Watch {
        path: PathBuf,
        /// The file did not compile at the start (where its first error is).
        failing: Option<String>,
        text: String,
        with: Compiler,
    },
    /// Events from OSC (`phonon serve`), played by the first program's sample player.
    Listen {
        listen: serve::Listen,
        inbox: Option<Inbox>,
    },
}

/// The thread that [`Changes`] runs on.
enum Changer {
    Compiler(std::thread::JoinHandle<()>),
    Listener(std::thread::JoinHandle<serve::Heard>, Arc<InboxCounts>),
}

pub fn live(path: &Path, samples: &SampleArgs, args: LiveArgs, io: Io) -> i32 {
    if path == Path::new("-") {
        let _ = writeln!(
            io.stderr,
            "error: `phonon live` needs a file to watch, not standard input"
        );
        return EXIT_USAGE;
    }
    let name = path.display().to_string();
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            let _ = writeln!(io.stderr, "error: cannot read {name}: {e}");
            return EXIT_USER_ERROR;
        }
    };
    let mut with = samples.compiler(args.sample_rate);
    with.options.midi = args.midi_out.is_some();
    let silence = "hush\nout: 0\n";
    let (first, failing) = match with.compile(&text) {
        Ok(c) => (c, None),
        Err(d) => {
            let _ = writeln!(io.stderr, "{}", render_all(&d, &name, &text, io.color));
            let _ = writeln!(io.stderr, "{name}: silent until the file compiles");
            let silent = with.compile(silence).expect("the silent program compiles");
            (silent, Some(first_error(&d, &text)))
        }
    };
    if args.link.is_some() && first.spec.tempo.is_some() {
        let _ = writeln!(
            io.stderr,
            "error: {name}: with --link the session's tempo plays: a tempo pattern cannot\n  hint: write one tempo (`bpm: 120`); it is sent to the session's peers"
        );
        return EXIT_USER_ERROR;
    }
    let changes = Changes::Watch {
        path: path.to_path_buf(),
        failing,
        text,
        with,
    };
    play(first.spec, name, changes, args, io)
}

/// `phonon serve`: plays the events Tidal sends SuperDirt (see [`serve`]) with a program
/// of one sample player that can play every sound of the library and the kit, the synths,
/// and `orbits` orbits.
pub fn serve(samples: &SampleArgs, port: u16, orbits: u32, args: LiveArgs, io: Io) -> i32 {
    let with = samples.compiler(args.sample_rate);
    let (spec, sounds) = match serve::program(&with, orbits) {
        Ok(x) => x,
        Err(e) => {
            let _ = writeln!(io.stderr, "error: {e}");
            return EXIT_USER_ERROR;
        }
    };
    let socket = match std::net::UdpSocket::bind(("127.0.0.1", port)) {
        Ok(s) => s,
        Err(e) => {
            let _ = writeln!(
                io.stderr,
                "error: cannot listen on 127.0.0.1:{port}: {e}\n  hint: is SuperDirt (or another phonon serve) running? stop it, or give another --port"
            );
            return EXIT_USER_ERROR;
        }
    };
    let (inbox, sender) = phonon_runtime::engine::inbox::inbox(serve::INBOX_EVENTS);
    let listen = serve::Listen {
        socket,
        orbits,
        inbox: sender,
        sample_rate: args.sample_rate,
        origin: std::time::SystemTime::now(),
        sounds,
        stats: None,
    };
    let changes = Changes::Listen {
        listen,
        inbox: Some(inbox),
    };
    play(spec, "phonon serve".to_string(), changes, args, io)
}

/// Plays `spec`, taking `changes` as they come, until stopped.
fn play(spec: ProgramSpec, name: String, mut changes: Changes, args: LiveArgs, io: Io) -> i32 {
    let block = args.block.max(1);
    let sr = args.sample_rate;
    // One pool for every version of the program, made here at normal priority (threads
    // inherit their creator's, and the compiler thread runs at a lower one).
    let pool = dsp_pool(args.threads);
    let mut engine = match Engine::on_pool(spec, block, pool.clone()) {
        Ok(e) => Box::new(e),
        Err(e) => {
            let _ = writeln!(io.stderr, "error: {e}");
            return EXIT_USER_ERROR;
        }
    };
    if let Changes::Listen { inbox, .. } = &mut changes
        && let Some(inbox) = inbox.take()
        && !engine.take_events_from(inbox)
    {
        let _ = writeln!(
            io.stderr,
            "error: the program has no sample player to play events"
        );
        return EXIT_USER_ERROR;
    }
    // `--osc-out`: every version of the program hands its sample events to this thread.
    // The thread starts once the sink has played frame 0, what the bundles' times are from.
    let (osc_tx, osc) = match args.osc_out {
        Some((to, latency)) => {
            let (tx, rx) = mpsc::channel();
            let _ = tx.send(engine.send_events_to(osc::RING_EVENTS));
            (Some(tx), Some((to, latency, rx)))
        }
        None => (None, None),
    };
    // `--midi-out`: every version of the program hands the events of `midi` to this port.
    let (midi_tx, midi) = match &args.midi_out {
        Some((name, latency)) => {
            let port = match midi::open(name) {
                Ok(p) => p,
                Err(e) => {
                    let _ = writeln!(
                        io.stderr,
                        "error: {e}\n  hint: `phonon live --list-midi` lists the MIDI ports"
                    );
                    return EXIT_USER_ERROR;
                }
            };
            let (tx, rx) = mpsc::channel();
            let _ = tx.send(engine.send_midi_to(midi::RING_EVENTS));
            (Some(tx), Some((name.clone(), *latency, port, rx)))
        }
        None => (None, None),
    };
    // `--midi-in`: read until playing stops.
    let _midi_input = match &args.midi_in {
        Some(name) => match midi::open_input(name, args.midi_clock.unwrap_or(4.0)) {
            Ok(input) => Some(input),
            Err(e) => {
                let _ = writeln!(
                    io.stderr,
                    "error: {e}\n  hint: `phonon live --list-midi` lists the MIDI ports"
                );
                return EXIT_USER_ERROR;
            }
        },
        None => None,
    };
    let follow_clock = args.midi_clock.is_some();
    if follow_clock {
        engine.follow_tempo(phonon_runtime::midi_in::clock_cps);
    }
    // Interleaved channels of every block from here to the sink and the recording.
    let pairs = args.stems.unwrap_or(1).max(1);
    let width = 2 * pairs;
    let mut recorder = match &args.record {
        Some(p) => match record::Recorder::create(p, sr, width as u16) {
            Ok(r) => Some(r),
            Err(e) => {
                let _ = writeln!(io.stderr, "error: {e}");
                return EXIT_USER_ERROR;
            }
        },
        None => None,
    };
    // Installed before any thread starts, so a signal from now on is a graceful stop.
    let signals = match signals::Signals::install() {
        Ok(s) => s,
        Err(e) => {
            let _ = writeln!(io.stderr, "error: cannot handle signals: {e}");
            return EXIT_USER_ERROR;
        }
    };

    let stop = Arc::new(AtomicBool::new(false));
    let stats = Arc::new(Stats::default());
    // `--link`: the session's tempo and phase drive the cycle clock of every version.
    #[cfg(feature = "link")]
    let link = args.link.map(|quantum| {
        let cps = engine.clock().cps_at(0).to_f64();
        Arc::new(link::Session::join(cps * 60.0 * quantum, quantum))
    });
    #[cfg(feature = "link")]
    let timeline = link.as_ref().map(|l| l.follower(stats.clone(), sr));
    #[cfg(not(feature = "link"))]
    let timeline: Option<(Arc<dyn phonon_runtime::tempo::Timeline>, Rational)> = None;
    let start_tempo = engine.clock().cps_at(0).to_f64();
    if let Some((t, step)) = &timeline {
        engine.follow_timeline(t.clone(), *step);
    }
    let (report_tx, report_rx) = mpsc::channel::<Report>();
    let (incoming_tx, incoming_rx) = mpsc::channel::<Incoming>();
    let (retired_tx, retired_rx) = mpsc::channel::<Box<Engine>>();
    let (swap_tx, swap_rx) = mpsc::channel::<Swapped>();
    let ahead = args.ahead;
    let capacity = sink::MAX_CALLBACK_FRAMES + (ahead + 1) * block;
    let (mut producer, consumer) = rtrb::RingBuffer::<f32>::new(width * capacity);
    stats.callback_frames.store(block as u64, Ordering::Relaxed);
    stats.limiter_gain.store(1f64.to_bits(), Ordering::Relaxed);
    let limit = args.limit;
    // The program runs this many frames ahead of the stream the sink plays (the limiter's
    // look-ahead): a swap at program frame f is heard at stream frame f - lead.
    let lead = if limit {
        phonon_runtime::master::lookahead_frames(sr) as i64
    } else {
        0
    };

    // Janitor: retired programs are dropped here, never on the render thread.
    let janitor = std::thread::spawn(move || {
        for old in retired_rx {
            drop(old)
        }
    });

    let player = Player::new(engine, incoming_rx, retired_tx, swap_tx);
    let mut player = if pairs > 1 {
        let player = player.split(pairs);
        let _ = writeln!(io.stdout, "{}", stem_layout(&player.stems()));
        player
    } else {
        player
    };

    // `--scope`: the render thread measures, the terminal draws; the output names go along
    // when a new program starts.
    let (mut taps, mut scope) = match args.scope && io.color {
        true => {
            let (t, s) = scope::scope();
            (Some(t), Some(s))
        }
        false => (None, None),
    };
    let (names_tx, names_rx) = mpsc::channel::<Vec<String>>();
    // Render thread.
    let render = {
        let (stop, stats, report) = (stop.clone(), stats.clone(), report_tx.clone());
        let (name, fade_total) = (name.clone(), (CROSSFADE_SECONDS * sr as f64).round() as i64);
        std::thread::spawn(move || {
            let mut master = Master::new(sr, pairs, limit);
            let mut times = BlockTimes::new();
            let mut buf = vec![0.0f32; width * block];
            let mut stems = player.stems();
            // Blow-ups of the playing program already reported (a new program starts over).
            let (mut program, mut reported) = (std::ptr::null::<Engine>(), 0);
            // Patterns with refused cycles already reported, and the count last seen.
            let (mut refusals_reported, mut refused_seen): (Vec<String>, u64) = (Vec::new(), 0);
            let mut faded: Option<i64> = None;
            // The limiter's look-ahead is filled first, in blocks of their own, so every
            // block after it pushes whole blocks into the ring: the ring's level, and with it
            // the margin against a late block, stays what `ahead` says.
            let mut priming = master.latency();
            while priming > 0 {
                let n = priming.min(block);
                player.next_block(n, &mut buf);
                let start = master.process(&mut buf[..width * n]);
                debug_assert_eq!(start, width * n);
                priming -= n;
            }
            while !stop.load(Ordering::Relaxed) {
                let ready = capacity - producer.slots() / width;
                let want = stats.callback_frames.load(Ordering::Relaxed) as usize + ahead * block;
                if ready + block > want {
                    std::thread::sleep(Duration::from_micros(200));
                    continue;
                }
                let t = Instant::now();
                player.next_block(block, &mut buf);
                let start = master.process(&mut buf);
                let ready = &mut buf[start..];
                if faded.is_none() && stats.fade_out.load(Ordering::Relaxed) {
                    faded = Some(0);
                }
                if let Some(done) = &mut faded {
                    fade(ready, width, done, fade_total);
                    if *done >= fade_total && stats.faded_at.load(Ordering::Relaxed) == 0 {
                        let end =
                            stats.pushed.load(Ordering::Relaxed) + (ready.len() / width) as i64;
                        stats.faded_at.store(end, Ordering::Relaxed);
                    }
                }
                let us = t.elapsed().as_micros() as u64;
                times.add(us);
                stats.last_block_us.store(us, Ordering::Relaxed);
                stats.max_block_us.fetch_max(us, Ordering::Relaxed);
                stats
                    .limiter_gain
                    .fetch_min((master.take_min_gain() as f64).to_bits(), Ordering::Relaxed);
                let e = player.engine();
                if let Some(t) = &mut taps {
                    t.block(e, ready, width);
                }
                if !std::ptr::eq(program, e) {
                    if taps.is_some() {
                        let _ = names_tx.send(e.outputs().iter().map(|o| o.name.clone()).collect());
                    }
                    (program, reported) = (e, 0);
                    (refusals_reported, refused_seen) = (Vec::new(), 0);
                    let now = player.stems();
                    if pairs > 1 && now != stems {
                        let _ = report.send(Report::text(stem_layout(&now)));
                    }
                    stems = now;
                }
                if e.refused_cycles() != refused_seen {
                    refused_seen = e.refused_cycles();
                    for r in e.refusals() {
                        if !refusals_reported.contains(&r.origin) {
                            let _ = report
                                .send(Report::text(format!("warning: {name}:{}", r.describe())));
                            refusals_reported.push(r.origin);
                        }
                    }
                }
                for b in &e.blowups()[reported..] {
                    let what = b.describe(&e.outputs()[b.output], sr);
                    let _ = report.send(Report::text(format!("warning: {name}:{what}")));
                }
                reported = e.blowups().len();
                let sounding = e.counters().voices_sounding as u64;
                stats.voices.store(sounding, Ordering::Relaxed);
                stats.voices_peak.fetch_max(sounding, Ordering::Relaxed);
                stats.cps.store(
                    e.clock().cps_at(e.frame()).to_f64().to_bits(),
                    Ordering::Relaxed,
                );
                let cycle = e.clock().cycle_at(Rational::int(e.frame())).to_f64();
                stats.cycle.store(cycle.to_bits(), Ordering::Relaxed);
                for &x in ready.iter() {
                    let _ = producer.push(x);
                }
                stats
                    .pushed
                    .fetch_add((ready.len() / width) as i64, Ordering::Relaxed);
            }
            times
        })
    };

    // What the sink plays goes through a second ring to the monitor thread, which records
    // it and reports swaps as they are heard: the sink itself never does I/O.
    // Eight seconds of room: the monitor thread syncs the recording to the disk every
    // second, which a slow disk can hold up.
    let (played_tx, mut played_rx) = rtrb::RingBuffer::<f32>::new(16 * sr as usize);
    // When frame 0 is played on the null clock (a device's own timing is fitted against it:
    // see `device_clock`): what `phonon serve` takes an OSC bundle's time from.
    let origin = std::time::SystemTime::now();
    let origin_instant = Instant::now();
    let fit = device_clock::Fit::new(origin_instant, sr);
    let feed = sink::Feed::new(consumer, played_tx, stats.clone(), width, fit);
    let say = sayer(&report_tx);
    let running = match sink::start(args.sink, feed, block, sr, say) {
        Ok(r) => r,
        Err(e) => {
            let _ = writeln!(
                io.stderr,
                "error: cannot play on the audio device: {e}\n{}",
                sink::DEVICE_HINT
            );
            stop.store(true, Ordering::Relaxed);
            let _ = render.join();
            return EXIT_USER_ERROR;
        }
    };
    #[cfg(feature = "link")]
    if let Some(l) = &link {
        let origin = l.set_origin(origin_instant);
        let _ = writeln!(
            io.stdout,
            "link: joined, a cycle is {} beats of the session; frame 0 played at Link time {origin} µs",
            l.quantum()
        );
    }
    let timing = |latency: f64| timing::Timing {
        origin: origin_instant,
        origin_wall: origin,
        sample_rate: sr,
        latency,
        stats: stats.clone(),
    };
    let midi = midi.map(|(name, latency, port, rings)| {
        let timing = timing(latency);
        let say = sayer(&report_tx);
        let port_name = name.clone();
        let thread = std::thread::spawn(move || midi::send(port_name, port, rings, timing, say));
        (name, thread)
    });
    let osc = osc.map(|(to, latency, rings)| {
        let timing = timing(latency);
        (to, std::thread::spawn(move || osc::send(to, timing, rings)))
    });
    let monitor = {
        let (stop, stats, report) = (stop.clone(), stats.clone(), report_tx.clone());
        std::thread::spawn(move || {
            let mut pending: Vec<Swapped> = Vec::new();
            let mut recording_failed = false;
            loop {
                let stopping = stop.load(Ordering::Relaxed);
                if let Ok(chunk) = played_rx.read_chunk(played_rx.slots()) {
                    let (a, b) = chunk.as_slices();
                    if let Some(r) = &mut recorder {
                        r.write(a);
                        r.write(b);
                    }
                    chunk.commit_all();
                    if let Some(r) = &recorder
                        && let Some(e) = &r.error
                        && !recording_failed
                    {
                        recording_failed = true;
                        let _ = report.send(Report::text(format!(
                            "error: {e}: the recording stops here (it holds what was written), playing goes on"
                        )));
                    }
                }
                let consumed = stats.consumed.load(Ordering::Relaxed);
                pending.extend(swap_rx.try_iter());
                pending.retain(|s| {
                    if consumed + lead <= s.frame {
                        return true;
                    }
                    // The block starting at the swap has just gone to the device.
                    let latency = s.noticed.elapsed().as_secs_f64() * 1e3;
                    let waited = (s.frame - s.played_when_ready) as f64 / block as f64;
                    let _ = report.send(Report {
                        text: format!(
                            "reloaded: compiled in {:.1} ms, playing from frame {} ({:.1} blocks after the compile, {:.1} ms after the save), {} states and {} voices carried, {} outputs crossfaded",
                            s.compile_ms, s.frame, waited, latency, s.adopted.states, s.adopted.voices, s.crossfading
                        ),
                        compile_ms: Some(s.compile_ms),
                        failed: None,
                    });
                    false
                });
                if stopping {
                    break;
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            recorder.map(record::Recorder::finish)
        })
    };

    // A file that did not compile at the start: silent until it does.
    let mut failing = match &changes {
        Changes::Watch { failing, .. } => failing.clone(),
        Changes::Listen { .. } => None,
    };
    let mut heard_good = failing.is_none();
    // The version playing: loaded at this wall-clock time.
    let mut version = clock_time(std::time::SystemTime::now());
    // What changes what plays: saved versions of the file, or events from OSC.
    let (watcher, changer) = match changes {
        Changes::Watch {
            path,
            text,
            with,
            failing,
        } => {
            let reloads = reload::Reloads {
                name: name.clone(),
                stop: stop.clone(),
                report: report_tx.clone(),
                stats: stats.clone(),
                incoming: incoming_tx,
                osc_tx,
                midi_tx,
                follow_clock,
                block,
                pool: pool.clone(),
                threads: args.threads,
                color: io.color,
                lead,
                timeline: timeline.clone(),
                on_tempo: {
                    #[cfg(feature = "link")]
                    let tell = link.clone().map(|l| {
                        Box::new(move |cps: f64| l.set_tempo(cps)) as Box<dyn Fn(f64) + Send>
                    });
                    #[cfg(not(feature = "link"))]
                    let tell = None;
                    tell
                },
            };
            match reload::watch(path, text, failing.is_none(), start_tempo, with, reloads) {
                Ok((watcher, compiler)) => (Some(watcher), Changer::Compiler(compiler)),
                Err(e) => {
                    let _ = writeln!(io.stderr, "error: {e}");
                    stop.store(true, Ordering::Relaxed);
                    return EXIT_USER_ERROR;
                }
            }
        }
        Changes::Listen { mut listen, .. } => {
            listen.origin = origin;
            listen.stats = Some(stats.clone());
            let address = listen
                .socket
                .local_addr()
                .map_or_else(|_| "?".to_string(), |a| a.to_string());
            // Frame 0's time to the nanosecond: what a bundle's time is measured from.
            let since = origin
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default();
            let _ = writeln!(
                io.stdout,
                "listening for SuperDirt's /dirt/play on {address} ({} orbits); frame 0 played at {}.{:09} s after 1970",
                listen.orbits,
                since.as_secs(),
                since.subsec_nanos()
            );
            let (stop, say) = (stop.clone(), sayer(&report_tx));
            let counts = listen.inbox.counts.clone();
            let thread = std::thread::spawn(move || serve::listen(listen, stop, say));
            (None, Changer::Listener(thread, counts))
        }
    };
    drop(report_tx);

    let started = Instant::now();
    let until = args.seconds.map(Duration::from_secs_f64);
    let mut last_status = Instant::now();
    let mut last_reload = String::from("none");
    // `--scope`: the outputs' names, and when the meters were last drawn.
    let (mut names, mut drawn): (Vec<String>, Instant) = (Vec::new(), Instant::now());
    let budget_us = block as f64 / sr as f64 * 1e6;
    #[cfg(feature = "link")]
    let mut link_peers = 0;
    loop {
        if until.is_some_and(|u| started.elapsed() >= u) || signals.count() > 0 {
            break;
        }
        match report_rx.recv_timeout(Duration::from_millis(50)) {
            Ok(r) => {
                if let Some(ms) = r.compile_ms {
                    let at = started.elapsed().as_secs_f64();
                    last_reload = format!("at {at:.1} s, compiled in {ms:.1} ms");
                    version = clock_time(std::time::SystemTime::now());
                    (failing, heard_good) = (None, true);
                }
                if let Some(f) = r.failed {
                    failing = Some(f);
                }
                if io.color {
                    // The status line and anything drawn under it.
                    let _ = write!(io.stderr, "\r\x1b[J");
                }
                let _ = writeln!(io.stdout, "{}", r.text);
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
        // Peers joining or leaving the Link session are said as they come.
        #[cfg(feature = "link")]
        if let Some(l) = &link
            && l.peers() != link_peers
        {
            link_peers = l.peers();
            if io.color {
                let _ = write!(io.stderr, "\r\x1b[J");
            }
            let _ = writeln!(
                io.stdout,
                "link: {link_peers} peer{}, {:.2} bpm",
                if link_peers == 1 { "" } else { "s" },
                l.bpm()
            );
        }
        let load = stats.last_block_us.load(Ordering::Relaxed) as f64 / budget_us * 100.0;
        // Four times a second; ten with the scope.
        let every = Duration::from_millis(if scope.is_some() { 100 } else { 250 });
        if io.color && last_status.elapsed() >= every {
            last_status = Instant::now();
            let cps = f64::from_bits(stats.cps.load(Ordering::Relaxed));
            let gain = f64::from_bits(stats.limiter_gain.swap(1f64.to_bits(), Ordering::Relaxed));
            let limiting = if gain < 1.0 {
                format!("  limiter {:.1} dB", 20.0 * gain.log10())
            } else {
                String::new()
            };
            let device = if stats.device_lost.load(Ordering::Relaxed) {
                "  device lost: null clock, reconnecting"
            } else {
                ""
            };
            // The program's clock and its last reload; serving, the events (Tidal keeps the
            // clock).
            let (clock, changes) = match &changer {
                Changer::Compiler(_) => (
                    format!(
                        "cycle {:.2}  cps {cps:.3}  ",
                        f64::from_bits(stats.cycle.load(Ordering::Relaxed))
                    ),
                    // Until the file loads again, say that what plays is not what it says.
                    match &failing {
                        Some(f) if heard_good => {
                            format!("{f}, playing the version of {version}")
                        }
                        Some(f) => format!("{f}, silent until the file compiles"),
                        None => format!("reload {last_reload}"),
                    },
                ),
                Changer::Listener(_, counts) => (
                    String::new(),
                    format!(
                        "events {} late {}",
                        counts.played.load(Ordering::Relaxed),
                        counts.late.load(Ordering::Relaxed)
                    ),
                ),
            };
            #[cfg(feature = "link")]
            let linked = link.as_ref().map_or(String::new(), |l| {
                format!("  link {} peers {:.1} bpm", l.peers(), l.bpm())
            });
            #[cfg(not(feature = "link"))]
            let linked = "";
            let _ = write!(
                io.stderr,
                "\r\x1b[J{clock}load {load:.1}%  voices {}  xruns {}{limiting}{device}{linked}  {changes}",
                stats.voices.load(Ordering::Relaxed),
                stats.xruns.load(Ordering::Relaxed)
            );
            if let Some(scope) = &mut scope {
                if let Some(latest) = names_rx.try_iter().last() {
                    names = latest;
                }
                let columns = std::env::var("COLUMNS")
                    .ok()
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(100);
                let lines = scope.lines(&names, columns, drawn.elapsed().as_secs_f64());
                drawn = Instant::now();
                for l in &lines {
                    let _ = write!(io.stderr, "\n\x1b[K{l}");
                }
                // Back to the status line's start: the next draw, or a report, clears from
                // there down.
                if !lines.is_empty() {
                    let _ = write!(io.stderr, "\x1b[{}F", lines.len());
                }
            }
        }
    }
    // Fade out: the render thread fades the master over the crossfade time; wait until the
    // sink has played the fade, a second signal, or a second of wall time (a device that
    // stopped taking frames).
    stats.fade_out.store(true, Ordering::Relaxed);
    let fading = Instant::now();
    while fading.elapsed() < Duration::from_secs(1) && signals.count() < 2 {
        let at = stats.faded_at.load(Ordering::Relaxed);
        if at > 0 && stats.consumed.load(Ordering::Relaxed) >= at {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let stopped_by = match signals.count() {
        0 => None,
        1 => Some("stopped by a signal: faded out"),
        _ => Some("stopped by a second signal: cut without the fade"),
    };
    // The sink stops first, so it never asks for a block the stopped render thread will
    // not make.
    drop(running);
    stop.store(true, Ordering::Relaxed);
    drop(watcher);
    let heard = match changer {
        Changer::Compiler(thread) => {
            let _ = thread.join();
            None
        }
        Changer::Listener(thread, counts) => thread.join().ok().map(|h| (h, counts)),
    };
    let times = render.join().unwrap_or_else(|_| BlockTimes::new());
    let recorded = monitor.join();
    let _ = janitor.join();
    if let Some((name, thread)) = midi
        && let Ok(sent) = thread.join()
    {
        let lost = if sent.lost > 0 {
            format!(", {} lost (the port went away or was full)", sent.lost)
        } else {
            String::new()
        };
        let _ = writeln!(
            io.stdout,
            "sent {} MIDI messages of {} events to {name}{lost}",
            sent.messages, sent.events
        );
    }
    if let Some((to, thread)) = osc {
        match thread.join() {
            Ok(Ok(n)) => {
                let _ = writeln!(io.stdout, "sent {n} events to {to} (/dirt/play)");
            }
            Ok(Err(e)) => {
                let _ = writeln!(io.stderr, "error: cannot send OSC to {to}: {e}");
            }
            Err(_) => {}
        }
    }
    if io.color {
        // The status line (and the scope under it) goes; the terminal is left as it was found.
        let _ = write!(io.stderr, "\r\x1b[J");
    }
    for r in report_rx.try_iter() {
        let _ = writeln!(io.stdout, "{}", r.text);
    }
    if let Some((heard, counts)) = heard {
        let _ = writeln!(io.stdout, "{}", serve::summary(&heard, &counts));
    }
    if let Some(why) = stopped_by {
        let _ = writeln!(io.stdout, "{why}");
    }
    if let (Ok(Some(done)), Some(path)) = (recorded, &args.record) {
        match done {
            Ok(1) => {
                let _ = writeln!(io.stdout, "recorded {}", path.display());
            }
            Ok(parts) => {
                let _ = writeln!(
                    io.stdout,
                    "recorded {} and its continuations -2 to -{parts}",
                    path.display()
                );
            }
            Err(e) => {
                let _ = writeln!(io.stderr, "error: {e}");
            }
        }
    }
    let played = stats.played.load(Ordering::Relaxed);
    let device_errors = stats.device_errors.load(Ordering::Relaxed);
    let xruns = stats.xruns.load(Ordering::Relaxed);
    let first_xrun = if xruns > 0 {
        format!(
            " (the first at {:.2} s)",
            stats.first_xrun.load(Ordering::Relaxed) as f64 / sr as f64
        )
    } else {
        String::new()
    };
    let unrecorded = stats.unrecorded.load(Ordering::Relaxed);
    if unrecorded > 0 && args.record.is_some() {
        let _ = writeln!(
            io.stderr,
            "error: the recording lost {:.2} s: the disk could not keep up",
            unrecorded as f64 / sr as f64
        );
    }
    let losses = stats.device_losses.load(Ordering::Relaxed);
    if losses > 0 {
        let _ = writeln!(
            io.stdout,
            "the audio device went away {losses} time{}: {:.2} s played on the null clock{}",
            if losses == 1 { "" } else { "s" },
            stats.null_clock_frames.load(Ordering::Relaxed) as f64 / sr as f64,
            if stats.device_lost.load(Ordering::Relaxed) {
                " (still gone at the end)"
            } else {
                ""
            }
        );
    }
    // Where the device played the last frame against the system clock, and how fast its
    // clock ran: what MIDI, OSC and Link timing were corrected by.
    if let Some((a, b)) = stats.device_clock.line() {
        let _ = writeln!(
            io.stdout,
            "the audio device played {:.1} ms after the system clock's time for its frames at the end, its clock {:+.1} ppm against the system's",
            (a + b * played as f64) / 1e6,
            -b * sr as f64 / 1e9 * 1e6
        );
    }
    let _ = writeln!(
        io.stdout,
        "played {:.2} s at {sr} Hz in callbacks of up to {} frames, xruns {xruns}{first_xrun}, load median {:.1}% p99 {:.1}% max {:.1}% of the block budget ({:.2} ms; {} blocks), voices at most {}{}",
        played as f64 / sr as f64,
        stats.callback_frames.load(Ordering::Relaxed),
        times.quantile_us(0.5) / budget_us * 100.0,
        times.quantile_us(0.99) / budget_us * 100.0,
        stats.max_block_us.load(Ordering::Relaxed) as f64 / budget_us * 100.0,
        budget_us / 1e3,
        times.blocks,
        stats.voices_peak.load(Ordering::Relaxed),
        if device_errors > 0 {
            format!(", {device_errors} errors from the audio device")
        } else {
            String::new()
        }
    );
    0
}

/// Every block's render time, in steps of 10 µs up to a second (longer ones in the last
/// step): the median and p99 of a whole set, kept without allocating after the start.
struct BlockTimes {
    counts: Vec<u64>,
    blocks: u64,
}

impl BlockTimes {
    const STEP_US: u64 = 10;

    fn new() -> BlockTimes {
        BlockTimes {
            counts: vec![0; 100_000],
            blocks: 0,
        }
    }

    fn add(&mut self, us: u64) {
        let i = ((us / Self::STEP_US) as usize).min(self.counts.len() - 1);
        self.counts[i] += 1;
        self.blocks += 1;
    }

    /// The time under which a `q` share of the blocks took, in µs (the step's upper end).
    fn quantile_us(&self, q: f64) -> f64 {
        let want = (q * self.blocks as f64).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (i, &n) in self.counts.iter().enumerate() {
            seen += n;
            if seen >= want {
                return ((i as u64 + 1) * Self::STEP_US) as f64;
            }
        }
        0.0
    }
}

/// Fades frames of `width` interleaved channels from full level to silence over `total`
/// frames, `done` of which have passed; silence after.
fn fade(block: &mut [f32], width: usize, done: &mut i64, total: i64) {
    for frame in block.chunks_exact_mut(width) {
        let g = (1.0 - *done as f64 / total as f64).max(0.0) as f32;
        frame.iter_mut().for_each(|x| *x *= g);
        *done += 1;
    }
}

/// Which outputs play on which channels (`--split`), as a line to print.
fn stem_layout(stems: &[Vec<String>]) -> String {
    let pairs: Vec<String> = stems
        .iter()
        .enumerate()
        .filter(|(_, names)| !names.is_empty())
        .map(|(p, names)| format!("{}-{} {}", 2 * p + 1, 2 * p + 2, names.join(" + ")))
        .collect();
    format!("stems: {}", pairs.join(", "))
}
