// Starts `phonon lsp` for .ph files (diagnostics as you type, hover, completion, outline,
// rename, mini-notation colours) and binds keys that play with the `phonon live` playing
// the file: evaluate, hush, play once, mute/solo the output at the cursor.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

// Runs one of the server's commands for the active .ph editor and shows its answer.
async function run(command, extra) {
  const editor = vscode.window.activeTextEditor;
  if (!client || !editor || editor.document.languageId !== "phonon") {
    return;
  }
  const uri = editor.document.uri.toString();
  const args = [uri].concat(extra ? extra(editor) : []);
  try {
    const answer = await client.sendRequest("workspace/executeCommand", {
      command,
      arguments: args,
    });
    vscode.window.setStatusBarMessage(`phonon: ${answer}`, 4000);
  } catch (e) {
    vscode.window.showErrorMessage(`phonon: ${e.message}`);
  }
}

const position = (editor) => [client.code2ProtocolConverter.asPosition(editor.selection.active)];
const selection = (editor) => [client.code2ProtocolConverter.asRange(editor.selection)];

function activate(context) {
  const command = vscode.workspace.getConfiguration("phonon").get("path") || "phonon";
  client = new LanguageClient(
    "phonon",
    "Phonon",
    { command, args: ["lsp"] },
    { documentSelector: [{ scheme: "file", language: "phonon" }] }
  );
  context.subscriptions.push(client);
  const keys = {
    "phonon.live.evaluate": () => run("phonon.evaluate"),
    "phonon.live.hush": () => run("phonon.hush"),
    "phonon.live.playOnce": () => run("phonon.playOnce", selection),
    "phonon.live.mute": () => run("phonon.mute", position),
    "phonon.live.unmute": () => run("phonon.unmute", position),
    "phonon.live.solo": () => run("phonon.solo", position),
    "phonon.live.unsolo": () => run("phonon.unsolo", position),
  };
  for (const [name, f] of Object.entries(keys)) {
    context.subscriptions.push(vscode.commands.registerCommand(name, f));
  }
  client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
