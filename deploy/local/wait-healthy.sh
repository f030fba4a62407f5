#!/usr/bin/env bash
# Wait until every health URL answers 2xx, or fail naming the one that did not, with the tail
# of its log.   wait-healthy.sh local|docker    (timeout: PI_WAIT_TIMEOUT seconds, default 180)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PI_ROOT"

mode="${1:-local}"
timeout="${PI_WAIT_TIMEOUT:-180}"

names=(); urls=()
if [ "$mode" = local ]; then
  while read -r name url; do names+=("$name"); urls+=("$url"); done < "$PI_VAR/run/health-urls"
else
  # Compose publishes the edge only; the services' health is each container's healthcheck
  # (docker compose up --wait covers it).
  names=(edge)
  urls=("http://127.0.0.1:$PI_EDGE_PORT/healthz")
fi

report() {  # report NAME URL WHY
  printf '\nERROR: %s is not healthy: %s (%s)\n' "$1" "$3" "$2" >&2
  if [ "$mode" = local ]; then
    supervisorctl status "$1" >&2 || true
    printf -- '--- last lines of .var/log/%s.log ---\n' "$1" >&2
    tail -n 40 "$PI_VAR/log/$1.log" >&2 2>/dev/null || echo "(no log yet)" >&2
  else
    $(compose_cmd) ps >&2 || true
    printf -- '--- last lines of the %s logs ---\n' "$1" >&2
    $(compose_cmd) logs --no-color --tail 40 "$1" >&2 || true
  fi
  printf '\nEverything else keeps running: inspect with `make status` / `make logs`, end it with `make stop`.\n' >&2
  exit 1
}

log "waiting for ${#names[@]} health endpoints (up to ${timeout}s)"
deadline=$((SECONDS + timeout))
pending=("${!names[@]}")
while :; do
  still=()
  for i in "${pending[@]}"; do
    http_ok "${urls[$i]}" || still+=("$i")
  done
  pending=("${still[@]+"${still[@]}"}")
  [ "${#pending[@]}" -eq 0 ] && break
  if [ "$mode" = local ]; then
    # A program supervisord gave up on will not get better by waiting.
    states="$(supervisorctl status 2>/dev/null || true)"
    for i in "${pending[@]}"; do
      if grep -q -E "^${names[$i]}[[:space:]]+FATAL" <<< "$states"; then
        report "${names[$i]}" "${urls[$i]}" "supervisord gave up starting it (FATAL)"
      fi
    done
  fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    i="${pending[0]}"
    if [ "${#pending[@]}" -gt 1 ]; then
      others=(); for j in "${pending[@]:1}"; do others+=("${names[$j]}"); done
      warn "also not healthy: ${others[*]}"
    fi
    report "${names[$i]}" "${urls[$i]}" "no 2xx answer within ${timeout}s"
  fi
  sleep 1
done
log "all healthy: ${names[*]}"
