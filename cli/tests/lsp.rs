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

    // A string: its first cycle's events.
    let h = e.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 12}}),
    );
    let text = h["result"]["contents"]["value"]
        .as_str()
        .unwrap_or_default();
    assert!(
        text.starts_with("\"bd*2 sn\": 3 events in the first cycle")
            && text.contains("0–1/4  \"bd\"")
            && text.contains("1/2–1  \"sn\""),
        "{h}"
    );

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
