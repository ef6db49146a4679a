#!/usr/bin/env bash
# Runs Station's whole test suite: installs what the tests need (Debian packages, as root),
# then every unit, integration, snapshot and end-to-end test. Nothing is skipped: a test whose
# tool is missing fails and says what to install.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-test-deps.sh

# Snapshots are the UI's spec: never rewrite them during a test run.
export INSTA_UPDATE=no

if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --all-targets --no-fail-fast "$@"
  cargo test --doc
else
  cargo test --all-targets --no-fail-fast "$@"
  cargo test --doc
fi
