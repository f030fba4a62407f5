#!/usr/bin/env bash
# Install what the project needs on this machine, when missing:
#   uv (via pip), the Python environment (uv sync --frozen), with --nginx nginx, and with
#   --chromium Debian's chromium (the dashboard's browser tests; apt-get both).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PI_ROOT"

want_nginx=0 want_chromium=0
for arg in "$@"; do
  case "$arg" in
    --nginx) want_nginx=1 ;;
    --chromium) want_chromium=1 ;;
    *) die "unknown option: $arg" ;;
  esac
done

log "Python environment (uv sync --frozen)"
"$PI_UV" sync --frozen --quiet

if [ "$want_nginx" -eq 1 ] && [ -z "$(nginx_bin)" ]; then
  apt_install nginx libnginx-mod-http-js
  [ -n "$(nginx_bin)" ] || die "nginx is still missing after apt-get install"
fi
# njs, for the edge's cache of auth answers (deploy/nginx/auth_cache.js); Debian ships it apart.
if [ "$want_nginx" -eq 1 ] && is_debian && [ ! -f /usr/lib/nginx/modules/ngx_http_js_module.so ] \
   && ! "$(nginx_bin)" -V 2>&1 | grep -q njs; then
  apt_install libnginx-mod-http-js
fi

# Headless Chromium for tests/e2e/test_dashboard.py (through playwright-core, which downloads no
# browser of its own). fonts-liberation is only a Recommends of chromium: without a font the
# screenshots would have no text.
if [ "$want_chromium" -eq 1 ] && [ ! -x "$(chromium_bin)" ]; then
  apt_install chromium fonts-liberation
  [ -x "$(chromium_bin)" ] || die "chromium is still missing after apt-get install"
fi
