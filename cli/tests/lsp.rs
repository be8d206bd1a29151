//! `phonon lsp` driven as an editor drives it: JSON-RPC messages framed with
//! `Content-Length` over its stdin and stdout. Open a document with an error, get its
//! diagnostic at the right range; fix it, get none; hover a built-in and a bus; complete;
//! list the outline; shut down.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

struct Editor {
    child: Child,
    stdin: ChildStdin,
    incoming: mpsc::Receiver<Value>,
    next_id: i64,
}

impl Editor {
    fn start() -> Editor {
        let mut child = Command::new(env!("CARGO_BIN_EXE_phonon"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let (tx, incoming) = mpsc::channel();
        std::thread::spawn(move || {
            loop {
                let mut length = 0;
                loop {
                    let mut line = String::new();
                    if out.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(n) = line.strip_prefix("Content-Length: ") {
                        length = n.parse().unwrap();
                    }
                }
                let mut body = vec![0; length];
                out.read_exact(&mut body).unwrap();
                let _ = tx.send(serde_json::from_slice(&body).unwrap());
            }
        });
        Editor {
            child,
            stdin,
            incoming,
            next_id: 1,
        }
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request and waits for its response (skipping notifications).
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let m = self.next();
            if m["id"] == json!(id) {
                return m;
            }
        }
    }

    fn next(&self) -> Value {
        self.incoming
            .recv_timeout(Duration::from_secs(20))
            .expect("the server answers")
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics(&self, uri: &str) -> Vec<Value> {
        loop {
            let m = self.next();
            if m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri {
                return m["params"]["diagnostics"].as_array().unwrap().clone();
            }
        }
    }
}

impl Drop for Editor {
    fn drop(&mut self) {
        // A failed test leaves no server behind.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn an_editor_gets_diagnostics_hovers_completions_and_an_outline() {
    let mut e = Editor::start();
    let init = e.request(
        "initialize",
        json!({"processId": null, "rootUri": null, "capabilities": {}}),
    );
    let caps = &init["result"]["capabilities"];
    assert_eq!(caps["hoverProvider"], true, "{init}");
    assert!(caps["completionProvider"].is_object(), "{init}");
    e.notify("initialized", json!({}));

    let uri = "file:///tmp/song.ph";
    let broken = "~drums: s \"bd*2 sn\"\nout: ~drums # lpff 300\n";
    e.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "phonon", "version": 1, "text": broken}}),
    );
    let d = e.diagnostics(uri);
    assert_eq!(d.len(), 1, "{d:?}");
    // `lpff` is at line 1, characters 14..18.
    assert_eq!(
        d[0]["range"],
        json!({"start": {"line": 1, "character": 14}, "end": {"line": 1, "character": 18}}),
        "{d:?}"
    );
    assert_eq!(d[0]["severity"], 1);
    let message = d[0]["message"].as_str().unwrap();
    assert!(
        message.contains("lpff") && message.contains("hint:"),
        "{message}"
    );

    // A compiler error past the front end: an unknown sound, at its word.
    let fixed = "~drums: s \"bd*2 snn\"\nout: ~drums # lpf 300\n";
    e.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": fixed}]}),
    );
    let d = e.diagnostics(uri);
    assert_eq!(d.len(), 1, "{d:?}");
    assert!(
        d[0]["message"]
            .as_str()
            .unwrap()
            .contains("unknown sound `snn`"),
        "{d:?}"
    );
    assert_eq!(d[0]["range"]["start"], json!({"line": 0, "character": 16}));

    let good = "~drums: s \"bd*2 sn\"\nout: ~drums # lpf 300\n";
    e.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": good}]}),
    );
    assert_eq!(e.diagnostics(uri), Vec::<Value>::new());

    // Hover: the built-in `lpf`, and the bus `~drums`.
    let h = e.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 1, "character": 15}}),
    );
    let text = h["result"]["contents"]["value"]
        .as_str()
        .unwrap_or_default();
    assert!(text.contains("lpf") && text.contains("Example:"), "{h}");
    let h = e.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 1, "character": 7}}),
    );
    let text = h["result"]["contents"]["value"]
        .as_str()
        .unwrap_or_default();
    assert!(text.contains("~drums: s \"bd*2 sn\""), "{h}");

    // A string: the sound under the cursor (the kit's `bd`: four variants and their
    // lengths), and the string's first cycle of events.
    let h = e.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 12}}),
    );
    let text = h["result"]["contents"]["value"]
        .as_str()
        .unwrap_or_default();
    assert!(
        text.starts_with("**bd**: 4 samples, from the built-in kit: kick drum")
            && text.contains("- `bd:0` 0.500 s, mono\n")
            && text.contains("\"bd*2 sn\": 3 events in the first cycle")
            && text.contains("0–1/4  \"bd\"")
            && text.contains("1/2–1  \"sn\""),
        "{h}"
    );
    // On an operator of the string: the events alone.
    let h = e.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 13}}),
    );
    let text = h["result"]["contents"]["value"].as_str().unwrap();
    assert!(text.starts_with("\"bd*2 sn\": 3 events"), "{h}");

    // Completion: built-ins with signatures, and the buses.
    let c = e.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": uri}, "position": {"line": 1, "character": 0}}),
    );
    let items = c["result"].as_array().unwrap();
    let label = |l: &str| items.iter().find(|i| i["label"] == l).cloned();
    assert!(
        label("fast").unwrap()["detail"]
            .as_str()
            .unwrap()
            .starts_with("fast"),
        "{c}"
    );
    assert!(label("~drums").is_some(), "{c}");

    // The outline.
    let s = e.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri}}),
    );
    let names: Vec<&str> = s["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["~drums", "out"], "{s}");

    // The bus: its definition, where it is written, renamed everywhere.
    let at = json!({"textDocument": {"uri": uri}, "position": {"line": 1, "character": 7}});
    let d = e.request("textDocument/definition", at.clone());
    assert_eq!(
        d["result"]["range"],
        json!({"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 6}}),
        "{d}"
    );
    let mut refs = at.clone();
    refs["context"] = json!({"includeDeclaration": true});
    let r = e.request("textDocument/references", refs);
    assert_eq!(r["result"].as_array().unwrap().len(), 2, "{r}");
    let mut rename = at.clone();
    rename["newName"] = json!("beat");
    let r = e.request("textDocument/rename", rename.clone());
    let edits = r["result"]["changes"][uri].as_array().unwrap();
    assert_eq!(edits.len(), 2, "{r}");
    assert!(edits.iter().all(|x| x["newText"] == "~beat"), "{r}");
    rename["newName"] = json!("2x");
    let r = e.request("textDocument/rename", rename);
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no bus name"),
        "{r}"
    );

    let r = e.request("shutdown", Value::Null);
    assert_eq!(r["result"], Value::Null);
    e.notify("exit", Value::Null);
    let status = e.child.wait().unwrap();
    assert!(status.success());
    drop(e);
}

/// The labels of a completion answer, and the items by label.
fn labels(c: &Value) -> Vec<String> {
    c["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn completion_knows_sounds_scales_chords_and_controls_and_strings_are_coloured() {
    let mut e = Editor::start();
    e.request(
        "initialize",
        json!({"processId": null, "rootUri": null, "capabilities": {}}),
    );
    e.notify("initialized", json!({}));
    let uri = "file:///tmp/complete.ph";
    let text =
        "d1: s \"bd s\" # ro\nd2: n (scale \"maj\" \"0 2\") # s \"superpiano\"\nd3: n \"c'ma\"\n";
    e.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "phonon", "version": 1, "text": text}}),
    );
    let complete = |e: &mut Editor, line: u32, character: u32| {
        e.request(
            "textDocument/completion",
            json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}),
        )
    };
    // After `s "bd s`: the sounds of the kit, replacing the `s` typed.
    let c = complete(&mut e, 0, 11);
    let l = labels(&c);
    assert!(
        ["bd", "sn", "hh", "cp"]
            .iter()
            .all(|s| l.contains(&s.to_string())),
        "{c}"
    );
    assert!(!l.contains(&"fast".to_string()), "{c}");
    let sn = c["result"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["label"] == "sn")
        .unwrap();
    assert_eq!(
        sn["textEdit"]["range"],
        json!({"start": {"line": 0, "character": 10}, "end": {"line": 0, "character": 11}})
    );
    // After `# ro`: controls (room, speed), not transforms.
    let l = labels(&complete(&mut e, 0, 17));
    assert!(l.contains(&"room".to_string()) && l.contains(&"speed".to_string()));
    assert!(!l.contains(&"fast".to_string()) && !l.contains(&"jux".to_string()));
    // Scale names inside `scale "..."`, chord names after a `'`.
    let l = labels(&complete(&mut e, 1, 17));
    assert!(l.contains(&"major".to_string()) && l.contains(&"dorian".to_string()));
    let c = complete(&mut e, 2, 11);
    let l = labels(&c);
    assert!(l.contains(&"major".to_string()) && l.contains(&"min7".to_string()));
    let major = c["result"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["label"] == "major")
        .unwrap();
    assert_eq!(
        major["textEdit"]["range"],
        json!({"start": {"line": 2, "character": 9}, "end": {"line": 2, "character": 11}})
    );

    // Semantic tokens: the inside of each string (words, numbers, operators).
    let t = e.request(
        "textDocument/semanticTokens/full",
        json!({"textDocument": {"uri": uri}}),
    );
    let data: Vec<u64> = t["result"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap())
        .collect();
    // `bd` at 0:7 (a word), then `s` two further on.
    assert_eq!(&data[..10], &[0, 7, 2, 0, 0, 0, 3, 1, 0, 0], "{t}");
    assert_eq!(data.len() % 5, 0);
    // 2 + 3 + 1 (`superpiano`) + 1: `maj`, `0`, `2` and `c'ma` on the later lines.
    assert_eq!(data.len() / 5, 2 + 3 + 1 + 1, "{t}");
    e.request("shutdown", Value::Null);
    e.notify("exit", Value::Null);
}

