#!/usr/bin/env bash
# make test: the whole test suite against real PostgreSQL, RabbitMQ and Redis.
# Installs what it needs (uv, the Python environment, nginx, chromium), checks the dashboard first
# (deploy/local/ensure-frontend.sh check: API types current, typecheck, Vitest; skip with
# PI_SKIP_FRONTEND=1), makes sure the three servers answer, then runs pytest. Does not need
# `make run`: the tests start their own processes. The dashboard's browser tests
# (tests/e2e/test_dashboard.py) build frontend/dist when it is stale and drive it in headless chromium.
# Extra pytest arguments: PYTEST_ARGS="-k upload -x".  No test collected is a failure.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PI_ROOT"

export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/product_importer_test}"

if [ "${PI_SKIP_FRONTEND:-0}" = "1" ]; then
  "$PI_LOCAL/ensure-deps.sh" --nginx
else
  "$PI_LOCAL/ensure-deps.sh" --nginx --chromium
fi
"$PI_LOCAL/ensure-frontend.sh" check
"$PI_LOCAL/ensure-infra.sh" "$TEST_DATABASE_URL" "$AMQP_URL" "$REDIS_URL"
"$PI_UV" run --frozen --no-sync python "$PI_LOCAL/ensure_db.py" "$TEST_DATABASE_URL"

add_nginx_to_path

args=()
eval "args=(${PYTEST_ARGS:-})"
log "uv run --frozen pytest ${args[*]}"
set +e
"$PI_UV" run --frozen pytest "${args[@]}"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "ERROR: pytest collected no tests (exit status 5): failing." >&2
  exit 1
fi
exit "$status"
