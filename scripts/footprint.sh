#!/usr/bin/env bash
# Footprint of kms-lite (and, with --sdk, of the aws-sdk-kms comparison crate): crate count,
# clean release build time, stripped binary size, static musl build, cmake/nasm/bindgen in the
# build, and one CLI process against a loopback server (wall time and max RSS).
#
#   scripts/footprint.sh            # kms-lite only (about a minute)
#   scripts/footprint.sh --sdk      # also the SDK side (a clean SDK build: ~6 min on 2 cores)
#   RUNS=30 scripts/footprint.sh    # process runs per side (default 20; the median is reported)
#   SKIP_CLEAN_BUILD=1 ...          # reuse target/ instead of timing a clean build
#
# Build times depend on the machine's load: the script prints the load average next to them.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
. scripts/lib/cargo_bin.sh
SDK=0
[ "${1:-}" = "--sdk" ] && SDK=1
RUNS=${RUNS:-20}
TMP=$(mktemp -d)
SERVER_PID=
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$TMP"
}
trap cleanup EXIT

# Unique crates in the normal (non-dev, non-build) dependency tree, ours excluded.
crate_count() { # dir [cargo tree args...]
    local dir=$1
    shift
    (cd "$dir" && cargo tree -e normal --prefix none "$@" 2>/dev/null) |
        sed -e 's/ (\*)$//' -e 's/ (proc-macro)$//' -e 's/ (.*)$//' |
        awk '{print $1" "$2}' | sort -u | grep -v -e '^kms-lite ' -e '^kms-lite-compare ' | wc -l
}

# Build-time tools: crates that run cmake, nasm or bindgen, anywhere in the build.
build_tools() { # dir [cargo tree args...]
    local dir=$1
    shift
    (cd "$dir" && cargo tree -e normal,build --prefix none "$@" 2>/dev/null) |
        awk '{print $1}' | sort -u | grep -E '^(cmake|bindgen|nasm-rs|nasm|aws-lc-sys|aws-lc-fips-sys)$' |
        tr '\n' ' ' || true
}

clean_build() { # dir label [cargo build args...]
    local dir=$1 label=$2
    shift 2
    local target=$TMP/target-$label
    local load start end
    load=$(cut -d' ' -f1-3 /proc/loadavg)
    start=$(date +%s.%N)
    (cd "$dir" && CARGO_TARGET_DIR=$target cargo build --release --locked "$@" >"$TMP/build-$label.log" 2>&1) ||
        { tail -20 "$TMP/build-$label.log"; exit 1; }
    end=$(date +%s.%N)
    printf '%s clean release build: %.1f s (load average before: %s)\n' "$label" "$(echo "$end - $start" | bc)" "$load"
}

size_of() { # binary
    cp "$1" "$TMP/stripped"
    strip "$TMP/stripped" 2>/dev/null || true
    stat -c %s "$TMP/stripped"
}

echo "== kms-lite"
echo "rustc: $(rustc --version)"
echo "crates (normal deps, release, ours excluded): $(crate_count "$ROOT")"
tools=$(build_tools "$ROOT")
echo "cmake/nasm/bindgen/aws-lc in the build: ${tools:-none}"
if [ -z "${SKIP_CLEAN_BUILD:-}" ]; then
    clean_build "$ROOT" kms-lite --bin kms-lite
    BIN=$TMP/target-kms-lite/release/kms-lite
else
    BIN=$(cargo_bin kms-lite --release --bin kms-lite)
fi
echo "kms-lite binary, stripped: $(size_of "$BIN") bytes"
CLI=$BIN

musl=$(rustup target list --installed 2>/dev/null | grep musl || true)
if [ -n "$musl" ]; then
    if CARGO_TARGET_DIR=$TMP/target-musl cargo build --release --locked --target x86_64-unknown-linux-musl --bin kms-lite >"$TMP/musl.log" 2>&1; then
        echo "static musl build: works ($(size_of "$TMP/target-musl/x86_64-unknown-linux-musl/release/kms-lite") bytes stripped)"
    else
        echo "static musl build: FAILED"; tail -5 "$TMP/musl.log"
    fi
else
    echo "static musl build: not tried, the x86_64-unknown-linux-musl target is not installed (installed: $(rustup target list --installed | tr '\n' ' '))"
