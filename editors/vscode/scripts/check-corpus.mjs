// Tokenizes real journey programs with the TextMate grammar and checks properties that must
// hold for any valid program, so that the grammar keeps up with examples/ and the reference
// without hand-written assertions:
//
// - no token is scoped `invalid.*` (valid programs have no invalid escapes);
// - every region the grammar opens is closed again at the end of each declaration: a line that
//   begins a declaration in the first column is tokenized at the top level, and so is the end
//   of the file;
// - no reserved keyword outside comments and strings is left as a plain identifier.
//
//   node scripts/check-corpus.mjs [FILE.journey | FILE.md]...
//
// Markdown files contribute their fenced code blocks. Without arguments it checks the
// repository's examples/*.journey and docs/reference.md.

import { readFileSync, readdirSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const here = dirname(fileURLToPath(import.meta.url));
const packageRoot = join(here, "..");
const repoRoot = join(packageRoot, "..", "..");

// docs/reference.md, section 1.
const KEYWORDS = new Set(
  (
    "event profile policy segment score journey enter reenter exit goal on when where as within " +
    "since send notify wait until for if else split set tag untag and or not is local utc every " +
    "daily weekly monthly yearly once at true false cap per decay while inactive best_time " +
    "best_channel count sum min max avg last now"
  ).split(" "),
);
const DECLARATION_START = /^(?:(?:event|profile|policy|segment|score|journey|test)\b|\/\/\/)/;

async function loadGrammar() {
  const wasm = readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm")).buffer;
  await oniguruma.loadWASM(wasm);
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (sources) => new oniguruma.OnigScanner(sources),
      createOnigString: (text) => new oniguruma.OnigString(text),
    }),
    loadGrammar: async (scopeName) => {
      if (scopeName !== "source.journey") return null;
      const file = join(packageRoot, "syntaxes", "journey.tmLanguage.json");
      return vsctm.parseRawGrammar(readFileSync(file, "utf8"), file);
    },
  });
  return registry.loadGrammar("source.journey");
}

/** The programs in a file: the whole file, or each fenced code block of a Markdown file. */
function programs(file) {
  const text = readFileSync(file, "utf8");
  if (!file.endsWith(".md")) return [{ text, firstLine: 1 }];
  const blocks = [];
  const lines = text.split("\n");
  let current = null;
  lines.forEach((line, index) => {
    if (/^```/.test(line)) {
      if (current === null) {
        current = { lines: [], firstLine: index + 2, info: line.slice(3).trim() };
      } else {
        if (current.info === "" || current.info === "journey") {
          blocks.push({ text: current.lines.join("\n"), firstLine: current.firstLine });
        }
        current = null;
      }
    } else if (current !== null) {
      current.lines.push(line);
    }
  });
  return blocks;
}

function check(grammar, file, { text, firstLine }, topLevel) {
  const problems = [];
  const lines = text.split(/\r?\n/);
  let stack = vsctm.INITIAL;
  lines.forEach((line, index) => {
    const where = `${relative(process.cwd(), file)}:${firstLine + index}`;
    if (DECLARATION_START.test(line) && stack !== vsctm.INITIAL && stack.depth !== topLevel) {
      problems.push(`${where}: a region is still open where a declaration begins`);
    }
    const { tokens, ruleStack } = grammar.tokenizeLine(line, stack);
    for (const token of tokens) {
      const tokenText = line.slice(token.startIndex, token.endIndex);
      const innermost = token.scopes[token.scopes.length - 1];
      if (token.scopes.some((scope) => scope.startsWith("invalid."))) {
        problems.push(`${where}:${token.startIndex + 1}: invalid token ${JSON.stringify(tokenText)}`);
      }
      if (KEYWORDS.has(tokenText) && innermost === "variable.other.journey") {
        problems.push(`${where}:${token.startIndex + 1}: keyword \`${tokenText}\` scoped as a plain name`);
      }
    }
    stack = ruleStack;
  });
  return { problems, endDepth: stack.depth };
}

async function main() {
  let files = process.argv.slice(2);
  if (files.length === 0) {
    const examples = join(repoRoot, "examples");
    if (existsSync(examples)) {
      files.push(
        ...readdirSync(examples)
          .filter((name) => name.endsWith(".journey"))
          .sort()
          .map((name) => join(examples, name)),
      );
    }
    const reference = join(repoRoot, "docs", "reference.md");
    if (existsSync(reference)) files.push(reference);
  }
  const grammar = await loadGrammar();

  // The depth of the stack at the top level: what an empty program leaves behind.
  const topLevel = grammar.tokenizeLine("", vsctm.INITIAL).ruleStack.depth;

  let failures = 0;
  let checked = 0;
  for (const file of files) {
    for (const program of programs(file)) {
      checked += 1;
      const { problems, endDepth } = check(grammar, file, program, topLevel);
      if (endDepth !== topLevel) {
        problems.push(`${relative(process.cwd(), file)}:${program.firstLine}: regions still open at the end`);
      }
      for (const problem of problems) console.error(`  ${problem}`);
      failures += problems.length;
    }
  }
  if (failures > 0) {
    console.error(`✖ corpus: ${failures} problem(s) in ${checked} program(s)`);
    process.exit(1);
  }
  console.log(`✓ corpus: ${checked} program(s) from ${files.length} file(s) tokenized cleanly`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
