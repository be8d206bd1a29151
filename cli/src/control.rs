//! Editor commands to a running `phonon live`: evaluate a text now, `hush`, mute or solo
//! an output, play an expression once. `phonon live FILE` listens on a Unix socket of its
//! own (only its user can reach it: the folder is theirs alone), found from the file's
//! path, so the language server and `phonon send` reach the process playing that file.
//!
//! The protocol is a line of JSON each way per command:
//! `{"command":"eval","text":"d1: s \"bd sn\"\n"}`, `{"command":"hush"}`,
//! `{"command":"mute","output":"d1"}` (also `unmute`, `solo`, `unsolo`),
//! `{"command":"once","text":"s \"crash\""}`; the answer is `{"ok":true,"message":"..."}`
//! or `{"ok":false,"error":"..."}`. See docs/live.md.

pub use phonon_compiler::ast::Playback;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// A command of the editor.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Play this text (the editor's, saved or not) in place of the file's.
    Eval(String),
    /// Silence every output until the next evaluation or save.
    Hush,
    /// `mute`, `unmute`, `solo` or `unsolo` an output, held over saves.
    Playback(Playback, String),
    /// Play one cycle of this expression (or these output lines) once, from the next cycle.
    Once(String),
}

impl Command {
    pub fn to_json(&self) -> Value {
        match self {
            Command::Eval(text) => json!({"command": "eval", "text": text}),
            Command::Hush => json!({"command": "hush"}),
            Command::Playback(p, output) => json!({"command": p.word(), "output": output}),
            Command::Once(text) => json!({"command": "once", "text": text}),
        }
    }

    pub fn from_json(v: &Value) -> Result<Command, String> {
        let field = |name: &str| {
            v[name]
                .as_str()
                .map(str::to_string)
                .ok_or_else(|| format!("`{name}` (a string) is missing"))
        };
        let command = v["command"]
            .as_str()
            .ok_or("a command is an object with a `command` field")?;
        Ok(match command {
            "eval" => Command::Eval(field("text")?),
            "hush" => Command::Hush,
            "once" => Command::Once(field("text")?),
            w => match Playback::from_word(w) {
                Some(p) => Command::Playback(p, field("output")?),
                None => {
                    return Err(format!(
                        "no command `{w}`: eval, hush, mute, unmute, solo, unsolo, once"
                    ));
                }
            },
        })
    }
}

/// The answer to a command, as the protocol writes it.
pub fn reply_json(reply: &Result<String, String>) -> Value {
    match reply {
        Ok(message) => json!({"ok": true, "message": message}),
        Err(error) => json!({"ok": false, "error": error}),
    }
}

/// 64-bit FNV-1a: a hash of the file's path that stays the same across builds (the
/// standard library's may not).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The socket of the `phonon live` that plays `file`: in `$XDG_RUNTIME_DIR`, else in a
/// folder of the user's own in the temporary folder, named by a hash of the file's full
/// path (socket paths are short: about a hundred bytes).
pub fn socket_path(file: &Path) -> Result<PathBuf, String> {
    let full =
        std::fs::canonicalize(file).map_err(|e| format!("cannot find {}: {e}", file.display()))?;
    let dir = match std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from) {
        Some(d) if d.is_dir() => d,
        _ => {
            #[cfg(unix)]
            let user = unsafe { libc::getuid() }.to_string();
            #[cfg(not(unix))]
            let user = String::from("user");
            std::env::temp_dir().join(format!("phonon-{user}"))
        }
    };
    let name = format!(
        "phonon-{:016x}.sock",
        fnv1a(full.as_os_str().as_encoded_bytes())
    );
    Ok(dir.join(name))
}

/// Sends `command` to the `phonon live` playing `file` and returns its answer.
#[cfg(unix)]
pub fn send(file: &Path, command: &Command) -> Result<String, String> {
    use std::io::{BufRead, BufReader, Write};
    let path = socket_path(file)?;
    let mut stream = std::os::unix::net::UnixStream::connect(&path).map_err(|e| {
        format!(
            "no phonon live is playing {} ({e} at {})",
            file.display(),
            path.display()
        )
    })?;
    // A compile of a large file takes a second or two; nothing takes half a minute.
    let limit = Some(std::time::Duration::from_secs(30));
    let _ = stream.set_read_timeout(limit);
    let _ = stream.set_write_timeout(limit);
    writeln!(stream, "{}", command.to_json()).map_err(|e| e.to_string())?;
    let mut line = String::new();
    BufReader::new(&stream)
        .read_line(&mut line)
        .map_err(|e| format!("phonon live did not answer: {e}"))?;
    let v: Value = serde_json::from_str(&line)
        .map_err(|e| format!("phonon live answered something else ({e}): {line}"))?;
    match v["ok"].as_bool() {
        Some(true) => Ok(v["message"].as_str().unwrap_or("").to_string()),
        _ => Err(v["error"].as_str().unwrap_or("failed").to_string()),
    }
}

