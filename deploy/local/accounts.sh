#!/usr/bin/env bash
# make api-key / add-user / reset-password: the accounts command line against the database of
# `make run` (DATABASE_URL). What it makes (a key, a password) is the only line on stdout.
#   accounts.sh create-api-key ROLE [NAME] | add-user EMAIL ROLE | reset-password EMAIL
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PI_ROOT"

roles="admin|editor|viewer"
usage() { die "usage: $1"; }
case "${1:-}" in
  create-api-key)
    [[ "${2:-}" =~ ^($roles)$ ]] || usage "make api-key ROLE=$roles [NAME=ci-nightly]"
    args=(create-api-key --role "$2"); [ -n "${3:-}" ] && args+=(--name "$3") ;;
  add-user)
    [ -n "${2:-}" ] && [[ "${3:-}" =~ ^($roles)$ ]] || usage "make add-user EMAIL=ops@example.com ROLE=$roles"
    args=(add-user --email "$2" --role "$3") ;;
  reset-password)
    [ -n "${2:-}" ] || usage "make reset-password EMAIL=ops@example.com"
    args=(reset-password --email "$2") ;;
  *) usage "accounts.sh create-api-key|add-user|reset-password ..." ;;
esac

if use_docker; then
  exec $(compose_cmd) exec -T accounts-api python -m accounts "${args[@]}"
fi
"$PI_LOCAL/ensure-deps.sh" >&2
exec "$PI_UV" run --frozen --no-sync python -m accounts "${args[@]}"
