#!/usr/bin/env bash
# make status: the state of every program (exit status 3 when one is not running).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PI_ROOT"

if supervisord_running; then
  supervisorctl status
elif use_docker; then
  $(compose_cmd) ps
else
  echo "not running (make run starts it)"
  exit 3
fi