#[cfg(not(unix))]
pub fn send(_file: &Path, _command: &Command) -> Result<String, String> {
    Err("editor commands to phonon live need a Unix socket, which this system lacks".into())
}

/// The listening end in `phonon live`: answers each command with `answer` on a thread of
/// its own; the socket is removed when this is dropped.
pub struct Listener {
    path: PathBuf,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let _ = std::fs::remove_file(&self.path);
    }
}

impl Listener {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Listens for the commands to the `phonon live` playing `file`. Fails when another one
/// already plays it.
#[cfg(unix)]
pub fn listen(
    file: &Path,
    answer: impl Fn(Command) -> Result<String, String> + Send + 'static,
) -> Result<Listener, String> {
    use std::os::unix::fs::DirBuilderExt;
    use std::os::unix::fs::MetadataExt;
    use std::os::unix::net::{UnixListener, UnixStream};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let path = socket_path(file)?;
    if let Some(dir) = path.parent() {
        let _ = std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir);
        // Anyone who can reach the socket can play code: the folder must be ours alone.
        let meta = std::fs::metadata(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        if meta.uid() != unsafe { libc::getuid() } || meta.mode() & 0o077 != 0 {
            return Err(format!(
                "{} is not this user's alone (owner {}, mode {:o}): no socket there",
                dir.display(),
                meta.uid(),
                meta.mode() & 0o777
            ));
        }
    }
    if path.exists() {
        if UnixStream::connect(&path).is_ok() {
            return Err(format!(
                "another phonon live plays {} (its socket {} answers)",
                file.display(),
                path.display()
            ));
        }
        // Left by a process that did not stop cleanly.
        let _ = std::fs::remove_file(&path);
    }
    let listener = UnixListener::bind(&path)
        .map_err(|e| format!("cannot listen at {}: {e}", path.display()))?;
    listener.set_nonblocking(true).map_err(|e| e.to_string())?;
    let stop = Arc::new(AtomicBool::new(false));
    let thread = {
        let stop = stop.clone();
        std::thread::Builder::new()
            .name("phonon-control".into())
            .spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    match listener.accept() {
                        Ok((stream, _)) => converse(stream, &answer, &stop),
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                            std::thread::sleep(std::time::Duration::from_millis(20));
                        }
                        Err(_) => std::thread::sleep(std::time::Duration::from_millis(20)),
                    }
                }
            })
            .map_err(|e| e.to_string())?
    };
    Ok(Listener {
        path,
        stop,
        thread: Some(thread),
    })
}

#[cfg(not(unix))]
pub fn listen(
    _file: &Path,
    _answer: impl Fn(Command) -> Result<String, String> + Send + 'static,
) -> Result<Listener, String> {
    Err("editor commands need a Unix socket, which this system lacks".into())
}

/// The largest command line read: a program's text is far smaller.
const MAX_LINE: u64 = 4 << 20;

/// Answers the commands of one connection, a line each, until it closes.
#[cfg(unix)]
fn converse(
    stream: std::os::unix::net::UnixStream,
    answer: &impl Fn(Command) -> Result<String, String>,
    stop: &std::sync::atomic::AtomicBool,
) {
    use std::io::{BufRead, BufReader, Read, Write};
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(std::time::Duration::from_millis(200)));
    let Ok(mut out) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        match (&mut reader).take(MAX_LINE).read_line(&mut line) {
            Ok(0) => return,
            Ok(_) if !line.ends_with('\n') && line.len() as u64 >= MAX_LINE => {
                let _ = writeln!(out, "{}", reply_json(&Err("command too long".into())));
                return;
            }
            Ok(_) => {
                let reply = serde_json::from_str::<Value>(&line)
                    .map_err(|e| format!("not JSON: {e}"))
                    .and_then(|v| Command::from_json(&v))
                    .and_then(answer);
                line.clear();
                if writeln!(out, "{}", reply_json(&reply)).is_err() {
                    return;
                }
            }
            // A read timing out keeps what it read; the stop flag is looked at.
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_round_trip_through_json() {
        for c in [
            Command::Eval("d1: s \"bd\"\n".into()),
            Command::Hush,
            Command::Playback(Playback::Solo, "d2".into()),
            Command::Once("s \"cp\"".into()),
        ] {
            assert_eq!(Command::from_json(&c.to_json()), Ok(c));
        }
        assert!(
            Command::from_json(&json!({"command": "mute"}))
                .unwrap_err()
                .contains("output")
        );
        assert!(
            Command::from_json(&json!({"command": "boom"}))
                .unwrap_err()
                .contains("no command `boom`")
        );
    }
}
