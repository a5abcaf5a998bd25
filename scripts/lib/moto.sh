# Shared by scripts/demo.sh and scripts/test.sh: a Python virtual environment with moto, and a
# moto server on a free loopback port that only the sourcing script stops.
#
# Source it from the repository root:
#   . scripts/lib/moto.sh
#   moto_venv                                  # .venv/ with moto[server]==$MOTO_VERSION
#   moto_start [VAR=value ...]                 # sets MOTO_PID, MOTO_PORT, MOTO_ENDPOINT, MOTO_LOG
#   trap moto_stop EXIT                        # stops only the server moto_start started
#
# Needs python3 (3.9+) with the venv module, or virtualenv, and PyPI.

MOTO_VERSION="${MOTO_VERSION:-5.2.5}"
MOTO_VENV="${MOTO_VENV:-$PWD/.venv}"
MOTO_PYTHON="$MOTO_VENV/bin/python"
MOTO_PID=""

moto_log() { printf '%s\n' "$*" >&2; }

# Creates (or reuses) the virtual environment and installs the pinned moto in it.
moto_venv() {
    if [ -x "$MOTO_PYTHON" ] &&
        "$MOTO_PYTHON" -c "import importlib.metadata as m, sys; sys.exit(m.version('moto') != '$MOTO_VERSION')" 2>/dev/null &&
        [ -x "$MOTO_VENV/bin/moto_server" ]; then
        return 0
    fi
    if [ ! -x "$MOTO_PYTHON" ]; then
        moto_log "creating the virtual environment $MOTO_VENV"
        # Debian's python3 may lack ensurepip (package python3-venv): fall back to virtualenv.
        if ! python3 -m venv "$MOTO_VENV" 2>/dev/null; then
            rm -rf "$MOTO_VENV"
            moto_log "python3 -m venv failed; using virtualenv instead"
            python3 -m pip install --user --quiet virtualenv
            python3 -m virtualenv --quiet "$MOTO_VENV"
        fi
    fi
    moto_log "installing moto[server]==$MOTO_VERSION (a few minutes the first time)"
    "$MOTO_PYTHON" -m pip install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
}

# Prints a free TCP port on 127.0.0.1.
moto_free_port() {
    "$MOTO_PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Starts moto_server on a free loopback port with the given extra environment (VAR=value ...),
# and waits until it answers. Sets MOTO_PID, MOTO_PORT, MOTO_ENDPOINT and MOTO_LOG.
moto_start() {
    MOTO_PORT="$(moto_free_port)"
    MOTO_ENDPOINT="http://127.0.0.1:$MOTO_PORT"
    MOTO_LOG="${MOTO_LOG:-$(mktemp "${TMPDIR:-/tmp}/moto.XXXXXX.log")}"
    env "$@" "$MOTO_VENV/bin/moto_server" -H 127.0.0.1 -p "$MOTO_PORT" >"$MOTO_LOG" 2>&1 &
    MOTO_PID=$!
    local i
    for i in $(seq 1 100); do
        # The dashboard API answers without counting as an AWS action (no-auth budget intact).
        if "$MOTO_PYTHON" -c "import urllib.request as u; u.urlopen('$MOTO_ENDPOINT/moto-api/data.json', timeout=1)" 2>/dev/null; then
            moto_log "moto $MOTO_VERSION listening on $MOTO_ENDPOINT (pid $MOTO_PID)"
            return 0
        fi
        if ! kill -0 "$MOTO_PID" 2>/dev/null; then
            moto_log "moto_server exited early; its log ($MOTO_LOG):"
            cat "$MOTO_LOG" >&2
            MOTO_PID=""
            return 1
        fi
        sleep 0.2
    done
    moto_log "moto_server did not answer on $MOTO_ENDPOINT within 20 s; log: $MOTO_LOG"
    moto_stop
    return 1
}

# Stops the server moto_start started (and only that one).
moto_stop() {
    if [ -n "$MOTO_PID" ] && kill -0 "$MOTO_PID" 2>/dev/null; then
        kill "$MOTO_PID" 2>/dev/null || true
        wait "$MOTO_PID" 2>/dev/null || true
    fi
    MOTO_PID=""
}

# Unsets the caller's AWS_* variables, which could point a client elsewhere (profiles, config
# files, endpoints, real credentials, a CA bundle).
moto_clean_aws_env() {
    local v
    for v in $(env | sed -n 's/^\(AWS_[A-Za-z0-9_]*\)=.*/\1/p'); do
        unset "$v"
    done
}
