#!/usr/bin/env bash
# Builds and tests the VS Code extension of the journey language. Called from CI; needs Node 20+
# and the npm registry. Exits non-zero when any step fails and prints a summary either way.
#
# Steps:
#   1. npm ci             the pinned dependencies of package-lock.json (no install scripts)
#   2. grammar up to date syntaxes/journey.tmLanguage.json matches scripts/build-grammar.mjs
#   3. compile            tsc: the language client in src/ type-checks and builds
#   4. client unit tests  node --test test/unit/ (finding the `journey` binary)
#   5. grammar tests      vscode-tmgrammar-test over test/grammar/*.journey (scope assertions)
#   6. corpus             every example and reference program tokenizes cleanly
#                         (scripts/check-corpus.mjs)
#   7. lsp smoke          only when JOURNEY_BIN names a built `journey`: starts `$JOURNEY_BIN lsp`
#                         as the extension does and checks the handshake (scripts/smoke-lsp.mjs)

set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

export NPM_CONFIG_AUDIT=false NPM_CONFIG_FUND=false NPM_CONFIG_UPDATE_NOTIFIER=false

started=$(date +%s)
results=()
failed=0

run_step() {
  local name=$1
  shift
  local step_start=$(date +%s)
  echo "── ${name}: $*"
  if "$@"; then
    results+=("ok    ${name} ($(( $(date +%s) - step_start ))s)")
  else
    results+=("FAIL  ${name} ($(( $(date +%s) - step_start ))s)")
    failed=1
  fi
}

summary() {
  local test_files assertions
  test_files=$(ls test/grammar/*.journey 2>/dev/null | wc -l | tr -d ' ')
  assertions=$(grep -hE '^//\s*(\^|<~*-)' test/grammar/*.journey 2>/dev/null | wc -l | tr -d ' ')
  echo
  echo "── summary (editors/vscode)"
  printf '   %s\n' "${results[@]}"
  echo "   grammar tests: ${test_files} files, ${assertions} assertion lines"
  echo "   total: $(( $(date +%s) - started ))s"
  if [ "$failed" -ne 0 ]; then
    echo "✖ editors/vscode: FAILED"
  else
    echo "✓ editors/vscode: all steps passed"
  fi
}

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "editors/vscode/test.sh needs Node.js 20 or later (found: $(node --version 2>/dev/null || echo none))"
  exit 2
fi

run_step "npm ci" npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
if [ "$failed" -ne 0 ]; then
  summary
  exit 1
fi
run_step "grammar up to date" node scripts/build-grammar.mjs --check
run_step "compile" npm run --silent compile
run_step "client unit tests" node --test --test-reporter=dot test/unit/
run_step "grammar tests" npx --no-install vscode-tmgrammar-test 'test/grammar/*.journey'
run_step "corpus" node scripts/check-corpus.mjs
if [ -n "${JOURNEY_BIN:-}" ]; then
  run_step "lsp smoke" node scripts/smoke-lsp.mjs "$JOURNEY_BIN"
else
  results+=("skip  lsp smoke (set JOURNEY_BIN to a built journey binary to run it)")
fi

summary
exit "$failed"
