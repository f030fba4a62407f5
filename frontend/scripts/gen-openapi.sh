#!/usr/bin/env bash
# The services' OpenAPI documents, dumped from their app factories (the Python environment is
# needed; no server, no database), then the TypeScript types from them (npm run gen:api).
#   frontend/scripts/gen-openapi.sh           regenerate openapi/*.json and src/api/*.d.ts
#   frontend/scripts/gen-openapi.sh --check   fail when openapi/*.json differs from the services
# Run it after changing a service's API, and commit both files.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="$(cd "$here/.." && pwd)"
uv="${PI_UV:-uv}"
check=0
[ "${1:-}" = "--check" ] && check=1

# document name -> the Python module whose api_app() serves it
services=(upload:upload.service catalog:catalog.service webhooks:webhooks.service accounts:accounts.service)

# An app refuses to be built without its keys; its document does not depend on them, so throwaway
# ones do (no server runs here).
export PRINCIPAL_SIGNING_KEY="${PRINCIPAL_SIGNING_KEY:-openapi-dump-only-not-a-real-key-0123456789}"
export WEBHOOKS_SECRET_KEYS="${WEBHOOKS_SECRET_KEYS:-$(python3 -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())')}"

cd "$root"
stale=0
for entry in "${services[@]}"; do
  name="${entry%%:*}" module="${entry#*:}"
  tmp="$(mktemp)"
  "$uv" run --frozen --no-sync python -c \
    "import json; from $module import api_app; print(json.dumps(api_app().openapi(), indent=2, sort_keys=True))" > "$tmp"
  if [ "$check" -eq 1 ]; then
    if ! cmp -s "$tmp" "$here/openapi/$name.json"; then
      echo "frontend/openapi/$name.json is not the $name service's current OpenAPI document:" >&2
      echo "  run frontend/scripts/gen-openapi.sh and commit frontend/openapi/ and frontend/src/api/." >&2
      stale=1
    fi
    rm -f "$tmp"
  else
    mv "$tmp" "$here/openapi/$name.json"
  fi
done
[ "$check" -eq 1 ] && exit "$stale"
cd "$here" && npm run --silent gen:api