fi

# One process against a loopback server: median wall time and max RSS over RUNS runs.
SERVER=$(cargo_bin loopback_server --release --example loopback_server)
# Bounded: 100000 requests or 30 minutes (the --sdk clean build runs while it waits).
"$SERVER" 100000 1800 >"$TMP/port" &
SERVER_PID=$!
for _ in $(seq 50); do [ -s "$TMP/port" ] && break; sleep 0.1; done
PORT=$(cat "$TMP/port")
ARGS=(re-encrypt --endpoint-url "http://127.0.0.1:$PORT" --region us-east-1 --ciphertext-blob AQIDBA== --destination-key-id alias/x)
ENVS=(AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY)

median() { sort -n | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]; else print "?"}'; }

# Prints "wall_ms rss_kb" medians for the command, or fails if it does not succeed.
process_stats() { # binary args...
    local walls=() rss=() t0 t1
    env -i "${ENVS[@]}" "$@" >/dev/null 2>"$TMP/err" || { sed 's/^/    /' "$TMP/err" | head -5; return 1; }
    for _ in $(seq "$RUNS"); do
        t0=$EPOCHREALTIME
        env -i "${ENVS[@]}" "$@" >/dev/null 2>&1
        t1=$EPOCHREALTIME
        walls+=("$(echo "($t1 - $t0) * 1000" | bc -l)")
        if [ -x /usr/bin/time ]; then
            rss+=("$(env -i "${ENVS[@]}" /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1)")
        else
            rss+=("$(python3 -c 'import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' env -i "${ENVS[@]}" "$@")")
        fi
    done
    # On-CPU time (task-clock, mean over RUNS) does not count waiting for a core: on a shared
    # machine it is the steadier figure.
    local cpu="?"
    if command -v perf >/dev/null 2>&1; then
        cpu=$(perf stat -r "$RUNS" -x, -e task-clock env -i "${ENVS[@]}" "$@" 2>&1 >/dev/null |
            awk -F, '/task-clock/ {printf "%.2f", $1}')
    fi
    printf '%.2f %s %s\n' "$(printf '%s\n' "${walls[@]}" | median)" "$(printf '%s\n' "${rss[@]}" | median)" "${cpu:-?}"
}

if OURS=$(process_stats "$CLI" "${ARGS[@]}"); then
    read -r OW OR OC <<<"$OURS"
    echo "one kms-lite re-encrypt process: $OW ms wall, $OR KiB max RSS (medians of $RUNS), $OC ms on-CPU (mean)"
else
    OURS=
    echo "one kms-lite re-encrypt process: not measured (the command failed; see above)"
fi

if [ "$SDK" = 1 ]; then
    echo
    echo "== aws-sdk-kms (benches/compare, sdk-one-call: aws-sdk-kms + tokio, no aws-config)"
    CMP=$ROOT/benches/compare
    echo "crates (normal deps, release): $(crate_count "$CMP" --no-default-features)"
    tools=$(build_tools "$CMP" --no-default-features)
    echo "cmake/nasm/bindgen/aws-lc in the build: ${tools:-none}"
    if [ -z "${SKIP_CLEAN_BUILD:-}" ]; then
        clean_build "$CMP" sdk --no-default-features --bin sdk-one-call
        SBIN=$TMP/target-sdk/release/sdk-one-call
    else
        SBIN=$(cd "$CMP" && cargo_bin sdk-one-call --release --no-default-features --bin sdk-one-call)
    fi
    echo "sdk-one-call binary, stripped: $(size_of "$SBIN") bytes"
    if THEIRS=$(process_stats "$SBIN" "${ARGS[@]:1}"); then
        read -r TW TR TC <<<"$THEIRS"
        echo "one sdk-one-call process: $TW ms wall, $TR KiB max RSS (medians of $RUNS), $TC ms on-CPU (mean)"
        if [ -n "$OURS" ]; then
            ratio() { if [ "$1" = "?" ] || [ "$2" = "?" ]; then echo "?"; else echo "$1 / $2" | bc -l | cut -c1-5; fi; }
            echo "ratio (SDK / kms-lite): wall $(ratio "$TW" "$OW")x, max RSS $(ratio "$TR" "$OR")x, on-CPU $(ratio "$TC" "$OC")x"
        fi
    fi
fi
