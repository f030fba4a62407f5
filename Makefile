# Product Importer: run it, test it, measure it.
# The work is done by small scripts in deploy/local/ (read them for the details).
# Configuration comes from the environment; see deploy/local/lib.sh for the defaults.

SHELL := /bin/bash
LOCAL := deploy/local

BENCH_ROWS ?= 500000
PYTEST_ARGS ?=
export BENCH_ROWS PYTEST_ARGS

.DEFAULT_GOAL := help
.PHONY: help run stop restart status logs test bench deps infra edge-config clean api-key add-user reset-password

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

run: ## install what is missing, build the dashboard, start every service and the edge on :8080, wait until healthy
	@$(LOCAL)/run.sh

stop: ## stop everything `make run` started
	@$(LOCAL)/stop.sh

restart: stop run ## stop, then run

status: ## show the state of every program
	@$(LOCAL)/status.sh

logs: ## follow the logs (.var/log/*.log); only some: make logs P="upload-api edge"
	@$(LOCAL)/logs.sh "$(P)"

test: ## dashboard checks (typecheck, Vitest), then the whole test suite, browser tests included, against real PostgreSQL, RabbitMQ, Redis (PYTEST_ARGS="...")
	@$(LOCAL)/test.sh

api-key: ## print a new API key alone on one line: make api-key ROLE=admin|editor|viewer [NAME=ci-nightly]
	@$(LOCAL)/accounts.sh create-api-key "$(ROLE)" "$(NAME)"

add-user: ## create a user, print its generated password alone on one line: make add-user EMAIL=... ROLE=...
	@$(LOCAL)/accounts.sh add-user "$(EMAIL)" "$(ROLE)"

reset-password: ## give a user a new generated password (printed; to be changed at sign-in): make reset-password EMAIL=...
	@$(LOCAL)/accounts.sh reset-password "$(EMAIL)"

bench: ## the benchmarks (BENCH_ROWS=500000)
	@$(LOCAL)/bench.sh

deps: ## install uv, the Python environment (uv sync --frozen) and nginx
	@$(LOCAL)/ensure-deps.sh --nginx

infra: ## make sure PostgreSQL, RabbitMQ and Redis answer (install/start them on Debian)
	@source $(LOCAL)/lib.sh && $(LOCAL)/ensure-infra.sh "$$DATABASE_URL" "$$AMQP_URL" "$$REDIS_URL"

edge-config: ## render and check the local nginx config (.var/nginx/)
	@$(LOCAL)/render-nginx.sh && echo "nginx config OK: .var/nginx/nginx.conf"

clean: stop ## stop, then remove generated config, logs and pid files (keeps .var/storage)
	rm -rf .var/log .var/run .var/nginx .var/supervisord.conf
