// Unit tests of the binary lookup of the client (out/serverPath.js, built by `npm run compile`).
// Run: node --test test/unit/

import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { after, test } from "node:test";

const require = createRequire(import.meta.url);
const { isBareName, resolveServerPath } = require("../../out/serverPath.js");

const root = mkdtempSync(join(tmpdir(), "journey-server-path-"));
after(() => rmSync(root, { recursive: true, force: true }));

function executable(...parts) {
  const file = join(root, ...parts);
  mkdirSync(join(file, ".."), { recursive: true });
  writeFileSync(file, "#!/bin/sh\n");
  chmodSync(file, 0o755);
  return file;
}

const posix = process.platform !== "win32";

test("bare names are looked up on PATH, first directory first", { skip: !posix }, () => {
  const first = executable("bin1", "journey");
  executable("bin2", "journey");
  const env = { PATH: [join(root, "empty"), join(root, "bin1"), join(root, "bin2")].join(delimiter) };
  assert.equal(resolveServerPath("journey", undefined, env), first);
});

test("a bare name that is not on PATH is not found", () => {
  assert.equal(resolveServerPath("journey-does-not-exist", undefined, { PATH: root }), undefined);
});

test("files that are not executable are skipped", { skip: !posix }, () => {
  const dir = join(root, "noexec");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "journey"), "");
  chmodSync(join(dir, "journey"), 0o644);
  assert.equal(resolveServerPath("journey", undefined, { PATH: dir }), undefined);
});

test("absolute paths, relative paths and ${workspaceFolder}", { skip: !posix }, () => {
  const built = executable("ws", "target", "release", "journey");
  const ws = join(root, "ws");
  assert.equal(resolveServerPath(built, undefined, {}), built);
  assert.equal(resolveServerPath("target/release/journey", ws, {}), built);
  assert.equal(resolveServerPath("./target/release/journey", ws, {}), built);
  assert.equal(resolveServerPath("${workspaceFolder}/target/release/journey", ws, {}), built);
  assert.equal(resolveServerPath("target/debug/journey", ws, {}), undefined);
  assert.equal(resolveServerPath(join(root, "ws", "target"), ws, {}), undefined, "a directory");
});

test("an empty setting finds nothing", () => {
  assert.equal(resolveServerPath("   ", undefined, { PATH: root }), undefined);
});

test("PATHEXT on Windows", () => {
  const dir = join(root, "win");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "journey.exe"), "");
  assert.equal(
    resolveServerPath("journey", undefined, { PATH: dir, PATHEXT: ".COM;.EXE" }, "win32"),
    join(dir, "journey.exe"),
  );
});

test("bare names", () => {
  assert.equal(isBareName("journey"), true);
  assert.equal(isBareName("./journey"), false);
  assert.equal(isBareName("C:\\tools\\journey.exe"), false);
});
