#!/usr/bin/env bash
# Runs every test: unit, doc, recorded-response, CLI and fault tests.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --locked "$@"
