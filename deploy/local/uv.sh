#!/usr/bin/env bash
# Run uv with the given arguments, installing it first (python3 -m pip install uv) when missing.
# Every Makefile target and script goes through this, so a fresh machine needs only python3.
set -euo pipefail

if uv --version >/dev/null 2>&1; then
  exec uv "$@"
fi
if ! python3 -m uv --version >/dev/null 2>&1; then
  echo "==> installing uv (python3 -m pip install uv)" >&2
  python3 -m pip install --quiet uv >&2 \
    || python3 -m pip install --quiet --user --break-system-packages uv >&2
  hash -r
  if uv --version >/dev/null 2>&1; then
    exec uv "$@"
  fi
fi
exec python3 -m uv "$@"
