#!/usr/bin/env bash
# The browser tests drive Debian's Chromium with Playwright (no browser download).
# Installs it with apt when it is missing and we may; otherwise says what to do.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "==> installing Debian's chromium for the browser tests"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends chromium >/dev/null \
    || { apt-get update >/dev/null && apt-get install -y --no-install-recommends chromium >/dev/null; }
  exit 0
fi
echo "error: the browser tests need Chromium; install it (e.g. sudo apt-get install chromium)" >&2
exit 1
