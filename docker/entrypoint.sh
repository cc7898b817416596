#!/bin/sh
# Container entry point: creates the repo in $BTFS_TS_PATH (/data) on first start, applies
# BTFS_TS_API_TOKEN if given, and exposes the API beyond the container only when a token is set.
set -eu
cli="node /app/dist/src/cli/main.js"
if [ ! -f "$BTFS_TS_PATH/version" ]; then
  $cli init
fi
if [ -n "${BTFS_TS_API_TOKEN:-}" ]; then
  $cli config set api.token "$BTFS_TS_API_TOKEN" >/dev/null
fi
# In docker/compose.yml nodes find the bootstrap node's peer id through its API.
if [ -n "${BTFS_TS_BOOTSTRAP_API:-}" ]; then
  boot=$(node /app/docker/bootstrap-addr.mjs "$BTFS_TS_BOOTSTRAP_API" "${BTFS_TS_API_TOKEN:-}")
  set -- --bootstrap "$boot" "$@"
fi
token=$($cli config get api.token)
if [ -n "$token" ]; then
  exec $cli daemon --api 0.0.0.0:5001 "$@"
fi
echo "api.token is not set: the API stays on 127.0.0.1 inside the container." >&2
echo "Set BTFS_TS_API_TOKEN (or api.token in /data/config.json) to publish port 5001." >&2
exec $cli daemon --api 127.0.0.1:5001 "$@"
