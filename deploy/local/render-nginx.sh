#!/usr/bin/env bash
# Render the local edge config into .var/nginx/ (paths differ per checkout) and check it.
#   .var/nginx/nginx.conf  <- deploy/local/nginx.conf.template
#   .var/nginx/edge.conf   <- deploy/nginx/edge.conf.template (the routes, shared with Compose)
# The dashboard root is frontend/dist when it has been built, else deploy/nginx/placeholder.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

nginx="$(nginx_bin)"
[ -n "$nginx" ] || die "nginx is not installed (make run / make test install it)"

mkdir -p "$PI_VAR/nginx/tmp" "$PI_VAR/log" "$PI_VAR/run"

if [ -f "$PI_ROOT/frontend/dist/index.html" ]; then
  web_root="$PI_ROOT/frontend/dist"
else
  web_root="$PI_ROOT/deploy/nginx/placeholder"
fi

# Workers of a root master run as the checkout's owner, who can read the web root.
nginx_user=""
if [ "$(id -u)" -eq 0 ]; then
  nginx_user="user $(stat -c %U "$PI_ROOT") $(stat -c %G "$PI_ROOT");"
fi
if [ -f /etc/nginx/mime.types ]; then
  mime="include /etc/nginx/mime.types;"
else
  mime="types { text/html html; text/css css; application/javascript js mjs; application/json json; image/svg+xml svg; image/png png; image/x-icon ico; font/woff2 woff2; }"
fi

# The njs module (Debian: libnginx-mod-http-js), loaded unless nginx has it built in.
js_module=""
for so in /usr/lib/nginx/modules/ngx_http_js_module.so /usr/share/nginx/modules/ngx_http_js_module.so; do
  [ -f "$so" ] && { js_module="load_module $so;"; break; }
done
mkdir -p "$PI_VAR/nginx/cache/auth"

# sed replacement text: escape \, & and the | delimiter.
esc() { printf '%s' "$1" | sed -e 's/[\\&|]/\\&/g'; }

render() {  # render TEMPLATE OUTPUT  (writes atomically)
  sed \
    -e "s|@PI_VAR@|$(esc "$PI_VAR")|g" \
    -e "s|@PI_NGINX_USER@|$(esc "$nginx_user")|g" \
    -e "s|@PI_NGINX_MIME@|$(esc "$mime")|g" \
    -e "s|@PI_NGINX_JS_MODULE@|$(esc "$js_module")|g" \
    -e "s|\${PI_NJS_DIR}|$(esc "$PI_ROOT/deploy/nginx")|g" \
    -e "s|\${PI_AUTH_CACHE_DIR}|$(esc "$PI_VAR/nginx/cache/auth")|g" \
    -e "s|\${PI_EDGE_PORT}|$(esc "$PI_EDGE_PORT")|g" \
    -e "s|\${PI_EDGE_LISTEN}|$(esc "$PI_EDGE_ADDRESS:$PI_EDGE_PORT")|g" \
    -e "s|\${PI_ALLOWED_HOSTS}|$(esc "$PI_ALLOWED_HOSTS")|g" \
    -e "s|\${PI_WEB_ROOT}|$(esc "$web_root")|g" \
    -e "s|\${PI_UPLOAD_UPSTREAM}|127.0.0.1:8001|g" \
    -e "s|\${PI_CATALOG_UPSTREAM}|127.0.0.1:8002|g" \
    -e "s|\${PI_PROGRESS_UPSTREAM}|127.0.0.1:8003|g" \
    -e "s|\${PI_WEBHOOKS_UPSTREAM}|127.0.0.1:8004|g" \
    -e "s|\${PI_ACCOUNTS_UPSTREAM}|127.0.0.1:8006|g" \
    "$1" > "$2.tmp"
  if grep -n -E '@PI_[A-Z_]+@|\$\{PI_[A-Z_]+\}' "$2.tmp" >&2; then
    die "unfilled placeholder in $2 (above)"
  fi
  mv "$2.tmp" "$2"
}

render "$PI_ROOT/deploy/nginx/edge.conf.template" "$PI_VAR/nginx/edge.conf"
render "$PI_LOCAL/nginx.conf.template" "$PI_VAR/nginx/nginx.conf"

"$nginx" -t -q -e stderr -p "$PI_VAR/nginx/" -c "$PI_VAR/nginx/nginx.conf" \
  || die "nginx rejects $PI_VAR/nginx/nginx.conf"
