//! The compiler thread of `phonon live`: it builds each new version of what plays (the
//! file as saved, or an editor's command) and hands it to the player.
//!
//! Editor commands (see [`crate::control`]) change what plays without a save: `eval` plays
//! the editor's text in place of the file's, `hush` silences everything until the next
//! evaluation or save, `mute`/`solo` (and their undoing) hold over saves until undone, and
//! `once` plays a selection's first cycle once. Held commands are the language's own
//! statements (`hush`, `mute d1`, `once: ...`) added after the text, so they mean exactly
//! what they mean in a file.

use super::{DEBOUNCE, Report, Stats, first_error, handed, midi, osc};
use crate::audio::Compiler;
use crate::control::{self, Command, Playback};
use phonon_compiler::ast::StatementKind;
use phonon_compiler::diagnostic::{Diagnostic, render_all};
use phonon_runtime::engine::Engine;
use phonon_runtime::live::Incoming;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// What the compiler thread of `phonon live` needs besides the file: where reports and new
/// engines go, and how engines are built.
pub(super) struct Reloads {
    pub name: String,
    pub stop: Arc<AtomicBool>,
    pub report: mpsc::Sender<Report>,
    pub stats: Arc<Stats>,
    pub incoming: mpsc::Sender<Incoming>,
    pub osc_tx: Option<mpsc::Sender<handed::Rings>>,
    pub midi_tx: Option<mpsc::Sender<handed::Rings>>,
    pub follow_clock: bool,
    pub block: usize,
    pub pool: Option<Arc<rayon::ThreadPool>>,
    pub threads: usize,
    pub color: bool,
    pub lead: i64,
    /// `--link`: what every version's cycle clock follows, and who is told when a version
    /// sets another tempo (with the tempo it sets).
    pub timeline: Option<(
        Arc<dyn phonon_runtime::tempo::Timeline>,
        phonon_runtime::Rational,
    )>,
    pub on_tempo: Option<Box<dyn Fn(f64) + Send>>,
}

/// What wakes the compiler thread.
enum Wake {
    /// The file changed on disk (when it was noticed).
    Saved(Instant),
    /// An editor's command, and where its answer goes.
    Command(Command, mpsc::Sender<Result<String, String>>),
}

/// What keeps the file watched and the editor commands heard; dropping it stops both.
pub(super) struct Watching {
    _watcher: notify::RecommendedWatcher,
    _listener: Option<control::Listener>,
}

/// Longest an editor waits for a command's answer (a compile takes well under a second).
const ANSWER_WITHIN: Duration = Duration::from_secs(20);

/// Watches `path`, listens for editor commands, and starts the compiler thread that builds
/// each new version and hands it to the player. `text` is the file as read at the start,
/// whose program plays now at `tempo` if it `compiled`.
pub(super) fn watch(
    path: PathBuf,
    text: String,
    compiled: bool,
    tempo: f64,
    with: Compiler,
    r: Reloads,
) -> Result<(Watching, std::thread::JoinHandle<()>), String> {
    let (wake_tx, wake_rx) = mpsc::channel::<Wake>();
    // Watcher: any event naming the file (written, created, renamed over) is an edit.
    let file_name = path.file_name().map(|n| n.to_os_string());
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let saves = wake_tx.clone();
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        if let Ok(ev) = res
            && !ev.kind.is_access()
            && ev
                .paths
                .iter()
                .any(|p| p.file_name() == file_name.as_deref())
        {
            let _ = saves.send(Wake::Saved(Instant::now()));
        }
    })
    .map_err(|e| format!("cannot watch {}: {e}", r.name))?;
    use notify::Watcher;
    watcher
        .watch(&dir, notify::RecursiveMode::NonRecursive)
        .map_err(|e| format!("cannot watch {}: {e}", dir.display()))?;
    let listener = control::listen(&path, move |command| {
        let (tx, rx) = mpsc::channel();
        wake_tx
            .send(Wake::Command(command, tx))
            .map_err(|_| "phonon live is stopping".to_string())?;
        rx.recv_timeout(ANSWER_WITHIN)
            .map_err(|_| "phonon live did not answer in time".to_string())?
    });
    let _ = r.report.send(Report::text(match &listener {
        Ok(l) => format!(
            "{}: editor commands at {} (phonon send, phonon lsp)",
            r.name,
            l.path().display()
        ),
        Err(e) => format!("{}: no editor commands: {e}", r.name),
    }));
    let mut state = Reloader {
        path,
        good: compiled.then(|| text.clone()),
        source: text,
        held: Held::default(),
        stop: r.stop.clone(),
        load: Loader { with, r, tempo },
    };
    let compiler = std::thread::spawn(move || state.run(wake_rx));
    Ok((
        Watching {
            _watcher: watcher,
            _listener: listener.ok(),
        },
        compiler,
    ))
}

