#!/usr/bin/env bash
# Footprint of kms-lite (and, with --sdk, of the aws-sdk-kms comparison crate): crate count,
# clean release build time, stripped binary size, static musl build, cmake/nasm/bindgen in the
# build, and one CLI process against a loopback server (wall time and max RSS). With --tls, the
# same for each TLS backend (Cargo features), the process over TLS.
#
#   scripts/footprint.sh            # kms-lite only (about a minute)
#   scripts/footprint.sh --sdk      # also the SDK side (a clean SDK build: ~6 min on 2 cores)
#   scripts/footprint.sh --tls      # also a table of the TLS backends (2 rounds of 3 clean
#                                   # builds, back to back: ~8 min on 2 cores; ROUNDS=n)
#   RUNS=30 scripts/footprint.sh    # process runs per side (default 20; the median is reported)
#   SKIP_CLEAN_BUILD=1 ...          # reuse target/ instead of timing a clean build
#
# Build times depend on the machine's load: the script prints the load average next to them.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
. scripts/lib/cargo_bin.sh
SDK=0
TLS=0
for arg in "$@"; do
    case $arg in
    --sdk) SDK=1 ;;
    --tls) TLS=1 ;;
    *) echo "usage: $0 [--sdk] [--tls]" >&2; exit 2 ;;
    esac
done
RUNS=${RUNS:-20}
ROUNDS=${ROUNDS:-2}
TMP=$(mktemp -d)
SERVER_PID=
TLS_SERVER_PID=
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi
    if [ -n "$TLS_SERVER_PID" ]; then kill "$TLS_SERVER_PID" 2>/dev/null || true; fi
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
    # The CPU time of the build (user + system, cargo and every compiler it ran) is also shown:
    # it varies less with the machine's load than the wall time.
    local timer=()
    [ -x /usr/bin/time ] && timer=(/usr/bin/time -f '%U %S' -o "$TMP/build-$label.cpu")
    (cd "$dir" && CARGO_TARGET_DIR=$target "${timer[@]}" cargo build --release --locked "$@" >"$TMP/build-$label.log" 2>&1) ||
        { tail -20 "$TMP/build-$label.log"; exit 1; }
    end=$(date +%s.%N)
    BUILD_SECONDS=$(printf '%.1f' "$(echo "$end - $start" | bc)")
    BUILD_CPU="?"
    [ -s "$TMP/build-$label.cpu" ] && BUILD_CPU=$(awk '{printf "%.0f", $1 + $2}' "$TMP/build-$label.cpu")
    printf '%s clean release build: %s s wall, %s s CPU (load average before: %s)\n' "$label" "$BUILD_SECONDS" "$BUILD_CPU" "$load"
}

size_of() { # binary
    cp "$1" "$TMP/stripped"
    strip "$TMP/stripped" 2>/dev/null || true
    stat -c %s "$TMP/stripped"
}

echo "== kms-lite"
# -p kms-lite: the published package, not the workspace's dev/ (tests, benches, examples).
echo "rustc: $(rustc --version)"
echo "crates (normal deps, release, ours excluded): $(crate_count "$ROOT" -p kms-lite)"
tools=$(build_tools "$ROOT" -p kms-lite)
echo "cmake/nasm/bindgen/aws-lc in the build: ${tools:-none}"
if [ -z "${SKIP_CLEAN_BUILD:-}" ]; then
    clean_build "$ROOT" kms-lite -p kms-lite --bin kms-lite
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

if [ "$TLS" = 1 ]; then
    echo
    echo "== TLS backends (--no-default-features --features F; the CLI, release)"
    FEATURES=(rustls platform-verifier native-tls)
    declare -A BUILDS=()
    # Every row's clean build under the same load: all rows back to back, ROUNDS times.
    for round in $(seq "$ROUNDS"); do
        for f in "${FEATURES[@]}"; do
            rm -rf "$TMP/target-tls-$f"
            clean_build "$ROOT" "tls-$f" -p kms-lite --bin kms-lite --no-default-features --features "$f"
            BUILDS[$f]="${BUILDS[$f]:+${BUILDS[$f]}; }$BUILD_SECONDS s ($BUILD_CPU s CPU)"
        done
    done
    # A loopback TLS server presenting the test certificates (tests/fixtures/tls-loopback).
    FIX=$ROOT/tests/fixtures/tls-loopback
    "$SERVER" 100000 1800 "$FIX/localhost.pem" "$FIX/localhost.key" >"$TMP/tls-port" &
    TLS_SERVER_PID=$!
    for _ in $(seq 50); do [ -s "$TMP/tls-port" ] && break; sleep 0.1; done
    TLS_ARGS=(re-encrypt --endpoint-url "https://127.0.0.1:$(cat "$TMP/tls-port")" --region us-east-1 --ciphertext-blob AQIDBA== --destination-key-id alias/x)
    # The system store as the backends would load it, plus the test CA.
    cat /etc/ssl/certs/ca-certificates.crt "$FIX/ca.pem" >"$TMP/system-and-test-ca.pem" 2>/dev/null ||
        cp "$FIX/ca.pem" "$TMP/system-and-test-ca.pem"
    echo "system store for the SSL_CERT_FILE rows: $(grep -c 'BEGIN CERTIFICATE' "$TMP/system-and-test-ca.pem") certificates"
    PLAIN_ENVS=("${ENVS[@]}")
    echo
    echo "| feature | crates | clean release build, wall (CPU), $ROUNDS rounds | stripped CLI | shared libraries | one TLS re-encrypt, --ca-bundle: wall / max RSS / on-CPU | same, system store (SSL_CERT_FILE): wall / max RSS / on-CPU |"
    echo "|:--|--:|--:|--:|:--|--:|--:|"
    for f in "${FEATURES[@]}"; do
        bin=$TMP/target-tls-$f/release/kms-lite
        libs=$(ldd "$bin" 2>/dev/null | awk '$1 !~ /^(linux-vdso|\/lib64\/ld-linux)/ {sub(/\.so.*/, "", $1); print $1}' | tr '\n' ' ')
        ENVS=("${PLAIN_ENVS[@]}")
        bundle=$(process_stats "$bin" "${TLS_ARGS[@]}" --ca-bundle "$FIX/ca.pem" | awk '{printf "%s ms / %s KiB / %s ms", $1, $2, $3}') || bundle="failed"
        system="n/a (bundled roots)"
        if [ "$f" != rustls ]; then
            ENVS=("${PLAIN_ENVS[@]}" "SSL_CERT_FILE=$TMP/system-and-test-ca.pem")
            system=$(process_stats "$bin" "${TLS_ARGS[@]}" | awk '{printf "%s ms / %s KiB / %s ms", $1, $2, $3}') || system="failed"
        fi
        ENVS=("${PLAIN_ENVS[@]}")
        printf '| %s | %s | %s | %s B | %s | %s | %s |\n' "$f" \
            "$(crate_count "$ROOT" -p kms-lite --no-default-features --features "$f")" "${BUILDS[$f]}" \
            "$(size_of "$bin")" "${libs% }" "$bundle" "$system"
    done
    echo "(wall and max RSS: medians of $RUNS runs; on-CPU: mean; cmake/nasm/bindgen: $(for f in "${FEATURES[@]}"; do t=$(build_tools "$ROOT" -p kms-lite --no-default-features --features "$f"); printf '%s %s; ' "$f" "${t:-none}"; done))"
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
