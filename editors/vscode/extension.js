// Starts `phonon lsp` for .ph files: diagnostics as you type, hover, completion, outline.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("phonon").get("path") || "phonon";
  client = new LanguageClient(
    "phonon",
    "Phonon",
    { command, args: ["lsp"] },
    { documentSelector: [{ scheme: "file", language: "phonon" }] }
  );
  context.subscriptions.push(client);
  client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
