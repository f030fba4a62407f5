#!/usr/bin/env bash
# Install what the project needs on this machine, when missing:
#   uv (via pip), the Python environment (uv sync --frozen), and with --nginx, nginx (apt-get).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PI_ROOT"

want_nginx=0
for arg in "$@"; do
  case "$arg" in
    --nginx) want_nginx=1 ;;
    *) die "unknown option: $arg" ;;
  esac
done

log "Python environment (uv sync --frozen)"
"$PI_UV" sync --frozen --quiet

if [ "$want_nginx" -eq 1 ] && [ -z "$(nginx_bin)" ]; then
  apt_install nginx
  [ -n "$(nginx_bin)" ] || die "nginx is still missing after apt-get install"
fi
