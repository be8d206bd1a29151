//! The commands an editor binds to keys (`workspace/executeCommand`), carried to the
//! `phonon live` playing the document's file over its socket ([`crate::control`]):
//!
//! | command | arguments (after the document's URI, which may be left out) | what `phonon live` does |
//! |---|---|---|
//! | `phonon.evaluate` | uri | plays the document's text now, saved or not |
//! | `phonon.hush` | uri | silence until the next evaluation or save |
//! | `phonon.mute`, `phonon.unmute`, `phonon.solo`, `phonon.unsolo` | uri, output | the output given by name, or by a position in its lines |
//! | `phonon.playOnce` | uri, range or position | plays the selection's first cycle once (at a position, the output line there) |

use super::text::{offset, string_at};
use crate::control::{self, Command, Playback};
use lsp_types::{Position, Range};
use phonon_compiler::ast::StatementKind;
use serde_json::Value;
use std::path::PathBuf;

pub const NAMES: [&str; 7] = [
    "phonon.evaluate",
    "phonon.hush",
    "phonon.mute",
    "phonon.unmute",
    "phonon.solo",
    "phonon.unsolo",
    "phonon.playOnce",
];

/// The file a `file:` URI names (percent-escapes decoded).
fn file_path(uri: &str) -> Option<PathBuf> {
    let path = uri.strip_prefix("file://")?;
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = path
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let path = String::from_utf8(out).ok()?;
    // `file:///C:/x` on Windows.
    #[cfg(windows)]
    let path = path.trim_start_matches('/').to_string();
    Some(PathBuf::from(path))
}

/// The output statement of `text` at byte `at`: its name and its text.
fn output_at(text: &str, at: usize) -> Option<(String, String)> {
    let fe = phonon_compiler::front_end(text);
    fe.checked
        .program
        .statements
        .iter()
        .filter(|s| s.span.start <= at && at <= s.span.end)
        .find_map(|s| match &s.kind {
            StatementKind::Output { name, .. } => {
                Some((name.text.clone(), text[s.span.clone()].to_string()))
            }
            _ => None,
        })
}

/// Carries out `command` with `arguments` for the document whose text `document` gives.
/// The document's URI comes first; without it (editors whose command pickers send no
/// arguments, as Helix's and Emacs's) the command is for `recent`, the document last
/// opened or changed.
pub fn execute<'a>(
    command: &str,
    arguments: &[Value],
    recent: Option<&str>,
    document: impl Fn(&str) -> Option<&'a str>,
) -> Result<String, String> {
    let given = arguments
        .first()
        .and_then(Value::as_str)
        .filter(|a| a.contains(':') && document(a).is_some());
    let (uri, rest) = match (given, recent) {
        (Some(uri), _) => (uri, &arguments[1..]),
        (None, Some(uri)) => (uri, arguments),
        (None, None) => return Err(format!("{command}: no .ph document is open")),
    };
    let text = document(uri).ok_or_else(|| format!("{uri} is not open"))?;
    let file = file_path(uri).ok_or_else(|| format!("{uri} is not a file"))?;
    let second = rest.first();
    let position = second.and_then(|v| serde_json::from_value::<Position>(v.clone()).ok());
    let selected = second.and_then(|v| serde_json::from_value::<Range>(v.clone()).ok());
    let what = match command {
        "phonon.evaluate" => Command::Eval(text.to_string()),
        "phonon.hush" => Command::Hush,
        "phonon.playOnce" => match (selected, position) {
            (Some(r), _) if r.start != r.end => {
                Command::Once(text[offset(text, r.start)..offset(text, r.end)].to_string())
            }
            (Some(Range { start: p, .. }), _) | (None, Some(p)) => {
                let at = offset(text, p);
                // A string under the cursor plays alone, as `s` would play it; else the
                // output line there.
                match output_at(text, at) {
                    Some((_, statement)) => Command::Once(statement),
                    None => match string_at(text, at) {
                        Some((_, s)) => Command::Once(format!("s {s}")),
                        None => return Err("no output line or string at the cursor".into()),
                    },
                }
            }
            (None, None) => return Err(format!("{command} takes a range or a position")),
        },
        c => {
            let Some(p) = c.strip_prefix("phonon.").and_then(Playback::from_word) else {
                return Err(format!("phonon lsp has no command {c}"));
            };
            let output = match (second.and_then(Value::as_str), position) {
                (Some(name), _) => name.to_string(),
                (None, Some(at)) => {
                    output_at(text, offset(text, at))
                        .ok_or("no output line at the cursor")?
                        .0
                }
                (None, None) => return Err(format!("{c} takes an output's name or a position")),
            };
            Command::Playback(p, output)
        }
    };
    control::send(&file, &what)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_uris_become_paths() {
        assert_eq!(
            file_path("file:///home/a/my%20set.ph"),
            Some(PathBuf::from("/home/a/my set.ph"))
        );
        assert_eq!(file_path("untitled:1"), None);
    }

    #[test]
    fn the_output_at_the_cursor() {
        let text = "~b: sine 2\nd1: s \"bd\"\n  # gain ~b\nd2: s \"cp\"\n";
        let at = text.find("gain").unwrap();
        assert_eq!(
            output_at(text, at),
            Some(("d1".into(), "d1: s \"bd\"\n  # gain ~b".into()))
        );
        assert_eq!(output_at(text, 2), None);
    }
}
