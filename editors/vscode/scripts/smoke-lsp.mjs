// Starts the language server exactly as the extension does (`journey lsp`, stdio, no extra
// arguments) and checks the handshake: `initialize` answers with capabilities, a document with an
// unknown event gets diagnostics, and `shutdown` + `exit` end the process with status 0.
//
//   node scripts/smoke-lsp.mjs [PATH_TO_JOURNEY]      (default: $JOURNEY_BIN, else `journey`)
//
// test.sh runs it when JOURNEY_BIN is set. The language server's own tests live in tests/lsp.

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const require = createRequire(import.meta.url);
const rpc = require("vscode-jsonrpc/node");

const binary = process.argv[2] ?? process.env.JOURNEY_BIN ?? "journey";
const TIMEOUT_MS = 15000;

function within(promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function main() {
  const folder = mkdtempSync(join(tmpdir(), "journey-smoke-"));
  const file = join(folder, "smoke.journey");
  const text = [
    "event email.opened { campaign: string }",
    "",
    "journey smoke {",
    "  enter on no.such.event",
    "  wait 1d",
    "}",
    "",
  ].join("\n");
  writeFileSync(file, text);
  const uri = pathToFileURL(file).href;

  const child = spawn(binary, ["lsp"], { cwd: folder, stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code, signal) => resolve({ code, signal }));
  });

  const connection = rpc.createMessageConnection(
    new rpc.StreamMessageReader(child.stdout),
    new rpc.StreamMessageWriter(child.stdin),
  );
  const diagnostics = new Promise((resolve) => {
    connection.onNotification("textDocument/publishDiagnostics", (params) => {
      if (params.uri === uri && params.diagnostics.length > 0) resolve(params.diagnostics);
    });
  });
  connection.onRequest(() => null); // workspace/configuration, client/registerCapability, ...
  connection.listen();

  try {
    const result = await within(
      Promise.race([
        connection.sendRequest("initialize", {
          processId: process.pid,
          clientInfo: { name: "journey-vscode-smoke" },
          rootUri: pathToFileURL(folder).href,
          workspaceFolders: [{ uri: pathToFileURL(folder).href, name: "smoke" }],
          capabilities: {
            textDocument: { publishDiagnostics: {}, synchronization: {} },
            workspace: { didChangeWatchedFiles: { dynamicRegistration: true } },
          },
        }),
        exited.then(({ code }) => {
          throw new Error(`the server exited with status ${code} before answering initialize`);
        }),
      ]),
      "initialize",
    );
    const capabilities = Object.keys(result?.capabilities ?? {}).sort();
    console.log(`initialize: ${capabilities.length} capabilities (${capabilities.join(", ")})`);
    connection.sendNotification("initialized", {});
    connection.sendNotification("textDocument/didOpen", {
      textDocument: { uri, languageId: "journey", version: 1, text },
    });
    const published = await within(diagnostics, "diagnostics for the opened document");
    console.log(`diagnostics: ${published.map((d) => d.message.split("\n")[0]).join(" | ")}`);
    await within(connection.sendRequest("shutdown"), "shutdown");
    connection.sendNotification("exit");
    const { code, signal } = await within(exited, "the server to exit");
    if (code !== 0) throw new Error(`exit status ${code ?? signal} after shutdown, expected 0`);
    console.log(`✓ lsp smoke: \`${binary} lsp\` initialized, published diagnostics and exited cleanly`);
  } catch (error) {
    child.kill();
    console.error(`✖ lsp smoke: ${error.message}`);
    if (stderr.trim() !== "") console.error(stderr.trim());
    process.exitCode = 1;
  } finally {
    connection.dispose();
    rmSync(folder, { recursive: true, force: true });
  }
}

main();
