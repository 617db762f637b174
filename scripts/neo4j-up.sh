#!/usr/bin/env bash
# Start a throwaway Neo4j 5.26 community server for development and CI.
#
#   scripts/neo4j-up.sh                     # bolt://127.0.0.1:7687, user neo4j, password modelctx-dev
#   eval "$(scripts/neo4j-up.sh)"           # ... and export MODELCTX_TEST_NEO4J_URI for the tests
#   scripts/neo4j-down.sh                   # stop it and delete its data
#
# Where the server comes from: Neo4j does not publish its server tarball to Maven Central, but it
# does publish every module of the server. scripts/neo4j/pom.xml names the two top ones
# (org.neo4j:neo4j and org.neo4j.app:neo4j-server); Maven resolves their classpath once per
# version (jars in ~/.m2, the classpath under ~/.cache/modelctx), and this script runs
# org.neo4j.server.CommunityEntryPoint, the class the tarball's `bin/neo4j console` runs, with the
# JVM options that launcher would add. That is one JVM to track by pid, and nothing in it objects to
# running as root (CI does; the root checks live in Neo4j's Docker and Debian packaging, not here).
#
# Each start gets a fresh temporary home (config + data) under $TMPDIR or /tmp, recorded in a
# state file so neo4j-down.sh can delete it. Logs stay under ~/.cache/modelctx/run/ for reading
# after a failure. Only the MODELCTX_TEST_NEO4J_URI export line goes to stdout; progress and
# errors go to stderr.
#
# Settings (environment): NEO4J_BOLT_PORT (7687), NEO4J_HTTP_PORT (0 = off, the default; 7474 = on),
# NEO4J_PASSWORD (modelctx-dev), NEO4J_VERSION, NEO4J_HEAP (1g), NEO4J_PAGECACHE (512m),
# NEO4J_START_TIMEOUT (120 s), MODELCTX_CACHE_DIR, JAVA_HOME.
set -euo pipefail

# shellcheck source=neo4j/common.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/neo4j/common.sh"

# uri_for_tests: the URI the test-suite reads from MODELCTX_TEST_NEO4J_URI, password percent-encoded.
uri_for_tests() {
    local LC_ALL=C pw="" c i   # C locale: iterate bytes, so UTF-8 is encoded byte by byte
    for ((i = 0; i < ${#NEO4J_PASSWORD}; i++)); do
        c="${NEO4J_PASSWORD:i:1}"
        case "$c" in
            [a-zA-Z0-9.~_-]) pw+="$c" ;;
            *) pw+="$(printf '%%%02X' "'$c")" ;;
        esac
    done
    printf 'export MODELCTX_TEST_NEO4J_URI=%q\n' "bolt://$NEO4J_USER:$pw@127.0.0.1:$NEO4J_BOLT_PORT"
}

find_java() {
    local java="${JAVA_HOME:+$JAVA_HOME/bin/java}"
    [ -n "$java" ] && [ -x "$java" ] || java="$(command -v java || true)"
    [ -n "$java" ] || die "java not found: Neo4j $NEO4J_VERSION needs Java 17 or 21 (apt-get install openjdk-17-jre-headless)"
    local major
    major="$("$java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1)"
    [ "${major:-0}" -ge 17 ] || die "$java is Java ${major:-?}; Neo4j $NEO4J_VERSION needs Java 17 or 21"
    JAVA="$java"
}

