#!/usr/bin/env bash
# make bench: the benchmarks (tests/bench/run.py), printing their figures.
# BENCH_ROWS (default 500000) is passed through in the environment; BENCH_ARGS as arguments.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PI_ROOT"

export BENCH_ROWS="${BENCH_ROWS:-500000}"
export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/product_importer_test}"

[ -f tests/bench/run.py ] || die "tests/bench/run.py does not exist yet"
"$PI_LOCAL/ensure-deps.sh" --nginx
"$PI_LOCAL/ensure-infra.sh" "$TEST_DATABASE_URL" "$AMQP_URL" "$REDIS_URL"
"$PI_UV" run --frozen --no-sync python "$PI_LOCAL/ensure_db.py" "$TEST_DATABASE_URL"
add_nginx_to_path

args=()
eval "args=(${BENCH_ARGS:-})"
log "uv run --frozen python tests/bench/run.py ${args[*]} (BENCH_ROWS=$BENCH_ROWS)"
exec "$PI_UV" run --frozen python tests/bench/run.py "${args[@]}"
