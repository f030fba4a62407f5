# Shared helpers for the deploy/local/*.sh scripts. Source it; do not run it.
# shellcheck shell=bash

PI_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PI_VAR="$PI_ROOT/.var"
PI_LOCAL="$PI_ROOT/deploy/local"
PI_UV="$PI_LOCAL/uv.sh"
export PI_ROOT

# Runtime defaults: every one can be overridden from the environment.
export DATABASE_URL="${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/product_importer}"
export AMQP_URL="${AMQP_URL:-amqp://guest:guest@127.0.0.1:5672/}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
export STORAGE_DIR="${STORAGE_DIR:-$PI_VAR/storage}"
export BUS_NAMESPACE="${BUS_NAMESPACE:-pi}"
export LOG_LEVEL="${LOG_LEVEL:-info}"
export PI_EDGE_PORT="${PI_EDGE_PORT:-8080}"
# The edge is the only program listening beyond loopback (every service binds BIND_HOST).
export PI_EDGE_ADDRESS="${PI_EDGE_ADDRESS:-0.0.0.0}"
export BIND_HOST="${BIND_HOST:-127.0.0.1}"
# Where people reach the dashboard. The edge answers only for its host name (and loopback's),
# and browsers' state-changing requests must come from it. ALLOWED_HOSTS adds more names.
export PUBLIC_ORIGIN="${PUBLIC_ORIGIN:-http://localhost:$PI_EDGE_PORT}"
pi_public_host="${PUBLIC_ORIGIN#*://}"; pi_public_host="${pi_public_host%%/*}"
if [[ "$pi_public_host" == \[* ]]; then pi_public_host="${pi_public_host%%]*}]"; else pi_public_host="${pi_public_host%%:*}"; fi
pi_extra_hosts="${ALLOWED_HOSTS:-}"
# shellcheck disable=SC2086  # the extra names split on spaces (or commas)
PI_ALLOWED_HOSTS="${PI_ALLOWED_HOSTS:-$(printf '%s\n' localhost 127.0.0.1 '[::1]' "$pi_public_host" ${pi_extra_hosts//,/ } \
  | awk 'NF && !seen[$0]++' | paste -sd' ')}"
export PI_ALLOWED_HOSTS

# A secret the programs need: from the environment, else .var/secrets/<NAME>, made once (mode 600)
# by the command that follows; exported either way.  pi_secret NAME COMMAND...
pi_secret() {
  local name="$1" file="$PI_VAR/secrets/$1"
  shift
  if [ -n "${!name:-}" ]; then export "${name?}"; return 0; fi
  if [ ! -s "$file" ]; then
    mkdir -p "$PI_VAR/secrets" && chmod 700 "$PI_VAR/secrets"
    (umask 077 && "$@" > "$file.tmp" && mv "$file.tmp" "$file")
  fi
  export "$name=$(cat "$file")"
}
pi_secrets() {
  # Signs the principal the edge passes to the services (accounts signs, every service verifies).
  pi_secret PRINCIPAL_SIGNING_KEY python3 -c 'import secrets; print(secrets.token_urlsafe(48))'
  # Encrypts webhook signing secrets at rest (Fernet keys, newest first; docs/security.md: rotation).
  pi_secret WEBHOOKS_SECRET_KEYS python3 -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())'
}

if [ -t 2 ]; then
  log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
else
  log() { printf '==> %s\n' "$*" >&2; }
fi
warn() { printf 'WARNING: %s\n' "$*" >&2; }
die()  { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# Run a command as root (directly, or through sudo when available).
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "need root to run: $* (install it yourself, or run as root)"
  fi
}

is_debian() { [ -f /etc/debian_version ] && command -v apt-get >/dev/null 2>&1; }

# apt-get install, with one `apt-get update` per script run before the first install.
_PI_APT_UPDATED=0
apt_install() {
  is_debian || die "$* missing and this is not Debian: install it yourself"
  if [ "$_PI_APT_UPDATED" -eq 0 ]; then
    log "apt-get update"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    _PI_APT_UPDATED=1
  fi
  log "apt-get install $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# nginx binary: on PATH, or where Debian puts it (/usr/sbin is not on every PATH).
nginx_bin() {
  command -v nginx 2>/dev/null || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; } || true
}

# The browser of the dashboard's end-to-end tests: CHROMIUM_PATH, or Debian's chromium.
chromium_bin() {
  echo "${CHROMIUM_PATH:-/usr/bin/chromium}"
}

# Put nginx's directory on PATH (Debian's /usr/sbin is not on every user's PATH), for tests
# that start nginx themselves.
add_nginx_to_path() {
  local nginx
  nginx="$(nginx_bin)"
  [ -n "$nginx" ] && PATH="$PATH:$(dirname "$nginx")" && export PATH
  return 0
}

# Is a TCP port accepting connections?  tcp_open HOST PORT
tcp_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null
}

# Split a URL into host and port: url_host_port URL DEFAULT_PORT -> "host port"
url_host_port() {
  local url="$1" default_port="$2" rest hostport host port
  rest="${url#*://}"          # drop scheme
  rest="${rest%%/*}"          # drop path
  rest="${rest%%\?*}"         # drop query
  hostport="${rest##*@}"      # drop credentials
  if [[ "$hostport" == \[*\]* ]]; then   # [ipv6]:port
    host="${hostport%%]*}"; host="${host#[}"
    port="${hostport#*]}"; port="${port#:}"
  else
    host="${hostport%%:*}"
    port="${hostport#"$host"}"; port="${port#:}"
  fi
  printf '%s %s\n' "${host:-127.0.0.1}" "${port:-$default_port}"
}

is_local_host() {
  case "$1" in localhost|127.*|::1|0.0.0.0) return 0 ;; *) return 1 ;; esac
}

# Does a Docker engine answer (and is compose available)?  Honour PI_RUNTIME=local|docker.
compose_cmd() {
  if docker compose version >/dev/null 2>&1; then echo "docker compose"
  elif command -v docker-compose >/dev/null 2>&1; then echo "docker-compose"
  fi
}
use_docker() {
  case "${PI_RUNTIME:-auto}" in
    local) return 1 ;;
    docker) return 0 ;;
  esac
  command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1 && [ -n "$(compose_cmd)" ]
}

# supervisord helpers (local mode)
PI_SUPERVISOR_CONF="$PI_VAR/supervisord.conf"
supervisord_running() {
  local pidfile="$PI_VAR/run/supervisord.pid"
  [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}
supervisorctl() {
  "$PI_UV" run --frozen --no-sync supervisorctl -c "$PI_SUPERVISOR_CONF" "$@"
}

# Programs table (deploy/local/programs.tsv) without comments and blank lines.
programs() {
  grep -v -E '^[[:space:]]*(#|$)' "$PI_LOCAL/programs.tsv"
}

# Does URL answer 2xx within 2 s?
http_ok() {
  if command -v curl >/dev/null 2>&1; then
    curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null
  else
    python3 - "$1" <<'PY' 2>/dev/null
import sys, urllib.request
urllib.request.urlopen(sys.argv[1], timeout=2).read()
PY
  fi
}
