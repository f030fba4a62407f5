#!/usr/bin/env bash
# make stop: stop everything `make run` started (supervisord and its programs, or Compose).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PI_ROOT"

stopped=0
if supervisord_running; then
  log "stopping supervisord and its programs"
  pid="$(cat "$PI_VAR/run/supervisord.pid")"
  supervisorctl shutdown >/dev/null || kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -0 "$pid" 2>/dev/null && die "supervisord (pid $pid) is still running"
  stopped=1
fi
if use_docker && [ -n "$(compose_cmd)" ]; then
  log "docker compose down (volumes are kept)"
  $(compose_cmd) down
  stopped=1
fi
if [ "$stopped" -eq 1 ]; then log "stopped"; else log "nothing was running"; fi
