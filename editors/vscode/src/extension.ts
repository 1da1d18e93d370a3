// The VS Code client of the journey language server.
//
// Starts `journey lsp` (over stdio) for `.journey` files. The binary comes from the setting
// `journey.server.path` (default `journey`, looked up on PATH); `journey.server.extraArgs` is
// appended after `lsp`. Syntax highlighting does not need the server: it comes from the TextMate
// grammar in syntaxes/.

import * as vscode from "vscode";
import {
  LanguageClient,
  LanguageClientOptions,
  RevealOutputChannelOn,
  ServerOptions,
} from "vscode-languageclient/node";
import { SHOW_GRAPH, graphHtml, graphTitle } from "./graphView";
import { isBareName, resolveServerPath } from "./serverPath";

const CLIENT_ID = "journey";
const CLIENT_NAME = "Journey Language Server";
const INSTALL_HINT =
  'Install it with "cargo install --path cli" from the journey repository, ' +
  'or set "journey.server.path" to the binary.';

let client: LanguageClient | undefined;
let outputChannel: vscode.OutputChannel | undefined;
let watcher: vscode.FileSystemWatcher | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  outputChannel = vscode.window.createOutputChannel(CLIENT_NAME);
  // The server hears about .journey files created, changed or deleted outside the editor: a
  // program is every .journey file of the workspace compiled together.
  watcher = vscode.workspace.createFileSystemWatcher("**/*.journey");
  context.subscriptions.push(outputChannel, watcher);

  context.subscriptions.push(
    vscode.commands.registerCommand("journey.restartServer", async () => {
      await stopClient();
      await startClient();
    }),
    vscode.commands.registerCommand("journey.showOutput", () => outputChannel?.show(true)),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration("journey.server")) {
        await stopClient();
        await startClient();
      }
    }),
  );

  await startClient();
}

export async function deactivate(): Promise<void> {
  await stopClient();
}

async function startClient(): Promise<void> {
  const config = vscode.workspace.getConfiguration("journey.server");
  const configured = (config.get<string>("path") ?? "journey").trim() || "journey";
  const extraArgs = (config.get<unknown[]>("extraArgs") ?? []).map(String);

  const command = resolveServerPath(configured, vscode.workspace.workspaceFolders?.[0]?.uri.fsPath);
  if (command === undefined) {
    log(`could not find the journey binary "${configured}"`);
    void reportMissingBinary(configured);
    return;
  }

  const args = ["lsp", ...extraArgs];
  log(`starting ${command} ${args.join(" ")}`);
  // No `transport`: the client would append `--stdio`; `journey lsp` always talks over stdio.
  const serverOptions: ServerOptions = {
    run: { command, args },
    debug: { command, args },
  };

  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "journey" },
      { scheme: "untitled", language: "journey" },
    ],
    synchronize: { fileEvents: watcher },
    outputChannel,
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    // The client registers the server's commands itself (`journey.showGraph`, run by the code
    // lens above each journey); the graph's SVG it answers with opens in a panel.
    middleware: {
      executeCommand: async (command, args, next) => {
        if (command !== SHOW_GRAPH) {
          return next(command, args);
        }
        try {
          const svg: unknown = await next(command, args);
          if (typeof svg === "string") {
            showGraph(String(args[0] ?? "journey"), svg);
          }
          return svg;
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          void vscode.window.showErrorMessage(`Journey: no graph: ${message}`);
          return undefined;
        }
      },
    },
  };

  const newClient = new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions);
  client = newClient;
  try {
    await newClient.start();
  } catch (error) {
    client = undefined;
    const message = error instanceof Error ? error.message : String(error);
    log(`the language server did not start: ${message}`);
    const choice = await vscode.window.showErrorMessage(
      `Journey: the language server ("${command} lsp") did not start: ${message}. ` +
        "A journey binary older than the language server has no \"lsp\" command. " +
        INSTALL_HINT,
      "Show Output",
      "Open Settings",
    );
    handleChoice(choice);
  }
}

/** One panel per journey, beside the editor; showing it again refreshes it. */
const graphPanels = new Map<string, vscode.WebviewPanel>();

function showGraph(name: string, svg: string): void {
  let panel = graphPanels.get(name);
  if (panel === undefined) {
    panel = vscode.window.createWebviewPanel(
      "journeyGraph",
      graphTitle(name),
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { enableScripts: false },
    );
    graphPanels.set(name, panel);
    panel.onDidDispose(() => graphPanels.delete(name));
  }
  panel.webview.html = graphHtml(name, svg);
  panel.reveal(vscode.ViewColumn.Beside, true);
}

async function stopClient(): Promise<void> {
  const running = client;
  client = undefined;
  if (running !== undefined) {
    try {
      await running.stop();
    } catch (error) {
      log(`stopping the language server failed: ${String(error)}`);
    }
  }
}

async function reportMissingBinary(configured: string): Promise<void> {
  const where = isBareName(configured) ? "on PATH" : "at that path";
  const choice = await vscode.window.showErrorMessage(
    `Journey: the language server binary "${configured}" was not found ${where}. ${INSTALL_HINT} ` +
      "Syntax highlighting works without it.",
    "Open Settings",
    "Show Output",
  );
  handleChoice(choice);
}

function handleChoice(choice: string | undefined): void {
  if (choice === "Open Settings") {
    void vscode.commands.executeCommand("workbench.action.openSettings", "journey.server.path");
  } else if (choice === "Show Output") {
    outputChannel?.show(true);
  }
}

function log(message: string): void {
  outputChannel?.appendLine(`[client] ${message}`);
}
