# shellcheck shell=bash disable=SC2034  # settings are used by the scripts that source this
# Shared settings and helpers for scripts/neo4j-up.sh and scripts/neo4j-down.sh.
# Sourced, not executed. Every setting can be overridden from the environment.

NEO4J_SCRIPTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# 5.26 is Neo4j's LTS line; 5.26.30 was the newest 5.26.x on Maven Central when this was written.
NEO4J_VERSION="${NEO4J_VERSION:-5.26.30}"
NEO4J_BOLT_PORT="${NEO4J_BOLT_PORT:-7687}"
# The HTTP API is off by default (modelctx speaks Bolt, and these jars carry no Neo4j Browser);
# NEO4J_HTTP_PORT=7474 turns it on, on loopback. 0 = off.
NEO4J_HTTP_PORT="${NEO4J_HTTP_PORT:-0}"
NEO4J_USER="neo4j"   # the only user Neo4j community creates
NEO4J_PASSWORD="${NEO4J_PASSWORD:-modelctx-dev}"
# The machine has 2 cores and is shared: keep the JVM small.
NEO4J_HEAP="${NEO4J_HEAP:-1g}"
NEO4J_PAGECACHE="${NEO4J_PAGECACHE:-512m}"
NEO4J_START_TIMEOUT="${NEO4J_START_TIMEOUT:-120}"
NEO4J_STOP_TIMEOUT="${NEO4J_STOP_TIMEOUT:-60}"

# The resolved classpath is cached per version (the jars themselves live in ~/.m2).
MODELCTX_CACHE_DIR="${MODELCTX_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/modelctx}"
NEO4J_CACHE_DIR="$MODELCTX_CACHE_DIR/neo4j-$NEO4J_VERSION"
# One state file, log and log directory per Bolt port, so down finds what up started.
NEO4J_STATE_DIR="$MODELCTX_CACHE_DIR/run"
NEO4J_STATE_FILE="$NEO4J_STATE_DIR/neo4j-$NEO4J_BOLT_PORT.state"
NEO4J_CONSOLE_LOG="$NEO4J_STATE_DIR/neo4j-$NEO4J_BOLT_PORT.console.log"
NEO4J_LOG_DIR="$NEO4J_STATE_DIR/neo4j-$NEO4J_BOLT_PORT.logs"
# Temporary server homes (config + data) are made with this prefix; down only ever deletes such paths.
NEO4J_TMP_PREFIX="${TMPDIR:-/tmp}/modelctx-neo4j."

log() { printf 'neo4j: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# state_get KEY: print KEY's value from the state file (KEY=value lines), or nothing.
state_get() {
    [ -f "$NEO4J_STATE_FILE" ] || return 0
    sed -n "s/^$1=//p" "$NEO4J_STATE_FILE" | head -n 1
}

# port_open PORT: true when something accepts TCP connections on 127.0.0.1:PORT.
port_open() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# server_alive PID HOME: true when PID is still our server (guards against a reused pid).
server_alive() {
    local pid="$1" home="$2"
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
    [ -r "/proc/$pid/cmdline" ] || return 0   # no /proc: trust kill -0
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "--home-dir=$home"
}

# stop_server PID HOME: SIGTERM (Neo4j checkpoints and shuts down cleanly), SIGKILL after the timeout.
stop_server() {
    local pid="$1" home="$2" waited=0
    server_alive "$pid" "$home" || return 0
    kill -TERM "$pid" 2>/dev/null || true
    while server_alive "$pid" "$home"; do
        if [ "$waited" -ge $((NEO4J_STOP_TIMEOUT * 5)) ]; then
            log "pid $pid did not stop within ${NEO4J_STOP_TIMEOUT}s, killing it"
            kill -KILL "$pid" 2>/dev/null || true
            sleep 0.5
            break
        fi
        sleep 0.2
        waited=$((waited + 1))
    done
}

# remove_home DIR: delete a temporary server home, but only one that up.sh made.
remove_home() {
    case "$1" in
        "$NEO4J_TMP_PREFIX"?*) rm -rf -- "$1" ;;
        "") ;;
        *) log "not deleting $1: not a modelctx temporary Neo4j home" ;;
    esac
}

# lock_state: serialise up/down for this port (two concurrent ups must not start two servers).
lock_state() {
    mkdir -p "$NEO4J_STATE_DIR"
    if command -v flock >/dev/null 2>&1; then
        exec 9>"$NEO4J_STATE_DIR/neo4j-$NEO4J_BOLT_PORT.lock"
        flock -w 300 9 || die "could not lock $NEO4J_STATE_DIR/neo4j-$NEO4J_BOLT_PORT.lock"
    fi
}
