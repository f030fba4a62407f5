#!/usr/bin/env bash
# Make sure PostgreSQL, RabbitMQ and Redis answer at the given URLs.
#   ensure-infra.sh POSTGRES_URL AMQP_URL REDIS_URL
# A server that does not answer on localhost is installed (Debian: apt-get) when missing
# and started. A server on another host is only checked.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

WAIT_SECONDS="${PI_INFRA_WAIT:-90}"

wait_port() {  # wait_port NAME HOST PORT
  local i
  for ((i = 0; i < WAIT_SECONDS; i++)); do
    tcp_open "$2" "$3" && return 0
    sleep 1
  done
  die "$1 did not start listening on $2:$3 within ${WAIT_SECONDS}s"
}

pg_version() { ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1; }

ensure_postgres() {
  local host="$1" port="$2" fresh=0 ver
  if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ -z "$(pg_version)" ]; then
    apt_install postgresql
    fresh=1
  fi
  ver="$(pg_version)"
  [ -n "$ver" ] || die "no PostgreSQL cluster found under /etc/postgresql"
  if [ ! -d "/etc/postgresql/$ver/main" ]; then
    log "creating PostgreSQL $ver cluster 'main'"
    as_root pg_createcluster --port "$port" "$ver" main
    fresh=1
  fi
  if [ "$fresh" -eq 1 ]; then
    # A cluster we just created: let local TCP clients in without a password, as the
    # default URLs expect (postgresql://postgres@127.0.0.1). Never done to an existing one.
    local hba="/etc/postgresql/$ver/main/pg_hba.conf"
    log "allowing password-less local TCP connections in $hba (new development cluster)"
    as_root sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
  fi
  log "starting PostgreSQL $ver"
  as_root pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
  wait_port PostgreSQL "$host" "$port"
  if command -v pg_isready >/dev/null 2>&1; then
    local i
    for ((i = 0; i < WAIT_SECONDS; i++)); do
      pg_isready -q -h "$host" -p "$port" && return 0
      sleep 1
    done
    die "PostgreSQL on $host:$port does not accept connections"
  fi
}

ensure_rabbitmq() {
  command -v rabbitmq-server >/dev/null 2>&1 || [ -x /usr/sbin/rabbitmq-server ] || apt_install rabbitmq-server
  log "starting RabbitMQ"
  as_root env PATH="$PATH:/usr/sbin" rabbitmq-server -detached || true
  wait_port RabbitMQ "$1" "$2"
}

ensure_redis() {
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
  log "starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$2" --save "" --appendonly no >/dev/null
  wait_port Redis "$1" "$2"
}

ensure() {  # ensure URL
  local url="$1" scheme kind default_port host port
  scheme="${url%%://*}"
  case "$scheme" in
    postgres|postgresql) kind=postgres; default_port=5432 ;;
    amqp|amqps)          kind=rabbitmq; default_port=5672 ;;
    redis|rediss)        kind=redis;    default_port=6379 ;;
    *) die "don't know how to provide a server for URL scheme '$scheme'" ;;
  esac
  read -r host port < <(url_host_port "$url" "$default_port")
  if tcp_open "$host" "$port"; then
    return 0
  fi
  is_local_host "$host" || die "$kind at $host:$port does not answer (not local: start it yourself)"
  is_debian || die "$kind at $host:$port does not answer; install and start it (automatic only on Debian)"
  log "$kind is not answering on $host:$port"
  "ensure_$kind" "$host" "$port"
}

[ "$#" -gt 0 ] || die "usage: ensure-infra.sh URL..."
for url in "$@"; do
  ensure "$url"
done
