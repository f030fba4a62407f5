#!/usr/bin/env bash
# make logs: follow the logs of every program, or of the programs named in $1 (space separated).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PI_ROOT"

read -r -a only <<< "${1:-}"
if ! supervisord_running && use_docker; then
  exec $(compose_cmd) logs --follow --tail 50 "${only[@]}"
fi
files=()
if [ "${#only[@]}" -gt 0 ]; then
  for p in "${only[@]}"; do files+=("$PI_VAR/log/$p.log"); done
else
  for f in "$PI_VAR"/log/*.log; do [ -e "$f" ] && files+=("$f"); done
fi
[ "${#files[@]}" -gt 0 ] || die "no logs under .var/log yet (make run first)"
exec tail -n 20 -F "${files[@]}"
