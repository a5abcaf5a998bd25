# Shared by the scripts: build an executable and print its path as cargo reports it, so that
# any cargo configuration works (CARGO_TARGET_DIR, build.target-dir or build.target in a cargo
# config, ...) instead of guessing target/debug or target/release.
#
#   . scripts/lib/cargo_bin.sh
#   KMS_LITE=$(cargo_bin kms-lite --bin kms-lite)                 # debug
#   SERVER=$(cargo_bin loopback_server --release --example loopback_server)
#
# cargo_bin NAME CARGO-BUILD-ARGS...: NAME is the target's name; the build is quiet but for
# errors. Reads cargo's JSON with $CARGO_BIN_PYTHON (default python3).
cargo_bin() {
    local - name=$1
    shift
    set -o pipefail # a failed build fails, whatever it printed
    cargo build --quiet --locked --message-format=json-render-diagnostics "$@" |
        "${CARGO_BIN_PYTHON:-python3}" -c '
import json, sys
name, exe = sys.argv[1], ""
for line in sys.stdin:
    try:
        m = json.loads(line)
    except ValueError:
        continue
    if m.get("reason") == "compiler-artifact" and m.get("target", {}).get("name") == name:
        exe = m.get("executable") or exe
if not exe:
    sys.exit("cargo reported no executable named " + name)
print(exe)
' "$name"
}
