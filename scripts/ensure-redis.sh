#!/usr/bin/env bash
# Several Rasa replicas share their conversation locks in Redis (Debian's redis-server); the
# tests start a throwaway server from it.
# Installs it with apt when it is missing and we may; otherwise says what to do.
# Only installs: starting and stopping the server is left to whoever needs it.
set -euo pipefail
if command -v redis-server >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "==> installing Debian's redis-server for the replicas' lock store"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends redis-server >/dev/null \
    || { apt-get update >/dev/null && apt-get install -y --no-install-recommends redis-server >/dev/null; }
  exit 0
fi
echo "error: the lock-store tests need Redis; install it (e.g. sudo apt-get install redis-server)" >&2
exit 1