/// What editor commands hold over saves.
#[derive(Debug, Default, Clone, PartialEq)]
struct Held {
    /// Until the next evaluation or save.
    hush: bool,
    /// Per output: muted (or unmuted) and soloed (or unsoloed) by a command.
    marks: BTreeMap<String, Marks>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Marks {
    mute: Option<bool>,
    solo: Option<bool>,
}

impl Held {
    fn apply(&mut self, p: Playback, output: &str) {
        let m = self.marks.entry(output.to_string()).or_default();
        match p {
            Playback::Mute => m.mute = Some(true),
            Playback::Unmute => m.mute = Some(false),
            Playback::Solo => m.solo = Some(true),
            Playback::Unsolo => m.solo = Some(false),
        }
    }

    /// The statements that say what is held, to follow a program's text.
    fn statements(&self) -> String {
        let mut s = String::from("\n-- held by editor commands\n");
        if self.hush {
            s += "hush\n";
        }
        for (output, m) in &self.marks {
            let words = [
                m.mute.map(|on| if on { "mute" } else { "unmute" }),
                m.solo.map(|on| if on { "solo" } else { "unsolo" }),
            ];
            for w in words.into_iter().flatten() {
                s += &format!("{w} {output}\n");
            }
        }
        s
    }

    /// Forgets the marks of outputs not in `outputs`, and returns their names.
    fn keep(&mut self, outputs: &[String]) -> Vec<String> {
        let gone: Vec<String> = self
            .marks
            .keys()
            .filter(|o| !outputs.contains(o))
            .cloned()
            .collect();
        self.marks.retain(|o, _| outputs.contains(o));
        gone
    }
}

/// The names of the outputs `text` defines.
fn output_names(text: &str) -> Vec<String> {
    let fe = phonon_compiler::front_end(text);
    let mut names: Vec<String> = fe
        .checked
        .program
        .statements
        .iter()
        .filter_map(|s| match &s.kind {
            StatementKind::Output { name, .. } => Some(name.text.clone()),
            _ => None,
        })
        .collect();
    names.dedup();
    names
}

/// A selection as `once:` lines: each output line of it (`d1: ...`) becomes a `once:`
/// line; a selection of no statements is taken as one expression.
pub(super) fn once_statements(selection: &str) -> Result<String, String> {
    let selection = selection.trim_end();
    if selection.trim().is_empty() {
        return Err("nothing selected to play".to_string());
    }
    let fe = phonon_compiler::front_end(selection);
    let statements = &fe.checked.program.statements;
    if statements.is_empty() {
        // An expression; its later lines indented so that they continue it.
        let lines: Vec<&str> = selection.trim_start().lines().collect();
        return Ok(format!("once: {}\n", lines.join("\n  ")));
    }
    let mut out = String::new();
    for s in statements {
        match &s.kind {
            StatementKind::Output { body, .. } => {
                out += &format!("once: {}\n", &selection[body.span.clone()]);
            }
            _ => {
                let first = selection[s.span.clone()].lines().next().unwrap_or("");
                return Err(format!(
                    "play once plays outputs and expressions, and `{first}` is neither"
                ));
            }
        }
    }
    Ok(out)
}

/// A failed compile in a line for the editor: where the first error is, what, the hint.
fn brief(d: &[Diagnostic], text: &str) -> String {
    let Some(e) = d.iter().find(|d| d.is_error()).or(d.first()) else {
        return "it does not compile".to_string();
    };
    let (line, col) = e.line_col(text);
    let mut s = format!("{line}:{col}: {}", e.message);
    if let Some(label) = &e.label {
        s += &format!(": {label}");
    }
    if let Some(hint) = &e.hint {
        s += &format!(" (hint: {hint})");
    }
    s
}

/// Builds engines from texts and hands them to the player.
struct Loader {
    with: Compiler,
    r: Reloads,
    /// The tempo of the last version loaded (cycles per second).
    tempo: f64,
}

impl Loader {
    /// Compiles `text`, builds its engine and hands it over; on failure says so on the
    /// terminal (with `name_of_text` as the file's name in the messages) and returns the
    /// first error in a line.
    fn load(
        &mut self,
        pool: &rayon::ThreadPool,
        text: &str,
        noticed: Instant,
        name_of_text: &str,
    ) -> Result<(), String> {
        let r = &self.r;
        let t = Instant::now();
        let c = match pool.install(|| self.with.compile(text)) {
            Ok(c) => c,
            Err(d) => {
                let _ = r.report.send(Report::failure(
                    format!(
                        "{}\n{name_of_text}: not reloaded, the last good program keeps playing",
                        render_all(&d, name_of_text, text, r.color)
                    ),
                    first_error(&d, text),
                ));
                return Err(brief(&d, text));
            }
        };
        if r.timeline.is_some() && c.spec.tempo.is_some() {
            let _ = r.report.send(Report::failure(
                format!(
                    "error: with --link the session's tempo plays: a tempo pattern cannot\n  hint: write one tempo (`bpm: 120`); it is sent to the session's peers\n{name_of_text}: not reloaded, the last good program keeps playing"
                ),
                "a tempo pattern with --link".to_string(),
            ));
            return Err("with --link the session's tempo plays: a tempo pattern cannot".into());
        }
        let tempo = c.spec.cps.to_f64();
        let engine = match Engine::on_pool(c.spec, r.block, r.pool.clone()) {
            Ok(mut e) => {
                if let Some(tx) = &r.osc_tx {
                    let _ = tx.send(e.send_events_to(osc::RING_EVENTS));
                }
                if let Some(tx) = &r.midi_tx {
                    let _ = tx.send(e.send_midi_to(midi::RING_EVENTS));
                }
                if r.follow_clock {
                    e.follow_tempo(phonon_runtime::midi_in::clock_cps);
                }
                if let Some((timeline, step)) = &r.timeline {
                    e.follow_timeline(timeline.clone(), *step);
                }
                Box::new(e)
            }
            Err(e) => {
                let _ = r.report.send(Report::failure(
                    format!(
                        "error: {e}\n{name_of_text}: not reloaded, the last good program keeps playing"
                    ),
                    "an error building it".to_string(),
                ));
                return Err(format!("cannot build it: {e}"));
            }
        };
        let compile_ms = t.elapsed().as_secs_f64() * 1e3;
        if !c.warnings.is_empty() {
            let _ = r.report.send(Report::text(render_all(
                &c.warnings,
                name_of_text,
                text,
                r.color,
            )));
        }
        let _ = r.incoming.send(Incoming {
            engine,
            noticed,
            compile_ms,
            played_when_ready: r.stats.consumed.load(Ordering::Relaxed) + r.lead,
        });
        // A tempo the text changed goes to whoever follows it (a Link session's peers).
        if tempo != self.tempo {
            self.tempo = tempo;
            if let Some(tell) = &r.on_tempo {
                tell(tempo);
            }
        }
        Ok(())
    }
}

/// The compiler thread's state.
struct Reloader {
    path: PathBuf,
    /// The text last tried (from the file or the editor): a save of the same text is not
    /// a reload.
    source: String,
    /// The text whose program plays (commands are added to it), if one ever compiled.
    good: Option<String>,
    held: Held,
    stop: Arc<AtomicBool>,
    load: Loader,
}

impl Reloader {
    fn run(&mut self, wakes: mpsc::Receiver<Wake>) {
        lower_priority();
        // Code generation runs in parallel: on threads started here, at this priority.
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(self.load.r.threads)
            .thread_name(|i| format!("phonon-compile-{i}"))
            .build()
            .expect("a thread pool can be built");
        while !self.stop.load(Ordering::Relaxed) {
            let Ok(first) = wakes.recv_timeout(Duration::from_millis(50)) else {
                continue;
            };
            let mut woken = vec![first];
            while let Ok(w) = wakes.recv_timeout(DEBOUNCE) {
                woken.push(w);
            }
            let saved = woken
                .iter()
                .filter_map(|w| match w {
                    Wake::Saved(t) => Some(*t),
                    Wake::Command(..) => None,
                })
                .min();
            // A rename-replace can leave the path missing for a moment.
            if let Some(noticed) = saved
                && let Ok(text) = std::fs::read_to_string(&self.path)
                && text != self.source
            {
                let name = self.load.r.name.clone();
                let _ = self.play_source(&pool, text, noticed, &name);
            }
            for w in woken {
                if let Wake::Command(command, answer) = w {
                    let _ = answer.send(self.command(&pool, command));
                }
            }
        }
    }