# resolve_classpath: set CLASSPATH_FILE, resolving it with Maven unless a cached one is still valid.
resolve_classpath() {
    local pom="$NEO4J_SCRIPTS_DIR/pom.xml" pom_sum
    CLASSPATH_FILE="$NEO4J_CACHE_DIR/classpath.txt"
    pom_sum="$(cksum <"$pom")"
    # Valid when it was made from this pom and every jar is still in ~/.m2: then no Maven at all.
    if [ -s "$CLASSPATH_FILE" ] && [ "$(cat "$NEO4J_CACHE_DIR/pom.cksum" 2>/dev/null)" = "$pom_sum" ]; then
        local jar missing=""
        while IFS= read -r -d: jar || [ -n "$jar" ]; do
            jar="${jar%$'\n'}"
            [ -f "$jar" ] || { missing="$jar"; break; }
        done <"$CLASSPATH_FILE"
        [ -z "$missing" ] && return 0
        log "cached classpath refers to a missing jar ($missing); resolving again"
    fi

    command -v mvn >/dev/null 2>&1 || die "mvn not found: it is needed once per Neo4j version to fetch the server from Maven Central"
    mkdir -p "$NEO4J_CACHE_DIR"
    log "resolving Neo4j $NEO4J_VERSION from Maven Central (the first time downloads ~130 MB into ~/.m2)"
    local out mvn_log="$NEO4J_CACHE_DIR/resolve.log"
    out="$(mktemp "$NEO4J_CACHE_DIR/classpath.XXXXXX")"   # two ups on different ports may resolve at once
    if ! mvn -B -ntp -f "$pom" -Dneo4j.version="$NEO4J_VERSION" \
            dependency:build-classpath -Dmdep.outputFile="$out" >"$mvn_log" 2>&1 9>&-; then
        tail -n 40 "$mvn_log" >&2
        rm -f "$out"
        die "Maven could not resolve Neo4j $NEO4J_VERSION (full log: $mvn_log)"
    fi
    [ -s "$out" ] || { rm -f "$out"; die "Maven wrote no classpath (log: $mvn_log)"; }
    mv -f "$out" "$CLASSPATH_FILE"
    printf '%s\n' "$pom_sum" >"$NEO4J_CACHE_DIR/pom.cksum"
}

write_config() {
    local home="$1" http
    if [ "$NEO4J_HTTP_PORT" = "0" ]; then
        http="server.http.enabled=false"
    else
        http="server.http.enabled=true
server.http.listen_address=127.0.0.1:$NEO4J_HTTP_PORT"
    fi
    mkdir -p "$home/conf" "$home/data" "$home/run" "$home/plugins" "$home/import" "$home/licenses"
    # Unknown keys fail startup (strict validation is on by default), so a typo here shows at once.
    cat >"$home/conf/neo4j.conf" <<EOF
# Written by scripts/neo4j-up.sh for one run; deleted by scripts/neo4j-down.sh.
server.directories.data=$home/data
server.directories.run=$home/run
server.directories.plugins=$home/plugins
server.directories.import=$home/import
server.directories.licenses=$home/licenses
server.directories.logs=$NEO4J_LOG_DIR

# Loopback only: nothing on this machine's other interfaces.
server.default_listen_address=127.0.0.1
server.default_advertised_address=127.0.0.1
server.bolt.enabled=true
server.bolt.listen_address=127.0.0.1:$NEO4J_BOLT_PORT
server.bolt.tls_level=DISABLED
$http
server.https.enabled=false

dbms.security.auth_enabled=true

# Heap is set on the java command line (-Xms = -Xmx); repeated here so Neo4j's memory checks agree.
server.memory.heap.initial_size=$NEO4J_HEAP
server.memory.heap.max_size=$NEO4J_HEAP
server.memory.pagecache.size=$NEO4J_PAGECACHE

# Throwaway data: don't preallocate 256 MB transaction logs per database in /tmp.
db.tx_log.preallocate=false
db.tx_log.rotation.retention_policy=1 files
# No internet here, and no reason to report usage from a dev box.
dbms.usage_report.enabled=false
# Netty's graceful-shutdown quiet period (default 5 s, paid twice) makes a stop take ~12 s;
# nothing is in flight when neo4j-down.sh stops a dev server. An internal setting, valid in 5.26.
internal.dbms.bolt.netty_server_shutdown_quiet_period=0
EOF
}