#[test]
fn editor_commands_reach_the_phonon_live_playing_the_file() {
    let dir = std::env::temp_dir().join(format!("phonon-lsp-live-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("set.ph");
    let text = "d1: s \"bd*2\"\nd2: s \"hh*4\"\n";
    std::fs::write(&file, text).unwrap();
    let mut live = Command::new(env!("CARGO_BIN_EXE_phonon"))
        .args([
            "live",
            file.to_str().unwrap(),
            "--sink",
            "null",
            "--seconds",
            "20",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut e = Editor::start();
    let init = e.request(
        "initialize",
        json!({"processId": null, "rootUri": null, "capabilities": {}}),
    );
    let commands = &init["result"]["capabilities"]["executeCommandProvider"]["commands"];
    assert!(
        commands
            .as_array()
            .unwrap()
            .contains(&json!("phonon.playOnce")),
        "{init}"
    );
    e.notify("initialized", json!({}));
    let uri = format!("file://{}", file.display());
    e.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "phonon", "version": 1, "text": text}}),
    );
    let run = |e: &mut Editor, command: &str, args: Value| {
        let mut arguments = vec![json!(uri)];
        arguments.extend(args.as_array().unwrap().iter().cloned());
        e.request(
            "workspace/executeCommand",
            json!({"command": command, "arguments": arguments}),
        )
    };
    // Until the live process listens.
    let mut tries = 0;
    while run(&mut e, "phonon.unmute", json!(["d1"]))["result"].is_null() {
        tries += 1;
        assert!(tries < 250, "phonon live never listened");
        std::thread::sleep(Duration::from_millis(40));
    }
    // Mute the output at the cursor (line 1 is d2).
    let r = run(&mut e, "phonon.mute", json!([{"line": 1, "character": 3}]));
    assert_eq!(r["result"], "mute d2", "{r}");
    let r = run(&mut e, "phonon.solo", json!(["d7"]));
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no output `d7`"),
        "{r}"
    );
    // Play the selected string once.
    let r = run(
        &mut e,
        "phonon.playOnce",
        json!([{"start": {"line": 0, "character": 4}, "end": {"line": 0, "character": 12}}]),
    );
    assert_eq!(
        r["result"], "playing the selection once, from the next cycle",
        "{r}"
    );
    // Evaluate the document's unsaved text.
    let changed = "d1: s \"bd*2\"\nd2: s \"hh*4\"\nd3: s \"cp\"\n";
    e.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": changed}]}),
    );
    let r = run(&mut e, "phonon.evaluate", json!([]));
    assert_eq!(r["result"], "playing the editor's text (3 outputs)", "{r}");
    // Without the URI (as Helix's and Emacs's command pickers send it): the document
    // last changed.
    let r = e.request(
        "workspace/executeCommand",
        json!({"command": "phonon.hush", "arguments": []}),
    );
    assert!(r["result"].as_str().unwrap().starts_with("hushed"), "{r}");
    e.request("shutdown", Value::Null);
    e.notify("exit", Value::Null);
    let _ = live.kill();
    let _ = live.wait();
    std::fs::remove_dir_all(&dir).unwrap();
}