    /// Plays `text` as the new source (a save or an evaluation): hush ends, marks of
    /// outputs it lacks are forgotten.
    fn play_source(
        &mut self,
        pool: &rayon::ThreadPool,
        text: String,
        noticed: Instant,
        name: &str,
    ) -> Result<(), String> {
        self.source = text.clone();
        // What stays held if it loads: hush ends, marks of outputs it lacks are forgotten.
        let mut held = self.held.clone();
        let gone = held.keep(&output_names(&text));
        held.hush = false;
        let full = text.clone() + &held.statements();
        self.load.load(pool, &full, noticed, name)?;
        if !gone.is_empty() {
            self.say(format!(
                "editor: no output {} any more: its mute or solo is forgotten",
                gone.join(", ")
            ));
        }
        self.held = held;
        self.good = Some(text);
        Ok(())
    }

    fn say(&self, line: String) {
        let _ = self
            .load
            .r
            .report
            .send(Report::text(format!("{}: {line}", self.load.r.name)));
    }

    /// Carries out an editor's command; its answer.
    fn command(&mut self, pool: &rayon::ThreadPool, command: Command) -> Result<String, String> {
        let noticed = Instant::now();
        let good = self.good.clone().unwrap_or_default();
        let name = self.load.r.name.clone();
        match command {
            Command::Eval(text) => {
                self.say("editor: evaluate".to_string());
                let outputs = output_names(&text).len();
                self.play_source(pool, text, noticed, &format!("{name} (the editor's text)"))?;
                Ok(format!(
                    "playing the editor's text ({outputs} output{})",
                    if outputs == 1 { "" } else { "s" }
                ))
            }
            Command::Hush => {
                self.say("editor: hush".to_string());
                let before = self.held.clone();
                self.held.hush = true;
                let full = good + &self.held.statements();
                self.load
                    .load(pool, &full, noticed, &name)
                    .inspect_err(|_| self.held = before)?;
                Ok("hushed: silent until the next evaluation or save".to_string())
            }
            Command::Playback(p, output) => {
                let outputs = output_names(&good);
                if !outputs.contains(&output) {
                    return Err(if outputs.is_empty() {
                        format!("no output `{output}`: nothing plays")
                    } else {
                        format!(
                            "no output `{output}`: the outputs playing are {}",
                            outputs.join(", ")
                        )
                    });
                }
                self.say(format!("editor: {} {output}", p.word()));
                let before = self.held.clone();
                self.held.apply(p, &output);
                let full = good + &self.held.statements();
                self.load
                    .load(pool, &full, noticed, &name)
                    .inspect_err(|_| self.held = before)?;
                Ok(format!("{} {output}", p.word()))
            }
            Command::Once(selection) => {
                let once = once_statements(&selection)?;
                self.say(format!("editor: once: {}", selection.trim()));
                let full = good + &self.held.statements() + &once;
                self.load.load(
                    pool,
                    &full,
                    noticed,
                    &format!("{name} (with the selection)"),
                )?;
                Ok("playing the selection once, from the next cycle".to_string())
            }
        }
    }
}

/// Makes the calling thread, and the threads it starts, give way to the render and sink
/// threads: a reload may take longer, but it never makes a block late. (Linux's nice value
/// belongs to a thread; elsewhere the compiler keeps the normal priority.)
fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: a system call with plain integer arguments; who = 0 is the calling thread.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 10);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn held_commands_are_statements_of_the_language() {
        let mut h = Held {
            hush: true,
            ..Default::default()
        };
        h.apply(Playback::Mute, "d2");
        h.apply(Playback::Solo, "d1");
        h.apply(Playback::Unsolo, "d1");
        assert_eq!(
            h.statements(),
            "\n-- held by editor commands\nhush\nunsolo d1\nmute d2\n"
        );
        assert_eq!(h.keep(&["d1".to_string()]), ["d2"]);
        assert_eq!(h.marks.len(), 1);
    }

    #[test]
    fn a_selection_becomes_once_lines() {
        assert_eq!(
            once_statements("s \"bd sn\"\n  # gain 0.8\n").unwrap(),
            "once: s \"bd sn\"\n    # gain 0.8\n"
        );
        assert_eq!(
            once_statements("d1: s \"bd\"\nd2 $ n \"0 2\" # s \"superpiano\"").unwrap(),
            "once: s \"bd\"\nonce: n \"0 2\" # s \"superpiano\"\n"
        );
        assert!(
            once_statements("d1: s \"bd\"\n~x: sine 2")
                .unwrap_err()
                .contains("`~x: sine 2` is neither")
        );
        assert!(once_statements("  \n").is_err());
    }
}
