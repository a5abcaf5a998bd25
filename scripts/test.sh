#!/usr/bin/env bash
# The one test command: unit, doc, recorded-response, CLI and fault tests, plus the live tests
# (tests/live_moto.rs) against a local moto server that this script starts and stops.
#
#   scripts/test.sh [cargo test arguments]
#
# It creates or reuses .venv/ with the pinned moto (see scripts/lib/moto.sh), starts moto_server
# on a free loopback port with INITIAL_NO_AUTH_ACTION_COUNT=5 (so that it checks SigV4
# signatures after the IAM setup of scripts/lib/moto_iam.py), exports KMS_LITE_TEST_ENDPOINT and
# KMS_LITE_TEST_CREDENTIALS, runs `cargo test --locked`, and stops the server. Without arguments
# it then runs scripts/demo.sh with CARGO_TARGET_DIR set (its own moto, about a second).
# KMS_LITE_TEST_NO_MOTO=1, or no python3 on the PATH, skips the server: the live tests then say
# SKIPPED. With python3 present, a failed moto setup fails the run (CI must not go quietly green).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${KMS_LITE_TEST_NO_MOTO:-}" = 1 ]; then
    exec cargo test --locked "$@"
fi
if ! command -v python3 >/dev/null; then
    echo "WARNING: no python3: running without moto; the live tests will be SKIPPED" >&2
    exec cargo test --locked "$@"
fi

. scripts/lib/moto.sh
moto_clean_aws_env
moto_venv
workdir="$(mktemp -d "${TMPDIR:-/tmp}/kms-lite-test.XXXXXX")"
cleanup() {
    moto_stop
    rm -rf "$workdir"
}
trap cleanup EXIT
MOTO_LOG="$workdir/moto.log"
moto_start INITIAL_NO_AUTH_ACTION_COUNT=5
"$MOTO_PYTHON" scripts/lib/moto_iam.py "$MOTO_ENDPOINT" "$workdir/credentials.json"

export KMS_LITE_TEST_ENDPOINT="$MOTO_ENDPOINT"
export KMS_LITE_TEST_CREDENTIALS="$workdir/credentials.json"
status=0
cargo test --locked "$@" || status=$?
if [ "$status" -ne 0 ]; then
    echo "cargo test failed; the last lines of the moto log:" >&2
    tail -n 20 "$MOTO_LOG" >&2 || true
    exit "$status"
fi

# The README's other command, end to end with CARGO_TARGET_DIR set (the whole suite only).
# CARGO_TARGET_DIR names a link to the directory cargo just built in, so the demo's build is a
# no-op (inside `cargo test` a nested cargo would wait for the lock cargo holds on its target
# directory while tests run). How the binary is found is tests/scripts.rs's part.
if [ "$#" -eq 0 ]; then
    target_dir="$(cargo metadata --format-version 1 --no-deps --locked |
        "$MOTO_PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
    ln -s "$target_dir" "$workdir/cargo-target"
    if CARGO_TARGET_DIR="$workdir/cargo-target" scripts/demo.sh >"$workdir/demo.log" 2>&1; then
        echo "scripts/demo.sh with CARGO_TARGET_DIR=$workdir/cargo-target: ok"
    else
        status=$?
        echo "scripts/demo.sh with CARGO_TARGET_DIR=$workdir/cargo-target failed:" >&2
        cat "$workdir/demo.log" >&2
    fi
fi
exit "$status"
