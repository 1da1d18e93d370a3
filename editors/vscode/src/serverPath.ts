// Finding the `journey` binary named by the setting `journey.server.path`. Kept free of the
// `vscode` module so that it can be tested with plain Node (test/unit/).

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** Whether the setting is a bare command name (looked up on PATH) rather than a path. */
export function isBareName(configured: string): boolean {
  return !configured.includes("/") && !configured.includes("\\");
}

/**
 * The absolute path of the server binary, or `undefined` when there is no such executable file.
 * A bare name is looked up on PATH (with PATHEXT on Windows); `~` and `${workspaceFolder}` are
 * expanded; a relative path is resolved against the workspace folder (else the current
 * directory).
 */
export function resolveServerPath(
  configured: string,
  workspaceFolder: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  let candidate = configured.trim();
  if (candidate === "") {
    return undefined;
  }
  if (candidate === "~" || candidate.startsWith("~/") || candidate.startsWith("~\\")) {
    candidate = path.join(os.homedir(), candidate.slice(1));
  }
  if (workspaceFolder !== undefined) {
    candidate = candidate.replace(/\$\{workspaceFolder\}/g, workspaceFolder);
  }

  if (isBareName(candidate)) {
    const directories = (env.PATH ?? env.Path ?? "").split(path.delimiter).filter((d) => d !== "");
    for (const directory of directories) {
      const found = withExecutableExtensions(path.join(directory, candidate), env, platform).find(
        (file) => isExecutableFile(file, platform),
      );
      if (found !== undefined) {
        return found;
      }
    }
    return undefined;
  }
  const absolute = path.isAbsolute(candidate)
    ? candidate
    : path.resolve(workspaceFolder ?? process.cwd(), candidate);
  return withExecutableExtensions(absolute, env, platform).find((file) =>
    isExecutableFile(file, platform),
  );
}

function withExecutableExtensions(
  file: string,
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform,
): string[] {
  if (platform !== "win32" || path.extname(file) !== "") {
    return [file];
  }
  const extensions = (env.PATHEXT ?? ".EXE;.CMD;.BAT;.COM").split(";").filter((e) => e !== "");
  return [file, ...extensions.map((extension) => file + extension.toLowerCase())];
}

function isExecutableFile(file: string, platform: NodeJS.Platform): boolean {
  try {
    if (!fs.statSync(file).isFile()) {
      return false;
    }
    if (platform !== "win32") {
      fs.accessSync(file, fs.constants.X_OK);
    }
    return true;
  } catch {
    return false;
  }
}