# JVM options from the tarball's default neo4j.conf (server.jvm.additional), less -XX:+AlwaysPreTouch
# (it would commit the whole heap up front on a shared machine), plus -XX:+ExitOnOutOfMemoryError so
# an out-of-memory server dies visibly instead of limping on, and 8 MB G1 regions: a write's
# 10k-row UNWIND parameters arrive as buffers of 1-3 MB, which with the 1 MB regions of a 1 GB heap
# are "humongous" objects, each forcing a young collection. With that and the initial heap at its
# maximum (Neo4j's own advice), a 1M-edge ingest (bench/store_bench_neo4j.py) paused the server for
# 1.3-3.5 s in 34-59 collections instead of 7.5 s in 198 (docs/guide/neo4j.md).
NEO4J_JVM_OPTS=(
    -XX:+UseG1GC
    -XX:G1HeapRegionSize=8m
    -XX:-OmitStackTraceInFastThrow
    -XX:+UnlockExperimentalVMOptions
    -XX:+TrustFinalNonStaticFields
    -XX:+DisableExplicitGC
    -XX:+ExitOnOutOfMemoryError
    -Djdk.nio.maxCachedBufferSize=1024
    -Dio.netty.tryReflectionSetAccessible=true
    -Djdk.tls.ephemeralDHKeySize=2048
    -Djdk.tls.rejectClientInitiatedRenegotiation=true
    -Dlog4j2.disable.jmx=true
    -Dfile.encoding=UTF-8
    --add-opens=java.base/java.nio=ALL-UNNAMED
    --add-opens=java.base/java.io=ALL-UNNAMED
    --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
    --enable-native-access=ALL-UNNAMED
)

# write_classpath_arg FILE: the ~200-jar classpath as a java @argfile, so it doesn't fill `ps`.
write_classpath_arg() {
    local classpath
    classpath="$(cat "$CLASSPATH_FILE")"
    printf -- '-cp\n"%s"\n' "${classpath//\\/\\\\}" >"$1"
}

# The failure path: show why, stop whatever started, delete the temp home, keep the logs.
fail_start() {
    trap - INT TERM
    log "ERROR: $1"
    if [ -s "$NEO4J_CONSOLE_LOG" ]; then
        log "---- last lines of $NEO4J_CONSOLE_LOG ----"
        tail -n 60 "$NEO4J_CONSOLE_LOG" >&2
    fi
    if [ -f "$NEO4J_LOG_DIR/debug.log" ] && grep -q -E ' (ERROR|WARN) ' "$NEO4J_LOG_DIR/debug.log"; then
        log "---- last warnings/errors in $NEO4J_LOG_DIR/debug.log ----"
        grep -E ' (ERROR|WARN) ' "$NEO4J_LOG_DIR/debug.log" | tail -n 20 >&2
    fi
    [ -n "${PID:-}" ] && stop_server "$PID" "$HOME_DIR"
    remove_home "${HOME_DIR:-}"
    rm -f "$NEO4J_STATE_FILE"
    log "logs kept in $NEO4J_CONSOLE_LOG and $NEO4J_LOG_DIR/"
    exit 1
}

