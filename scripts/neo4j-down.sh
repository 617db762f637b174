#!/usr/bin/env bash
# Stop the Neo4j server started by scripts/neo4j-up.sh and delete its temporary data.
# Logs stay under ~/.cache/modelctx/run/ until the next start. Stopping a server that isn't
# running is not an error. Use the same NEO4J_BOLT_PORT as for up (default 7687).
set -euo pipefail

# shellcheck source=neo4j/common.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/neo4j/common.sh"

lock_state

if [ ! -f "$NEO4J_STATE_FILE" ]; then
    log "not running (no $NEO4J_STATE_FILE)"
    if port_open "$NEO4J_BOLT_PORT"; then
        log "note: something else listens on 127.0.0.1:$NEO4J_BOLT_PORT; it was not started by neo4j-up.sh, so it is left alone"
    fi
    exit 0
fi

pid="$(state_get PID)"
home="$(state_get HOME)"
if server_alive "$pid" "$home"; then
    log "stopping pid $pid"
    stop_server "$pid" "$home"
    server_alive "$pid" "$home" && die "pid $pid is still running"
else
    log "pid ${pid:-?} had already exited"
fi
remove_home "$home"
rm -f "$NEO4J_STATE_FILE"
log "stopped; removed ${home:-its data}"
