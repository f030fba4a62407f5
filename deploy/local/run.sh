#!/usr/bin/env bash
# make run: install what is missing, start every service and the edge, wait until healthy.
#   Docker engine answering (docker info)  -> docker compose up --build -d
#   otherwise                              -> local processes under supervisord
# PI_RUNTIME=local|docker forces one. Running it again is harmless: what runs keeps running,
# changed configuration is applied, stopped programs are started.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PI_ROOT"

print_urls() {  # print_urls HOW WEBHOOKS(0|1)
  cat <<TXT

Product Importer is running ($1).
  Dashboard and API      $PUBLIC_ORIGIN   (the edge listens on $PI_EDGE_ADDRESS:$PI_EDGE_PORT; everything else on loopback)
    imports (upload)     http://localhost:$PI_EDGE_PORT/api/imports
    products             http://localhost:$PI_EDGE_PORT/api/products
    progress (SSE)       http://localhost:$PI_EDGE_PORT/api/progress/imports/{job_id}
TXT
  [ "$2" -eq 1 ] && echo "    webhooks             http://localhost:$PI_EDGE_PORT/api/webhooks"
  cat <<TXT
  API docs (OpenAPI; on this machine only, each service's own port)
    upload               http://127.0.0.1:8001/docs
    catalog              http://127.0.0.1:8002/docs
    progress             http://127.0.0.1:8003/docs
TXT
  [ "$2" -eq 1 ] && echo "    webhooks             http://127.0.0.1:8004/docs"
  cat <<TXT
    accounts             http://127.0.0.1:8006/docs
  Every /api request needs a signed-in session or an API key:
    make api-key ROLE=admin|editor|viewer [NAME=...]   prints a new key (Authorization: Bearer <key>)
    make add-user EMAIL=... ROLE=...                   creates a user, prints its password
  make status | make logs | make stop
TXT
}

# First start: an admin to sign in with, its generated password printed this once.
first_admin() {  # first_admin PYTHON-COMMAND...
  local text
  text="$("$@" -m accounts first-admin --url "$PUBLIC_ORIGIN")" || die "could not create the first admin"
  [ -n "$text" ] && printf '\n%s\n' "$text"
  return 0
}

# ---------------------------------------------------------------- Docker Compose
if use_docker; then
  compose="$(compose_cmd)"
  [ -n "$compose" ] || die "PI_RUNTIME=docker, but neither 'docker compose' nor docker-compose is installed"
  pi_secrets   # exported for docker-compose.yml
  log "Docker engine found: $compose up --build -d"
  if [ "$compose" = "docker compose" ]; then
    # --wait: until every container with a healthcheck is healthy (the consumers included).
    $compose up --build -d --wait --wait-timeout "${PI_WAIT_TIMEOUT:-300}" || {
      $compose ps >&2 || true
      die "some containers did not become healthy (see above; docker compose logs SERVICE)"
    }
  else
    $compose up --build -d
  fi
  "$PI_LOCAL/wait-healthy.sh" docker
  webhooks=0
  $compose ps --services 2>/dev/null | grep -qx webhooks-api && webhooks=1
  print_urls "Docker Compose" "$webhooks"
  first_admin $compose exec -T accounts-api python
  exit 0
fi

# ---------------------------------------------------------------- local processes
"$PI_LOCAL/ensure-deps.sh" --nginx
"$PI_LOCAL/ensure-infra.sh" "$DATABASE_URL" "$AMQP_URL" "$REDIS_URL"
"$PI_UV" run --frozen --no-sync python "$PI_LOCAL/ensure_db.py" "$DATABASE_URL"
mkdir -p "$STORAGE_DIR" "$PI_VAR/log" "$PI_VAR/run"
"$PI_LOCAL/ensure-frontend.sh" build   # frontend/dist, which the edge serves at /
pi_secrets
"$PI_LOCAL/render-nginx.sh"
"$PI_LOCAL/render-supervisord.sh"

if supervisord_running; then
  log "supervisord already running: applying configuration changes, starting what is stopped"
  supervisorctl reread >/dev/null
  supervisorctl update
  supervisorctl start all >/dev/null 2>&1 || true   # programs already running are left alone
  supervisorctl signal HUP edge >/dev/null 2>&1 || true   # nginx re-reads its config
else
  # Not ours, but listening on our ports: the health checks would lie.
  busy=()
  while read -r name url; do
    port="${url#http://127.0.0.1:}"; port="${port%%/*}"
    tcp_open 127.0.0.1 "$port" && busy+=("$name:$port")
  done < "$PI_VAR/run/health-urls"
  if [ "${#busy[@]}" -gt 0 ]; then
    for b in "${busy[@]}"; do ss -ltnpH "sport = :${b##*:}" >&2 2>/dev/null || true; done
    die "ports already in use by other processes: ${busy[*]} (stop them, then make run)"
  fi
  log "starting supervisord (.var/supervisord.conf)"
  "$PI_UV" run --frozen --no-sync supervisord -c "$PI_SUPERVISOR_CONF"
fi

"$PI_LOCAL/wait-healthy.sh" local
webhooks=0
grep -q '^webhooks-api ' "$PI_VAR/run/health-urls" && webhooks=1
print_urls "local processes under supervisord" "$webhooks"
first_admin "$PI_UV" run --frozen --no-sync python