main() {
    lock_state

    # Already up? Then this is a no-op (idempotent); a state file whose server died is cleaned up.
    local old_pid old_home
    old_pid="$(state_get PID)"
    old_home="$(state_get HOME)"
    if [ -n "$old_pid" ] && server_alive "$old_pid" "$old_home"; then
        log "already running (pid $old_pid, bolt://127.0.0.1:$NEO4J_BOLT_PORT); nothing to do"
        uri_for_tests
        exit 0
    fi
    if [ -f "$NEO4J_STATE_FILE" ]; then
        log "previous server (pid ${old_pid:-?}) is gone; removing its leftovers"
        remove_home "$old_home"
        rm -f "$NEO4J_STATE_FILE"
    fi

    port_open "$NEO4J_BOLT_PORT" && die "port $NEO4J_BOLT_PORT is taken by a process this script did not start (set NEO4J_BOLT_PORT to use another)"
    if [ "$NEO4J_HTTP_PORT" != "0" ] && port_open "$NEO4J_HTTP_PORT"; then
        die "HTTP port $NEO4J_HTTP_PORT is taken (set NEO4J_HTTP_PORT to another port, or 0 to turn HTTP off)"
    fi
    [ "${#NEO4J_PASSWORD}" -ge 8 ] || die "NEO4J_PASSWORD must have at least 8 characters (Neo4j's minimum)"

    local started_at=$SECONDS
    find_java
    resolve_classpath

    HOME_DIR="$(mktemp -d "${NEO4J_TMP_PREFIX}XXXXXX")"
    PID=""
    trap 'fail_start "interrupted"' INT TERM
    rm -rf "$NEO4J_LOG_DIR"
    mkdir -p "$NEO4J_LOG_DIR"
    : >"$NEO4J_CONSOLE_LOG"
    write_config "$HOME_DIR"
    write_classpath_arg "$HOME_DIR/conf/classpath.args"

    # Must happen before the first start: the server turns data/dbms/auth.ini into the neo4j user.
    if ! NEO4J_HOME="$HOME_DIR" NEO4J_CONF="$HOME_DIR/conf" "$JAVA" -Xmx256m -XX:TieredStopAtLevel=1 \
            @"$HOME_DIR/conf/classpath.args" org.neo4j.cli.AdminTool dbms set-initial-password "$NEO4J_PASSWORD" \
            >>"$NEO4J_CONSOLE_LOG" 2>&1 9>&-; then
        fail_start "neo4j-admin dbms set-initial-password failed"
    fi

    # setsid: its own session, so a Ctrl-C in the terminal that ran `make neo4j-up` doesn't reach it
    # (it execs in place here, so $! is the java pid). 9>&-: the server must not hold the lock.
    # --console-mode: log to stdout, i.e. the console log, like `bin/neo4j console`.
    (cd "$HOME_DIR" && exec setsid "$JAVA" -Xms"$NEO4J_HEAP" -Xmx"$NEO4J_HEAP" "${NEO4J_JVM_OPTS[@]}" \
        @"$HOME_DIR/conf/classpath.args" org.neo4j.server.CommunityEntryPoint \
        --home-dir="$HOME_DIR" --config-dir="$HOME_DIR/conf" --console-mode) \
        </dev/null >>"$NEO4J_CONSOLE_LOG" 2>&1 9>&- &
    PID=$!

    cat >"$NEO4J_STATE_FILE.tmp" <<EOF
PID=$PID
HOME=$HOME_DIR
VERSION=$NEO4J_VERSION
BOLT_PORT=$NEO4J_BOLT_PORT
HTTP_PORT=$NEO4J_HTTP_PORT
CONSOLE_LOG=$NEO4J_CONSOLE_LOG
LOG_DIR=$NEO4J_LOG_DIR
EOF
    mv -f "$NEO4J_STATE_FILE.tmp" "$NEO4J_STATE_FILE"

    # Ready = Bolt accepts connections and the server has logged "Started." (Bolt opens a moment
    # before the server finishes starting, e.g. while the HTTP connector still comes up).
    local deadline=$((SECONDS + NEO4J_START_TIMEOUT))
    until port_open "$NEO4J_BOLT_PORT" && grep -q 'INFO  Started\.' "$NEO4J_CONSOLE_LOG"; do
        # Plain kill -0: for a moment after the fork the pid is still a subshell, not yet java.
        kill -0 "$PID" 2>/dev/null || fail_start "the server exited during startup"
        [ "$SECONDS" -lt "$deadline" ] || fail_start "not ready after ${NEO4J_START_TIMEOUT}s"
        sleep 0.5
    done
    trap - INT TERM

    log "Neo4j $NEO4J_VERSION ready in $((SECONDS - started_at))s: bolt://127.0.0.1:$NEO4J_BOLT_PORT, user $NEO4J_USER, pid $PID"
    [ "$NEO4J_HTTP_PORT" = "0" ] || log "  http:  http://127.0.0.1:$NEO4J_HTTP_PORT/"
    log "  data:  $HOME_DIR (deleted by scripts/neo4j-down.sh)"
    log "  logs:  $NEO4J_CONSOLE_LOG, $NEO4J_LOG_DIR/"
    uri_for_tests
}

main "$@"
