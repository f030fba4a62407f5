#!/usr/bin/env bash
# The dashboard (frontend/): install its packages, build it, check it.
#   ensure-frontend.sh deps    npm ci when node_modules is missing or package-lock.json changed
#   ensure-frontend.sh build   deps, then `npm run build` into frontend/dist when a source is newer
#   ensure-frontend.sh check   deps, then the API types are current (needs the Python environment),
#                              typecheck, component tests (Vitest)
# Needs Node.js >= 20.19 and npm. `make run` without them serves the placeholder page (with a
# warning); `make test` fails, unless PI_SKIP_FRONTEND=1.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

FRONTEND="$PI_ROOT/frontend"
action="${1:-build}"
case "$action" in deps|build|check) ;; *) die "usage: ensure-frontend.sh deps|build|check" ;; esac

[ -f "$FRONTEND/package.json" ] || { warn "no frontend/: nothing to do"; exit 0; }
if [ "${PI_SKIP_FRONTEND:-0}" = "1" ]; then
  warn "PI_SKIP_FRONTEND=1: skipping the dashboard ($action)"
  exit 0
fi

node_ok() {  # Node.js >= 20.19 and npm on PATH
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'
}
if ! node_ok; then
  msg="the dashboard needs Node.js >= 20.19 and npm (found: $(node --version 2>/dev/null || echo none))"
  if [ "$action" = "build" ]; then
    warn "$msg; serving the placeholder page instead (install Node.js, then make run again)"
    exit 0
  fi
  die "$msg (or set PI_SKIP_FRONTEND=1 to skip the dashboard checks)"
fi

cd "$FRONTEND"
export NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false NPM_CONFIG_UPDATE_NOTIFIER=false

# npm ci when node_modules is missing or was installed from another package-lock.json.
stamp="node_modules/.installed-from-lock"
lock_hash="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ ! -d node_modules ] || [ "$(cat "$stamp" 2>/dev/null)" != "$lock_hash" ]; then
  log "dashboard packages (npm ci)"
  if ! npm ci --loglevel=error; then
    warn "npm ci failed over the existing node_modules: removing it and trying once more"
    rm -rf node_modules
    npm ci --loglevel=error
  fi
  echo "$lock_hash" > "$stamp"
fi

case "$action" in
  deps) ;;
  build)
    # Rebuild when dist is missing or any input is newer than it.
    if [ ! -f dist/index.html ] || [ -n "$(find src public index.html package-lock.json vite.config.ts tsconfig*.json postcss.config.cjs \
         -newer dist/index.html -print -quit 2>/dev/null)" ]; then
      log "dashboard build (npm run build -> frontend/dist)"
      npm run --silent build -- --logLevel warn
    else
      log "dashboard build is up to date (frontend/dist)"
    fi
    ;;
  check)
    log "dashboard: API types current, typecheck, component tests"
    PI_UV="$PI_UV" scripts/gen-openapi.sh --check   # openapi/*.json = what the services serve
    npm run --silent check:api                       # src/api/*.d.ts = what gen:api makes of them
    npm run --silent typecheck
    npm test --silent -- --run
    ;;
esac
